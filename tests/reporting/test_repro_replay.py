"""Every finding's repro script, run with sh against the reference server: it reproduces
the fault that produced it (exit 1, REPRODUCED), not the clean server (exit 0, NOT
REPRODUCED), and leaves no user or group behind.

By default one variant per family of rules runs (membership, hidden membership,
pagination and count=0, create status, duplicate 409, PATCH applied, filter, the Webex
extension): each needs a suite run and two script runs, and all 72 variants take about
3 minutes on two cores. `SCIMCONF_REPRO_ALL=1` runs every variant of
`tests/support/variants.py`.
"""

from __future__ import annotations

import json
import os
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
}
CHOSEN = [v for v in VARIANTS if os.environ.get("SCIMCONF_REPRO_ALL") or v.id in FAMILIES]

# Findings whose deviation has no machine-checkable form: the script runs, shows the
# answer and says it cannot decide (exit 3) on either server.
UNDECIDED = {
    ("schemas-without-group", "discovery-users-groups @ GET /ResourceTypes"),
    ("schemas-without-group", "discovery-users-groups @ GET /Schemas"),
    ("spc-denies-patch", "discovery-truthful @ GET /ServiceProviderConfig"),
    ("webex-empty-tracking-id", "webex-error-tracking-id @ GET /Users/{id}"),
    # several pages read: the evidence is the whole walk, not one answer
    ("webex-inactive-unlisted", "webex-inactive-listed @ GET /Users"),
    # cycle steps name resources by the model's labels (u1, g1), not by ids
    ("properties-add-replaces-members", "members-add-keeps-others @ PATCH /Groups/{id}"),
    (
        "properties-hidden-members-legacy-remove-empties",
        "remove-members-with-value @ PATCH /Groups/{id}",
    ),
}
# Judged over every 429 of the run: no single request to replay, so no script.
NO_SCRIPT = {("webex-throttles-without-retry-after", "webex-retry-after")}


def listed(table: set[tuple[str, str]], variant_id: str, fingerprint: str) -> bool:
    """In the table by the start of the fingerprint: it goes on with the operation."""
    return any(variant_id == v and fingerprint.startswith(start) for v, start in table)


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
        if listed(NO_SCRIPT, *key):
            assert script == ""
            continue
        assert script.startswith("#!/bin/sh"), key
        broken_app, clean_app = fresh(variant.faults), fresh([])
        (broken,) = replay(script, broken_app)
        (clean,) = replay(script, clean_app)
        assert broken_app.token not in broken.stdout + broken.stderr
        if listed(UNDECIDED, *key):
            assert (broken.returncode, clean.returncode) == (3, 3), (key, broken.stdout)
            assert "CANNOT DECIDE automatically" in broken.stdout
        else:
            assert broken.returncode == 1, (key, broken.stdout, broken.stderr)
            assert "\nREPRODUCED" in broken.stdout, key
            assert clean.returncode == 0, (key, clean.stdout, clean.stderr)
            assert "NOT REPRODUCED" in clean.stdout, key
        assert (clean_app.users(), clean_app.groups()) == ([], []), key
        if variant.cleans_up:  # DELETE_NOOP keeps its DELETEs from deleting anything
            assert (broken_app.users(), broken_app.groups()) == ([], []), key


def test_a_script_run_twice_reproduces_twice(run_suite: Callable[..., SuiteRun]) -> None:
    """Names get a fresh prefix each time: a second run does not meet the first's user."""
    variant = next(v for v in VARIANTS if v.fault is Fault.CREATE_RETURNS_200)
    (finding,) = findings_of(run_suite, variant)
    app = fresh(variant.faults)
    runs = replay(str(finding["repro"]), app, times=2)
    assert [run.returncode for run in runs] == [1, 1], runs[1].stdout
    assert "409" not in runs[1].stdout
    assert app.users() == []
