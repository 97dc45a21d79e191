"""The run's settings: one frozen object, resolved once when the session starts.

`resolve` reads every option of the table in `options.py` (command line > environment >
ini), checks each value and the combinations, and returns the Settings the rest of the
code reads; nothing else reads the options. A bad value is one line that names the option
and where the value came from. The token is taken from the command line or the
environment only, never from an ini file: a secret checked into pytest.ini would leak with
the repository.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar, cast

from scim_conformance.endpoints import GIVEN_GENERIC, EndpointRules, choose
from scim_conformance.plugin import options as opt
from scim_conformance.plugin.options import DEFAULT_EXAMPLES
from scim_conformance.plugin.values import FLAG_QUERY, refuse_plain_http
from scim_conformance.profiles import ENTRA_DEFAULT, ENTRA_FULL, Profile

DIALECTS = ("legacy", FLAG_QUERY)
T = TypeVar("T")
Lookup = Callable[[str], object]


class SettingsError(ValueError):
    """A bad option value; its message is the one-line usage error shown to the user."""


@dataclass(frozen=True)
class Settings:
    """Everything a conformance run needs to know: its target and every option's value."""

    # The target.
    base_url: str
    token: str
    timeout: float
    dialects: tuple[str, ...]
    run_prefix: str
    user_domain: str
    reference: bool = False  # the bundled reference server (--scim-reference)
    profile: Profile = ENTRA_DEFAULT  # what Entra sends (--scim-profile)
    # The rules the endpoint is held to (--scim-endpoint), and why they were chosen.
    endpoint: EndpointRules = GIVEN_GENERIC
    # Verdicts.
    strict: bool = False
    gallery: bool = False
    fail_on: str = "rfc"  # the gate: the least severity of finding that fails the run
    # HTTP.
    max_retry_wait: float = 60.0
    rate: float | None = None
    tls_verify: bool | str = True  # False with --scim-insecure, a CA file with --scim-ca-bundle
    # Outputs.
    json_path: Path | None = None
    baseline_path: Path | None = None
    baseline_strict: bool = False
    write_baseline_path: Path | None = None
    # Resources.
    keep: bool = False
    sweep: bool = False
    yes: bool = False
    # The load check and the property-based checks.
    load: bool = False
    load_rate: float = opt.LOAD_RATE.default
    load_duration: float = opt.LOAD_DURATION.default
    examples: int = DEFAULT_EXAMPLES
    seed: str | None = None
    cycles: int = opt.DEFAULT_CYCLES  # Entra cycles per dialect (--scim-cycles)

    def __repr__(self) -> str:
        # Never let the token reach a repr (pytest prints fixture values with -l / -vv).
        return f"Settings(base_url={self.base_url!r}, dialects={self.dialects!r})"


def new_run_prefix() -> str:
    """A unique prefix marking every resource this run creates (so cleanup and --scim-sweep
    can tell the suite's resources from the tenant's own)."""
    return "scimconf-" + secrets.token_hex(4)


@dataclass(frozen=True)
class Raw:
    """An option's value as text, and where it came from ('command line', an env name...)."""

    text: str
    source: str


class Sources:
    """Where option values come from, in precedence order: command line, environment, ini."""

    def __init__(self, option: Lookup, ini: Lookup, env: Mapping[str, str]) -> None:
        self._option, self._ini, self._env = option, ini, env

    def raw(self, option: opt.Option[T]) -> Raw | None:
        """The value that wins, or None when no source sets it (empty values do not count)."""
        candidates = [(self._option(option.dest), "command line")]
        if option.env:
            candidates.append((self._env.get(option.env), option.env))
        if option.ini:
            candidates.append((self._ini(option.ini), f"ini option {option.ini}"))
        for value, source in candidates:
            if value is True:
                return Raw("", source)  # a switch that is on
            if value not in (None, "", False):
                return Raw(str(value), source)
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


def parse_dialects(value: str | None) -> tuple[str, ...]:
    """`legacy`, `aadOptscim062020` or `both` (the default).

    A tenant URL carrying the aadOptscim062020 flag still gets both by default: Microsoft's
    SCIM compliance page says the flag does not work with on-demand provisioning, so such an
    endpoint receives Entra's legacy dialect too (rule legacy-dialect).
    """
    return DIALECTS if value in (None, "both") else (value,)


def tls_verify(insecure: bool, ca_bundle: Path | None) -> bool | str:
    """TLS verification: on by default; a private CA file; or off (--scim-insecure)."""
    if insecure and ca_bundle:
        raise SettingsError("--scim-insecure and --scim-ca-bundle exclude each other")
    if insecure:
        return False
    return str(ca_bundle) if ca_bundle else True


def _check_target(sources: Sources) -> bool:
    """True when a target is given; a usage error when it is given twice, or when SCIM
    options are given without one (pytest would otherwise say "collected 0 items")."""
    url = sources.raw(opt.URL)
    reference = sources.raw(opt.REFERENCE) is not None
    if reference and url is not None:
        where = opt.URL.name if url.source == "command line" else url.source
        raise SettingsError(
            f"--scim-reference and {where} both name a target: test the bundled server "
            "or your URL, not both"
        )
    if reference or url is not None:
        return True
    given = [option.name for option in sources.on_command_line()]
    if given:
        # Only the command line counts: SCIM_* variables and ini values without a target
        # must not break an unrelated pytest run (pytest then behaves as usual).
        raise SettingsError(
            f"{', '.join(given)} given without a target: pass --scim-url=URL (or set "
            "SCIM_URL) to test your endpoint, or --scim-reference to test the bundled server"
        )
    return False


def resolve(
    option: Lookup,
    ini: Lookup,
    env: Mapping[str, str] = os.environ,
    *,
    start_reference: Callable[[], tuple[str, str]],
) -> Settings | None:
    """Build Settings from pytest options, ini values and the environment.

    Returns None when no target was given: pytest then behaves as usual. With
    --scim-reference, `start_reference` is called once every value is known to be valid,
    and gives the bundled server's URL and token.
    """
    sources = Sources(option, ini, env)
    if not _check_target(sources):
        return None
    value = sources.value
    reference, url, token = value(opt.REFERENCE), value(opt.URL), value(opt.TOKEN)
    if not reference:
        if not token:
            raise SettingsError(
                "no token: pass --token=... or set SCIM_TOKEN (the bearer token Entra would use)"
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
        fail_on=value(opt.FAIL_ON),
        gallery=value(opt.GALLERY),
        max_retry_wait=value(opt.MAX_RETRY_WAIT),
        rate=value(opt.RATE),
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
    )
    if reference:
        base_url, token = start_reference()
        settings = replace(settings, base_url=base_url, token=token)
    return replace(settings, endpoint=choose(endpoint, settings.base_url, endpoint_source))
