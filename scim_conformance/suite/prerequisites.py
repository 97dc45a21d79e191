"""A test's prerequisites (a user, a group): Entra's create, or the narrowest one accepted.

A create refused in Entra's exact shape is one finding, reported by the create test
(test_create_user_as_entra_does, test_create_group_as_entra_does). The tests that only
need the resource still run: the prerequisite is met by a narrower body
(checks/fallbacks.py), learned once per process and reused, so refused bodies are not
resent for every test. The test says so in its report (a "SCIM fallback" section and the
`scim_fallback` user properties); a test that checks a value the narrower body lost is
blocked by the create finding instead. Only where no narrower body works are the
dependent tests blocked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import describe
from scim_conformance.checks.failures import Blocked, Finding
from scim_conformance.checks.fallbacks import (
    REFUSED_BODY,
    Narrowing,
    group_ladder,
    lacking,
    leaves,
    lost,
    user_ladder,
)
from scim_conformance.checks.rules import Rule
from scim_conformance.http.client import ScimClient, ScimResponse, TransportFailure
from scim_conformance.ledger import Ledger
from scim_conformance.reporting.findings import fingerprint

FALLBACK_SECTION = "SCIM fallback"
FALLBACK_PROPERTY = "scim_fallback"  # the sentence, as the test's report says it
FALLBACK_FINDING_PROPERTY = "scim_fallback_finding"  # the fingerprint it stands in for


@contextmanager
def adopting(ledger: Ledger, collection: str, attribute: str, value: str) -> Iterator[None]:
    """If the create gets no answer, look the resource up so cleanup still deletes it."""
    try:
        yield
    except TransportFailure:
        ledger.adopt(collection, attribute, value)
        raise


def post_resource(
    scim: ScimClient, ledger: Ledger, collection: str, sent: dict[str, Any], attribute: str
) -> tuple[ScimResponse, str]:
    """POST once; register whatever was created for cleanup. The response and the id.

    The ledger records the create's intent before it is sent (it observes the client)."""
    name = str(sent.get(attribute, ""))
    with adopting(ledger, collection, attribute, name):
        response = scim.post(collection, sent)
    found = (response.json_object or {}).get("id")
    resource_id = found if isinstance(found, str) else ""
    if resource_id:
        ledger.add(collection, resource_id)  # whatever the status said: clean it up
    elif response.status in (200, 201):
        ledger.adopt(collection, attribute, name)  # created, but no id came back
    return response, resource_id


def _accepted(response: ScimResponse, resource_id: str) -> bool:
    return bool(resource_id) and response.status in (200, 201)


@dataclass(frozen=True)
class Fallback:
    """How a prerequisite was met after Entra's create was refused."""

    kind: str  # "user" or "group"
    narrowing: Narrowing
    finding: Finding  # the create finding this stands in for (the create test reports it)
    lost: frozenset[str] = frozenset()  # values Entra's body carried that this one lacks

    def line(self, base_url: str) -> str:
        """The sentence the test's report carries."""
        return (
            f"prerequisite met by fallback: {self.kind} created {self.narrowing.label} after "
            f"Entra's create was refused (see finding {self.fingerprint(base_url)})"
        )

    def fingerprint(self, base_url: str) -> str:
        """The fingerprint of the finding it stands in for, as reports name it."""
        evidence = self.finding.cause or self.finding.exchange
        return fingerprint(self.finding.rule, evidence, base_url)


@dataclass
class Created:
    """A prerequisite met: the id, the 201 body, and the fallback used (None: Entra's)."""

    id: str
    body: dict[str, Any]
    fallback: Fallback | None = None
    members: tuple[str, ...] = ()  # a group's seed member when created with one


