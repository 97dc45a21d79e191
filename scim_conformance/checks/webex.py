"""What the Webex checks (`suite/test_webex.py`) need: facts from Webex's developer
documentation (URNs, its filter matrix, documented request shapes), comparisons, steps.

Entra's own request shapes stay in `entra.py`; Webex bodies here are Entra's create body
plus Webex additions, because the Webex checks test Webex behaviour, not Entra replays.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import created_id, describe, expect_list_response
from scim_conformance.checks.failures import Finding, block, fail, report
from scim_conformance.checks.resource_paths import MISSING, get_key, value_at
from scim_conformance.checks.rules import Rule
from scim_conformance.config import Settings
from scim_conformance.entra import FLAG, LEGACY, EntraPatch, Op, UserSpec, create_user_body
from scim_conformance.entra import quote_filter_value as quote
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger

CISCO_USER = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"
CISCO_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"
# Not a schema any server knows: Webex ignores such sections (webex-unknown-schema-ignored).
UNKNOWN_SCHEMA = "urn:scimconf:params:scim:schemas:extension:unknown:2.0:User"

# Webex's "Search users" page: the operators it documents per user attribute, limited to the
# attributes a create body can fill.
FILTER_MATRIX: dict[str, tuple[str, ...]] = {
    "id": ("eq",),
    "userName": ("eq", "sw", "ew"),
    "name.familyName": ("eq", "sw", "ew"),
    "name.givenName": ("eq", "sw"),
    "displayName": ("eq", "sw", "ew"),
    "emails.value": ("eq", "sw", "ew"),
}
CASE_EXACT = frozenset({"id"})  # RFC 7643 §2.4 caseExact (§4.1 for id); the rest ignore case


def no_target_operations(case: str, user_name: str) -> list[Op]:
    """The PATCH operations Webex answers with 400 noTarget (webex-patch-no-target)."""
    if case == "remove-without-path":
        return [{"op": "remove"}]
    # A value filter that matches no email of the user.
    path = f"emails[value eq {quote('x' + user_name)}].type"
    return [{"op": "replace", "path": path, "value": "other"}]


NO_TARGET_CASES = ("remove-without-path", "replace-unmatched-value-filter")


# Bodies -----------------------------------------------------------------------------------


def user_body(spec: UserSpec, additions: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Entra's POST /Users body with Webex additions; an added URN section is also listed
    in `schemas`, as RFC 7643 §3 asks."""
    return with_additions(create_user_body(spec), additions)


