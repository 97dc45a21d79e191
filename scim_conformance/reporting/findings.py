"""Findings across a run: one broken rule on one kind of request is one finding.

Tests see defects; the run reports findings. A finding's fingerprint is its rule id and
the kind of request that broke it (method, path with ids taken out, the attributes a
PATCH touches), so one defect met by many tests, dialects or generated examples is
counted once, and a test blocked by it points at it instead of failing again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scim_conformance.checks import provisioning_logs
from scim_conformance.checks.failures import Finding
from scim_conformance.checks.rules import Rule
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting.repro import repro_script
from scim_conformance.severity import Severity

_RESOURCE_ID = re.compile(r"/(Users|Groups)/[^/?#]+")
_FILTER_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
PROPERTIES = "test_properties.py::"
GENERATED = (PROPERTIES, "test_cycles.py::")  # generated examples, not fixed checks


def path_template(url: str, base_url: str) -> str:
    """`/Users/{id}` for `https://host/scim/v2/Users/2819c223`; query keys kept, values not."""
    parts = urlsplit(url)
    base_path = urlsplit(base_url).path.rstrip("/")
    path = parts.path[len(base_path) :] if parts.path.startswith(base_path) else parts.path
    path = _RESOURCE_ID.sub(lambda m: f"/{m.group(1)}/{{id}}", path) or "/"
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + (f"?{'&'.join(keys)}" if keys else "")


def patched_attributes(body: str | None) -> list[str]:
    """The attribute paths a PATCH body touches, the same for both Entra dialects:
    `Replace name.givenName` and path-less `replace {"name.givenName": …}` are one kind."""
    try:
        document = json.loads(body or "")
    except ValueError:
        return []
    operations = document.get("Operations") if isinstance(document, dict) else None
    touched: set[str] = set()
    for operation in operations if isinstance(operations, list) else []:
        if not isinstance(operation, dict):
            continue
        path = operation.get("path")
        value = operation.get("value")
        if isinstance(path, str) and path:
            touched.add(_FILTER_LITERAL.sub('"…"', path))
        elif isinstance(value, dict):
            touched.update(str(key) for key in value)
    return sorted(touched)


def request_kind(exchange: Exchange | None, base_url: str) -> str:
    """`PATCH /Users/{id} active`: the request a finding is about, as reports show it."""
    if exchange is None:
        return ""
    kind = f"{exchange.method} {path_template(exchange.url, base_url)}"
    if exchange.method == "PATCH":
        kind += " " + ",".join(patched_attributes(exchange.request_body))
    return kind.strip()


def fingerprint(rule: Rule, exchange: Exchange | None, base_url: str) -> str:
    """`patch-applied @ PATCH /Users/{id}`: the rule and the kind of request (method and
    resource path; not the query or the attributes patched, so one defect met through many
    attributes or queries is one finding). A rule about every response is one finding."""
    if rule.scope == "response" or exchange is None:
        return rule.id
    path = path_template(exchange.url, base_url).split("?", 1)[0]
    return f"{rule.id} @ {exchange.method} {path}"


@dataclass
class FindingRecord:
    """A finding as reports show it; JSON-friendly, so it travels from xdist workers."""

    fingerprint: str
    rule: str
    severity: Severity
    vendor: str | None
    title: str
    requirement: str
    entra: str
    grading: str
    sources: list[dict[str, str]]
    request: str
    expected: str
    actual: str
    message: str
    repro: str
    # What Entra's provisioning log would record (checks/provisioning_logs.py): code, meaning.
    provisioning_log: dict[str, str | None] = field(default_factory=dict)
    tests: list[str] = field(default_factory=list)  # tests that failed on it
    blocked: list[str] = field(default_factory=list)  # tests it kept from running
    advised: list[str] = field(default_factory=list)  # tests that met it as an advisory

    @classmethod
    def of(cls, finding: Finding, base_url: str, transcript: list[Exchange]) -> FindingRecord:
        """Record a finding raised by a check, with its repro built from the transcript."""
        rule = finding.rule
        evidence = finding.cause or finding.exchange
        return cls(
            fingerprint=fingerprint(rule, evidence, base_url),
            rule=rule.id,
            severity=rule.severity,
            vendor=rule.vendor,
            title=finding.title,
            requirement=rule.requirement,
            entra=rule.entra,
            grading=rule.grading,
            sources=[{"label": s.label, "url": s.url} for s in rule.sources],
            request=request_kind(evidence, base_url),
            expected=finding.expected,
            actual=finding.actual,
            message=finding.render(),
            repro=repro_script(finding, base_url, transcript),
            provisioning_log=provisioning_logs.entry(rule.id).to_dict(),
        )

    def to_dict(self) -> dict[str, Any]:
        """Every field (results.json `findings[]`, and the trip between processes: plain
        values only, so the severity as its text)."""
        return dict(self.__dict__, severity=self.severity.value)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FindingRecord:
        """Rebuild from `to_dict()`."""
        return cls(**dict(data, severity=Severity(data["severity"])))


def _explains_better(role: str, nodeid: str) -> tuple[int, bool]:
    """Which test's record stands for a finding: a failed test over a blocked or advised
    one, and a fixed, named check over a generated property example (plainer data)."""
    return ({"failed": 0, "blocked": 1, "advised": 2}[role], nodeid.startswith(GENERATED))


def merge(records: list[tuple[str, str, FindingRecord]]) -> list[FindingRecord]:
    """One record per fingerprint from (node id, role, record) triples; role is "failed",
    "blocked" or "advised". The record that explains it best stands for it (it is met
    first). Worst severity first, then by rule id."""
    merged: dict[str, FindingRecord] = {}
    for nodeid, role, record in sorted(records, key=lambda t: _explains_better(t[1], t[0])):
        kept = merged.get(record.fingerprint)
        if kept is None:
            kept = merged[record.fingerprint] = FindingRecord.from_dict(record.to_dict())
            kept.tests, kept.blocked, kept.advised = [], [], []
        listed = {"failed": kept.tests, "blocked": kept.blocked, "advised": kept.advised}[role]
        if nodeid not in listed:
            listed.append(nodeid)
    for kept in merged.values():
        kept.tests.sort()
        kept.blocked.sort()
        kept.advised.sort()
    return sorted(merged.values(), key=report_order)


def report_order(record: FindingRecord) -> tuple[str, int, str, str]:
    """Endpoint rules before vendor rules, worst severity first, then by rule and request."""
    return (record.vendor or "", record.severity.order, record.rule, record.request)
