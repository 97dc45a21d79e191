"""Every check can fail: each deliberately broken reference server is caught by the test
meant for it, with the message a vendor needs; a legal variation is not failed."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.reference import Fault
from support.caught import Variant, assert_caught
from support.suite_run import SuiteRun
from support.variants import PROVEN_ELSEWHERE, VARIANTS


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_broken_server_is_caught_by_the_right_test(
    run_suite: Callable[..., SuiteRun], variant: Variant
) -> None:
    assert_caught(run_suite, variant)


def test_every_fault_is_proven() -> None:
    assert {variant.fault for variant in VARIANTS} | set(PROVEN_ELSEWHERE) == set(Fault)
    for fault, (module, test) in PROVEN_ELSEWHERE.items():
        source = next(Path(__file__).resolve().parents[1].rglob(module)).read_text(encoding="utf-8")
        tests = {
            node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
        }
        assert test in tests, f"{fault.name}: no {test} in {module}"
        assert f"Fault.{fault.name}" in str(ast.get_source_segment(source, tests[test]))


def test_users_only_server_is_not_failed_for_lacking_groups(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("-rs", faults=[Fault.NO_GROUPS])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "[advisory] The server has no /Groups endpoint" in run.output()
    skipped = [name for name, outcome in run.outcomes.items() if outcome == "skipped"]
    assert len(skipped) >= 10
    assert run.outcomes["test_replace_username[legacy]"] == "passed"
    assert "group provisioning is optional in Entra" in run.output()


def test_discovery_findings_are_advisory_for_custom_apps(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("-m", "discovery", faults=[Fault.DISCOVERY_MISSING])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "[advisory] /ServiceProviderConfig is not served" in run.output()


def test_application_json_is_advisory_not_a_failure(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite(faults=[Fault.JSON_CONTENT_TYPE])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "AdvisoryFinding" in run.output()
    assert "Content-Type is not application/scim+json" in run.output()


def test_refused_sample_code_manager_shape_is_advisory(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-k", "set_manager and list", faults=[Fault.MANAGER_UNSUPPORTED])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "[advisory] Set manager (list-with-ref)" in run.output()
    strict = run_suite(
        "-k", "set_manager and list", "--scim-strict", faults=[Fault.MANAGER_UNSUPPORTED]
    )
    assert strict.failed == ["test_set_manager[list-with-ref]"]


def test_strict_turns_advisory_findings_into_failures(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("--scim-strict", faults=[Fault.JSON_CONTENT_TYPE])
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    assert "[advisory] Response Content-Type is not application/scim+json" in run.output()
