"""Repro scripts: they replay the test's writes, read back, decide REPRODUCED and clean
up, with `$SCIM_TOKEN` instead of the token (`test_repro_replay.py` runs every variant's)."""

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
from scim_conformance.reporting.deviation import _candidate, deviation_of
from scim_conformance.reporting.replay_check import judge
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


def test_the_script_replays_the_writes_reads_back_decides_and_cleans_up() -> None:
    write = Exchange(
        method="PATCH",
        url=f"{BASE}/Users/u-1",
        request_headers=[("Authorization", "Bearer [REDACTED]")],
        request_body=json.dumps({"Operations": [{"op": "Replace", "path": "active"}]}),
        status=204,
    )
    read = Exchange(
        method="GET",
        url=f"{BASE}/Users/u-1",
        request_headers=[("Authorization", "Bearer [REDACTED]")],
        request_body=None,
        status=200,
        response_body=json.dumps({"id": "u-1", "active": True}),
    )
    finding = Finding(
        rules.PATCH_APPLIED,
        "Deactivate: the change did not stick",
        "active = false",
        "active = true (expected false)",
        read,
        write,
    )
    script = repro_script(
        finding, BASE, [created("u-1", "scimconf-0a1b2c3d-u1@example.com"), write, read]
    )
    lines = script.splitlines()
    assert lines[0] == "#!/bin/sh"
    assert "[REDACTED]" not in script
    assert "$SCIM_TOKEN" in script
    assert "trap cleanup EXIT" in script
    assert "scimconf-0a1b2c3d" not in script, "the run's prefix is replaced by a fresh one"
    steps = [line for line in lines if line.startswith(("send ", "ID1="))]
    assert steps[0].startswith("send POST \"$SCIM_URL\"'/Users'")
    assert steps[1].startswith("ID1=$(created \"$SCIM_URL\"'/Users')")
    assert steps[2].startswith('send PATCH "$SCIM_URL"\'/Users/\'"$ID1"')
    assert steps[3].startswith('send GET "$SCIM_URL"\'/Users/\'"$ID1"')
    assert '{"kind": "values", "values": [["active", false]]}' in script
    assert subprocess.run(["sh", "-n", "-c", script], check=False).returncode == 0


def test_a_finding_that_no_condition_flags_is_left_to_the_eye() -> None:
    read = Exchange(
        method="GET",
        url=f"{BASE}/Schemas",
        request_headers=[],
        request_body=None,
        status=200,
        response_body="{}",
    )
    finding = Finding(rules.PATCH_APPLIED, "t", "every schema listed", "missing: x", read)
    script = repro_script(finding, BASE, [read])
    assert "CANNOT DECIDE automatically" in script
    assert "exit 3" in script


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
        (Fault.DEACTIVATE_IGNORED, "patch-applied @ PATCH /Users/{id}", "now:      active = true"),
        (
            Fault.LEGACY_REMOVE_EMPTIES_GROUP,
            "remove-members-with-value @ PATCH /Groups/{id}",
            "now:      members []",
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
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "\nREPRODUCED" in replayed.stdout
    assert shows in replayed.stdout, replayed.stdout
    assert app.users() == [], "the script cleaned up after itself"
    assert app.groups() == []
    assert run.token not in replayed.stdout


@pytest.mark.parametrize(
    ("expected", "kind"),
    [
        ("HTTP 201", "status"),
        ("HTTP 200 or 204", "status"),
        ('name.givenName = "Grace"; active = false', "values"),
        ("members ['a', 'b']", "members"),
        ("exactly one user, id a", "ids"),
        ("at most 2 resources, startIndex echoed", "at-most"),
        ("totalResults ≥ 1 and no Resources", "at-most"),
        ("id present; name, emails absent", "projection"),
        ("no members attribute", "no-attribute"),
        ("Content-Type: application/scim+json", "content-type"),
    ],
)
def test_each_form_of_expectation_is_a_condition(expected: str, kind: str) -> None:
    evidence = Exchange(
        method="GET", url=f"{BASE}/Users?count=2", request_headers=[], request_body=None
    )
    finding = Finding(rules.PATCH_APPLIED, "t", expected, "a", evidence)
    candidate = _candidate(finding, evidence)
    assert candidate is not None
    assert candidate["kind"] == kind


def test_a_condition_must_flag_the_run_s_own_answer() -> None:
    conforming = Exchange(
        method="GET",
        url=f"{BASE}/Users/a",
        request_headers=[],
        request_body=None,
        status=200,
        response_body=json.dumps({"id": "a", "active": False}),
    )
    finding = Finding(rules.PATCH_APPLIED, "t", "active = false", "a", conforming)
    assert deviation_of(finding, [conforming]) is None


def test_values_are_read_at_scim_paths() -> None:
    body = {
        "emails": [{"type": "work", "value": "w@x"}],
        "roles": [{"primary": True, "value": "Admin"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}},
    }
    predicate = {
        "kind": "values",
        "values": [
            ['emails[type eq "work"].value', "w@x"],
            ['roles[primary eq "True"].value', "Admin"],
            ["manager", "m"],
            ["nickName", None],
        ],
    }
    assert judge(predicate, 200, "application/scim+json", json.dumps(body))[0] is False
    predicate["values"][0][1] = "other@x"
    assert judge(predicate, 200, "application/scim+json", json.dumps(body))[0] is True
