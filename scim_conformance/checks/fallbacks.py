"""Narrower create bodies for a refused prerequisite: what each drops, and what it loses.

When an endpoint refuses Entra's exact create body, the create test reports it once
(rule create-accepted). The tests that only *need* a user or a group still have something
to test, so the suite meets their prerequisite with the narrowest change the endpoint
accepts: first without what the error detail names (Canaille 0.3.6 answers "Extra inputs
are not permitted: emails[0].primary"), then without Entra's client-side extras, then a
minimal body. Each narrowing knows which attribute values it lost, so a test that checks
one of them is blocked by the create finding instead of failing falsely.

Pure data and functions: no HTTP here (suite/prerequisites.py sends the bodies).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import created_id
from scim_conformance.checks.resource_paths import value_at
from scim_conformance.checks.rules import Rule
from scim_conformance.entra import ADSCIM_GROUP, ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA
from scim_conformance.http.client import ScimResponse

# Leaves of Entra's create bodies that no test reads back as a stored value: losing them
# cannot make a check lie. (`roles` is the empty list Entra sends when no role is mapped.)
IGNORABLE = frozenset({"schemas", "meta.resourceType", "emails[].primary", "roles"})
# What a body must keep to create the resource at all (never dropped by a named error).
_KEPT = {"/Users": ("schemas", "userName", "active"), "/Groups": ("schemas", "displayName")}
# Entra's client-side extras a generic server may refuse (RFC 7643 §3.1: meta is read-only).
_EXTRAS = ("emails[].primary", "roles", "meta", ENTERPRISE)
_INDEX = re.compile(r"\[\d*\]")
MAX_FALLBACKS = 3  # bodies tried after Entra's own; requests are costly on real tenants
REFUSED_BODY = (400, 422)  # statuses saying "this body is refused": a narrower one may pass


@dataclass(frozen=True)
class Narrowing:
    """One way to narrow a create body: a label for the report, the paths it drops, and the
    finding a test meeting its prerequisite this way stands in for."""

    label: str  # "without emails[].primary": read after "user created "
    drops: tuple[str, ...] = ()  # "emails[].primary", "roles", "meta", a URN, ...
    minimal: bool = False  # keep only what the resource cannot be created without
    with_member: bool = False  # a group created with one member (`members` required)
    rule: Rule = rules.CREATE_ACCEPTED

    def apply(
        self, collection: str, body: dict[str, Any], member: str | None = None
    ) -> dict[str, Any]:
        """The narrowed copy of `body` (a group's seed `member` id when `with_member`)."""
        out = copy.deepcopy(body)
        if self.minimal:
            core = USER_SCHEMA if collection == "/Users" else GROUP_SCHEMA
            out = {key: out[key] for key in _KEPT[collection] if key in out}
            out["schemas"] = [core]
            if collection == "/Groups" and "externalId" in body:
                out["externalId"] = body["externalId"]
        for path in self.drops:
            _drop(out, path)
        if self.with_member and member is not None:
            out["members"] = [{"value": member}]
        return out


class RunFallbacks(Protocol):
    """The run's remembered fallback, for tests that build their own create bodies (the
    properties, the cycles, the Webex checks): the suite implements it per test
    (suite/run_fallbacks.py), so they narrow as the fixed tests do, never by logic of
    their own."""

    def known(self, collection: str) -> Narrowing | None:
        """The narrowing already learned for Entra's create into `collection` (no request;
        None: none learned, or Entra's create is accepted); blocked when none works."""
        ...

    def learn(self, collection: str) -> Narrowing | None:
        """The narrowing to use, learned now if need be (None: Entra's create is accepted,
        so a refusal is about the body's data, not its shape); blocked when none works."""
        ...

    def used(self, collection: str, lost: Collection[str] = ()) -> None:
        """Say in the test's report that it created through the fallback, and which values
        the narrower body left out (they are not expected back)."""
        ...


def narrowed(
    narrowing: Narrowing | None, collection: str, body: dict[str, Any], member: str | None = None
) -> dict[str, Any] | None:
    """`body` narrowed the way the run creates, or None when that changes nothing."""
    if narrowing is None:
        return None
    out = narrowing.apply(collection, body, member)
    return None if out == body else out


@dataclass(frozen=True)
class Sent:
    """A create sent through `send_through`: the answer, and the narrower body and the
    narrowing it came from when the run's fallback was sent instead of Entra's body."""

    response: ScimResponse
    narrower: dict[str, Any] | None = None
    narrowing: Narrowing | None = None


def send_through(
    fallbacks: RunFallbacks | None,
    collection: str,
    body: dict[str, Any],
    post: Callable[[dict[str, Any]], ScimResponse],
    member: str | None = None,
) -> Sent:
    """`post` Entra's `body`, or the run's narrower one once the run knows Entra's create
    is refused; a refusal of Entra's body teaches the run its fallback, then the narrower
    body is sent. A refusal while Entra's fixed body is accepted is about the data: no
    fallback then (`fallbacks.learn` answers None)."""
    if fallbacks is None:
        return Sent(post(body))
    narrowing = fallbacks.known(collection)
    narrower = narrowed(narrowing, collection, body, member)
    response = post(narrower or body)
    refused = created_id(response) is None and response.status in REFUSED_BODY
    if refused and narrower is None:
        narrowing = fallbacks.learn(collection)
        narrower = narrowed(narrowing, collection, body, member)
        if narrower is not None:
            response = post(narrower)
    return Sent(response, narrower, narrowing if narrower is not None else None)


def dropped(values: Mapping[str, Any], sent: dict[str, Any], narrower: dict[str, Any]) -> list[str]:
    """The target paths of `values` (`emails[type eq "work"].value`, a URN path) that Entra's
    body `sent` carries and the `narrower` body no longer does: not to be expected back."""
    return sorted(
        path
        for path, value in values.items()
        if value_at(sent, path) == value and value_at(narrower, path) != value
    )


def _drop(body: dict[str, Any], path: str) -> None:
    """Remove `path` (`a`, `a.b`, `a[].b`, a schema URN or URI) from `body` in place."""
    if path.startswith(("urn:", "http:", "https:")):
        body.pop(path, None)
        schemas = body.get("schemas")
        if isinstance(schemas, list) and len(schemas) > 1 and path in schemas:
            body["schemas"] = [uri for uri in schemas if uri != path]
        return
    head, _, rest = path.partition(".")
    name = _INDEX.sub("", head)
    if not rest:
        body.pop(name, None)
        return
    value = body.get(name)
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            _drop(item, rest)


def leaves(body: dict[str, Any], prefix: str = "") -> frozenset[str]:
    """The attribute paths holding a value, list indexes folded: `emails[].value`."""
    found: set[str] = set()
    for key, value in body.items():
        path = f"{prefix}{key}"
        items = value if isinstance(value, list) else [value]
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in items:
                found |= leaves(item, f"{path}[].")
        elif isinstance(value, dict) and key != "schemas":
            sep = ":" if key.startswith("urn:") else "."
            found |= leaves(value, f"{path}{sep}")
        else:
            found.add(path)
    return frozenset(found)


def lost(sent: dict[str, Any], narrowed: dict[str, Any]) -> frozenset[str]:
    """The value-bearing paths of `sent` that `narrowed` no longer carries."""
    return frozenset(leaves(sent) - leaves(narrowed) - IGNORABLE)


def lacking(lost_paths: Collection[str], needs: Collection[str] | None) -> list[str]:
    """Lost paths a test needs (`needs` None: every value Entra sent; a need `emails`
    covers `emails[].value`)."""
    if needs is None:
        return sorted(lost_paths)
    return sorted(path for path in lost_paths if any(_covers(need, path) for need in needs))


def _covers(need: str, path: str) -> bool:
    return path == need or path.startswith((f"{need}.", f"{need}[", f"{need}:"))


def named_paths(detail: str, collection: str, body: dict[str, Any]) -> tuple[str, ...]:
    """The paths of `body` an error detail names (`emails[0].primary`, `roles`, a URN),
    most specific first; never what the resource cannot be created without."""
    named: list[str] = []
    for path in sorted(leaves(body) | _containers(body), key=len, reverse=True):
        pattern = re.escape(path).replace(r"\[\]", r"(?:\[\d*\])?")
        if re.search(rf"(?<![\w.\[]){pattern}(?![\w\[])", detail) and not any(
            _covers(path, n) or _covers(n, path) for n in named
        ):
            named.append(path)
    kept = _KEPT[collection]
    return tuple(path for path in named if path not in kept)


def _containers(body: dict[str, Any]) -> set[str]:
    """Top-level attributes and schema URIs an error may name as a whole."""
    schemas = body.get("schemas")
    uris = {uri for uri in schemas if isinstance(uri, str)} if isinstance(schemas, list) else set()
    return set(body) | uris


def user_ladder(detail: str, body: dict[str, Any]) -> list[Narrowing]:
    """The narrower user bodies to try, narrowest-change first (at most MAX_FALLBACKS)."""
    named = named_paths(detail, "/Users", body)
    ladder = [Narrowing(f"without {', '.join(named)}", drops=named)] if named else []
    ladder.append(Narrowing("without Entra's extras (" + ", ".join(_EXTRAS) + ")", _EXTRAS))
    ladder.append(Narrowing("with only schemas, userName and active", minimal=True))
    return _distinct("/Users", body, ladder)


def group_ladder(detail: str, body: dict[str, Any]) -> list[Narrowing]:
    """The narrower group bodies to try: without Entra's ADSCIM schema URI (its own rule,
    group-create-adscim-schema), or created with one member where `members` is required."""
    adscim = Narrowing(
        "without the ADSCIM schema URI", drops=(ADSCIM_GROUP,), rule=rules.GROUP_CREATE_EXTRA_SCHEMA
    )
    member = Narrowing("with one member", with_member=True)
    narrow = Narrowing(
        "with one member, without the ADSCIM schema URI and meta",
        drops=(ADSCIM_GROUP, "meta"),
        with_member=True,
    )
    if re.search(r"\bmembers\b", detail):
        return _distinct("/Groups", body, [member, narrow])
    return _distinct("/Groups", body, [adscim, narrow])


def _distinct(
    collection: str, body: dict[str, Any], ladder: Iterable[Narrowing]
) -> list[Narrowing]:
    """Drop narrowings that change nothing or repeat an earlier body; keep the bound."""
    seen = [body]
    kept: list[Narrowing] = []
    for narrowing in ladder:
        narrowed = narrowing.apply(collection, body, member="seed")
        if narrowed not in seen:
            seen.append(narrowed)
            kept.append(narrowing)
    return kept[:MAX_FALLBACKS]


# Adding members as a prerequisite, when Entra's add (`"$ref": null` in each value) is
# refused: first the same op without the null (RFC 7643 §2.3.7: a `$ref` present must be a
# URI, and some servers refuse the null), then one op per member (servers taking a single
# value per op). Bounded: each is one more PATCH on the tenant.
MEMBER_LADDER = ('without "$ref": null', "one add op per member")


def member_add_ops(step: str, op: str, member_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The PATCH operations of one fallback `step` (a MEMBER_LADDER label), with `op` spelled
    as the dialect spells it ("Add" in legacy, "add" in the flag dialect)."""
    if step == MEMBER_LADDER[0]:
        return [{"op": op, "path": "members", "value": [{"value": i} for i in member_ids]}]
    if step == MEMBER_LADDER[1]:
        return [{"op": op, "path": "members", "value": [{"value": i}]} for i in member_ids]
    raise ValueError(f"no member fallback {step!r}")
