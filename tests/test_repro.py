"""Repro scripts: they recreate what the request needs, replay the write, read back and
clean up, with `$SCIM_TOKEN` instead of the token (pure functions, no server)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.failures import Finding
from scim_conformance.http.transcript import Exchange
from scim_conformance.reference import Fault, ReferenceApp, serve
from scim_conformance.reporting.repro import repro_script, shell_word
from support.suite_run import SuiteRun

BASE = "http://127.0.0.1:8999/scim/v2"


def test_shell_word_quotes_literals_and_expands_only_the_variables() -> None:
    word = shell_word("/Users/abc-1?x='y'", {"abc-1": "ID1"})
    assert word == "'/Users/'\"$ID1\"'?x='\\''y'\\'''"
    echoed = subprocess.run(
        ["sh", "-c", f"ID1=42; printf %s {word}"], capture_output=True, text=True, check=True
    )
    assert echoed.stdout == "/Users/42?x='y'"


def created(user_id: str, user_name: str) -> Exchange:
    return Exchange(
        method="POST",
        url=f"{BASE}/Users",
        request_headers=[("Authorization", "Bearer [REDACTED]")],
        request_body=json.dumps({"userName": user_name}),
        status=201,
        response_body=json.dumps({"id": user_id, "userName": user_name}),
    )


def test_the_script_recreates_replays_the_write_reads_back_and_cleans_up() -> None:
    write = Exchange(
        method="PATCH",
        url=f"{BASE}/Users/u-1",
        request_headers=[],
        request_body=json.dumps({"Operations": [{"op": "Replace", "path": "active"}]}),
        status=204,
    )
    read = Exchange(method="GET", url=f"{BASE}/Users/u-1", request_headers=[], request_body=None)
    finding = Finding(
        rules.PATCH_APPLIED, "Deactivate: the change did not stick", "e", "a", read, write
    )
    script = repro_script(finding, BASE, [created("u-1", "scimconf-x@example.com"), write, read])
    lines = script.splitlines()
    assert lines[0] == "#!/bin/sh"
    assert "[REDACTED]" not in script
    assert "$SCIM_TOKEN" in script
    steps = [line for line in lines if line.startswith(("ID1=", "curl"))]
    assert steps[0].startswith("ID1=$(curl -sS -X POST \"$SCIM_URL\"'/Users'")
    assert 'PATCH "$SCIM_URL"\'/Users/\'"$ID1"' in steps[1]
    assert 'GET "$SCIM_URL"\'/Users/\'"$ID1"' in steps[2]
    assert 'DELETE "$SCIM_URL"\'/Users\'/"$ID1"' in steps[3]
    assert subprocess.run(["sh", "-n", "-c", script], check=False).returncode == 0


def test_a_finding_without_a_request_has_no_script() -> None:
    finding = Finding(rules.PATCH_APPLIED, "t", "e", "a")
    assert repro_script(finding, BASE, []) == ""


@pytest.mark.parametrize("evil", ["'; rm -rf / #", "$(touch pwned)", "`id`"])
def test_server_text_cannot_inject_shell(evil: str) -> None:
    word = shell_word(evil, {})
    assert shlex.split(word) == [evil]


@pytest.mark.parametrize(
    ("fault", "fingerprint", "shows"),
    [
        (Fault.DEACTIVATE_IGNORED, "patch-applied @ PATCH /Users/{id}", '"active": true'),
        (
            Fault.LEGACY_REMOVE_EMPTIES_GROUP,
            "remove-members-with-value @ PATCH /Groups/{id}",
            '"members": []',
        ),
    ],
)
def test_each_finding_s_script_reproduces_it_after_the_run_cleaned_up(
    run_suite: Callable[..., SuiteRun], tmp_path: Path, fault: Fault, fingerprint: str, shows: str
) -> None:
    app = ReferenceApp("tok-repro-" + uuid.uuid4().hex, faults=[fault])
    results = tmp_path / "results.json"
    run = run_suite(f"--scim-json={results}", app=app)
    assert app.users() == [], "the run cleaned up before the script runs"
    findings = json.loads(results.read_text())["findings"]
    # The fingerprint goes on with the operation (`… replace active`): matched by its start.
    script = next(f for f in findings if f["fingerprint"].startswith(fingerprint))["repro"]
    assert app.token not in script
    with serve(app) as again:  # the same server state, on a new port
        replayed = subprocess.run(
            ["sh", "-c", script],
            env={**os.environ, "SCIM_URL": again.base_url, "SCIM_TOKEN": app.token},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert replayed.returncode == 0, replayed.stderr
    read_back = replayed.stdout.rsplit("HTTP/", 1)[1]  # the last answer: the read-back
    assert shows in read_back, replayed.stdout
    assert app.users() == [], "the script cleaned up after itself"
    assert app.groups() == []
    assert run.token not in replayed.stdout
