"""A finding's deviation as a condition a repro script can check on its own answer.

The checks state what they expected in a few fixed forms (`HTTP 201`, `active = false`,
`members [...]`, `exactly one user, id X`, `at most 2 resources`, ...). Each form maps to
a condition of `replay_check.judge`. The condition is kept only if it holds on the answer
the run recorded: a condition that would not even flag the run's own evidence is not
offered, and the script says it cannot decide instead of claiming either way.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scim_conformance.checks.failures import Finding
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting.replay_check import judge

Predicate = dict[str, Any]

_STATUS = re.compile(r"^HTTP ((?:\d{3}|\dxx)(?:(?:, | or )(?:\d{3}|\dxx))*)\b")
_VALUE = re.compile(r"^(?P<path>[^=;]+?) = (?P<value>.+)$")
_BARE_VALUE = re.compile(r'^(?P<path>[A-Za-z][\w.]*) (?P<value>".*")$')
_MEMBERS = re.compile(r"^members (\[.*\])$")
_MEMBER_WITH = re.compile(r"^members (with|without) (\S+)$")
_EXACTLY_ONE = re.compile(r"^exactly one user, id (\S+?)(?:, with active (true|false))?$")
_AT_MOST = re.compile(r"^at most (\d+) resources\b")
_PROJECTION = re.compile(r"^(?P<present>[\w, ]+) present; (?P<absent>[\w, ]+) absent$")
_MEMBER_FILTER = re.compile(r'members\[value eq "([^"]+)"\]')
_SCHEMAS = re.compile(r"^schemas containing (\S+)$")
# Discovery: what /ServiceProviderConfig claims, what /Schemas and /ResourceTypes list.
_SUPPORTED = re.compile(r'^"(\w+)": \{"supported": true\}$')
_CORE_SCHEMAS = re.compile(r"^schemas (\S+) and (\S+)$")
_RESOURCE_TYPE = re.compile(r'^a resource type with schema (\S+) and endpoint "(/\w+)"$')
_MISSING_SCHEMAS = re.compile(r"^missing: (.+)$")
_DESCRIBED = re.compile(r"^every mapped attribute, named as Microsoft's validation flattens")
_UNASSIGNED = re.compile(r'^(?P<paths>.+) unassigned \(absent, null or ""\)$')
_PAGE = re.compile(r"^startIndex (\d+), 1 to (\d+) resources\b")
# Webex: the Cisco error extension's trackingId; a user on the unfiltered list's pages.
_NON_EMPTY = re.compile(r"^(urn:\S+)\.(\w+), a non-empty string$")
_ON_A_PAGE = re.compile(r"^user (\S+) on one of the pages$")
# A generated cycle names its users and groups by labels (u1, g2): in creation order.
_LABELLED_MEMBERS = re.compile(r"^members ((?:[ug]\d+)(?:, [ug]\d+)*|\(none\))$")


def _statuses(expected: str) -> list[int] | None:
    found = _STATUS.match(expected)
    if not found:
        return None
    codes: list[int] = []
    for code in re.split(r", | or ", found.group(1)):
        first = int(code[0])
        codes += range(first * 100, first * 100 + 100) if code.endswith("xx") else [int(code)]
    return codes


def _values(expected: str) -> list[list[Any]] | None:
    pairs: list[list[Any]] = []
    for part in expected.split("; "):
        found = _VALUE.match(part) or _BARE_VALUE.match(part)
        if not found:
            return None
        try:
            pairs.append([found.group("path").strip(), json.loads(found.group("value"))])
        except ValueError:
            return None
    return pairs


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def labels_of(transcript: Sequence[Exchange]) -> dict[str, str]:
    """A generated cycle's labels (u1, g1: its users and groups counted apart, in the
    order they were created) → the ids the run's creates answered."""
    labels: dict[str, str] = {}
    made = {"Users": 0, "Groups": 0}
    for exchange in transcript:
        collection = re.search(r"/(Users|Groups)/?$", exchange.url.split("?", 1)[0])
        if exchange.method != "POST" or collection is None or exchange.status not in (200, 201):
            continue
        try:
            rid = json.loads(exchange.response_body or "").get("id")
        except (ValueError, AttributeError):
            continue
        if isinstance(rid, str) and rid:
            made[collection.group(1)] += 1
            labels[f"{collection.group(1)[0].lower()}{made[collection.group(1)]}"] = rid
    return labels


def _schemas_read(finding: Finding, transcript: Sequence[Exchange]) -> Exchange | None:
    """The read of /Schemas after a /ResourceTypes answer whose schemas it did not serve:
    the answer that shows them missing (the test read it next)."""
    if not finding.expected.startswith("every schema and schemaExtension listed under /Schemas"):
        return None
    at = next((n for n, ex in enumerate(transcript) if ex is finding.exchange), None)
    reads = [] if at is None else transcript[at + 1 :]
    return next((ex for ex in reads if ex.url.split("?", 1)[0].endswith("/Schemas")), None)


def _members(members: list[str], evidence: Exchange) -> Predicate:
    """The member list a group read should show, or, when the read asked about one user
    with a membership filter (members hidden), whether that user should be listed."""
    queried = _MEMBER_FILTER.search(_decoded_query(evidence))
    if queried:
        return {"kind": "member-listed", "present": queried.group(1) in members}
    return {"kind": "members", "expected": members}


