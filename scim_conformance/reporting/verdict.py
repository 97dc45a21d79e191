"""The run's verdict, decided once at the end of the run from the collected outcomes.

Entra readiness and SCIM (RFC) conformance are judged separately; Webex rules are their
own axis; a run in which part of Entra's cycle did not run is partial; and the gate
(`--scim-fail-on`, or `--scim-strict`) decides the exit code from the same findings the
words count. `decide` is the only place any of that is worked out: every writer (terminal,
results.json, HTML, baseline file, the exit code) renders the `Verdict` it returns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest

from scim_conformance.reporting.baseline import Baseline
from scim_conformance.reporting.findings import FindingRecord
from scim_conformance.reporting.outcomes import RunOutcomes
from scim_conformance.sequences import CYCLE
from scim_conformance.severity import ENDPOINT_AXIS, VENDOR_AXIS, Severity, gate_of

INTERRUPTED = "Interrupted: no verdict"
READY = "Entra-ready"
NOT_READY = "Not Entra-ready"
SUITE_ERROR = "No verdict: the suite itself failed"
# pytest's own outcomes the gate may overrule; any other (interrupted, internal or usage
# error, no tests collected) is pytest's to report.
_GATED = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


@dataclass(frozen=True)
class Verdict:
    """The run's answer, in words and as the gate's decision; writers only render it."""

    readiness: str  # Entra-ready, Not Entra-ready, Interrupted..., No verdict...
    partial: tuple[str, ...]  # sequences of Entra's cycle that did not run
    # Tests a finding kept from running, per axis: ("F1", 54) means 54 tests blocked by
    # the first finding. An axis with blocked tests was assessed only in part.
    blocked: tuple[tuple[str, int], ...]
    webex_blocked: tuple[tuple[str, int], ...]
    counts: dict[str, int]  # findings per severity, endpoint rules (baseline-listed too)
    webex: dict[str, int] | None  # findings per severity of the Webex rules; None: not run
    gate: Severity  # the --scim-fail-on threshold (advisory with --scim-strict)
    gate_failed: bool  # the run exits non-zero: `gate_reasons` say why
    gate_reasons: tuple[str, ...]  # why the gate failed, one clause each (the gate line's)
    findings: tuple[FindingRecord, ...]  # one per defect, as reports list them
    stale_baseline: tuple[str, ...]  # baseline findings a whole run did not meet
    baseline_strict: bool  # --scim-baseline-strict: a stale entry fails the run
    lines: tuple[str, ...]  # the verdict in words, one axis per line (gate line last)
    exit_code: int  # what the run exits with (a pytest.ExitCode)

    @property
    def headline(self) -> str:
        """`Not Entra-ready: 2 entra-breaking findings` or `Entra-ready (partial: …)`."""
        return self.lines[0]

    @property
    def incomplete(self) -> bool:
        """Part of Entra's cycle did not run, or a finding blocked tests."""
        return bool(self.partial or self.blocked or self.webex_blocked)


