"""Resolving the run's settings: the one place a `config.Settings` is built, once per process.

`resolve` reads every option of the table in `options.py` (command line > environment >
ini; in the environment the `SCIM_CONFORMANCE_*` name, then its deprecated `SCIM_*` alias),
checks each value and the combinations, takes the target (a URL, the bundled reference
server, or on a pytest-xdist worker the controller's), and returns the frozen Settings the
rest of the code reads; nothing else reads the options. A bad value is one line that names
the option and where the value came from. The token is taken from the command line or the
environment only, never from an ini file: a secret checked into pytest.ini would leak with
the repository.

The suite runs only when asked: a target from the environment or an ini file does not
replace test paths the user gave outside the packaged suite (pytest runs those as usual,
and needs no token), nor, from a deprecated `SCIM_*` name, the project's `testpaths`; a
target or any other option of the plugin on the command line together with such paths is a
usage error (the suite runs alone, with its own verdict and gate).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from scim_conformance.config import DIALECTS, Settings, parse_dialects
from scim_conformance.endpoints import EndpointRules, choose
from scim_conformance.gallery.client_settings import (
    client_credentials,
    oauth_client,
    oauth_client_fields,
)
from scim_conformance.http.retry import share_of_rate
from scim_conformance.plugin import options as opt
from scim_conformance.plugin.values import refuse_plain_http
from scim_conformance.profiles import ENTRA_FULL
from scim_conformance.severity import Severity

__all__ = ["DIALECTS", "Settings", "SettingsError", "parse_dialects", "resolve", "shared"]
T = TypeVar("T")
Lookup = Callable[[str], object]


class SettingsError(ValueError):
    """A bad option value; its message is the one-line usage error shown to the user."""


def new_run_prefix() -> str:
    """A unique prefix marking every resource this run creates (so cleanup and --scim-sweep
    can tell the suite's resources from the tenant's own)."""
    return "scimconf-" + secrets.token_hex(4)


@dataclass(frozen=True)
class Raw:
    """An option's value as text, and where it came from ('command line', an env name...)."""

    text: str
    source: str


@dataclass(frozen=True)
class Paths:
    """The test paths the user chose, as the session found them (`session.chosen_paths`)."""

    outside: tuple[str, ...] = ()  # given on the command line, outside the packaged suite
    testpaths: bool = False  # pytest took its paths from the ini's `testpaths`


class Sources:
    """Where option values come from, in precedence order: command line, environment (the
    current name, then the deprecated one), ini."""

    def __init__(self, option: Lookup, ini: Lookup, env: Mapping[str, str]) -> None:
        self._option, self._ini, self._env = option, ini, env
        self.deprecated: dict[str, str] = {}  # old environment name used -> its new name

    def raw(self, option: opt.Option[T]) -> Raw | None:
        """The value that wins, or None when no source sets it (empty values do not count)."""
        candidates = [(self._option(option.dest), "command line")]
        for name in (option.env, option.old_env):
            if name:
                candidates.append((self._env.get(name), name))
        if option.ini:
            candidates.append((self._ini(option.ini), f"ini option {option.ini}"))
        for value, source in candidates:
            if value in (None, "", False):
                continue
            if option.env and source == option.old_env:
                self.deprecated[source] = option.env
            return Raw("" if value is True else str(value), source)  # True: a switch that is on
        return None

    def on_command_line(self) -> Iterator[opt.Option[object]]:
        """The options given on the command line (or in addopts)."""
        for option in opt.OPTIONS:
            if self._option(option.dest) not in (None, "", False):
                yield option

    def value(self, option: opt.Option[T]) -> T:
        """The option's parsed value, its default when unset; a bad value is a SettingsError."""
        raw = self.raw(option)
        if raw is None:
            return option.default
        if option.parse is None:
            return cast(T, True)
        try:
            return option.parse(raw.text)
        except ValueError as exc:
            raise SettingsError(_describe_error(option, raw.source, str(exc))) from None


def _describe_error(option: opt.Option[T], source: str, problem: str) -> str:
    """One line: where the value came from, the option, what is wrong with the value."""
    message = problem if problem.startswith(option.name) else f"{option.name} {problem}"
    message = " ".join(message.splitlines())  # e.g. a TOML error of a profile file
    return message if source == "command line" else f"{source}: {message}"


