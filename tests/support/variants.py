"""The one table of broken reference variants: every fault of the reference server that a
check must catch, with the suite tests that must fail on it, words their message must
contain, and tests that must still pass. `tests/suite/test_broken_variants.py` runs each one
through `support.caught.assert_caught`.

A fault that is legal behaviour (no check may fail on it) is proven by a test of its own,
named in PROVEN_ELSEWHERE; every fault is in one of the two (a test checks it).
"""

from __future__ import annotations

from pathlib import Path

from scim_conformance.reference import Fault
from support.caught import (
    Variant,
    cut_at_64,
    cycle_replayed,
    escaped_quote_refused,
    lower_cased,
    non_ascii_name,
    outer_space_lost,
)
from support.suite_run import CYCLE_FLAG, CYCLE_LEGACY, FILTER, GALLERY, ROUND_TRIP, STRICT

# Entra's generic mapping plus an app role (SingleAppRoleAssignment).
ROLES_PROFILE = f"--scim-profile={Path(__file__).parent / 'profiles' / 'roles.toml'}"

VARIANTS = [
    # The Entra checks (the default profile).
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
        # legacy-dialect, and the manager shapes whose one test sends both dialects
        # (manager-set, and the advisory manager-set-list).
        findings=3,
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
        findings=2,  # PATCH of users and of groups: two kinds of request
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
        # Two defects of one rule (patch-applied) on two operations: two findings, each
        # with where it was met (issue 20: one used to hide the other).
        Fault.DEACTIVATE_IGNORED,
        (
            "test_deactivate_keeps_user_readable[legacy]",
            "test_replace_name_parts[aadOptscim062020]",
        ),
        ("the change did not stick",),
        ("test_replace_name_parts[legacy]",),
        also=(Fault.DOTTED_KEYS_LITERAL,),
        findings=2,
    ),
    Variant(
        Fault.DELETE_NOOP,
        ("test_delete_user",),
        ("The deleted user can still be read", "expected: HTTP 404"),
        cleans_up=False,
        findings=2,  # DELETE of a user and of a group: two kinds of request
    ),
    Variant(
        Fault.NOT_FOUND_WITHOUT_SCIM_BODY,
        ("test_get_unknown_user_is_scim_404",),
        ("404 without a SCIM Error body", "text/html"),
        findings=2,  # two rules: the media type and the error body
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
        findings=2,  # the user and the group query: two kinds of request
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
        ("cannot be read back", "get-by-id"),
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
        ("test_create_user_as_entra_does",),
        ("HTTP 400",),
        # One create finding; the tests that need a user run on one created without what
        # the error names, and say so.
        ("test_get_user_by_id", "test_delete_user", "test_replace_work_email[legacy]"),
        fallback=(("test_get_user_by_id", "user created without roles, meta"),),
    ),
    # A third-party server refusing Entra's create but accepting a narrower one (Canaille
    # 0.3.6 refuses emails[].primary): the create finding plus the defect behind it, in one
    # run, and the tests that need a user run instead of being blocked.
    Variant(
        Fault.REFUSES_EMAIL_PRIMARY,
        (
            "test_create_user_as_entra_does",
            "test_filter_by_username_finds_exactly_that_user",
            "test_filter_by_external_id_finds_exactly_that_user",
        ),
        ("[entra-breaking]",),
        (
            "test_get_user_by_id",
            "test_delete_user",
            "test_replace_work_email[legacy]",
            "test_duplicate_username_conflicts[same-case]",
            "test_add_one_member[legacy]",
        ),
        also=(Fault.FILTER_IGNORED,),
        findings=2,
        fallback=(
            (
                "test_replace_work_email[legacy]",
                "prerequisite met by fallback: user created without emails[].primary after "
                "Entra's create was refused (see finding create-accepted @ POST /Users)",
            ),
            ("test_filter_by_username_finds_exactly_that_user", "without emails[].primary"),
        ),
    ),
    # A fallback that loses a value: the tests checking it are blocked by the create
    # finding (never failed for what the suite left out), the others run.
    Variant(
        Fault.REFUSES_EMAILS_ON_CREATE,
        ("test_create_user_as_entra_does",),
        ("HTTP 400", "Extra inputs are not permitted: emails"),
        (
            "test_get_user_by_id",
            "test_replace_username[legacy]",
            "test_create_user_without_email",
            "test_add_work_email_when_none_exists[legacy]",
        ),
        blocked=(
            "test_replace_work_email[legacy]",
            "test_update_several_attributes_at_once[aadOptscim062020]",
            "test_filter_by_external_id_finds_exactly_that_user",
        ),
        fallback=(("test_get_user_by_id", "user created without emails after"),),
    ),
    # Groups created only with a member (Canaille 0.3.6): created with one, and the
    # membership checks expect it.
    Variant(
        Fault.GROUP_MEMBERS_REQUIRED,
        ("test_create_group_as_entra_does",),
        ("Create group with Entra's body", "Field required: members"),
        (
            "test_add_one_member[legacy]",
            "test_add_several_members_in_one_patch[aadOptscim062020]",
            "test_remove_one_member_keeps_the_others[legacy]",
            "test_remove_one_member_keeps_the_others[aadOptscim062020]",
            "test_update_group_attributes_keeps_members[legacy]",
            "test_duplicate_group_display_name_conflicts",
            "test_delete_group",
        ),
        fallback=(("test_delete_group", "group created with one member after"),),
    ),
    # Entra's member add refused for its `"$ref": null`: one finding (the add tests send
    # Entra's shape); the tests that need members add them without the null, and say so.
    Variant(
        Fault.REFUSES_NULL_MEMBER_REF,
        (
            "test_add_one_member[legacy]",
            "test_add_one_member[aadOptscim062020]",
            "test_add_several_members_in_one_patch[aadOptscim062020]",
        ),
        ("[entra-breaking]", "HTTP 400", "members[].$ref must be a URI string"),
        (
            "test_remove_one_member_keeps_the_others[legacy]",
            "test_remove_one_member_keeps_the_others[aadOptscim062020]",
            "test_update_group_attributes_keeps_members[legacy]",
            "test_update_group_attributes_keeps_members[aadOptscim062020]",
            "test_match_group_by_display_name[exact]",
            "test_deleting_a_member_user_keeps_the_group_readable",
        ),
        fallback=(
            (
                "test_remove_one_member_keeps_the_others[legacy]",
                'prerequisite met by fallback: members added without "$ref": null after '
                "Entra's add was refused (see finding patch-status @ PATCH /Groups/{id})",
            ),
            (
                "test_update_group_attributes_keeps_members[aadOptscim062020]",
                'members added without "$ref": null',
            ),
        ),
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
        (
            "test_set_manager[urn-object]",
            "test_set_manager[urn-string]",
            "test_remove_manager[urn-path]",
            "test_remove_manager[value-filter]",
        ),
        ("[entra-breaking]", "Set manager", "HTTP 400"),
        # Only the sample-code list form lacks evidence that Entra sends it: advisory.
        ("test_set_manager[list-with-ref]",),
        findings=2,  # two rules: manager-set and the advisory manager-set-list
    ),
    Variant(
        Fault.MANAGER_STRING_REJECTED,
        ("test_set_manager[urn-string]",),
        ("[entra-breaking]", "Set manager (urn-string, legacy)", "manager-set", "HTTP 400"),
        ("test_set_manager[urn-object]", "test_remove_manager[urn-path]"),
    ),
    Variant(
        Fault.MANAGER_READ_AS_STRING,
        ("test_set_manager[urn-object]", "test_remove_manager[urn-path]"),
        ("[entra-breaking]", "The manager is read back as a bare string", "manager-read-object"),
    ),
    Variant(
        Fault.INACTIVE_UNMATCHED,
        (
            "test_deactivate_keeps_user_readable[legacy]",
            "test_deactivate_keeps_user_readable[aadOptscim062020]",
        ),
        ("[entra-breaking]", "Matching a deactivated user", "soft-delete-readable"),
        ("test_reactivate_user[legacy]",),
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
        ("despite excludedAttributes=members", "partial member list"),
        findings=2,  # group GET by id and group query: two kinds of request
    ),
    Variant(
        Fault.PAGINATION_IGNORED,
        ("test_pages_hold_at_most_count_users", "test_count_zero_returns_only_the_total"),
        ("[rfc]", "Account Discovery"),
        # One cause: count=0 and paging both break on the paged list (one finding, two rules).
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
        findings=2,  # GET by id and the query: two kinds of request
    ),
    Variant(
        Fault.DISCOVERY_MISSING,
        (
            "test_service_provider_config_matches_behaviour",
            "test_resource_types_describe_users_and_groups",
        ),
        ("is not served", "actual:   HTTP 404", "gallery"),
        # A Webex-style server's /Schemas/SCIM2/… form is recognised.
        ("test_schemas_include_user_and_group",),
        GALLERY,
        findings=2,  # two endpoints: /ResourceTypes and /ServiceProviderConfig
    ),
    Variant(
        Fault.SCHEMAS_WITHOUT_GROUP,
        ("test_schemas_include_user_and_group", "test_resource_types_describe_users_and_groups"),
        ("urn:ietf:params:scim:schemas:core:2.0:Group",),
        args=GALLERY,
        findings=2,  # two endpoints: /ResourceTypes and /Schemas
    ),
    Variant(
        Fault.SPC_DENIES_PATCH,
        ("test_service_provider_config_matches_behaviour",),
        ("ServiceProviderConfig says patch is not supported, but it works",),
        args=GALLERY,
    ),
    # The Webex rules (--scim-endpoint=webex, chosen by default for the reference's URL).
    Variant(
        Fault.USERNAME_EMAIL_RULES_IGNORED,
        (
            "test_webex_username_is_the_primary_email[not-an-email]",
            "test_webex_username_is_the_primary_email[other-primary-email]",
        ),
        ("[webex-clients]", "webex-username-email", "userName"),
        ("test_webex_username_is_unique_ignoring_case",),
        kind="webex",
    ),
    Variant(
        Fault.USERNAME_UNIQUE_CASE_SENSITIVE,
        ("test_webex_username_is_unique_ignoring_case",),
        ("[entra-breaking]", "upper case was not refused with 409", "actual:   HTTP 201"),
        kind="webex",
    ),
    Variant(
        Fault.CISCO_EXTENSION_DROPPED,
        ("test_webex_cisco_extension_round_trips",),
        (
            "[webex-clients]",
            "The Cisco extension did not round-trip",
            "extensionAttribute1 = (absent)",
        ),
        kind="webex",
    ),
    Variant(
        Fault.UNKNOWN_SCHEMA_REJECTED,
        ("test_webex_unknown_schema_sections_are_ignored",),
        ("[webex-clients]", "unknown schema section was refused", "HTTP 400"),
        ("test_webex_cisco_extension_round_trips",),
        kind="webex",
    ),
    Variant(
        Fault.READ_ONLY_INPUT_REJECTED,
        ("test_webex_read_only_input_is_ignored",),
        ("[webex-clients]", "read-only attributes was refused", "mutability"),
        ("test_webex_cisco_extension_round_trips",),
        kind="webex",
    ),
    Variant(
        Fault.USER_TYPE_REQUIRED,
        ("test_webex_user_type_defaults_when_absent",),
        ("[entra-breaking]", "A user without userType was refused", "userType is required"),
        kind="webex",
    ),
    Variant(
        Fault.USER_TYPE_NOT_DEFAULTED,
        ("test_webex_user_type_defaults_when_absent",),
        ("[advisory] userType was not defaulted", "userType (absent)"),
        ("test_webex_cisco_extension_round_trips",),
        STRICT,
        kind="webex",
    ),
    Variant(
        Fault.FILTER_EQ_ONLY,
        (
            "test_webex_filter_operators[userName sw]",
            "test_webex_filter_operators[emails.value ew]",
            "test_webex_filter_or",
        ),
        ("[webex-clients]", "was refused", "invalidFilter"),
        ("test_webex_filter_operators[userName eq]", "test_webex_filter_operators[id eq]"),
        kind="webex",
        # One cause: the optional operators and the operator case break on the same query
        # (one finding listing the two rules).
    ),
    Variant(  # an operator in another case: Webex's examples write them so
        Fault.FILTER_EQ_ONLY,
        ("test_webex_filter_operators[userName Eq]",),
        ("[webex-clients]", "was refused", "invalidFilter", "webex-filter-operator-case"),
        ("test_webex_filter_operators[userName eq]",),
        kind="webex",
        # One cause: the optional operators and the operator case break on the same query
        # (one finding listing the two rules).
    ),
    Variant(
        Fault.PAGINATION_IGNORED,
        ("test_webex_pages_with_string_start_index_and_count",),
        (
            "[webex-clients]",
            "does not walk the result set",
            "3 resources at startIndex=1 for count=1",
        ),
        kind="webex",
    ),
    Variant(
        Fault.PATCH_NO_TARGET_IGNORED,
        (
            "test_webex_patch_without_target_is_no_target[remove-without-path]",
            "test_webex_patch_without_target_is_no_target[replace-unmatched-value-filter]",
        ),
        ("[webex-clients]", "was not refused", "expected: HTTP 400"),
        kind="webex",
    ),
    Variant(
        Fault.ERROR_STATUS_INTEGER,
        ("test_webex_error_bodies_with_or_without_cisco_extension",),
        ("[rfc]", "Error body for GET an unknown user", "is not of type 'string'"),
        kind="webex",
    ),
    Variant(
        Fault.INACTIVE_UNLISTED,
        (
            "test_webex_deactivated_user_stays_listed[legacy]",
            "test_webex_deactivated_user_stays_listed[aadOptscim062020]",
        ),
        ("[advisory]", "missing from the unfiltered user list", "webex-inactive-listed"),
        args=STRICT,
        kind="webex",
    ),
    Variant(
        Fault.INCLUDE_MEMBERS_IGNORED,
        ("test_webex_group_list_members_only_when_asked",),
        ("[webex-clients]", "with includeMembers=true: members missing", "members (absent)"),
        kind="webex",
    ),
    Variant(
        Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED,
        ("test_webex_group_list_members_only_when_asked",),
        ("[webex-clients]", "members listed without includeMembers"),
        kind="webex",
    ),
    Variant(
        Fault.SIZE_LIMITS_IGNORED,
        (
            "test_webex_size_limits_are_enforced[emails-10]",
            "test_webex_size_limits_are_enforced[phoneNumbers-50]",
        ),
        ("[webex-clients]", "were not refused", "webex-size-limits"),
        ("test_webex_cisco_extension_round_trips",),
        kind="webex",
    ),
    Variant(
        Fault.SCHEMAS_OMIT_CISCO,
        ("test_webex_cisco_extension_round_trips",),
        ("[webex-clients]", "`schemas` does not list the Cisco extension", "webex-schemas-listed"),
        ("test_webex_read_only_input_is_ignored",),
        kind="webex",
    ),
    Variant(
        Fault.EMPTY_TRACKING_ID,
        ("test_webex_error_bodies_with_or_without_cisco_extension",),
        ("[advisory]", "has no trackingId", "webex-error-tracking-id"),
        ("test_webex_cisco_extension_round_trips",),
        STRICT,
        kind="webex",
    ),
    Variant(  # Entra's Cisco Webex app, end to end: its next cycle loses the disabled user
        Fault.INACTIVE_UNMATCHED,
        (
            "test_webex_gallery_app_provisions_as_the_tutorial_configures_it[legacy]",
            "test_webex_gallery_app_provisions_as_the_tutorial_configures_it[aadOptscim062020]",
        ),
        (
            "[entra-breaking] Cisco Webex tutorial, next cycle: match the disabled user",
            "Entra loses track of it",
            "soft-delete-readable",
        ),
        ("test_webex_deactivated_user_stays_listed[legacy]",),
        kind="webex",
    ),
    Variant(
        Fault.THROTTLES_WITHOUT_RETRY_AFTER,
        ("test_webex_rate_limits_carry_retry_after",),
        ("[advisory] A 429 without a usable Retry-After (no Retry-After header)", "429 answers"),
        ("test_webex_filter_or", "test_webex_cisco_extension_round_trips"),
        (*STRICT, "--scim-max-retry-wait=0"),
        kind="webex",
    ),
    # Entra's request variants: one fault per class, only its variant exposes it.
    Variant(
        Fault.LOWER_STRING_BOOLEAN_IGNORED,
        ("test_active_in_entra_spellings[legacy]",),
        (
            "[entra-breaking]",
            'Replace active "true" [variant active-lower-string-path, legacy]',
            "did not stick",
            "active-string-any-case",
        ),
        (
            "test_active_in_entra_spellings[aadOptscim062020]",
            "test_reactivate_user[legacy]",
        ),
    ),
    Variant(
        Fault.CHARSET_REFUSED,
        ("test_writes_in_entra_spellings",),
        (
            "[entra-breaking]",
            "Create a user with charset=utf-8 [variant content-type-charset]",
            "HTTP 415",
            "content-type-charset",
        ),
        ("test_create_user_as_entra_does", "test_replace_username[legacy]"),
    ),
    Variant(
        Fault.POST_STRING_BOOLEAN_REFUSED,
        ("test_writes_in_entra_spellings",),
        (
            "[entra-breaking]",
            'Create a user with active "False" [variant post-active-string]',
            "HTTP 400",
            "create-active-string",
        ),
        ("test_create_user_as_entra_does", "test_deactivate_keeps_user_readable[legacy]"),
    ),
    Variant(
        Fault.NULL_UPDATE_500,
        ("test_clear_an_attribute[aadOptscim062020]",),
        (
            "[rfc]",
            "Clear title (null) [variant clear-replace-null, aadOptscim062020]",
            "HTTP 500",
            "patch-clear-attribute",
        ),
        ("test_clear_an_attribute[legacy]",),
    ),
    Variant(
        Fault.LOWER_REMOVE_WITH_VALUE_IGNORED,
        ("test_remove_members_lower_case_with_value",),
        (
            "[entra-breaking]",
            "Remove one member [variant op-remove-lower-with-value]",
            "remove-members-with-value",
        ),
        ("test_remove_one_member_keeps_the_others[legacy]",),
    ),
    Variant(
        Fault.ACCEPT_WITHOUT_JSON_406,
        ("test_test_connection_without_scim_media_type",),
        (
            "[entra-breaking]",
            "Test Connection with Accept: */* [variant test-connection-accept-any]",
            "HTTP 406",
            "test-connection-headers",
        ),
        ("test_probe_for_unknown_user_returns_empty_list",),
    ),
    # Microsoft's gallery validation tests (suite/test_gallery.py, only with --scim-gallery).
    Variant(
        Fault.PAGES_CAPPED_AT_10,
        ("test_gallery_user_pagination", "test_gallery_group_pagination"),
        ("[rfc]", "startIndex=11, count=5: not the requested page", "no resources, though"),
        ("test_pages_hold_at_most_count_users",),
        GALLERY,
        findings=2,  # two kinds of request: the /Users and the /Groups pages
    ),
    Variant(
        Fault.CLEAR_SUB_ATTRIBUTE_IGNORED,
        ("test_gallery_null_update_in_two_phases",),
        ("[rfc]", "Null update, phase 1", "attributes are still set", "name.givenName"),
        ("test_clear_an_attribute[legacy]", "test_clear_an_attribute[aadOptscim062020]"),
        GALLERY,
    ),
    Variant(
        Fault.NAMES_RESERVED_AFTER_DELETE,
        ("test_gallery_restore_user_after_delete", "test_gallery_restore_group_after_delete"),
        ("[rfc]", "cannot be created again", "HTTP 409", "recreate-after-delete"),
        ("test_delete_user", "test_delete_group"),
        GALLERY,
        findings=2,  # two kinds of request: POST /Users and POST /Groups
    ),
    Variant(
        Fault.SCHEMAS_OMIT_TITLE,
        ("test_gallery_mapped_attributes_in_schemas",),
        ("[rfc]", "/Schemas does not describe attributes the mapping sends", "User title"),
        ("test_schemas_include_user_and_group",),
        GALLERY,
    ),
    Variant(
        Fault.GROUP_LOWER_RENAME_BY_PATH_IGNORED,
        ("test_gallery_group_update_direct",),
        ("[entra-breaking]", "Update the group with a direct PATCH: the change did not stick"),
        (
            "test_gallery_group_create_direct",
            "test_update_group_attributes_keeps_members[legacy]",
            "test_update_group_attributes_keeps_members[aadOptscim062020]",
        ),
        GALLERY,
    ),
    # Faults only the property-based checks catch, shown with a minimal example.
    Variant(
        Fault.NON_ASCII_NAME_500,
        (ROUND_TRIP,),
        ("[entra-breaking] Create a generated Entra user", "actual:   HTTP 500"),
        kind="properties",
        shows=non_ascii_name,
    ),
    Variant(
        Fault.FILTER_ESCAPED_QUOTE_400,
        (FILTER,),
        ("[rfc] Matching by a generated userName", "RFC 7644 §3.4.2.2", "Known issues"),
        kind="properties",
        shows=escaped_quote_refused,
    ),
    Variant(
        Fault.TRIMS_NAMES,
        (ROUND_TRIP,),
        ("[advisory] The created user holds normalised values", "value-normalised"),
        args=STRICT,  # normalisation is advisory: strict makes it fail the property
        kind="properties",
        shows=outer_space_lost,
    ),
    Variant(
        Fault.LOWERCASES_USER_NAME,
        (ROUND_TRIP,),
        ("[advisory] The created user holds normalised values", "value-normalised"),
        args=STRICT,
        kind="properties",
        shows=lower_cased,
    ),
    Variant(
        Fault.TRUNCATES_LONG_NAMES,
        (ROUND_TRIP,),
        ("[entra-breaking] The created user does not hold what was sent", "create-stored"),
        kind="properties",
        shows=cut_at_64,
    ),
    # Entra's incremental cycles on populated resources (issue 13).
    Variant(  # members hidden: membership is verified with Entra's membership filter
        Fault.HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES,
        ("test_remove_one_member_keeps_the_others[legacy]",),
        (
            "[entra-breaking]",
            "did not leave exactly the others",
            'read with the filter id eq "<group>" and members[value eq "<user>"]',
            "remove-members-with-value",
        ),
        (
            "test_remove_one_member_keeps_the_others[aadOptscim062020]",
            "test_add_several_members_in_one_patch[legacy]",
        ),
    ),
    Variant(  # a server that ignores the manager fails before "removing" one it never set
        Fault.MANAGER_IGNORED,
        (
            "test_set_manager[urn-object]",
            "test_set_manager[urn-string]",
            "test_remove_manager[urn-path]",
            "test_remove_manager[value-filter]",
        ),
        ("[entra-breaking]", "did not stick", "patch-applied", "manager = (absent) (expected"),
        # One cause: the manager is not stored, which breaks patch-applied and the advisory
        # manager-set-list on the same attribute (one finding listing both rules).
    ),
    # App roles, under a mapping that sends them (only such apps get these requests).
    Variant(
        Fault.ROLES_ENCODED_VALUE_REFUSED,
        ("test_add_role_as_entra_does[legacy]",),
        ("[entra-breaking] Add an app role", "roles-as-entra-sends", "HTTP 400"),
        ("test_add_role_as_entra_does[aadOptscim062020]", "test_replace_primary_role[legacy]"),
        args=(ROLES_PROFILE,),
    ),
    Variant(
        Fault.ROLES_PRIMARY_FILTER_IGNORED,
        ("test_replace_primary_role[legacy]", "test_replace_primary_role[aadOptscim062020]"),
        ("did not stick", 'roles[primary eq "True"].value = "Reader" (expected "Admin")'),
        ("test_add_role_as_entra_does[legacy]",),
        args=(ROLES_PROFILE,),
    ),
    Variant(  # only a cycle adds to a group that already has members
        Fault.ADD_REPLACES_MEMBERS,
        (CYCLE_LEGACY, CYCLE_FLAG),
        ("[entra-breaking] Cycle step", "add 1 member to g", "members-add-keeps-others"),
        kind="properties",
        shows=cycle_replayed,
    ),
    Variant(
        Fault.HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES,
        (CYCLE_LEGACY,),
        (
            "[entra-breaking] Cycle step",
            "remove 1 member from g1",
            'members[value eq "<user>"]',
            "remove-members-with-value",
        ),
        kind="properties",
        shows=cycle_replayed,
    ),
    Variant(
        Fault.MANAGER_IGNORED,
        (CYCLE_LEGACY, CYCLE_FLAG),
        ("[entra-breaking] Cycle step", "the manager of u1: the manager differs", "patch-applied"),
        kind="properties",
        shows=cycle_replayed,
    ),
    # Transitions only the cycles' walk of the state space reaches (coverage.py).
    Variant(
        Fault.READDED_MEMBER_DUPLICATED,
        (CYCLE_LEGACY, CYCLE_FLAG),
        ("[rfc] Cycle step", "remove 1 member from g1", "members-add-existing"),
        kind="properties",
        shows=cycle_replayed,
    ),
    Variant(
        # The same tombstone the gallery's restore tests meet (one rule, one grading): the
        # cycles re-create a deleted userName as Entra does after an unassign and reassign.
        Fault.NAMES_RESERVED_AFTER_DELETE,
        (CYCLE_LEGACY, CYCLE_FLAG),
        (
            "[advisory] Cycle step",
            "create a user again, after it was deleted",
            "recreate-after-delete",
            "HTTP 409",
        ),
        kind="properties",
        args=STRICT,  # advisory unless --scim-gallery: strict makes it fail the cycles
        shows=cycle_replayed,
    ),
    Variant(
        Fault.RENAME_KEEPS_ONE_MEMBER,
        (CYCLE_LEGACY, CYCLE_FLAG),
        ("[entra-breaking] Cycle step", "which has 2 member(s)", "group-rename-keeps-members"),
        kind="properties",
        shows=cycle_replayed,
    ),
]

# Legal behaviours, each proven by the test named (module, function): the suite passes, or
# reports an advisory finding only.
PROVEN_ELSEWHERE = {
    # The OAuth client-credentials flow needs the token endpoint's URL in the run's options.
    Fault.TOKEN_LIFETIME_24H: ("test_gallery.py", "test_token_lifetime_outside_the_range_fails"),
    Fault.JSON_CONTENT_TYPE: (
        "test_broken_variants.py",
        "test_application_json_is_advisory_not_a_failure",
    ),
    Fault.NO_GROUPS: (
        "test_broken_variants.py",
        "test_users_only_server_is_not_failed_for_lacking_groups",
    ),
    Fault.REFUSES_EXOTIC_INPUT: (
        "test_properties.py",
        "test_documented_refusals_are_advisory_not_failures",
    ),
    Fault.NO_CISCO_ERROR_EXTENSION: (
        "test_webex.py",
        "test_error_bodies_without_the_cisco_extension_pass",
    ),
    # Not a rule broken but a network failing: nothing must be left behind.
    Fault.CREATE_COMMITS_THEN_DROPS: (
        "test_lost_creates.py",
        "test_a_create_dropped_after_commit_is_found_by_name_and_deleted",
    ),
}
