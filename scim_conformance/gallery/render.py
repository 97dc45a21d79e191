"""The gallery view on the terminal and in the HTML summary (results.json takes
`GalleryView.to_dict()`): Microsoft's 25 tests by name, their category, the suite's result
and why, and the overall result by Microsoft's logic."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from scim_conformance.gallery.assess import (
    FAILED,
    NEEDS_ENTRA,
    NOT_APPLICABLE,
    NOT_RUN,
    PASSED,
    READY,
    GalleryView,
    Result,
)
from scim_conformance.gallery.catalogue import OVERVIEW_URL

TITLE = "Microsoft Entra app gallery validation (offline)"
_COLOURS = {PASSED: "#2e7d32", FAILED: "#c62828", NEEDS_ENTRA: "#ef6c00"}


def headline(view: GalleryView) -> str:
    """The overall result and the tally, in one line."""
    tally = Counter(result.result for result in view.results)
    parts = [
        f"{tally[word]} {word}"
        for word in (PASSED, FAILED, NOT_APPLICABLE, NEEDS_ENTRA, NOT_RUN)
        if tally[word]
    ]
    overall = view.overall[0].upper() + view.overall[1:]
    return f"{overall} (Microsoft's {len(view.results)} tests: {', '.join(parts)})"


def shown_result(result: Result) -> str:
    """passed / failed (warning) / not applicable / needs Entra / not run."""
    return "failed (warning)" if result.warning else result.result


def write_terminal(terminal: Any, view: GalleryView) -> None:
    """The view as a section of the terminal summary."""
    colour = "green" if view.overall == READY else "red"
    terminal.section(TITLE, **{colour: True})
    terminal.line(headline(view), **{colour: True, "bold": True})
    width = max(len(result.test.name) for result in view.results)
    for result in view.results:
        mark = {"red": True} if result.result == FAILED and not result.warning else {}
        line = (
            f"  {result.test.number:>2} {result.test.name:<{width}}  "
            f"{result.test.category:<9}  {shown_result(result)}"
        )
        terminal.line(line + (f": {result.detail}" if result.detail else ""), **mark)
    for reason in view.reasons:
        terminal.line(reason[0].upper() + reason[1:])
    terminal.line(f"Microsoft's tests and pass logic: {OVERVIEW_URL}")


def _row(result: Result) -> str:
    colour = _COLOURS.get(result.result, "#555")
    if result.warning:
        colour = "#ef6c00"
    findings = "".join(
        f"<div>[{escape(f['severity'])}] {escape(f['title'])} "
        f"<span style='color:#777'>(rule {escape(f['rule'])})</span></div>"
        for f in result.findings
    )
    detail = escape(result.detail) if not result.findings else ""
    covered = ", ".join(escape(name) for name in result.test.covered_by) or "—"
    return (
        f"<tr><td>{result.test.number}</td><td><b>{escape(result.test.name)}</b>"
        f"<div style='color:#555'>{escape(result.test.summary)}</div></td>"
        f"<td>{escape(result.test.category)}</td>"
        f"<td style='color:{colour};font-weight:bold'>{escape(shown_result(result))}</td>"
        f"<td>{findings}{detail}</td>"
        f"<td style='font-size:11px'>{covered}<div style='color:#777'>"
        f"{escape(', '.join(result.test.rules))}</div></td></tr>"
    )


def html(view: GalleryView) -> str:
    """The view as a section of the HTML summary."""
    colour = "#2e7d32" if view.overall == READY else "#c62828"
    reasons = "".join(f"<div>{escape(r[0].upper() + r[1:])}</div>" for r in view.reasons)
    rows = "".join(_row(result) for result in view.results)
    return (
        f"<h3 id='gallery-validation'>{escape(TITLE)}</h3>"
        f"<div class='scim-box' style='border-left-color:{colour}'>"
        f"<div style='font-size:18px;font-weight:bold;color:{colour}'>"
        f"{escape(headline(view))}</div>{reasons}"
        f"<div>Microsoft's tests and pass logic: <a href='{OVERVIEW_URL}'>"
        "SCIM-Validation-Test-Overview.md</a></div></div>"
        "<table class='scim-table'><tr><th>#</th><th>Microsoft's test</th><th>category</th>"
        "<th>result</th><th>findings / why</th><th>suite tests and rules</th></tr>"
        f"{rows}</table>"
    )
