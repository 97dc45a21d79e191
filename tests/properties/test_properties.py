"""The property-based checks: they pass on the reference server, the faults only generated
data exposes slip past every other check (the variants table, support/variants.py, proves
each is caught with a shrunk example), and the same suite and seed send the same data."""

from __future__ import annotations

import json
import re
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.reference import Fault, ReferenceApp, serve
from support.suite_run import FILTER, PATCH, PROPERTIES, ROUND_TRIP, STRICT, SuiteRun
from support.variants import VARIANTS

PROPERTIES_FILE = "test_properties.py::"
DELETE_USERS = "delete-applied @ DELETE /Users/{id}"
# Faults only generated checks catch (some cycle faults are caught by fixed tests too).
PROPERTY_FAULTS = frozenset(v.fault for v in VARIANTS if v.kind == "properties") - {
    v.fault for v in VARIANTS if v.kind != "properties"
}


def test_properties_pass_on_the_reference_server(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-k", "test_properties", properties=True)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert {name: run.outcomes.get(name) for name in PROPERTIES} == dict.fromkeys(
        PROPERTIES, "passed"
    )
    assert run.server.app.users() == [], "an example left a user behind"
    assert len(run.server.app.created()) > 40  # 10 examples per property by default
    # The generic profile's values stay within what Entra's directory holds.
    assert max(len(user.get("displayName", "")) for user in run.server.app.created()) <= 256
    assert run.token not in run.output()