def decide(
    results: RunOutcomes,
    gate: Severity | str = Severity.RFC,
    *,
    strict: bool = False,
    baseline: Baseline | None = None,
    whole_suite: bool = True,
    baseline_strict: bool = False,
    status: int = pytest.ExitCode.OK,
) -> Verdict:
    """The verdict from the outcomes: Entra readiness from entra-breaking findings, SCIM
    conformance from rfc ones, Webex rules apart; the gate fails on any finding at or above
    `gate` that the baseline does not cover (every test that failed on it was expected to,
    or an entry covers its rules, operation, variants and dialects). Baseline-listed
    findings are still counted in the words (the truth), but do not fail the gate (that is
    what a baseline is for).

    Listed findings a run of the `whole_suite` did not meet are stale (not judged when
    only a part of the suite was selected); with `baseline_strict` they fail the run.
    `status` is pytest's exit status, which the gate replaces when the tests ran to the
    end. The exit code is decided here, once, and the gate line states it with its reasons.
    """
    threshold = gate_of(gate, strict=strict)
    findings = results.findings()
    # A cause breaking endpoint and Webex rules counts once on each axis.
    endpoint = Counter(s for f in findings if (s := f.on_axis(vendor=False)) is not None)
    vendor = Counter(s for f in findings if (s := f.on_axis(vendor=True)) is not None)
    # ... yet once in the headline (entra-breaking on both axes: one finding).
    breaking = Severity.ENTRA_BREAKING
    both = sum(f.on_axis(vendor=False) is breaking is f.on_axis(vendor=True) for f in findings)
    tests = results.tests.values()
    ran = {t.sequence for t in tests if t.outcome != "skipped"}
    errors = sum(t.outcome == "error" for t in tests)
    if results.interrupted:
        readiness = INTERRUPTED
    elif endpoint[Severity.ENTRA_BREAKING] or vendor[Severity.ENTRA_BREAKING]:
        readiness = NOT_READY
    elif errors:
        readiness = SUITE_ERROR
    else:
        readiness = READY
    labels = {id(f): f"F{n}" for n, f in enumerate(findings, start=1)}
    at_gate = [f for f in findings if f.severity.fails(threshold)]
    gating = [f for f in at_gate if not _known(results, f, baseline)]
    stale = tuple(baseline.stale(findings)) if baseline is not None and whole_suite else ()
    reasons = _gate_reasons(
        results, threshold, errors, [(labels[id(f)], f) for f in gating], baseline
    )
    if stale and baseline_strict:
        entries = "entry" if len(stale) == 1 else "entries"
        reasons.append(
            f"a baseline {entries} no longer met: {', '.join(stale)} (--scim-baseline-strict)"
        )
    exit_code = status
    if status in _GATED:
        # The gate follows the words: findings below the gate do not fail the run; a
        # fixed finding must leave the baseline when it is strict.
        exit_code = pytest.ExitCode.TESTS_FAILED if reasons else pytest.ExitCode.OK
    elif not reasons:
        reasons.append(f"pytest stopped the run ({_status_name(status)})")
    known = len(at_gate) - len(gating)
    partial = tuple(name for name in CYCLE if name not in ran)
    counts = {s.value: endpoint[s] for s in ENDPOINT_AXIS}
    webex = {s.value: vendor[s] for s in VENDOR_AXIS} if "Webex" in ran else None
    blocked = _blocked(results, findings, webex=False)
    webex_blocked = _blocked(results, findings, webex=True)
    gate_line = _gate_line(threshold, int(exit_code), reasons, known)
    return Verdict(
        readiness=readiness,
        partial=partial,
        blocked=blocked,
        webex_blocked=webex_blocked,
        counts=counts,
        webex=webex,
        gate=threshold,
        gate_failed=int(exit_code) != 0,
        gate_reasons=tuple(reasons),
        findings=tuple(findings),
        stale_baseline=stale,
        baseline_strict=baseline_strict,
        lines=(
            *_lines(both, results, readiness, partial, (blocked, webex_blocked), counts, webex),
            gate_line,
        ),
        exit_code=exit_code,
    )


def _known(results: RunOutcomes, finding: FindingRecord, baseline: Baseline | None) -> bool:
    """The baseline expects this finding: every test that failed on it was expected to
    fail, or (met only as a blocker or an advisory) an entry covers it whole."""
    if finding.tests:
        return _only_baseline(results, finding)
    return baseline is not None and baseline.covers(finding)


def _gate_reasons(
    results: RunOutcomes,
    gate: Severity,
    errors: int,
    gating: list[tuple[str, FindingRecord]],
    baseline: Baseline | None,
) -> list[str]:
    """Why the gate fails, worst first: an interrupted run, the suite's own errors, the
    findings at or above the gate the baseline does not cover."""
    reasons = []
    if results.interrupted:
        reasons.append("interrupted, no verdict")
    if errors:
        reasons.append(f"the suite itself failed in {_count(errors, 'test')}")
    if gating:
        names = ", ".join(label for label, _ in gating)
        reasons.append(f"{_count(len(gating), 'finding')} at or above {gate.value} ({names})")
    for label, finding in gating:
        gaps = baseline.uncovered(finding) if baseline is not None else ""
        if gaps:
            reasons.append(f"{label} is in the baseline but was met where it was not: {gaps}")
    return reasons


def _status_name(status: int) -> str:
    try:
        return f"exit status {int(status)}, {pytest.ExitCode(status).name.lower()}"
    except ValueError:
        return f"exit status {int(status)}"