def _candidate(
    finding: Finding, evidence: Exchange, labels: dict[str, str] | None = None
) -> Predicate | None:
    """The condition the finding's `expected` text states, before it is tried (`labels`:
    a generated cycle's labels of users and groups → their ids)."""
    expected = finding.expected.strip()
    if (found := _LABELLED_MEMBERS.match(expected)) and labels is not None:
        named = [] if found.group(1) == "(none)" else found.group(1).split(", ")
        if any(label not in labels for label in named):
            return None
        return _members([labels[label] for label in named], evidence)
    missing = _MISSING_SCHEMAS.match(finding.actual.strip())
    if missing and expected.startswith("every schema and schemaExtension listed"):
        return {"kind": "listed-ids", "expected": missing.group(1).split(", ")}
    if missing and _DESCRIBED.match(expected):  # "missing: User title, Group members"
        names = [name.split(" ", 1) for name in missing.group(1).split(", ")]
        return {"kind": "described", "names": [n for n in names if len(n) == 2]}
    if found := _UNASSIGNED.match(expected):
        return {"kind": "unassigned", "paths": found.group("paths").split(", ")}
    if found := _PAGE.match(expected):
        return {"kind": "page", "start": int(found.group(1)), "max": int(found.group(2))}
    statuses = _statuses(expected)
    if statuses is not None:
        return {"kind": "status", "expected": statuses}
    if expected.startswith("Content-Type: "):
        return {"kind": "content-type", "expected": expected.split(": ", 1)[1].lower()}
    if expected.startswith(("a valid SCIM Error", "a SCIM Error JSON body")):
        return {"kind": "error-body"}
    if expected == 'manager {"value": "<id>"}':
        return {"kind": "reference-object", "path": "manager"}
    if expected == "no members attribute":
        return {"kind": "no-attribute", "attribute": "members"}
    if expected.startswith("totalResults ≥ 1 and no Resources"):
        return {"kind": "at-most", "count": 0}
    if found := _MEMBERS.match(expected):
        return _members([str(m) for m in ast.literal_eval(found.group(1))], evidence)
    if found := _MEMBER_WITH.match(expected):
        return {"kind": "member-has", "member": found.group(2), "present": found[1] == "with"}
    if found := _EXACTLY_ONE.match(expected):
        return {"kind": "ids", "expected": [found.group(1)]}
    if found := _AT_MOST.match(expected):
        return {"kind": "at-most", "count": int(found.group(1))}
    if expected.startswith("one user per page"):
        count = parse_qs(urlsplit(evidence.url).query).get("count")
        if count and count[0].isdigit():
            return {"kind": "at-most", "count": int(count[0])}
    if found := _PROJECTION.match(expected):
        present, absent = _names(found.group("present")), _names(found.group("absent"))
        return {"kind": "projection", "present": present, "absent": absent}
    if found := _SCHEMAS.match(expected):
        return {"kind": "schemas-contain", "urn": found.group(1)}
    return _discovery_or_webex(expected)


def _discovery_or_webex(expected: str) -> Predicate | None:
    """The conditions of the discovery documents and of Webex's list and error forms."""
    if found := _SUPPORTED.match(expected):
        return {"kind": "values", "values": [[f"{found.group(1)}.supported", True]]}
    if found := _CORE_SCHEMAS.match(expected):
        return {"kind": "listed-ids", "expected": [found.group(1), found.group(2)]}
    if found := _RESOURCE_TYPE.match(expected):
        return {"kind": "resource-type", "schema": found.group(1), "endpoint": found.group(2)}
    if found := _NON_EMPTY.match(expected):
        urn, name = found.groups()
        return {"kind": "non-empty-string", "path": f"{urn}:{name}", "section": urn}
    if found := _ON_A_PAGE.match(expected):
        return {"kind": "listed", "id": found.group(1), "present": True}
    values = _values(expected)
    if values is not None:
        return {"kind": "values", "values": values}
    return None


def _decoded_query(exchange: Exchange) -> str:
    query = parse_qs(urlsplit(exchange.url).query)
    return " ".join(" ".join(values) for values in query.values())


def deviation_of(
    finding: Finding, transcript: Sequence[Exchange] = ()
) -> tuple[Predicate, Exchange] | None:
    """The condition that tells the finding's deviation on a replayed answer, and the
    request whose answer it judges; None when the expectation has no such form or the
    condition would not flag the run's own answer (then a person compares by eye).

    A membership asked user by user may end on a user whose answer was right (the one
    removed): then the first answer about a member that should be there and is not,
    after the write, is the one replayed."""
    evidence = _schemas_read(finding, transcript) or finding.exchange or finding.cause
    if evidence is None:
        return None
    labels = labels_of(transcript)
    after = list(transcript)
    if finding.cause is not None and any(ex is finding.cause for ex in after):
        after = after[next(n for n, ex in enumerate(after) if ex is finding.cause) + 1 :]
    alternatives = [
        ex for ex in after if ex is not evidence and _MEMBER_FILTER.search(_decoded_query(ex))
    ]
    for candidate_evidence in [evidence, *alternatives]:
        try:
            candidate = _candidate(finding, candidate_evidence, labels)
        except (ValueError, SyntaxError):
            return None
        if candidate is None:
            return None
        if _flags(candidate, candidate_evidence):
            return candidate, candidate_evidence
        if candidate["kind"] != "member-listed":
            return None
    return None


def _flags(predicate: Predicate, exchange: Exchange) -> bool:
    content_type = exchange.response_header("content-type") or ""
    headers = {name.lower(): value for name, value in exchange.response_headers}
    body = exchange.response_body or ""
    deviates, _ = judge(predicate, exchange.status, content_type, body, headers)
    return bool(deviates)
