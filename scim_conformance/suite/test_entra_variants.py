"""Entra's request variants (scim_conformance/variants.py): the spellings Entra sends besides
each dialect's main shape, every write read back as Entra reads it.

A test sends the well-formed spelling first where an earlier defect would otherwise be
blamed on the variant: a failure there is the main shape's (its own test reports it), and
only a failure of the variant itself names the variant's rule. Variants are spread over a
few tests, rotated between the dialects, to keep the run short. Every failure names the
variant and the dialect it failed on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import describe, expect_status
from scim_conformance.checks.failures import block, fail
from scim_conformance.checks.membership import READ_FORM, membership
from scim_conformance.checks.resource_paths import MISSING, get_key, manager_id, value_at
from scim_conformance.checks.rules import Rule
from scim_conformance.checks.steps import (
    expect_patch_answer,
    expect_values,
    patch_and_verify,
    patch_group,
    read_user,
)
from scim_conformance.entra import (
    ENTERPRISE,
    FLAG,
    LEGACY,
    ROLES,
    EntraPatch,
    Op,
    create_user_body,
    patch_body,
    set_manager,
    user_query,
)
from scim_conformance.entra_variants import (
    CHARSET_CONTENT_TYPE,
    TEST_CONNECTION_HEADERS,
    Clear,
    add_roles_complex,
    change_manager,
    clear_attribute,
    clear_manager,
    reactivate_with_changes,
    remove_members_lower_case,
    replace_all_roles,
    set_active_spelled,
    user_body_with_active,
)
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import (
    AddMembers,
    CreatedGroup,
    CreatedUser,
    adopting,
    requires,
)
from scim_conformance.variants import titled

MANAGER = f"{ENTERPRISE}:manager"


def patch_variant(
    scim: ScimClient,
    path: str,
    operations: list[Op],
    expected: Mapping[str, Any],
    title: str,
    *,
    rule: Rule,
    headers: Mapping[str, str] | None = None,
) -> None:
    """PATCH a variant; a refusal or a change that does not stick breaks `rule`."""
    response = scim.patch(path, patch_body(operations), headers=headers)
    expect_status(response, {200, 204}, title, rule=rule)
    read = scim.get(path)
    expect_status(read, {200}, f"{title}: the resource cannot be read back", rule=rules.GET_BY_ID)
    body = read.json_object or {}
    expect_values(
        body, expected, f"{title}: the change did not stick", read, rule=rule, cause=response
    )
    expect_patch_answer(response, expected, title)


@pytest.mark.test_connection
def test_test_connection_without_scim_media_type(scim: ScimClient) -> None:
    """Test Connection's probe with no SCIM media type in Accept gets the same ListResponse."""
    query = user_query("userName", str(uuid.uuid4()))
    plain = scim.get("/Users", query)
    if plain.status != 200 or plain.json_object is None:
        return  # the probe itself fails: test_probe_for_unknown_user_returns_empty_list says so
    bare = scim.get("/Users", query, headers=TEST_CONNECTION_HEADERS)
    if bare.status != 200 or bare.json_object is None:
        fail(
            rules.TEST_CONNECTION_HEADERS,
            titled("test-connection-accept-any", None, "Test Connection with Accept: */*"),
            expected="HTTP 200 with the JSON ListResponse the same probe gets with "
            "Accept: application/scim+json",
            actual=describe(bare),
            response=bare,
        )


