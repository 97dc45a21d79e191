"""Every finding's repro script, run with sh against the reference server: it reproduces
the fault that produced it (exit 1, REPRODUCED), not the clean server (exit 0, NOT
REPRODUCED), and leaves no user or group behind but what it names (LEFT BEHIND: only
where the fault keeps DELETE from deleting).

By default one variant per family of rules runs (membership, hidden membership,
pagination and count=0, create status, duplicate 409, PATCH applied, filter, the Webex
extension; a discovery document, Webex's trackingId, a generated cycle's members, the
429 burst, a DELETE that does not delete): each needs a suite run and two script runs
(about 70 s on two cores). `SCIMCONF_REPRO_ALL=1` runs every variant of
`tests/support/variants.py` (89 tests: 3.5 minutes on two idle cores, 7 when they are shared).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scim_conformance.reference import Fault, ReferenceApp, serve
from support.caught import Variant
from support.suite_run import WEBEX, SuiteRun
from support.variants import VARIANTS

FAMILIES = {
    "create-returns-200",
    "legacy-remove-empties-group",
    "hidden-members-legacy-remove-empties",
    "pagination-ignored",
    "no-conflict",
    "deactivate-ignored",
    "filter-ignored",
    "webex-cisco-extension-dropped",
    # a discovery document's claim, Webex's error trackingId, a cycle's labelled members,
    # the burst for a 429 without Retry-After, a DELETE that does not delete
    "spc-denies-patch",
    "webex-empty-tracking-id",
    "properties-add-replaces-members",
    "webex-throttles-without-retry-after",
    "delete-noop",
}
CHOSEN = [v for v in VARIANTS if os.environ.get("SCIMCONF_REPRO_ALL") or v.id in FAMILIES]
# "cleanup: LEFT BEHIND <url> (...)": what a script could not delete, said plainly.
LEFT_BEHIND = re.compile(r"^cleanup: LEFT BEHIND (\S+)/(Users|Groups)/([^/\s]+) ", re.MULTILINE)


def findings_of(run_suite: Callable[..., SuiteRun], variant: Variant) -> list[dict[str, Any]]:
    """The run's findings against the variant's broken server, as results.json has them."""
    preset = {
        "entra": ("--scim-endpoint=generic",),
        "webex": WEBEX,
        "properties": ("-k", " or ".join(variant.must_fail)),
    }[variant.kind]
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results.json"
        run_suite(
            *preset,
            *variant.args,
            f"--scim-json={results}",
            faults=variant.faults,
            properties=variant.kind == "properties",
        )
        findings: list[dict[str, Any]] = json.loads(results.read_text())["findings"]
    return findings


def replay(
    script: str, app: ReferenceApp, times: int = 1
) -> list[subprocess.CompletedProcess[str]]:
    """Run the script with sh, `times` times, against the app served on a loopback port."""
    with serve(app) as server:
        return [
            subprocess.run(
                ["sh", "-c", script],
                env={**os.environ, "SCIM_URL": server.base_url, "SCIM_TOKEN": app.token},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for _ in range(times)
        ]


def fresh(faults: list[Fault]) -> ReferenceApp:
    return ReferenceApp("tok-replay-" + secrets.token_urlsafe(12), faults=faults)


@pytest.mark.parametrize("variant", CHOSEN, ids=lambda v: v.id)
def test_each_repro_reproduces_its_fault_not_the_clean_server_and_cleans_up(
    run_suite: Callable[..., SuiteRun], variant: Variant
) -> None:
    findings = findings_of(run_suite, variant)
    assert findings
    for finding in findings:
        key = (variant.id, finding["fingerprint"])
        script = str(finding["repro"])
        assert script.startswith("#!/bin/sh"), key
        broken_app, clean_app = fresh(variant.faults), fresh([])
        (broken,) = replay(script, broken_app)
        (clean,) = replay(script, clean_app)
        assert broken_app.token not in broken.stdout + broken.stderr
        assert broken.returncode == 1, (key, broken.stdout, broken.stderr)
        assert "\nREPRODUCED" in broken.stdout, key
        assert clean.returncode == 0, (key, clean.stdout, clean.stderr)
        assert "NOT REPRODUCED" in clean.stdout, key
        assert (clean_app.users(), clean_app.groups()) == ([], []), key
        assert "LEFT BEHIND" not in clean.stdout, key
        assert_left_as_said(broken_app, broken.stdout, expect_leftovers=not variant.cleans_up)


def assert_left_as_said(app: ReferenceApp, output: str, *, expect_leftovers: bool) -> None:
    """What the script left on the server is exactly what it said it left (LEFT BEHIND
    lines), each user there deactivated; only a fault that keeps DELETE from deleting
    (DELETE_NOOP) may leave anything."""
    said = {(kind, rid) for _, kind, rid in LEFT_BEHIND.findall(output)}
    users, groups = app.users(), app.groups()
    left = {("Users", str(u["id"])) for u in users} | {("Groups", str(g["id"])) for g in groups}
    assert left == said, output
    assert all(user.get("active") is False for user in users), users
    if expect_leftovers:
        assert said, output
        assert "could not be deleted" in output, output
    else:
        assert not said, output


def test_a_script_run_twice_reproduces_twice(run_suite: Callable[..., SuiteRun]) -> None:
    """Names get a fresh prefix each time: a second run does not meet the first's user."""
    variant = next(v for v in VARIANTS if v.fault is Fault.CREATE_RETURNS_200)
    (finding,) = findings_of(run_suite, variant)
    app = fresh(variant.faults)
    runs = replay(str(finding["repro"]), app, times=2)
    assert [run.returncode for run in runs] == [1, 1], runs[1].stdout
    assert "409" not in runs[1].stdout
    assert app.users() == []
