"""The run's settings: one frozen object, resolved from CLI > environment > ini.

The token is taken from the command line or the environment only, never from an
ini file: a secret checked into pytest.ini would leak with the repository.
"""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from scim_conformance.profiles import ENTRA_DEFAULT, Profile, ProfileError, resolve_profile

DIALECTS = ("legacy", "aadOptscim062020")
FLAG_QUERY = "aadOptscim062020"
DEFAULT_TIMEOUT = 60.0  # Entra's budget per request [S26]
DEFAULT_USER_DOMAIN = "example.com"


class SettingsError(ValueError):
    """A bad option value; its message is the one-line usage error shown to the user."""


@dataclass(frozen=True)
class Settings:
    """Everything a conformance run needs to know about its target."""

    base_url: str
    token: str
    timeout: float
    dialects: tuple[str, ...]
    run_prefix: str
    user_domain: str
    strict: bool = False
    gallery: bool = False
    max_retry_wait: float = 60.0
    rate: float | None = None
    tls_verify: bool | str = True  # False with --scim-insecure, a CA file with --scim-ca-bundle
    profile: Profile = ENTRA_DEFAULT

    def __repr__(self) -> str:
        # Never let the token reach a repr (pytest prints fixture values with -l / -vv).
        return f"Settings(base_url={self.base_url!r}, dialects={self.dialects!r})"


def new_run_prefix() -> str:
    """A unique prefix marking every resource this run creates (DESIGN.md promise 4)."""
    return "scimconf-" + secrets.token_hex(4)


def normalise_base_url(raw: str, *, allow_http: bool) -> tuple[str, bool]:
    """Validate a tenant URL; return it without query or trailing slash, and whether
    it carried Entra's `aadOptscim062020` flag (entra-sequences.md, conventions)."""
    raw = raw.strip()
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError as exc:
        raise SettingsError(f"--scim-url is not a valid URL ({exc}): {raw!r}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(
            f"--scim-url must be an http(s) URL with a host, like "
            f"https://api.example.com/scim/v2 (got {raw!r})"
        )
    if parts.username or parts.password:
        raise SettingsError("--scim-url must not carry credentials; pass the token with --token")
    if parts.scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        raise SettingsError(
            f"refusing to send the token over plain http:// to {parts.hostname}; "
            "use https:// or pass --scim-allow-http"
        )
    flag = any(key == FLAG_QUERY for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")), flag


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_dialects(value: str | None, url_has_flag: bool) -> tuple[str, ...]:
    """`legacy`, `aadOptscim062020` or `both`; a flagged tenant URL implies the flag dialect."""
    if value is None:
        return (FLAG_QUERY,) if url_has_flag else DIALECTS
    if value == "both":
        return DIALECTS
    if value in DIALECTS:
        return (value,)
    raise SettingsError(
        f"--entra-dialect must be one of legacy, aadOptscim062020, both (got {value!r})"
    )


def parse_timeout(value: str | float | None) -> float:
    """A positive number of seconds."""
    return parse_seconds("--scim-timeout", value, DEFAULT_TIMEOUT, allow_zero=False)


def parse_seconds(name: str, value: object, default: float, *, allow_zero: bool) -> float:
    """A finite, non-negative (or positive) number of seconds."""
    if value is None or value == "":
        return default
    try:
        seconds = float(str(value))
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds (got {value!r})") from None
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise SettingsError(f"{name} must be {'≥ 0' if allow_zero else 'positive'} (got {value!r})")
    return seconds


def parse_rate(value: object) -> float | None:
    """--scim-rate: requests per second, positive; None means unlimited."""
    if value is None or value == "":
        return None
    return parse_seconds("--scim-rate", value, 0.0, allow_zero=False)


def tls_verify(insecure: object, ca_bundle: object) -> bool | str:
    """TLS verification: on by default; a private CA file; or off (--scim-insecure)."""
    if insecure and ca_bundle:
        raise SettingsError("--scim-insecure and --scim-ca-bundle exclude each other")
    if insecure:
        return False
    if ca_bundle:
        path = str(ca_bundle)
        if not os.path.isfile(path):
            raise SettingsError(f"--scim-ca-bundle: no such file: {path}")
        return path
    return True


def _profile(value: str | None) -> Profile:
    try:
        return resolve_profile(value)
    except ProfileError as exc:
        raise SettingsError(str(exc)) from None


def resolve(
    option: Callable[[str], object],
    ini: Callable[[str], object],
    env: Mapping[str, str] = os.environ,
    *,
    reference_url: str | None = None,
    reference_token: str | None = None,
) -> Settings | None:
    """Build Settings from pytest options, ini values and the environment.

    Returns None when no target was given: pytest then behaves as usual.
    """

    def pick(opt: str, env_name: str, ini_name: str | None = None) -> str | None:
        for value in (option(opt), env.get(env_name), ini(ini_name) if ini_name else None):
            if value not in (None, ""):
                return str(value)
        return None

    url = reference_url or pick("scim_url", "SCIM_URL", "scim_url")
    if url is None:
        return None
    token = reference_token or pick("scim_token", "SCIM_TOKEN")
    if not token:
        raise SettingsError(
            "no token: pass --token=... or set SCIM_TOKEN (the bearer token Entra would use)"
        )
    base_url, flagged = normalise_base_url(url, allow_http=bool(option("scim_allow_http")))
    domain = pick("scim_user_domain", "SCIM_USER_DOMAIN", "scim_user_domain")
    return Settings(
        base_url=base_url,
        token=token,
        timeout=parse_timeout(pick("scim_timeout", "SCIM_TIMEOUT", "scim_timeout")),
        dialects=parse_dialects(
            pick("entra_dialect", "SCIM_ENTRA_DIALECT", "entra_dialect"), flagged
        ),
        run_prefix=new_run_prefix(),
        user_domain=(domain or DEFAULT_USER_DOMAIN).lstrip("@"),
        strict=bool(option("scim_strict")),
        gallery=bool(option("scim_gallery")),
        max_retry_wait=parse_seconds(
            "--scim-max-retry-wait", option("scim_max_retry_wait"), 60.0, allow_zero=True
        ),
        rate=parse_rate(option("scim_rate")),
        tls_verify=tls_verify(option("scim_insecure"), option("scim_ca_bundle")),
        profile=_profile(pick("scim_profile", "SCIM_PROFILE", "scim_profile")),
    )
