"""Each of Microsoft's 25 gallery tests judged from the run's outcomes, and the overall
result by Microsoft's documented logic (SCIM-Validation-Test-Overview.md, "What Passing
Means"):

* Succeeded when every mandatory test PASSED or was SKIPPED and at least one of the two
  authentication tests passed; Failed when a mandatory test failed, or neither
  authentication test passed;
* an optional test that fails is a WARNING and does not block;
* group tests FAIL, not skip, when /Schemas lacks the Group schema (group provisioning is
  mandatory), and so when the endpoint has no groups at all.

A test the suite cannot run without an Entra tenant is "needs Entra": it does not block
here, and the view says what the vendor must check. A test whose suite tests did not run
(deselected with -k or -m) is "not run", and the overall result is then not assessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim_conformance.gallery.catalogue import TESTS, GalleryTest, Skip
from scim_conformance.reporting.outcomes import RunOutcomes, TestOutcome

PASSED, FAILED, NOT_APPLICABLE, NEEDS_ENTRA, NOT_RUN = (
    "passed",
    "failed",
    "not applicable",
    "needs Entra",
    "not run",
)
READY = "ready for gallery submission"
NOT_READY = "not ready for gallery submission"
NOT_ASSESSED = "not assessed"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
_SCHEMAS_TEST = "test_schemas_include_user_and_group"
_NO_GROUPS = "no /Groups endpoint"


@dataclass(frozen=True)
class Facts:
    """What the run knows besides the outcomes: the mapping and the authentication."""

    manager_mapped: bool
    token_endpoint: bool


@dataclass(frozen=True)
class Result:
    """One of Microsoft's tests, as this run judges it."""

    test: GalleryTest
    result: str  # passed, failed, not applicable, needs Entra, not run
    detail: str = ""  # why (a skip condition, what Entra must show, what failed)
    findings: tuple[dict[str, str], ...] = ()  # fingerprint, severity, title, rule
    tests: tuple[str, ...] = ()  # the suite tests that ran for it

    @property
    def warning(self) -> bool:
        """An optional test that failed: Microsoft shows WARNING, and it does not block."""
        return self.result == FAILED and self.test.optional

    def to_dict(self) -> dict[str, Any]:
        """The row as results.json `gallery.tests[]` has it."""
        return {
            "number": self.test.number,
            "name": self.test.name,
            "workflow": self.test.workflow,
            "category": self.test.category,
            "result": self.result,
            "warning": self.warning,
            "detail": self.detail,
            "covered_by": list(self.test.covered_by),
            "rules": list(self.test.rules),
            "tests": list(self.tests),
            "findings": list(self.findings),
        }


@dataclass(frozen=True)
class GalleryView:
    """The 25 results and the overall result."""

    results: tuple[Result, ...]
    overall: str  # READY, NOT_READY or NOT_ASSESSED
    reasons: tuple[str, ...] = field(default=())  # why not ready, or what to check in Entra

    def to_dict(self) -> dict[str, Any]:
        """results.json `gallery`."""
        return {
            "overall": self.overall,
            "reasons": list(self.reasons),
            "tests": [result.to_dict() for result in self.results],
        }


def _function(nodeid: str) -> str:
    """`test_x.py::test_y[param]` → `test_y`."""
    return nodeid.split("::")[-1].split("[")[0]


def _finding(outcome: TestOutcome) -> dict[str, str] | None:
    record = outcome.finding or {}
    if outcome.outcome not in ("failed", "blocked", "baseline") or not record:
        return None
    return {
        "fingerprint": str(record.get("fingerprint", "")),
        "severity": str(record.get("severity", "")),
        "title": str(record.get("title", "")),
        "rule": str(record.get("rule", "")),
    }


