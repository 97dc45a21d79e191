"""Tests of the in-memory Webex-style reference server, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from scim_conformance.reference import DEFAULT_ORG_ID, Fault, ReferenceApp, RunningServer, serve
from scim_conformance.reference.__main__ import main
from scim_conformance.reference.filters import (
    Compare,
    FilterError,
    Logical,
    Not,
    ValuePath,
    parse_filter,
    parse_path,
)

TOKEN = "test-token-0123456789"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CISCO = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"
CISCO_GROUP = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group"
ADSCIM = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
CISCO_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM_JSON = "application/scim+json"
ROOT = Path(__file__).resolve().parents[1]
MISSING = object()

# Helpers ----------------------------------------------------------------------------------


def uniq(prefix: str = "user") -> str:
    """A fresh name, so tests sharing a server never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def entra_user(user_name: str | None = None, **extra: Any) -> dict[str, Any]:
    """The POST body Entra sends (entra-sequences.md §3)."""
    name = user_name or f"{uniq()}@example.com"
    body: dict[str, Any] = {
        "schemas": [CORE, ENT],
        "externalId": uuid.uuid4().hex,
        "userName": name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": [],
    }
    body.update(extra)
    return body


def create_user(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    """POST an Entra-shaped user and return the created resource."""
    response = client.post("/Users", json=entra_user(**extra))
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def create_group(
    client: httpx.Client, members: tuple[str, ...] = (), name: str | None = None
) -> dict[str, Any]:
    """POST a group (Entra's body, plus members) and return it."""
    body: dict[str, Any] = {
        "schemas": [GROUP, ADSCIM],
        "displayName": name or uniq("group"),
        "externalId": uuid.uuid4().hex,
        "meta": {"resourceType": "Group"},
    }
    if members:
        body["members"] = [{"value": m} for m in members]
    response = client.post("/Groups", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def op(name: str, path: str | None = None, value: Any = MISSING) -> dict[str, Any]:
    """One PATCH operation."""
    out: dict[str, Any] = {"op": name}
    if path is not None:
        out["path"] = path
    if value is not MISSING:
        out["value"] = value
    return out


def patch(client: httpx.Client, url: str, *ops: dict[str, Any]) -> httpx.Response:
    """Send a PatchOp message."""
    return client.patch(url, json={"schemas": [PATCH_OP], "Operations": list(ops)})


def dig(resource: Any, *path: Any) -> Any:
    """Follow keys; a (name, value) tuple picks the list element with element[name] == value."""
    current = resource
    for step in path:
        if isinstance(step, tuple):
            found = [e for e in current if isinstance(e, dict) and e.get(step[0]) == step[1]]
            if not found:
                return MISSING
            current = found[0]
        elif (isinstance(current, dict) and step in current) or (
            isinstance(current, list) and isinstance(step, int) and step < len(current)
        ):
            current = current[step]
        else:
            return MISSING
    return current


def assert_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    """An RFC 7644 §3.12 error: status as a string, scimType when expected."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert isinstance(body.get("detail"), str)
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body


def client_for(running: RunningServer, token: str | None = TOKEN) -> httpx.Client:
    """An httpx client on the SCIM base URL."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    # Plain HTTP: verify=False skips building a TLS context, which costs ~50 ms per client.
    return httpx.Client(base_url=running.base_url, headers=headers, timeout=5, verify=False)


# Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve(ReferenceApp(TOKEN)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with client_for(server) as http:
        yield http


@pytest.fixture(scope="module")
def anon(server: RunningServer) -> Iterator[httpx.Client]:
    with client_for(server, token=None) as http:
        yield http


@pytest.fixture(scope="module")
def root(server: RunningServer) -> Iterator[httpx.Client]:
    """A client at the host root, for Webex's /Schemas/SCIM2 discovery."""
    base = server.base_url.split("/identity/")[0]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, headers=auth, verify=False) as http:
        yield http


# Auth, routing, transport -----------------------------------------------------------------

AUTH_HEADERS = [
    pytest.param({}, id="missing"),
    pytest.param({"Authorization": "Bearer wrong-token"}, id="wrong-token"),
    pytest.param({"Authorization": f"Basic {TOKEN}"}, id="basic-scheme"),
    pytest.param({"Authorization": "Bearer"}, id="empty-bearer"),
    pytest.param({"Authorization": TOKEN}, id="no-scheme"),
]


@pytest.fixture(scope="module")
def secret_user(client: httpx.Client) -> dict[str, Any]:
    """A stored user whose data must never appear in a 401."""
    return create_user(client, user_name=f"{uniq('secret')}@example.com")


@pytest.mark.parametrize("headers", AUTH_HEADERS)
@pytest.mark.parametrize("path", ["/Users", "/Groups", "/ServiceProviderConfig", "/Schemas"])
def test_unauthenticated_requests_get_401_without_data(
    anon: httpx.Client, secret_user: dict[str, Any], headers: dict[str, str], path: str
) -> None:
    response = anon.get(path, headers=headers)
    assert_error(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert secret_user["userName"] not in response.text
    assert secret_user["id"] not in response.text
    assert set(response.json()) <= {"schemas", "status", "detail", "scimType", CISCO_ERROR}


def test_auth_applies_to_webex_root_discovery(root: httpx.Client) -> None:
    assert_error(root.get("/Schemas/SCIM2/User", headers={"Authorization": "Bearer x"}), 401)


def test_bearer_scheme_is_case_insensitive(anon: httpx.Client) -> None:
    response = anon.get("/Users", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/identity/scim/00000000-0000-0000-0000-000000000000/v2/Users", 404),
        ("GET", "/identity/scim/{org}/v1/Users", 404),
        ("GET", "/identity/scim/{org}/v2/Nope", 404),
        ("GET", "/identity/scim/{org}/v2/Users/a/b", 404),
        ("GET", "/scim/v2/Users", 404),
        ("DELETE", "/identity/scim/{org}/v2/Users", 405),
        ("POST", "/identity/scim/{org}/v2/ServiceProviderConfig", 405),
        ("POST", "/identity/scim/{org}/v2/Users/some-id", 405),
        ("PUT", "/identity/scim/{org}/v2/Schemas", 405),
    ],
)
def test_unknown_routes_and_methods(root: httpx.Client, method: str, url: str, status: int) -> None:
    response = root.request(method, url.format(org=DEFAULT_ORG_ID), json={})
    assert_error(response, status)
    if status == 405:
        assert response.headers["allow"]


def test_trailing_slash_and_unknown_query_parameters_are_tolerated(client: httpx.Client) -> None:
    user = create_user(client)
    assert client.get("/Users/").status_code == 200
    assert client.get(f"/Users/{user['id']}/").json()["id"] == user["id"]
    response = client.get("/Users", params={"aadOptscim062020": "", "filter": "userName pr"})
    assert response.status_code == 200


def test_responses_are_scim_json_with_tracking_id(client: httpx.Client) -> None:
    response = client.get("/Users", headers={"TrackingID": "my-tracking-1"})
    assert response.headers["content-type"] == "application/scim+json; charset=utf-8"
    assert response.headers["trackingid"] == "my-tracking-1"
    assert client.get("/Users").headers["trackingid"]


@pytest.mark.parametrize("content_type", [SCIM_JSON, "application/json", None])
def test_request_media_types_accepted(client: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = httpx.Request("POST", "http://x", json=entra_user()).content
    response = client.post("/Users", content=body, headers=headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("content", "content_type", "status", "scim_type"),
    [
        (b"{not json", SCIM_JSON, 400, "invalidSyntax"),
        (b"[1, 2]", SCIM_JSON, 400, "invalidSyntax"),
        (b"\xff\xfe", SCIM_JSON, 400, "invalidSyntax"),
        (b"", SCIM_JSON, 400, "invalidSyntax"),
        (b"{}", "text/plain", 415, None),
    ],
)
def test_bad_request_bodies(
    client: httpx.Client, content: bytes, content_type: str, status: int, scim_type: str | None
) -> None:
    response = client.post("/Users", content=content, headers={"Content-Type": content_type})
    assert_error(response, status, scim_type)


def test_error_body_carries_cisco_extension(client: httpx.Client) -> None:
    response = client.get("/Users/does-not-exist")
    assert_error(response, 404)
    extension = response.json()[CISCO_ERROR]
    assert extension["trackingId"] == response.headers["trackingid"]
    assert extension["errorCode"].isdigit()
    assert extension["details"]


# Create, get, conflicts -------------------------------------------------------------------


def test_create_entra_user(client: httpx.Client) -> None:
    body = entra_user(phoneNumbers=[{"type": "work", "value": "+1 (425) 555-0100"}])
    body["customThing"] = {"Keep": " as sent "}
    body["nickName"] = None
    response = client.post("/Users", json=body)
    assert response.status_code == 201
    user = response.json()
    assert response.headers["location"] == user["meta"]["location"]
    assert user["meta"]["location"].endswith(f"/v2/Users/{user['id']}")
    assert user["meta"]["location"].startswith("http://127.0.0.1:")
    assert user["meta"]["resourceType"] == "User"
    assert user["meta"]["version"] == 'W/"1"'
    assert user["meta"]["created"] == user["meta"]["lastModified"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", user["meta"]["created"])
    uuid.UUID(user["id"])
    assert user["userName"] == body["userName"]
    assert user["phoneNumbers"] == [{"type": "work", "value": "+1 (425) 555-0100"}]
    assert user["customThing"] == {"Keep": " as sent "}
    assert user["roles"] == []
    assert "nickName" not in user
    assert user["active"] is True
    assert user["userType"] == "user"
    assert client.get(f"/Users/{user['id']}").json() == user


@pytest.mark.parametrize(("sent", "stored"), [("True", True), ("false", False), (False, False)])
def test_create_accepts_string_booleans_for_active(
    client: httpx.Client, sent: Any, stored: bool
) -> None:
    assert create_user(client, active=sent)["active"] is stored


def test_create_ignores_read_only_and_unknown_sections(client: httpx.Client) -> None:
    body = entra_user(id="client-id", groups=[{"value": "g"}])
    body["schemas"] = [CORE, "urn:example:unknown:2.0:User", CISCO]
    body["urn:example:unknown:2.0:User"] = {"thing": 1}
    body[CISCO] = {"extensionAttribute1": ["cost-centre-7"], "teamsClusterId": "ro"}
    user = client.post("/Users", json=body).json()
    assert user["id"] != "client-id"
    assert "groups" not in user
    assert "urn:example:unknown:2.0:User" not in user
    assert user[CISCO] == {"extensionAttribute1": ["cost-centre-7"]}
    assert user["schemas"] == [CORE, CISCO]


def test_attribute_names_are_case_insensitive_but_keep_their_spelling(
    client: httpx.Client,
) -> None:
    name = f"{uniq()}@example.com"
    user = client.post("/Users", json={"schemas": [CORE], "UserName": name}).json()
    assert user["UserName"] == name
    found = client.get("/Users", params={"filter": f'userName eq "{name}"'}).json()
    assert found["totalResults"] == 1
    response = client.post("/Users", json={"schemas": [CORE], "userName": name.upper()})
    assert_error(response, 409, "uniqueness")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"userName": "x@example.com"}, id="no-schemas"),
        pytest.param({"schemas": [GROUP], "userName": "x@example.com"}, id="wrong-schema"),
        pytest.param({"schemas": [CORE]}, id="no-userName"),
        pytest.param({"schemas": [CORE], "userName": ""}, id="empty-userName"),
        pytest.param({"schemas": [CORE], "userName": "a@b.c", "active": "maybe"}, id="bad-active"),
        pytest.param({"schemas": [CORE], "userName": "a@b.c", ENT: {"manager": 5}}, id="manager"),
    ],
)
def test_create_user_rejects_invalid_bodies(client: httpx.Client, body: dict[str, Any]) -> None:
    assert_error(client.post("/Users", json=body), 400, "invalidValue")


