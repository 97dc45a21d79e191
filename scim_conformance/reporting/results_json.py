"""results.json (`--scim-json`): the run, its verdict on each axis, the findings and every
test, as `schemas/results.json` documents them (schema_version 2)."""

from __future__ import annotations

from typing import Any

from scim_conformance import __version__
from scim_conformance.reporting.outcomes import RunOutcomes
from scim_conformance.reporting.verdict import Verdict

RESULTS_SCHEMA_VERSION = 2


def results_document(verdict: Verdict, results: RunOutcomes, run: dict[str, Any]) -> dict[str, Any]:
    """The whole document."""
    tally = results.counts()
    return {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "tool": {"name": "scim-conformance", "version": __version__},
        "run": run,
        "verdict": verdict.readiness,
        "verdict_lines": list(verdict.lines),
        "axes": {
            "entra_readiness": verdict.headline,
            "partial": list(verdict.partial),
            "blocked": dict(verdict.blocked),
            "webex_blocked": dict(verdict.webex_blocked),
            "scim_conformance": verdict.lines[1],
            "webex_rules": verdict.webex,
            "not_run": results.not_run(),
        },
        "gate": {
            "fail_on": verdict.gate.value,
            "failed": verdict.gate_failed,
            "exit_code": int(verdict.exit_code),
            "reasons": list(verdict.gate_reasons),
        },
        "summary": {
            outcome: tally[outcome]
            for outcome in ("passed", "failed", "blocked", "skipped", "baseline", "error")
        }
        | {f"{severity} findings": count for severity, count in verdict.counts.items()},
        "findings": [finding.to_dict() for finding in verdict.findings],
        "tests": [test.to_dict() for test in results.tests.values()],
    }
