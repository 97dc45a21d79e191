"""The pytest plugin: options, the run's settings, collection of the packaged suite, reporting.

With a target (`--scim-url`, `SCIM_URL`, or `--scim-reference`) pytest runs the
packaged conformance suite and only it; without one pytest behaves as usual.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import signal
import sys
import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scim_conformance import __version__
from scim_conformance.checks.failures import AdvisoryFinding, ConformanceFailure
from scim_conformance.http.client import (
    ScimClient,
    TransportFailure,
    describe_transport_error,
    ssl_verify,
)
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.plugin import sweep
from scim_conformance.plugin.settings import Settings, SettingsError, resolve
from scim_conformance.properties import runner as properties
from scim_conformance.reporting import baseline
from scim_conformance.reporting import html_extras as html_report
from scim_conformance.reporting.reporter import RunReporter

SETTINGS_KEY = pytest.StashKey[Settings]()
EXCHANGES_KEY = pytest.StashKey[list[Exchange]]()
_SERVER_KEY = pytest.StashKey[contextlib.ExitStack]()
_CLIENT_KEY = pytest.StashKey[ScimClient]()
_LEDGER_KEY = pytest.StashKey[Ledger]()
SUITE_DIR = Path(__file__).parent.parent / "suite"
_ADVISORY = f"{AdvisoryFinding.__module__}.{AdvisoryFinding.__qualname__}"

MARKERS = {
    "test_connection": "Entra's Test Connection probes (entra-sequences.md §1)",
    "matching": "the matching-attribute filter Entra sends before every write (§2)",
    "create": "user creation (§3)",
    "get": "read by id (§4)",
    "update": "PATCH updates in Entra's dialects (§5)",
    "deactivate": "soft delete and restore via active (§6)",
    "delete": "hard delete (§7, §8g)",
    "groups": "group provisioning (§8)",
    "discovery": "schema discovery: /ServiceProviderConfig, /ResourceTypes, /Schemas (§9)",
    "listing": "pagination, attributes/excludedAttributes and content type (§9, §11)",
    "load": "the opt-in load check (--scim-load): 25 requests per second (R20)",
    "properties": "property-based checks with generated users and PATCH sequences",
    "webex": "checks of the Webex profile (--scim-profile=webex)",
}


SEVERITY_MARKERS = {
    "entra_breaking": "entra-breaking: provisioning would fail or corrupt data",
    "rfc": "an RFC MUST that Entra tolerates",
    "advisory": "SHOULD-level, reported only (fails with --scim-strict)",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options, grouped under 'scim-conformance' in `pytest --help`."""
    group = parser.getgroup(
        "scim-conformance",
        "scim-conformance (replay Microsoft Entra ID provisioning against a SCIM endpoint)",
    )
    group.addoption(
        "--scim-url",
        dest="scim_url",
        metavar="URL",
        help="SCIM base URL (Entra's Tenant URL), e.g. https://api.example.com/scim/v2. "
        "Runs the packaged conformance suite, and only it. Env: SCIM_URL; ini: scim_url.",
    )
    group.addoption(
        "--token",
        "--scim-token",
        dest="scim_token",
        metavar="TOKEN",
        help="Bearer token Entra would send (its Secret Token). Env: SCIM_TOKEN (preferred in "
        "CI: keeps the secret off the command line). Never printed: redacted in every output.",
    )
    group.addoption(
        "--scim-reference",
        action="store_true",
        dest="scim_reference",
        help="Start the bundled Webex-style reference server on a free loopback port and "
        "run the suite against it (no URL or token needed).",
    )
    group.addoption(
        "--entra-dialect",
        dest="entra_dialect",
        choices=("legacy", "aadOptscim062020", "both"),
        help="Entra PATCH dialect(s) to replay: legacy (default client), aadOptscim062020 "
        "(tenant URL flag), or both (default; a URL ending in ?aadOptscim062020 implies the flag "
        "dialect). Env: SCIM_ENTRA_DIALECT; ini: entra_dialect.",
    )
    group.addoption(
        "--scim-profile",
        dest="scim_profile",
        metavar="NAME|FILE",
        help="Attribute mapping Entra's provisioning job uses: entra-default (the generic "
        "SCIM app, default), webex (the Cisco Webex gallery app, adds Webex checks), or a "
        "TOML profile file (see README). Env: SCIM_PROFILE; ini: scim_profile.",
    )
    group.addoption(
        "--scim-timeout",
        dest="scim_timeout",
        metavar="SECONDS",
        help="Per-request timeout (default 60, Entra's budget). Env: SCIM_TIMEOUT.",
    )
    group.addoption(
        "--scim-user-domain",
        dest="scim_user_domain",
        metavar="DOMAIN",
        help="Email domain of generated userNames (default example.com; Webex needs a "
        "verified domain of the org). Env: SCIM_USER_DOMAIN.",
    )
    group.addoption(
        "--scim-allow-http",
        action="store_true",
        dest="scim_allow_http",
        help="Allow sending the token over plain http:// to a non-loopback host.",
    )
    group.addoption(
        "--scim-gallery",
        action="store_true",
        dest="scim_gallery",
        help="The app is (or will be) in Entra's app gallery: the discovery endpoints "
        "(/ServiceProviderConfig, /ResourceTypes, /Schemas) become required, not advisory.",
    )
    group.addoption(
        "--scim-json",
        dest="scim_json",
        metavar="PATH",
        help="Write machine-readable results (verdict, per-test severity, rule, redacted "
        "exchanges) to PATH; format documented by schemas/results.json (schema_version 1).",
    )
    group.addoption(
        "--scim-baseline",
        dest="scim_baseline",
        metavar="FILE",
        help="TOML file of known deviations: listed tests may fail without failing the run; "
        "a listed test that passes is reported (XPASS).",
    )
    group.addoption(
        "--scim-baseline-strict",
        action="store_true",
        dest="scim_baseline_strict",
        help="A baseline entry whose test now passes fails the run (so it gets removed).",
    )
    group.addoption(
        "--scim-write-baseline",
        dest="scim_write_baseline",
        metavar="FILE",
        help="Write a baseline listing every test that failed in this run.",
    )
    group.addoption(
        "--scim-max-retry-wait",
        dest="scim_max_retry_wait",
        metavar="SECONDS",
        help="Longest wait honoured for a 429/503 Retry-After, and the cap of the backoff "
        "used without one (default 60). Retries show in the transcript.",
    )
    group.addoption(
        "--scim-rate",
        dest="scim_rate",
        metavar="N",
        help="Send at most N requests per second (tenants with strict quotas).",
    )
    group.addoption(
        "--scim-ca-bundle",
        dest="scim_ca_bundle",
        metavar="FILE",
        help="PEM file of the CA that signed the server's certificate (private CAs).",
    )
    group.addoption(
        "--scim-insecure",
        action="store_true",
        dest="scim_insecure",
        help="Do not verify the server's TLS certificate (a warning says so in every report).",
    )
    group.addoption(
        "--scim-keep",
        action="store_true",
        dest="scim_keep",
        help="Leave the users and groups the run created (for debugging) and print their ids.",
    )
    group.addoption(
        "--scim-sweep",
        action="store_true",
        dest="scim_sweep",
        help="Instead of testing, find and delete leftovers of earlier interrupted runs "
        "(only resources named with the suite's run prefix), listing them first.",
    )
    group.addoption(
        "--yes",
        action="store_true",
        dest="scim_yes",
        help="With --scim-sweep: delete without asking (required when not on a terminal).",
    )
    group.addoption(
        "--scim-load",
        action="store_true",
        dest="scim_load",
        help="Also run the load check (off by default; never point it at a tenant without "
        "meaning to): an Entra-like request mix at --scim-load-rate for --scim-load-duration.",
    )
    group.addoption(
        "--scim-load-rate",
        dest="scim_load_rate",
        metavar="N",
        default="25",
        help="Requests per second the load check drives (default 25, Microsoft's gallery "
        "requirement).",
    )
    group.addoption(
        "--scim-load-duration",
        dest="scim_load_duration",
        metavar="SECONDS",
        default="10",
        help="How long the load check runs (default 10).",
    )
    group.addoption(
        "--scim-strict",
        action="store_true",
        dest="scim_strict",
        help="Fail on advisory (SHOULD-level) findings too.",
    )
    properties.add_options(group)
    for name, help_text in (
        ("scim_url", "SCIM base URL (see --scim-url)"),
        ("entra_dialect", "Entra dialect(s): legacy, aadOptscim062020 or both"),
        ("scim_timeout", "per-request timeout in seconds"),
        ("scim_user_domain", "email domain of generated userNames"),
        ("scim_profile", "attribute-mapping profile: entra-default, webex or a TOML file"),
    ):
        parser.addini(name, help_text)


