"""The run's request rate on the terminal: `--scim-rate` shared out over pytest-xdist
workers (shown in the header), and a line as soon as throttling slows the run down."""

from __future__ import annotations

import pytest

from scim_conformance.http.client import ScimClient
from scim_conformance.http.retry import share_of_rate

_NOTICES = "scim_notices"  # the attribute carrying notices on a test report


def worker_count(config: pytest.Config) -> int:
    """How many processes send requests: pytest-xdist workers, else this one."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return int(workerinput.get("workercount", 1))
    if getattr(config.option, "dist", "no") != "no":
        return max(len(getattr(config.option, "tx", None) or []), 1)
    return 1


def process_rate(config: pytest.Config, rate: float | None) -> float | None:
    """--scim-rate is the total of the run: this process's share of it."""
    return share_of_rate(rate, worker_count(config))


class Pacing:
    """Shows the rate in the header and the pacer's notices as they happen (the plugin's
    hooks call it)."""

    def __init__(self, config: pytest.Config, client: ScimClient, rate: float | None) -> None:
        self.config = config
        self.client = client
        self.rate = rate  # the total asked for with --scim-rate

    def header(self) -> list[str]:
        """`request rate: at most 10 requests/s in total (2.5/s in each of 4 workers)`."""
        if self.rate is None:
            return []
        workers = worker_count(self.config)
        line = f"request rate: at most {self.rate:g} requests/s in total"
        if workers > 1:
            line += f" ({self.rate / workers:.3g}/s in each of {workers} workers)"
        return [line]

    def carry(self, report: pytest.TestReport) -> None:
        """Carry the pacer's notices on the report (pytest-xdist sends it to the controller)."""
        notices = self.client.pacer.notices()
        if notices:
            setattr(report, _NOTICES, notices)

    def show(self, report: pytest.TestReport) -> None:
        """Where the run is reported: one terminal line per notice, as it arrives."""
        if hasattr(self.config, "workerinput"):
            return
        for notice in getattr(report, _NOTICES, None) or []:
            self._write(notice)

    def show_remaining(self) -> None:
        """Notices from outside any test (the final cleanup)."""
        if not hasattr(self.config, "workerinput"):
            for notice in self.client.pacer.notices():
                self._write(notice)

    def _write(self, notice: str) -> None:
        writer = self.config.get_terminal_writer()
        if writer.width_of_current_line:  # after the progress dots of -q
            writer.line()
        writer.line(f"scim-conformance: {notice}", yellow=True)
