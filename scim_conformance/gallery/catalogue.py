"""Microsoft's 25 gallery validation tests, by their own names and categories, and what in
this suite covers each one: its tests (by function name, every parametrisation) and rules.

Names, categories (mandatory / optional), skip conditions and pass criteria are Microsoft's
(SCIM-Validation-Test-Overview.md, "Test Inventory"); the one-line summaries are the suite's.
Three tests need a real Entra tenant, so the suite cannot run them: provisioning on demand
(POD_User_Test, POD_Group_Test) and workload identity federation (Federated_Identity_Test).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

OVERVIEW_URL = (
    "https://github.com/AzureAD/SCIMReferenceCode/blob/master/Microsoft.SCIM."
    "LogicAppValidationTemplate/StandardLogicApp/SCIM-Validation-Test-Overview.md"
)
CHECKLIST_URL = (
    "https://github.com/AzureAD/SCIMReferenceCode/blob/master/"
    "Entra-AppGallery-AI-Validation-Checklist.md"
)


class Skip(str, Enum):
    """Microsoft's own conditions for reporting a test SKIPPED."""

    NO_MANAGER = "no manager attribute in the app's mapping"
    NO_TOKEN_ENDPOINT = "no scimTokenEndpoint (a static bearer token)"
    NO_GROUPS = "the endpoint does not support groups"


@dataclass(frozen=True)
class GalleryTest:
    """One of Microsoft's tests and the suite's coverage of it."""

    number: int
    name: str
    workflow: str  # User, Group or SCIM: Microsoft's workflow that runs it
    category: str  # "mandatory" or "optional", as Microsoft states it
    summary: str  # what it exercises, in the suite's words
    covered_by: tuple[str, ...] = ()  # suite test functions (every parametrisation)
    rules: tuple[str, ...] = ()  # rule ids of the catalogue (checks/rules.py)
    skip: Skip | None = None  # Microsoft's skip condition, when it has one
    # Microsoft reports it FAILED, not SKIPPED, when /Schemas lacks the Group schema.
    group_required: bool = False
    needs_entra: str = ""  # what only a run through an Entra tenant shows
    authentication: bool = False  # one of the two tests of the authentication model

    @property
    def optional(self) -> bool:
        """A failure is a WARNING: it does not block the overall result."""
        return self.category == "optional"


def _t(
    number: int, name: str, workflow: str, category: str, summary: str, **kw: object
) -> GalleryTest:
    return GalleryTest(number, name, workflow, category, summary, **kw)  # type: ignore[arg-type]


M, OPT = "mandatory", "optional"
POD_NOTE = (
    "Provision on demand in your Entra tenant (provisionOnDemand answers 200, the "
    "provisioning log shows success). On-demand provisioning sends Entra's legacy PATCH "
    "dialect even with ?aadOptscim062020, which this run replays."
)

