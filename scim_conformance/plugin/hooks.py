"""The pytest plugin: every hook it implements, each once, delegating to the run's objects.

With a target (`--scim-url`, `SCIM_CONFORMANCE_URL`, or `--scim-reference`) pytest runs the
packaged conformance suite and only it (a target from the environment yields to test paths
given outside the suite: `settings.py`): the session start sets the run up (`session.py`) and
registers `RunHooks` for it, whose hooks delegate to the reporter (outcomes, verdict,
reports), the cleanup and the pacing. Without a target pytest behaves as usual.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from scim_conformance.checks.failures import AdvisoryFinding, ConformanceFailure, transport_finding
from scim_conformance.http.client import TransportFailure
from scim_conformance.http.transcript import Exchange
from scim_conformance.plugin import options
from scim_conformance.plugin.session import (
    SUITE_DIR,
    RunSession,
    announce_without_header,
    header_lines,
    select_named,
    shared_with_workers,
    start,
    stop_reference_server,
)
from scim_conformance.plugin.stash import EXCHANGES_KEY, client_of, ledger_of, settings_of
from scim_conformance.plugin.xdist_order import reorder_for_workers
from scim_conformance.reporting import html_extras, html_summary
from scim_conformance.sequences import SEQUENCES, SEVERITY_MARKERS

# Where the suite's fixtures and the project's tests import them from.
__all__ = ["EXCHANGES_KEY", "SUITE_DIR", "client_of", "ledger_of", "settings_of"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options, grouped under 'scim-conformance' in `pytest --help` (declared in options.py)."""
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Register the suite's markers."""
    for sequence in SEQUENCES.values():
        config.addinivalue_line("markers", f"{sequence.marker}: {sequence.covers}")
    config.addinivalue_line("markers", "dialect_specific: runs once per Entra PATCH dialect")
    config.addinivalue_line("markers", "entra: every test of the SCIM conformance suite")
    for severity, text in SEVERITY_MARKERS.items():
        config.addinivalue_line("markers", f"{severity.marker}: the test's main check is {text}")
    names = ", ".join(severity.marker for severity in SEVERITY_MARKERS)
    config.addinivalue_line("markers", f"severity(name): the severity marker a test gets ({names})")


# Whether the user chose a pytest-xdist scheduling (--dist, -d), before xdist sets its default.
_DIST_CHOSEN = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Remember whether a pytest-xdist scheduling was chosen (RunHooks picks one if not)."""
    option = config.option
    config.stash[_DIST_CHOSEN] = getattr(option, "dist", "no") != "no" or bool(
        getattr(option, "distload", False)
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Resolve the options once, diagnose the target; with one, set the run up."""
    run = start(session.config)
    if run is not None:
        announce_without_header(session.config, run.settings)
        session.config.pluginmanager.register(RunHooks(run), "scim-conformance-run")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker tests the controller's target under one run prefix."""
    shared = shared_with_workers(node.config)
    if shared is not None:
        node.workerinput["scim_shared"] = shared


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the embedded reference server, if one was started."""
    stop_reference_server(config)


class RunHooks:
    """The hooks of a run with a target (registered when its session starts)."""

    def __init__(self, run: RunSession) -> None:
        self.run = run

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Under -n without a --dist of the user's, idle workers take waiting tests from busy
        ones (xdist's worksteal): else the longest chains of requests (the cycle tours, the
        PATCH sequence properties), sent in consecutive batches, queue on one worker."""
        if config.stash.get(_DIST_CHOSEN, True):
            return None
        # Imported here: this hook is only ever called under pytest-xdist.
        from xdist.scheduler import WorkStealingScheduling  # type: ignore[import-untyped]

        return WorkStealingScheduling(config, log)

    def pytest_report_header(self) -> list[str]:
        """Show the target, dialects and request rate, never the token."""
        return [*header_lines(self.run.settings), *self.run.pacing.header()]

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Keep the suite's tests the user named; mark them by severity; check the
        baseline's test ids; on a pytest-xdist worker, the long chains first."""
        select_named(config, items, self.run.named)
        self.run.reporter.mark(items)
        reorder_for_workers(config, items)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        """Collect the test's advisory findings while it runs, and give it its own
        transcript, from before its fixtures send a request until they are torn down."""
        exchanges: list[Exchange] = []
        item.stash[EXCHANGES_KEY] = exchanges
        with self.run.reporter.collector.running(item), self.run.client.recording(exchanges):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Show conformance failures by their message with the transcript, carry the
        pacer's notices, then record the test's outcome (which keeps that message)."""
        report = yield
        _present(item, call, report)
        self.run.pacing.carry(report)
        self.run.reporter.collector.record(item, call, report)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Where the run is reported: collect the outcome, show the pacer's notices."""
        self.run.pacing.show(report)
        self.run.reporter.collector.arrived(report)

    def pytest_keyboard_interrupt(self) -> None:
        """Ctrl-C or SIGTERM: a partial run gives no verdict; clean up, unless it comes again."""
        self.run.reporter.interrupted()
        self.run.cleanup.interrupted()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodeready(self, node: Any) -> None:
        """pytest-xdist controller: a worker whose cleanup report to read at the end."""
        self.run.cleanup.worker_ready(node)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        """Before every other implementation: the verdict (the exit code and files from
        it), then deletes wait for the final cleanup. After them all (the fixtures torn
        down), before the terminal summary: the final cleanup."""
        self.run.reporter.finish(session)
        self.run.cleanup.session_ends()
        yield
        self.run.cleanup.session_ended()

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Generator[None, None, None]:
        """Before every other implementation: the verdict, and notices from outside any
        test. After them all (pytest-html's line too): the cleanup summary."""
        self.run.reporter.summary(terminalreporter)
        self.run.pacing.show_remaining()
        yield
        self.run.cleanup.summary(terminalreporter)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        """Name the report after the target."""
        report.title = f"SCIM conformance: {self.run.settings.base_url}"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: Any, postfix: Any) -> None:
        """Verdict, findings, what did not run, per-sequence table and run facts on top."""
        prefix.append(self.run.reporter.html())

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        """Sequence and severity columns."""
        html_summary.header_cells(cells)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        """The test's sequence (with an anchor the summary links to) and severity."""
        html_summary.row_cells(self.run.reporter.results, report, cells)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        """A skipped or blocked test's log starts with its reason in words, not a tuple."""
        html_summary.log_cells(report, data)


def _present(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Replace tracebacks of conformance failures by their message; attach the transcript."""
    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, (ConformanceFailure, AdvisoryFinding)):
        # Notes carry hypothesis's falsifying example when a property check fails.
        report.longrepr = _with_notes(excinfo.value, str(excinfo.value))
    elif excinfo is not None and isinstance(excinfo.value, TransportFailure):
        report.longrepr = _with_notes(excinfo.value, transport_finding(excinfo.value).render())
    exchanges = item.stash.get(EXCHANGES_KEY, None)
    if exchanges and (report.when == "call" or report.failed):
        # The terminal gets one line per exchange; the HTML report the whole transcript.
        report.sections.append(("SCIM exchanges", "\n".join(ex.summary() for ex in exchanges)))
        if item.config.getoption("htmlpath", None):  # rendered only for a report pytest-html writes
            html_extras.attach(report, exchanges)


def _with_notes(error: BaseException, text: str) -> str:
    return "\n".join([text, *getattr(error, "__notes__", [])])