def with_additions(body: dict[str, Any], additions: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of a user body with Webex additions, an added URN section listed in `schemas`."""
    body = {**body, "schemas": list(body["schemas"])}
    for key, value in (additions or {}).items():
        if key.lower().startswith("urn:") and key not in body["schemas"]:
            body["schemas"].append(key)
        body[key] = value
    return body


def cisco_sample(user_name: str, tag: str) -> dict[str, Any]:
    """Cisco extension values of each documented shape (Webex's Get User Schema)."""
    return {
        "extensionAttribute1": [f"{tag}-a", f"{tag}-b"],
        "extensionAttribute15": [f"{tag}-c"],
        "externalAttribute1": [{"value": f"{tag}-v1", "source": f"Source.1_{tag}"}],
        "externalAttribute15": [{"value": f"{tag}-v15", "source": f"Source.15_{tag}"}],
        "sipAddresses": [{"value": f"sip:{user_name}", "type": "enterprise", "primary": True}],
        "userNameType": "email",
    }


def entra_for(settings: Settings) -> EntraPatch:
    """Entra's builders in the run's first dialect, for checks where the dialect is moot."""
    return EntraPatch(LEGACY if settings.dialects[0] == LEGACY else FLAG)


# Comparisons ------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A value as compact JSON, or '(absent)'."""
    return "(absent)" if value is MISSING else json.dumps(value, ensure_ascii=False)


def not_kept(sent: Mapping[str, Any], stored: Any) -> list[str]:
    """The sent attributes `stored` does not hold. Multi-valued attributes may come back in
    any order and elements may gain sub-attributes (e.g. `display`): both are legal."""
    return [
        f"{name} = {show(get_key(stored, name))} (sent {show(value)})"
        for name, value in sent.items()
        if not _holds(get_key(stored, name), value)
    ]


def _holds(stored: Any, sent: Any) -> bool:
    if isinstance(sent, list):
        return isinstance(stored, list) and all(any(_holds(s, v) for s in stored) for v in sent)
    if isinstance(sent, dict):
        return isinstance(stored, dict) and all(
            _holds(get_key(stored, k), v) for k, v in sent.items()
        )
    return bool(stored == sent)


def operand(op: str, value: str) -> str:
    """The comparison value for `op`: the whole value for eq, a prefix for sw, a suffix for
    ew. Each keeps the unique tag the suite's names carry, so it selects one user."""
    return {"eq": value, "sw": value[:-3], "ew": value[3:]}[op.lower()]


def filter_text(attribute: str, op: str, value: str) -> str:
    """`attribute op "value"`, the operator spelled as given (keywords are case-insensitive)."""
    return f"{attribute} {op} {quote(value)}"


def attribute_values(resource: dict[str, Any], attribute: str) -> list[str] | None:
    """The string values a filter on `attribute` compares; None when the resource does not
    show the attribute (a list may omit it: then nothing can be concluded)."""
    if attribute == "emails.value":
        emails = get_key(resource, "emails")
        if not isinstance(emails, list):
            return None
        return [v for e in emails if isinstance(v := get_key(e, "value"), str)]
    found = value_at(resource, attribute)
    return [found] if isinstance(found, str) else None


def satisfies(resource: dict[str, Any], attribute: str, op: str, value: str) -> bool | None:
    """Whether a returned resource meets `attribute op value`; None when it cannot be told."""
    values = attribute_values(resource, attribute)
    if values is None:
        return None
    exact = attribute in CASE_EXACT
    want = value if exact else value.casefold()
    have = values if exact else [v.casefold() for v in values]
    if op.lower() == "sw":
        return any(h.startswith(want) for h in have)
    if op.lower() == "ew":
        return any(h.endswith(want) for h in have)
    return want in have


def retry_after_problem(exchange: Exchange) -> str | None:
    """Why a 429 answer's Retry-After is unusable (webex-retry-after), or None if fine."""
    value = (exchange.response_header("retry-after") or "").strip()
    if not value:
        return "no Retry-After header"
    if value.isdigit():
        return None
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return f"Retry-After {value!r} is neither seconds nor an HTTP date"
    return None


def throttling_finding(exchanges: Iterable[Exchange]) -> Finding | None:
    """The webex-retry-after finding for `exchanges`, or None: no 429, or each usable.

    One finding per run, whichever request was throttled: the pytest-xdist controller
    judges every worker's exchanges with it (reporting/collect.py), the check its own."""
    throttled = [e for e in exchanges if e.status == 429]
    bad = throttled_badly(throttled)
    if not bad:
        return None
    exchange, problem = bad[0]
    return Finding(
        rules.WEBEX_RETRY_AFTER,
        f"A 429 without a usable Retry-After ({problem})",
        expected="Retry-After: <seconds> on every 429",
        actual=f"{len(bad)} of {len(throttled)} 429 answers, e.g. {exchange.method} "
        f"{exchange.url} → HTTP 429, {problem}",
    )


def throttled_badly(exchanges: Iterable[Exchange]) -> list[tuple[Exchange, str]]:
    """Every 429 answer among `exchanges` whose Retry-After is missing or unusable."""
    found = []
    for exchange in exchanges:
        problem = retry_after_problem(exchange) if exchange.status == 429 else None
        if problem is not None:
            found.append((exchange, problem))
    return found


# Steps ------------------------------------------------------------------------------------


def register(ledger: Ledger, response: ScimResponse, user_name: str) -> str | None:
    """Put whatever a POST /Users created in the ledger, so cleanup deletes it."""
    rid = created_id(response)
    if rid is not None:
        ledger.add("/Users", rid)
    elif 200 <= response.status < 300:
        ledger.adopt("/Users", "userName", user_name)  # created, but no id came back
    return rid


def expect_accepted(
    response: ScimResponse,
    title: str,
    *,
    rule: Rule,
    plain: Callable[[], ScimResponse] | None = None,
) -> str:
    """The id of a user the server had to accept; a failure of `rule` otherwise (or blocked,
    when `plain`, a create without what the test adds, is refused too)."""
    rid = created_id(response)
    if rid is None:
        _blocked_unless_plain_creates(plain)
        fail(rule, title, **_not_created(response))
    return rid


def created_or_report(
    response: ScimResponse,
    title: str,
    *,
    rule: Rule,
    plain: Callable[[], ScimResponse] | None = None,
) -> str | None:
    """The id of a created user; else a finding of `rule` as its severity says (None after
    an advisory one), or blocked when `plain` is refused too."""
    rid = created_id(response)
    if rid is None:
        _blocked_unless_plain_creates(plain)
        report(rule, title, **_not_created(response))
    return rid


def _blocked_unless_plain_creates(plain: Callable[[], ScimResponse] | None) -> None:
    """A refused create blames what the test added only if a plain create works: otherwise
    the one create-accepted finding (test_webex_user_type_defaults_when_absent) stands."""
    if plain is None:
        return
    response = plain()
    if created_id(response) is None:
        block(
            rules.CREATE_ACCEPTED,
            "Could not create even a plain user (see test_webex_user_type_defaults_when_absent)",
            **_not_created(response),
        )


def _not_created(response: ScimResponse) -> dict[str, Any]:
    return {
        "expected": "HTTP 201 with the new user's id",
        "actual": describe(response),
        "response": response,
    }


@dataclass(frozen=True)
class FilterUser:
    """A user the filter checks find: its id and the value of each filterable attribute."""

    id: str
    values: dict[str, str]


Clause = tuple[str, str, str]  # attribute, operator as written, value


def expect_filter(
    scim: ScimClient,
    clauses: list[Clause],
    wanted: list[FilterUser],
    *,
    refused: Rule,
    wrong: Rule,
) -> None:
    """The filter (clauses joined by `or`) finds every wanted user, and nothing it returns
    contradicts it (a result that does not show the attribute cannot be judged).

    `refused` is the rule a refusal breaks, `wrong` the one a wrong selection breaks.
    """
    text = " or ".join(filter_text(*clause) for clause in clauses)
    title = f"Filter {text}"
    response = scim.get("/Users", {"filter": text})
    if response.status != 200:
        report(
            refused,
            f"{title} was refused",
            expected="HTTP 200",
            actual=describe(response),
            response=response,
        )
        return  # an advisory refusal: nothing more to judge
    resources = get_key(expect_list_response(response, title), "Resources")
    found = [r for r in resources or [] if isinstance(r, dict)]
    ids = {str(r.get("id")) for r in found}
    missing = [u.id for u in wanted if u.id not in ids]
    unmatched = [
        str(r.get("id"))
        for r in found
        if not any(satisfies(r, *clause) is not False for clause in clauses)
    ]
    if missing or unmatched:
        report(
            wrong,
            f"{title} did not select the right users",
            expected=f"users {', '.join(u.id for u in wanted)} among the results, and only "
            "users that match",
            actual=f"missing {missing or 'none'}; not matching {unmatched or 'none'}",
            response=response,
        )
