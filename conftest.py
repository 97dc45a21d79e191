"""Fixtures of the project's own tests (not of the conformance suite).

The plugin itself is registered by its pytest11 entry point once the package is
installed; it must not be registered here a second time. pytester is enabled in
pyproject.toml (`-p pytester`), not with `pytest_plugins` here: with an editable
install this file is a parent conftest of the packaged suite, and pytest forbids
`pytest_plugins` in a conftest that is not at the rootdir.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scim_conformance.plugin.hooks import SUITE_DIR
from scim_conformance.reference import Fault, ReferenceApp, RunningServer, serve


@dataclass
class SuiteRun:
    """The outcome of one run of the conformance suite, as a vendor would see it."""

    result: pytest.RunResult
    token: str
    server: RunningServer
    outcomes: dict[str, str] = field(default_factory=dict)  # test name -> passed/failed/skipped
    messages: dict[str, str] = field(default_factory=dict)  # test name -> failure text

    @property
    def failed(self) -> list[str]:
        """Names (function[params]) of the failed tests."""
        return sorted(name for name, outcome in self.outcomes.items() if outcome == "failed")

    def output(self) -> str:
        """Everything printed to the terminal."""
        return self.result.stdout.str() + "\n" + self.result.stderr.str()


@contextmanager
def reference_server(token: str, faults: Iterable[Fault] = ()) -> Iterator[RunningServer]:
    """A fresh reference server (optionally broken) on a free loopback port."""
    with serve(ReferenceApp(token, faults=faults)) as server:
        yield server


def collect_outcomes(run: SuiteRun) -> None:
    """Fill outcomes/messages from the in-process hook recorder."""
    recorder = getattr(run.result, "reprec", None)
    if not hasattr(recorder, "getreports"):
        return  # pytest stopped before running tests (a usage error)
    for report in recorder.getreports("pytest_runtest_logreport"):  # type: ignore[union-attr]
        name = report.nodeid.split("::", 1)[-1]
        if report.failed:
            run.outcomes[name] = "failed"
            run.messages[name] = run.messages.get(name, "") + report.longreprtext
        elif report.skipped and name not in run.outcomes:
            run.outcomes[name] = "skipped"
        elif report.when == "call" and name not in run.outcomes:
            run.outcomes[name] = "passed"


@pytest.fixture
def run_suite(pytester: pytest.Pytester) -> Callable[..., SuiteRun]:
    """Run the packaged suite in-process against a (possibly broken) reference server."""

    def run(
        *args: str,
        faults: Iterable[Fault] = (),
        prepare: Callable[[ReferenceApp], None] | None = None,
        app: ReferenceApp | None = None,
        properties: bool = False,
    ) -> SuiteRun:
        token = app.token if app is not None else "tok-" + secrets.token_urlsafe(18)
        target = app if app is not None else ReferenceApp(token, faults=faults)
        with serve(target) as server:
            if prepare is not None:
                prepare(server.app)
            result = pytester.runpytest_inprocess(
                f"--scim-url={server.base_url}",
                f"--token={token}",
                "-p",
                "no:cacheprovider",
                # Each in-process run would re-import hypothesis (2 s) for its summary line.
                "-p",
                "no:hypothesispytest",
                # The property-based tests take seconds per run; only their own tests need them.
                *([] if properties else [f"--ignore={SUITE_DIR / 'test_properties.py'}"]),
                *args,
            )
            suite_run = SuiteRun(result, token, server)
        collect_outcomes(suite_run)
        return suite_run

    return run


@pytest.fixture
def workdir(pytester: pytest.Pytester) -> Path:
    """The temporary directory pytester runs in (a vendor's arbitrary cwd)."""
    return pytester.path
