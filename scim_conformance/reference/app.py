"""The WSGI application: auth, routing and the resource handlers (RFC 7644 §3)."""

from __future__ import annotations

import base64
import copy
import hmac
import secrets
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from . import discovery
from .errors import ConnectionDropped, ScimError, bad_request, not_found
from .faults import Fault
from .filters import FilterError, Node, mentions, parse_filter
from .limiters import Limiter
from .matching import matches
from .paths import ci_get, ci_key, ci_pop
from .projection import exclude, include, parse_selection
from .resources import clean_input
from .schema import CASE_EXACT, CORE_URN, ENTERPRISE_USER, Kind, known_urn
from .store import Store
from .webex_rules import beyond_eq
from .wsgi import Request, Response, StartResponse, error_response, send

DEFAULT_ORG_ID = "0ae87ade-8c8a-4952-af08-318798958d0c"
DEFAULT_COUNT = 100  # Webex's default page size (Webex SCIM 2 Users API docs).
_KINDS: dict[str, Kind] = {"users": "User", "groups": "Group"}
_WEBEX_SCHEMAS = "/Schemas/SCIM2/"  # Webex discovery lives at the host root.
_DISCOVERY = ("serviceproviderconfig", "resourcetypes", "schemas")
# OAuth 2.0 client credentials (RFC 6749 §4.4), at the host root: the flow Microsoft's gallery
# checklist requires of new apps. The client secret is the server's bearer token.
TOKEN_PATH = "/oauth/token"
CLIENT_ID = "scim-conformance"
_JSON = "application/json"  # RFC 6749 §5.1
TOKEN_LIFETIME_S = 3600  # one hour: inside the 60-360 minutes the checklist requires
# Used by the RENAME_DROPS_MEMBERS and RENAME_KEEPS_ONE_MEMBER faults only.
_REMOVE_ALL_MEMBERS = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "remove", "path": "members"}],
}
Handler = Callable[[], Response]


def _keep_first(member: dict[str, Any]) -> dict[str, Any]:
    """The operation the RENAME_KEEPS_ONE_MEMBER fault applies: members = the first one."""
    return {"op": "replace", "path": "members", "value": [{"value": member["value"]}]}


