"""Parsers of option values: text in, a typed value out, or a ValueError saying what is wrong.

Each parser checks one value on its own and says what is wrong, showing the value it refused
(never the token's); `options.py` puts the option's name, and where the value came from, in
front, so every bad value is one line naming the option.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

from scim_conformance.config import FLAG_QUERY
from scim_conformance.endpoints import CHOICES as ENDPOINT_CHOICES
from scim_conformance.profiles import Profile, ProfileError, resolve_profile
from scim_conformance.severity import GATES

DIALECT_CHOICES = ("legacy", FLAG_QUERY, "both")
# RFC 6750 §2.1: a bearer token is printable ASCII without spaces; anything else cannot
# travel in an Authorization header as sent.
_TOKEN = re.compile(r"[\x21-\x7e]+")
# A domain part of an email address: no spaces, no second "@", no path characters.
_DOMAIN = re.compile(r"[^\s@/\\\"<>,;:]+")


def number(unit: str, *, allow_zero: bool = False) -> Callable[[str], float]:
    """A finite number that is positive (or, with allow_zero, not negative)."""
    bound = "zero or a positive" if allow_zero else "a positive"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be a number of {unit} (got {text!r})") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            raise ValueError(f"must be {bound} number of {unit} (got {text!r})")
        return value

    return parse


def positive_integer(text: str) -> int:
    """A whole number ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"must be a positive integer (got {text!r})")
    return value


def dialect(text: str) -> str:
    """`legacy`, `aadOptscim062020` or `both` (case matters: Entra's flag is spelled so)."""
    if text not in DIALECT_CHOICES:
        raise ValueError(f"must be one of {', '.join(DIALECT_CHOICES)} (got {text!r})")
    return text


SEVERITIES = tuple(gate.value for gate in GATES)


def severity(text: str) -> str:
    """A finding severity: entra-breaking, rfc or advisory."""
    if text not in SEVERITIES:
        raise ValueError(f"must be one of {', '.join(SEVERITIES)} (got {text!r})")
    return text


def endpoint(text: str) -> str:
    """The endpoint's rules: auto, generic or webex."""
    if text not in ENDPOINT_CHOICES:
        raise ValueError(f"must be one of {', '.join(ENDPOINT_CHOICES)} (got {text!r})")
    return text


def profile(text: str) -> Profile:
    """A built-in profile name or a TOML profile file."""
    try:
        return resolve_profile(text)
    except ProfileError as exc:
        raise ValueError(str(exc)) from None


def bearer_token(text: str) -> str:
    """A token an Authorization header can carry; the message never shows the value."""
    if not _TOKEN.fullmatch(text):
        raise ValueError(
            "must be printable ASCII without spaces or line breaks, as a bearer token is "
            "(RFC 6750 §2.1; value not shown)"
        )
    return text


def user_domain(text: str) -> str:
    """The domain of generated userNames; a leading "@" is dropped."""
    domain = text.lstrip("@")
    if not _DOMAIN.fullmatch(domain) or domain.startswith(".") or domain.endswith("."):
        raise ValueError(f"must be an email domain like example.com (got {text!r})")
    return domain


def one_line(text: str) -> str:
    """Free text shown in reports (the seed): printable, on one line."""
    if not text.isprintable():
        raise ValueError(f"must be printable text on one line (got {text!r})")
    return text


def existing_file(text: str) -> Path:
    """A file that exists now (read when the run starts)."""
    path = Path(text).expanduser()
    if not path.is_file():
        raise ValueError(f"must name an existing file (got {text!r})")
    return path


def output_file(text: str) -> Path:
    """A file the run writes at its end: its directory must exist now, so a typo is not
    found only after the whole run."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise ValueError(f"names a directory, not a file (got {text!r})")
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise ValueError(f"must be a file in an existing, writable directory (got {text!r})")
    return path


def _http_url(raw: str, example: str = "") -> SplitResult:
    """`raw` split, if it is an http(s) URL with a host and a valid port; else the reason."""
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc}): {raw!r}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"must be an http(s) URL with a host{example} (got {raw!r})")
    return parts


def tenant_url(raw: str) -> str:
    """Entra's Tenant URL as the SCIM base URL: without its query (Entra's `aadOptscim062020`
    flag is never copied into resource paths) and without a trailing slash."""
    raw = raw.strip()
    parts = _http_url(raw, ", like https://api.example.com/scim/v2")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; pass the token with --token")
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def refuse_plain_http(url: str, *, allow_http: bool) -> None:
    """The token goes over plain http:// only to loopback, or when --scim-allow-http says so."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and not allow_http and not is_loopback(host):
        raise ValueError(
            f"refusing to send the token over plain http:// to {host}; "
            "use https:// or pass --scim-allow-http"
        )


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_endpoint(raw: str) -> str:
    """An OAuth token endpoint: an http(s) URL with a host, kept whole (its query too)."""
    raw = raw.strip()
    _http_url(raw)
    return raw
