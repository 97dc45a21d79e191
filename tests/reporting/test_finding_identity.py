"""Finding identity follows the defect: Entra's operation, the rules broken on it, where it
was met (variants, dialects); a baseline pins all of it; and the gate line states the exit
code the run really ends with (issue 20). Pure functions, no server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.failures import Finding
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting import baseline
from scim_conformance.reporting.findings import FindingRecord, merge
from scim_conformance.reporting.operations import operation_of
from scim_conformance.reporting.outcomes import RunOutcomes, TestOutcome
from scim_conformance.reporting.verdict import decide
from scim_conformance.severity import Severity

BASE = "https://api.example.com/scim/v2"
DEACTIVATE_LEGACY = {"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
DEACTIVATE_FLAG = {"Operations": [{"op": "replace", "value": {"active": False}}]}
NAME_FLAG = {
    "Operations": [
        {"op": "replace", "value": {"name.givenName": "A", "name.familyName": "B", "title": "T"}}
    ]
}


def exchange(method: str, path: str, body: dict[str, Any] | None = None) -> Exchange:
    return Exchange(
        method=method,
        url=BASE + path,
        request_headers=[],
        request_body=json.dumps(body) if body is not None else None,
        status=200,
    )


def record(
    rule: rules.Rule,
    write: Exchange,
    *,
    actual: str = "actual",
    title: str = "title",
    nodeid: str = "",
    dialect: str | None = None,
) -> FindingRecord:
    finding = Finding(rule, title, "expected", actual, exchange("GET", "/Users/1"), write)
    return FindingRecord.of(finding, BASE, [], nodeid=nodeid, dialect=dialect)


def deactivate(dialect: str) -> FindingRecord:
    body = DEACTIVATE_LEGACY if dialect == "legacy" else DEACTIVATE_FLAG
    return record(
        rules.PATCH_APPLIED,
        exchange("PATCH", "/Users/1", body),
        actual="active = true (expected false)",
        nodeid=f"test_users_lifecycle.py::test_deactivate_keeps_user_readable[{dialect}]",
        dialect=dialect,
    )


def dotted(nodeid: str) -> FindingRecord:
    return record(
        rules.PATCH_APPLIED,
        exchange("PATCH", "/Users/1", NAME_FLAG),
        actual='name.givenName = null (expected "A"); name.familyName = null (expected "B")',
        nodeid=nodeid,
        dialect="aadOptscim062020",
    )


def test_the_operation_is_dialect_free_and_names_what_the_patch_changes() -> None:
    legacy, flag = deactivate("legacy"), deactivate("aadOptscim062020")
    assert legacy.operation == flag.operation == "PATCH /Users/{id} replace active"
    assert legacy.fingerprint == "patch-applied @ PATCH /Users/{id} replace active"
    # Only the attributes read back wrong: `title` stuck, so it is not the operation's.
    assert dotted("x").operation == "PATCH /Users/{id} replace name.familyName,name.givenName"
    paged = exchange("GET", "/Users?filter=name.familyName+eq+%22x%22&startIndex=1&count=1")
    assert operation_of(paged, BASE) == "GET /Users page"
    filtered = exchange("GET", "/Users?filter=userName+eq+%22a%22")
    assert operation_of(filtered, BASE) == "GET /Users filter"
    assert operation_of(exchange("POST", "/Users"), BASE) == "POST /Users"


def test_a_finding_records_the_variant_and_dialect_it_was_met_on() -> None:
    met = deactivate("legacy")
    assert met.variants == [
        "active-capitalised-string-path"
    ]  # the catalogue's variant sent by that test
    assert met.dialects == ["legacy"]
    titled = record(
        rules.PATCH_APPLIED,
        exchange("PATCH", "/Users/1", DEACTIVATE_FLAG),
        title="Replace active false [variant active-lower-string-path, legacy]",
    )
    assert titled.variants == ["active-lower-string-path"]


def test_two_defects_of_one_rule_on_two_operations_are_two_findings() -> None:
    """deactivate-ignored and dotted-keys-literal both break patch-applied on PATCH
    /Users/{id}: they were one finding; now each is its own, with where it was met."""
    merged = merge(
        [
            ("lifecycle[legacy]", "failed", deactivate("legacy")),
            ("lifecycle[flag]", "failed", deactivate("aadOptscim062020")),
            ("update.py::names[aadOptscim062020]", "failed", dotted("names")),
            ("update.py::several[aadOptscim062020]", "failed", dotted("several")),
        ]
    )
    assert [(f.fingerprint, f.dialects, len(f.tests)) for f in merged] == [
        (
            "patch-applied @ PATCH /Users/{id} replace active",
            ["aadOptscim062020", "legacy"],
            2,
        ),
        (
            "patch-applied @ PATCH /Users/{id} replace name.familyName,name.givenName",
            ["aadOptscim062020"],
            2,
        ),
    ]


def paging(rule: rules.Rule, query: str) -> FindingRecord:
    answer = exchange("GET", f"/Users?{query}")
    return FindingRecord.of(Finding(rule, rule.id, "e", "a", answer), BASE, [])


def test_rules_broken_on_one_operation_are_one_cause_counted_on_each_axis() -> None:
    """A server ignoring startIndex breaks count-zero, pagination and Webex paging: one
    finding listing the three, counted once per axis of the verdict."""
    results = RunOutcomes()
    for name, found in (
        ("count", paging(rules.COUNT_ZERO, "startIndex=1&count=0")),
        ("pages", paging(rules.PAGINATION, "startIndex=1&count=2")),
        ("webex", paging(rules.WEBEX_PAGING, "filter=x+eq+%22y%22&startIndex=1&count=1")),
    ):
        test = TestOutcome(name, "Webex" if name == "webex" else "Listing", None, "failed")
        test.found(found)
        results.tests[name] = test
    (finding,) = results.findings()
    assert finding.fingerprint == "count-zero+pagination+webex-paging @ GET /Users page"
    assert finding.rule == "count-zero"
    assert finding.severity is Severity.RFC
    verdict = decide(results)
    assert verdict.counts["rfc"] == 1
    assert verdict.webex == {"entra-breaking": 0, "webex-clients": 1, "advisory": 0}


def test_a_generated_example_joins_the_fixed_checks_finding_of_its_rule() -> None:
    random_attributes = record(
        rules.PATCH_APPLIED,
        exchange("PATCH", "/Users/1", {"Operations": [{"op": "replace", "path": "nickName"}]}),
    )
    merged = merge(
        [
            ("lifecycle[legacy]", "failed", deactivate("legacy")),
            ("test_properties.py::test_patch_sequence_matches_model", "failed", random_attributes),
        ]
    )
    assert len(merged) == 1
    assert merged[0].operation == "PATCH /Users/{id} replace active"
    assert len(merged[0].tests) == 2


# The baseline -------------------------------------------------------------------------------


def written(tmp_path: Path, *findings: FindingRecord) -> baseline.Baseline:
    path = tmp_path / "known.toml"
    path.write_text(baseline.render(findings), encoding="utf-8")
    return baseline.load(path)


def merged_deactivation() -> FindingRecord:
    (finding,) = merge([("t[legacy]", "failed", deactivate("legacy"))])
    return finding


def test_a_baseline_entry_pins_the_finding_and_where_it_was_met(tmp_path: Path) -> None:
    known = written(tmp_path, merged_deactivation())
    text = known.path.read_text()
    assert "format = 2" in text
    assert 'finding = "patch-applied @ PATCH /Users/{id} replace active"' in text
    assert 'variants = ["active-capitalised-string-path"]' in text
    assert 'dialects = ["legacy"]' in text
    assert known.notice == ""
    assert known.reason("t", deactivate("legacy")) is not None
    # The same rule on another operation is a new finding.
    assert known.reason("t", dotted("names")) is None
    # The same finding met in the other dialect (another variant) is not covered either.
    assert known.reason("t", deactivate("aadOptscim062020")) is None
    assert known.uncovered(deactivate("aadOptscim062020")) == (
        "variant active-json-path, dialect aadOptscim062020"
    )
    assert known.stale([merged_deactivation()]) == []
    assert known.stale([]) == ["patch-applied @ PATCH /Users/{id} replace active"]


def test_a_first_format_baseline_keeps_working_and_asks_to_be_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(
        '[[deviation]]\nfinding = "patch-applied @ PATCH /Users/{id}"\nreason = "known"\n'
        '[[deviation]]\nid = "test_a.py::test_b"\nreason = "by id"\n',
        encoding="utf-8",
    )
    old = baseline.load(path)
    assert old.reason("x", deactivate("legacy")) == "known"
    assert old.reason("x", dotted("names")) == "known"  # as wide as it always was
    assert old.reason("test_a.py::test_b") == "by id"
    assert old.notice.startswith(f"--scim-baseline {path}: entries keyed `rule @ METHOD path`")
    assert "re-write it with --scim-write-baseline" in old.notice
    assert old.stale([merged_deactivation()]) == []


# The gate: one table, every combination ------------------------------------------------------

CYCLE = ["Test Connection", "Groups", "Matching", "Create", "Get", "Update", "Deactivate", "Delete"]
ADVISORY = record(rules.CREATE_RESPONSE_BODY, exchange("POST", "/Users"))
RFC = record(rules.COUNT_ZERO, exchange("GET", "/Users?count=0"))


def run_with(outcome: str, finding: FindingRecord | None, interrupted: bool) -> RunOutcomes:
    results = RunOutcomes(interrupted=interrupted)
    for n, sequence in enumerate(CYCLE):
        results.tests[f"c{n}"] = TestOutcome(f"c{n}", sequence, None)
    if outcome:
        test = TestOutcome("x", "Listing", "legacy", outcome)
        if finding is not None:
            test.found(finding)
        results.tests["x"] = test
    return results


OK, FAILED = pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED
# (case, test outcome, its finding, gate, --scim-strict, baseline entries, strict baseline,
#  whole suite, pytest's status, interrupted, exit code, words of the gate line)
GATE_CASES = [
    ("clean", "", None, "rfc", False, (), False, True, OK, False, 0, "passed (exit 0)"),
    (
        "rfc finding",
        "failed",
        RFC,
        "rfc",
        False,
        (),
        False,
        True,
        FAILED,
        False,
        1,
        "FAILED (exit 1): 1 finding at or above rfc (F1)",
    ),
    ("rfc below gate", "failed", RFC, "entra-breaking", False, (), False, True, FAILED, False, 0,
     "passed (exit 0)"),
    ("advisory", "passed", None, "rfc", False, (), False, True, OK, False, 0, "passed (exit 0)"),
    ("--scim-strict", "failed", ADVISORY, "rfc", True, (), False, True, FAILED, False, 1,
     "FAILED (exit 1): 1 finding at or above advisory (F1)"),
    ("known by the baseline", "baseline", RFC, "rfc", False, (RFC,), False, True, OK, False, 0,
     "passed (exit 0): 1 finding at or above rfc known (baseline)"),
    ("stale entry", "", None, "rfc", False, (RFC,), False, True, OK, False, 0, "passed (exit 0)"),
    ("stale entry, strict baseline", "", None, "rfc", False, (RFC,), True, True, OK, False, 1,
     "FAILED (exit 1): a baseline entry no longer met: count-zero @ GET /Users page "
     "(--scim-baseline-strict)"),
    ("stale entry, strict baseline, -k", "", None, "rfc", False, (RFC,), True, False, OK, False,
     0, "passed (exit 0)"),
    ("stale entry, strict baseline, rfc finding", "failed", ADVISORY, "rfc", True, (RFC,), True,
     True, FAILED, False, 1, "1 finding at or above advisory (F1); a baseline entry no longer "
     "met"),
    ("suite error", "error", None, "rfc", False, (), False, True, FAILED, False, 1,
     "FAILED (exit 1): the suite itself failed in 1 test"),
    ("interrupted", "", None, "rfc", False, (), False, True, pytest.ExitCode.INTERRUPTED, True,
     2, "FAILED (exit 2): interrupted, no verdict"),
    ("interrupted with a finding", "failed", RFC, "rfc", False, (), False, True,
     pytest.ExitCode.INTERRUPTED, True, 2, "FAILED (exit 2): interrupted, no verdict; 1 finding"),
    ("usage error", "", None, "rfc", False, (), False, True, pytest.ExitCode.USAGE_ERROR, False,
     4, "FAILED (exit 4): pytest stopped the run (exit status 4, usage_error)"),
]  # fmt: skip


@pytest.mark.parametrize(
    (
        "outcome",
        "finding",
        "gate",
        "strict",
        "entries",
        "baseline_strict",
        "whole",
        "status",
        "interrupted",
        "exit_code",
        "says",
    ),
    [case[1:] for case in GATE_CASES],
    ids=[case[0] for case in GATE_CASES],
)
def test_the_gate_line_states_the_exit_code_the_run_ends_with(
    tmp_path: Path,
    outcome: str,
    finding: FindingRecord | None,
    gate: str,
    strict: bool,
    entries: tuple[FindingRecord, ...],
    baseline_strict: bool,
    whole: bool,
    status: int,
    interrupted: bool,
    exit_code: int,
    says: str,
) -> None:
    known = written(tmp_path, *entries) if entries else None
    verdict = decide(
        run_with(outcome, finding, interrupted),
        gate,
        strict=strict,
        baseline=known,
        whole_suite=whole,
        baseline_strict=baseline_strict,
        status=status,
    )
    line = verdict.lines[-1]
    assert verdict.exit_code == exit_code, line
    assert line.startswith(f"Gate --scim-fail-on={'advisory' if strict else gate}: ")
    assert f"(exit {exit_code})" in line, line
    assert says in line, line
    assert verdict.gate_failed is (exit_code != 0)


def test_a_baseline_finding_met_on_an_operation_its_entry_did_not_cover_fails_the_gate(
    tmp_path: Path,
) -> None:
    known = written(tmp_path, merged_deactivation())
    results = run_with("failed", deactivate("aadOptscim062020"), False)
    verdict = decide(results, "rfc", baseline=known, status=FAILED)
    assert verdict.exit_code == 1
    assert verdict.lines[-1] == (
        "Gate --scim-fail-on=rfc: FAILED (exit 1): 1 finding at or above rfc (F1); "
        "F1 is in the baseline but was met where it was not: variant active-json-path, "
        "dialect aadOptscim062020"
    )