def pytest_configure(config: pytest.Config) -> None:
    """Register the suite's markers."""
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.addinivalue_line("markers", "dialect_specific: runs once per Entra PATCH dialect")
    config.addinivalue_line("markers", "entra: every test of the SCIM conformance suite")
    for name, text in SEVERITY_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: the test's main check is {text}")
    config.addinivalue_line(
        "markers", "severity(name): the severity marker a test gets (entra_breaking, rfc, advisory)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Resolve the target; if there is one, point collection at the packaged suite."""
    config = session.config
    reference_url = reference_token = None
    shared = getattr(config, "workerinput", {}).get("scim_shared")
    if shared is not None:  # a pytest-xdist worker: use the controller's target and prefix
        reference_url, reference_token = shared["url"], shared["token"]
    elif config.getoption("scim_reference"):
        reference_url, reference_token = _start_reference_server(config)
    try:
        settings = resolve(
            config.getoption,
            config.getini,
            reference_url=reference_url,
            reference_token=reference_token,
        )
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings is None:
        return
    if shared is not None:
        settings = dataclasses.replace(settings, run_prefix=shared["run_prefix"])
    config.stash[SETTINGS_KEY] = settings
    if settings.strict:
        # --scim-strict: advisory findings become failures (DESIGN.md promise 3).
        config.addinivalue_line("filterwarnings", "error::" + _ADVISORY)
    client = ScimClient(settings)
    config.stash[_CLIENT_KEY] = client
    config.add_cleanup(client.close)
    config.stash[_LEDGER_KEY] = Ledger(client, keep=bool(config.getoption("scim_keep")))
    _stop_cleanly_on_sigterm(config)
    if config.getoption("scim_sweep"):
        _probe_reachable(settings)
        _sweep(config, client)
    # The suite directory as the only initial path: node ids then read
    # "test_connection.py::test_…" wherever the package is installed.
    config.args[:] = [str(SUITE_DIR)]
    if not config.getoption("collectonly"):
        _probe_reachable(settings)
    config.pluginmanager.register(
        RunReporter(
            config, settings, EXCHANGES_KEY, _load_baseline(config), config.stash[_LEDGER_KEY]
        ),
        "scim-conformance-reporter",
    )


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker tests the controller's target under one run prefix (the
    token travels over xdist's own channel to the worker process, never to an output)."""
    settings = node.config.stash.get(SETTINGS_KEY, None)
    if settings is not None:
        node.workerinput["scim_shared"] = {
            "url": settings.base_url,
            "token": settings.token,
            "run_prefix": settings.run_prefix,
        }


def _load_baseline(config: pytest.Config) -> baseline.Baseline | None:
    path = config.getoption("scim_baseline")
    if not path:
        return None
    try:
        return baseline.load(Path(path))
    except baseline.BaselineError as exc:
        raise pytest.UsageError(str(exc)) from None


def _start_reference_server(config: pytest.Config) -> tuple[str, str]:
    from scim_conformance.reference import ReferenceApp, serve

    token = secrets.token_urlsafe(24)
    stack = contextlib.ExitStack()
    running = stack.enter_context(serve(ReferenceApp(token)))
    config.stash[_SERVER_KEY] = stack
    return running.base_url, token


def _probe_reachable(settings: Settings) -> None:
    """An unreachable host is a usage error before any test runs, not forty failures."""
    try:
        httpx.get(
            settings.base_url,
            timeout=min(settings.timeout, 15.0),
            follow_redirects=False,
            verify=ssl_verify(settings.tls_verify),
        )
    except httpx.HTTPError as exc:
        reason = describe_transport_error(exc, min(settings.timeout, 15.0))
        raise pytest.UsageError(f"cannot reach {settings.base_url}: {reason}") from None


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the embedded reference server, if one was started."""
    stack = config.stash.get(_SERVER_KEY, None)
    if stack is not None:
        stack.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Show the target and dialects, never the token."""
    settings = config.stash.get(SETTINGS_KEY, None)
    return [] if settings is None else _header_lines(config, settings)


def _header_lines(config: pytest.Config, settings: Settings) -> list[str]:
    target = "bundled reference server " if config.getoption("scim_reference") else ""
    insecure = ["WARNING: TLS certificate verification is OFF (--scim-insecure)"]
    return [
        *(insecure if settings.tls_verify is False else []),
        f"scim-conformance {__version__}: {target}{settings.base_url}",
        f"Entra dialects: {', '.join(settings.dialects)}; profile: {settings.profile.name}; "
        f"run prefix: {settings.run_prefix}",
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
        failure = excinfo.value
        report.longrepr = _with_notes(
            failure,
            f"[entra-breaking] No usable HTTP response\n  {failure}\n"
            "  Entra:    logs Timeout or the connection error and retries in a later cycle [S9]\n"
            f"  reproduce:\n    {failure.exchange.curl()}",
        )
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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Give each test its own transcript, before any of its fixtures send a request."""
    exchanges: list[Exchange] = []
    item.stash[EXCHANGES_KEY] = exchanges
    client = item.config.stash.get(_CLIENT_KEY, None)
    if client is not None:
        client.sink = exchanges


def _sweep(config: pytest.Config, client: ScimClient) -> None:
    """--scim-sweep: list the leftovers of earlier runs, confirm, delete, and stop."""
    writer = config.get_terminal_writer()
    leftovers = sweep.find_leftovers(client)
    if not leftovers:
        pytest.exit("--scim-sweep: no leftovers of earlier runs found", returncode=0)
    writer.line(f"--scim-sweep found {len(leftovers)} leftover(s) of earlier runs:")
    for leftover in leftovers:
        writer.line(f"  {leftover}")
    if not config.getoption("scim_yes") and not _confirmed(config, len(leftovers)):
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


def _stop_cleanly_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM (a CI job cancelled) behaves like Ctrl-C, so cleanup still runs."""
    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    config.add_cleanup(restore)


def client_of(config: pytest.Config) -> ScimClient:
    """The run's one client (created when the session starts)."""
    return config.stash[_CLIENT_KEY]


def settings_of(config: pytest.Config) -> Settings:
    """The run's settings (only set when a target was given)."""
    return config.stash[SETTINGS_KEY]
