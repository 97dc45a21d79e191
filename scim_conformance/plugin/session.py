"""One run with a target: its settings, its one client and ledger, and the objects the
plugin's hooks delegate to (the reporter, the cleanup, the pacing), set up when the session
starts and kept in pytest's stash.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scim_conformance import __version__
from scim_conformance.checks.failures import AdvisoryFinding
from scim_conformance.config import Settings
from scim_conformance.endpoints import EndpointRules
from scim_conformance.http.client import ClientOptions, ScimClient
from scim_conformance.ledger import Ledger
from scim_conformance.plugin import cleanup, embedded, fixtures, pacing, preflight, sweep
from scim_conformance.plugin.cleanup import RunCleanup
from scim_conformance.plugin.pacing import Pacing
from scim_conformance.plugin.settings import Paths, SettingsError, resolve, shared
from scim_conformance.plugin.stash import CLIENT_KEY, EXCHANGES_KEY, LEDGER_KEY, SETTINGS_KEY
from scim_conformance.reporting import baseline
from scim_conformance.reporting.reporter import RunReporter

_SERVER_KEY = pytest.StashKey[embedded.EmbeddedServer]()
SUITE_DIR = Path(__file__).parent.parent / "suite"
_ADVISORY = f"{AdvisoryFinding.__module__}.{AdvisoryFinding.__qualname__}"


@dataclass(frozen=True)
class RunSession:
    """What the hooks delegate to during a run with a target."""

    settings: Settings
    client: ScimClient
    reporter: RunReporter
    cleanup: RunCleanup
    pacing: Pacing
    named: tuple[str, ...] = ()  # the suite's tests named on the command line (empty: all)


def start(config: pytest.Config) -> RunSession | None:
    """Resolve the options once into Settings; diagnose the target; if there is one, set
    the run up and point collection at the packaged suite."""
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
            paths=chosen_paths(config),
        )
        if settings is None:
            return None
    except (SettingsError, baseline.BaselineError, preflight.PreflightError) as exc:
        raise pytest.UsageError(str(exc)) from None
    known = loaded[0]
    config.stash[SETTINGS_KEY] = settings
    if settings.strict:
        # --scim-strict: advisory findings (warnings) become failures of their tests (the
        # gate's side of it is decided with the verdict, reporting/verdict.py).
        config.addinivalue_line("filterwarnings", "error::" + _ADVISORY)
    client = ScimClient(ClientOptions.of(settings))
    config.stash[CLIENT_KEY] = client
    config.add_cleanup(client.close)
    ledger = Ledger(client, run_prefix=settings.run_prefix, keep=settings.keep)
    config.stash[LEDGER_KEY] = ledger
    if settings.sweep:
        sweep.run(config, client, yes=settings.yes)
    # After the sweep: it deletes other runs' leftovers, writes the ledger would refuse.
    run_cleanup = cleanup.install(config, ledger)
    # The suite directory as the only initial path (the suite's tests the user named are
    # selected after collection, `select_named`): node ids then read
    # "test_connection.py::test_…" wherever the package is installed.
    named = named_in_suite(config)
    config.args[:] = [str(SUITE_DIR)]
    # The suite's fixtures of the run's objects (plugin/fixtures.py): only with a target.
    # Registered as a module (not imported by name): pytest would warn that it cannot
    # rewrite its asserts, and it has none.
    config.pluginmanager.register(fixtures, "scim-conformance-fixtures")
    return RunSession(
        settings=settings,
        client=client,
        reporter=RunReporter(config, settings, EXCHANGES_KEY, known, ledger),
        cleanup=run_cleanup,
        pacing=Pacing(config, client, settings.rate),
        named=named,
    )


def _given_paths(config: pytest.Config) -> list[str]:
    """The test paths and node ids given on the command line (or in addopts)."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return []
    return [str(arg) for arg in config.args]