def _gate_line(gate: Severity, exit_code: int, reasons: list[str], known: int) -> str:
    """`Gate --scim-fail-on=rfc: FAILED (exit 1): a baseline entry no longer met: …`: the
    exit code the run really ends with, and why."""
    if exit_code == 0:
        state = "passed (exit 0)"
        if known:
            state += f": {_count(known, 'finding')} at or above {gate.value} known (baseline)"
    else:
        state = f"FAILED (exit {exit_code}): " + "; ".join(reasons)
    return f"Gate --scim-fail-on={gate.value}: {state}"


def _blocked(
    results: RunOutcomes, findings: list[FindingRecord], *, webex: bool
) -> tuple[tuple[str, int], ...]:
    """Blocked tests of the Webex sequence (`webex`) or of every other one, counted per
    finding by the label reports give it (F1 for the first)."""
    # By the tests each finding blocked: a test's own record names one rule on its own
    # operation, the finding it joined may list several.
    labels = {t: f"F{n}" for n, f in enumerate(findings, start=1) for t in f.blocked}
    tally: Counter[str] = Counter()
    for test in results.tests.values():
        if test.outcome == "blocked" and (test.sequence == "Webex") == webex:
            tally[labels.get(test.nodeid, "?")] += 1
    return tuple(sorted(tally.items(), key=lambda item: (len(item[0]), item[0])))


def partial_note(blocked: tuple[tuple[str, int], ...]) -> str:
    """`partial: 60 tests blocked (F1: 54, F2: 6)`, or nothing when no test was blocked."""
    if not blocked:
        return ""
    total = sum(count for _, count in blocked)
    if len(blocked) == 1:
        return f"partial: {_count(total, 'test')} blocked by {blocked[0][0]}"
    detail = ", ".join(f"{label}: {count}" for label, count in blocked)
    return f"partial: {_count(total, 'test')} blocked ({detail})"


def _only_baseline(results: RunOutcomes, finding: FindingRecord) -> bool:
    """Every test that failed on this finding is listed in the baseline by test id."""
    failing = [results.tests[n] for n in finding.tests if n in results.tests]
    return bool(failing) and all(t.outcome == "baseline" for t in failing)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _headline(
    both: int,
    readiness: str,
    partial: tuple[str, ...],
    blocked: str,
    counts: dict[str, int],
    webex: dict[str, int] | None,
) -> str:
    if readiness == NOT_READY:
        # Entra-breaking Webex rules too: Entra's Cisco Webex app would fail on them.
        breaking = Severity.ENTRA_BREAKING.value
        found = counts[breaking] + (webex or {}).get(breaking, 0) - both
        return f"{NOT_READY}: {_count(found, 'entra-breaking finding')}" + (
            f"; {blocked}" if blocked else ""
        )
    if readiness == READY and (partial or blocked):
        missing = [f"{', '.join(partial)} did not run"] if partial else []
        missing += [blocked.removeprefix("partial: ")] if blocked else []
        return f"{READY} (partial: {'; '.join(missing)})"
    return readiness


def _lines(
    both: int,
    results: RunOutcomes,
    readiness: str,
    partial: tuple[str, ...],
    blocked: tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]],
    counts: dict[str, int],
    webex: dict[str, int] | None,
) -> tuple[str, ...]:
    """The verdict as the terminal prints it, one axis per line. An axis some of whose
    tests a finding blocked says so, and never claims that it found no deviations."""
    rfc = counts[Severity.RFC.value]
    endpoint_note, webex_note = partial_note(blocked[0]), partial_note(blocked[1])
    if rfc:
        conformance = _count(rfc, "RFC deviation") + (f"; {endpoint_note}" if endpoint_note else "")
    elif endpoint_note:
        conformance = f"no RFC deviations in the tests that ran; {endpoint_note}"
    else:
        conformance = "no RFC deviations found"
    lines = [
        _headline(both, readiness, partial, endpoint_note, counts, webex),
        "SCIM conformance: " + conformance,
        f"Advisories: {counts[Severity.ADVISORY.value]}",
    ]
    if webex is None:
        lines.append("Webex rules: not run")
    else:
        found = sum(webex.values())
        detail = ", ".join(f"{n} {s}" for s, n in webex.items() if n)
        lines.append(
            f"Webex rules: {_count(found, 'finding')}"
            + (f" ({detail})" if detail else "")
            + (f"; {webex_note}" if webex_note else "")
        )
    lines.append("Tests: " + results.tests_line())
    not_run = results.not_run()
    if not_run:
        lines.append("Not run: " + "; ".join(f"{name} ({why})" for name, why in not_run.items()))
    return tuple(lines)
