"""The steps the property checks share: create as Entra does, judge what was stored,
PATCH and read back, match by userName.

Each step names the rule a finding breaks. Values inside Entra's domain (what its
directory holds, userNames its UPNs allow) are graded like Entra's own requests; values
outside it, and values only normalised, give advisory findings (rules.py, "Properties").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    created_id,
    describe,
    expect_list_response,
)
from scim_conformance.checks.failures import advise, block, fail
from scim_conformance.checks.fallbacks import (
    Narrowing,
    RunFallbacks,
    dropped,
    narrowed,
    send_through,
)
from scim_conformance.checks.resource_paths import MISSING, value_at
from scim_conformance.checks.rules import Rule
from scim_conformance.checks.steps import (
    expect_only,
    expect_values,
    listed,
    normalised_values,
    patch_and_verify,
)
from scim_conformance.entra import WORK_EMAIL, Op, user_query
from scim_conformance.http.client import ScimClient, ScimResponse, TransportFailure
from scim_conformance.ledger import Ledger
from scim_conformance.properties.strategies import (
    ENTRA,
    is_exotic,
    utf16_len,
)

CREATED_TITLE = "The created user does not hold what was sent"
EMAIL_PATHS = ("userName", WORK_EMAIL)  # addresses: their case may be canonicalised


@dataclass(frozen=True)
class Created:
    """A user a property created: its id and the create's response (the write to replay);
    after Entra's create was refused, the run's narrowing it was created with and the
    values that narrower body left out."""

    id: str
    response: ScimResponse
    narrowing: Narrowing | None = None
    lost: tuple[str, ...] = ()  # target paths sent by Entra's body, not by the one posted

    def expected(self, sent: Mapping[str, Any]) -> dict[str, Any]:
        """What a read must show of `sent`: never a value the narrower body did not send."""
        return {path: value for path, value in sent.items() if path not in self.lost}

    def same_shape(self, body: dict[str, Any]) -> dict[str, Any]:
        """Another Entra user body, narrowed as this user's was."""
        return narrowed(self.narrowing, "/Users", body) or body


def match_rule(user_name: str) -> Rule:
    """The rule a userName filter breaks: exotic names are outside what Entra sends."""
    return rules.FILTER_ESCAPED_VALUE if is_exotic(user_name) else rules.FILTER_EXACT_MATCH


def beyond_entra(path: str, value: Any) -> bool:
    """True for a value Entra never sends: longer than its directory holds, or an address
    outside its UPN characters."""
    if not isinstance(value, str):
        return False
    return (path in EMAIL_PATHS and is_exotic(value)) or utf16_len(value) > ENTRA.of(path)


def refusal_reason(sent: Mapping[str, Any], user_name: str) -> str | None:
    """Why a server may refuse these values with a 4xx and still serve Entra, or None."""
    if is_exotic(user_name):
        return "its userName is a quoted or non-ASCII address, which Entra's UPNs never are"
    longer = [
        f"{path} ({ENTRA.of(path)})"
        for path, value in sent.items()
        if isinstance(value, str) and utf16_len(value) > ENTRA.of(path)
    ]
    if longer:
        return f"values are longer than Entra's directory holds: {', '.join(longer)}"
    return None


def _post(ledger: Ledger, body: dict[str, Any], name: str) -> ScimResponse:
    """POST a user; whatever it creates is in the ledger, so cleanup covers it."""
    try:
        response = ledger.client.post("/Users", body)
    except TransportFailure:
        ledger.adopt("/Users", "userName", name)  # it may exist: find it so cleanup covers it
        raise
    user_id = created_id(response)
    if user_id is not None:
        ledger.add("/Users", user_id)
    elif response.status in (200, 201):
        ledger.adopt("/Users", "userName", name)  # created, but no id came back
    return response


def create_user(
    ledger: Ledger,
    body: dict[str, Any],
    sent: Mapping[str, Any],
    name: str,
    title: str,
    fallbacks: RunFallbacks | None = None,
) -> Created | None:
    """POST a generated user's Entra `body` (holding `sent`, by target path, and the userName
    `name`); the new user, None when legally refused, else a failure.

    Where the run's Entra create is refused, the user is created through the run's fallback
    (`fallbacks`), as the fixed tests' users are: the create test reports that once.
    """
    done = send_through(fallbacks, "/Users", body, lambda sent: _post(ledger, sent, name))
    response, posted, narrowing = done.response, done.narrower, done.narrowing
    user_id = created_id(response)
    if user_id is not None:
        if posted is None or fallbacks is None:
            return Created(user_id, response)
        lost = tuple(dropped(sent, body, posted))
        fallbacks.used("/Users", lost)
        return Created(user_id, response, narrowing, lost)
    if narrowing is not None:
        title = f"{title} (sent {narrowing.label}, the run's fallback)"
    earlier = ledger.deletion_of(name) if response.status == 409 else None
    if earlier is not None:
        # One defect, one finding: a user this run deleted (generated data repeats across
        # examples and properties) is still there, so this is the delete-applied finding
        # of that DELETE, not a create that failed.
        block(
            rules.DELETE_APPLIED,
            f"{title}: a user this run deleted still holds its userName",
            expected="HTTP 201: the earlier user with this userName was deleted",
            actual=describe(response),
            response=response,
            cause=earlier,
        )
    reason = refusal_reason(sent, name)
    refused = 400 <= response.status < 500 and response.status != 409 and response.json_object
    if not (reason and refused):
        rule = rules.UNSENT_VALUE_ERROR if reason else rules.CREATE_ACCEPTED
        expected = "HTTP 201 with the new user's id"
        fail(rule, title, expected=expected, actual=describe(response), response=response)
    advise(
        rules.UNSENT_VALUE_REFUSED,
        f"{title}: refused because {reason}",
        expected="HTTP 201, or a 400 that the server's documentation explains",
        actual=describe(response),
        response=response,
    )
    return None


