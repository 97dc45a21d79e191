"""The top of the HTML report: the verdict, the findings, what did not run, run facts.

A reviewer reads the findings first (one per defect, each with its rule, sources, what
Entra does, the failing request and a repro script), then what was skipped or blocked
and why. Every value is HTML-escaped: a response cannot inject markup into the report.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

import pytest

from scim_conformance.checks import provisioning_logs
from scim_conformance.checks.rules import CATALOGUE
from scim_conformance.reporting import provisioning_view
from scim_conformance.reporting.findings import FindingRecord
from scim_conformance.reporting.outcomes import RunOutcomes
from scim_conformance.reporting.verdict import NOT_READY, READY, Verdict
from scim_conformance.severity import Severity

SEVERITY_COLOURS = {
    Severity.ENTRA_BREAKING: "#c62828",
    Severity.RFC: "#ef6c00",
    Severity.WEBEX_CLIENTS: "#6a1b9a",
    Severity.ADVISORY: "#1565c0",
}
_STYLE = (
    "<style>.scim-box{border-left:8px solid;padding:8px 14px;margin:10px 0;background:#fafafa}"
    ".scim-finding{margin:8px 0;padding:6px 10px;border:1px solid #ddd;border-left:6px solid}"
    ".scim-finding pre{white-space:pre-wrap;background:#f6f8fa;padding:6px;font-size:12px}"
    ".scim-table{border-collapse:collapse;margin-bottom:12px}"
    ".scim-table td,.scim-table th{padding:3px 8px;text-align:left;vertical-align:top}</style>"
)
# pytest-html draws its Environment table above the summary (its template has no hook to
# move it); the summary shows the same rows below the verdict and findings
# (`environment_html`), and this style hides pytest-html's copy. Nothing is removed from
# pytest-metadata's data, which other plugins may read.
_ENVIRONMENT_MOVED = "<style>#environment-header,#environment{display:none}</style>"


def rule_anchor(rule_id: str) -> str:
    """The anchor of a rule's catalogue entry in the report."""
    return "rule-" + rule_id


def _rule_link(rule_id: str) -> str:
    return f"<a href='#{escape(rule_anchor(rule_id))}'><code>{escape(rule_id)}</code></a>"


def _rules_html(findings: tuple[FindingRecord, ...]) -> str:
    """The catalogue entry (`docs/rules.md`, shipped in the package as `checks/rules.py`) of
    every rule a finding names, each with the anchor the findings link to."""
    named = sorted({rule for f in findings for rule in (f.rules or [f.rule])})
    entries = []
    for rule_id in named:
        rule = CATALOGUE.get(rule_id)
        if rule is None:
            continue
        sources = "".join(
            f"<li><a href='{escape(s.url)}'>{escape(s.label)}</a></li>" for s in rule.sources
        )
        vendor = f" (vendor: {escape(rule.vendor)})" if rule.vendor else ""
        entries.append(
            f"<div class='scim-finding' id='{escape(rule_anchor(rule_id))}'>"
            f"<b><code>{escape(rule_id)}</code></b> [{escape(rule.severity.value)}]{vendor}"
            f"<div>{escape(rule.requirement)}</div>"
            f"<div>When broken, Entra: {escape(rule.entra)}</div>"
            + (f"<div>Why this severity: {escape(rule.grading)}</div>" if rule.grading else "")
            + f"<div>Sources:<ul>{sources}</ul></div></div>"
        )
    return "<h3>Rules named by the findings</h3>" + "".join(entries) if entries else ""


def environment_html(environment: dict[str, Any]) -> str:
    """pytest-html's Environment rows (pytest-metadata), below the verdict and findings."""
    if not environment:
        return ""
    rows = "".join(
        f"<tr><th>{escape(str(key))}</th><td>{escape(str(value))}</td></tr>"
        for key, value in environment.items()
    )
    return f"{_ENVIRONMENT_MOVED}<h3>Environment</h3><table class='scim-table'>{rows}</table>"


