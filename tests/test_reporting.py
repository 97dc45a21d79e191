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

from conftest import SuiteRun
from scim_conformance.reference import Fault, ReferenceApp, serve

RESULTS_SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "schemas" / "results.json").read_text()
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
    ("faults", "verdict"),
    [
        ((), "Entra-ready"),
        ((Fault.CREATE_RETURNS_200,), "Entra-ready with RFC deviations"),
        ((Fault.FILTER_IGNORED,), "Not Entra-ready"),
    ],
)
def test_verdict_in_terminal_json_and_html(
    run_suite: Callable[..., SuiteRun], workdir: Path, faults: Iterable[Fault], verdict: str
) -> None:
    run = run_suite("--scim-json=results.json", "--html=report.html", faults=faults)
    assert "SCIM conformance verdict" in run.output()
    assert re.search(rf"^{re.escape(verdict)}: ", run.output(), re.MULTILINE), run.output()
    document = results(workdir)
    assert document["verdict"] == verdict
    assert document["run"]["target"] == run.server.base_url
    page, _ = html_data(workdir)
    assert html.escape(verdict) in page
    for text in (run.output(), page, json.dumps(document)):
        assert run.token not in text


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
    assert failed["rule"].startswith("RFC 7644 §3.5.2")
    assert "the 200 response shows the old values" in failed["title"]
    assert [ex["method"] for ex in failed["exchanges"]] == ["POST", "PATCH", "GET", "DELETE"]
    assert document["summary"]["rfc"] >= 1
    assert document["summary"]["entra-breaking"] == 0


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
    assert "RFC 7644 §3.5.2" in properties["rule"]
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


def test_report_escapes_server_supplied_markup(pytester: pytest.Pytester, workdir: Path) -> None:
    token = "tok-" + secrets.token_hex(8)
    with serve(MarkupApp(token)) as server:
        result = pytester.runpytest_inprocess(
            f"--scim-url={server.base_url}",
            f"--token={token}",
            "-p",
            "no:cacheprovider",
            "-k",
            "unknown_user or delete_user",
            "--html=report.html",
            "--self-contained-html",
        )
    result.assert_outcomes(passed=3)
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
    assert "entra-breaking" in rows


def test_baseline_turns_known_failures_into_expected_ones(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    first = run_suite("--scim-write-baseline=known.toml", faults=[Fault.DELETE_TWICE_204])
    assert first.failed == ["test_delete_user"]
    text = (workdir / "known.toml").read_text()
    assert 'id = "test_users_lifecycle.py::test_delete_user"' in text
    gated = run_suite("--scim-baseline=known.toml", "-rx", faults=[Fault.DELETE_TWICE_204])
    assert gated.result.ret == pytest.ExitCode.OK, gated.output()
    gated.result.assert_outcomes(
        xfailed=1,
        passed=list(gated.outcomes.values()).count("passed"),
        skipped=list(gated.outcomes.values()).count("skipped") - 1,  # the xfail counts there
    )
    assert "known deviation (baseline)" in gated.output()
    assert "Entra-ready with RFC deviations: 0 entra-breaking, 1 rfc, 0 advisory" in gated.output()
    # Fixed on the server: the entry is reported, and fails the run when strict.
    fixed = run_suite("--scim-baseline=known.toml", "-rX")
    assert fixed.result.ret == pytest.ExitCode.OK
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
        ('[[deviation]]\nreason = "x"\n', "deviation 1 needs an id string"),
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
    assert "test_users_manager.py::test_set_manager[urn-string]" in advisory
    assert "test_set_manager[urn-object]" not in advisory
    gallery = run_suite("-m", "advisory", "--scim-gallery", "--collect-only", "-q")
    assert "test_discovery.py" not in gallery.result.stdout.str()
    breaking = run_suite("-m", "entra_breaking", "--collect-only", "-q").result.stdout.str()
    assert "test_users_update.py::test_replace_username[legacy]" in breaking
    assert "test_request_without_token_is_rejected" not in breaking
