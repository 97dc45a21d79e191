"""pytest-html glue: each test row carries its SCIM transcript, every body whole and folded.

Every piece of server-supplied text is HTML-escaped before it is inserted, so a
response cannot inject markup or script into the report.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pytest

from scim_conformance.http.transcript import Exchange, pretty_body

_STYLE = (
    "<style>.scim-ex{margin:6px 0;border-left:4px solid #999;padding:2px 8px;"
    "font-family:monospace;font-size:12px}.scim-ex summary{cursor:pointer}"
    ".scim-ok{border-color:#2e7d32}.scim-warn{border-color:#ef6c00}.scim-bad{border-color:#c62828}"
    ".scim-ex pre{white-space:pre-wrap;margin:4px 0;background:#f6f8fa;padding:6px}</style>"
)


def _status_class(exchange: Exchange) -> str:
    if exchange.status is None or exchange.status >= 500:
        return "scim-bad"
    return "scim-ok" if exchange.status < 400 else "scim-warn"


def render_html(exchanges: list[Exchange]) -> str:
    """The transcript as folded HTML blocks, one per exchange, all text escaped."""
    blocks = [_STYLE]
    for ex in exchanges:
        outcome = str(ex.status) if ex.status is not None else f"no response: {ex.error}"
        note = f" — {ex.note}" if ex.note else ""
        request = "\n".join(f"{k}: {v}" for k, v in ex.request_headers)
        if ex.request_body:
            request += "\n\n" + pretty_body(ex.request_body, None)
        response = "\n".join(f"{k}: {v}" for k, v in ex.response_headers)
        if ex.response_body:
            response += "\n\n" + pretty_body(ex.response_body, None)
        blocks.append(
            f'<details class="scim-ex {_status_class(ex)}"><summary>'
            f"{escape(ex.method)} {escape(ex.url)} → <b>{escape(outcome)}</b> "
            f"({ex.elapsed_ms:.0f} ms){escape(note)}</summary>"
            f"<pre>{escape(request)}</pre><pre>{escape(response)}</pre>"
            f"<pre>{escape(ex.curl())}</pre></details>"
        )
    return "".join(blocks)


def attach(report: pytest.TestReport, exchanges: list[Exchange]) -> None:
    """Add the transcript to the test's pytest-html extras (if pytest-html is installed)."""
    try:
        from pytest_html import extras
    except ImportError:  # pragma: no cover - pytest-html is a dependency, but stay optional
        return
    current: list[Any] = list(getattr(report, "extras", []))
    current.append(extras.html(render_html(exchanges)))
    report.extras = current  # type: ignore[attr-defined]
