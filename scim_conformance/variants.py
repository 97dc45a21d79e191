"""The catalogue of Entra's request variants: every spelling of a request Entra is documented
or publicly reported to send, its sources, the rule that judges it and the test sending it.

The rule catalogue (`checks/rules.py`) says what an endpoint must do; this one says what the
suite sends, and why. `docs/entra-requests.md` is generated from it
(`python -m scim_conformance.variants_doc > docs/entra-requests.md`); a project test checks
that it is current, that every test named here exists in the suite, and that every rule
named here is in the rule catalogue. The bodies themselves are built by `entra.py` and
`entra_variants.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from scim_conformance.checks import sources as src
from scim_conformance.checks.sources import Source, rfc7643, rfc7644

# How strong the evidence that Entra sends it is: Microsoft's documentation, a public report
# of a request Entra sent, Microsoft's validation tests, or inferred from documented rules.
Evidence = Literal["documented", "reported", "validation", "inferred"]
Dialects = Literal["legacy", "aadOptscim062020", "both", "any"]


@dataclass(frozen=True)
class RequestVariant:
    """One spelling of one kind of request, and who shows Entra sending it."""

    id: str
    group: str  # the section of docs/entra-requests.md
    request: str  # the kind of request, e.g. "PATCH /Users/{id}"
    shape: str  # what varies, literally
    evidence: Evidence
    sources: tuple[Source, ...]
    dialects: Dialects
    rule: str  # the rule (checks/rules.py) a failure on it names
    sent_by: tuple[str, ...]  # suite tests ("module.py::test_name[params]") that send it
    note: str = ""


CATALOGUE: dict[str, RequestVariant] = {}


def variant(
    variant_id: str,
    group: str,
    request: str,
    shape: str,
    evidence: Evidence,
    sources: tuple[Source, ...],
    dialects: Dialects,
    rule: str,
    sent_by: tuple[str, ...],
    note: str = "",
) -> RequestVariant:
    """Declare a variant and add it to the catalogue (ids are unique)."""
    if variant_id in CATALOGUE:
        raise ValueError(f"duplicate variant id {variant_id!r}")
    declared = RequestVariant(
        variant_id, group, request, shape, evidence, sources, dialects, rule, sent_by, note
    )
    CATALOGUE[variant_id] = declared
    return declared


def titled(variant_id: str, dialect: str | None, title: str) -> str:
    """A failure title naming the variant (and the dialect) it failed on."""
    known = CATALOGUE[variant_id]  # a KeyError is a test naming a variant not catalogued
    return f"{title} [variant {known.id}{f', {dialect}' if dialect else ''}]"


VARIANTS = "test_entra_variants.py"
USERS_PATCH = "PATCH /Users/{id}"
HEADERS, BOOLEANS, OPS = "Headers", "Booleans", "Op names"
MANAGER, ROLES, CLEARS, SEVERAL = "Manager", "App roles", "Cleared attributes", "Several changes"

# Headers -------------------------------------------------------------------------------------

variant(
    "content-type-scim-json",
    HEADERS,
    "every POST and PATCH",
    "Content-Type: application/scim+json",
    "documented",
    (src.TUTORIAL_USERS, src.TUTORIAL_GROUPS),
    "any",
    "create-accepted",
    ("test_users_create.py::test_create_user_as_entra_does",),
    note="Microsoft's examples; every write of the suite but the charset variant's.",
)
variant(
    "content-type-charset",
    HEADERS,
    "POST /Users, then PATCH /Users/{id}",
    "Content-Type: application/scim+json; charset=utf-8",
    "reported",
    (src.ENTRA_CONTENT_TYPE_CHARSET,),
    "any",
    "content-type-charset",
    (f"{VARIANTS}::test_writes_in_entra_spellings",),
)
variant(
    "accept-json",
    HEADERS,
    "every request but Test Connection's variant",
    "Accept: application/scim+json, application/json",
    "inferred",
    (src.TUTORIAL_REQUIREMENTS,),
    "any",
    "content-type-scim-json",
    ("test_connection.py::test_probe_for_unknown_user_returns_empty_list",),
    note="Entra's own Accept header is not documented; the suite asks for the media types "
    "Microsoft requires responses to use.",
)
variant(
    "test-connection-accept-any",
    HEADERS,
    'Test Connection: GET /Users?filter=userName eq "<random GUID>"',
    "Accept: */* (no SCIM media type)",
    "reported",
    (src.ENTRA_TEST_CONNECTION_MEDIA_TYPE, src.TUTORIAL_REQUIREMENTS),
    "any",
    "test-connection-headers",
    (f"{VARIANTS}::test_test_connection_without_scim_media_type",),
    note="The report shows no SCIM media type; the exact header is not documented.",
)

# Booleans ------------------------------------------------------------------------------------

variant(
    "active-json-path",
    BOOLEANS,
    USERS_PATCH,
    '{"op": "replace", "path": "active", "value": false}',
    "documented",
    (src.MS_SCIM_COMPATIBILITY,),
    "aadOptscim062020",
    "patch-applied",
    ("test_users_lifecycle.py::test_deactivate_keeps_user_readable[aadOptscim062020]",),
)
variant(
    "active-capitalised-string-path",
    BOOLEANS,
    USERS_PATCH,
    '{"op": "Replace", "path": "active", "value": "False"}',
    "documented",
    (src.MS_SCIM_COMPATIBILITY, src.ENTRA_ACTIVE_CAPITALISED_STRING),
    "legacy",
    "patch-applied",
    ("test_users_lifecycle.py::test_deactivate_keeps_user_readable[legacy]",),
)
variant(
    "active-lower-string-path",
    BOOLEANS,
    USERS_PATCH,
    '{"op": "Replace", "path": "active", "value": "false"} (and "true")',
    "reported",
    (
        src.ENTRA_ACTIVE_LOWER_STRING,
        src.ENTRA_STRING_BOOLEANS_ANY_CASE,
        src.ENTRA_STRING_BOOLEANS_SCIM_PATCH,
    ),
    "legacy",
    "active-string-any-case",
    (f"{VARIANTS}::test_active_in_entra_spellings[legacy]",),
)
variant(
    "active-json-pathless",
    BOOLEANS,
    USERS_PATCH,
    '{"op": "replace", "value": {"active": true, ...}}',
    "inferred",
    (src.MS_SCIM_COMPATIBILITY,),
    "aadOptscim062020",
    "patch-applied",
    (f"{VARIANTS}::test_active_in_entra_spellings[aadOptscim062020]",),
    note="The flag folds changed simple attributes into one path-less replace; a "
    "reactivation that comes with other changes carries active inside it.",
)
variant(
    "post-active-json",
    BOOLEANS,
    "POST /Users",
    '"active": true',
    "documented",
    (src.TUTORIAL_USERS,),
    "any",
    "create-stored",
    ("test_users_create.py::test_create_user_as_entra_does",),
)
variant(
    "post-active-string",
    BOOLEANS,
    "POST /Users",
    '"active": "False"',
    "reported",
    (src.ENTRA_POST_ACTIVE_STRING, src.IDP_CREATES_DISABLED_USERS),
    "any",
    "create-active-string",
    (f"{VARIANTS}::test_writes_in_entra_spellings",),
    note="A user disabled in the directory is created disabled.",
)

# Op names ------------------------------------------------------------------------------------

variant(
    "op-add-capitalised",
    OPS,
    USERS_PATCH,
    '{"op": "Add", "path": "title", "value": "..."}',
    "documented",
    (src.MS_SCIM_COMPATIBILITY,),
    "legacy",
    "patch-status",
    ("test_users_update.py::test_add_attribute_that_was_empty[legacy]",),
)
variant(
    "op-add-lower",
    OPS,
    USERS_PATCH,
    '{"op": "add", "path": "title", "value": "..."}',
    "documented",
    (src.MS_SCIM_COMPATIBILITY,),
    "aadOptscim062020",
    "patch-status",
    ("test_users_update.py::test_add_attribute_that_was_empty[aadOptscim062020]",),
)
variant(
    "op-replace-capitalised",
    OPS,
    USERS_PATCH,
    '{"op": "Replace", "path": "userName", "value": "..."}',
    "documented",
    (src.TUTORIAL_USERS, src.MS_SCIM_COMPATIBILITY),
    "legacy",
    "patch-status",
    ("test_users_update.py::test_replace_username[legacy]",),
)
variant(
    "op-replace-lower",
    OPS,
    USERS_PATCH,
    '{"op": "replace", "path": "emails[type eq \\"work\\"].value", "value": "..."}',
    "documented",
    (src.MS_SCIM_COMPATIBILITY,),
    "aadOptscim062020",
    "patch-status",
    ("test_users_update.py::test_replace_work_email[aadOptscim062020]",),
)
variant(
    "op-remove-capitalised-with-value",
    OPS,
    "PATCH /Groups/{id}",
    '{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "<id>"}]}',
    "documented",
    (src.TUTORIAL_GROUPS, src.MS_SCIM_COMPATIBILITY, src.ENTRA_REMOVE_MEMBER_QUIRK),
    "legacy",
    "remove-members-with-value",
    ("test_groups.py::test_remove_one_member_keeps_the_others[legacy]",),
)
variant(
    "op-remove-lower-filter-path",
    OPS,
    "PATCH /Groups/{id}",
    '{"op": "remove", "path": "members[value eq \\"<id>\\"]"}',
    "documented",
    (src.MS_SCIM_COMPATIBILITY,),
    "aadOptscim062020",
    "patch-applied",
    ("test_groups.py::test_remove_one_member_keeps_the_others[aadOptscim062020]",),
)
variant(
    "op-remove-lower-with-value",
    OPS,
    "PATCH /Groups/{id}",
    '{"op": "remove", "path": "members", "value": [{"value": "<id>"}]}',
    "reported",
    (src.ENTRA_REMOVE_LOWER_WITH_VALUE,),
    "any",
    "remove-members-with-value",
    (f"{VARIANTS}::test_remove_members_lower_case_with_value",),
)
variant(
    "op-remove-path",
    OPS,
    USERS_PATCH,
    '{"op": "Remove", "path": "title"} / {"op": "remove", "path": "title"}',
    "validation",
    (src.MS_VALIDATOR, rfc7644("3.5.2.2")),
    "both",
    "patch-clear-attribute",
    (f"{VARIANTS}::test_clear_an_attribute",),
    note="Microsoft's validator page: it may try to remove attributes.",
)

# Manager -------------------------------------------------------------------------------------

MANAGER_PATH = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
variant(
    "manager-set-urn-object",
    MANAGER,
    USERS_PATCH,
    f'{{"op": "add", "path": "{MANAGER_PATH}", "value": {{"value": "<id>"}}}}',
    "reported",
    (src.ENTRA_MANAGER_STRING_SCIMPLE,),
    "any",
    "manager-set",
    ("test_users_manager.py::test_set_manager[urn-object]",),
)
variant(
    "manager-set-urn-string",
    MANAGER,
    USERS_PATCH,
    f'{{"op": "Add" or "add", "path": "{MANAGER_PATH}", "value": "<id>"}}',
    "reported",
    (src.ENTRA_MANAGER_STRING_SENT, src.ENTRA_MANAGER_STRING_SCIMPLE),
    "both",
    "manager-set",
    ("test_users_manager.py::test_set_manager[urn-string]",),
)
variant(
    "manager-set-list-with-ref",
    MANAGER,
    USERS_PATCH,
    '{"op": "Add", "path": "manager", "value": [{"$ref": "<url>", "value": "<id>"}]}',
    "documented",
    (src.MS_SCIM_TUTORIAL,),
    "any",
    "manager-set-list",
    ("test_users_manager.py::test_set_manager[list-with-ref]",),
    note="Microsoft's current tutorial presents it as Entra's request; graded advisory "
    "(rule manager-set-list).",
)
variant(
    "manager-change-replace",
    MANAGER,
    USERS_PATCH,
    f'{{"op": "Replace", "path": "{MANAGER_PATH}", "value": "<new id>"}}',
    "validation",
    (src.MS_GALLERY_TESTS,),
    "legacy",
    "manager-set",
    (f"{VARIANTS}::test_manager_change_and_removal_by_replace",),
)
variant(
    "manager-remove-replace-empty",
    MANAGER,
    USERS_PATCH,
    f'{{"op": "Replace", "path": "{MANAGER_PATH}", "value": ""}}',
    "validation",
    (src.MS_GALLERY_TESTS,),
    "legacy",
    "manager-remove",
    (f"{VARIANTS}::test_manager_change_and_removal_by_replace",),
)
variant(
    "manager-remove-urn-path",
    MANAGER,
    USERS_PATCH,
    f'{{"op": "remove", "path": "{MANAGER_PATH}"}}',
    "validation",
    (src.VALIDATOR_RUN_THIRD_PARTY,),
    "any",
    "manager-remove",
    ("test_users_manager.py::test_remove_manager[urn-path]",),
    note="Seen only in a third-party record of Microsoft's SCIM Validator.",
)
variant(
    "manager-remove-value-filter",
    MANAGER,
    USERS_PATCH,
    '{"op": "remove", "path": "manager[value eq \\"<id>\\"]"}',
    "reported",
    (src.ENTRA_MANAGER_REMOVE,),
    "any",
    "manager-remove",
    ("test_users_manager.py::test_remove_manager[value-filter]",),
)

# App roles -----------------------------------------------------------------------------------

ROLE_SECTION = "'Provisioning a role to a SCIM app'"
variant(
    "roles-single-assignment",
    ROLES,
    USERS_PATCH,
    'legacy: {"op": "Add", "path": "roles", "value": [{"value": "{\\"id\\":…,\\"value\\":…}"}]}; '
    'flag: the POST\'s role object {"primary": false, "type": …, "value": …}',
    "documented",
    (src.MS_ATTRIBUTE_MAPPINGS.at(ROLE_SECTION),),
    "both",
    "roles-as-entra-sends",
    (
        "test_users_update.py::test_add_role_as_entra_does[legacy]",
        "test_users_update.py::test_add_role_as_entra_does[aadOptscim062020]",
    ),
    note="SingleAppRoleAssignment; only when the mapping sends roles.",
)
variant(
    "roles-primary-path",
    ROLES,
    USERS_PATCH,
    '{"op": "Replace", "path": "roles[primary eq \\"True\\"].value", "value": "…"}',
    "documented",
    (src.MS_ATTRIBUTE_MAPPINGS.at(ROLE_SECTION),),
    "both",
    "roles-as-entra-sends",
    ("test_users_update.py::test_replace_primary_role",),
)
variant(
    "roles-complex-add",
    ROLES,
    USERS_PATCH,
    '{"op": "Add", "path": "roles", "value": [{"value": "<JSON role 1>"}, '
    '{"value": "<JSON role 2>"}]}',
    "documented",
    (src.MS_ATTRIBUTE_MAPPINGS.at(ROLE_SECTION),),
    "legacy",
    "roles-as-entra-sends",
    (f"{VARIANTS}::test_app_role_assignment_shapes",),
    note="AppRoleAssignmentsComplex: several JSON-encoded strings in one Add.",
)
variant(
    "roles-assertive-replace",
    ROLES,
    USERS_PATCH,
    '{"op": "replace", "path": "roles", "value": [{"primary": false, "type": …, "value": …}, …]}',
    "documented",
    (src.MS_ATTRIBUTE_MAPPINGS.at(ROLE_SECTION),),
    "any",
    "roles-as-entra-sends",
    (f"{VARIANTS}::test_app_role_assignment_shapes",),
    note="AssertiveAppRoleAssignmentsComplex: a replace of all the user's roles.",
)

# Cleared attributes --------------------------------------------------------------------------

variant(
    "clear-replace-null",
    CLEARS,
    USERS_PATCH,
    '{"op": "replace", "path": "title", "value": null}',
    "validation",
    (src.MS_GALLERY_TESTS, rfc7643("2.5")),
    "aadOptscim062020",
    "patch-clear-attribute",
    (f"{VARIANTS}::test_clear_an_attribute[aadOptscim062020]",),
    note="Gallery validation's mandatory null-update test; the provisioning service itself "
    "does not send nulls (Known issues).",
)
variant(
    "clear-replace-empty",
    CLEARS,
    USERS_PATCH,
    '{"op": "Replace", "path": "title", "value": ""}',
    "validation",
    (src.MS_GALLERY_TESTS,),
    "legacy",
    "patch-clear-attribute",
    (f"{VARIANTS}::test_clear_an_attribute[legacy]",),
)

# Several changes in one PATCH ----------------------------------------------------------------

variant(
    "several-attributes-one-patch",
    SEVERAL,
    USERS_PATCH,
    "legacy: one Replace per attribute; flag: one path-less replace with dotted and URN keys",
    "documented",
    (src.MS_SCIM_COMPATIBILITY,),
    "both",
    "patch-applied",
    ("test_users_update.py::test_update_several_attributes_at_once",),
)
variant(
    "reactivate-with-changes",
    SEVERAL,
    USERS_PATCH,
    "a reactivation (active true) and attribute changes in one PATCH",
    "inferred",
    (src.MS_SCIM_COMPATIBILITY, src.MS_HOW_PROVISIONING_WORKS),
    "both",
    "patch-applied",
    (f"{VARIANTS}::test_active_in_entra_spellings",),
    note="Entra sends every changed attribute of a user in one PATCH; no public capture "
    "shows this exact one.",
)
variant(
    "members-add-several",
    SEVERAL,
    "PATCH /Groups/{id}",
    '{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "<id 1>"}, …]}',
    "documented",
    (src.TUTORIAL_GROUPS, src.MS_GALLERY_CHECKLIST),
    "both",
    "patch-applied",
    ("test_groups.py::test_add_several_members_in_one_patch",),
)

# Sent as a dimension of the generated checks' steps too (properties/spellings.py): the
# cycles' tour rotates through them, Hypothesis draws them in generated cycles and PATCH
# sequences. A test checks that every spelling those steps send is listed here.
CYCLES = "test_cycles.py::test_entra_cycle_matches_model"
PATCH_SEQUENCE = "test_properties.py::test_patch_sequence_matches_model"
LEGACY_ONLY, FLAG_ONLY, BOTH = ("legacy",), ("aadOptscim062020",), ("legacy", "aadOptscim062020")
GENERATED_SENDERS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "active-capitalised-string-path": ((CYCLES, LEGACY_ONLY), (PATCH_SEQUENCE, LEGACY_ONLY)),
    "active-lower-string-path": ((CYCLES, LEGACY_ONLY), (PATCH_SEQUENCE, LEGACY_ONLY)),
    "active-json-path": ((CYCLES, FLAG_ONLY), (PATCH_SEQUENCE, FLAG_ONLY)),
    "active-json-pathless": ((CYCLES, FLAG_ONLY), (PATCH_SEQUENCE, FLAG_ONLY)),
    "clear-replace-empty": ((CYCLES, LEGACY_ONLY),),
    "clear-replace-null": ((CYCLES, FLAG_ONLY),),
    "op-remove-path": ((CYCLES, BOTH),),
    "op-remove-capitalised-with-value": ((CYCLES, LEGACY_ONLY),),
    "op-remove-lower-filter-path": ((CYCLES, FLAG_ONLY),),
    "op-remove-lower-with-value": ((CYCLES, BOTH),),
    "manager-change-replace": ((CYCLES, LEGACY_ONLY),),
    "manager-remove-value-filter": ((CYCLES, BOTH),),
    "manager-remove-replace-empty": ((CYCLES, LEGACY_ONLY),),
    "manager-remove-urn-path": ((CYCLES, BOTH),),
    "reactivate-with-changes": ((CYCLES, BOTH),),
}
for _id, _senders in GENERATED_SENDERS.items():
    _tests = tuple(f"{test}[{d}]" for test, dialects in _senders for d in dialects)
    CATALOGUE[_id] = replace(CATALOGUE[_id], sent_by=CATALOGUE[_id].sent_by + _tests)
