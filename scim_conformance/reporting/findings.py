"""Findings across a run: one cause met on one Entra operation is one finding.

Tests see defects; the run reports findings. A finding is keyed by what Entra asked for,
not by the test that asked: its *operation* (method, path with ids taken out, and what the
request does: the PATCH ops and the attributes they change, a filtered or a paged
list), dialect-free, so one defect met by many tests, both dialects or
generated examples is counted once. The rules broken on one operation are one cause and
form one finding (a server that ignores startIndex breaks `pagination` and `count-zero` on
the same paged list: one finding listing both). Each finding records where it was met: the
request variants of the catalogue (`scim_conformance/variants.py`) and the dialects, which
a baseline entry pins (`baseline.py`).

Fingerprint: `<rule>[+<rule>…] @ <operation>`, e.g. `patch-applied @ PATCH /Users/{id}
replace active`, `count-zero+pagination @ GET /Users page`; a rule about every response is
its rule id alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scim_conformance.checks import provisioning_logs
from scim_conformance.checks.failures import Finding
from scim_conformance.checks.rules import Rule
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting.operations import (
    operation_of,
    overlaps,
    parts_of,
    request_kind,
    resource,
    union,
)
from scim_conformance.reporting.repro import repro_script
from scim_conformance.severity import Severity

# The variant a failure title names (`variants.titled`): "… [variant active-lower, legacy]".
_TITLED_VARIANT = re.compile(r"\[variant ([a-z0-9-]+)[,\]]")
PROPERTIES = "test_properties.py::"
GENERATED = (PROPERTIES, "test_cycles.py::")  # generated examples, not fixed checks


def fingerprint_of(rules: list[str], operation: str) -> str:
    """`count-zero+pagination @ GET /Users page`, or the rule alone (no operation)."""
    joined = "+".join(sorted(rules))
    return f"{joined} @ {operation}" if operation else joined


def fingerprint(
    rule: Rule, exchange: Exchange | None, base_url: str, actual: str = "", *, stored: bool = False
) -> str:
    """`patch-applied @ PATCH /Users/{id} replace active`: the rule and Entra's operation
    (`stored`: the exchange is a write a read-back showed wrong). A rule about every
    response is one finding."""
    if rule.scope == "response" or exchange is None:
        return rule.id
    return fingerprint_of([rule.id], operation_of(exchange, base_url, actual, stored=stored))


def variant_of(title: str, nodeid: str, rule: str) -> list[str]:
    """The request variant (`scim_conformance/variants.py`) a failure was met on: the one
    its title names, else the one variant the catalogue says the test sends and judges by
    the rule that failed."""
    named = _TITLED_VARIANT.search(title)
    if named or not nodeid:
        return [named.group(1)] if named else []
    # Imported here: the catalogue is only needed once a finding is recorded.
    from scim_conformance.variants import CATALOGUE

    test = nodeid.rsplit("/", 1)[-1]
    bare = test.split("[", 1)[0]
    sends = [v for v in CATALOGUE.values() if test in v.sent_by or bare in v.sent_by]
    # Only a variant judged by the rule that failed: a test sending one variant may fail
    # on an earlier step (its user cannot be found), which is not that variant's.
    for_rule = [v.id for v in sends if v.rule == rule]
    return for_rule if len(for_rule) == 1 else []


@dataclass
class FindingRecord:
    """A finding as reports show it; JSON-friendly, so it travels from xdist workers."""

    fingerprint: str
    rule: str  # the rule that stands for it (the worst of `rules`)
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
    rules: list[str] = field(default_factory=list)  # every rule broken on the operation
    operation: str = ""  # Entra's operation (`operation_of`); "" for a response rule
    variants: list[str] = field(default_factory=list)  # request variants it was met on
    dialects: list[str] = field(default_factory=list)  # Entra dialects it was met in
    # Each rule's severity and axis ("" for endpoint rules, else the vendor), so the
    # verdict counts a cause on each axis it breaks a rule of.
    graded: dict[str, list[str]] = field(default_factory=dict)

    def on_axis(self, vendor: bool) -> Severity | None:
        """The worst severity of its vendor (or endpoint) rules; None: it breaks none."""
        graded = self.graded or {self.rule: [self.severity.value, self.vendor or ""]}
        found = [Severity(sev) for sev, owner in graded.values() if bool(owner) == vendor]
        return min(found, key=lambda s: s.order) if found else None

    @classmethod
    def of(
        cls,
        finding: Finding,
        base_url: str,
        transcript: list[Exchange],
        *,
        nodeid: str = "",
        dialect: str | None = None,
    ) -> FindingRecord:
        """Record a finding raised by a check (in test `nodeid`, run in `dialect`), with
        its repro built from the transcript."""
        rule = finding.rule
        evidence = finding.cause or finding.exchange
        scoped = rule.scope != "response" and evidence is not None
        # With a cause, the write is the evidence and a read-back showed it went wrong.
        stored = finding.cause is not None
        operation = operation_of(evidence, base_url, finding.actual, stored=stored)
        return cls(
            fingerprint=fingerprint_of([rule.id], operation if scoped else ""),
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
            rules=[rule.id],
            operation=operation if scoped else "",
            variants=variant_of(finding.title, nodeid, rule.id),
            dialects=[dialect] if dialect else [],
            graded={rule.id: [rule.severity.value, rule.vendor or ""]},
        )

    @property
    def met_on(self) -> str:
        """`PATCH /Users/{id} replace active; variants deactivate-flag; dialects legacy`."""
        parts = [self.operation or "every response"]
        for noun, names in (("variant", self.variants), ("dialect", self.dialects)):
            if names:
                parts.append(f"{noun}{'s' if len(names) > 1 else ''} {', '.join(names)}")
        return "; ".join(parts)

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


def _add(kept: FindingRecord, other: FindingRecord, *, met_on: bool = True) -> None:
    """Add `other`'s tests (and, with `met_on`, where it was met) to `kept`."""
    for mine, theirs in ((kept.tests, other.tests), (kept.blocked, other.blocked)):
        mine.extend(t for t in theirs if t not in mine)
    kept.advised.extend(t for t in other.advised if t not in kept.advised)
    if met_on:
        kept.variants = sorted({*kept.variants, *other.variants})
        kept.dialects = sorted({*kept.dialects, *other.dialects})