def tls_verify(insecure: bool, ca_bundle: Path | None) -> bool | str:
    """TLS verification: on by default; a private CA file; or off (--scim-insecure)."""
    if insecure and ca_bundle:
        raise SettingsError("--scim-insecure and --scim-ca-bundle exclude each other")
    if insecure:
        return False
    return str(ca_bundle) if ca_bundle else True


def _oauth_client(sources: Sources, env: Mapping[str, str]) -> tuple[str, str, str] | None:
    """--scim-token-endpoint, --scim-client-id and the secret (environment only), or None."""
    try:
        return oauth_client(sources.value(opt.TOKEN_ENDPOINT), sources.value(opt.CLIENT_ID), env)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _target(sources: Sources, paths: Paths) -> str | None:
    """Where the target comes from ("command line", an environment variable, an ini
    option), or None when the suite is not to run; a usage error when the target is given
    twice, when options of the plugin are given without a target, or together with test
    paths outside the suite."""
    url = sources.raw(opt.URL)
    reference = sources.raw(opt.REFERENCE) is not None
    # Only the command line counts as asking: SCIM_CONFORMANCE_* variables and ini values
    # must not break an unrelated pytest run (pytest then behaves as usual).
    given = [option.name for option in sources.on_command_line()]
    if paths.outside and given and (reference or url is not None):
        shown = " ".join(paths.outside[:3]) + (" ..." if len(paths.outside) > 3 else "")
        raise SettingsError(
            f"test paths outside the conformance suite ({shown}) given with "
            f"{', '.join(given)}: the suite runs alone; run your own tests in a pytest run "
            "of their own"
        )
    if reference and url is not None:
        where = opt.URL.name if url.source == "command line" else url.source
        raise SettingsError(
            f"--scim-reference and {where} both name a target: test the bundled server "
            "or your URL, not both"
        )
    if not reference and url is None:
        if given:
            raise SettingsError(
                f"{', '.join(given)} given without a target: pass --scim-url=URL (or set "
                f"{opt.URL.env}) to test your endpoint, or --scim-reference to test the "
                "bundled server"
            )
        return None
    if paths.outside:
        return None  # the user's own tests, as usual: a target in the environment is ignored
    if url is not None and url.source == opt.URL.old_env and paths.testpaths and not given:
        return None  # an app's own SCIM_URL does not replace the project's `testpaths`
    return "command line" if reference else url.source if url is not None else "command line"


def deprecation_notice(deprecated: Mapping[str, str]) -> str | None:
    """One line naming the deprecated environment variables used, and their new names."""
    if not deprecated:
        return None
    old, new = ", ".join(deprecated), ", ".join(deprecated.values())
    return (
        f"deprecated environment variable(s) {old}: rename to {new} (SCIM_* names clash "
        "with apps' own settings; the old names will be removed)"
    )


def shared(settings: Settings) -> dict[str, Any]:
    """What a pytest-xdist worker takes from the controller (`resolve(controller=...)`): the
    target, the run prefix, and the endpoint's rules the controller decided."""
    return {
        "url": settings.base_url,
        "token": settings.token,
        "run_prefix": settings.run_prefix,
        "endpoint": dataclasses.asdict(settings.endpoint),
        # What the token endpoint said of the run's token (never the client secret).
        "oauth": {
            "token_endpoint": settings.token_endpoint,
            "client_id": settings.client_id,
            "token_lifetime": settings.token_lifetime,
            "token_type": settings.token_type,
        },
    }


