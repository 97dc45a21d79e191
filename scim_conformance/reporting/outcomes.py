"""What each test found, and the run's findings: what the verdict (`verdict.py`) is
decided from.

A run counts findings, not tests: one defect met by five tests is one finding, and tests
it kept from running are *blocked* by it, not failed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from scim_conformance.checks import rules
from scim_conformance.reporting.findings import FindingRecord, merge
from scim_conformance.sequences import CYCLE, SEQUENCES
from scim_conformance.severity import Severity


@dataclass
class TestOutcome:
    """One test's result across its setup, call and teardown phases (JSON-friendly, so it
    can travel on the test report from a pytest-xdist worker to the controller)."""

    __test__: ClassVar[bool] = False  # not a test class, whatever pytest thinks of its name
    nodeid: str
    sequence: str
    dialect: str | None
    # passed, failed, skipped, blocked (by a finding), baseline (an expected failure),
    # error (the suite itself crashed: not the endpoint's fault)
    outcome: str = "passed"
    finding: dict[str, Any] | None = None  # the FindingRecord that failed or blocked it
    advisories: list[dict[str, Any]] = field(default_factory=list)  # FindingRecords
    message: str = ""
    skip_reason: str = ""
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    duration: float = 0.0

    @property
    def record(self) -> FindingRecord | None:
        """The finding that failed or blocked this test."""
        return FindingRecord.from_dict(self.finding) if self.finding else None

    @property
    def severity(self) -> Severity | None:
        """The severity of the finding that failed this test."""
        if self.outcome not in ("failed", "baseline") or self.finding is None:
            return None
        return Severity(self.finding["severity"])

    def found(self, record: FindingRecord) -> None:
        """Keep the first finding a check raised."""
        if self.finding is None:
            self.finding = record.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The test as results.json describes it (schema_version 2)."""
        finding = self.finding or {}
        return {
            "id": self.nodeid,
            "sequence": self.sequence,
            "dialect": self.dialect,
            "outcome": self.outcome,
            "severity": self.severity.value if self.severity else None,
            "finding": finding.get("fingerprint"),
            "title": finding.get("title"),
            "rule": finding.get("rule"),
            "message": self.message or None,
            "skip_reason": self.skip_reason or None,
            "advisories": [a["fingerprint"] for a in self.advisories],
            "requests": self.requests,
            "duration_s": round(self.duration, 3),
            "exchanges": self.exchanges,
        }

    def transport(self) -> dict[str, Any]:
        """Every field, for the trip from a worker to the controller."""
        return dict(self.__dict__)

    @classmethod
    def arrived(cls, data: dict[str, Any]) -> TestOutcome:
        """Rebuild a TestOutcome from `transport()`."""
        return cls(**data)


def sequence_of(markers: set[str]) -> str:
    """The Entra sequence a test belongs to, from its markers."""
    for marker, sequence in SEQUENCES.items():
        if marker in markers:
            return sequence.name
    return "Other"