def test_only_the_properties_catch_these_faults(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite(faults=PROPERTY_FAULTS)
    assert run.result.ret == pytest.ExitCode.OK, run.failed


def test_a_user_left_by_a_noop_delete_neither_fails_nor_blocks_later_examples(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    # Generated userNames never repeat within a run, so on a server whose DELETE changes
    # nothing no later example meets a user left behind: that is the DELETE's defect, met
    # once; no property fails or is blocked, and the run has no create finding.
    run = run_suite("-rs", "--scim-json=results.json", faults=[Fault.DELETE_NOOP], properties=True)
    outcomes = {name: run.outcomes.get(name) for name in PROPERTIES}
    assert set(outcomes.values()) == {"passed"}, run.output()
    findings = json.loads((workdir / "results.json").read_text())["findings"]
    by_fingerprint = {finding["fingerprint"]: finding for finding in findings}
    assert sorted(by_fingerprint) == [
        "delete-applied @ DELETE /Groups/{id}",
        "delete-applied @ DELETE /Users/{id}",
    ]
    assert not any(PROPERTIES_FILE in t for t in by_fingerprint[DELETE_USERS]["blocked"])


def test_documented_refusals_are_advisory_not_failures(
    run_suite: Callable[..., SuiteRun],
) -> None:
    # A server may refuse what Entra's directory cannot hold, with an error. The Webex
    # profile draws displayNames up to Webex's 512 characters, beyond Entra's 256.
    chosen = ("-k", f"{ROUND_TRIP} or {FILTER}", "--scim-profile=webex")
    run = run_suite(*chosen, faults=[Fault.REFUSES_EXOTIC_INPUT], properties=True)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    output = run.output()
    assert "[advisory] Create a generated Entra user: refused because" in output
    assert "quoted or non-ASCII address" in output
    assert "longer than Entra's directory holds: " in output
    assert "displayName (256)" in output
    assert "across the generated examples" in output


def created_names(run: SuiteRun) -> list[str]:
    """Generated userNames the run created, in order, without the random run prefix (the
    `new_user` decoy has a random tag of its own and is left out)."""
    names = [re.sub(r"scimconf-[0-9a-f]{8}", "", u["userName"]) for u in run.server.app.created()]
    return [name for name in names if not re.match(r"-u\d+-[0-9a-f]{6}@", name)]


def test_same_seed_sends_the_same_user_names(
    run_suite: Callable[..., SuiteRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_CONFORMANCE_EXAMPLES", "10")
    one = ("-k", FILTER)
    default_a, default_b = run_suite(*one, properties=True), run_suite(*one, properties=True)
    assert created_names(default_a) == created_names(default_b)
    monkeypatch.setenv("SCIM_CONFORMANCE_SEED", "7")
    seeded_a, seeded_b = run_suite(*one, properties=True), run_suite(*one, properties=True)
    assert created_names(seeded_a) == created_names(seeded_b)
    assert created_names(seeded_a) != created_names(default_a)
    assert len(set(created_names(seeded_a))) == len(created_names(seeded_a))  # no reuse


def test_examples_budget_from_the_environment(
    run_suite: Callable[..., SuiteRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_CONFORMANCE_EXAMPLES", "5")
    run = run_suite("-k", ROUND_TRIP, properties=True)
    assert run.outcomes[ROUND_TRIP] == "passed", run.output()
    assert len(run.server.app.created()) == 5
    monkeypatch.setenv("SCIM_CONFORMANCE_EXAMPLES", "0")
    bad = run_suite("-k", ROUND_TRIP, properties=True)
    assert "--scim-examples must be a positive integer (got '0')" in bad.output()


def test_command_line_options_once_registered(
    run_suite: Callable[..., SuiteRun], pytester: pytest.Pytester
) -> None:
    if "--scim-examples" not in pytester.runpytest_inprocess("--help").stdout.str():
        pytest.skip("plugin.pytest_addoption does not call properties.add_options(group) yet")
    run = run_suite("-k", ROUND_TRIP, "--scim-examples=3", "--scim-seed=x", properties=True)
    assert run.outcomes[ROUND_TRIP] == "passed", run.output()
    assert len(run.server.app.created()) == 3
    bad = run_suite("-k", ROUND_TRIP, "--scim-examples=none", properties=True)
    assert "--scim-examples must be a positive integer (got 'none')" in bad.output()


def test_failure_reaches_the_html_report(
    run_suite: Callable[..., SuiteRun], pytester: pytest.Pytester
) -> None:
    run = run_suite(
        "-k",
        ROUND_TRIP,
        "--html=report.html",
        "--self-contained-html",
        *STRICT,  # trimming is advisory: strict makes it a failure
        faults=[Fault.TRIMS_NAMES],
        properties=True,
    )
    html = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert "Falsifying example: created_user_reads_back_as_sent(" in html
    assert "curl -sS -X GET" in html
    assert run.token not in html


def test_nothing_is_written_into_the_working_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real run, in a subprocess with Hypothesis's pytest plugin: Hypothesis's default
    # storage is the working directory, and it writes there even without a database.
    monkeypatch.setenv("SCIM_CONFORMANCE_EXAMPLES", "15")
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    token = "tok-" + secrets.token_urlsafe(18)
    with serve(ReferenceApp(token, faults=[Fault.FILTER_ESCAPED_QUOTE_400])) as server:
        result = pytester.run(
            sys.executable,
            "-m",
            "pytest",
            f"--scim-url={server.base_url}",
            f"--token={token}",
            "-p",
            "no:cacheprovider",
            "-k",
            FILTER,
            timeout=120,
        )
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert "Falsifying example: filter_finds_exactly_the_user(" in output
    assert token not in output
    assert not (pytester.path / ".hypothesis").exists()
    assert server.app.users() == []


def test_a_variant_the_server_ignores_is_graded_by_the_variants_rule(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    # The properties draw (de)activation spellings as a dimension; a server that ignores
    # the lower-case "false" Entra sends breaks active-string-any-case there too, not the
    # generic patch-applied: one defect, one rule, whichever test meets it.
    chosen = ("-k", f"{PATCH}[legacy]", "--scim-json=results.json")
    run = run_suite(*chosen, faults=[Fault.LOWER_STRING_BOOLEAN_IGNORED], properties=True)
    assert run.failed == [f"{PATCH}[legacy]"], run.output()
    assert "[variant active-lower-string-path, legacy]" in run.output()
    findings = json.loads((workdir / "results.json").read_text())["findings"]
    assert [finding["rule"] for finding in findings] == ["active-string-any-case"]