def _one_cause(one: FindingRecord, other: FindingRecord) -> bool:
    """Operations sharing a change; or one rule on one resource where either finding is
    about the PATCH's own answer (met by any PATCH, so it covers the other's)."""
    if overlaps(one.operation, other.operation):
        return True
    (where, parts), (there, others) = parts_of(one.operation), parts_of(other.operation)
    same_rule = bool(set(one.rules) & set(other.rules))
    return where == there and same_rule and where.startswith("PATCH") and not (parts and others)


def _generated_only(record: FindingRecord) -> bool:
    return all(t.startswith(GENERATED) for t in [*record.tests, *record.blocked, *record.advised])


def merge(records: list[tuple[str, str, FindingRecord]]) -> list[FindingRecord]:
    """One record per cause from (node id, role, record) triples; role is "failed",
    "blocked" or "advised". First one per rule and operation (the record that explains it
    best stands for it: it is met first); a generated example's finding joins a fixed
    check's finding of the same rule on the same resource (its data is random, the defect
    is not); then the rules broken on one operation are one finding (endpoint and vendor
    rules alike: one cause), and so are operations on one resource sharing a change (a
    PATCH of `name.givenName` alone and one of several attributes whose `name.givenName`
    did not stick), led by its worst rule. Worst severity first, then by rule id."""
    by_rule: dict[str, FindingRecord] = {}
    for nodeid, role, record in sorted(records, key=lambda t: _explains_better(t[1], t[0])):
        kept = by_rule.get(record.fingerprint)
        if kept is None:
            kept = by_rule[record.fingerprint] = FindingRecord.from_dict(record.to_dict())
            kept.tests, kept.blocked, kept.advised = [], [], []
            kept.variants, kept.dialects = [], []
        listed = {"failed": kept.tests, "blocked": kept.blocked, "advised": kept.advised}[role]
        if nodeid not in listed:
            listed.append(nodeid)
        if not nodeid.startswith(GENERATED):
            _add(kept, record)
    fixed = [r for r in by_rule.values() if not _generated_only(r)]
    causes: list[FindingRecord] = []
    joined: dict[int, FindingRecord] = {}  # a rule's record (by id) -> its cause
    ordered = sorted(by_rule.values(), key=lambda r: (_generated_only(r), r.severity.order, r.rule))
    for record in ordered:
        if _generated_only(record) and record.operation:
            where = resource(record.operation)
            home = next(
                (r for r in fixed if r.rule == record.rule and resource(r.operation) == where),
                None,
            )
            if home is not None:
                _add(joined[id(home)], record, met_on=False)
                continue
        same = [c for c in causes if record.operation and _one_cause(c, record)]
        if not same:
            causes.append(record)
            joined[id(record)] = record
            continue
        cause = same[0]
        for other in [record, *same[1:]]:
            _add(cause, other)
            cause.rules = sorted({*cause.rules, *other.rules})
            cause.graded = {**other.graded, **cause.graded}
            cause.operation = union(cause.operation, other.operation)
            for key, value in joined.items():
                joined[key] = cause if value is other else value
            if other is not record:
                causes.remove(other)
        joined[id(record)] = cause
        cause.fingerprint = fingerprint_of(cause.rules, cause.operation)
    for kept in causes:
        kept.tests.sort()
        kept.blocked.sort()
        kept.advised.sort()
    return sorted(causes, key=report_order)


def report_order(record: FindingRecord) -> tuple[str, int, str, str]:
    """Endpoint rules before vendor rules, worst severity first, then by rule and request."""
    return (record.vendor or "", record.severity.order, record.rule, record.request)
