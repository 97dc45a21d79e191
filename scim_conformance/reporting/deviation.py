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


def _candidate(finding: Finding, evidence: Exchange) -> Predicate | None:
    """The condition the finding's `expected` text states, before it is tried."""
    expected = finding.expected.strip()
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
        members = [str(m) for m in ast.literal_eval(found.group(1))]
        queried = _MEMBER_FILTER.search(_decoded_query(evidence))
        if queried:  # members hidden: the read asked about one user with a filter
            return {"kind": "member-listed", "present": queried.group(1) in members}
        return {"kind": "members", "expected": members}
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
    evidence = finding.exchange or finding.cause
    if evidence is None:
        return None
    after = list(transcript)
    if finding.cause is not None and any(ex is finding.cause for ex in after):
        after = after[next(n for n, ex in enumerate(after) if ex is finding.cause) + 1 :]
    alternatives = [
        ex for ex in after if ex is not evidence and _MEMBER_FILTER.search(_decoded_query(ex))
    ]
    for candidate_evidence in [evidence, *alternatives]:
        try:
            candidate = _candidate(finding, candidate_evidence)
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
    deviates, _ = judge(predicate, exchange.status, content_type, exchange.response_body or "")
    return bool(deviates)