def _suite_path(config: pytest.Config, arg: str) -> str | None:
    """`arg` as a node id of the packaged suite ("" for all of it, else "test_x.py" or
    "test_x.py::test_y"), or None when it names something else."""
    path, sep, rest = arg.partition("::")
    suite = SUITE_DIR.resolve()
    here = (config.invocation_params.dir / path).resolve()
    if not here.is_relative_to(suite):
        if here.exists() or not path or not (suite / path).exists():
            return None
        here = suite / path  # a node id as the suite's reports print it
    relative = here.relative_to(suite).as_posix()
    return "" if relative == "." else relative + sep + rest


def chosen_paths(config: pytest.Config) -> Paths:
    """The test paths the user chose: those outside the suite, and whether `testpaths` gave
    them (a target from the environment does not replace either)."""
    outside = tuple(arg for arg in _given_paths(config) if _suite_path(config, arg) is None)
    return Paths(outside, config.args_source == pytest.Config.ArgsSource.TESTPATHS)


def named_in_suite(config: pytest.Config) -> tuple[str, ...]:
    """The suite's tests the user named by path or node id (empty: all of them)."""
    named = [_suite_path(config, arg) for arg in _given_paths(config)]
    return () if "" in named else tuple(prefix for prefix in named if prefix)


def select_named(config: pytest.Config, items: list[pytest.Item], named: tuple[str, ...]) -> None:
    """Keep only the suite's tests the user named: the suite directory is collected whole,
    so node ids read the same however the tests were named."""
    if not named:
        return
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        chosen = any(
            item.nodeid == prefix or item.nodeid.startswith((f"{prefix}::", f"{prefix}["))
            for prefix in named
        )
        (kept if chosen else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _preflight(config: pytest.Config) -> Callable[[Settings], EndpointRules]:
    """The controller's preflight; with --collect-only (no network) only for --scim-sweep."""

    def probe(settings: Settings) -> EndpointRules:
        if settings.sweep or not config.getoption("collectonly"):
            return preflight.diagnose(settings)
        return settings.endpoint

    return probe


def shared_with_workers(config: pytest.Config) -> dict[str, Any] | None:
    """What every pytest-xdist worker takes from the controller: its target and one run
    prefix (the token travels over xdist's own channel, never to an output)."""
    settings = config.stash.get(SETTINGS_KEY, None)
    return None if settings is None else shared(settings)


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


def stop_reference_server(config: pytest.Config) -> None:
    """Stop the embedded reference server, if one was started."""
    server = config.stash.get(_SERVER_KEY, None)
    if server is not None:
        server.stop()


def target_line(settings: Settings) -> str:
    """The header's first line: the target, and where it came from unless the command line."""
    target = "bundled reference server " if settings.reference else ""
    source = settings.target_source
    if source.startswith("ini option"):
        target = f"target from {source}: {target}"
    elif source not in ("command line", "controller"):
        target = f"target from environment variable {source}: {target}"
    return f"scim-conformance {__version__}: {target}{settings.base_url}"


def header_lines(settings: Settings) -> list[str]:
    """The target (first), dialects, profile and run prefix; never the token."""
    insecure = ["WARNING: TLS certificate verification is OFF (--scim-insecure)"]
    return [
        target_line(settings),
        *settings.notices,
        *(insecure if settings.tls_verify is False else []),
        f"Entra dialects: {', '.join(settings.dialects)}; profile: {settings.profile.name}; "
        f"run prefix: {settings.run_prefix}",
        settings.endpoint.line(),
    ]


def announce_without_header(config: pytest.Config, settings: Settings) -> None:
    """With -q (no header), still say where a target from outside the command line came
    from, and which deprecated names were used: one line each."""
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    header_shown = config.get_verbosity() >= 0 and not config.getoption("no_header")
    if terminal is None or header_shown:
        return
    if settings.target_source not in ("command line", "controller"):
        terminal.write_line(target_line(settings))
    for notice in settings.notices:
        terminal.write_line(notice)