@pytest.mark.create
def test_writes_in_entra_spellings(
    scim: ScimClient,
    ledger: Ledger,
    namer: Namer,
    profile: Profile,
    new_user: Callable[..., CreatedUser],
) -> None:
    """A create and an update with `charset=utf-8` in Content-Type; a create with `active`
    as the string "False"."""
    new_user()  # Entra's usual create first: its refusal is test_create_user_as_entra_does's
    spec = namer.user()
    sent = create_user_body(spec, profile.user_attributes, profile.user_extension)
    title = titled("content-type-charset", None, "Create a user with charset=utf-8")
    created, user_id = post_user(scim, ledger, sent, spec.user_name, CHARSET_CONTENT_TYPE)
    if created.status == 415:
        fail(
            rules.CONTENT_TYPE_CHARSET,
            title,
            expected="HTTP 201, as without the parameter",
            actual=describe(created),
            response=created,
        )
    if not user_id:
        block_create(created, title)
    changes = {"displayName": f"{spec.display_name} charset"}
    title = titled("content-type-charset", None, "Update a user with charset=utf-8")
    response = scim.patch(
        f"/Users/{user_id}",
        patch_body(EntraPatch(FLAG).update(changes)),
        headers=CHARSET_CONTENT_TYPE,
    )
    expect_status(
        response,
        {200, 204},
        title,
        rule=rules.CONTENT_TYPE_CHARSET if response.status == 415 else rules.PATCH_STATUS,
    )
    body, read = read_user(scim, user_id, f"{title}: the user cannot be read back")
    expect_values(body, changes, f"{title} did not stick", read, rule=rules.PATCH_APPLIED)
    ledger.delete(user_id)

    spec = namer.user()
    sent = user_body_with_active(create_user_body(spec, profile.user_attributes), False)
    title = titled("post-active-string", None, 'Create a user with active "False"')
    created, user_id = post_user(scim, ledger, sent, spec.user_name)
    expect_status(created, {200, 201}, title, rule=rules.CREATE_ACTIVE_STRING)
    if not user_id:
        block_create(created, title)
    body, read = read_user(scim, user_id, f"{title}: the user cannot be read back")
    expect_values(body, {"active": False}, title, read, rule=rules.CREATE_ACTIVE_STRING)
    ledger.delete(user_id)


def post_user(
    scim: ScimClient,
    ledger: Ledger,
    sent: dict[str, Any],
    user_name: str,
    headers: Mapping[str, str] | None = None,
) -> tuple[ScimResponse, str]:
    """POST a user (with `headers`), registered for cleanup whatever the answer; its id."""
    with adopting(ledger, "/Users", "userName", user_name):
        response = scim.post("/Users", sent, headers=headers)
    found = (response.json_object or {}).get("id")
    user_id = found if isinstance(found, str) and response.status in (200, 201) else ""
    if isinstance(found, str) and found:
        ledger.add("/Users", found)
    elif response.status in (200, 201):
        ledger.adopt("/Users", "userName", user_name)
    return response, user_id


def block_create(response: ScimResponse, title: str) -> None:
    """A create refused for another reason than the variant: test_create_user_as_entra_does's."""
    block(
        rules.CREATE_ACCEPTED,
        f"{title}: refused (see test_create_user_as_entra_does)",
        expected="HTTP 201 with a JSON body carrying the new user's id",
        actual=describe(response),
        response=response,
    )


@pytest.mark.update
@pytest.mark.dialect_specific
def test_active_in_entra_spellings(
    scim: ScimClient,
    profile: Profile,
    entra: EntraPatch,
    new_user: Callable[..., CreatedUser],
) -> None:
    """Legacy: active as "true"/"false" (lower case); both: a reactivation with attribute
    changes in one PATCH (the flag's path-less replace carries active as JSON)."""
    user = new_user()
    path, dialect = f"/Users/{user.id}", entra.dialect
    # The dialect's own deactivation first: its failures are test_deactivate_keeps_user_readable's.
    patch_and_verify(scim, path, entra.set_active(False), {"active": False}, "Deactivate")
    if dialect == LEGACY:
        for active in (True, False):
            word = json.dumps(str(active).lower())
            title = titled("active-lower-string-path", dialect, f"Replace active {word}")
            ops = set_active_spelled(entra, active, "lower")
            patch_variant(
                scim, path, ops, {"active": active}, title, rule=rules.ACTIVE_STRING_ANY_CASE
            )
    changes = {
        key: value
        for key, value in {
            "displayName": f"{user.spec.display_name} back",
            "name.familyName": f"{user.spec.family_name}-back",
        }.items()
        if profile.maps(key)
    }
    which = "active-json-pathless" if dialect == FLAG else "reactivate-with-changes"
    title = titled(which, dialect, "Reactivate with attribute changes in one PATCH")
    ops = reactivate_with_changes(entra, changes)
    patch_and_verify(scim, path, ops, {"active": True, **changes}, title)


