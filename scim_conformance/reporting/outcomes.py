"""What each test found, by Entra sequence and severity, and the run's verdict."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scim_conformance.checks.failures import Finding

# Report order; a test belongs to the first sequence whose marker it carries.
SEQUENCES: dict[str, str] = {
    "test_connection": "Test Connection",
    "groups": "Groups",
    "discovery": "Discovery",
    "listing": "Listing",
    "properties": "Properties",
    "matching": "Matching",
    "create": "Create",
    "get": "Get",
    "update": "Update",
    "deactivate": "Deactivate",
    "delete": "Delete",
    "load": "Load",
    "webex": "Webex",
}


class Verdict(str, enum.Enum):
    """The run's answer to "will Entra's provisioning work against this endpoint?"."""

    READY = "Entra-ready"
    READY_WITH_DEVIATIONS = "Entra-ready with RFC deviations"
    NOT_READY = "Not Entra-ready"
    INTERRUPTED = "Interrupted: no verdict"


@dataclass
class TestOutcome:
    """One test's result across its setup, call and teardown phases (JSON-friendly, so it
    can travel on the test report from a pytest-xdist worker to the controller)."""

    nodeid: str
    sequence: str
    dialect: str | None
    outcome: str = "passed"  # passed, failed, skipped, baseline (an expected failure)
    finding_severity: str | None = None
    title: str | None = None
    rule: str | None = None
    entra_impact: str | None = None
    message: str = ""
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    duration: float = 0.0

    @property
    def severity(self) -> str | None:
        """The failure's severity; an unexpected error counts as entra-breaking."""
        if self.outcome not in ("failed", "baseline"):
            return None
        return self.finding_severity or "entra-breaking"

    def found(self, finding: Finding) -> None:
        """Keep the first finding a check raised."""
        if self.finding_severity is None:
            self.finding_severity = finding.severity.value
            self.title, self.rule, self.entra_impact = (
                finding.title,
                finding.rule,
                finding.entra_impact,
            )

    def to_dict(self, advisories: list[str] | None = None) -> dict[str, Any]:
        """The test as results.json describes it (schema_version 1)."""
        return {
            "id": self.nodeid,
            "sequence": self.sequence,
            "dialect": self.dialect,
            "outcome": self.outcome,
            "severity": self.severity,
            "title": self.title,
            "rule": self.rule,
            "entra_impact": self.entra_impact,
            "message": self.message or None,
            "advisories": advisories or [],
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
    for marker, name in SEQUENCES.items():
        if marker in markers:
            return name
    return "Other"


@dataclass
class RunOutcomes:
    """Every test's outcome, in the order the tests finished."""

    tests: dict[str, TestOutcome] = field(default_factory=dict)
    advisories: dict[str, list[str]] = field(default_factory=dict)  # node id -> findings
    interrupted: bool = False

    def counts(self) -> Counter[str]:
        """Outcomes and severities counted over the run."""
        counter: Counter[str] = Counter()
        for test in self.tests.values():
            counter[test.outcome] += 1
            if test.outcome in ("failed", "baseline") and test.severity:
                counter[test.severity] += 1
        counter["advisory findings"] = sum(len(found) for found in self.advisories.values())
        return counter

    def verdict(self) -> Verdict:
        """Not ready on any entra-breaking failure; with deviations on rfc-only failures.

        Known deviations (baseline) count: a baseline changes the exit code, not the truth.
        """
        if self.interrupted:
            return Verdict.INTERRUPTED
        failed = [t for t in self.tests.values() if t.outcome in ("failed", "baseline")]
        if any(t.severity not in ("rfc", "advisory") for t in failed):
            return Verdict.NOT_READY
        return Verdict.READY_WITH_DEVIATIONS if failed else Verdict.READY

    def by_sequence(self) -> dict[str, Counter[str]]:
        """Passed / failed / skipped / advisory counts per Entra sequence, in report order."""
        table: dict[str, Counter[str]] = {}
        order = [*SEQUENCES.values(), "Other"]
        for test in sorted(self.tests.values(), key=lambda t: order.index(t.sequence)):
            row = table.setdefault(test.sequence, Counter())
            row[test.outcome] += 1
            row["advisory"] += len(self.advisories.get(test.nodeid, []))
        return table

    def summary_line(self) -> str:
        """`Not Entra-ready: 2 entra-breaking, 1 rfc, 3 advisory; 39 passed, 0 skipped`."""
        counts = self.counts()
        known = f", {counts['baseline']} known deviations" if counts["baseline"] else ""
        return (
            f"{self.verdict().value}: {counts['entra-breaking']} entra-breaking, "
            f"{counts['rfc']} rfc, {counts['advisory findings']} advisory; "
            f"{counts['passed']} passed, {counts['skipped']} skipped{known}"
        )
