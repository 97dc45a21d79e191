"""Prerequisites met by a narrower create: which bodies are tried, what they lose, and that a
run sends Entra's refused body once, not once per test (requests cost on real tenants)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.fallbacks import (
    MAX_FALLBACKS,
    MEMBER_LADDER,
    dropped,
    group_ladder,
    lacking,
    lost,
    member_add_ops,
    named_paths,
    narrowed,
    user_ladder,
)
from scim_conformance.entra import (
    ADSCIM_GROUP,
    ENTERPRISE,
    USER_SCHEMA,
    EntraPatch,
    UserSpec,
    create_group_body,
    create_user_body,
)
from scim_conformance.reference import Fault
from support.suite_run import SuiteRun

SPEC = UserSpec("ada@example.com", "x-1", "Ada", "Lovelace", "Ada Lovelace", "ada@example.com")
ENTRA_USER = create_user_body(SPEC)
ENTRA_GROUP = create_group_body("Group A", "g-1")


@pytest.mark.parametrize(
    ("detail", "named"),
    [
        ("Extra inputs are not permitted: emails[0].primary", ("emails[].primary",)),
        ("meta and empty roles are not accepted", ("roles", "meta")),
        ("Extra inputs are not permitted: emails", ("emails",)),
        (f"unknown schema {ENTERPRISE}", (ENTERPRISE,)),
        ("userName is required", ()),  # never drops what a user cannot be created without
        ("something went wrong", ()),
    ],
)
def test_the_error_detail_names_what_to_drop(detail: str, named: tuple[str, ...]) -> None:
    assert named_paths(detail, "/Users", ENTRA_USER) == named


def test_user_ladder_drops_the_named_attribute_first_and_is_bounded() -> None:
    ladder = user_ladder("Extra inputs are not permitted: emails[0].primary", ENTRA_USER)
    assert len(ladder) <= MAX_FALLBACKS
    first = ladder[0].apply("/Users", ENTRA_USER)
    assert first["emails"] == [{"type": "work", "value": "ada@example.com"}]
    assert {k: v for k, v in first.items() if k != "emails"} == {
        k: v for k, v in ENTRA_USER.items() if k != "emails"
    }
    assert ladder[0].label == "without emails[].primary"
    minimal = ladder[-1].apply("/Users", ENTRA_USER)
    assert minimal == {"schemas": [USER_SCHEMA], "userName": "ada@example.com", "active": True}


def test_without_a_named_attribute_the_ladder_narrows_step_by_step() -> None:
    ladder = user_ladder("bad request", ENTRA_USER)
    extras = ladder[0].apply("/Users", ENTRA_USER)
    assert "meta" not in extras
    assert "roles" not in extras
    assert extras["schemas"] == [USER_SCHEMA]
    assert "primary" not in extras["emails"][0]
    assert len(ladder) == 2


def test_what_a_fallback_loses_blocks_only_the_tests_that_need_it() -> None:
    no_primary = user_ladder("emails[0].primary", ENTRA_USER)[0].apply("/Users", ENTRA_USER)
    assert lost(ENTRA_USER, no_primary) == frozenset()  # nothing any test reads back
    no_emails = user_ladder("emails", ENTRA_USER)[0].apply("/Users", ENTRA_USER)
    assert lost(ENTRA_USER, no_emails) == {"emails[].type", "emails[].value"}
    assert lacking(lost(ENTRA_USER, no_emails), None) == ["emails[].type", "emails[].value"]
    assert lacking(lost(ENTRA_USER, no_emails), ()) == []
    assert lacking(lost(ENTRA_USER, no_emails), ("emails",)) == [
        "emails[].type",
        "emails[].value",
    ]
    assert lacking(lost(ENTRA_USER, no_emails), ("externalId",)) == []


def test_a_generated_body_narrowed_as_the_run_learned_and_what_it_no_longer_sends() -> None:
    """The properties and cycles narrow their own bodies with the run's narrowing; the values
    it leaves out, by Entra's target paths, are the ones not to expect back."""
    values = {'emails[type eq "work"].value': "ada@example.com", "displayName": "Ada Lovelace"}
    no_primary, no_emails = (
        user_ladder(detail, ENTRA_USER)[0] for detail in ("emails[0].primary", "emails")
    )
    primary_dropped = narrowed(no_primary, "/Users", ENTRA_USER)
    assert primary_dropped is not None
    assert dropped(values, ENTRA_USER, primary_dropped) == []
    emails_dropped = narrowed(no_emails, "/Users", ENTRA_USER)
    assert emails_dropped is not None
    assert dropped(values, ENTRA_USER, emails_dropped) == ['emails[type eq "work"].value']
    assert narrowed(None, "/Users", ENTRA_USER) is None  # nothing learned: Entra's body
    # A user without a mailbox has no primary to drop: it is sent as Entra sends it.
    mailless = {key: value for key, value in ENTRA_USER.items() if key != "emails"}
    assert narrowed(no_primary, "/Users", mailless) is None