@dataclass
class Prerequisites:
    """Meets prerequisites for one process's tests and remembers, per shape of Entra's
    body, which fallback worked (or that none did)."""

    scim: ScimClient
    ledger: Ledger
    base_url: str
    _learned: dict[tuple[str, frozenset[str]], Fallback | Finding] = field(default_factory=dict)
    _accepted: set[tuple[str, frozenset[str]]] = field(default_factory=set)  # Entra's works

    def known(self, collection: str, sent: dict[str, Any]) -> Fallback | None:
        """The fallback learned for Entra's body of this shape (None: not learned, or Entra's
        is accepted); blocked by the create finding when no fallback works. No request."""
        learned = self._learned.get((collection, leaves(sent)))
        if isinstance(learned, Finding):
            raise blocked(learned, collection.strip("/").lower()[:-1])
        return learned

    def settled(self, collection: str, sent: dict[str, Any]) -> bool:
        """Whether a create of this shape was tried already (accepted, or a fallback found)."""
        key = (collection, leaves(sent))
        return key in self._accepted or isinstance(self._learned.get(key), Fallback)

    def create(
        self,
        item: pytest.Item | None,
        collection: str,
        sent: dict[str, Any],
        attribute: str,
        *,
        needs: Collection[str] | None = None,
        exact: bool = False,
        seed: Callable[[], str] | None = None,
    ) -> Created:
        """Create what `item` needs: Entra's `sent`, else the learned or a new fallback.

        `needs`: the values the test checks (None: all Entra sends), a fallback lacking one
        blocks the test; `exact`: the test is about Entra's body itself, never narrowed;
        `seed`: creates a user, for a group that can only be created with a member.
        """
        kind = collection.strip("/").lower()[:-1]
        key = (collection, leaves(sent))
        learned = None if exact else self._learned.get(key)
        if isinstance(learned, Finding):
            raise blocked(learned, kind)
        if isinstance(learned, Fallback):
            return self._narrowed(item, collection, sent, attribute, learned, needs, seed)
        response, resource_id = post_resource(self.scim, self.ledger, collection, sent, attribute)
        if _accepted(response, resource_id):
            if not exact:
                self._accepted.add(key)
            return Created(resource_id, response.json_object or {})
        finding = refused(rules.CREATE_ACCEPTED, kind, response)
        if exact or response.status not in REFUSED_BODY:
            raise blocked(finding, kind)
        self._learned[key] = finding  # until a narrower body is accepted
        detail = error_detail(response)
        ladder = user_ladder if collection == "/Users" else group_ladder
        for narrowing in ladder(detail, sent):
            if narrowing.with_member and seed is None:
                continue
            body = narrowing.apply(
                collection, sent, seed() if narrowing.with_member and seed else None
            )
            answer, created_id = post_resource(self.scim, self.ledger, collection, body, attribute)
            if not _accepted(answer, created_id):
                continue
            used = Fallback(kind, narrowing, refused(narrowing.rule, kind, response))
            self._learned[key] = used
            wanting = lacking(lost(sent, body), needs)
            if wanting:
                self.ledger.delete(created_id)  # learned for others; no use to this test
                raise blocked(used.finding, kind, wanting)
            return self._met(item, created_id, answer, used, lost(sent, body), body)
        raise blocked(finding, kind)

    def _narrowed(
        self,
        item: pytest.Item | None,
        collection: str,
        sent: dict[str, Any],
        attribute: str,
        learned: Fallback,
        needs: Collection[str] | None,
        seed: Callable[[], str] | None,
    ) -> Created:
        """Go straight to the fallback learned for this shape of body."""
        body = learned.narrowing.apply(collection, sent)
        wanting = lacking(lost(sent, body), needs)
        if wanting:
            raise blocked(learned.finding, learned.kind, wanting)
        if learned.narrowing.with_member:
            if seed is None:
                raise blocked(learned.finding, learned.kind)
            body = learned.narrowing.apply(collection, sent, seed())
        response, created_id = post_resource(self.scim, self.ledger, collection, body, attribute)
        if not _accepted(response, created_id):
            raise blocked(learned.finding, learned.kind)
        return self._met(item, created_id, response, learned, lost(sent, body), body)

    def _met(
        self,
        item: pytest.Item | None,
        created_id: str,
        response: ScimResponse,
        used: Fallback,
        missing: frozenset[str],
        body: dict[str, Any],
    ) -> Created:
        """Say in the test's report that its prerequisite was met by a fallback."""
        used = Fallback(used.kind, used.narrowing, used.finding, missing)
        announce(item, used.line(self.base_url), used.fingerprint(self.base_url))
        members = tuple(str(m["value"]) for m in body.get("members", []) if isinstance(m, dict))
        if members:
            _SEEDED[created_id] = members
        return Created(created_id, response.json_object or {}, used, members)


# Groups created with a member (`members` required), by id: a membership check expects
# that member too. Kept per process, as the groups are: a test creates and checks its own.
_SEEDED: dict[str, tuple[str, ...]] = {}


def seed_members(group_id: str) -> frozenset[str]:
    """The member a group was created with because the endpoint requires one (else none)."""
    return frozenset(_SEEDED.get(group_id, ()))


def error_detail(response: ScimResponse) -> str:
    """What a refusal says: the SCIM Error's `detail`, else the (redacted) body text."""
    detail = (response.json_object or {}).get("detail")
    return detail if isinstance(detail, str) else response.exchange.response_body or ""


def refused(rule: Rule, kind: str, response: ScimResponse) -> Finding:
    """The create finding a refused prerequisite stands for (the create test reports it)."""
    return Finding(
        rule,
        f"Could not create the {kind} this test needs (see test_create_{kind}_as_entra_does)",
        f"HTTP 201 with a JSON body carrying the new {kind}'s id",
        describe(response),
        response.exchange,
    )


def blocked(finding: Finding, kind: str, lacks: Collection[str] = ()) -> Blocked:
    """The test blocked by the create finding, saying which lost values it needed, if any."""
    title = finding.title
    if lacks:
        title = (
            f"Could not create the {kind} this test needs with {', '.join(lacks)}: only a "
            f"narrower create is accepted (see test_create_{kind}_as_entra_does)"
        )
    return Blocked(replace(finding, title=title))


def announce(item: pytest.Item | None, line: str, finding: str) -> None:
    """Put the fallback in the test's report: a section (terminal, HTML) and properties
    (JUnit, and for the run's reporter, which gets them from any xdist worker); once per
    test, however many of its users or groups needed it. A fixture shared by several tests
    (item None) leaves it to each test that uses what it created."""
    if item is None or (FALLBACK_PROPERTY, line) in item.user_properties:
        return
    item.add_report_section("call", FALLBACK_SECTION, line)
    item.user_properties.append((FALLBACK_PROPERTY, line))
    item.user_properties.append((FALLBACK_FINDING_PROPERTY, finding))
