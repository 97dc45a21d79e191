"""Collecting each test's outcome: its finding, the advisories it met, whether a finding
blocked it, the baseline applied to it, its exchanges; then the outcomes of every process
gathered where the run is reported (the controller under pytest-xdist)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from scim_conformance.checks.failures import (
    AdvisoryFinding,
    Blocked,
    ConformanceFailure,
    Finding,
    advisories_into,
    transport_finding,
)
from scim_conformance.http.client import TransportFailure
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting import baseline, junit
from scim_conformance.reporting.findings import FindingRecord
from scim_conformance.reporting.outcomes import RunOutcomes, TestOutcome, sequence_of

RETRY_AFTER_CHECK = "test_webex.py::test_webex_rate_limits_carry_retry_after"


class OutcomeCollector:
    """Records each test's outcome where it runs, and gathers them where they are reported."""

    def __init__(
        self,
        base_url: str,
        exchanges_key: pytest.StashKey[list[Exchange]],
        known: baseline.Baseline | None,
        baseline_strict: bool,
    ) -> None:
        self.base_url = base_url
        self.exchanges_key = exchanges_key
        self.baseline = known
        self.baseline_strict = baseline_strict
        self.results = RunOutcomes()  # every test's outcome, where the run is reported
        self._running: dict[str, TestOutcome] = {}  # tests in progress in this process
        self._advised: dict[str, list[Finding]] = {}  # their advisory findings so far

    def _test(self, item: pytest.Item) -> TestOutcome:
        test = self._running.get(item.nodeid)
        if test is None:
            callspec = getattr(item, "callspec", None)
            dialect = callspec.params.get("dialect") if callspec is not None else None
            markers = {mark.name for mark in item.iter_markers()}
            test = TestOutcome(item.nodeid, sequence_of(markers), dialect)
            self._running[item.nodeid] = test
            self._advised[item.nodeid] = []
        return test

    def _record(self, item: pytest.Item, finding: Finding) -> FindingRecord:
        transcript: list[Exchange] = item.stash.get(self.exchanges_key, [])
        dialect = self._test(item).dialect
        return FindingRecord.of(
            finding, self.base_url, transcript, nodeid=item.nodeid, dialect=dialect
        )

    @contextlib.contextmanager
    def running(self, item: pytest.Item) -> Iterator[None]:
        """Collect the test's advisory findings as structured records while it runs."""
        self._test(item)
        with advisories_into(self._advised[item.nodeid]):
            yield

    def record(
        self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> None:
        """Where the test runs (a pytest-xdist worker, or this process): record its outcome
        and finding, report blocked tests as skipped, apply the baseline, tag the JUnit
        case, and put the outcome on the teardown report."""
        test = self._test(item)
        test.duration += report.duration
        error = call.excinfo.value if call.excinfo is not None else None
        finding = finding_of(error)
        if isinstance(error, Blocked):
            test.outcome = "blocked"
            test.found(self._record(item, error.finding))
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {error}")
        elif finding is not None:
            test.found(self._record(item, finding))
        elif report.failed and error is not None and not isinstance(error, pytest.fail.Exception):
            # Not a finding about the endpoint: the suite itself broke (a bug to report).
            test.outcome = "error"
        self._apply_outcome(item, report, test)
        if report.when == "teardown":
            # After teardown the transcript also holds the cleanup requests.
            recorded: list[Exchange] = item.stash.get(self.exchanges_key, [])
            test.exchanges = [exchange.to_dict() for exchange in recorded]
            test.requests = len(recorded)
            # One record per advisory finding: generated examples meet the same one often.
            unique: dict[str, FindingRecord] = {}
            for advised in self._advised.pop(item.nodeid, []):
                record = self._record(item, advised)
                unique.setdefault(record.fingerprint, record)
            test.advisories = [record.to_dict() for record in unique.values()]
            report.user_properties.extend(junit.properties(test))
            # JSON-friendly, so pytest-xdist carries it to the controller with the report.
            report.scim_outcome = self._running.pop(item.nodeid).transport()  # type: ignore[attr-defined]

    def _apply_outcome(
        self, item: pytest.Item, report: pytest.TestReport, test: TestOutcome
    ) -> None:
        """The test's outcome from this phase's report, with the baseline applied."""
        record = test.record
        reason = self.baseline.reason(item.nodeid, record) if self.baseline else None
        if report.failed:
            test.message = test.message or report.longreprtext
            if reason is not None:
                # A known deviation: shown as an expected failure, the gate ignores it.
                report.outcome = "skipped"
                report.wasxfail = f"known deviation (baseline): {reason}"
                test.outcome = (
                    "baseline" if test.outcome in ("passed", "baseline") else test.outcome
                )
            elif test.outcome != "error":
                test.outcome = "failed"
        elif report.skipped and test.outcome == "passed":
            test.outcome = "skipped"
            longrepr = report.longrepr
            if isinstance(longrepr, tuple):
                test.skip_reason = str(longrepr[2]).removeprefix("Skipped: ")
        elif report.when == "call" and reason is not None and test.outcome == "passed":
            self._listed_but_passing(report, test, reason)

    def _listed_but_passing(
        self, report: pytest.TestReport, test: TestOutcome, reason: str
    ) -> None:
        """A baseline entry that now passes is reported (XPASS), or fails when strict."""
        assert self.baseline is not None
        report.wasxfail = f"listed in the baseline but passes: remove it ({reason})"
        if self.baseline_strict:
            report.outcome = "failed"
            report.longrepr = (
                f"[XPASS(strict)] {test.nodeid} is listed in {self.baseline.path} but now "
                "passes: remove the entry (--scim-baseline-strict)"
            )
            test.outcome = "failed"
            test.message = str(report.longrepr)

    def arrived(self, report: pytest.TestReport) -> None:
        """Where the run is reported (the controller under pytest-xdist): collect outcomes."""
        outcome = getattr(report, "scim_outcome", None)
        if isinstance(outcome, dict):
            self.results.tests[report.nodeid] = TestOutcome.arrived(outcome)


def judge_throttling(results: RunOutcomes, base_url: str) -> None:
    """The 429 check on every test's exchanges: under pytest-xdist the check itself sees
    only those of its worker. Its finding goes to the check's own outcome (once)."""
    check = next((t for t in results.tests.values() if t.nodeid.endswith(RETRY_AFTER_CHECK)), None)
    if check is None or check.outcome not in ("passed", "failed"):
        return  # not run (not a Webex endpoint, deselected) or blocked
    exchanges = [
        Exchange.from_dict(exchange)
        for test in results.tests.values()
        for exchange in test.exchanges
    ]
    # Imported here: checks.webex loads jsonschema, which a run without a target skips.
    from scim_conformance.checks.webex import throttling_finding

    finding = throttling_finding(exchanges)
    if finding is None:
        return
    record = FindingRecord.of(finding, base_url, [])
    met = [a["fingerprint"] for a in check.advisories]
    if check.finding is None and record.fingerprint not in met:
        check.advisories.append(record.to_dict())


def finding_of(error: BaseException | None) -> Finding | None:
    """The endpoint finding an exception carries: a failed check, a request without a
    usable response, or an advisory that --scim-strict raised. Hypothesis may group
    several failures of one property; the first one found stands for them."""
    if isinstance(error, (ConformanceFailure, AdvisoryFinding)):
        return error.finding
    if isinstance(error, TransportFailure):
        return transport_finding(error)
    grouped = getattr(error, "exceptions", None)  # an ExceptionGroup (3.11+ or backport)
    for inner in grouped if isinstance(grouped, (list, tuple)) else ():
        found = finding_of(inner)
        if found is not None:
            return found
    return None