def slug(text: str) -> str:
    """An HTML anchor name for a sequence."""
    return "seq-" + text.lower().replace(" ", "-")


def _finding_html(number: int, finding: FindingRecord) -> str:
    colour = SEVERITY_COLOURS[finding.severity]
    sources = "".join(
        f"<li><a href='{escape(s['url'])}'>{escape(s['label'])}</a></li>" for s in finding.sources
    )
    tests = "".join(f"<li>{escape(t)}</li>" for t in finding.tests)
    blocked = "".join(f"<li>{escape(t)}</li>" for t in finding.blocked)
    advised = "".join(f"<li>{escape(t)}</li>" for t in finding.advised)
    vendor = f" · {escape(finding.vendor)} rule" if finding.vendor else ""
    return (
        f"<div class='scim-finding' style='border-left-color:{colour}'>"
        f"<b>F{number}</b> <span style='color:{colour};font-weight:bold'>"
        f"[{escape(finding.severity.value)}]</span> <b>{escape(finding.title)}</b>{vendor}"
        f"<div>Rule {_rule_link(finding.rule)}: {escape(finding.requirement)}</div>"
        + (
            f"<div>Rules broken on this operation (one cause): "
            f"{', '.join(_rule_link(r) for r in finding.rules)}</div>"
            if len(finding.rules) > 1
            else ""
        )
        + f"<div>Request: <code>{escape(finding.request or '(none)')}</code></div>"
        f"<div>Met on: {escape(finding.met_on)}</div>"
        f"<div>Entra: {escape(finding.entra)}</div>"
        + _log_html(finding.provisioning_log)
        + (f"<div>Why this severity: {escape(finding.grading)}</div>" if finding.grading else "")
        + f"<div>Sources:<ul>{sources}</ul></div>"
        + (f"<div>Failed tests:<ul>{tests}</ul></div>" if tests else "")
        + (f"<div>Blocked tests:<ul>{blocked}</ul></div>" if blocked else "")
        + (f"<div>Met as an advisory in:<ul>{advised}</ul></div>" if advised else "")
        + f"<details><summary>Failure message</summary><pre>{escape(finding.message)}</pre>"
        "</details>"
        + (
            f"<details><summary>Repro script (uses $SCIM_TOKEN)</summary>"
            f"<pre>{escape(finding.repro)}</pre></details>"
            if finding.repro
            else ""
        )
        + "</div>"
    )


def _log_html(log: dict[str, str | None]) -> str:
    """ "Your customers' provisioning logs would show: …", the code linked to Microsoft's table."""
    if not log:
        return ""
    source = escape(log.get("source") or "")
    code = f"<a href='{source}'><code>{escape(log['code'])}</code></a>: " if log["code"] else ""
    return (
        f"<div class='scim-log'>{escape(provisioning_logs.PREFIX)}: {code}"
        f"{escape(log['meaning'] or '')}</div>"
    )


def _not_run_html(results: RunOutcomes) -> str:
    """Skipped and blocked tests, grouped by their reason."""
    reasons: Counter[str] = Counter()
    for test in results.tests.values():
        if test.outcome == "skipped":
            reasons[f"skipped: {test.skip_reason or 'no reason given'}"] += 1
        elif test.outcome == "blocked" and test.finding:
            reasons[f"blocked by {test.finding['fingerprint']}"] += 1
    if not reasons:
        return ""
    rows = "".join(
        f"<tr><td>{count}</td><td>{escape(reason)}</td></tr>"
        for reason, count in reasons.most_common()
    )
    return (
        "<h3>Not run</h3><table class='scim-table'><tr><th>tests</th><th>why</th></tr>"
        f"{rows}</table>"
    )