@dataclass
class RunOutcomes:
    """Every test's outcome, in the order the tests finished, and the run's findings."""

    tests: dict[str, TestOutcome] = field(default_factory=dict)
    interrupted: bool = False

    def findings(self) -> list[FindingRecord]:
        """One record per fingerprint, worst first, with the tests that met it; PATCH
        findings met only in Entra's legacy dialect become one legacy-dialect finding."""
        return diagnose_legacy_dialect(self._merged(), self.tests)

    def _merged(self) -> list[FindingRecord]:
        triples: list[tuple[str, str, FindingRecord]] = []
        for test in self.tests.values():
            record = test.record
            if record is not None and test.outcome in ("failed", "baseline", "blocked"):
                role = "blocked" if test.outcome == "blocked" else "failed"
                triples.append((test.nodeid, role, record))
            triples += [
                (test.nodeid, "advised", FindingRecord.from_dict(a)) for a in test.advisories
            ]
        return merge(triples)

    def counts(self) -> Counter[str]:
        """Tests per outcome."""
        return Counter(test.outcome for test in self.tests.values())

    def tests_line(self) -> str:
        """Counts as pytest and pytest-html count them (a blocked test is a skipped one, a
        known deviation an xfailed one), with what they hold in brackets."""
        tally = self.counts()
        failed = tally["failed"] + tally["error"]
        skipped = tally["skipped"] + tally["blocked"]
        line = f"{tally['passed']} passed, {failed} failed"
        if tally["error"]:
            line += f" ({tally['error']} of them suite errors)"
        line += f", {skipped} skipped"
        if tally["blocked"]:
            line += f" ({tally['blocked']} blocked by a finding)"
        if tally["baseline"]:
            line += f", {tally['baseline']} xfailed (known deviations)"
        return line

    def not_run(self) -> dict[str, str]:
        """Sequences none of whose tests ran, with the reason their tests gave."""
        by_sequence: dict[str, list[TestOutcome]] = {}
        for test in self.tests.values():
            by_sequence.setdefault(test.sequence, []).append(test)
        missing: dict[str, str] = {}
        for name, tests in by_sequence.items():
            if all(t.outcome == "skipped" for t in tests):
                reasons = Counter(t.skip_reason for t in tests)
                missing[name] = f"{len(tests)} skipped: {reasons.most_common(1)[0][0]}"
        for name in CYCLE:
            if name not in by_sequence:
                missing[name] = "deselected"
        return missing

    def by_sequence(self) -> dict[str, Counter[str]]:
        """Outcome counts per Entra sequence, in report order."""
        table: dict[str, Counter[str]] = {}
        order = [*(s.name for s in SEQUENCES.values()), "Other"]
        for test in sorted(self.tests.values(), key=lambda t: order.index(t.sequence)):
            row = table.setdefault(test.sequence, Counter())
            row[test.outcome] += 1
            row["advisory"] += 1 if test.advisories else 0  # tests that met one
        return table


LEGACY, FLAG = "[legacy]", "[aadOptscim062020]"


def _legacy_only(finding: FindingRecord, tests: dict[str, TestOutcome]) -> bool:
    """Every test that failed on it ran in the legacy dialect, and its flag-dialect twin
    passed: the dialect, not the attribute, is what the endpoint does not accept."""
    if finding.severity is not Severity.ENTRA_BREAKING or not finding.tests or finding.vendor:
        return False
    for nodeid in finding.tests:
        twin = tests.get(nodeid.replace(LEGACY, FLAG)) if LEGACY in nodeid else None
        if twin is None or twin.outcome != "passed":
            return False
    return True


def diagnose_legacy_dialect(
    findings: list[FindingRecord], tests: dict[str, TestOutcome]
) -> list[FindingRecord]:
    """Replace the findings met only in the legacy dialect by one legacy-dialect finding
    (a server refusing capitalised ops breaks every PATCH check once, not once each)."""
    legacy = [f for f in findings if _legacy_only(f, tests)]
    if len(legacy) < 2:
        return findings
    rule = rules.LEGACY_DIALECT
    first = legacy[0]
    diagnosed = dataclasses.replace(
        first,
        fingerprint=rule.id,
        rule=rule.id,
        rules=[rule.id],
        operation="",
        variants=sorted({v for f in legacy for v in f.variants}),
        dialects=["legacy"],
        graded={rule.id: [rule.severity.value, ""]},
        severity=rule.severity,
        title=f"Only Entra's legacy dialect fails ({len(legacy)} kinds of PATCH)",
        requirement=rule.requirement,
        entra=rule.entra,
        grading=rule.grading,
        sources=[{"label": s.label, "url": s.url} for s in rule.sources],
        expected=first.expected + " (as the same change in the flag dialect was)",
        tests=sorted({t for f in legacy for t in f.tests}),
        blocked=sorted({t for f in legacy for t in f.blocked}),
        advised=sorted({t for f in legacy for t in f.advised}),
    )
    rest = [f for f in findings if f not in legacy]
    return sorted([diagnosed, *rest], key=lambda f: (f.vendor or "", f.severity.order, f.rule))
