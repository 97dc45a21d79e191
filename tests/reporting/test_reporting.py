"""Verdicts, results.json, JUnit properties, the HTML report and the baseline, parsed as a
CI system or a reviewer would read them."""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest

from scim_conformance.reference import Fault, ReferenceApp, serve
from support.suite_run import SuiteRun

RESULTS_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "results.json").read_text()
)
MARKUP = '<script>alert("scim")</script><img src=x onerror=alert(1)>'


def results(workdir: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((workdir / "results.json").read_text())
    jsonschema.validate(document, RESULTS_SCHEMA)
    return document


def html_data(workdir: Path, name: str = "report.html") -> tuple[str, dict[str, Any]]:
    page = (workdir / name).read_text()
    blob = re.search(r'data-jsonblob="([^"]*)"', page)
    assert blob is not None
    data: dict[str, Any] = json.loads(html.unescape(blob.group(1)))
    return page, data


@pytest.mark.parametrize(
    ("faults", "headline", "scim", "exit_code"),
    [
        ((), "Entra-ready", "SCIM conformance: no RFC deviations found", pytest.ExitCode.OK),
        (
            (Fault.CREATE_RETURNS_200,),
            "Entra-ready",
            "SCIM conformance: 1 RFC deviation",
            pytest.ExitCode.TESTS_FAILED,  # the default gate, --scim-fail-on=rfc
        ),
        (
            (Fault.FILTER_IGNORED,),
            "Not Entra-ready: 1 entra-breaking finding",
            "SCIM conformance: no RFC deviations found",
            pytest.ExitCode.TESTS_FAILED,
        ),
    ],
)
def test_verdict_in_terminal_json_and_html(
    run_suite: Callable[..., SuiteRun],
    workdir: Path,
    faults: Iterable[Fault],
    headline: str,
    scim: str,
    exit_code: pytest.ExitCode,
) -> None:
    run = run_suite("--scim-json=results.json", "--html=report.html", faults=faults)
    assert run.result.ret == exit_code, run.output()
    assert "SCIM conformance verdict" in run.output()
    lines = run.output().splitlines()
    verdict_at = lines.index(headline)
    assert lines[verdict_at + 1] == scim
    gate = "FAILED (exit 1): " if exit_code else "passed (exit 0)"
    [gate_line] = [line for line in lines if line.startswith("Gate --scim-fail-on=rfc: ")]
    assert gate_line.startswith(f"Gate --scim-fail-on=rfc: {gate}")
    assert "Wrote results.json (results, schema_version 2)" in lines
    document = results(workdir)
    assert document["verdict"] == headline.split(":")[0]
    assert document["verdict_lines"][:2] == [headline, scim]
    assert document["gate"] == {
        "fail_on": "rfc",
        "failed": bool(exit_code),
        "exit_code": exit_code,
        "reasons": [gate_line.split("(exit 1): ", 1)[1]] if exit_code else [],
    }
    assert document["run"]["target"] == run.server.base_url
    page, _ = html_data(workdir)
    assert html.escape(headline) in page
    assert html.escape(scim) in page
    for text in (run.output(), page, json.dumps(document)):
        assert run.token not in text


def test_the_gate_follows_fail_on(run_suite: Callable[..., SuiteRun]) -> None:
    """An rfc finding fails the default gate, not --scim-fail-on=entra-breaking; the words
    say so either way."""
    run = run_suite("--scim-fail-on=entra-breaking", faults=[Fault.CREATE_RETURNS_200])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert run.failed == ["test_create_user_as_entra_does"]  # pytest still shows the test
    assert "Gate --scim-fail-on=entra-breaking: passed (exit 0)" in run.output()
    strict = run_suite("--scim-fail-on=advisory", faults=[Fault.JSON_CONTENT_TYPE])
    assert strict.result.ret == pytest.ExitCode.TESTS_FAILED, strict.output()
    assert "Gate --scim-fail-on=advisory: FAILED (exit 1)" in strict.output()


def test_an_advisory_met_many_times_in_a_test_is_one_record_and_one_row_count(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run = run_suite(
        "--scim-json=results.json", "-k", "test_listing", faults=[Fault.JSON_CONTENT_TYPE]
    )
    document = results(workdir)
    advised = [
        test["advisories"]
        for test in document["tests"]
        if test["sequence"] == "Listing" and test["advisories"]
    ]
    # Those tests read several list responses, each labelled application/json.
    assert advised
    assert all(found == ["content-type-scim-json"] for found in advised)
    row = next(line for line in run.output().splitlines() if line.strip().startswith("Listing"))
    assert row.split()[-2:] == [str(len(advised)), "advisory"]


def test_results_json_describes_each_failure(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run_suite("--scim-json=results.json", faults=[Fault.STALE_PATCH_BODY])
    document = results(workdir)
    tests = {test["id"]: test for test in document["tests"]}
    failed = tests["test_users_update.py::test_replace_username[legacy]"]
    assert failed["outcome"] == "failed"
    assert failed["severity"] == "rfc"
    assert failed["sequence"] == "Update"
    assert failed["dialect"] == "legacy"
    assert failed["rule"] == "patch-response-body"
    assert failed["finding"] == "patch-response-body @ PATCH /Users/{id}"
    assert "the 200 response shows the old values" in failed["title"]
    assert [ex["method"] for ex in failed["exchanges"]] == ["POST", "PATCH", "GET", "DELETE"]
    assert document["summary"]["rfc findings"] == len(document["findings"])
    assert document["summary"]["entra-breaking findings"] == 0
    finding = next(f for f in document["findings"] if f["fingerprint"] == failed["finding"])
    assert failed["id"] in finding["tests"]
    assert finding["sources"][0]["url"].startswith("https://www.rfc-editor.org/rfc/rfc7644")
    assert "$SCIM_TOKEN" in finding["repro"]


def test_junit_cases_carry_sequence_severity_and_rule(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run = run_suite("--junitxml=junit.xml", faults=[Fault.DEACTIVATE_IGNORED])
    tree = ElementTree.parse(workdir / "junit.xml")
    cases = {case.get("name"): case for case in tree.iter("testcase")}
    case = cases["test_deactivate_keeps_user_readable[legacy]"]
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert properties["sequence"] == "Deactivate"
    assert properties["dialect"] == "legacy"
    assert properties["severity"] == "entra-breaking"
    assert properties["rule"] == "patch-applied"
    assert properties["finding"] == "patch-applied @ PATCH /Users/{id} replace active"
    assert properties["source"].startswith("https://")
    assert case.find("failure") is not None
    passed = {p.get("name"): p.get("value") for p in cases["test_delete_user"].iter("property")}
    assert passed == {"sequence": "Delete", "dialect": ""}
    assert run.token not in (workdir / "junit.xml").read_text()


class MarkupApp(ReferenceApp):
    """A server whose 404 errors carry markup, as a hostile or careless server might."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            captured["status"] = status
            captured["headers"] = headers
            return lambda data: None

        body = b"".join(super().__call__(environ, capture))
        if captured["status"].startswith("404"):
            error = json.loads(body)
            error["detail"] = MARKUP
            body = json.dumps(error).encode()
            captured["headers"] = [
                (k, str(len(body)) if k.lower() == "content-length" else v)
                for k, v in captured["headers"]
            ]
        start_response(captured["status"], captured["headers"])
        return [body]


def test_report_escapes_server_supplied_markup(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    app = MarkupApp("tok-" + secrets.token_hex(8))
    run = run_suite(
        "-k", "unknown_user or delete_user", "--html=report.html", "--self-contained-html", app=app
    )
    run.result.assert_outcomes(passed=3)
    page, data = html_data(workdir)
    assert "<script>alert(" not in page
    extras = json.dumps(data["tests"])
    assert "&lt;script&gt;alert(" in extras  # shown as text inside the transcript
    assert "<script>alert(" not in extras
    assert "<img src=x" not in extras


def test_report_header_and_sequence_table(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run = run_suite("--html=report.html", "--self-contained-html", faults=[Fault.DELETE_NOOP])
    page, data = html_data(workdir)
    assert f"SCIM conformance: {run.server.base_url}" in page
    for fact in ("Entra dialects", "legacy, aadOptscim062020", "Suite version", "Duration"):
        assert fact in page
    for sequence in (
        "Test Connection",
        "Matching",
        "Create",
        "Update",
        "Deactivate",
        "Delete",
        "Groups",
        "Discovery",
    ):
        assert f"href='#seq-{sequence.lower().replace(' ', '-')}'" in page
    rows = json.dumps(data["tests"])
    assert 'id=\\"seq-delete\\"' in rows
    assert "rfc" in rows  # the severity column
    # The findings lead: one per defect, with its rule, source and repro script.
    # DELETE of a user and of a group: two kinds of request. The tests a user still there
    # gets in the way of (a later create of its userName conflicts) are blocked by it.
    assert "Findings (2)" in page
    assert "delete-applied" in page
    assert "Repro script (uses $SCIM_TOKEN)" in page
    assert run.token not in page


def test_baseline_turns_known_failures_into_expected_ones(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    first = run_suite("--scim-write-baseline=known.toml", faults=[Fault.DELETE_TWICE_204])
    assert first.failed == ["test_delete_user"]
    text = (workdir / "known.toml").read_text()
    assert 'finding = "unknown-id-404 @ DELETE /Users/{id}"' in text
    gated = run_suite("--scim-baseline=known.toml", "-rx", faults=[Fault.DELETE_TWICE_204])
    assert gated.result.ret == pytest.ExitCode.OK, gated.output()
    gated.result.assert_outcomes(
        xfailed=1,
        passed=list(gated.outcomes.values()).count("passed"),
        skipped=list(gated.outcomes.values()).count("skipped") - 1,  # the xfail counts there
    )
    assert "known deviation (baseline)" in gated.output()
    assert "SCIM conformance: 1 RFC deviation" in gated.output()  # the truth is still told
    assert "Gate --scim-fail-on=rfc: passed (exit 0)" in gated.output()
    # Fixed on the server: the entry is reported, and fails the run when strict.
    fixed = run_suite("--scim-baseline=known.toml")
    assert fixed.result.ret == pytest.ExitCode.OK
    stale = "The baseline lists 1 finding(s) this run did not meet: fixed? remove them"
    assert stale in fixed.output()
    assert "  unknown-id-404 @ DELETE /Users/{id}" in fixed.output()
    strict = run_suite("--scim-baseline=known.toml", "--scim-baseline-strict")
    assert strict.result.ret == pytest.ExitCode.TESTS_FAILED
    assert f"{stale} (fails the run: --scim-baseline-strict)" in strict.output()


def test_a_baseline_of_test_ids_keeps_working(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    (workdir / "known.toml").write_text(
        '[[deviation]]\nid = "test_users_lifecycle.py::test_delete_user"\nreason = "JIRA-1"\n'
    )
    gated = run_suite("--scim-baseline=known.toml", "-rx", faults=[Fault.DELETE_TWICE_204])
    assert gated.result.ret == pytest.ExitCode.OK, gated.output()
    assert "known deviation (baseline): JIRA-1" in gated.output()
    fixed = run_suite("--scim-baseline=known.toml", "-rX")
    assert "listed in the baseline but passes" in fixed.output()
    strict = run_suite("--scim-baseline=known.toml", "--scim-baseline-strict")
    assert strict.failed == ["test_delete_user"]
    assert "now passes: remove the entry" in strict.messages["test_delete_user"]


def test_an_unlisted_failure_still_fails_a_baselined_run(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    (workdir / "known.toml").write_text(
        '[[deviation]]\nid = "test_users_lifecycle.py::test_delete_user"\nreason = "JIRA-1"\n'
    )
    run = run_suite(
        "--scim-baseline=known.toml", faults=[Fault.DELETE_TWICE_204, Fault.NO_CONFLICT]
    )
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    assert "test_delete_user" not in run.failed
    assert "test_duplicate_username_conflicts[same-case]" in run.failed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not = [valid", "is not valid TOML"),
        ('[[deviation]]\nreason = "x"\n', "deviation 1 needs a finding or an id string"),
        ('[[deviation]]\nid = "a::b"\n', "deviation 'a::b' needs a reason"),
    ],
)
def test_bad_baseline_is_a_usage_error(
    pytester: pytest.Pytester, content: str, message: str
) -> None:
    (pytester.path / "known.toml").write_text(content)
    with serve(ReferenceApp("tok-b")) as server:
        result = pytester.runpytest_subprocess(
            f"--scim-url={server.base_url}", "--token=tok-b", "--scim-baseline=known.toml"
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "ERROR: --scim-baseline: known.toml" in result.stderr.str()
    assert message in result.stderr.str()


def test_markers_select_by_sequence(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-m", "entra and not groups and not discovery", "--collect-only", "-q")
    text = run.result.stdout.str()
    assert "test_replace_username[legacy]" in text
    assert "test_groups.py" not in text
    assert "test_discovery.py" not in text


def test_markers_select_by_severity(run_suite: Callable[..., SuiteRun]) -> None:
    advisory = run_suite("-m", "advisory", "--collect-only", "-q").result.stdout.str()
    assert "test_discovery.py::test_schemas_include_user_and_group" in advisory
    assert "test_users_manager.py::test_set_manager[list-with-ref]" in advisory
    assert "test_set_manager[urn-string]" not in advisory
    assert "test_set_manager[urn-object]" not in advisory
    gallery = run_suite("-m", "advisory", "--scim-gallery", "--collect-only", "-q")
    assert "test_discovery.py" not in gallery.result.stdout.str()
    breaking = run_suite("-m", "entra_breaking", "--collect-only", "-q").result.stdout.str()
    assert "test_users_update.py::test_replace_username[legacy]" in breaking
    assert "test_request_without_token_is_rejected" not in breaking
