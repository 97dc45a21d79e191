"""Every check can fail: each deliberately broken reference server is caught by the test
meant for it, with the message a vendor needs (DESIGN.md promise 7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from test_properties import FAULTS_PROVEN_HERE as PROPERTY_FAULTS
from test_webex import WEBEX_FAULTS

from conftest import SuiteRun
from scim_conformance.reference import Fault


@dataclass(frozen=True)
class Variant:
    """A broken server, the tests that must fail, words their message must contain, and
    tests that must still pass (the fault is specific to them)."""

    fault: Fault
    must_fail: tuple[str, ...]
    says: tuple[str, ...]
    must_pass: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


GALLERY = ("--scim-gallery",)

VARIANTS = [
    Variant(
        Fault.CREATE_RETURNS_200,
        ("test_create_user_as_entra_does",),
        ("[rfc]", "Create answered 200 instead of 201", "expected: HTTP 201"),
    ),
    Variant(
        Fault.FILTER_IGNORED,
        (
            "test_filter_by_username_finds_exactly_that_user",
            "test_filter_by_external_id_finds_exactly_that_user",
        ),
        ("[entra-breaking]", "DuplicateTargetEntries"),
    ),
    Variant(
        Fault.USERNAME_CASE_SENSITIVE,
        ("test_filter_by_username_ignores_case",),
        ("different case", "actual:   0 user(s): none"),
        ("test_filter_by_username_finds_exactly_that_user",),
    ),
    Variant(
        Fault.NO_CONFLICT,
        (
            "test_duplicate_username_conflicts[same-case]",
            "test_duplicate_username_conflicts[other-case]",
        ),
        ("was not refused with 409", "DuplicateTargetEntries"),
    ),
    Variant(
        Fault.PATCH_OPS_CASE_SENSITIVE,
        ("test_replace_username[legacy]", "test_deactivate_keeps_user_readable[legacy]"),
        ("expected: HTTP 200 or 204", '"op": "Replace"'),
        ("test_replace_username[aadOptscim062020]",),
    ),
    Variant(
        Fault.REJECT_STRING_BOOLEANS,
        ("test_deactivate_keeps_user_readable[legacy]", "test_reactivate_user[legacy]"),
        ("Deactivate", "HTTP 400"),
        ("test_deactivate_keeps_user_readable[aadOptscim062020]",),
    ),
    Variant(
        Fault.FILTER_PATH_PATCH_IGNORED,
        (
            "test_replace_work_email[legacy]",
            "test_replace_work_email[aadOptscim062020]",
            "test_add_work_email_when_none_exists[legacy]",
        ),
        ("the change did not stick", 'emails[type eq "work"].value'),
    ),
    Variant(
        Fault.DEACTIVATE_IGNORED,
        (
            "test_deactivate_keeps_user_readable[legacy]",
            "test_deactivate_keeps_user_readable[aadOptscim062020]",
        ),
        ("Deactivate the user: the change did not stick", "active = true (expected false)"),
    ),
    Variant(
        Fault.DELETE_NOOP,
        ("test_delete_user",),
        ("The deleted user can still be read", "expected: HTTP 404"),
    ),
    Variant(
        Fault.NOT_FOUND_WITHOUT_SCIM_BODY,
        ("test_get_unknown_user_is_scim_404",),
        ("404 without a SCIM Error body", "text/html"),
    ),
    Variant(
        Fault.AUTH_NOT_ENFORCED,
        ("test_request_without_token_is_rejected",),
        ("without a token was not refused with 401", "actual:   HTTP 200"),
    ),
    Variant(
        Fault.WRONG_TOKEN_ACCEPTED,
        ("test_wrong_token_is_rejected_without_data",),
        ("A wrong token was not refused with 401",),
        ("test_request_without_token_is_rejected",),
    ),
    Variant(
        Fault.STALE_PATCH_BODY,
        ("test_replace_username[legacy]", "test_replace_name_parts[aadOptscim062020]"),
        ("the 200 response shows the old values", "[rfc]"),
    ),
    Variant(
        Fault.EMPTY_FILTER_404,
        ("test_probe_for_unknown_user_returns_empty_list",),
        ("expected: HTTP 200", "actual:   HTTP 404", "ServiceIncompatible"),
    ),
    Variant(
        Fault.DOTTED_KEYS_LITERAL,
        (
            "test_replace_name_parts[aadOptscim062020]",
            "test_update_several_attributes_at_once[aadOptscim062020]",
        ),
        ("the change did not stick", "name.givenName"),
        ("test_replace_name_parts[legacy]",),
    ),
    Variant(
        Fault.INACTIVE_HIDDEN,
        ("test_deactivate_keeps_user_readable[legacy]", "test_reactivate_user[legacy]"),
        ("cannot be read back", "InvalidAnchor"),
    ),
    Variant(
        Fault.EXTERNALID_FILTER_UNSUPPORTED,
        ("test_filter_by_external_id_finds_exactly_that_user",),
        ("Matching by externalId", "actual:   HTTP 400"),
    ),
    Variant(
        Fault.ERROR_STATUS_INTEGER,
        ("test_get_unknown_user_is_scim_404",),
        ("[rfc]", "status", "is not of type 'string'"),
    ),
    Variant(
        Fault.REJECT_CLIENT_META,
        ("test_create_user_as_entra_does", "test_get_user_by_id"),
        ("HTTP 400",),
    ),
    Variant(
        Fault.ADD_MISSING_ELEMENT_FAILS,
        (
            "test_add_work_email_when_none_exists[legacy]",
            "test_add_work_email_when_none_exists[aadOptscim062020]",
        ),
        ("Add a work email to a user without one", "HTTP 400"),
        ("test_replace_work_email[legacy]",),
    ),
    Variant(
        Fault.MANAGER_UNSUPPORTED,
        ("test_set_manager[urn-object]", "test_remove_manager[urn-path]"),
        ("[entra-breaking]", "Set manager", "HTTP 400"),
        # Shapes with weak evidence are advisory: reported, not failed (§5d, gap 4).
        ("test_set_manager[list-with-ref]", "test_set_manager[urn-string]"),
    ),
    Variant(
        Fault.ENTERPRISE_IGNORED,
        (
            "test_replace_enterprise_attributes[legacy]",
            "test_replace_enterprise_attributes[aadOptscim062020]",
        ),
        ("the change did not stick", "department"),
        ("test_set_manager[urn-object]",),
    ),
    Variant(
        Fault.DELETE_TWICE_204,
        ("test_delete_user",),
        ("A second DELETE did not answer 404", "[rfc]"),
    ),
    Variant(
        Fault.WRONG_CONTENT_TYPE,
        ("test_get_user_by_id",),
        ("Content-Type is not application/scim+json", "text/plain"),
    ),
    Variant(
        Fault.LEGACY_REMOVE_EMPTIES_GROUP,
        ("test_remove_one_member_keeps_the_others[legacy]",),
        ("[entra-breaking]", "did not leave exactly the others", "members (none)", "data-loss"),
        ("test_remove_one_member_keeps_the_others[aadOptscim062020]",),
    ),
    Variant(
        Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED,
        ("test_match_group_by_display_name[exact]", "test_get_group_excluding_members"),
        ("despite excludedAttributes=members", "MultipleEntriesInResponse"),
    ),
    Variant(
        Fault.PAGINATION_IGNORED,
        ("test_pages_hold_at_most_count_users", "test_count_zero_returns_only_the_total"),
        ("[rfc]", "Account Discovery"),
    ),
    Variant(
        Fault.GROUP_NO_CONFLICT,
        ("test_duplicate_group_display_name_conflicts",),
        ("Duplicate group displayName was not refused with 409", "actual:   HTTP 201"),
        ("test_duplicate_username_conflicts[same-case]",),
    ),
    Variant(
        Fault.GROUP_EMPTY_FILTER_404,
        ("test_group_probe_returns_empty_list",),
        ("Test Connection group probe", "actual:   HTTP 404"),
        ("test_probe_for_unknown_user_returns_empty_list",),
    ),
    Variant(
        Fault.RENAME_DROPS_MEMBERS,
        (
            "test_update_group_attributes_keeps_members[legacy]",
            "test_update_group_attributes_keeps_members[aadOptscim062020]",
        ),
        ("Renaming the group changed its members", "members (none)"),
    ),
    Variant(
        Fault.ATTRIBUTES_IGNORED,
        ("test_attributes_on_get", "test_excluded_attributes_on_get", "test_attributes_on_list"),
        ("[rfc]", "unexpected ['name', 'emails']"),
    ),
    Variant(
        Fault.DISCOVERY_MISSING,
        (
            "test_service_provider_config_matches_behaviour",
            "test_resource_types_describe_users_and_groups",
        ),
        ("is not served", "actual:   HTTP 404", "gallery"),
        # A Webex-style server's /Schemas/SCIM2/… form is recognised (webex-scim.md §1).
        ("test_schemas_include_user_and_group",),
        GALLERY,
    ),
    Variant(
        Fault.SCHEMAS_WITHOUT_GROUP,
        ("test_schemas_include_user_and_group", "test_resource_types_describe_users_and_groups"),
        ("urn:ietf:params:scim:schemas:core:2.0:Group",),
        args=GALLERY,
    ),
    Variant(
        Fault.SPC_DENIES_PATCH,
        ("test_service_provider_config_matches_behaviour",),
        ("ServiceProviderConfig says patch is not supported, but it works",),
        args=GALLERY,
    ),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.fault.value)
def test_broken_server_is_caught_by_the_right_test(
    run_suite: Callable[..., SuiteRun], variant: Variant
) -> None:
    run = run_suite(*variant.args, faults=[variant.fault])
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, run.output()
    for name in variant.must_fail:
        assert run.outcomes.get(name) == "failed", (name, run.failed)
        for words in variant.says:
            assert words in run.messages[name], (name, words, run.messages[name])
    for name in variant.must_pass:
        assert run.outcomes.get(name) == "passed", (name, run.messages.get(name))
    assert "INTERNALERROR" not in run.output()
    assert run.token not in run.output()


def test_every_fault_has_a_variant() -> None:
    # JSON_CONTENT_TYPE and NO_GROUPS are legal; each has its own test below.
    covered = {variant.fault for variant in VARIANTS} | {Fault.JSON_CONTENT_TYPE, Fault.NO_GROUPS}
    covered |= PROPERTY_FAULTS  # proven in test_properties.py
    covered |= set(WEBEX_FAULTS)  # proven in test_webex.py
    assert covered == set(Fault)


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


def test_refused_legacy_manager_shapes_are_advisory(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-k", "set_manager and not object", faults=[Fault.MANAGER_UNSUPPORTED])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "[advisory] Set manager (list-with-ref)" in run.output()
    assert "[advisory] Set manager (urn-string)" in run.output()
    strict = run_suite(
        "-k", "set_manager and not object", "--scim-strict", faults=[Fault.MANAGER_UNSUPPORTED]
    )
    assert strict.failed == [
        "test_set_manager[list-with-ref]",
        "test_set_manager[urn-string]",
    ]


def test_strict_turns_advisory_findings_into_failures(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("--scim-strict", faults=[Fault.JSON_CONTENT_TYPE])
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    assert "[advisory] Response Content-Type is not application/scim+json" in run.output()
