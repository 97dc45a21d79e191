"""Real runs against the reference server (in-process pytester): a baseline written for one
defect does not hide another of the same rule, an old baseline still works and asks to be
re-written, the exit code is the one the gate line states, `-q` still names the endpoint
rules and the JUnit file, and the HTML report puts the verdict first (issue 20)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.reference import Fault
from support.suite_run import SuiteRun

GENERIC = "--scim-endpoint=generic"
GATE_LINE = re.compile(r"^Gate --scim-fail-on=\w[\w-]*: (?:passed|FAILED) \(exit (\d)\)", re.M)


def stated_exit(run: SuiteRun) -> int:
    """The exit code the gate line states."""
    found = GATE_LINE.findall(run.output())
    assert len(found) == 1, run.output()
    return int(found[0])


def test_a_baseline_for_one_defect_does_not_hide_another_of_the_same_rule(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    deactivate = [Fault.DEACTIVATE_IGNORED]
    first = run_suite(GENERIC, "--scim-write-baseline=known.toml", faults=deactivate)
    assert first.result.ret == pytest.ExitCode.TESTS_FAILED
    text = (workdir / "known.toml").read_text()
    assert 'finding = "patch-applied @ PATCH /Users/{id} replace active"' in text
    # The same defect: known, the gate passes.
    same = run_suite(GENERIC, "--scim-baseline=known.toml", faults=[Fault.DEACTIVATE_IGNORED])
    assert same.result.ret == pytest.ExitCode.OK, same.output()
    assert stated_exit(same) == 0
    # A second defect of the same rule on another operation is a new finding.
    both = run_suite(
        GENERIC,
        "--scim-baseline=known.toml",
        faults=[Fault.DEACTIVATE_IGNORED, Fault.DOTTED_KEYS_LITERAL],
    )
    assert both.result.ret == pytest.ExitCode.TESTS_FAILED, both.output()
    assert stated_exit(both) == 1
    assert "Gate --scim-fail-on=rfc: FAILED (exit 1): 1 finding at or above rfc (F2)" in (
        both.output()
    )
    assert both.outcomes["test_replace_name_parts[aadOptscim062020]"] == "failed"
    assert both.outcomes["test_deactivate_keeps_user_readable[legacy]"] == "skipped"  # xfail


def test_a_first_format_baseline_works_as_before_and_asks_to_be_rewritten(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    (workdir / "old.toml").write_text(
        '[[deviation]]\nfinding = "patch-applied @ PATCH /Users/{id}"\nreason = "known"\n'
    )
    run = run_suite(GENERIC, "--scim-baseline=old.toml", faults=[Fault.DEACTIVATE_IGNORED])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert stated_exit(run) == 0
    notice = [line for line in run.output().splitlines() if "re-write it with" in line]
    assert notice == [
        "--scim-baseline old.toml: entries keyed `rule @ METHOD path` (the first format) also "
        "hide new defects of the same rule on other operations; re-write it with "
        "--scim-write-baseline"
    ]


@pytest.mark.parametrize(
    ("args", "faults", "exit_code", "says"),
    [
        # A stale entry with a strict baseline: the line says why the run fails.
        (
            ("--scim-baseline=stale.toml", "--scim-baseline-strict"),
            (),
            1,
            "FAILED (exit 1): a baseline entry no longer met: unknown-id-404 @ DELETE "
            "/Users/{id} (--scim-baseline-strict)",
        ),
        # The same, on a partial run (-k): not judged stale.
        (
            ("--scim-baseline=stale.toml", "--scim-baseline-strict", "-k", "test_delete_user"),
            (),
            0,
            "passed (exit 0)",
        ),
        # --scim-strict: an advisory fails the run, and the line says so.
        (("--scim-strict",), (Fault.JSON_CONTENT_TYPE,), 1, "at or above advisory"),
    ],
    ids=["strict-baseline-stale", "strict-baseline-partial-run", "scim-strict"],
)
def test_the_run_exits_as_its_gate_line_says(
    run_suite: Callable[..., SuiteRun],
    workdir: Path,
    args: tuple[str, ...],
    faults: tuple[Fault, ...],
    exit_code: int,
    says: str,
) -> None:
    (workdir / "stale.toml").write_text(
        'format = 2\n[[deviation]]\nfinding = "unknown-id-404 @ DELETE /Users/{id}"\n'
        'variants = []\ndialects = []\nreason = "fixed since"\n'
    )
    run = run_suite(GENERIC, *args, faults=faults)
    assert run.result.ret == exit_code, run.output()
    assert stated_exit(run) == exit_code
    assert says in run.output()


def test_quiet_runs_still_name_the_endpoint_rules_and_the_junit_file(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("-q", "--junitxml=junit.xml", faults=[Fault.CREATE_RETURNS_200])
    lines = run.output().splitlines()
    assert any(line.startswith("Endpoint rules: webex (") for line in lines), run.output()
    assert "Wrote junit.xml (JUnit XML)" in lines


def test_the_html_report_puts_the_verdict_first_and_links_each_rule(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run_suite(GENERIC, "--html=report.html", faults=[Fault.DEACTIVATE_IGNORED])
    page = (workdir / "report.html").read_text()
    verdict, ours = page.index("Not Entra-ready"), page.index("<h3>Environment</h3>")
    assert verdict < ours
    assert "#environment-header,#environment{display:none}" in page  # pytest-html's copy
    assert "href='#rule-patch-applied'" in page
    assert "id='rule-patch-applied'" in page
    assert "Met on: PATCH /Users/{id} replace active; variants " in page
    assert "dialects aadOptscim062020, legacy" in page