class ReferenceApp:
    """An in-memory, Webex-flavoured SCIM 2.0 server as a WSGI callable."""

    def __init__(
        self,
        token: str,
        org_id: str = DEFAULT_ORG_ID,
        faults: Iterable[Fault] = (),
        limiter: Limiter | None = None,
    ) -> None:
        self.token = token
        self.limiter = limiter  # a rate limit to enforce (reference/limiters.py), or none
        self.org_id = org_id
        self.faults = frozenset(Fault(f) for f in faults)
        self.base_path = f"/identity/scim/{org_id}/v2"  # Webex SCIM 2 overview
        # The tenant URL Microsoft's Cisco Webex provisioning tutorial still documents.
        self.legacy_base_path = f"/v1/scim/{org_id}"
        self._store = Store(self.base_path, self.faults)
        self._count_lock = threading.Lock()
        # One request at a time in the store: clients send requests together (a listing must
        # never iterate the store while a create inserts); a delay before it still overlaps.
        self._store_lock = threading.Lock()
        self._request_count = 0
        self._created: list[dict[str, Any]] = []
        self._issued: set[str] = set()  # access tokens the token endpoint issued

    @property
    def request_count(self) -> int:
        """Total HTTP requests handled so far."""
        with self._count_lock:
            return self._request_count

    def users(self) -> list[dict[str, Any]]:
        """Deep copies of the stored users, oldest first."""
        return self._store.all("User")

    def groups(self) -> list[dict[str, Any]]:
        """Deep copies of the stored groups, oldest first."""
        return self._store.all("Group")

    def created(self, kind: Kind = "User") -> list[dict[str, Any]]:
        """Every resource of a kind created over HTTP, as created, deleted ones included."""
        with self._count_lock:
            return [copy.deepcopy(r) for r in self._created if r["meta"]["resourceType"] == kind]

    def seed_user(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a user directly, without HTTP (e.g. a "foreign" account for tests)."""
        return self._store.create(
            "User", clean_input("User", _with_core(body, "User"), frozenset(), creating=False)
        )

    def seed_group(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a group directly, without HTTP."""
        return self._store.create(
            "Group", clean_input("Group", _with_core(body, "Group"), frozenset(), creating=False)
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Handle one WSGI request; every failure becomes a SCIM error response."""
        with self._count_lock:
            self._request_count += 1
            throttled = self._request_count % 20 == 0
        # Webex clients send a TrackingID header; echo it, else make one.
        tracking_id = str(environ.get("HTTP_TRACKINGID") or f"SCIMREF_{uuid.uuid4()}")
        try:
            if throttled and Fault.THROTTLES_WITHOUT_RETRY_AFTER in self.faults:
                # Fault: a 429 without the Retry-After header Webex documents (Webex rate limiting).
                raise ScimError(429, "too many requests")
            wait = None if self.limiter is None else self.limiter.admit(time.monotonic())
            if wait is not None:
                raise ScimError(429, "too many requests", headers=(("Retry-After", str(wait)),))
            request = Request.from_environ(environ)
            with self._store_lock:
                response = self._dispatch(request)
        except ConnectionDropped:
            raise  # Fault: the server hangs up without answering (wsgiref closes quietly).
        except ScimError as exc:
            response = error_response(exc, tracking_id, self.faults)
        except Exception:
            traceback.print_exc(file=environ.get("wsgi.errors"))
            response = error_response(ScimError(500, "internal error"), tracking_id, self.faults)
        return send(response, tracking_id, self.faults, start_response)

    # Routing ---------------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Response:
        """Authenticate, then route Webex root discovery or the org base path."""
        if request.path.rstrip("/") == TOKEN_PATH:
            return _only(request, {"POST": lambda: self._issue_token(request)})
        self._authenticate(request)
        self._media_type_faults(request)
        path = request.path.rstrip("/") or "/"  # A trailing slash is tolerated.
        legacy = self.legacy_base_path
        if path == legacy or path.startswith(legacy + "/"):
            path = self.base_path + path[len(legacy) :]  # An alias of the current form.
        if path.startswith(_WEBEX_SCHEMAS):
            name = path[len(_WEBEX_SCHEMAS) :]
            return _only(request, {"GET": lambda: self._webex_schemas(request, name)})
        if not path.startswith(self.base_path + "/") and path != self.base_path:
            raise ScimError(404, f"no such endpoint {request.path}")
        parts = [p for p in path[len(self.base_path) :].split("/") if p]
        return self._route(request, parts)

    def _route(self, request: Request, parts: list[str]) -> Response:
        """Pick the handler for a path below the base path."""
        head = parts[0].lower() if parts else ""
        base_url = request.origin + self.base_path
        if head == "groups" and Fault.NO_GROUPS in self.faults:
            raise ScimError(404, f"no such endpoint {request.path}")  # Fault: users only.
        if head in _KINDS and len(parts) <= 2:
            kind = _KINDS[head]
            if len(parts) == 1:
                return _only(
                    request,
                    {
                        "GET": lambda: self._list(kind, request),
                        "POST": lambda: self._create(kind, request),
                    },
                )
            rid = parts[1]
            return _only(
                request,
                {
                    "GET": lambda: self._get(kind, rid, request),
                    "PUT": lambda: self._replace(kind, rid, request),
                    "PATCH": lambda: self._patch(kind, rid, request),
                    "DELETE": lambda: self._delete(kind, rid),
                },
            )
        if head in _DISCOVERY and Fault.DISCOVERY_MISSING in self.faults:
            raise ScimError(404, f"no such endpoint {request.path}")  # Fault (Webex form stays).
        if head == "serviceproviderconfig" and len(parts) == 1:
            config = discovery.service_provider_config(base_url)
            if Fault.SPC_DENIES_PATCH in self.faults:
                config["patch"]["supported"] = False  # Fault: contradicts working PATCH.
            return _only(request, {"GET": lambda: Response(200, config)})
        if head == "resourcetypes" and len(parts) <= 2:
            docs = discovery.resource_types(base_url)
            return _only(request, {"GET": lambda: _one_or_list(docs, parts[1:], "ResourceType")})
        if head == "schemas" and len(parts) <= 2:
            docs = discovery.schemas(base_url)
            if Fault.SCHEMAS_WITHOUT_GROUP in self.faults:
                docs = [d for d in docs if d.get("id") != CORE_URN["Group"]]  # Fault.
            if Fault.SCHEMAS_OMIT_TITLE in self.faults:
                _omit_title(docs)  # Fault.
            return _only(request, {"GET": lambda: _one_or_list(docs, parts[1:], "Schema")})
        raise ScimError(404, f"no such endpoint {request.path}")

    def _authenticate(self, request: Request) -> None:
        """RFC 6750 bearer token, compared in constant time; 401 says nothing else."""
        header = request.headers.get("authorization")
        if header is None and Fault.AUTH_NOT_ENFORCED in self.faults:
            return  # Fault: anonymous requests are served.
        scheme, _, token = (header or "").strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            if Fault.WRONG_TOKEN_ACCEPTED in self.faults:
                return  # Fault: any bearer token will do.
            if hmac.compare_digest(token.strip().encode(), self.token.encode()):
                return
            with self._count_lock:
                if token.strip() in self._issued:
                    return
        raise ScimError(401, "authentication required", headers=(("WWW-Authenticate", "Bearer"),))

    def _media_type_faults(self, request: Request) -> None:
        """The faults of a server that reads the request's media types too literally."""
        content_type = request.headers.get("content-type", "")
        write = request.method in ("POST", "PUT", "PATCH")
        if write and ";" in content_type and Fault.CHARSET_REFUSED in self.faults:
            raise ScimError(415, f"unsupported media type {content_type!r}")  # Fault.
        accept = request.headers.get("accept", "")
        no_json = request.method == "GET" and "json" not in accept.lower()
        if no_json and Fault.ACCEPT_WITHOUT_JSON_406 in self.faults:
            raise ScimError(406, f"cannot answer in {accept or 'the default format'}")  # Fault.

    def _issue_token(self, request: Request) -> Response:
        """The client-credentials grant (RFC 6749 §4.4): the client authenticates with its id
        and secret in the form body or HTTP Basic (§2.3.1); the answer is §5.1's."""
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            decoded = base64.b64decode(credentials.strip() or "=", validate=False)
            client_id, _, secret = decoded.decode("utf-8", "replace").partition(":")
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"}, content_type=_JSON)
        known = hmac.compare_digest(secret.encode(), self.token.encode())
        if client_id != CLIENT_ID or not known:
            challenge = [("WWW-Authenticate", "Basic")]
            return Response(401, {"error": "invalid_client"}, challenge, content_type=_JSON)
        access_token = secrets.token_urlsafe(32)
        with self._count_lock:
            self._issued.add(access_token)
        lifetime = 86400 if Fault.TOKEN_LIFETIME_24H in self.faults else TOKEN_LIFETIME_S
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime}
        return Response(200, body, [("Cache-Control", "no-store")], content_type=_JSON)

    def _webex_schemas(self, request: Request, name: str) -> Response:
        """`/Schemas/SCIM2/User|Group|{urn}`, Webex's schema endpoints."""
        base_url = request.origin + self.base_path
        if name.lower() in ("user", "group"):
            kind: Kind = "User" if name.lower() == "user" else "Group"
            return Response(200, discovery.list_response(discovery.schemas_for(kind, base_url)))
        return _one_or_list(discovery.schemas(base_url), [name], "Schema")

    # Resource handlers -----------------------------------------------------------------------

    def _list(self, kind: Kind, request: Request) -> Response:
        """Filter, page and project (RFC 7644 §3.4.2); no match is 200 with an empty list."""
        node = self._filter(kind, request.query.get("filter", "").strip())
        start = max(_int_param(request, "startindex", 1), 1)
        count = min(max(_int_param(request, "count", DEFAULT_COUNT), 0), discovery.MAX_RESULTS)
        found = self._store.all(kind)
        if node is not None:
            case_exact = CASE_EXACT
            if kind == "User" and Fault.USERNAME_CASE_SENSITIVE in self.faults:
                case_exact = CASE_EXACT | {"username"}  # Fault: userName compared exactly.
            found = [r for r in found if matches(node, r, case_exact=case_exact)]
            hidden = {Fault.INACTIVE_HIDDEN, Fault.INACTIVE_UNMATCHED} & self.faults
            if kind == "User" and hidden:
                found = [r for r in found if r.get("active") is not False]  # Fault.
            empty_404 = Fault.EMPTY_FILTER_404 in self.faults or (
                kind == "Group" and Fault.GROUP_EMPTY_FILTER_404 in self.faults
            )
            if not found and empty_404:
                raise ScimError(404, "no resources match the filter")  # Fault.
        if kind == "User" and node is None and Fault.INACTIVE_UNLISTED in self.faults:
            found = [r for r in found if r.get("active") is not False]  # Fault.
        if Fault.PAGINATION_IGNORED in self.faults:
            start, page = 1, found  # Fault: startIndex/count ignored.
        else:
            page = found[start - 1 : start - 1 + count]
        if Fault.PAGES_CAPPED_AT_10 in self.faults:
            page = found[start - 1 : min(start - 1 + count, 10)]  # Fault: nothing past the 10th.
        # Webex omits group members from lists unless asked for (`includeMembers`).
        wanted = parse_selection(request.query.get("attributes"))
        with_members = request.query.get("includemembers", "").lower() == "true"
        with_members &= Fault.INCLUDE_MEMBERS_IGNORED not in self.faults  # Fault.
        omit_members = kind == "Group" and not with_members and "members" not in wanted.names()
        if kind == "Group" and Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED in self.faults:
            omit_members = False  # Fault: members always listed.
        shown = [self._present(kind, r, request, omit_members=omit_members) for r in page]
        return Response(200, discovery.list_response(shown, len(found), start))

    def _filter(self, kind: Kind, text: str) -> Node | None:
        """The parsed filter, or None when absent (or ignored by a fault)."""
        if not text or (kind == "User" and Fault.FILTER_IGNORED in self.faults):
            return None  # FILTER_IGNORED fault: every user is returned.
        if Fault.FILTER_ESCAPED_QUOTE_400 in self.faults and '\\"' in text:
            raise bad_request("invalid filter", "invalidFilter")  # Fault: `\"` ends the string.
        try:
            node = parse_filter(text)
        except FilterError as exc:
            raise bad_request(f"invalid filter: {exc}", "invalidFilter") from exc
        if Fault.EXTERNALID_FILTER_UNSUPPORTED in self.faults and mentions(node, "externalId"):
            raise bad_request("externalId cannot be filtered on", "invalidFilter")  # Fault.
        if Fault.FILTER_EQ_ONLY in self.faults and beyond_eq(text):
            raise bad_request("only eq and and are supported", "invalidFilter")  # Fault.
        return node

    def _create(self, kind: Kind, request: Request) -> Response:
        """POST: 201 with the full resource and a Location header (RFC 7644 §3.3)."""
        attributes = clean_input(kind, request.json_object(), self.faults, creating=True)
        no_conflict = Fault.NO_CONFLICT if kind == "User" else Fault.GROUP_NO_CONFLICT
        unique = no_conflict not in self.faults
        created = self._store.create(kind, attributes, unique=unique)
        with self._count_lock:
            self._created.append(copy.deepcopy(created))
        if Fault.CREATE_COMMITS_THEN_DROPS in self.faults:
            raise ConnectionDropped("created, then the connection dropped")  # Fault.
        status = 200 if kind == "User" and Fault.CREATE_RETURNS_200 in self.faults else 201
        location = request.origin + created["meta"]["location"]
        return Response(status, self._present(kind, created, request), [("Location", location)])

    def _get(self, kind: Kind, rid: str, request: Request) -> Response:
        """GET by id (RFC 7644 §3.4.1); inactive users are still returned, as Entra requires."""
        found = self._store.get(kind, rid)
        if found is None:
            raise not_found(kind, rid)
        if kind == "User" and Fault.INACTIVE_HIDDEN in self.faults and found.get("active") is False:
            raise not_found(kind, rid)  # Fault: a soft-deleted user looks hard-deleted.
        return Response(200, self._present(kind, found, request))

    def _replace(self, kind: Kind, rid: str, request: Request) -> Response:
        """PUT (RFC 7644 §3.5.1)."""
        attributes = clean_input(kind, request.json_object(), self.faults, creating=False)
        return Response(
            200, self._present(kind, self._store.replace(kind, rid, attributes), request)
        )

    def _patch(self, kind: Kind, rid: str, request: Request) -> Response:
        """PATCH answers 200 with the full updated resource, as Webex documents."""
        body = request.json_object()
        before, after = self._store.patch(kind, rid, body)
        if kind == "Group" and Fault.RENAME_DROPS_MEMBERS in self.faults and after.get("members"):
            renamed = any(before.get(k) != after.get(k) for k in ("displayName", "externalId"))
            if renamed:  # Fault: a rename replaces the whole group, members lost.
                _, after = self._store.patch(kind, rid, _REMOVE_ALL_MEMBERS)
        members = after.get("members") or []
        renamed = before.get("displayName") != after.get("displayName") and len(members) > 1
        if kind == "Group" and Fault.RENAME_KEEPS_ONE_MEMBER in self.faults and renamed:
            # Fault: the group is rewritten with its first member only.
            keep = {**_REMOVE_ALL_MEMBERS, "Operations": [_keep_first(members[0])]}
            _, after = self._store.patch(kind, rid, keep)
        if Fault.STALE_PATCH_BODY in self.faults:
            after = before  # Fault: the body shows the resource before the change.
        return Response(200, self._present(kind, after, request))

    def _delete(self, kind: Kind, rid: str) -> Response:
        """DELETE: 204, or 404 for an unknown id (RFC 7644 §3.6)."""
        if Fault.DELETE_NOOP in self.faults and self._store.get(kind, rid) is not None:
            return Response(204)  # Fault: nothing is deleted.
        if not self._store.delete(kind, rid) and Fault.DELETE_TWICE_204 not in self.faults:
            raise not_found(kind, rid)
        return Response(204)

    def _present(
        self, kind: Kind, resource: dict[str, Any], request: Request, *, omit_members: bool = False
    ) -> dict[str, Any]:
        """Absolute meta.location, no password (returned "never"), then projection."""
        ci_pop(resource, "password")
        if kind == "User" and Fault.MANAGER_READ_AS_STRING in self.faults:
            _manager_as_string(resource)  # Fault.
        meta = resource.get("meta")
        if isinstance(meta, dict) and str(meta.get("location", "")).startswith("/"):
            meta["location"] = request.origin + meta["location"]
        wanted = parse_selection(request.query.get("attributes"))
        unwanted = parse_selection(request.query.get("excludedattributes"))
        if kind == "User" and Fault.ATTRIBUTES_IGNORED in self.faults:
            wanted, unwanted = parse_selection(None), parse_selection(None)  # Fault.
        if kind == "Group" and Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED in self.faults:
            unwanted.rules.get("", {}).pop("members", None)  # Fault: members never excluded.
        elif omit_members or (
            kind == "Group"
            and Fault.HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES in self.faults
            and request.query.get("includemembers", "").lower() != "true"
        ):  # (the fault: members only for Webex's includeMembers=true, which is legal)
            unwanted.rules.setdefault("", {})["members"] = None
        shown = include(resource, wanted) if not wanted.empty() else resource
        return exclude(shown, unwanted) if not unwanted.empty() else shown


def _omit_title(docs: list[dict[str, Any]]) -> None:
    """Fault: the core User schema is described without its title attribute."""
    for doc in docs:
        if doc.get("id") == CORE_URN["User"]:
            doc["attributes"] = [a for a in doc["attributes"] if a.get("name") != "title"]


def _manager_as_string(user: dict[str, Any]) -> None:
    """Fault: the enterprise manager read back as its bare id instead of {"value": id}."""
    enterprise = ci_get(user, ENTERPRISE_USER)
    key = ci_key(enterprise, "manager") if isinstance(enterprise, dict) else None
    if isinstance(enterprise, dict) and key is not None and isinstance(enterprise[key], dict):
        enterprise[key] = enterprise[key].get("value")


def _only(request: Request, handlers: dict[str, Handler]) -> Response:
    """Run the handler for the request method, else 405 with an Allow header."""
    handler = handlers.get(request.method)
    if handler is None:
        allow = (("Allow", ", ".join(handlers)),)
        raise ScimError(405, f"{request.method} is not supported here", headers=allow)
    return handler()


def _one_or_list(docs: list[dict[str, Any]], rest: list[str], what: str) -> Response:
    """A discovery ListResponse (RFC 7644 §4), or the one document whose id matches."""
    if not rest:
        return Response(200, discovery.list_response(docs))
    wanted = known_urn(rest[0]) or rest[0]
    for doc in docs:
        if doc["id"].lower() == wanted.lower():
            return Response(200, doc)
    raise ScimError(404, f"{what} {rest[0]} not found")


def _int_param(request: Request, name: str, default: int) -> int:
    """A decimal query parameter such as "startIndex" (Webex's API types them as strings)."""
    raw = request.query.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise bad_request(f"{name} must be an integer", "invalidValue") from exc


def _with_core(body: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """`body` with the core schema URN listed, for the seeding helpers."""
    schemas = list(body.get("schemas") or [])
    return {**body, "schemas": [*schemas, CORE_URN[kind]]}