def without_derived(sent: Mapping[str, Any]) -> dict[str, Any]:
    """What a read must show of the values sent: name.formatted may be derived instead."""
    # Entra derives it in its mapping; RFC 7643 §4.1.1 lets a server compose it too.
    return {path: value for path, value in sent.items() if path != "name.formatted"}


def normalised(path: str, sent: Any, stored: Any) -> bool:
    """True when `stored` is `sent` with outer spaces trimmed or an address's case changed."""
    if not isinstance(sent, str) or not isinstance(stored, str):
        return False
    if path in EMAIL_PATHS:
        return stored.strip().casefold() == sent.strip().casefold()
    return stored == sent.strip()


def differences(
    resource: dict[str, Any], expected: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The expected values `resource` does not hold: (changed, only normalised), by path."""
    normal = normalised_values(resource, expected, normalised)
    changed = {
        path: value
        for path, value in expected.items()
        if path not in normal and value_at(resource, path) != value
    }
    return changed, normal


def expect_created_values(
    read: dict[str, Any], response: ScimResponse, sent: Mapping[str, Any], created: Created
) -> dict[str, Any]:
    """Judge a created user read back against `sent`; returns the values it holds."""
    # Values Entra sends must be kept; others and normalised ones are advisory. The write
    # that changed them is the create, so the finding replays it.
    changed, normal = differences(read, sent)
    beyond = {path: value for path, value in changed.items() if beyond_entra(path, value)}
    kept = {path: value for path, value in changed.items() if path not in beyond}
    write = created.response
    expect_values(read, kept, CREATED_TITLE, response, rule=rules.CREATE_STORED, cause=write)
    title = f"{CREATED_TITLE} (values Entra never sends)"
    expect_values(read, beyond, title, response, rule=rules.UNSENT_VALUE_STORED, cause=write)
    title = "The created user holds normalised values"
    expect_values(read, normal, title, response, rule=rules.VALUE_NORMALISED, cause=write)
    held = {**sent, **{path: value_at(read, path) for path in {**beyond, **normal}}}
    return {path: value for path, value in held.items() if value is not MISSING}


def patch_step(
    scim: ScimClient,
    path: str,
    operations: list[Op],
    expected: Mapping[str, Any],
    title: str,
    applied: Rule = rules.PATCH_APPLIED,
) -> dict[str, Any]:
    """PATCH as Entra does and read back; returns the values the server normalised.

    The fixed tests' patch-and-verify, with a value stored normalised graded advisory
    (value-normalised) rather than as a change that did not stick; `applied` is the rule
    a change that did not stick breaks (the request variant's own).
    """
    after = patch_and_verify(
        scim, path, operations, expected, title, normalised=normalised, applied=applied
    )
    return {path: value_at(after, path) for path in normalised_values(after, expected, normalised)}


def expect_user_name_finds(scim: ScimClient, value: str, user_id: str, title: str) -> None:
    """`userName eq "<value>"`, escaped by `entra.filter_eq`, finds exactly `user_id`."""
    response = scim.get("/Users", user_query("userName", value))
    rule = match_rule(value)
    if response.status != 200:
        fail(
            rule if rule is rules.FILTER_ESCAPED_VALUE else rules.QUERY_LIST_RESPONSE,
            title,
            expected="HTTP 200 with a ListResponse holding exactly the created user",
            actual=describe(response),
            response=response,
        )
    body = expect_list_response(response, title)
    expect_only(listed(body), user_id, title, response, rule=rule)


def flip_case(text: str) -> str:
    """Swap the case of ASCII letters only."""
    # Unicode case mapping is not one-to-one ('ß' → 'SS', 'İ' → 'i̇'), and RFC 7644 does
    # not say which folding a server uses.
    return "".join(c.swapcase() if c.isascii() else c for c in text)