def test_group_ladders() -> None:
    plain = group_ladder("unknown schema", ENTRA_GROUP)
    assert plain[0].rule is rules.GROUP_CREATE_EXTRA_SCHEMA  # its own finding
    assert ADSCIM_GROUP not in plain[0].apply("/Groups", ENTRA_GROUP)["schemas"]
    members = group_ladder("Field required: members", ENTRA_GROUP)
    seeded = members[0].apply("/Groups", ENTRA_GROUP, "u-1")
    assert seeded == {**ENTRA_GROUP, "members": [{"value": "u-1"}]}
    assert members[0].rule is rules.CREATE_ACCEPTED


def test_a_refused_create_is_sent_once_then_the_fallback_is_reused(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    results = tmp_path / "results.json"
    run = run_suite(
        "--scim-endpoint=generic", f"--scim-json={results}", faults=[Fault.REFUSES_EMAIL_PRIMARY]
    )
    assert run.failed == ["test_create_user_as_entra_does"], run.output()
    tests = json.loads(results.read_text())["tests"]
    refused = [
        test["id"]
        for test in tests
        for exchange in test["exchanges"]
        if exchange["method"] == "POST" and exchange["status"] == 400
    ]
    # Entra's body goes out from the tests about it (the create test, and the variant test
    # of its spellings, which the refusal blocks) and once from the first prerequisite that
    # learned the fallback: never again after that.
    about_the_create = {
        "test_users_create.py::test_create_user_as_entra_does",
        "test_entra_variants.py::test_writes_in_entra_spellings",
    }
    assert about_the_create <= set(refused), refused
    assert len([test for test in refused if test not in about_the_create]) == 1, refused
    ran_on_fallback = [name for name, lines in run.fallbacks.items() if lines]
    assert len(ran_on_fallback) > 40
    assert run.token not in run.output()


def test_member_fallbacks_drop_the_null_ref_first_then_split_the_op() -> None:
    """The member-add ladder: Entra's op without `"$ref": null`, then one op per member;
    two steps at most, in the dialect's spelling of the op."""
    assert len(MEMBER_LADDER) == 2
    legacy = EntraPatch("legacy")
    entra = legacy.add_members(["u-1", "u-2"])
    first = member_add_ops(MEMBER_LADDER[0], legacy.op("add"), ["u-1", "u-2"])
    assert first == [{**entra[0], "value": [{"value": "u-1"}, {"value": "u-2"}]}]
    assert member_add_ops(MEMBER_LADDER[1], "add", ["u-1", "u-2"]) == [
        {"op": "add", "path": "members", "value": [{"value": "u-1"}]},
        {"op": "add", "path": "members", "value": [{"value": "u-2"}]},
    ]
    with pytest.raises(ValueError, match="no member fallback"):
        member_add_ops("something else", "add", ["u-1"])


def _member_adds(results: Path) -> list[tuple[str, str, int]]:
    """Every PATCH of `members` the run sent: test, request body, status, in order."""
    return [
        (test["id"], exchange["request_body"], exchange["status"])
        for test in json.loads(results.read_text())["tests"]
        for exchange in test["exchanges"]
        if exchange["method"] == "PATCH"
        and '"path": "members"' in (exchange["request_body"] or "")
        and '"op": "Remove"' not in exchange["request_body"]
    ]


def test_a_refused_member_add_is_sent_once_per_dialect_then_the_fallback_is_reused(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    results = tmp_path / "results.json"
    run = run_suite(
        "--scim-endpoint=generic",
        f"--scim-json={results}",
        "-k",
        "member",
        faults=[Fault.REFUSES_NULL_MEMBER_REF],
    )
    adds = _member_adds(results)
    prerequisite = [add for add in adds if "test_add_" not in add[0]]
    refused = [add for add in prerequisite if add[2] == 400]
    # Entra's shape once per dialect from the prerequisites, each time followed by the
    # first fallback, accepted; after that only the fallback goes out.
    assert len(refused) == 2, refused
    assert all('"$ref": null' in body for _, body, _ in refused)
    for test, body, status in prerequisite:
        assert (status == 400) == ('"$ref": null' in body), (test, body, status)
    first = prerequisite.index(refused[0])
    assert prerequisite[first + 1][0] == refused[0][0]
    assert prerequisite[first + 1][2] in (200, 204)
    assert "test_remove_one_member_keeps_the_others[legacy]" not in run.failed, run.output()
    assert any(run.fallbacks.values())


def test_where_no_member_fallback_works_the_dependent_tests_are_blocked(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    """Legacy's `Add` refused in every shape: two fallbacks tried once, then blocked."""
    results = tmp_path / "results.json"
    run = run_suite(
        "--scim-endpoint=generic",
        f"--scim-json={results}",
        "-k",
        "member and legacy",
        faults=[Fault.PATCH_OPS_CASE_SENSITIVE],
    )
    assert run.outcomes["test_remove_one_member_keeps_the_others[legacy]"] == "skipped"
    assert run.outcomes["test_update_group_attributes_keeps_members[legacy]"] == "skipped"
    prerequisite = [add for add in _member_adds(results) if "test_add_" not in add[0]]
    assert [status for _, _, status in prerequisite] == [400, 400, 400], prerequisite