def _group_schema_missing(runs: dict[str, list[TestOutcome]]) -> bool:
    """/Schemas was not served, or was served without the Group schema."""
    for outcome in runs.get(_SCHEMAS_TEST, []):
        record = outcome.finding or {}
        if outcome.outcome in ("failed", "baseline") and (
            record.get("rule") == "discovery-served"
            or (
                record.get("rule") == "discovery-users-groups"
                and GROUP_URN in record.get("actual", "")
            )
        ):
            return True
    return False


def _judge(
    test: GalleryTest, runs: dict[str, list[TestOutcome]], facts: Facts, no_group_schema: bool
) -> Result:
    """One test's result."""
    if test.skip is Skip.NO_MANAGER and not facts.manager_mapped:
        return Result(test, NOT_APPLICABLE, f"Microsoft skips it: {test.skip.value}")
    if test.skip is Skip.NO_TOKEN_ENDPOINT and not facts.token_endpoint:
        return Result(test, NOT_APPLICABLE, f"Microsoft skips it: {test.skip.value}")
    outcomes = [o for name in test.covered_by for o in runs.get(name, [])]
    ran = tuple(o.nodeid for o in outcomes if o.outcome not in ("skipped",))
    findings: dict[str, dict[str, str]] = {}
    for outcome in outcomes:
        found = _finding(outcome)
        if found is not None:
            findings.setdefault(found["fingerprint"], found)
    no_groups = outcomes and all(
        o.outcome == "skipped" and _NO_GROUPS in o.skip_reason for o in outcomes
    )
    if test.group_required and (no_group_schema or no_groups):
        why = (
            "/Schemas did not return the Group schema"
            if no_group_schema
            else ("the endpoint has no /Groups")
        )
        return Result(
            test,
            FAILED,
            f"{why}: Microsoft fails it (group provisioning is mandatory)",
            tuple(findings.values()),
            ran,
        )
    if findings:
        titles = "; ".join(f["title"] for f in findings.values())
        return Result(test, FAILED, titles, tuple(findings.values()), ran)
    if test.skip is Skip.NO_GROUPS and no_groups:
        return Result(test, NOT_APPLICABLE, f"Microsoft skips it: {test.skip.value}")
    if test.covered_by and not ran:
        return Result(test, NOT_RUN, "its suite tests did not run (deselected or skipped)")
    if test.needs_entra:
        return Result(test, NEEDS_ENTRA, test.needs_entra, (), ran)
    return Result(test, PASSED, "", (), ran)


def assess(results: RunOutcomes, facts: Facts) -> GalleryView:
    """Every test's result, and the overall result by Microsoft's logic."""
    runs: dict[str, list[TestOutcome]] = {}
    for outcome in results.tests.values():
        runs.setdefault(_function(outcome.nodeid), []).append(outcome)
    no_group_schema = _group_schema_missing(runs)
    judged = tuple(_judge(test, runs, facts, no_group_schema) for test in TESTS)
    reasons: list[str] = []
    failed = [r for r in judged if r.result == FAILED and not r.test.optional]
    if failed:
        reasons.append("mandatory tests failed: " + ", ".join(r.test.name for r in failed))
    authenticated = any(r.result == PASSED for r in judged if r.test.authentication)
    if not authenticated:
        reasons.append(
            "no authentication test passed: Microsoft needs Validate_Credentials_Test (OAuth "
            "client credentials: --scim-token-endpoint) or Federated_Identity_Test to pass"
        )
    not_run = [r.test.name for r in judged if r.result == NOT_RUN and not r.test.optional]
    if failed or not authenticated:
        overall = NOT_READY
    elif not_run:
        overall, reasons = NOT_ASSESSED, [f"mandatory tests did not run: {', '.join(not_run)}"]
    else:
        overall = READY
    warnings = [r.test.name for r in judged if r.warning]
    if warnings:
        reasons.append("optional tests failed (warnings, not blocking): " + ", ".join(warnings))
    entra = [r.test.name for r in judged if r.result == NEEDS_ENTRA]
    if entra:
        reasons.append("check in Entra before you submit: " + ", ".join(entra))
    return GalleryView(judged, overall, tuple(reasons))
