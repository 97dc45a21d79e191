"""The pytest plugin: options, the run's settings, collection of the packaged suite, reporting.

With a target (`--scim-url`, `SCIM_URL`, or `--scim-reference`) pytest runs the
packaged conformance suite and only it; without one pytest behaves as usual.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from scim_conformance import __version__
from scim_conformance.checks.failures import (
    AdvisoryFinding,
    ConformanceFailure,
    transport_finding,
)
from scim_conformance.config import Settings
from scim_conformance.endpoints import EndpointRules
from scim_conformance.http.client import ClientOptions, ScimClient, TransportFailure
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.plugin import cleanup, embedded, options, pacing, preflight, sweep
from scim_conformance.plugin.settings import SettingsError, resolve, shared
from scim_conformance.reporting import baseline
from scim_conformance.reporting import html_extras as html_report
from scim_conformance.reporting.reporter import RunReporter
from scim_conformance.sequences import SEQUENCES, SEVERITY_MARKERS

SETTINGS_KEY = pytest.StashKey[Settings]()
EXCHANGES_KEY = pytest.StashKey[list[Exchange]]()
_SERVER_KEY = pytest.StashKey[embedded.EmbeddedServer]()
_CLIENT_KEY = pytest.StashKey[ScimClient]()
_LEDGER_KEY = pytest.StashKey[Ledger]()
SUITE_DIR = Path(__file__).parent.parent / "suite"
_ADVISORY = f"{AdvisoryFinding.__module__}.{AdvisoryFinding.__qualname__}"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options, grouped under 'scim-conformance' in `pytest --help` (declared in options.py)."""
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Register the suite's markers."""
    for sequence in SEQUENCES.values():
        config.addinivalue_line("markers", f"{sequence.marker}: {sequence.covers}")
    config.addinivalue_line("markers", "dialect_specific: runs once per Entra PATCH dialect")
    config.addinivalue_line("markers", "entra: every test of the SCIM conformance suite")
    for name, text in SEVERITY_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: the test's main check is {text}")
    config.addinivalue_line(
        "markers",
        "severity(name): the severity marker a test gets (entra_breaking, rfc, webex_clients, "
        "advisory)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Resolve the options once into Settings; diagnose the target; if there is one, point
    collection at the packaged suite."""
    config = session.config
    controller = getattr(config, "workerinput", {}).get("scim_shared")
    loaded: list[baseline.Baseline | None] = []
    try:
        settings = resolve(
            config.getoption,
            config.getini,
            start_reference=lambda: _start_reference_server(config),
            controller=controller,
            workers=pacing.worker_count(config),
            checked=lambda settings: loaded.append(_load_baseline(settings)),
            preflight=_preflight(config),
        )
        if settings is None:
            return
    except (SettingsError, baseline.BaselineError, preflight.PreflightError) as exc:
        raise pytest.UsageError(str(exc)) from None
    known = loaded[0]
    config.stash[SETTINGS_KEY] = settings
    if settings.strict:
        # --scim-strict: advisory findings (warnings) become failures.
        config.addinivalue_line("filterwarnings", "error::" + _ADVISORY)
    client = ScimClient(ClientOptions.of(settings))
    config.stash[_CLIENT_KEY] = client
    config.add_cleanup(client.close)
    config.stash[_LEDGER_KEY] = Ledger(client, run_prefix=settings.run_prefix, keep=settings.keep)
    if settings.sweep:
        _sweep(config, client, settings)
    # After the sweep: it deletes other runs' leftovers, writes the ledger would refuse.
    cleanup.install(config, config.stash[_LEDGER_KEY])
    pacing.install(config, client, settings.rate)
    # The suite directory as the only initial path: node ids then read
    # "test_connection.py::test_…" wherever the package is installed.
    config.args[:] = [str(SUITE_DIR)]
    config.pluginmanager.register(
        RunReporter(config, settings, EXCHANGES_KEY, known, config.stash[_LEDGER_KEY]),
        "scim-conformance-reporter",
    )
    # The suite's fixtures of the run's objects (plugin/session.py): only with a target.
    config.pluginmanager.import_plugin("scim_conformance.plugin.session")


def _preflight(config: pytest.Config) -> Callable[[Settings], EndpointRules]:
    """The controller's preflight; with --collect-only (no network) only for --scim-sweep."""

    def probe(settings: Settings) -> EndpointRules:
        if settings.sweep or not config.getoption("collectonly"):
            return preflight.diagnose(settings)
        return settings.endpoint

    return probe


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker tests the controller's target under one run prefix (the
    token travels over xdist's own channel to the worker process, never to an output)."""
    settings = node.config.stash.get(SETTINGS_KEY, None)
    if settings is not None:
        node.workerinput["scim_shared"] = shared(settings)


def _load_baseline(settings: Settings) -> baseline.Baseline | None:
    """The known deviations (--scim-baseline); a bad file is a usage error before the preflight."""
    return None if settings.baseline_path is None else baseline.load(settings.baseline_path)


def _start_reference_server(config: pytest.Config) -> tuple[str, str]:
    """The bundled server's URL and token (on the controller; workers take its URL)."""
    token = secrets.token_urlsafe(24)
    try:
        server = embedded.start(token)
    except (OSError, embedded.EmbeddedServerError) as exc:
        raise pytest.UsageError(f"--scim-reference: {exc}") from None
    config.stash[_SERVER_KEY] = server
    return server.base_url, token


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the embedded reference server, if one was started."""
    server = config.stash.get(_SERVER_KEY, None)
    if server is not None:
        server.stop()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Show the target and dialects, never the token."""
    settings = config.stash.get(SETTINGS_KEY, None)
    return [] if settings is None else _header_lines(settings)


def _header_lines(settings: Settings) -> list[str]:
    target = "bundled reference server " if settings.reference else ""
    insecure = ["WARNING: TLS certificate verification is OFF (--scim-insecure)"]
    return [
        *(insecure if settings.tls_verify is False else []),
        f"scim-conformance {__version__}: {target}{settings.base_url}",
        f"Entra dialects: {', '.join(settings.dialects)}; profile: {settings.profile.name}; "
        f"run prefix: {settings.run_prefix}",
        settings.endpoint.line(),
    ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Replace tracebacks of conformance failures by their message; attach the transcript."""
    report = yield
    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, (ConformanceFailure, AdvisoryFinding)):
        # Notes carry hypothesis's falsifying example when a property check fails.
        report.longrepr = _with_notes(excinfo.value, str(excinfo.value))
    elif excinfo is not None and isinstance(excinfo.value, TransportFailure):
        report.longrepr = _with_notes(excinfo.value, transport_finding(excinfo.value).render())
    exchanges = item.stash.get(EXCHANGES_KEY, None)
    if exchanges and (report.when == "call" or report.failed):
        _attach_transcript(report, exchanges)
    return report


def _with_notes(error: BaseException, text: str) -> str:
    return "\n".join([text, *getattr(error, "__notes__", [])])


def _attach_transcript(report: pytest.TestReport, exchanges: list[Exchange]) -> None:
    # The terminal gets one line per exchange; the HTML report the whole transcript.
    report.sections.append(("SCIM exchanges", "\n".join(ex.summary() for ex in exchanges)))
    html_report.attach(report, exchanges)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Give each test its own transcript, from before its fixtures send a request until
    after they are torn down."""
    exchanges: list[Exchange] = []
    item.stash[EXCHANGES_KEY] = exchanges
    client = item.config.stash.get(_CLIENT_KEY, None)
    with client.recording(exchanges) if client is not None else contextlib.nullcontext():
        return (yield)


def _sweep(config: pytest.Config, client: ScimClient, settings: Settings) -> None:
    """--scim-sweep: list the leftovers of earlier runs, confirm, delete, and stop."""
    writer = config.get_terminal_writer()
    leftovers = sweep.find_leftovers(client)
    if not leftovers:
        pytest.exit("--scim-sweep: no leftovers of earlier runs found", returncode=0)
    writer.line(f"--scim-sweep found {len(leftovers)} leftover(s) of earlier runs:")
    for leftover in leftovers:
        writer.line(f"  {leftover}")
    if not settings.yes and not _confirmed(config, len(leftovers)):
        pytest.exit(
            "--scim-sweep: nothing deleted; pass --yes to delete the resources listed above",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    for line in sweep.delete(client, leftovers):
        writer.line(f"  {line}")
    pytest.exit(f"--scim-sweep: done ({len(leftovers)} resource(s))", returncode=0)


def _confirmed(config: pytest.Config, count: int) -> bool:
    """Ask on a terminal; anywhere else the answer is no (use --yes)."""
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if not sys.stdin.isatty():
            return False
        answer = input(f"Delete these {count} resource(s)? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def ledger_of(config: pytest.Config) -> Ledger:
    """The run's ledger of created resources."""
    return config.stash[_LEDGER_KEY]


def client_of(config: pytest.Config) -> ScimClient:
    """The run's one client (created when the session starts)."""
    return config.stash[_CLIENT_KEY]


def settings_of(config: pytest.Config) -> Settings:
    """The run's settings (only set when a target was given)."""
    return config.stash[SETTINGS_KEY]
