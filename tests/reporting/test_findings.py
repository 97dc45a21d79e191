"""Findings: fingerprints by rule and kind of request, merging across tests, the verdict on
its axes and the gate (pure functions, no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.failures import Finding
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting.findings import FindingRecord, merge
from scim_conformance.reporting.operations import patched_attributes, path_template, request_kind
from scim_conformance.reporting.outcomes import RunOutcomes, TestOutcome
from scim_conformance.reporting.verdict import decide

BASE = "https://api.example.com/scim/v2"


def exchange(method: str, path: str, body: dict[str, Any] | None = None) -> Exchange:
    return Exchange(
        method=method,
        url=BASE + path,
        request_headers=[],
        request_body=json.dumps(body) if body is not None else None,
        status=200,
    )


@pytest.mark.parametrize(
    ("url", "template"),
    [
        (f"{BASE}/Users/2819c223-7f76", "/Users/{id}"),
        (f"{BASE}/Groups/abc?excludedAttributes=members", "/Groups/{id}?excludedAttributes"),
        (f"{BASE}/Users?filter=userName+eq+%22a%22&count=1", "/Users?count&filter"),
        (f"{BASE}/Users", "/Users"),
    ],
)
def test_path_template_takes_ids_and_query_values_out(url: str, template: str) -> None:
    assert path_template(url, BASE) == template


def test_both_dialects_of_one_patch_are_one_kind_of_request() -> None:
    legacy = {"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    flag = {"Operations": [{"op": "replace", "value": {"active": False}}]}
    assert patched_attributes(json.dumps(legacy)) == patched_attributes(json.dumps(flag))
    assert patched_attributes(json.dumps(legacy)) == ["active"]


def test_filter_literals_do_not_split_a_kind_of_request() -> None:
    one = {"Operations": [{"op": "remove", "path": 'members[value eq "a"]'}]}
    other = {"Operations": [{"op": "remove", "path": 'members[value eq "b"]'}]}
    assert patched_attributes(json.dumps(one)) == patched_attributes(json.dumps(other))
    assert patched_attributes("not json") == []


def test_request_kind_names_method_path_and_patched_attributes() -> None:
    patch = exchange("PATCH", "/Users/1", {"Operations": [{"op": "Add", "path": "title"}]})
    assert request_kind(patch, BASE) == "PATCH /Users/{id} title"
    assert request_kind(exchange("DELETE", "/Groups/9"), BASE) == "DELETE /Groups/{id}"
    assert request_kind(None, BASE) == ""


def record(rule: rules.Rule, write: Exchange, read: Exchange | None = None) -> FindingRecord:
    finding = Finding(rule, "title", "expected", "actual", read or write, write if read else None)
    return FindingRecord.of(finding, BASE, [])


def test_the_write_not_the_read_back_decides_the_kind() -> None:
    write = exchange("PATCH", "/Users/1", {"Operations": [{"op": "Replace", "path": "active"}]})
    found = record(rules.PATCH_APPLIED, write, exchange("GET", "/Users/1"))
    assert found.fingerprint == "patch-applied @ PATCH /Users/{id} replace active"


def test_rules_about_every_response_are_one_finding_per_run() -> None:
    first = record(rules.CONTENT_TYPE_JSON, exchange("GET", "/Users/1"))
    second = record(rules.CONTENT_TYPE_JSON, exchange("POST", "/Groups", {}))
    assert first.fingerprint == second.fingerprint == "content-type-json"


def test_legacy_only_patch_findings_become_one_legacy_dialect_finding() -> None:
    write = exchange("PATCH", "/Users/1", {"Operations": [{"op": "Replace", "path": "title"}]})
    group = exchange("PATCH", "/Groups/1", {"Operations": [{"op": "Add", "path": "members"}]})
    results = run_of(
        outcome("a[legacy]", "Update", "failed", record(rules.PATCH_STATUS, write)),
        outcome("a[aadOptscim062020]", "Update", "passed"),
        outcome("b[legacy]", "Groups", "failed", record(rules.PATCH_STATUS, group)),
        outcome("b[aadOptscim062020]", "Groups", "passed"),
    )
    [finding] = results.findings()
    assert finding.rule == "legacy-dialect"
    assert finding.tests == ["a[legacy]", "b[legacy]"]
    # A defect that also fails the flag dialect is not the dialect's.
    results.tests["b[aadOptscim062020]"].outcome = "failed"
    assert {f.rule for f in results.findings()} == {"patch-status"}


def test_one_defect_met_by_many_tests_is_one_finding() -> None:
    """Both dialects and a blocked test meet one finding (a change read back wrong is told
    apart by what it changed); a rule about the PATCH's own answer is met by any PATCH."""
    write = exchange("PATCH", "/Users/1", {"Operations": [{"op": "Replace", "path": "active"}]})
    other = exchange("PATCH", "/Users/2", {"Operations": [{"op": "replace", "path": "active"}]})
    title = exchange("PATCH", "/Users/2", {"Operations": [{"op": "replace", "path": "title"}]})
    read = exchange("GET", "/Users/2")
    merged = merge(
        [
            ("t1[legacy]", "failed", record(rules.PATCH_APPLIED, write, read)),
            ("t1[flag]", "failed", record(rules.PATCH_APPLIED, other, read)),
            ("t2", "blocked", record(rules.PATCH_APPLIED, other, read)),
            ("t3", "failed", record(rules.PATCH_STATUS, other)),
            ("t4", "failed", record(rules.PATCH_STATUS, title)),
            ("t5", "failed", record(rules.PATCH_APPLIED, title, read)),
        ]
    )
    assert [(f.fingerprint, f.tests, f.blocked) for f in merged] == [
        ("patch-applied @ PATCH /Users/{id} replace active", ["t1[flag]", "t1[legacy]"], ["t2"]),
        ("patch-applied @ PATCH /Users/{id} replace title", ["t5"], []),
        ("patch-status @ PATCH /Users/{id}", ["t3", "t4"], []),
    ]


