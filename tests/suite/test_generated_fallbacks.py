"""The tests that build their own create bodies (the generated properties, the Entra cycles,
the Webex checks) meet a refused Entra create through the run's remembered fallback, as the
fixed tests do: they run, say so, judge everything else, and the run reports the create
finding once plus the findings of the defects behind it (issue 23)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.reference import Fault
from support.suite_run import (
    CASE_CONFLICT,
    CYCLE_FLAG,
    CYCLE_LEGACY,
    FILTER,
    PATCH,
    PROPERTIES,
    ROUND_TRIP,
    SuiteRun,
)

USER_CREATE = "create-accepted @ POST /Users"
WITHOUT_PRIMARY = "user created without emails[].primary after Entra's create was refused"
GENERATED = (*PROPERTIES, CYCLE_LEGACY, CYCLE_FLAG)


def findings(results: Path) -> list[str]:
    """The fingerprints of the run's findings, as results.json lists them."""
    return sorted(f["fingerprint"] for f in json.loads(results.read_text())["findings"])


def said(run: SuiteRun, name: str, words: str) -> bool:
    """The test's report carries a fallback line holding `words`."""
    return any(words in line for line in run.fallbacks.get(name, []))


def test_a_refused_create_and_ignored_filters_are_both_reported_by_one_run(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """The issue's case, the whole suite with the generated checks: Entra's create refused
    for `emails[].primary`, and filters ignored. The cycles and properties run on the
    fallback and meet the filter defect; one finding each."""
    results = tmp_path / "results.json"
    run = run_suite(
        "--scim-endpoint=generic",
        f"--scim-json={results}",
        "--scim-examples=5",
        faults=[Fault.REFUSES_EMAIL_PRIMARY, Fault.FILTER_IGNORED],
        properties=True,
    )
    assert findings(results) == [USER_CREATE, "filter-exact-match @ GET /Users filter"]
    for name in (CYCLE_LEGACY, CYCLE_FLAG, FILTER):
        assert run.outcomes[name] == "failed", (name, run.outcomes.get(name))
        assert "[entra-breaking]" in run.messages[name]
        assert "filter-exact-match" in run.messages[name]
        assert said(run, name, WITHOUT_PRIMARY), (name, run.fallbacks.get(name))
    # Nothing else a generated check judges breaks: no false alarm from the fallback body.
    for name in (ROUND_TRIP, CASE_CONFLICT, f"{PATCH}[legacy]", f"{PATCH}[aadOptscim062020]"):
        assert run.outcomes[name] == "passed", (name, run.messages.get(name))
    assert said(run, ROUND_TRIP, WITHOUT_PRIMARY)
    assert not [name for name in GENERATED if run.outcomes.get(name) == "skipped"]
    assert run.server.app.users() == [], "the run left users behind"
    assert run.token not in run.output()


def test_values_the_fallback_left_out_are_not_expected_back(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """Only a create without `emails` is accepted: the generated users are created without
    their work email, and no check expects it back (the report says so); a PATCH defect
    behind the refused create is still caught, by the properties and the cycles."""
    results = tmp_path / "results.json"
    run = run_suite(
        "-k",
        "properties or test_entra_cycle or test_create_user_as_entra_does",
        "--scim-endpoint=generic",
        f"--scim-json={results}",
        "--scim-examples=5",
        faults=[Fault.REFUSES_EMAILS_ON_CREATE, Fault.DEACTIVATE_IGNORED],
        properties=True,
    )
    assert findings(results) == [USER_CREATE, "patch-applied @ PATCH /Users/{id} replace active"]
    assert run.outcomes[ROUND_TRIP] == "passed", run.messages.get(ROUND_TRIP)
    assert said(
        run,
        ROUND_TRIP,
        'not expected back, the narrower body did not send them: emails[type eq "work"].value',
    )
    for name in (CYCLE_LEGACY, CYCLE_FLAG):
        assert run.outcomes[name] == "failed", (name, run.outcomes.get(name))
        assert "active = true (expected false)" in run.messages[name], run.messages[name]
        assert said(run, name, "user created without emails after"), run.fallbacks.get(name)
    # The second user of the filter properties only has to exist: not blocked for its email.
    assert run.outcomes[FILTER] == "passed", run.messages.get(FILTER)
    assert run.server.app.users() == [], "the run left users behind"


def test_cycles_create_their_groups_with_a_member_where_one_is_required(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """Groups only created with a member: the cycles create theirs with the first member
    (the model holds it) and still catch an add that replaces the member list."""
    results = tmp_path / "results.json"
    run = run_suite(
        "-k",
        "test_entra_cycle or test_create_group_as_entra_does",
        f"--scim-json={results}",
        faults=[Fault.GROUP_MEMBERS_REQUIRED, Fault.ADD_REPLACES_MEMBERS],
        properties=True,
    )
    assert findings(results) == [
        "create-accepted @ POST /Groups",
        "members-add-keeps-others @ PATCH /Groups/{id} add members",
    ]
    for name in (CYCLE_LEGACY, CYCLE_FLAG):
        assert run.outcomes[name] == "failed", (name, run.outcomes.get(name))
        assert "members-add-keeps-others" in run.messages[name]
        assert said(run, name, "group created with one member after"), run.fallbacks.get(name)


def test_cycles_on_a_group_fallback_alone_pass(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """The member a group had to be created with is in the model: no false alarm."""
    results = tmp_path / "results.json"
    run = run_suite(
        "-k",
        "test_entra_cycle",
        f"--scim-json={results}",
        faults=[Fault.GROUP_MEMBERS_REQUIRED],
        properties=True,
    )
    assert findings(results) == []
    assert run.outcomes == {CYCLE_LEGACY: "passed", CYCLE_FLAG: "passed"}, run.output()
    assert said(run, CYCLE_LEGACY, "group created with one member after")


def test_webex_checks_create_through_the_fallback(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """The Webex checks' users are created without `emails[].primary` too, so a Webex
    defect behind the refused create is reported, beside the create finding."""
    results = tmp_path / "results.json"
    run = run_suite(
        "-k",
        "webex or test_create_user_as_entra_does",
        f"--scim-json={results}",
        faults=[Fault.REFUSES_EMAIL_PRIMARY, Fault.CISCO_EXTENSION_DROPPED],
    )
    assert findings(results) == [USER_CREATE, "webex-cisco-extension @ POST /Users"]
    cisco = "test_webex_cisco_extension_round_trips"
    assert run.outcomes[cisco] == "failed"
    assert "The Cisco extension did not round-trip" in run.messages[cisco]
    for name in (cisco, "test_webex_filter_or", "test_webex_username_is_unique_ignoring_case"):
        assert said(run, name, WITHOUT_PRIMARY), (name, run.fallbacks.get(name))
    assert run.outcomes["test_webex_filter_or"] == "passed"
    assert not [name for name, outcome in run.outcomes.items() if outcome == "skipped"]


def test_on_the_clean_server_no_fallback_is_used(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """Nothing changes where Entra's create is accepted: no fallback, no create refused."""
    results = tmp_path / "results.json"
    run = run_suite(
        "-k", "properties or test_entra_cycle or webex", f"--scim-json={results}", properties=True
    )
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert findings(results) == []
    assert not any(run.fallbacks.values()), run.fallbacks
    tests = json.loads(results.read_text())["tests"]
    refused = [
        test["id"]
        for test in tests
        for exchange in test["exchanges"]
        if exchange["method"] == "POST" and exchange["status"] in (400, 422)
    ]
    # Only the Webex checks whose subject is a body Webex refuses get a refusal.
    assert {name.split("::")[-1].split("[")[0] for name in refused} <= {
        "test_webex_username_is_the_primary_email",
        "test_webex_size_limits_are_enforced",
    }, refused
