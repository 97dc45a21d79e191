"""What the customer would see in Entra: every rule names the provisioning-log entry its
breach leaves (a code Microsoft documents, or honestly none), every finding shows it, and
the HTML report lists each simulated user and group in Entra's terms."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from scim_conformance.checks import provisioning_logs, rules
from scim_conformance.checks.failures import Finding
from scim_conformance.checks.provisioning_logs import LOGS, code_for_status, entry
from scim_conformance.reference import Fault
from scim_conformance.reporting.provisioning_view import ProvisioningView
from support.suite_run import SuiteRun

# The codes of the error-code table of
# https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-analyze-provisioning-logs
DOCUMENTED = {
    "Conflict",
    "EntryConflict",
    "TooManyRequests",
    "InternalServerError",
    "InsufficientRights",
    "MethodNotAllowed",
    "NotPermitted",
    "Unauthorized",
    "UnprocessableEntity",
    "WebExceptionProtocolError",
    "InvalidAnchor",
    "NotImplemented",
    "MandatoryFieldsMissing",
    "MissingValues",
    "SchemaAttributeNotFound",
    "InternalError",
    "InvalidDomain",
    "Timeout",
    "LicenseLimitExceeded",
    "DuplicateTargetEntries",
    "DuplicateSourceEntries",
    "ImportSkipped",
    "EntrySynchronizationSkipped",
    "SystemForCrossDomainIdentityManagementMultipleEntriesInResponse",
    "SystemForCrossDomainIdentityManagementServiceIncompatible",
    "SchemaPropertyCanOnlyAcceptValue",
}
BASE = "https://scim.example.test/v2"
RESULTS_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "results.json").read_text()
)


# Rules of Entra's request variants, merged on main beside this module's first version.
INCOMING = {
    "active-string-any-case",
    "create-active-string",
    "content-type-charset",
    "test-connection-headers",
    "no-throttling-429",
    "patch-clear-attribute",
}


def test_every_rule_has_an_entry_and_every_entry_a_rule() -> None:
    assert set(rules.CATALOGUE) <= set(LOGS)
    assert set(LOGS) - set(rules.CATALOGUE) <= INCOMING


def test_every_code_named_is_one_microsoft_documents() -> None:
    for rule_id, log in LOGS.items():
        if log.code is not None:
            assert set(log.code.split(" or ")) <= DOCUMENTED, rule_id
        else:  # said honestly: no code, or nothing at all
            assert log.meaning.startswith(("no documented code", "no error", "nothing")), rule_id
    for status in (None, 401, 403, 409, 422, 429, 500, 503):
        assert code_for_status(status) in DOCUMENTED
    assert code_for_status(None, "timed out") == "Timeout"
    assert code_for_status(400) == "no documented code (HTTP 400)"


def test_the_source_is_microsofts_error_code_table() -> None:
    assert provisioning_logs.SOURCE.url.endswith(
        "/entra/identity/monitoring-health/howto-analyze-provisioning-logs"
    )


def test_a_finding_shows_the_line_in_one_line() -> None:
    finding = Finding(rules.FILTER_EXACT_MATCH, "Title", "one match", "two")
    lines = finding.render().splitlines()
    shown = [line for line in lines if "provisioning logs would show" in line]
    assert shown == [
        "  your customers' provisioning logs would show: DuplicateTargetEntries or "
        "EntryConflict: several accounts matched (Entra did nothing), or none did and Entra's "
        "create conflicted with the account it should have found"
    ]
    assert entry("no-such-rule").line() == (
        "your customers' provisioning logs would show: no documented code for this rule"
    )


def exchange(
    method: str, path: str, status: int | None, body: Any = None, answer: Any = None
) -> dict[str, Any]:
    return {
        "method": method,
        "url": BASE + path,
        "status": status,
        "request_body": None if body is None else json.dumps(body),
        "response_body": None if answer is None else json.dumps(answer),
        "error": None if status is not None else "timed out",
    }


DISABLE = {"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}


def test_the_view_speaks_entras_terms() -> None:
    view = ProvisioningView()
    create = exchange("POST", "/Users", 201, {"userName": "Ada@x.test"}, {"id": "u1"})
    disable = exchange("PATCH", "/Users/u1", 200, DISABLE)
    finding = {
        "rule": "patch-applied",
        "message": f"[entra-breaking] t\n  write:    PATCH {BASE}/Users/u1 → HTTP 200\n",
        "provisioning_log": entry("patch-applied").to_dict(),
    }
    view.add_test("t_lost", [create, disable], finding, failed=True)
    view.add_test(
        "t_refused",
        [
            exchange("POST", "/Users", 201, {"userName": "Bob@x.test"}, {"id": "u2"}),
            exchange("PATCH", "/Users/u2", 400, {"Operations": []}),
            exchange("DELETE", "/Users/u2", None),
        ],
        None,
        failed=True,
    )
    # A test that passed: its refused requests were asked for (Entra sends none of them).
    view.add_test(
        "t_probe",
        [
            exchange("POST", "/Users", 201, {"userName": "Cy@x.test"}, {"id": "u3"}),
            exchange("POST", "/Users", 409, {"userName": "CY@x.test"}),
            exchange("GET", '/Users?filter=userName+eq+"Cy@x.test"', 401),
        ],
        None,
        failed=False,
    )
    objects = {obj.name: obj for obj in view.ordered()}
    lost = [(s.action, s.status, s.code, s.finding) for s in objects["Ada@x.test"].steps]
    assert lost == [
        ("Create", "Success", "", ""),
        (
            "Disable",
            "Success",
            "",
            "patch-applied: no error: Entra logs Success, and the change is lost in the app",
        ),
    ]
    refused = [(s.action, s.status, s.code) for s in objects["Bob@x.test"].steps]
    assert refused == [
        ("Create", "Success", ""),
        ("Update", "Failure", "no documented code (HTTP 400)"),
        ("Delete", "Failure", "Timeout"),
    ]
    assert [(s.action, s.status) for s in objects["Cy@x.test"].steps] == [("Create", "Success")]
    assert [obj.name for obj in view.ordered()][-1] == "Cy@x.test"  # failures first


def test_findings_and_the_report_show_what_entra_would_log(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run = run_suite(
        "--scim-json=results.json",
        "--html=report.html",
        "--self-contained-html",
        "-k",
        "test_deactivate_keeps_user_readable",
        faults=[Fault.INACTIVE_UNMATCHED],
    )
    assert run.failed
    line = entry("soft-delete-readable").line()
    assert line in run.output()
    document = json.loads((workdir / "results.json").read_text())
    jsonschema.validate(document, RESULTS_SCHEMA)
    logs = [finding["provisioning_log"] for finding in document["findings"]]
    assert {"code": "EntryConflict", "meaning": entry("soft-delete-readable").meaning} in [
        {"code": log["code"], "meaning": log["meaning"]} for log in logs
    ]
    page = (workdir / "report.html").read_text()
    assert "id=&#x27;provisioning-logs&#x27;" in page or "id='provisioning-logs'" in page
    text = re.sub(r"&#x27;|&#39;", "'", page)
    assert "your customers' provisioning logs would show" in text
    assert "Disable" in text
    assert "EntryConflict</code> in a later cycle (finding)" in text
    assert run.token not in page


def test_a_finding_on_a_successful_lookup_marks_the_failure_of_a_later_cycle() -> None:
    view = ProvisioningView()
    query = '/Users?filter=userName+eq+"Di@x.test"'
    finding = {
        "rule": "soft-delete-readable",
        "message": f"[entra-breaking] t\n  request:  GET {BASE}{query}\n",
        "provisioning_log": entry("soft-delete-readable").to_dict(),
    }
    created = exchange("POST", "/Users", 201, {"userName": "Di@x.test"}, {"id": "u4"})
    matched = exchange("GET", query, 200, None, {"totalResults": 0, "Resources": []})
    view.add_test("t_unmatched", [created, matched], finding, failed=True)
    (obj,) = view.ordered()
    assert obj.failed
    assert [(s.action, s.status, s.predicted) for s in obj.steps] == [
        ("Create", "Success", ""),
        ("Other", "Success", "EntryConflict"),
    ]