def outcome(
    nodeid: str, sequence: str, state: str, found: FindingRecord | None = None
) -> TestOutcome:
    test = TestOutcome(nodeid, sequence, None, outcome=state)
    if found is not None:
        test.found(found)
    return test


CYCLE_PASSED = [
    ("Test Connection", "passed"),
    ("Groups", "passed"),
    ("Matching", "passed"),
    ("Create", "passed"),
    ("Get", "passed"),
    ("Update", "passed"),
    ("Deactivate", "passed"),
    ("Delete", "passed"),
]


def run_of(*extra: TestOutcome, cycle: list[tuple[str, str]] = CYCLE_PASSED) -> RunOutcomes:
    results = RunOutcomes()
    for n, (sequence, state) in enumerate(cycle):
        results.tests[f"c{n}"] = outcome(f"c{n}", sequence, state)
    for test in extra:
        results.tests[test.nodeid] = test
    return results


def test_rfc_findings_keep_entra_ready_and_the_gate_follows_fail_on() -> None:
    create = exchange("POST", "/Users", {})
    rfc = record(rules.PATCH_RESPONSE_BODY, create)
    results = run_of(outcome("x", "Update", "failed", rfc))
    assert decide(results, "rfc").readiness == "Entra-ready"
    assert decide(results, "rfc").gate_failed
    assert not decide(results, "entra-breaking").gate_failed
    lines = decide(results, "entra-breaking").lines
    assert lines[0] == "Entra-ready"
    assert lines[1] == "SCIM conformance: 1 RFC deviation"
    assert lines[-1] == "Gate --scim-fail-on=entra-breaking: passed (exit 0)"


def test_blocked_tests_are_not_counted_as_failures_and_the_finding_counts_once() -> None:
    broken = record(rules.CREATE_ACCEPTED, exchange("POST", "/Groups", {}))
    results = run_of(
        outcome("create", "Groups", "failed", broken),
        outcome("members", "Groups", "blocked", broken),
        outcome("rename", "Groups", "blocked", broken),
    )
    assert decide(results).headline == (
        "Not Entra-ready: 1 entra-breaking finding; partial: 2 tests blocked by F1"
    )
    assert results.counts()["failed"] == 1
    assert results.counts()["blocked"] == 2
    assert len(results.findings()) == 1


def test_a_run_missing_part_of_the_cycle_is_partial_and_names_it() -> None:
    cycle = [(s, "skipped" if s == "Groups" else state) for s, state in CYCLE_PASSED]
    results = run_of(cycle=cycle)
    results.tests["c1"].skip_reason = "the server has no /Groups endpoint"
    verdict = decide(results)
    assert verdict.partial == ("Groups",)
    assert verdict.headline == "Entra-ready (partial: Groups did not run)"
    assert results.not_run()["Groups"] == "1 skipped: the server has no /Groups endpoint"


def test_no_axis_with_blocked_tests_claims_it_found_no_deviations() -> None:
    advisory = record(rules.CREATE_RESPONSE_BODY, exchange("POST", "/Groups", {}))
    results = run_of(
        outcome("create", "Groups", "failed", advisory),
        *(outcome(f"member{n}", "Groups", "blocked", advisory) for n in range(14)),
        outcome("webex", "Webex", "blocked", advisory),
    )
    verdict = decide(results, "entra-breaking")
    assert verdict.blocked == (("F1", 14),)
    assert verdict.webex_blocked == (("F1", 1),)
    assert verdict.incomplete
    conformance = verdict.lines[1]
    assert "no RFC deviations found" not in conformance
    assert verdict.lines[2].startswith("Advisories: 1")
    assert conformance == (
        "SCIM conformance: no RFC deviations in the tests that ran; partial: 14 tests blocked by F1"
    )
    assert verdict.headline == "Entra-ready (partial: 14 tests blocked by F1)"
    assert verdict.lines[3].endswith("; partial: 1 test blocked by F1")


def test_tests_blocked_by_several_findings_are_counted_per_finding() -> None:
    create = record(rules.CREATE_ACCEPTED, exchange("POST", "/Users", {}))
    rfc = record(rules.PATCH_RESPONSE_BODY, exchange("PATCH", "/Users/1", {}))
    results = run_of(
        outcome("create", "Create", "failed", create),
        outcome("patch", "Update", "failed", rfc),
        *(outcome(f"u{n}", "Update", "blocked", create) for n in range(3)),
        outcome("p", "Update", "blocked", rfc),
    )
    verdict = decide(results)
    assert (
        verdict.lines[1]
        == "SCIM conformance: 1 RFC deviation; partial: 4 tests blocked (F1: 3, F2: 1)"
    )


def test_a_suite_error_is_not_blamed_on_the_endpoint() -> None:
    results = run_of(outcome("boom", "Update", "error"))
    verdict = decide(results)
    assert verdict.readiness == "No verdict: the suite itself failed"
    assert verdict.counts["entra-breaking"] == 0
    assert verdict.gate_failed