def test_duplicate_user_name_is_409_ignoring_case(client: httpx.Client) -> None:
    user = create_user(client)
    response = client.post("/Users", json=entra_user(user_name=user["userName"].upper()))
    assert_error(response, 409, "uniqueness")


def test_duplicate_group_name_is_409_ignoring_case(client: httpx.Client) -> None:
    group = create_group(client)
    body = {"schemas": [GROUP], "displayName": group["displayName"].upper()}
    assert_error(client.post("/Groups", json=body), 409, "uniqueness")


def test_concurrent_creates_of_one_user_name_yield_one_user(client: httpx.Client) -> None:
    body = entra_user()
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(
            pool.map(lambda _: client.post("/Users", json=body).status_code, range(8))
        )
    assert statuses == [201] + [409] * 7


def test_get_unknown_user_is_scim_404(client: httpx.Client) -> None:
    assert_error(client.get(f"/Users/{uuid.uuid4()}"), 404)
    assert_error(client.get(f"/Groups/{uuid.uuid4()}"), 404)


def test_get_returns_inactive_users(client: httpx.Client) -> None:
    user = create_user(client, active=False)
    assert client.get(f"/Users/{user['id']}").json()["active"] is False


# Filters ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def people() -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A server holding exactly three users (seeded directly) for filter and paging tables."""
    app = ReferenceApp(TOKEN)
    grace = app.seed_user(
        {"userName": "grace@example.com", "displayName": "Grace Hopper", "externalId": "jyoung"}
    )
    ada = app.seed_user(
        {
            "userName": "ada@example.com",
            "displayName": "Ada Lovelace",
            "title": 'Count "ess"',
            "externalId": "ExtAda",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [
                {"type": "work", "value": "ada@example.com", "primary": True},
                {"type": "home", "value": "ada@home.org"},
            ],
            ENT: {"employeeNumber": "701", "department": "R&D", "manager": {"value": grace["id"]}},
        }
    )
    bob = app.seed_user(
        {
            "userName": "bob@example.com",
            "displayName": "Bob Back\\slash",
            "nickName": "Renée",
            "externalId": "extbob",
            "active": False,
            "name": {"givenName": "Bob"},
            "emails": [{"type": "work", "value": "bob@corp.net"}],
            ENT: {"employeeNumber": "702"},
        }
    )
    ids = {"ada": ada["id"], "bob": bob["id"], "grace": grace["id"]}
    with serve(app) as running, client_for(running) as http:
        yield http, ids


