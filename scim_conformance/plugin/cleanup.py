"""However a run ends, delete what it created, and say how that went.

* SIGTERM (a cancelled CI job) ends the run as Ctrl-C does, so cleanup still runs.
* A Ctrl-C whose KeyboardInterrupt is swallowed where it lands (Python reports an exception
  raised inside a garbage-collector callback as "unraisable" and goes on) is raised again
  before the run's next request, so the run still ends as interrupted.
* Once the run ends (normally or by a signal) every delete goes through one final cleanup
  (ledger.Ledger.clean_up): known ids, then every create whose answer was lost.
* A further Ctrl-C or SIGTERM while that runs stops it (on a normal end the first one only
  says so); the summary then lists what is left and the `--scim-sweep` command.
* The summary always says how many resources were created, deleted and left, over all
  pytest-xdist workers.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import httpx
import pytest

from scim_conformance.http.client import outgoing
from scim_conformance.ledger import CleanupReport, Ledger

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_WORKER_KEY = "scim_cleanup"  # in a pytest-xdist worker's workeroutput


class RunCleanup:
    """One run's signals, final cleanup and its summary (the plugin's hooks call it)."""

    def __init__(self, config: pytest.Config, ledger: Ledger) -> None:
        self.config = config
        self.ledger = ledger
        self.signals = 0  # Ctrl-C / SIGTERM received so far
        self.stopped = False  # cleanup was stopped by a further signal
        self.report: CleanupReport | None = None
        self._cleaning = False  # inside Ledger.clean_up: a stopping signal raises there
        self._pending: str | None = None  # a signal arrived before cleanup began
        self._began = False
        self._workers: list[Any] = []  # pytest-xdist workers (on the controller)
        self._previous: dict[int, Any] = {}

    # Signals ---------------------------------------------------------------------------------

    def install(self) -> None:
        """Ctrl-C and SIGTERM raise KeyboardInterrupt, and are remembered until cleanup
        begins (main thread only)."""
        for signum in SIGNALS:
            self._handle(signum, self._interrupt)

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        self._pending = f"signal {signum}"
        raise KeyboardInterrupt(self._pending)

    def before_send(self, sent: httpx.Request) -> None:
        """No request after a signal, until cleanup begins: raise the interrupt again (an
        httpx request hook of the run's client)."""
        if self._pending is not None and not self._began:
            request = outgoing(sent)
            raise KeyboardInterrupt(f"{self._pending}, before {request.method} {request.path}")

    def _handle(self, signum: int, handler: Callable[[int, FrameType | None], None]) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.signal(signum, handler)
        self._previous.setdefault(signum, previous)

    def restore(self) -> None:
        """Put back the handlers the run found."""
        for signum, previous in self._previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, previous)
        self._previous.clear()

    def _during_cleanup(self, signum: int, frame: FrameType | None) -> None:
        """A signal once the run has ended: the second one overall stops the cleanup."""
        self.signals += 1
        if self.signals < 2:
            self._say(
                "still deleting what this run created; press Ctrl-C again to stop "
                "(and delete later with --scim-sweep)"
            )
            return
        self.stopped = True
        if self._cleaning:
            raise KeyboardInterrupt(f"signal {signum} during cleanup")

    def _begin(self) -> None:
        """The run is over: deletes now wait for the final cleanup; signals may stop it."""
        if self._began:
            return
        self._began = True
        self.ledger.begin_cleanup()
        for signum in SIGNALS:
            self._handle(signum, self._during_cleanup)

    # The run's end ---------------------------------------------------------------------------

    def interrupted(self) -> None:
        """Ctrl-C or SIGTERM ended the run: clean up, unless it comes again."""
        self.signals += 1
        self._begin()
        if self.ledger.remaining() or self.ledger.report().unknown:
            self._say("interrupted; deleting what this run created (press Ctrl-C again to stop)")

    def _say(self, text: str) -> None:
        writer = self.config.get_terminal_writer()
        if writer.width_of_current_line:  # after progress dots
            writer.line()
        writer.line(f"scim-conformance: {text}", yellow=True)

    def session_ends(self) -> None:
        """Before pytest tears fixtures down: their deletes join the final cleanup."""
        self._begin()

    def session_ended(self) -> None:
        """After every fixture is torn down: delete what is left, find what was lost."""
        if not self.stopped:
            self._cleaning = True
            try:
                self.ledger.clean_up()
            except KeyboardInterrupt:
                self.stopped = True
            finally:
                self._cleaning = False
        self.report = self.ledger.report()
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # a pytest-xdist worker: the controller reports it
            workeroutput[_WORKER_KEY] = self.report.to_dict()

    def worker_ready(self, node: Any) -> None:
        """pytest-xdist controller: a worker to hear from when the run ends."""
        self._workers.append(node)

    def _worker_reports(self) -> tuple[list[CleanupReport], list[str]]:
        """Each worker's report, and the workers that sent none. Read from the worker's
        output directly: after an interrupt pytest-xdist no longer delivers its events."""
        reports, silent = [], []
        for node in self._workers:
            data = (getattr(node, "workeroutput", None) or {}).get(_WORKER_KEY)
            if isinstance(data, dict):
                reports.append(CleanupReport(**data))
            else:
                silent.append(str(getattr(getattr(node, "gateway", None), "id", node)))
        return reports, silent

    def summary(self, terminalreporter: Any) -> None:
        """Created, deleted, left; what is left and how to remove it."""
        if hasattr(self.config, "workerinput") or self.config.getoption("collectonly"):
            return
        total = self.report or self.ledger.report()
        reports, silent = self._worker_reports()
        for report in reports:
            total = total.merged(report)
        for line in summary_lines(total, self.ledger, stopped=self.stopped, silent=silent):
            terminalreporter.write_line(line)


def summary_lines(
    report: CleanupReport, ledger: Ledger, *, stopped: bool, silent: list[str]
) -> list[str]:
    """The cleanup summary as the terminal shows it."""
    keep = " (--scim-keep)" if ledger.keep else ""
    lines = [
        f"scim-conformance cleanup: created {report.created}, deleted {report.deleted}, "
        f"left {len(report.left)}{keep}"
    ]
    if ledger.keep:
        return lines
    why = "cleanup was stopped" if stopped else "they could not be deleted"
    if report.left:
        lines.append(f"Left behind ({why}):")
        lines += [f"  {leftover}" for leftover in report.left]
    if report.unknown:
        lines.append("Creates whose outcome is unknown (not looked up, or the lookup failed):")
        lines += [f"  {label}" for label in report.unknown]
    if silent:
        lines.append(f"pytest-xdist workers that did not report their cleanup: {', '.join(silent)}")
    if report.left or report.unknown or silent:
        lines.append(
            "Delete them with: pytest "
            f"--scim-url={ledger.client.base_url} --scim-sweep --yes "
            "(the token from SCIM_CONFORMANCE_TOKEN or --token)"
        )
    return lines


def install(config: pytest.Config, ledger: Ledger) -> RunCleanup:
    """Observe the client for the whole run, handle SIGTERM."""
    plugin = RunCleanup(config, ledger)
    plugin.install()
    # The plugin first: an interrupted run sends nothing more, not even to the ledger.
    hooks = ledger.client.event_hooks["request"]
    hooks.append(plugin.before_send)
    config.add_cleanup(ledger.watch(ledger.client))
    config.add_cleanup(lambda: hooks.remove(plugin.before_send))
    config.add_cleanup(plugin.restore)
    return plugin