TESTS: tuple[GalleryTest, ...] = (
    _t(
        1,
        "Create_User_Test",
        "User",
        M,
        "a user assigned in Entra is created, then found by its userName filter",
        covered_by=(
            "test_probe_for_unknown_user_returns_empty_list",
            "test_filter_by_username_finds_exactly_that_user",
            "test_create_user_as_entra_does",
            "test_duplicate_username_conflicts",
        ),
        rules=("query-list-response", "filter-exact-match", "create-accepted", "create-stored"),
    ),
    _t(
        2,
        "Update_User_Test",
        "User",
        M,
        "changed mapped attributes reach the endpoint",
        covered_by=(
            "test_replace_username",
            "test_add_attribute_that_was_empty",
            "test_replace_work_email",
            "test_replace_name_parts",
            "test_replace_external_id",
            "test_replace_enterprise_attributes",
            "test_update_several_attributes_at_once",
        ),
        rules=("patch-status", "patch-applied", "legacy-dialect"),
    ),
    _t(
        3,
        "Disable_User_Test",
        "User",
        M,
        "accountEnabled=false arrives as active false (soft delete)",
        covered_by=("test_deactivate_keeps_user_readable", "test_active_in_entra_spellings"),
        rules=("patch-applied", "soft-delete-readable", "active-string-any-case"),
    ),
    _t(
        4,
        "Delete_User_Test",
        "User",
        OPT,
        "a user deleted in Entra is deleted on the endpoint",
        covered_by=("test_delete_user",),
        rules=("delete-accepted", "delete-applied"),
    ),
    _t(
        5,
        "User_Update_Manager_Test",
        "User",
        M,
        "a manager set, changed, then removed",
        covered_by=(
            "test_set_manager",
            "test_remove_manager",
            "test_manager_change_and_removal_by_replace",
        ),
        rules=("manager-set", "manager-remove", "manager-read-object", "patch-applied"),
        skip=Skip.NO_MANAGER,
    ),
    _t(
        6,
        "Restore_User_Test",
        "User",
        M,
        "unassign, then reassign: the user is deleted, "
        "then created again (and a soft-deleted user is restored)",
        covered_by=("test_gallery_restore_user_after_delete", "test_reactivate_user"),
        rules=("delete-applied", "recreate-after-delete", "patch-applied"),
    ),
    _t(
        7,
        "POD_User_Test",
        "User",
        M,
        "provisioning on demand of one user",
        covered_by=(
            "test_create_user_as_entra_does",
            "test_filter_by_username_finds_exactly_that_user",
        ),
        rules=("create-accepted", "legacy-dialect"),
        needs_entra=POD_NOTE,
    ),
    _t(
        8,
        "Create_Group_Test",
        "Group",
        M,
        "a group assigned in Entra is created, then found by its displayName filter",
        covered_by=(
            "test_group_probe_returns_empty_list",
            "test_match_group_by_display_name",
            "test_create_group_as_entra_does",
        ),
        rules=("groups-endpoint", "group-create-adscim-schema", "filter-exact-match"),
        group_required=True,
    ),
    _t(
        9,
        "Update_Group_Test",
        "Group",
        M,
        "a renamed group is renamed on the endpoint",
        covered_by=("test_update_group_attributes_keeps_members",),
        rules=("patch-applied", "group-rename-keeps-members"),
        group_required=True,
    ),
    _t(
        10,
        "Delete_Group_Test",
        "Group",
        OPT,
        "a group deleted in Entra is deleted on the endpoint",
        covered_by=("test_delete_group",),
        rules=("delete-accepted", "delete-applied"),
    ),
    _t(
        11,
        "Group_Update_Add_Member_Test",
        "Group",
        M,
        "a member added in Entra is added",
        covered_by=("test_add_one_member", "test_add_several_members_in_one_patch"),
        rules=("patch-applied", "members-add-keeps-others"),
        group_required=True,
    ),
    _t(
        12,
        "Group_Update_Remove_Member_Test",
        "Group",
        M,
        "a member removed in Entra is removed",
        covered_by=(
            "test_remove_one_member_keeps_the_others",
            "test_remove_members_lower_case_with_value",
        ),
        rules=("remove-members-with-value", "patch-applied"),
        group_required=True,
    ),
    _t(
        13,
        "POD_Group_Test",
        "Group",
        M,
        "provisioning on demand of one group",
        covered_by=("test_create_group_as_entra_does", "test_add_one_member"),
        rules=("group-create-adscim-schema",),
        group_required=True,
        needs_entra=POD_NOTE.replace("one user", "one group"),
    ),
    _t(
        14,
        "Restore_Group_Test",
        "Group",
        OPT,
        "unassign, then reassign a group: deleted, then created again",
        covered_by=("test_gallery_restore_group_after_delete",),
        rules=("delete-applied", "recreate-after-delete"),
    ),
    _t(
        15,
        "Schema_Discoverability_Test",
        "SCIM",
        M,
        "/Schemas describes every mapped user and "
        'group attribute, flattened (emails[type eq "work"].value), ignoring case',
        covered_by=(
            "test_schemas_include_user_and_group",
            "test_gallery_mapped_attributes_in_schemas",
        ),
        rules=("discovery-served", "discovery-users-groups", "schema-attributes-discoverable"),
    ),
    _t(
        16,
        "SCIM_Null_Update_Test",
        "SCIM",
        M,
        'optional attributes replaced with "", then with null, read back unassigned',
        covered_by=("test_gallery_null_update_in_two_phases", "test_clear_an_attribute"),
        rules=("patch-clear-attribute",),
    ),
    _t(
        17,
        "SCIM_User_Create_Test",
        "SCIM",
        M,
        "POST /Users answers 201 with an id and the userName sent",
        covered_by=("test_create_user_as_entra_does", "test_get_user_by_id"),
        rules=("create-accepted", "resource-id", "create-stored"),
    ),
    _t(
        18,
        "SCIM_User_Update_Test",
        "SCIM",
        M,
        "PATCH of single-valued attributes, read back",
        covered_by=(
            "test_update_several_attributes_at_once",
            "test_replace_name_parts",
            "test_replace_enterprise_attributes",
        ),
        rules=("patch-status", "patch-applied"),
    ),
    _t(
        19,
        "SCIM_Group_Create_Test",
        "SCIM",
        M,
        "POST /Groups with a plain core body answers 201 with an id and the displayName sent",
        covered_by=("test_gallery_group_create_direct",),
        rules=("create-accepted", "resource-id", "create-response-body"),
        group_required=True,
    ),
    _t(
        20,
        "SCIM_Group_Update_Test",
        "SCIM",
        M,
        "a replace by path of the group's single-valued attributes, read back",
        covered_by=("test_gallery_group_update_direct",),
        rules=("patch-status", "patch-applied"),
        group_required=True,
    ),
    _t(
        21,
        "Validate_Credentials_Test",
        "SCIM",
        M,
        "OAuth 2.0 client credentials: a token valid 60-360 minutes, accepted by the endpoint",
        covered_by=("test_gallery_client_credentials",),
        rules=("oauth-token-lifetime",),
        skip=Skip.NO_TOKEN_ENDPOINT,
        authentication=True,
    ),
    _t(
        22,
        "Federated_Identity_Test",
        "SCIM",
        M,
        "workload identity federation: an Entra token exchanged for the app's token",
        authentication=True,
        needs_entra="Federated identity needs an Entra token to exchange: if you use it instead "
        "of client credentials, run Microsoft's validation (the suite cannot obtain one).",
    ),
    _t(
        23,
        "SCIM_User_Pagination_Test",
        "SCIM",
        M,
        "with 11 users, pages of count=5 from startIndex 1, 6, 11, each echoing its startIndex",
        covered_by=("test_gallery_user_pagination", "test_pages_hold_at_most_count_users"),
        rules=("pagination",),
    ),
    _t(
        24,
        "SCIM_Group_Pagination_Test",
        "SCIM",
        OPT,
        "the same over 11 groups",
        covered_by=("test_gallery_group_pagination",),
        rules=("pagination",),
        skip=Skip.NO_GROUPS,
    ),
    _t(
        25,
        "SCIM_Update_Manager_Test",
        "SCIM",
        M,
        "manager set (Add), changed (Replace), "
        "removed (Replace with an empty value), each read back",
        covered_by=(
            "test_manager_change_and_removal_by_replace",
            "test_set_manager",
            "test_remove_manager",
        ),
        rules=("manager-set", "manager-remove", "patch-applied"),
        skip=Skip.NO_MANAGER,
    ),
)
BY_NAME = {test.name: test for test in TESTS}
