"""The suite under pytest-xdist: workers share one target and run prefix, reports are
merged on the controller, and cleanup still covers everything."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from scim_conformance.plugin.hooks import SUITE_DIR
from scim_conformance.reference import Fault, ReferenceApp, serve

pytest.importorskip("xdist")


def test_parallel_run_merges_reports_and_cleans_up(pytester: pytest.Pytester) -> None:
    app = ReferenceApp("tok-xdist-" + os.urandom(4).hex(), faults=[Fault.DEACTIVATE_IGNORED])
    with serve(app) as server:
        result = pytester.runpytest_subprocess(
            f"--scim-url={server.base_url}",
            f"--token={app.token}",
            "-n",
            "2",
            "--scim-json=results.json",
            "--html=report.html",
            "--junitxml=junit.xml",
            f"--ignore={SUITE_DIR / 'test_properties.py'}",
            f"--ignore={SUITE_DIR / 'test_cycles.py'}",  # generated cycles: slow, tested alone
            # The generic checks: the Webex rules' own deactivation check would meet it too.
            "--scim-endpoint=generic",
            "-p",
            "no:cacheprovider",
        )
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert output.count("SCIM conformance verdict") == 1
    # Six tests fail on one defect (the deactivation, the reactivation and the variants of
    # active), in both dialects and both workers: one finding.
    assert re.search(r"^Not Entra-ready: 1 entra-breaking finding$", output, re.MULTILINE), output
    document = json.loads((pytester.path / "results.json").read_text())
    [finding] = document["findings"]
    assert finding["fingerprint"] == "patch-applied @ PATCH /Users/{id} replace active"
    assert len(finding["tests"]) == 6
    outcomes = {test["id"]: test for test in document["tests"]}
    summary = re.search(r"(\d+) failed, (\d+) passed(?:, (\d+) skipped)?", output)
    assert summary is not None
    assert len(outcomes) == sum(int(n) for n in summary.groups() if n)
    failed = outcomes["test_users_lifecycle.py::test_deactivate_keeps_user_readable[legacy]"]
    assert failed["severity"] == "entra-breaking"
    assert failed["exchanges"]  # the transcript came back from the worker
    bodies = [
        json.loads(ex["request_body"])
        for test in document["tests"]
        for ex in test["exchanges"]
        if ex["method"] == "POST" and "Users" in ex["url"]
    ]
    assert {body["userName"].lower().split("-u")[0] for body in bodies} == {
        document["run"]["run_prefix"]
    }
    assert "test_deactivate_keeps_user_readable" in (pytester.path / "report.html").read_text()
    assert app.users() == []
    assert app.groups() == []
    for name in ("results.json", "report.html", "junit.xml"):
        assert app.token not in Path(pytester.path / name).read_text()
    assert app.token not in output


def test_the_429_check_sees_every_workers_exchanges(pytester: pytest.Pytester) -> None:
    """Under pytest-xdist the check runs on one worker; the controller judges the 429s all
    workers were sent, so the finding is there whichever worker was throttled (once)."""
    app = ReferenceApp(
        "tok-xdist-" + os.urandom(4).hex(), faults=[Fault.THROTTLES_WITHOUT_RETRY_AFTER]
    )
    with serve(app) as server:
        result = pytester.runpytest_subprocess(
            f"--scim-url={server.base_url}",
            f"--token={app.token}",
            "-n",
            "2",
            "-m",
            "webex",
            f"--ignore-glob={SUITE_DIR}/test_[!w]*.py",
            "--scim-max-retry-wait=0",
            "--scim-strict",
            "--scim-json=results.json",
            "-p",
            "no:cacheprovider",
        )
    output = result.stdout.str() + result.stderr.str()
    document = json.loads((pytester.path / "results.json").read_text())
    found = [f for f in document["findings"] if f["rule"] == "webex-retry-after"]
    assert len(found) == 1, document["findings"]
    assert found[0]["severity"] == "advisory"
    assert found[0]["vendor"] == "webex"
    assert "429 answers" in found[0]["actual"]
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output  # strict: advisories gate
    assert app.token not in output
    assert app.users() == []
