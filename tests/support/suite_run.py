"""Running the packaged suite in-process against a reference server, and reading the outcome
the way a vendor would: exit code, terminal output, and each test's outcome and message."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

import scim_conformance
from scim_conformance.plugin.hooks import SUITE_DIR
from scim_conformance.reference import ReferenceApp, RunningServer, serve


def _import_the_package() -> None:
    """Import every module of the package but the suite into this process, once.

    pytester drops from sys.modules what a test imported, yet the parent package keeps each
    submodule as an attribute: in the next in-process run `from package import module` would
    find the dropped copy while a dotted import loads a fresh one, and the two disagree (two
    MISSING sentinels). What is imported before any run is kept, and shared by every run;
    it also spares each run importing Hypothesis again (seconds).
    """
    for module in pkgutil.walk_packages(scim_conformance.__path__, "scim_conformance."):
        if not module.name.startswith("scim_conformance.suite.") and module.name != (
            "scim_conformance.reference.__main__"
        ):
            importlib.import_module(module.name)


_import_the_package()


@dataclass
class SuiteRun:
    """The outcome of one run of the conformance suite, as a vendor would see it."""

    result: pytest.RunResult
    token: str
    server: RunningServer
    outcomes: dict[str, str] = field(default_factory=dict)  # test name -> passed/failed/skipped
    messages: dict[str, str] = field(default_factory=dict)  # test name -> failure text
    # test name -> the "prerequisite met by fallback" lines its report carries
    fallbacks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """Names (function[params]) of the failed tests."""
        return sorted(name for name, outcome in self.outcomes.items() if outcome == "failed")

    def output(self) -> str:
        """Everything printed to the terminal."""
        return self.result.stdout.str() + "\n" + self.result.stderr.str()


@contextmanager
def reference_server(token: str) -> Iterator[RunningServer]:
    """A fresh reference server on a free loopback port."""
    with serve(ReferenceApp(token)) as server:
        yield server


def _collect_outcomes(run: SuiteRun) -> None:
    """Fill outcomes/messages from the in-process hook recorder."""
    recorder = getattr(run.result, "reprec", None)
    if not hasattr(recorder, "getreports"):
        return  # pytest stopped before running tests (a usage error)
    for report in recorder.getreports("pytest_runtest_logreport"):  # type: ignore[union-attr]
        name = report.nodeid.split("::", 1)[-1]
        for key, value in report.user_properties:
            lines = run.fallbacks.setdefault(name, []) if key == "scim_fallback" else []
            if key == "scim_fallback" and value not in lines:
                lines.append(str(value))
        if report.failed:
            run.outcomes[name] = "failed"
            run.messages[name] = run.messages.get(name, "") + report.longreprtext
        elif report.skipped and name not in run.outcomes:
            run.outcomes[name] = "skipped"
        elif report.when == "call" and name not in run.outcomes:
            run.outcomes[name] = "passed"


def run_suite_in_process(
    pytester: pytest.Pytester,
    app: ReferenceApp,
    *args: str,
    prepare: Callable[[ReferenceApp], None] | None = None,
    properties: bool = False,
    at: str | None = None,
) -> SuiteRun:
    """Serve `app` and run the packaged suite against it in-process.

    `prepare` sees the app once it is served, before the run; `properties` keeps the
    property-based tests in the run; `at` is a path (and query) on the server to use as the
    SCIM URL instead of the app's base path (another form of a tenant URL).
    """
    with serve(app) as server:
        if prepare is not None:
            prepare(server.app)
        url = server.base_url if at is None else server.base_url.removesuffix(app.base_path) + at
        result = pytester.runpytest_inprocess(
            f"--scim-url={url}",
            f"--token={app.token}",
            "-p",
            "no:cacheprovider",
            # Each in-process run would re-import hypothesis (2 s) for its summary line.
            "-p",
            "no:hypothesispytest",
            # The property-based tests (and the generated Entra cycles) take seconds per run;
            # only their own tests need them.
            *([] if properties else [f"--ignore={SUITE_DIR / name}" for name in GENERATED]),
            *args,
        )
        run = SuiteRun(result, app.token, server)
    _collect_outcomes(run)
    return run


# Option sets and test names of the packaged suite that several test modules use.

GENERATED = ("test_properties.py", "test_cycles.py")  # suite files run only with properties

GALLERY = ("--scim-gallery",)
STRICT = ("--scim-strict",)  # proves advisory checks: their findings fail the test
# Only the Webex module is collected: the others are not needed there, and importing them
# again in every in-process run is slow (the property tests load Hypothesis).
ONLY_WEBEX = f"--ignore-glob={SUITE_DIR}/test_[!w]*.py"
# No option chooses the Webex rules: the reference's Webex-style URL does (--scim-endpoint=auto).
WEBEX = ("-m", "webex", ONLY_WEBEX)

# The suite's property-based tests (suite/test_properties.py).
ROUND_TRIP = "test_created_user_reads_back_as_sent"
FILTER = "test_filter_finds_generated_user_name"
CASE_FILTER = "test_filter_ignores_generated_user_name_case"
CASE_CONFLICT = "test_case_changed_user_name_conflicts"
PATCH = "test_patch_sequence_matches_model"
PROPERTIES = (ROUND_TRIP, FILTER, CASE_FILTER, CASE_CONFLICT, f"{PATCH}[legacy]")
PROPERTIES += (f"{PATCH}[aadOptscim062020]",)

# The generated Entra cycles (suite/test_cycles.py), one test per dialect.
CYCLE = "test_entra_cycle_matches_model"
CYCLE_LEGACY, CYCLE_FLAG = f"{CYCLE}[legacy]", f"{CYCLE}[aadOptscim062020]"