@pytest.mark.update
@pytest.mark.dialect_specific
def test_clear_an_attribute(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """Clear title: legacy with `Replace` of "", the flag with `replace` of null (the gallery
    null-update test); then remove it by path."""
    requires(profile, "title")
    user = new_user()
    path, dialect = f"/Users/{user.id}", entra.dialect
    # Rotated: each dialect clears one way, then removes by path.
    first: tuple[Clear, str] = (
        ("empty", "clear-replace-empty") if dialect == LEGACY else ("null", "clear-replace-null")
    )
    for clear, which in (first, ("remove", "op-remove-path")):
        value = {"title": "Provisioning Engineer"}
        patch_and_verify(scim, path, entra.update(value, added=value), value, "Add title")
        title = titled(which, dialect, f"Clear title ({clear})")
        response = scim.patch(path, patch_body(clear_attribute(entra, "title", clear)))
        expect_status(response, {200, 204}, title, rule=rules.PATCH_CLEAR_ATTRIBUTE)
        body, read = read_user(scim, user.id, f"{title}: the user cannot be read back")
        left = value_at(body, "title")
        if left not in (MISSING, None) and not (clear == "empty" and left == ""):
            fail(
                rules.PATCH_CLEAR_ATTRIBUTE,
                f"{title}: the attribute is still set",
                expected="title absent (or null" + (', or ""' if clear == "empty" else "") + ")",
                actual=f"title = {json.dumps(left)}",
                response=read,
                cause=response,
            )


@pytest.mark.update
@pytest.mark.usefixtures("enterprise_supported")
def test_manager_change_and_removal_by_replace(
    scim: ScimClient, profile: Profile, new_user: Callable[..., CreatedUser]
) -> None:
    """A manager set, changed with `Replace`, then removed with a `Replace` of an empty value
    (Microsoft's validation tests)."""
    requires(profile, MANAGER)
    report, first, second = new_user(), new_user(), new_user()
    path, legacy = f"/Users/{report.id}", EntraPatch(LEGACY)
    ref = f"{scim.base_url}/Users/{first.id}"
    steps: list[tuple[str, str, list[Op], str | None, Rule]] = [
        (
            "manager-set-urn-object",
            "Set the manager",
            set_manager("urn-object", first.id, ref),
            first.id,
            rules.MANAGER_SET,
        ),
        (
            "manager-change-replace",
            "Change the manager with Replace",
            change_manager(legacy, second.id),
            second.id,
            rules.MANAGER_SET,
        ),
        (
            "manager-remove-replace-empty",
            "Remove the manager with a Replace of an empty value",
            clear_manager(legacy),
            None,
            rules.MANAGER_REMOVE,
        ),
    ]
    for which, step, ops, wanted, rule in steps:
        title = titled(which, LEGACY if which != "manager-set-urn-object" else None, step)
        response = scim.patch(path, patch_body(ops))
        expect_status(response, {200, 204}, title, rule=rule)
        # Read as Entra reads it; a bare string is judged before the schema (it breaks Entra).
        read = scim.get(path)
        expect_status(read, {200}, f"{title}: the user cannot be read back", rule=rules.GET_BY_ID)
        body = read.json_object or {}
        if isinstance(value_at(body, MANAGER), str):
            fail(
                rules.MANAGER_READ_OBJECT,
                "The manager is read back as a bare string",
                expected='manager {"value": "<id>"}',
                actual=f"manager {json.dumps(value_at(body, MANAGER))}",
                response=read,
                cause=response,
            )
        found = manager_id(body)
        expect_values(
            {"manager": None if found is MISSING else found},
            {"manager": wanted},
            f"{title} did not stick",
            read,
            rule=rules.PATCH_APPLIED,
            cause=response,
        )


@pytest.mark.update
def test_app_role_assignment_shapes(
    scim: ScimClient, profile: Profile, new_user: Callable[..., CreatedUser]
) -> None:
    """AppRoleAssignmentsComplex (several JSON-encoded roles in one `Add`), then
    AssertiveAppRoleAssignmentsComplex (a `replace` of all roles)."""
    requires(profile, ROLES)
    user = new_user()
    added = {"Admin": str(uuid.uuid4()), "Auditor": str(uuid.uuid4())}
    ops = add_roles_complex(added)
    title = titled("roles-complex-add", LEGACY, "Add two app roles in one Add")
    response = scim.patch(f"/Users/{user.id}", patch_body(ops))
    expect_status(response, {200, 204}, title, rule=rules.ROLES_AS_ENTRA_SENDS)
    held, read = role_values(scim, user.id, title)
    for sent, name in zip((v["value"] for v in ops[0]["value"]), added, strict=True):
        if not {sent, name} & held:
            fail(
                rules.ROLES_AS_ENTRA_SENDS,
                f"{title}: the role {name} was not kept",
                expected=f'a role whose value is {json.dumps(sent)} (or "{name}")',
                actual=f"role values {json.dumps(sorted(held))}",
                response=read,
                cause=response,
            )
    title = titled("roles-assertive-replace", None, "Replace all app roles")
    response = scim.patch(f"/Users/{user.id}", patch_body(replace_all_roles(["Writer"])))
    expect_status(response, {200, 204}, title, rule=rules.ROLES_AS_ENTRA_SENDS)
    held, read = role_values(scim, user.id, title)
    if held != {"Writer"}:
        fail(
            rules.ROLES_AS_ENTRA_SENDS,
            f"{title}: the roles are not exactly the ones sent",
            expected='role values ["Writer"]',
            actual=f"role values {json.dumps(sorted(held))}",
            response=read,
            cause=response,
        )


def role_values(scim: ScimClient, user_id: str, title: str) -> tuple[set[str], ScimResponse]:
    """The `value` of every role the user holds, read back as Entra reads it."""
    body, read = read_user(scim, user_id, f"{title}: the user cannot be read back")
    roles = get_key(body, ROLES)
    values = [get_key(r, "value") for r in roles] if isinstance(roles, list) else []
    return {v for v in values if isinstance(v, str)}, read


@pytest.mark.groups
@pytest.mark.usefixtures("groups_supported")
def test_remove_members_lower_case_with_value(
    scim: ScimClient,
    profile: Profile,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
    add_members: AddMembers,
) -> None:
    """A lower-case `remove` of `members` with a value list removes only the listed member."""
    if not profile.maps_group("members"):
        pytest.skip(f"profile {profile.name} does not map group members")
    group = new_group()
    leaving, staying = new_user().id, new_user().id
    add_members(EntraPatch(FLAG), group.id, [leaving, staying], "Add two members")
    title = titled("op-remove-lower-with-value", None, "Remove one member")
    rule = rules.REMOVE_MEMBERS_WITH_VALUE
    removed = patch_group(scim, group.id, remove_members_lower_case([leaving]), title, rule=rule)
    users = {leaving, staying}
    seen = membership(scim, group.id, users, f"{title}: read the group back", expected={staying})
    if seen.members is None:
        pytest.skip(f"membership cannot be verified: {seen.form} (legal)")
    members = seen.members if seen.form == READ_FORM else seen.among(users) or frozenset()
    if set(members) & users != {staying}:
        fail(
            rule,
            f"{title}: not exactly the listed member left",
            expected=f"members [{staying!r}]",
            actual=f"members {sorted(set(members) & users) or '(none)'}",
            response=seen.response,
            cause=removed,
        )
