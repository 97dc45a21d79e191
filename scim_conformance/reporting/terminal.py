"""The verdict on the terminal: the last thing a run prints before its cleanup summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scim_conformance.reporting.outcomes import RunOutcomes
from scim_conformance.reporting.verdict import READY, Verdict


def colour_of(verdict: Verdict) -> str:
    """Green when the gate passed on a whole run, red when not; yellow when Entra-ready
    yet the gate failed or the run was assessed only in part."""
    if not verdict.gate_failed and not verdict.incomplete:
        return "green"
    return "yellow" if verdict.readiness == READY else "red"


def write(
    terminal: Any,
    verdict: Verdict,
    results: RunOutcomes,
    *,
    retries: int,
    kept: Sequence[str] | None,
    written: Sequence[str],
    header: Sequence[str] = (),
    notice: str = "",
) -> None:
    """The verdict, its findings, the per-sequence table, and the files written. `kept`
    lists the resources --scim-keep left (None without it); `header` lines the run's
    header would show (given under -q, which hides it); `notice`, a line about the
    baseline file."""
    colour = colour_of(verdict)
    terminal.section("SCIM conformance verdict", **{colour: True})
    for line in header:
        terminal.line(line)
    terminal.line(verdict.lines[0], **{colour: True, "bold": True})
    for line in verdict.lines[1:]:
        terminal.line(line)
    if verdict.findings:
        terminal.line("")
        terminal.line(f"Findings ({len(verdict.findings)}), one per defect:")
    for number, finding in enumerate(verdict.findings, start=1):
        vendor = f" ({finding.vendor} rule)" if finding.vendor else ""
        terminal.line(f"  F{number} [{finding.severity.value}]{vendor} {finding.title}", bold=True)
        terminal.line(f"     rule {finding.rule}: {finding.requirement}")
        if len(finding.rules) > 1:
            terminal.line(f"     rules broken on this operation: {', '.join(finding.rules)}")
        if finding.request:
            terminal.line(f"     request: {finding.request}")
        terminal.line(f"     met on: {finding.met_on}")
        terminal.line(f"     source: {finding.sources[0]['url']}")
        met = [
            f"{len(names)} {label}"
            for names, label in (
                (finding.tests, "failed"),
                (finding.blocked, "blocked"),
                (finding.advised, "advised"),
            )
            if names
        ]
        terminal.line(f"     tests: {', '.join(met)}")
    terminal.line("")
    for name, row in results.by_sequence().items():
        terminal.line(
            f"  {name:<16} {row['passed']:>3} passed  {row['failed']:>3} failed  "
            f"{row['blocked']:>3} blocked  {row['skipped']:>3} skipped  "
            f"{row['advisory']:>3} advisory"
        )
    if retries:
        terminal.line(f"Retried {retries} request(s) after 429/503 (see transcripts)")
    if kept is not None:
        terminal.line(f"Kept {len(kept)} resource(s) (--scim-keep):")
        for path in kept:
            terminal.line(f"  {path}")
    if verdict.stale_baseline:
        strict = " (fails the run: --scim-baseline-strict)" if verdict.baseline_strict else ""
        terminal.line(
            f"The baseline lists {len(verdict.stale_baseline)} finding(s) this run did not "
            f"meet: fixed? remove them{strict}:",
            yellow=True,
        )
        for fingerprint in verdict.stale_baseline:
            terminal.line(f"  {fingerprint}")
    if notice:
        terminal.line(notice, yellow=True)
    for path in written:
        terminal.line(f"Wrote {path}")