def resolve(
    option: Lookup,
    ini: Lookup,
    env: Mapping[str, str] = os.environ,
    *,
    start_reference: Callable[[], tuple[str, str]],
    controller: Mapping[str, Any] | None = None,
    workers: int = 1,
    checked: Callable[[Settings], None] | None = None,
    preflight: Callable[[Settings], EndpointRules] | None = None,
    paths: Paths = Paths(),
) -> Settings | None:
    """Build the run's Settings from pytest options, ini values and the environment.

    Returns None when no target was given, or only from the environment or ini while
    `paths` has test paths outside the suite: pytest then behaves as usual. The target:

    * on a pytest-xdist worker, `controller` (from `shared`): its URL, token, run prefix and
      endpoint rules; --scim-rate is the run's total, so the worker sends its share of it
      over `workers`;
    * else with --scim-reference, `start_reference` (called once every value is known to be
      valid) gives the bundled server's URL and token;
    * else --scim-url and --token.

    `checked` sees the settings before any request (a bad baseline file is a usage error
    before the preflight); on the controller `preflight` then probes the target and decides
    the endpoint's rules the URL left open.
    """
    sources = Sources(option, ini, env)
    # A worker runs what its controller decided to run.
    target_source = "controller" if controller is not None else _target(sources, paths)
    if target_source is None:
        return None
    value = sources.value
    reference, url, token = value(opt.REFERENCE), value(opt.URL), value(opt.TOKEN)
    oauth_client = _oauth_client(sources, env)
    if not reference:
        if not token and oauth_client is None:
            raise SettingsError(
                f"no token: pass --token=... or set {opt.TOKEN.env} (the bearer token Entra "
                "would use)"
            )
        try:
            refuse_plain_http(url or "", allow_http=value(opt.ALLOW_HTTP))
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
    endpoint, raw_endpoint = value(opt.ENDPOINT), sources.raw(opt.ENDPOINT)
    endpoint_source = raw_endpoint.source if raw_endpoint else "command line"
    settings = Settings(
        base_url=url or "",
        token=token or "",
        timeout=value(opt.TIMEOUT),
        dialects=parse_dialects(value(opt.DIALECT)),
        run_prefix=new_run_prefix(),
        user_domain=value(opt.USER_DOMAIN),
        reference=reference,
        # The bundled server supports every attribute: without a choice, map them all.
        profile=ENTRA_FULL
        if reference and sources.raw(opt.PROFILE) is None
        else value(opt.PROFILE),
        strict=value(opt.STRICT),
        fail_on=Severity(value(opt.FAIL_ON)),
        gallery=value(opt.GALLERY),
        max_retry_wait=value(opt.MAX_RETRY_WAIT),
        rate=value(opt.RATE),
        concurrency=value(opt.CONCURRENCY),
        tls_verify=tls_verify(value(opt.INSECURE), value(opt.CA_BUNDLE)),
        json_path=value(opt.JSON),
        baseline_path=value(opt.BASELINE),
        baseline_strict=value(opt.BASELINE_STRICT),
        write_baseline_path=value(opt.WRITE_BASELINE),
        keep=value(opt.KEEP),
        sweep=value(opt.SWEEP),
        yes=value(opt.YES),
        load=value(opt.LOAD),
        load_rate=value(opt.LOAD_RATE),
        load_duration=value(opt.LOAD_DURATION),
        examples=value(opt.EXAMPLES),
        seed=value(opt.SEED),
        cycles=value(opt.CYCLES),
        target_source=target_source,
        notices=tuple(filter(None, [deprecation_notice(sources.deprecated)])),
        **oauth_client_fields(oauth_client),
    )
    # The target, once every value is known to be valid.
    if controller is not None:
        settings = dataclasses.replace(
            settings,
            base_url=controller["url"],
            token=controller["token"],
            run_prefix=controller["run_prefix"],
            # The rules the controller chose (it alone asks discovery).
            endpoint=EndpointRules(**controller["endpoint"]),
            rate=share_of_rate(settings.rate, workers),
            **controller.get("oauth", {}),
        )
    else:
        if reference:
            base_url, token = start_reference()
            settings = dataclasses.replace(settings, base_url=base_url, token=token)
        try:
            settings = client_credentials(settings, reference=reference)
        except ValueError as exc:
            raise SettingsError(f"--scim-token-endpoint: {exc}") from None
        rules = choose(endpoint, settings.base_url, endpoint_source)
        settings = dataclasses.replace(settings, endpoint=rules)
    if checked is not None:
        checked(settings)
    if controller is None and preflight is not None:
        settings = dataclasses.replace(settings, endpoint=preflight(settings))
    return settings
