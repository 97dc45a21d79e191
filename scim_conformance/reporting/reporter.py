"""Verdicts people can act on: severities, the known-deviation baseline, the terminal
summary, results.json, JUnit properties and the pytest-html summary.

Registered by plugin.py only when a target is given.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import pytest

from scim_conformance import __version__
from scim_conformance.checks.failures import AdvisoryFinding, ConformanceFailure
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.plugin.settings import Settings
from scim_conformance.reporting import baseline
from scim_conformance.reporting.outcomes import SEQUENCES, RunOutcomes, TestOutcome, sequence_of

RESULTS_SCHEMA_VERSION = 1
_SEVERITY_COLOURS = {"entra-breaking": "#c62828", "rfc": "#ef6c00", "advisory": "#1565c0"}


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
        self.results = RunOutcomes()
        self._running: dict[str, TestOutcome] = {}  # tests in progress in this process
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
        advisory unless --scim-gallery; listing and Webex checks are mostly rfc)."""
        declared = item.get_closest_marker("severity")
        if declared is not None:
            return str(declared.args[0])
        sequence = sequence_of({mark.name for mark in item.iter_markers()})
        if sequence == "Discovery":
            return "rfc" if self.settings.gallery else "advisory"
        return "rfc" if sequence in ("Listing", "Webex") else "entra_breaking"

    # Per test -----------------------------------------------------------------------------

    def _test(self, item: pytest.Item) -> TestOutcome:
        test = self._running.get(item.nodeid)
        if test is None:
            callspec = getattr(item, "callspec", None)
            dialect = callspec.params.get("dialect") if callspec is not None else None
            markers = {mark.name for mark in item.iter_markers()}
            test = TestOutcome(item.nodeid, sequence_of(markers), dialect)
            self._running[item.nodeid] = test
        return test

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Where the test runs (a pytest-xdist worker, or this process): record its outcome,
        apply the baseline, tag the JUnit case, and put the outcome on the teardown report."""
        report = yield
        test = self._test(item)
        test.duration += report.duration
        error = call.excinfo.value if call.excinfo is not None else None
        if isinstance(error, ConformanceFailure):
            test.found(error.finding)
        elif isinstance(error, AdvisoryFinding) and test.finding_severity is None:
            # --scim-strict turned an advisory finding into this failure.
            test.finding_severity = "advisory"
            test.title = str(error).splitlines()[0].removeprefix("[advisory] ")
        reason = self.baseline.reason(item.nodeid) if self.baseline else None
        if report.failed:
            test.message = test.message or report.longreprtext
            if reason is not None:
                # A known deviation: shown as an expected failure, the run does not fail.
                report.outcome = "skipped"
                report.wasxfail = f"known deviation (baseline): {reason}"
                test.outcome = "baseline" if test.outcome != "failed" else "failed"
            else:
                test.outcome = "failed"
        elif report.skipped and test.outcome == "passed":
            test.outcome = "skipped"
        elif report.when == "call" and reason is not None and test.outcome == "passed":
            self._listed_but_passing(report, test, reason)
        if report.when == "teardown":
            # After teardown the transcript also holds the cleanup requests.
            recorded: list[Exchange] | None = item.stash.get(self.exchanges_key, None)
            test.exchanges = [exchange.to_dict() for exchange in recorded or []]
            self._tag(report, test)
            # JSON-friendly, so pytest-xdist carries it to the controller with the report.
            report.scim_outcome = self._running.pop(item.nodeid).transport()  # type: ignore[attr-defined]
        return report

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
        if self.config.getoption("scim_baseline_strict"):
            report.outcome = "failed"
            report.longrepr = (
                f"[XPASS(strict)] {test.nodeid} is listed in {self.baseline.path} but now "
                "passes: remove the entry (--scim-baseline-strict)"
            )
            test.outcome = "failed"
            test.message = str(report.longrepr)

    def _tag(self, report: pytest.TestReport, test: TestOutcome) -> None:
        """JUnit properties: each test case carries its sequence, dialect, severity and rule."""
        properties = [("sequence", test.sequence), ("dialect", test.dialect or "")]
        if test.severity:
            properties.append(("severity", test.severity))
        if test.rule is not None:
            properties.append(("rule", test.rule))
        report.user_properties.extend(properties)

    def pytest_warning_recorded(
        self, warning_message: Any, when: str, nodeid: str, location: Any
    ) -> None:
        """Advisory findings (warnings) belong to the test that raised them."""
        if issubclass(warning_message.category, AdvisoryFinding) and nodeid:
            self.results.advisories.setdefault(nodeid, []).append(str(warning_message.message))

    # End of run -----------------------------------------------------------------------------

    def pytest_keyboard_interrupt(self) -> None:
        """Ctrl-C or SIGTERM: a partial run gives no verdict."""
        self.results.interrupted = True

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The verdict, last thing on the terminal."""
        self.duration = time.perf_counter() - self._clock
        if not self.results.tests:
            return
        verdict = self.results.verdict()
        colour = {"Entra-ready": "green", "Entra-ready with RFC deviations": "yellow"}.get(
            verdict.value, "red"
        )
        terminalreporter.section("SCIM conformance verdict", **{colour: True})
        terminalreporter.line(self.results.summary_line(), **{colour: True, "bold": True})
        for name, row in self.results.by_sequence().items():
            terminalreporter.line(
                f"  {name:<16} {row['passed']:>3} passed  {row['failed']:>3} failed  "
                f"{row['skipped']:>3} skipped  {row['advisory']:>3} advisory"
            )
        retries = self.ledger.client.retries
        if retries:
            terminalreporter.line(f"Retried {retries} request(s) after 429/503 (see transcripts)")
        if self.ledger.keep:
            kept = [f"{kind}/{rid}" for rid, kind in self.ledger.remaining().items()]
            terminalreporter.line(f"Kept {len(kept)} resource(s) (--scim-keep):")
            for path in kept:
                terminalreporter.line(f"  {path}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write results.json and a baseline, if asked (once: not on pytest-xdist workers)."""
        self.duration = time.perf_counter() - self._clock
        if hasattr(self.config, "workerinput"):
            return
        json_path = self.config.getoption("scim_json")
        if json_path:
            Path(json_path).write_text(json.dumps(self.results_document(), indent=2) + "\n")
        write_to = self.config.getoption("scim_write_baseline")
        if write_to:
            failures = {
                t.nodeid: t.title or "unexpected error"
                for t in self.results.tests.values()
                if t.outcome in ("failed", "baseline")
            }
            Path(write_to).write_text(baseline.render(failures), encoding="utf-8")

    def run_metadata(self) -> dict[str, Any]:
        """Target, dialects, version, time: what the report header and results.json show."""
        return {
            "target": self.settings.base_url,
            "dialects": list(self.settings.dialects),
            "profile": self.settings.profile.name,
            "gallery": self.settings.gallery,
            "strict": self.settings.strict,
            "run_prefix": self.settings.run_prefix,
            "retries": self.ledger.client.retries,
            "tls_verified": self.settings.tls_verify is not False,
            "suite_version": __version__,
            "started": self.started.isoformat(timespec="seconds"),
            "duration_s": round(self.duration, 2),
        }

    def results_document(self) -> dict[str, Any]:
        """results.json, schema_version 1 (schemas/results.json documents it)."""
        counts = self.results.counts()
        return {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "tool": {"name": "scim-conformance", "version": __version__},
            "run": self.run_metadata(),
            "verdict": self.results.verdict().value,
            "summary": {
                key: counts[key]
                for key in ("passed", "failed", "skipped", "baseline", "entra-breaking", "rfc")
            }
            | {"advisory": counts["advisory findings"]},
            "tests": [
                test.to_dict(self.results.advisories.get(test.nodeid))
                for test in self.results.tests.values()
            ],
        }

    # pytest-html ------------------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        """Name the report after the target."""
        report.title = f"SCIM conformance: {self.settings.base_url}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: Any, postfix: Any) -> None:
        """Verdict, run facts and the per-sequence table on top of the report."""
        self.duration = time.perf_counter() - self._clock
        prefix.append(html_summary(self.results, self.run_metadata()))

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
        anchor = f'<a id="seq-{escape(_slug(sequence))}"></a>' if sequence else ""
        colour = _SEVERITY_COLOURS.get(severity, "inherit")
        cells.insert(2, f'<td class="col-sequence">{anchor}{escape(sequence)}</td>')
        cells.insert(3, f'<td class="col-severity" style="color:{colour}">{escape(severity)}</td>')


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def html_summary(results: RunOutcomes, run: dict[str, Any]) -> str:
    """The verdict banner, run facts and the per-sequence table, every value escaped."""
    verdict = results.verdict().value
    colour = {"Entra-ready": "#2e7d32", "Not Entra-ready": "#c62828"}.get(verdict, "#ef6c00")
    facts = [
        ("Target", run["target"]),
        ("Entra dialects", ", ".join(run["dialects"])),
        ("Profile", run["profile"] + (" (gallery app)" if run["gallery"] else "")),
        ("Suite version", f"scim-conformance {run['suite_version']}"),
        ("Started", run["started"]),
        ("Duration", f"{run['duration_s']:.1f} s"),
        ("Run prefix", run["run_prefix"]),
        ("Retries after 429/503", run["retries"]),
        ("TLS", "verified" if run["tls_verified"] else "NOT VERIFIED (--scim-insecure)"),
    ]
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:12px'>{escape(k)}</th>"
        f"<td>{escape(str(v))}</td></tr>"
        for k, v in facts
    )
    seq_rows = "".join(
        f"<tr><td><a href='#seq-{escape(_slug(name))}'>{escape(name)}</a></td>"
        f"<td style='color:#2e7d32'>{row['passed']}</td>"
        f"<td style='color:#c62828'>{row['failed']}</td><td>{row['baseline']}</td>"
        f"<td>{row['skipped']}</td><td style='color:#1565c0'>{row['advisory']}</td></tr>"
        for name, row in results.by_sequence().items()
    )
    return (
        f"<div style='border-left:8px solid {colour};padding:8px 14px;margin:10px 0;"
        f"background:#fafafa'><div style='font-size:22px;font-weight:bold;color:{colour}'>"
        f"{escape(verdict)}</div><div>{escape(results.summary_line())}</div></div>"
        f"<table style='margin-bottom:10px'>{rows}</table>"
        "<table style='border-collapse:collapse;margin-bottom:14px' cellpadding='4'>"
        "<tr><th>Entra sequence</th><th>passed</th><th>failed</th><th>known</th>"
        f"<th>skipped</th><th>advisory</th></tr>{seq_rows}</table>"
    )


SEQUENCE_NAMES = tuple(SEQUENCES.values())