def names(response: httpx.Response) -> set[str]:
    """The local parts of the userNames in a ListResponse."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == len(body["Resources"])
    return {r["userName"].split("@")[0] for r in body["Resources"]}


FILTER_CASES = [
    ('userName eq "ada@example.com"', {"ada"}),
    ('USERNAME EQ "ADA@EXAMPLE.COM"', {"ada"}),
    ('userName Eq "ada@example.com" or userName Eq "bob@example.com"', {"ada", "bob"}),
    ('userName ne "ada@example.com"', {"bob", "grace"}),
    ('displayName co "LOVE"', {"ada"}),
    ('userName sw "gr"', {"grace"}),
    ('userName ew "@example.com"', {"ada", "bob", "grace"}),
    ("nickName pr", {"bob"}),
    ("emails pr", {"ada", "bob"}),
    ("not (emails pr)", {"grace"}),
    ("phoneNumbers pr", set()),
    ("active eq true", {"ada", "grace"}),
    ("active eq false", {"bob"}),
    ('title eq "Count \\"ess\\""', {"ada"}),
    ('displayName eq "Bob Back\\\\slash"', {"bob"}),
    ('nickName eq "Ren\\u00e9e"', {"bob"}),
    ('emails[type eq "work" and value co "@corp"]', {"bob"}),
    ('emails[type eq "home"]', {"ada"}),
    ('emails[type eq "work"]', {"ada", "bob"}),
    ('emails.value ew ".org"', {"ada"}),
    ('emails[type eq "work"].value eq "bob@corp.net"', {"bob"}),
    ('name.givenName eq "ada"', {"ada"}),
    (f'{ENT}:employeeNumber eq "702"', {"bob"}),
    (f'{ENT}:manager.value eq "{{grace}}"', {"ada"}),
    ('employeeNumber gt "701"', {"bob"}),
    ('employeeNumber ge "701"', {"ada", "bob"}),
    ('employeeNumber lt "702"', {"ada"}),
    ('employeeNumber le "700"', set()),
    ('externalId eq "ExtAda"', {"ada"}),
    ('externalId eq "extada"', set()),
    ("externalId eq jyoung", {"grace"}),
    ('id eq "{ada}"', {"ada"}),
    ('id eq "{ada}" and manager eq "{grace}"', {"ada"}),
    ('id eq "{bob}" and manager eq "{grace}"', set()),
    ("meta.created pr", {"ada", "bob", "grace"}),
    ('meta.lastModified gt "2000-01-01T00:00:00Z"', {"ada", "bob", "grace"}),
    ('meta.lastModified lt "2000-01-01T00:00:00Z"', set()),
    (
        'userName eq "bob@example.com" or userName eq "grace@example.com" and active eq true',
        {"bob", "grace"},
    ),
    (
        '(userName eq "bob@example.com" or userName eq "grace@example.com") and active eq true',
        {"grace"},
    ),
    ('not (userName eq "ada@example.com") and active eq true', {"grace"}),
    ('not (active eq true) or userName eq "grace@example.com"', {"bob", "grace"}),
    ('userName eq "nobody@example.com"', set()),
    ("", {"ada", "bob", "grace"}),
]


@pytest.mark.parametrize(("expression", "expected"), FILTER_CASES)
def test_user_filters(
    people: tuple[httpx.Client, dict[str, str]], expression: str, expected: set[str]
) -> None:
    http, ids = people
    response = http.get("/Users", params={"filter": expression.format(**ids)})
    assert names(response) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "userName eq",
        'userName xx "a"',
        '(userName eq "a"',
        'userName eq "a")',
        'userName eq "a" and',
        'emails[type eq "work"',
        "active gt true",
        "userName co 5",
        '"a" eq userName',
        'userName eq "unterminated',
        'userName eq "a" userName',
        "and",
        'user$name eq "a"',
        'userName eq "\\q"',
    ],
)
def test_invalid_filters_are_400(
    people: tuple[httpx.Client, dict[str, str]], expression: str
) -> None:
    assert_error(people[0].get("/Users", params={"filter": expression}), 400, "invalidFilter")


def test_filter_with_entra_query_encoding(people: tuple[httpx.Client, dict[str, str]]) -> None:
    http, _ = people
    response = http.get("/Users?filter=externalId+eq+%22ExtAda%22")
    assert names(response) == {"ada"}


def test_filter_parser_precedence_and_shapes() -> None:
    tree = parse_filter('a eq "1" or b eq "2" and not (c pr)')
    assert isinstance(tree, Logical)
    assert tree.op == "or"
    assert isinstance(tree.right, Logical)
    assert tree.right.op == "and"
    assert isinstance(tree.right.right, Not)
    value_path = parse_filter('emails[type eq "work"]')
    assert isinstance(value_path, ValuePath)
    assert value_path.path.name == "emails"
    compare = parse_filter(f'{ENT}:manager.value eq "x"')
    assert isinstance(compare, Compare)
    assert (compare.path.uri, compare.path.name, compare.path.sub) == (ENT, "manager", "value")
    with pytest.raises(FilterError):
        parse_filter("")


@pytest.mark.parametrize(
    ("path", "attr", "has_filter", "sub"),
    [
        ("displayName", "displayName", False, None),
        ("name.givenName", "name", False, None),
        ('emails[type eq "work"].value', "emails", True, "value"),
        ('members[value eq "id"]', "members", True, None),
        (f"{ENT}:manager", "manager", False, None),
        ('manager[value eq "id"]', "manager", True, None),
    ],
)
def test_patch_path_parser(path: str, attr: str, has_filter: bool, sub: str | None) -> None:
    parsed = parse_path(path)
    assert parsed.attr.name == attr
    assert (parsed.filter is not None) == has_filter
    assert parsed.sub == sub


def test_group_filters_and_members_filter(client: httpx.Client) -> None:
    user = create_user(client)
    group = create_group(client, members=(user["id"],))
    for expression in (
        f'displayName eq "{group["displayName"].upper()}"',
        f'members.value eq "{user["id"]}"',
        f'members eq "{user["id"]}"',
        f'members[value eq "{user["id"]}"]',
    ):
        body = client.get("/Groups", params={"filter": expression}).json()
        assert [g["id"] for g in body["Resources"]] == [group["id"]], expression
    empty = client.get(
        "/Groups", params={"excludedAttributes": "members", "filter": 'displayName eq "none"'}
    )
    assert empty.status_code == 200
    assert empty.json()["totalResults"] == 0
    assert empty.json()["Resources"] == []


# Pagination -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected", "start"),
    [
        ({}, ["grace", "ada", "bob"], 1),
        ({"startIndex": "1", "count": "2"}, ["grace", "ada"], 1),
        ({"startIndex": "2", "count": "2"}, ["ada", "bob"], 2),
        ({"startIndex": "3"}, ["bob"], 3),
        ({"startIndex": "10"}, [], 10),
        ({"startIndex": "0", "count": "1"}, ["grace"], 1),
        ({"startIndex": "-4", "count": "1"}, ["grace"], 1),
        ({"count": "0"}, [], 1),
        ({"count": "-3"}, [], 1),
        ({"count": "5000"}, ["grace", "ada", "bob"], 1),
        ({"count": " 2 "}, ["grace", "ada"], 1),
    ],
)
def test_pagination(
    people: tuple[httpx.Client, dict[str, str]],
    params: dict[str, str],
    expected: list[str],
    start: int,
) -> None:
    body = people[0].get("/Users", params=params).json()
    assert [r["userName"].split("@")[0] for r in body["Resources"]] == expected
    assert body["totalResults"] == 3
    assert body["startIndex"] == start
    assert body["itemsPerPage"] == len(expected)


@pytest.mark.parametrize("params", [{"startIndex": "abc"}, {"count": "1.5"}, {"count": "ten"}])
def test_non_numeric_paging_is_400(
    people: tuple[httpx.Client, dict[str, str]], params: dict[str, str]
) -> None:
    assert_error(people[0].get("/Users", params=params), 400, "invalidValue")


# Projection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"attributes": "userName"}, {"keys": {"schemas", "id", "userName"}}),
        (
            {"attributes": "USERNAME,DisplayName"},
            {"keys": {"schemas", "id", "userName", "displayName"}},
        ),
        ({"attributes": f"{CORE}:userName"}, {"keys": {"schemas", "id", "userName"}}),
        ({"attributes": "name.givenName"}, {"name": {"givenName": "Ada"}}),
        (
            {"attributes": "emails.value"},
            {"emails": [{"value": "ada@example.com"}, {"value": "ada@home.org"}]},
        ),
        ({"attributes": f"{ENT}:employeeNumber"}, {ENT: {"employeeNumber": "701"}}),
        (
            {"attributes": ENT, "excludedAttributes": f"{ENT}:manager"},
            {ENT: {"employeeNumber": "701", "department": "R&D"}},
        ),
        ({"attributes": "meta.version"}, {"keys": {"schemas", "id", "meta"}}),
        (
            {"excludedAttributes": "emails,meta,id,schemas"},
            {"absent": {"emails", "meta"}, "present": {"id", "schemas"}},
        ),
        ({"excludedAttributes": "name.familyName"}, {"name": {"givenName": "Ada"}}),
        ({"excludedAttributes": ENT}, {"absent": {ENT}, "present": {"userName"}}),
        (
            {"excludedAttributes": f"{ENT}:department,{ENT}:manager"},
            {ENT: {"employeeNumber": "701"}},
        ),
    ],
)
def test_attribute_projection(
    people: tuple[httpx.Client, dict[str, str]], params: dict[str, str], check: dict[str, Any]
) -> None:
    http, ids = people
    single = http.get(f"/Users/{ids['ada']}", params=params).json()
    listed = http.get(
        "/Users", params={**params, "filter": 'userName eq "ada@example.com"'}
    ).json()["Resources"][0]
    for resource in (single, listed):
        if "keys" in check:
            assert set(resource) == check["keys"]
        assert not set(check.get("absent", set())) & set(resource)
        assert set(check.get("present", set())) <= set(resource)
        for key, value in check.items():
            if key not in ("keys", "absent", "present"):
                assert resource[key] == value


def test_password_is_never_returned(client: httpx.Client) -> None:
    user = create_user(client, password="hunter2!")
    assert "password" not in user
    assert "password" not in client.get(f"/Users/{user['id']}").json()
    assert "password" not in client.get(f"/Users/{user['id']}?attributes=password").json()


# PATCH: users -----------------------------------------------------------------------------

# (operations, expected (path, value) pairs on the patched user). Every case is sent in Entra's
# legacy dialect (capitalised op, "True"/"False" strings) and in the RFC dialect; "{userName}"
# stands for the patched user's userName.
WORK_EMAIL = ("emails", ("type", "work"), "value")
USER_PATCHES: list[Any] = [
    pytest.param(
        [("replace", "displayName", "New Name")], [(("displayName",), "New Name")], id="simple"
    ),
    pytest.param([("add", "nickName", "Babs")], [(("nickName",), "Babs")], id="add-absent"),
    pytest.param(
        [("replace", "name.givenName", "Gtfd"), ("replace", "name.familyName", "Pkqf")],
        [
            (("name", "givenName"), "Gtfd"),
            (("name", "familyName"), "Pkqf"),
            (("name", "formatted"), "Given Family"),
        ],
        id="sub-attributes",
    ),
    pytest.param(
        [("replace", 'emails[type eq "work"].value', "updated@example.com")],
        [(WORK_EMAIL, "updated@example.com"), (("emails", ("type", "work"), "primary"), True)],
        id="value-path",
    ),
    pytest.param(
        [("add", 'emails[type eq "other"].value', "other@example.com")],
        [(("emails", ("type", "other"), "value"), "other@example.com"), (WORK_EMAIL, "{userName}")],
        id="add-creates-element",
    ),
    pytest.param(
        [("replace", 'phoneNumbers[type eq "mobile"].value', "+1 425 555 0100")],
        [(("phoneNumbers", ("type", "mobile"), "value"), "+1 425 555 0100")],
        id="replace-creates-element",
    ),
    pytest.param(
        [
            ("add", 'addresses[type eq "work"].streetAddress', "1 Main St"),
            ("add", 'addresses[type eq "work"].locality', "Redmond"),
        ],
        [
            (("addresses", ("type", "work"), "streetAddress"), "1 Main St"),
            (("addresses", ("type", "work"), "locality"), "Redmond"),
        ],
        id="address",
    ),
    pytest.param(
        [("replace", f"{ENT}:department", "R&D"), ("replace", f"{ENT}:employeeNumber", "Eqpj")],
        [((ENT, "department"), "R&D"), ((ENT, "employeeNumber"), "Eqpj")],
        id="enterprise",
    ),
    pytest.param([("replace", "active", False)], [(("active",), False)], id="deactivate"),
    pytest.param(
        [("replace", "active", False), ("replace", "active", True)],
        [(("active",), True)],
        id="reactivate",
    ),
    pytest.param([("remove", "title", MISSING)], [(("title",), MISSING)], id="remove"),
    pytest.param([("remove", "nickName", MISSING)], [(("nickName",), MISSING)], id="remove-absent"),
    pytest.param(
        [("replace", "externalId", "Eqpj"), ("replace", "userName", "{userName}2")],
        [(("externalId",), "Eqpj"), (("userName",), "{userName}2")],
        id="identifiers",
    ),
    pytest.param(
        [("add", "emails", [{"type": "home", "value": "h@example.com"}])],
        [(("emails", ("type", "home"), "value"), "h@example.com"), (WORK_EMAIL, "{userName}")],
        id="append",
    ),
    pytest.param(
        [("replace", "emails", [{"type": "home", "value": "h@example.com"}])],
        [(("emails",), [{"type": "home", "value": "h@example.com"}])],
        id="replace-list",
    ),
    pytest.param(
        [("remove", 'emails[type eq "work"]', MISSING)], [(("emails",), [])], id="remove-element"
    ),
    pytest.param(
        [("remove", 'emails[value eq "{userName}"]', MISSING)],
        [(("emails",), [])],
        id="remove-by-value",
    ),
    pytest.param(
        [("replace", "TITLE", "Cased")],
        [(("title",), "Cased")],
        id="case-insensitive-path",
    ),
    pytest.param(
        [("replace", "name", {"givenName": "Zed"})],
        [(("name", "givenName"), "Zed"), (("name", "familyName"), "Family")],
        id="complex-merge",
    ),
    pytest.param(
        [("add", "roles", [{"value": "id_user_admin", "type": "cirole"}])],
        [(("roles",), [{"value": "id_user_admin", "type": "cirole"}])],
        id="roles",
    ),
    pytest.param(
        [("replace", "id", "x"), ("replace", "meta", {"version": "x"}), ("replace", "title", "T")],
        [(("title",), "T")],
        id="read-only-ignored",
    ),
    pytest.param(
        [("replace", f"{CISCO}:extensionAttribute1", ["a"])],
        [((CISCO, "extensionAttribute1"), ["a"])],
        id="cisco-extension",
    ),
    pytest.param(
        [("replace", "urn:example:custom:2.0:User:thing", "x"), ("replace", "title", "T2")],
        [(("title",), "T2")],
        id="unknown-urn-ignored",
    ),
]


def _fill(value: Any, user: dict[str, Any]) -> Any:
    """Substitute {userName} in strings."""
    return value.replace("{userName}", user["userName"]) if isinstance(value, str) else value


def _dialect_op(dialect: str, name: str, path: str, value: Any, user: dict[str, Any]) -> Any:
    if dialect == "legacy":
        name = name.capitalize()
        if isinstance(value, bool):
            value = str(value)  # Entra legacy sends "True"/"False".
    return op(name, _fill(path, user), _fill(value, user))


@pytest.mark.parametrize("dialect", ["legacy", "rfc"])
@pytest.mark.parametrize(("operations", "expected"), USER_PATCHES)
def test_user_patch(
    client: httpx.Client, dialect: str, operations: list[Any], expected: list[Any]
) -> None:
    user = create_user(client, title="Engineer")
    ops = [_dialect_op(dialect, n, p, v, user) for n, p, v in operations]
    response = patch(client, f"/Users/{user['id']}", *ops)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == client.get(f"/Users/{user['id']}").json()
    assert body["meta"]["version"] == 'W/"2"'
    assert body["meta"]["lastModified"] >= user["meta"]["lastModified"]
    assert body["meta"]["created"] == user["meta"]["created"]
    for path, value in expected:
        assert dig(body, *path) == _fill(value, user), path


def test_pathless_replace_with_dotted_and_urn_keys(client: httpx.Client) -> None:
    user = create_user(client)
    value = {
        "displayName": "Bjfe",
        "name.givenName": "Kkom",
        "name.familyName": "Unua",
        f"{ENT}:employeeNumber": "Aklq",
        ENT: {"department": "Ops"},
        "active": False,
    }
    body = patch(client, f"/Users/{user['id']}", op("replace", value=value)).json()
    assert body["displayName"] == "Bjfe"
    assert body["name"] == {"formatted": "Given Family", "familyName": "Unua", "givenName": "Kkom"}
    assert body[ENT] == {"employeeNumber": "Aklq", "department": "Ops"}
    assert body["active"] is False
    assert not [k for k in body if "." in k and not k.startswith("urn:")]
    assert ENT in body["schemas"]


def test_pathless_add_appends_and_merges(client: httpx.Client) -> None:
    user = create_user(client)
    extra = {"type": "home", "value": "h@example.com"}
    body = patch(
        client, f"/Users/{user['id']}", op("Add", value={"emails": [extra], "nickName": "N"})
    ).json()
    assert body["emails"][-1] == extra
    assert len(body["emails"]) == 2
    assert body["nickName"] == "N"


@pytest.mark.parametrize(
    ("message", "scim_type"),
    [
        pytest.param(
            {"Operations": [op("replace", "title", "x")]}, "invalidSyntax", id="no-schemas"
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": {"op": "replace"}},
            "invalidSyntax",
            id="operations-not-list",
        ),
        pytest.param({"schemas": [PATCH_OP]}, "invalidSyntax", id="no-operations"),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("frobnicate", "title", "x")]},
            "invalidSyntax",
            id="unknown-op",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": ["replace"]}, "invalidSyntax", id="op-not-object"
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("remove")]},
            "noTarget",
            id="remove-without-path",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", "emails[type eq", "x")]},
            "invalidPath",
            id="bad-path",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", value="x")]},
            "invalidValue",
            id="pathless-non-object",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("remove", "userName")]},
            "invalidValue",
            id="remove-required",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", "active", "maybe")]},
            "invalidValue",
            id="bad-active",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("add", "title")]},
            "invalidValue",
            id="add-without-value",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", "groups", [])]},
            "mutability",
            id="read-only",
        ),
        pytest.param(
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    op("replace", 'phoneNumbers[type eq "work" or type eq "fax"].value', "1")
                ],
            },
            "noTarget",
            id="unseedable-filter",
        ),
        pytest.param(
            {
                "schemas": [PATCH_OP],
                "Operations": [op("replace", 'emails[type eq "work"]', "plain")],
            },
            "invalidValue",
            id="filter-needs-object",
        ),
    ],
)
def test_user_patch_errors_are_atomic(
    client: httpx.Client, message: dict[str, Any], scim_type: str
) -> None:
    user = create_user(client, title="Before")
    message = {**message}
    if isinstance(message.get("Operations"), list):
        message["Operations"] = [op("replace", "title", "After"), *message["Operations"]]
    response = client.patch(f"/Users/{user['id']}", json=message)
    assert_error(response, 400, scim_type)
    assert client.get(f"/Users/{user['id']}").json() == user


def test_patch_unknown_user_is_404(client: httpx.Client) -> None:
    assert_error(patch(client, f"/Users/{uuid.uuid4()}", op("replace", "title", "x")), 404)


def test_patch_user_name_onto_another_is_409(client: httpx.Client) -> None:
    first, second = create_user(client), create_user(client)
    response = patch(
        client, f"/Users/{second['id']}", op("Replace", "userName", first["userName"].upper())
    )
    assert_error(response, 409, "uniqueness")


# Manager ----------------------------------------------------------------------------------

MANAGER_SHAPES = [
    pytest.param(
        lambda m: op("Add", "manager", [{"$ref": f"../Users/{m}", "value": m}]), id="legacy-list"
    ),
    pytest.param(lambda m: op("replace", f"{ENT}:manager", {"value": m}), id="urn-object"),
    pytest.param(lambda m: op("Replace", f"{ENT}:manager", m), id="urn-bare-string"),
    pytest.param(lambda m: op("add", value={ENT: {"manager": {"value": m}}}), id="pathless"),
]
MANAGER_REMOVALS = [
    pytest.param(lambda m: op("remove", f"{ENT}:manager"), id="urn-no-value"),
    pytest.param(lambda m: op("Remove", f'manager[value eq "{m}"]'), id="value-filter"),
]


@pytest.mark.parametrize("removal", MANAGER_REMOVALS)
@pytest.mark.parametrize("shape", MANAGER_SHAPES)
def test_manager_shapes(
    client: httpx.Client,
    shape: Callable[[str], dict[str, Any]],
    removal: Callable[[str], dict[str, Any]],
) -> None:
    boss, user = create_user(client), create_user(client)
    body = patch(client, f"/Users/{user['id']}", shape(boss["id"])).json()
    assert body[ENT]["manager"]["value"] == boss["id"]
    found = client.get("/Users", params={"filter": f'{ENT}:manager.value eq "{boss["id"]}"'})
    assert [u["id"] for u in found.json()["Resources"]] == [user["id"]]
    kept = patch(client, f"/Users/{user['id']}", removal("someone-else")).json()
    if "manager[" in removal("x").get("path", ""):
        assert kept[ENT]["manager"]["value"] == boss["id"]
    removed = patch(client, f"/Users/{user['id']}", removal(boss["id"])).json()
    assert "manager" not in removed.get(ENT, {})


# PATCH: groups ----------------------------------------------------------------------------


def member_ids(group: dict[str, Any]) -> list[str]:
    return [m["value"] for m in group.get("members", [])]


def test_group_member_lifecycle(client: httpx.Client) -> None:
    u1, u2, u3 = (create_user(client, displayName=f"D{i}") for i in range(3))
    group = create_group(client)
    assert group["members"] == []
    url = f"/Groups/{group['id']}"
    added = patch(
        client, url, op("Add", "members", [{"$ref": None, "value": u1["id"]}, {"value": u2["id"]}])
    ).json()
    assert added["members"] == [
        {"value": u1["id"], "type": "User", "display": "D0"},
        {"value": u2["id"], "type": "User", "display": "D1"},
    ]
    again = patch(client, url, op("add", "members", [{"value": u1["id"]}])).json()
    assert member_ids(again) == [u1["id"], u2["id"]]
    legacy = patch(client, url, op("Remove", "members", [{"$ref": None, "value": u1["id"]}]))
    assert member_ids(legacy.json()) == [u2["id"]]
    patch(client, url, op("add", "members", [{"value": u1["id"]}, {"value": u3["id"]}]))
    by_filter = patch(client, url, op("remove", f'members[value eq "{u2["id"]}"]')).json()
    assert member_ids(by_filter) == [u1["id"], u3["id"]]
    missing = patch(client, url, op("remove", f'members[value eq "{uuid.uuid4()}"]'))
    assert member_ids(missing.json()) == [u1["id"], u3["id"]]
    renamed = patch(client, url, op("replace", value={"displayName": uniq("renamed")})).json()
    assert member_ids(renamed) == [u1["id"], u3["id"]]
    legacy_rename = patch(client, url, op("Replace", "displayName", uniq("again"))).json()
    assert member_ids(legacy_rename) == [u1["id"], u3["id"]]
    replaced = patch(client, url, op("replace", "members", [{"value": u2["id"]}])).json()
    assert member_ids(replaced) == [u2["id"]]
    cleared = patch(client, url, op("remove", "members")).json()
    assert cleared["members"] == []


def test_group_members_validation_and_nesting(client: httpx.Client) -> None:
    inner = create_group(client)
    outer = create_group(client, members=(inner["id"],))
    assert outer["members"][0]["type"] == "Group"
    assert outer["members"][0]["display"] == inner["displayName"]
    url = f"/Groups/{outer['id']}"
    bad = patch(client, url, op("add", "members", [{"value": str(uuid.uuid4())}]))
    assert_error(bad, 400, "invalidValue")
    bad_create = {"schemas": [GROUP], "displayName": uniq("g"), "members": [{"value": "nope"}]}
    assert_error(client.post("/Groups", json=bad_create), 400, "invalidValue")
    immutable = patch(client, url, op("replace", f'members[value eq "{inner["id"]}"].value', "x"))
    assert_error(immutable, 400, "mutability")
    assert_error(client.post("/Groups", json={"schemas": [GROUP]}), 400, "invalidValue")


def test_deleting_a_user_removes_it_from_groups(client: httpx.Client) -> None:
    u1, u2 = create_user(client), create_user(client)
    group = create_group(client, members=(u1["id"], u2["id"]))
    assert client.delete(f"/Users/{u1['id']}").status_code == 204
    assert member_ids(client.get(f"/Groups/{group['id']}").json()) == [u2["id"]]


def test_group_members_in_get_and_list(client: httpx.Client) -> None:
    user = create_user(client)
    group = create_group(client, members=(user["id"],), name=uniq("Listed"))
    url, flt = f"/Groups/{group['id']}", f'displayName eq "{group["displayName"]}"'
    assert member_ids(client.get(url).json()) == [user["id"]]
    assert "members" not in client.get(url, params={"excludedAttributes": "members"}).json()
    cases: list[tuple[dict[str, str], bool]] = [
        ({}, False),
        ({"excludedAttributes": "members"}, False),
        ({"includeMembers": "true"}, True),
        ({"attributes": "members"}, True),
        ({"attributes": "displayName,members.value"}, True),
    ]
    for params, included in cases:
        listed = client.get("/Groups", params={**params, "filter": flt}).json()["Resources"][0]
        assert ("members" in listed) is included, params


# PUT and DELETE ---------------------------------------------------------------------------


def test_put_replaces_user(client: httpx.Client) -> None:
    user = create_user(client, title="Old", nickName="Nick")
    body = {"schemas": [CORE], "userName": user["userName"], "title": "New", "id": "ignored"}
    replaced = client.put(f"/Users/{user['id']}", json=body)
    assert replaced.status_code == 200
    out = replaced.json()
    assert out["id"] == user["id"]
    assert out["title"] == "New"
    assert "nickName" not in out
    assert out["meta"]["created"] == user["meta"]["created"]
    assert out["meta"]["version"] == 'W/"2"'
    assert client.get(f"/Users/{user['id']}").json() == out


def test_put_replaces_group_and_its_members(client: httpx.Client) -> None:
    u1, u2 = create_user(client), create_user(client)
    group = create_group(client, members=(u1["id"],))
    body = {
        "schemas": [GROUP],
        "displayName": group["displayName"],
        "members": [{"value": u2["id"]}],
    }
    out = client.put(f"/Groups/{group['id']}", json=body).json()
    assert out["id"] == group["id"]
    assert member_ids(out) == [u2["id"]]
    assert "externalId" not in out
    assert out["meta"]["created"] == group["meta"]["created"]


def test_put_errors(client: httpx.Client) -> None:
    first, second = create_user(client), create_user(client)
    body = {"schemas": [CORE], "userName": first["userName"]}
    assert_error(client.put(f"/Users/{second['id']}", json=body), 409, "uniqueness")
    assert_error(client.put(f"/Users/{uuid.uuid4()}", json=body), 404)
    group = create_group(client)
    assert_error(client.put(f"/Groups/{group['id']}", json={"schemas": [GROUP]}), 400)


def test_delete_then_404(client: httpx.Client) -> None:
    user = create_user(client)
    response = client.delete(f"/Users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(client.get(f"/Users/{user['id']}"), 404)
    assert_error(client.delete(f"/Users/{user['id']}"), 404)
    group = create_group(client)
    assert client.delete(f"/Groups/{group['id']}").status_code == 204
    assert_error(client.delete(f"/Groups/{group['id']}"), 404)


# Discovery --------------------------------------------------------------------------------

ATTRIBUTE_KEYS = {
    "name",
    "type",
    "multiValued",
    "required",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
}


def test_service_provider_config(client: httpx.Client) -> None:
    spc = client.get("/ServiceProviderConfig").json()
    assert spc["patch"]["supported"] is True
    assert spc["filter"] == {"supported": True, "maxResults": 1000}
    for feature in ("bulk", "sort", "etag", "changePassword"):
        assert spc[feature]["supported"] is False
    assert spc["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types(client: httpx.Client) -> None:
    listed = client.get("/ResourceTypes").json()
    assert listed["schemas"] == [LIST]
    assert {r["id"] for r in listed["Resources"]} == {"User", "Group"}
    user = client.get("/ResourceTypes/User").json()
    assert user["endpoint"] == "/Users"
    assert user["schema"] == CORE
    assert [e["schema"] for e in user["schemaExtensions"]] == [ENT, CISCO]
    group = client.get("/ResourceTypes/Group").json()
    assert [e["schema"] for e in group["schemaExtensions"]] == [CISCO_GROUP]
    assert_error(client.get("/ResourceTypes/Printer"), 404)


def _walk(attributes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for attribute in attributes:
        yield attribute
        yield from _walk(attribute.get("subAttributes", []))


def test_schemas(client: httpx.Client) -> None:
    listed = client.get("/Schemas").json()
    assert listed["schemas"] == [LIST]
    ids = [s["id"] for s in listed["Resources"]]
    assert set(ids) == {CORE, GROUP, ENT, CISCO, CISCO_GROUP}
    for schema in listed["Resources"]:
        for attribute in _walk(schema["attributes"]):
            assert set(attribute) >= ATTRIBUTE_KEYS, attribute
            assert ("subAttributes" in attribute) == (attribute["type"] == "complex")
    user = client.get(f"/Schemas/{CORE}").json()
    by_name = {a["name"]: a for a in user["attributes"]}
    assert by_name["userName"]["required"] is True
    assert by_name["userName"]["uniqueness"] == "server"
    assert by_name["emails"]["multiValued"] is True
    assert by_name["password"]["returned"] == "never"
    assert by_name["groups"]["mutability"] == "readOnly"
    enterprise = client.get(f"/Schemas/{ENT}").json()
    assert "manager" in {a["name"] for a in enterprise["attributes"]}
    assert_error(client.get("/Schemas/urn:nope"), 404)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/Schemas/SCIM2/User", {CORE, ENT, CISCO}),
        ("/Schemas/SCIM2/Group", {GROUP, CISCO_GROUP}),
        (f"/Schemas/SCIM2/{ENT}", {ENT}),
    ],
)
def test_webex_root_schema_discovery(root: httpx.Client, path: str, expected: set[str]) -> None:
    body = root.get(path).json()
    found = {s["id"] for s in body["Resources"]} if "Resources" in body else {body["id"]}
    assert found == expected


# App helpers, runner, CLI -----------------------------------------------------------------


def test_snapshots_seeding_and_request_count() -> None:
    app = ReferenceApp(TOKEN)
    seeded = app.seed_user({"userName": "foreign@example.com"})
    group = app.seed_group({"displayName": "Foreign", "members": [{"value": seeded["id"]}]})
    snapshot = app.users()
    snapshot[0]["userName"] = "mutated"
    assert app.users()[0]["userName"] == "foreign@example.com"
    assert app.groups()[0]["members"][0]["value"] == seeded["id"]
    with serve(app) as running, client_for(running) as http:
        assert http.get(f"/Users/{seeded['id']}").status_code == 200
        assert http.get(f"/Groups/{group['id']}").status_code == 200
        assert app.request_count == 2
    assert running.base_url == f"http://127.0.0.1:{running.port}{app.base_path}"
    assert app.base_path == f"/identity/scim/{DEFAULT_ORG_ID}/v2"


def test_custom_org_id() -> None:
    app = ReferenceApp(TOKEN, org_id="org-42")
    with serve(app, host="localhost") as running, client_for(running) as http:
        assert running.host == "127.0.0.1"
        assert "/identity/scim/org-42/v2" in running.base_url
        assert http.get("/Users").status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "10.0.0.1", "::", "example.com"])
def test_serve_refuses_non_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"), serve(ReferenceApp(TOKEN), host=host):
        pass


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback here")
def test_serve_on_ipv6_loopback() -> None:
    with serve(ReferenceApp(TOKEN), host="::1") as running, client_for(running) as http:
        assert running.base_url.startswith(f"http://[::1]:{running.port}/")
        assert http.get("/Users").status_code == 200


def test_cli_help_lists_options_and_faults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scim_conformance.reference", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
        timeout=30,
    )
    assert result.returncode == 0
    for option in ("--port", "--host", "--token", "--org-id", "--fault", "--log"):
        assert option in result.stdout
    for fault in Fault:
        assert fault.value in result.stdout
        assert fault.description in result.stdout


def test_cli_refuses_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0", "--port", "0", "--token", "t"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scim_conformance.reference",
            "--port",
            "0",
            "--fault",
            "create-returns-200",
            "--fault",
            "DELETE_NOOP",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SCIM_TOKEN": "env-token"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split()[-1]
        assert base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": "Bearer env-token"}
        response = httpx.get(base_url + "/Users", headers=headers, verify=False)
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_fault_lookup() -> None:
    assert Fault.parse("no-conflict") is Fault.NO_CONFLICT
    assert Fault.parse("NOT_FOUND_WITHOUT_SCIM_BODY") is Fault.NOT_FOUND_WITHOUT_SCIM_BODY
    assert Fault("not-found-html") is Fault.NOT_FOUND_WITHOUT_SCIM_BODY
    with pytest.raises(ValueError, match="unknown fault"):
        Fault.parse("nope")


# Faults: each probe returns an observation that differs between a correct and a faulty server.

Probe = Callable[[httpx.Client], Any]


def _status_of_create(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user()).status_code


def _filter_finds_only_one(http: httpx.Client) -> Any:
    create_user(http)
    user = create_user(http)
    body = http.get("/Users", params={"filter": f'userName eq "{user["userName"]}"'}).json()
    return body["totalResults"]


def _upper_case_filter(http: httpx.Client) -> Any:
    user = create_user(http, user_name=f"{uniq('Mixed')}@Example.com")
    flt = f'userName eq "{user["userName"].upper()}"'
    conflict = http.post("/Users", json=entra_user(user_name=user["userName"].lower()))
    return http.get("/Users", params={"filter": flt}).json()["totalResults"], conflict.status_code


def _duplicate_create(http: httpx.Client) -> Any:
    user = create_user(http)
    return http.post("/Users", json=entra_user(user_name=user["userName"].upper())).status_code


def _capitalised_op(http: httpx.Client) -> Any:
    user = create_user(http)
    response = patch(http, f"/Users/{user['id']}", op("Replace", "displayName", "X"))
    return response.status_code, response.json().get("scimType")


def _string_false(http: httpx.Client) -> Any:
    user = create_user(http)
    response = patch(http, f"/Users/{user['id']}", op("Replace", "active", "False"))
    return response.status_code, response.json().get("scimType")


def _filter_path_patch(http: httpx.Client) -> Any:
    user = create_user(http)
    patch(http, f"/Users/{user['id']}", op("replace", 'emails[type eq "work"].value', "n@x.org"))
    return dig(http.get(f"/Users/{user['id']}").json(), *WORK_EMAIL) == "n@x.org"


def _deactivate(http: httpx.Client) -> Any:
    user = create_user(http)
    status = patch(http, f"/Users/{user['id']}", op("replace", "active", False)).status_code
    return status, http.get(f"/Users/{user['id']}").json()["active"]


def _delete_then_get(http: httpx.Client) -> Any:
    user = create_user(http)
    return http.delete(f"/Users/{user['id']}").status_code, http.get(
        f"/Users/{user['id']}"
    ).status_code


def _unknown_id_media_type(http: httpx.Client) -> Any:
    response = http.get(f"/Users/{uuid.uuid4()}")
    return response.status_code, response.headers["content-type"].split(";")[0]


def _without_auth(http: httpx.Client, path: str) -> httpx.Response:
    request = http.build_request("GET", path)
    del request.headers["Authorization"]
    return http.send(request)


def _anonymous(http: httpx.Client) -> Any:
    wrong = http.get("/Users", headers={"Authorization": "Bearer nope"}).status_code
    return _without_auth(http, "/Users").status_code, wrong


def _wrong_token(http: httpx.Client) -> Any:
    missing = _without_auth(http, "/Users").status_code
    return http.get("/Users", headers={"Authorization": "Bearer nope"}).status_code, missing


def _patch_body(http: httpx.Client) -> Any:
    user = create_user(http, displayName="Before")
    body = patch(http, f"/Users/{user['id']}", op("replace", "displayName", "After")).json()
    return body["displayName"], http.get(f"/Users/{user['id']}").json()["displayName"]


def _empty_filter(http: httpx.Client) -> Any:
    flt = {"filter": f'displayName eq "{uniq()}"'}
    return http.get("/Users", params=flt).status_code, http.get("/Groups", params=flt).status_code


def _dotted_keys(http: httpx.Client) -> Any:
    user = create_user(http)
    value = {"name.givenName": "Kkom", f"{ENT}:employeeNumber": "42"}
    body = patch(http, f"/Users/{user['id']}", op("replace", value=value)).json()
    return body["name"]["givenName"], "name.givenName" in body, dig(body, ENT, "employeeNumber")


def _inactive(http: httpx.Client) -> Any:
    user = create_user(http, active=False)
    flt = {"filter": f'userName eq "{user["userName"]}"'}
    total = http.get("/Users", params=flt).json().get("totalResults")
    return http.get(f"/Users/{user['id']}").status_code, total


def _external_id_filter(http: httpx.Client) -> Any:
    response = http.get("/Users", params={"filter": 'externalId eq "abc"'})
    return response.status_code, response.json().get("scimType")


def _error_status_type(http: httpx.Client) -> Any:
    return type(http.get(f"/Users/{uuid.uuid4()}").json()["status"]).__name__


def _entra_create(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user()).status_code


def _add_missing_element(http: httpx.Client) -> Any:
    user = create_user(http, emails=[])
    response = patch(http, f"/Users/{user['id']}", op("Add", 'emails[type eq "work"].value', "w@x"))
    return response.status_code, response.json().get("scimType")


def _manager(http: httpx.Client) -> Any:
    boss, user = create_user(http), create_user(http)
    response = patch(http, f"/Users/{user['id']}", op("replace", f"{ENT}:manager", boss["id"]))
    return response.status_code, response.json().get("scimType")


def _enterprise(http: httpx.Client) -> Any:
    boss, user = create_user(http), create_user(http)
    body = patch(
        http,
        f"/Users/{user['id']}",
        op("replace", f"{ENT}:department", "Ops"),
        op("replace", f"{ENT}:manager", {"value": boss["id"]}),
    ).json()
    return dig(body, ENT, "department"), dig(body, ENT, "manager", "value") == boss["id"]


def _legacy_remove(http: httpx.Client) -> Any:
    u1, u2 = create_user(http), create_user(http)
    group = create_group(http, members=(u1["id"], u2["id"]))
    body = patch(http, f"/Groups/{group['id']}", op("Remove", "members", [{"value": u1["id"]}]))
    return len(body.json()["members"])


def _excluded_members(http: httpx.Client) -> Any:
    user = create_user(http)
    group = create_group(http, members=(user["id"],))
    params = {"excludedAttributes": "members", "filter": f'displayName eq "{group["displayName"]}"'}
    listed = http.get("/Groups", params=params).json()["Resources"][0]
    single = http.get(f"/Groups/{group['id']}", params={"excludedAttributes": "members"}).json()
    return "members" in listed, "members" in single


def _media_type(http: httpx.Client) -> Any:
    return http.get("/ServiceProviderConfig").headers["content-type"].split(";")[0]


def _paging(http: httpx.Client) -> Any:
    for _ in range(3):
        create_user(http)
    body = http.get("/Users", params={"startIndex": "2", "count": "1"}).json()
    return body["startIndex"], body["itemsPerPage"]


def _delete_unknown(http: httpx.Client) -> Any:
    return http.delete(f"/Users/{uuid.uuid4()}").status_code


def _duplicate_group(http: httpx.Client) -> Any:
    group = create_group(http)
    return http.post(
        "/Groups", json={"schemas": [GROUP], "displayName": group["displayName"]}
    ).status_code


def _group_probe(http: httpx.Client) -> Any:
    flt = {"excludedAttributes": "members", "filter": f'displayName eq "{uniq()}"'}
    users = {"filter": f'userName eq "{uniq()}"'}
    return http.get("/Groups", params=flt).status_code, http.get("/Users", params=users).status_code


def _rename_keeps_members(http: httpx.Client) -> Any:
    user = create_user(http)
    group = create_group(http, members=(user["id"],))
    patch(http, f"/Groups/{group['id']}", op("replace", value={"displayName": uniq()}))
    return len(http.get(f"/Groups/{group['id']}").json().get("members", []))


def _attributes(http: httpx.Client) -> Any:
    user = create_user(http)
    body = http.get(f"/Users/{user['id']}", params={"attributes": "userName"}).json()
    excluded = http.get(f"/Users/{user['id']}", params={"excludedAttributes": "name"}).json()
    return "name" in body, "name" in excluded


def _discovery(http: httpx.Client) -> Any:
    return (
        http.get("/ServiceProviderConfig").status_code,
        http.get("/Schemas").status_code,
        http.get(str(http.base_url.copy_with(path="/Schemas/SCIM2/User"))).status_code,
    )


def _schema_ids(http: httpx.Client) -> Any:
    return GROUP in [s["id"] for s in http.get("/Schemas").json()["Resources"]]


def _spc_patch(http: httpx.Client) -> Any:
    return http.get("/ServiceProviderConfig").json()["patch"]["supported"]


def _webex_email_rules(http: httpx.Client) -> Any:
    not_email = http.post("/Users", json=entra_user(uniq("not-an-email")))
    other = [{"primary": True, "type": "work", "value": f"{uniq()}@example.com"}]
    other_primary = http.post("/Users", json=entra_user(emails=other))
    return not_email.status_code, other_primary.status_code


def _upper_case_duplicate(http: httpx.Client) -> Any:
    name = f"{uniq()}@example.com"
    create_user(http, user_name=name)
    return http.post("/Users", json=entra_user(name.upper())).status_code


def _cisco_kept(http: httpx.Client) -> Any:
    section = {"extensionAttribute1": ["a"], "userNameType": "email"}
    return CISCO in create_user(http, **{CISCO: section})


def _unknown_schema(http: httpx.Client) -> Any:
    body = entra_user(**{"urn:example:unknown:2.0:User": {"x": "y"}})
    body["schemas"].append("urn:example:unknown:2.0:User")
    return http.post("/Users", json=body).status_code


def _read_only_input(http: httpx.Client) -> Any:
    body = entra_user(groups=[{"value": str(uuid.uuid4())}], **{CISCO: {"teamsClusterId": "x"}})
    return http.post("/Users", json=body).status_code


def _without_user_type(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user()).status_code


def _user_type_default(http: httpx.Client) -> Any:
    return create_user(http).get("userType", MISSING)


def _sw_filter(http: httpx.Client) -> Any:
    return http.get("/Users", params={"filter": 'userName sw "nobody-"'}).status_code


def _remove_without_path(http: httpx.Client) -> Any:
    return patch(http, f"/Users/{create_user(http)['id']}", op("remove")).status_code


def _cisco_error(http: httpx.Client) -> Any:
    return CISCO_ERROR in http.get(f"/Users/{uuid.uuid4()}").json()


def _throttled(http: httpx.Client) -> Any:
    answers = [http.get("/Users", params={"count": "0"}) for _ in range(20)]
    limited = [a for a in answers if a.status_code == 429]
    return bool(limited), any("retry-after" in a.headers for a in limited)


def _inactive_listed(http: httpx.Client) -> Any:
    user = create_user(http)
    patch(http, f"/Users/{user['id']}", op("replace", "active", False))
    listed = http.get("/Users", params={"count": "1000"}).json()["Resources"]
    return user["id"] in [u["id"] for u in listed]


def _include_members(http: httpx.Client) -> Any:
    group = create_group(http, members=(create_user(http)["id"],))
    query = {"filter": f'displayName eq "{group["displayName"]}"', "includeMembers": "true"}
    return "members" in http.get("/Groups", params=query).json()["Resources"][0]


def _eleven_emails(http: httpx.Client) -> Any:
    name = f"{uniq()}@example.com"
    emails = [{"primary": True, "type": "work", "value": name}]
    emails += [{"type": "other", "value": f"{i}.{name}"} for i in range(10)]
    return http.post("/Users", json=entra_user(name, emails=emails)).status_code


def _non_ascii_name(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user(displayName="José O'Brien-Łukasiewicz")).status_code


def _escaped_quote_filter(http: httpx.Client) -> Any:
    return http.get("/Users", params={"filter": 'userName eq "a\\"b@example.com"'}).status_code


def _outer_spaces(http: httpx.Client) -> Any:
    user = create_user(http, displayName=" Ada ")
    return user["displayName"], http.get(f"/Users/{user['id']}").json()["displayName"]


def _mixed_case_user_name(http: httpx.Client) -> Any:
    sent = f"{uniq('Mixed')}@Example.com"
    return create_user(http, user_name=sent)["userName"] == sent


def _quoted_user_name(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user(f'"{uniq()} \\"q"@example.com')).status_code


def _long_display_name(http: httpx.Client) -> Any:
    return len(create_user(http, displayName="x" * 100)["displayName"])


# (fault, probe, observation on a correct server, observation with the fault on)
FAULT_PROBES: list[tuple[Fault, Probe, Any, Any]] = [
    (Fault.CREATE_RETURNS_200, _status_of_create, 201, 200),
    (Fault.FILTER_IGNORED, _filter_finds_only_one, 1, 2),
    (Fault.USERNAME_CASE_SENSITIVE, _upper_case_filter, (1, 409), (0, 409)),
    (Fault.NO_CONFLICT, _duplicate_create, 409, 201),
    (Fault.PATCH_OPS_CASE_SENSITIVE, _capitalised_op, (200, None), (400, "invalidSyntax")),
    (Fault.REJECT_STRING_BOOLEANS, _string_false, (200, None), (400, "invalidValue")),
    (Fault.FILTER_PATH_PATCH_IGNORED, _filter_path_patch, True, False),
    (Fault.DEACTIVATE_IGNORED, _deactivate, (200, False), (200, True)),
    (Fault.DELETE_NOOP, _delete_then_get, (204, 404), (204, 200)),
    (
        Fault.NOT_FOUND_WITHOUT_SCIM_BODY,
        _unknown_id_media_type,
        (404, SCIM_JSON),
        (404, "text/html"),
    ),
    (Fault.AUTH_NOT_ENFORCED, _anonymous, (401, 401), (200, 401)),
    (Fault.WRONG_TOKEN_ACCEPTED, _wrong_token, (401, 401), (200, 401)),
    (Fault.STALE_PATCH_BODY, _patch_body, ("After", "After"), ("Before", "After")),
    (Fault.EMPTY_FILTER_404, _empty_filter, (200, 200), (404, 404)),
    (Fault.DOTTED_KEYS_LITERAL, _dotted_keys, ("Kkom", False, "42"), ("Given", True, MISSING)),
    (Fault.INACTIVE_HIDDEN, _inactive, (200, 1), (404, 0)),
    (Fault.EXTERNALID_FILTER_UNSUPPORTED, _external_id_filter, (200, None), (400, "invalidFilter")),
    (Fault.ERROR_STATUS_INTEGER, _error_status_type, "str", "int"),
    (Fault.REJECT_CLIENT_META, _entra_create, 201, 400),
    (Fault.ADD_MISSING_ELEMENT_FAILS, _add_missing_element, (200, None), (400, "noTarget")),
    (Fault.MANAGER_UNSUPPORTED, _manager, (200, None), (400, "invalidPath")),
    (Fault.ENTERPRISE_IGNORED, _enterprise, ("Ops", True), (MISSING, True)),
    (Fault.LEGACY_REMOVE_EMPTIES_GROUP, _legacy_remove, 1, 0),
    (Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED, _excluded_members, (False, False), (True, True)),
    (Fault.WRONG_CONTENT_TYPE, _media_type, SCIM_JSON, "text/plain"),
    (Fault.JSON_CONTENT_TYPE, _media_type, SCIM_JSON, "application/json"),
    (Fault.PAGINATION_IGNORED, _paging, (2, 1), (1, 3)),
    (Fault.DELETE_TWICE_204, _delete_unknown, 404, 204),
    (Fault.GROUP_NO_CONFLICT, _duplicate_group, 409, 201),
    (Fault.GROUP_EMPTY_FILTER_404, _group_probe, (200, 200), (404, 200)),
    (Fault.RENAME_DROPS_MEMBERS, _rename_keeps_members, 1, 0),
    (Fault.ATTRIBUTES_IGNORED, _attributes, (False, False), (True, True)),
    (Fault.DISCOVERY_MISSING, _discovery, (200, 200, 200), (404, 404, 200)),
    (Fault.SCHEMAS_WITHOUT_GROUP, _schema_ids, True, False),
    (Fault.SPC_DENIES_PATCH, _spc_patch, True, False),
    (Fault.NO_GROUPS, lambda http: http.get("/Groups").status_code, 200, 404),
    # Faults only the property-based checks catch (tests/test_properties.py).
    (Fault.NON_ASCII_NAME_500, _non_ascii_name, 201, 500),
    (Fault.FILTER_ESCAPED_QUOTE_400, _escaped_quote_filter, 200, 400),
    (Fault.TRIMS_NAMES, _outer_spaces, (" Ada ", " Ada "), ("Ada", "Ada")),
    (Fault.LOWERCASES_USER_NAME, _mixed_case_user_name, True, False),
    (Fault.TRUNCATES_LONG_NAMES, _long_display_name, 100, 64),
    (Fault.REFUSES_EXOTIC_INPUT, _quoted_user_name, 201, 400),
    # Webex faults (webex-scim.md §9), proven against the suite in tests/test_webex.py.
    (Fault.USERNAME_EMAIL_RULES_IGNORED, _webex_email_rules, (400, 400), (201, 201)),
    (Fault.USERNAME_UNIQUE_CASE_SENSITIVE, _upper_case_duplicate, 409, 201),
    (Fault.CISCO_EXTENSION_DROPPED, _cisco_kept, True, False),
    (Fault.UNKNOWN_SCHEMA_REJECTED, _unknown_schema, 201, 400),
    (Fault.READ_ONLY_INPUT_REJECTED, _read_only_input, 201, 400),
    (Fault.USER_TYPE_REQUIRED, _without_user_type, 201, 400),
    (Fault.USER_TYPE_NOT_DEFAULTED, _user_type_default, "user", MISSING),
    (Fault.FILTER_EQ_ONLY, _sw_filter, 200, 400),
    (Fault.PATCH_NO_TARGET_IGNORED, _remove_without_path, 400, 200),
    (Fault.NO_CISCO_ERROR_EXTENSION, _cisco_error, True, False),
    (Fault.THROTTLES_WITHOUT_RETRY_AFTER, _throttled, (False, False), (True, False)),
    (Fault.INACTIVE_UNLISTED, _inactive_listed, True, False),
    (Fault.INCLUDE_MEMBERS_IGNORED, _include_members, True, False),
    (Fault.SIZE_LIMITS_IGNORED, _eleven_emails, 400, 201),
]


@pytest.fixture(scope="module")
def fault_clients() -> Iterator[Callable[[tuple[Fault, ...]], httpx.Client]]:
    """Start (once) a fresh server per fault set; all are stopped at the end of the module."""
    started: dict[tuple[Fault, ...], httpx.Client] = {}
    with ExitStack() as stack:

        def get(faults: tuple[Fault, ...]) -> httpx.Client:
            if faults not in started:
                running = stack.enter_context(serve(ReferenceApp(TOKEN, faults=faults)))
                started[faults] = stack.enter_context(client_for(running))
            return started[faults]

        yield get


def test_every_fault_has_a_probe() -> None:
    assert [f for f, *_ in FAULT_PROBES] == list(Fault)


@pytest.mark.parametrize(
    ("fault", "probe", "good", "bad"), FAULT_PROBES, ids=[f.value for f, *_ in FAULT_PROBES]
)
def test_fault_changes_the_behaviour_it_names(
    fault_clients: Callable[[tuple[Fault, ...]], httpx.Client],
    fault: Fault,
    probe: Probe,
    good: Any,
    bad: Any,
) -> None:
    assert probe(fault_clients(())) == good
    assert probe(fault_clients((fault,))) == bad