def html_summary(
    verdict: Verdict,
    results: RunOutcomes,
    run: dict[str, Any],
    environment: dict[str, Any] | None = None,
) -> str:
    """The verdict banner, the findings, the rules they name, what did not run, the
    per-sequence table, run facts, then pytest-html's environment rows."""
    lines = verdict.lines
    colour = {READY: "#2e7d32", NOT_READY: "#c62828"}.get(verdict.readiness, "#ef6c00")
    if verdict.readiness == READY and (verdict.incomplete or verdict.gate_failed):
        colour = "#ef6c00"
    findings = verdict.findings
    findings_html = "".join(_finding_html(n, f) for n, f in enumerate(findings, start=1))
    facts = [
        ("Target", run["target"]),
        ("Entra dialects", ", ".join(run["dialects"])),
        ("Profile", run["profile"] + (" (gallery app)" if run["gallery"] else "")),
        ("Endpoint rules", f"{run['endpoint']['rules']} ({run['endpoint']['reason']})"),
        ("Suite version", f"scim-conformance {run['suite_version']}"),
        ("Started", run["started"]),
        ("Duration", f"{run['duration_s']:.1f} s"),
        ("Run prefix", run["run_prefix"]),
        ("Retries after 429/503", run["retries"]),
        ("TLS", "verified" if run["tls_verified"] else "NOT VERIFIED (--scim-insecure)"),
    ]
    fact_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
    sequence_rows = "".join(
        f"<tr><td><a href='#{escape(slug(name))}'>{escape(name)}</a></td>"
        f"<td style='color:#2e7d32'>{row['passed']}</td>"
        f"<td style='color:#c62828'>{row['failed']}</td><td>{row['blocked']}</td>"
        f"<td>{row['baseline']}</td><td>{row['skipped']}</td>"
        f"<td style='color:#1565c0'>{row['advisory']}</td></tr>"
        for name, row in results.by_sequence().items()
    )
    return (
        f"{_STYLE}<div class='scim-box' style='border-left-color:{colour}'>"
        f"<div style='font-size:22px;font-weight:bold;color:{colour}'>"
        f"{escape(lines[0])}</div>"
        + "".join(f"<div>{escape(line)}</div>" for line in lines[1:])
        + "</div>"
        + f"<h3>Findings ({len(findings)})</h3>"
        + (findings_html or "<p>No findings.</p>")
        + provisioning_view.html(results)
        + _not_run_html(results)
        + "<h3>By Entra sequence</h3><table class='scim-table'><tr><th>sequence</th>"
        "<th>passed</th><th>failed</th><th>blocked</th><th>known</th><th>skipped</th>"
        f"<th>advisory</th></tr>{sequence_rows}</table>"
        f"<h3>Run</h3><table class='scim-table'>{fact_rows}</table>"
        + _rules_html(findings)
        + environment_html(environment or {})
    )


def header_cells(cells: list[str]) -> None:
    """Sequence and severity columns in the results table."""
    cells.insert(2, '<th class="sortable" data-column-type="sequence">Sequence</th>')
    cells.insert(3, '<th class="sortable" data-column-type="severity">Severity</th>')


def row_cells(results: RunOutcomes, report: pytest.TestReport, cells: list[str]) -> None:
    """The test's sequence (with an anchor the summary links to) and severity."""
    test = results.tests.get(report.nodeid)
    sequence = test.sequence if test else ""
    severity = test.severity if test else None
    anchor = f'<a id="{escape(slug(sequence))}"></a>' if sequence else ""
    colour = SEVERITY_COLOURS[severity] if severity else "inherit"
    label = severity.value if severity else ""
    cells.insert(2, f'<td class="col-sequence">{anchor}{escape(sequence)}</td>')
    cells.insert(3, f'<td class="col-severity" style="color:{colour}">{escape(label)}</td>')


def log_cells(report: pytest.TestReport, data: list[str]) -> None:
    """A skipped or blocked test's log starts with its reason in words, not a tuple."""
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3 and data:
        data[0] = escape(str(longrepr[2])) + "\n"
