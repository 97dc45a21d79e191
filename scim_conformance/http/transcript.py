"""Records of HTTP exchanges, redacted when they are recorded, and their renderings.

docs/design.md, The secret never leaves: the token is removed here, at record time, so nothing that
renders an exchange later (terminal, HTML, JUnit, JSON, curl line) can leak it.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

REDACTED = "[REDACTED]"

# Headers that carry credentials: auth headers keep their scheme, cookies lose everything.
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
_COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
# `"password": "..."` in a JSON body (RFC 7643 §4.1.1: password is writeOnly, never shown).
_PASSWORD_RE = re.compile(r'("password"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
# Userinfo in a URL: scheme://user:pass@host
# (stops at quotes and separators, so it never reaches across JSON strings)
_URL_USERINFO_RE = re.compile(r"(?<=://)[^/@\s\"',<>]+@")


class Redactor:
    """Removes secrets (the token, credentials in URLs, passwords) from text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        patterns: list[str] = []
        # Longest first, so a secret containing another is removed whole.
        for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
            patterns.append(_json_text_pattern(secret))
            patterns.append(re.escape(quote(secret, safe="")))  # percent-encoded in a URL
        self._secrets = re.compile("|".join(patterns)) if patterns else None

    def text(self, value: str) -> str:
        """Return `value` with every secret replaced by [REDACTED]."""
        if self._secrets is not None:
            value = self._secrets.sub(REDACTED, value)
        value = _URL_USERINFO_RE.sub(REDACTED + "@", value)
        return _PASSWORD_RE.sub(r'\1"' + REDACTED + '"', value)

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Redact header values; credential headers keep only their scheme."""
        redacted: list[tuple[str, str]] = []
        for name, value in headers:
            lowered = name.lower()
            if lowered in _COOKIE_HEADERS:
                value = REDACTED
            elif lowered in _AUTH_HEADERS:
                # Keep the scheme ("Bearer") so the transcript shows how auth was sent.
                scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
                value = f"{scheme} {REDACTED}".strip()
            redacted.append((name, self.text(value)))
        return redacted


def _json_text_pattern(secret: str) -> str:
    """A regex for `secret` as it may appear in JSON text: each character literal or
    escaped (`\\u002B`, `\\/`, `\\"`), as .NET, PHP and others write them."""
    parts = []
    for char in secret:
        forms = [re.escape(char), rf"\\u{ord(char):04x}", rf"\\u{ord(char):04X}"]
        if char in '/"\\':
            forms.append(re.escape("\\" + char))
        parts.append("(?:" + "|".join(forms) + ")")
    return "".join(parts)


@dataclass(frozen=True)
class Exchange:
    """One request and its response (or the transport error that replaced it)."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: str | None
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: str | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    note: str | None = None

    @classmethod
    def record(
        cls,
        redactor: Redactor,
        *,
        method: str,
        url: str,
        request_headers: Iterable[tuple[str, str]],
        request_body: str | None,
        status: int | None = None,
        response_headers: Iterable[tuple[str, str]] = (),
        response_body: str | None = None,
        elapsed_ms: float = 0.0,
        error: str | None = None,
        note: str | None = None,
    ) -> Exchange:
        """Build an Exchange with every field passed through the redactor."""

        def clean(value: str | None) -> str | None:
            return None if value is None else redactor.text(value)

        return cls(
            method=method,
            url=redactor.text(url),
            request_headers=redactor.headers(request_headers),
            request_body=clean(request_body),
            status=status,
            response_headers=redactor.headers(response_headers),
            response_body=clean(response_body),
            elapsed_ms=elapsed_ms,
            error=clean(error),
            note=clean(note),
        )

    def response_header(self, name: str) -> str | None:
        """The first response header called `name` (case-insensitive), if any."""
        for key, value in self.response_headers:
            if key.lower() == name.lower():
                return value
        return None

    def curl(self) -> str:
        """A curl command that replays the request; the token shows as [REDACTED]."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers:
            if name.lower() in {"authorization", "content-type", "accept"}:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body:
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return " ".join(parts)

    def summary(self) -> str:
        """One line: method, URL, status or error, time."""
        outcome = str(self.status) if self.status is not None else f"no response ({self.error})"
        return f"{self.method} {self.url} -> {outcome} ({self.elapsed_ms:.0f} ms)"

    def to_text(self, body_limit: int = 4000) -> str:
        """The whole exchange as readable text, JSON bodies pretty-printed."""
        lines = [f"> {self.method} {self.url}"]
        lines += [f"> {name}: {value}" for name, value in self.request_headers]
        if self.request_body:
            lines += ["", *_indent(pretty_body(self.request_body, body_limit), "> ")]
        lines.append("")
        if self.status is None:
            lines.append(f"< no response: {self.error}")
        else:
            lines.append(f"< HTTP {self.status} ({self.elapsed_ms:.0f} ms)")
            lines += [f"< {name}: {value}" for name, value in self.response_headers]
            if self.response_body:
                lines += ["", *_indent(pretty_body(self.response_body, body_limit), "< ")]
        if self.note:
            lines.append(f"# {self.note}")
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        """Rebuild an exchange from `to_dict()` (on the pytest-xdist controller)."""
        fields = dict(data)
        for key in ("request_headers", "response_headers"):
            fields[key] = [(str(name), str(value)) for name, value in fields.get(key) or []]
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (already redacted)."""
        return {
            "method": self.method,
            "url": self.url,
            "request_headers": [list(h) for h in self.request_headers],
            "request_body": self.request_body,
            "status": self.status,
            "response_headers": [list(h) for h in self.response_headers],
            "response_body": self.response_body,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "error": self.error,
            "note": self.note,
        }


def pretty_body(body: str, limit: int | None = 4000) -> str:
    """Pretty-print a JSON body (or return text as is), cut to `limit` characters."""
    try:
        text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        text = body
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"\n… ({len(text) - limit} more characters)"
    return text


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.splitlines()]


def headers_of(mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Normalise headers given as a mapping or as pairs into a list of pairs."""
    if isinstance(mapping, Mapping):
        return [(str(k), str(v)) for k, v in mapping.items()]
    return [(str(k), str(v)) for k, v in mapping]
