"""The run's reporter: each test's outcome and finding, blocked tests, the baseline, the
exit code from the gate, the terminal verdict, results.json, JUnit properties and the
pytest-html summary.

Registered by the plugin's hooks only when a target is given.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Generator
from datetime import datetime, timezone
from html import escape
from typing import Any

import pytest

from scim_conformance import __version__
from scim_conformance.checks.failures import (
    AdvisoryFinding,
    Blocked,
    ConformanceFailure,
    Finding,
    advisories_into,
    transport_finding,
)
from scim_conformance.config import Settings
from scim_conformance.http.client import TransportFailure
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.reporting import baseline
from scim_conformance.reporting.findings import FindingRecord
from scim_conformance.reporting.html_summary import SEVERITY_COLOURS, html_summary, slug
from scim_conformance.reporting.outcomes import READY, RunOutcomes, TestOutcome, sequence_of
from scim_conformance.reporting.results_json import results_document

RETRY_AFTER_CHECK = "test_webex.py::test_webex_rate_limits_carry_retry_after"


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


class RunReporter:
    """Collects each test's outcome and writes the run's verdict everywhere it is read."""

    def __init__(
        self,
        config: pytest.Config,
        settings: Settings,
        exchanges_key: pytest.StashKey[list[Exchange]],
        known: baseline.Baseline | None,
        ledger: Ledger,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.settings = settings
        self.exchanges_key = exchanges_key
        self.baseline = known
        self.results = RunOutcomes(known=set(known.findings) if known else set())
        self._running: dict[str, TestOutcome] = {}  # tests in progress in this process
        self._advised: dict[str, list[Finding]] = {}  # their advisory findings so far
        self._written: list[str] = []  # output files, named in the terminal summary
        self.started = datetime.now(timezone.utc)
        self._clock = time.perf_counter()
        self.duration = 0.0

    # Collection -------------------------------------------------------------------------

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Mark every suite test `entra` and with the severity of its main check (so
        `-m "not advisory"` works); warn about baseline ids that match nothing."""
        for item in items:
            item.add_marker(pytest.mark.entra)
            item.add_marker(getattr(pytest.mark, self._severity_marker(item)))
        if self.baseline is not None and not self.config.getoption("keyword"):
            for stale in self.baseline.unknown(item.nodeid for item in items):
                self.config.issue_config_time_warning(
                    pytest.PytestConfigWarning(f"--scim-baseline lists an unknown test: {stale}"),
                    stacklevel=2,
                )

    def _severity_marker(self, item: pytest.Item) -> str:
        """A test's own `severity` mark wins; else its sequence decides (discovery is
        advisory unless --scim-gallery; listing checks are mostly rfc, Webex checks
        webex-clients)."""
        declared = item.get_closest_marker("severity")
        if declared is not None:
            return str(declared.args[0])
        sequence = sequence_of({mark.name for mark in item.iter_markers()})
        if sequence == "Discovery":
            return "rfc" if self.settings.gallery else "advisory"
        if sequence == "Webex":
            return "webex_clients"
        return "rfc" if sequence == "Listing" else "entra_breaking"

    # Per test -----------------------------------------------------------------------------

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
        return FindingRecord.of(finding, self.settings.base_url, transcript)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, object]:
        """Collect the test's advisory findings as structured records while it runs."""
        self._test(item)
        with advisories_into(self._advised[item.nodeid]):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Where the test runs (a pytest-xdist worker, or this process): record its outcome
        and finding, report blocked tests as skipped, apply the baseline, tag the JUnit
        case, and put the outcome on the teardown report."""
        report = yield
        test = self._test(item)
        test.duration += report.duration
        error = call.excinfo.value if call.excinfo is not None else None
        finding = _finding_of(error)
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
            self._tag(report, test)
            # JSON-friendly, so pytest-xdist carries it to the controller with the report.
            report.scim_outcome = self._running.pop(item.nodeid).transport()  # type: ignore[attr-defined]
        return report

    def _apply_outcome(
        self, item: pytest.Item, report: pytest.TestReport, test: TestOutcome
    ) -> None:
        """The test's outcome from this phase's report, with the baseline applied."""
        fingerprint = test.finding["fingerprint"] if test.finding else None
        reason = self.baseline.reason(item.nodeid, fingerprint) if self.baseline else None
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

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Where the run is reported (the controller under pytest-xdist): collect outcomes."""
        outcome = getattr(report, "scim_outcome", None)
        if isinstance(outcome, dict):
            self.results.tests[report.nodeid] = TestOutcome.arrived(outcome)

    def _listed_but_passing(
        self, report: pytest.TestReport, test: TestOutcome, reason: str
    ) -> None:
        """A baseline entry that now passes is reported (XPASS), or fails when strict."""
        assert self.baseline is not None
        report.wasxfail = f"listed in the baseline but passes: remove it ({reason})"
        if self.settings.baseline_strict:
            report.outcome = "failed"
            report.longrepr = (
                f"[XPASS(strict)] {test.nodeid} is listed in {self.baseline.path} but now "
                "passes: remove the entry (--scim-baseline-strict)"
            )
            test.outcome = "failed"
            test.message = str(report.longrepr)

    def _tag(self, report: pytest.TestReport, test: TestOutcome) -> None:
        """JUnit properties: each test case carries its sequence, dialect, severity, rule
        and finding, so a CI system can group failures by defect."""
        properties = [("sequence", test.sequence), ("dialect", test.dialect or "")]
        if test.severity:
            properties.append(("severity", test.severity))
        if test.finding is not None:
            properties.append(("rule", test.finding["rule"]))
            properties.append(("finding", test.finding["fingerprint"]))
            properties += [("source", source["url"]) for source in test.finding["sources"]]
        report.user_properties.extend(properties)

    # End of run -----------------------------------------------------------------------------

    def pytest_keyboard_interrupt(self) -> None:
        """Ctrl-C or SIGTERM: a partial run gives no verdict."""
        self.results.interrupted = True

    @property
    def fail_on(self) -> str:
        """The gate's threshold (--scim-fail-on; --scim-strict means advisory)."""
        return "advisory" if self.settings.strict else self.settings.fail_on

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The verdict, its findings and the files written: the last thing on the terminal."""
        self.duration = time.perf_counter() - self._clock
        if not self.results.tests:
            return
        verdict = self.results.verdict(self.fail_on)
        colour = "green" if not verdict.gate_failed and not verdict.partial else "red"
        if verdict.readiness == READY and (verdict.gate_failed or verdict.partial):
            colour = "yellow"
        terminalreporter.section("SCIM conformance verdict", **{colour: True})
        lines = self.results.verdict_lines(self.fail_on)
        terminalreporter.line(lines[0], **{colour: True, "bold": True})
        for line in lines[1:]:
            terminalreporter.line(line)
        findings = self.results.findings()
        if findings:
            terminalreporter.line("")
            terminalreporter.line(f"Findings ({len(findings)}), one per defect:")
        for number, finding in enumerate(findings, start=1):
            vendor = f" ({finding.vendor} rule)" if finding.vendor else ""
            terminalreporter.line(
                f"  F{number} [{finding.severity}]{vendor} {finding.title}", bold=True
            )
            terminalreporter.line(f"     rule {finding.rule}: {finding.requirement}")
            if finding.request:
                terminalreporter.line(f"     request: {finding.request}")
            terminalreporter.line(f"     source: {finding.sources[0]['url']}")
            met = [
                f"{len(names)} {label}"
                for names, label in (
                    (finding.tests, "failed"),
                    (finding.blocked, "blocked"),
                    (finding.advised, "advised"),
                )
                if names
            ]
            terminalreporter.line(f"     tests: {', '.join(met)}")
        terminalreporter.line("")
        for name, row in self.results.by_sequence().items():
            terminalreporter.line(
                f"  {name:<16} {row['passed']:>3} passed  {row['failed']:>3} failed  "
                f"{row['blocked']:>3} blocked  {row['skipped']:>3} skipped  "
                f"{row['advisory']:>3} advisory"
            )
        retries = self.ledger.client.retries
        if retries:
            terminalreporter.line(f"Retried {retries} request(s) after 429/503 (see transcripts)")
        if self.ledger.keep:
            kept = [f"{kind}/{rid}" for rid, kind in self.ledger.remaining().items()]
            terminalreporter.line(f"Kept {len(kept)} resource(s) (--scim-keep):")
            for path in kept:
                terminalreporter.line(f"  {path}")
        stale = self.stale_baseline()
        if stale:
            strict = (
                " (fails the run: --scim-baseline-strict)" if self.settings.baseline_strict else ""
            )
            terminalreporter.line(
                f"The baseline lists {len(stale)} finding(s) this run did not meet: fixed? "
                f"remove them{strict}:",
                yellow=True,
            )
            for fingerprint in stale:
                terminalreporter.line(f"  {fingerprint}")
        for written in self._written:
            terminalreporter.line(f"Wrote {written}")

    def stale_baseline(self) -> list[str]:
        """Findings the baseline lists that a full run did not meet (not judged when only a
        part of the suite was selected)."""
        if self.baseline is None or self.config.getoption("keyword"):
            return []
        if self.config.getoption("markexpr"):
            return []
        met = {finding.fingerprint for finding in self.results.findings()}
        return sorted(set(self.baseline.findings) - met)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Set the exit code from the gate; write results.json and a baseline, if asked
        (once: not on pytest-xdist workers)."""
        self.duration = time.perf_counter() - self._clock
        if hasattr(self.config, "workerinput") or not self.results.tests:
            return
        judge_throttling(self.results, self.settings.base_url)
        verdict = self.results.verdict(self.fail_on)
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            # The gate follows the words: findings below --scim-fail-on do not fail the run.
            failed = pytest.ExitCode.TESTS_FAILED
            session.exitstatus = failed if verdict.gate_failed else pytest.ExitCode.OK
            if self.stale_baseline() and self.settings.baseline_strict:
                session.exitstatus = failed  # a fixed finding must leave the baseline
        json_path = self.settings.json_path
        if json_path:
            document = results_document(self.results, self.run_metadata(), self.fail_on)
            json_path.write_text(json.dumps(document, indent=2) + "\n")
            self._written.append(f"{json_path} (results, schema_version 2)")
        write_to = self.settings.write_baseline_path
        if write_to:
            findings = {f.fingerprint: f.title for f in self.results.findings()}
            write_to.write_text(baseline.render(findings), encoding="utf-8")
            self._written.append(f"{write_to} (baseline of {len(findings)} finding(s))")

    def run_metadata(self) -> dict[str, Any]:
        """Target, dialects, version, time: what the report header and results.json show."""
        return {
            "target": self.settings.base_url,
            "dialects": list(self.settings.dialects),
            "profile": self.settings.profile.name,
            # The rules the endpoint is held to, apart from the mapping (--scim-endpoint).
            "endpoint": {
                "rules": self.settings.endpoint.name,
                "reason": self.settings.endpoint.reason,
                "option": self.settings.endpoint.option,
            },
            "gallery": self.settings.gallery,
            "strict": self.settings.strict,
            "run_prefix": self.settings.run_prefix,
            "retries": self.ledger.client.retries,
            # Exchanges recorded per sequence (retries included): what each one costs.
            "requests_by_sequence": dict(
                Counter(t.sequence for t in self.results.tests.values() for _ in t.exchanges)
            ),
            "tls_verified": self.settings.tls_verify is not False,
            "suite_version": __version__,
            "started": self.started.isoformat(timespec="seconds"),
            "duration_s": round(self.duration, 2),
        }

    # pytest-html ------------------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        """Name the report after the target."""
        report.title = f"SCIM conformance: {self.settings.base_url}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: Any, postfix: Any) -> None:
        """Verdict, findings, what did not run, per-sequence table and run facts on top."""
        self.duration = time.perf_counter() - self._clock
        prefix.append(html_summary(self.results, self.run_metadata(), self.fail_on))

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        """A skipped or blocked test's log starts with its reason in words, not a tuple."""
        longrepr = report.longrepr
        if report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3 and data:
            data[0] = escape(str(longrepr[2])) + "\n"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        """Sequence and severity columns."""
        cells.insert(2, '<th class="sortable" data-column-type="sequence">Sequence</th>')
        cells.insert(3, '<th class="sortable" data-column-type="severity">Severity</th>')

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        """The test's sequence (with an anchor the summary links to) and severity."""
        test = self.results.tests.get(report.nodeid)
        sequence = test.sequence if test else ""
        severity = (test.severity or "") if test else ""
        anchor = f'<a id="{escape(slug(sequence))}"></a>' if sequence else ""
        colour = SEVERITY_COLOURS.get(severity, "inherit")
        cells.insert(2, f'<td class="col-sequence">{anchor}{escape(sequence)}</td>')
        cells.insert(3, f'<td class="col-severity" style="color:{colour}">{escape(severity)}</td>')


def _finding_of(error: BaseException | None) -> Finding | None:
    """The endpoint finding an exception carries: a failed check, a request without a
    usable response, or an advisory that --scim-strict raised. Hypothesis may group
    several failures of one property; the first one found stands for them."""
    if isinstance(error, (ConformanceFailure, AdvisoryFinding)):
        return error.finding
    if isinstance(error, TransportFailure):
        return transport_finding(error)
    grouped = getattr(error, "exceptions", None)  # an ExceptionGroup (3.11+ or backport)
    for inner in grouped if isinstance(grouped, (list, tuple)) else ():
        found = _finding_of(inner)
        if found is not None:
            return found
    return None
