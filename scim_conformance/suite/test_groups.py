"""Entra's group provisioning: probe, match, create, members, rename, delete (SCIM tutorial)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    describe,
    expect_created,
    expect_id,
    expect_list_response,
    expect_schema,
    expect_scim_error,
    expect_status,
)
from scim_conformance.checks.failures import advise, block, fail, report
from scim_conformance.checks.membership import READ_FORM, membership
from scim_conformance.checks.resource_paths import MISSING, get_key
from scim_conformance.checks.rules import Rule
from scim_conformance.checks.steps import (
    expect_only,
    expect_values,
    group_members,
    listed,
    patch_group,
    read_group,
)
from scim_conformance.entra import (
    FLAG,
    GROUP_SCHEMA,
    LEGACY,
    EntraPatch,
    create_group_body,
    group_query,
)
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import AddMembers, CreatedGroup, CreatedUser, adopting
from scim_conformance.suite.prerequisites import seed_members

pytestmark = pytest.mark.groups
NEEDS_GROUPS = pytest.mark.usefixtures("groups_supported")
NEEDS_MEMBERS = pytest.mark.usefixtures("groups_supported", "maps_members")


@pytest.fixture
def maps_members(profile: Profile) -> None:
    """Membership sequences run only when the app's mapping sends group members."""
    if not profile.maps_group("members"):
        pytest.skip(f"profile {profile.name} does not map group members")


def expect_members(
    scim: ScimClient,
    group_id: str,
    expected: set[str],
    title: str,
    *,
    cause: ScimResponse,
    rule: Rule = rules.PATCH_APPLIED,
    others: Iterable[str] = (),
) -> None:
    """Read the group back; its member ids must be exactly `expected` after `cause`.

    When reads hide members (legal: the tutorial says member lists need not be returned),
    each of `expected` and `others` (users that must not be members) is asked by
    membership filter (checks/membership.py); only a server answering none is skipped.
    A group created with a member (the endpoint requires one) keeps expecting it.
    """
    expected = expected | seed_members(group_id)
    users = {*expected, *others}
    seen = membership(scim, group_id, users, f"{title}: read the group back", expected=expected)
    if seen.members is None:
        pytest.skip(f"membership cannot be verified: {seen.form} (legal)")
    members = seen.members if seen.form == READ_FORM else seen.among(users) or frozenset()
    if members != expected:
        how = "" if seen.form == READ_FORM else f" (read with {seen.form})"
        fail(
            rule,
            title,
            expected=f"members {sorted(expected) or '(none)'}",
            actual=f"members {sorted(members) or '(none)'}{how}",
            response=seen.response,
            cause=cause,
        )


def expect_no_members(body: dict[str, object], title: str, response: ScimResponse) -> None:
    """`members` must be left out when excluded (an empty list is tolerated)."""
    members = get_key(body, "members")
    if members is not MISSING and members:
        fail(
            rules.GROUP_EXCLUDED_MEMBERS,
            title,
            expected="no members attribute",
            actual=f"members with {len(members) if isinstance(members, list) else '?'} value(s)",
            response=response,
        )


@pytest.mark.test_connection
def test_group_probe_returns_empty_list(scim: ScimClient, groups_endpoint: bool) -> None:
    """Test Connection's group probe answers 200 with an empty ListResponse."""
    response = scim.get("/Groups", group_query(f"no such group {uuid.uuid4()}"))
    if not groups_endpoint:
        advise(
            rules.GROUPS_ENDPOINT,
            "The server has no /Groups endpoint",
            expected="HTTP 200 with an empty ListResponse",
            actual=describe(response),
            response=response,
        )
        return
    body = expect_list_response(response, "Test Connection group probe")
    if body.get("totalResults") != 0:
        fail(
            rules.FILTER_EXACT_MATCH,
            "Group probe found groups for a random name",
            expected="totalResults 0",
            actual=f"totalResults {body.get('totalResults')!r}",
            response=response,
        )


@NEEDS_MEMBERS
@pytest.mark.matching
@pytest.mark.parametrize("case", ["exact", "other-case"])
def test_match_group_by_display_name(
    scim: ScimClient,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
    add_members: AddMembers,
    case: str,
) -> None:
    """`excludedAttributes=members&filter=displayName eq` → that group, no members (tutorial)."""
    wanted, _ = new_group(), new_group()
    member = new_user(needs=()).id
    add_members(EntraPatch(FLAG), wanted.id, [member], "Add a member before matching")
    name = wanted.display_name if case == "exact" else wanted.display_name.upper()
    response = scim.get("/Groups", group_query(name))
    title = f"Matching a group by displayName ({case})"
    body = expect_list_response(response, title)
    found = listed(body)
    # displayName is caseExact false (RFC 7643 §4.2), so the other case must match too.
    expect_only(found, wanted.id, title, response, kind="group")
    expect_id(found[0], title, response)
    expect_schema(
        found[0], "Group", title, response, where=".Resources[0]", rule=rules.GROUP_SCHEMA
    )
    expect_no_members(
        found[0], "The group match returned members despite excludedAttributes=members", response
    )


def post_group(
    scim: ScimClient, ledger: Ledger, sent: dict[str, object], name: str, note: str | None = None
) -> ScimResponse:
    """POST a group and register whatever it created for cleanup, even without an id."""
    with adopting(ledger, "/Groups", "displayName", name):
        response = scim.post("/Groups", sent, note=note)
    found = (response.json_object or {}).get("id")
    if isinstance(found, str) and found:
        ledger.add("/Groups", found)
    elif 200 <= response.status < 300:
        ledger.adopt("/Groups", "displayName", name)  # created, but no id came back
    return response


def create_without_adscim(scim: ScimClient, ledger: Ledger, namer: Namer) -> bool:
    """Whether the server creates a group once Entra's extra schema URI is left out."""
    name = namer.group_name()
    sent = create_group_body(name, f"{namer.run_prefix}-{uuid.uuid4()}")
    sent["schemas"] = [GROUP_SCHEMA]
    response = post_group(scim, ledger, sent, name, "is the extra schema URI the cause?")
    found = (response.json_object or {}).get("id")
    if isinstance(found, str) and found:
        ledger.delete(found)
    return 200 <= response.status < 300


@NEEDS_GROUPS
@pytest.mark.create
def test_create_group_as_entra_does(scim: ScimClient, ledger: Ledger, namer: Namer) -> None:
    """Entra's body with the ADSCIM schema URI → 201 with an id (group-create-adscim-schema)."""
    name, external_id = namer.group_name(), f"{namer.run_prefix}-{uuid.uuid4()}"
    response = post_group(scim, ledger, create_group_body(name, external_id), name)
    title = "Create group with Entra's body"
    if not 200 <= response.status < 300 and create_without_adscim(scim, ledger, namer):
        report(  # advisory: Microsoft lists the URI as fixed in December 2018
            rules.GROUP_CREATE_EXTRA_SCHEMA,
            f"{title}: refused for Entra's extra schema URI",
            expected="HTTP 201 (the same body without the ADSCIM schema URI was accepted)",
            actual=describe(response),
            response=response,
        )
        return
    body = expect_created(response, title)
    group_id = expect_id(body, title, response)
    expect_schema(body, "Group", title, response, rule=rules.GROUP_SCHEMA)
    read, read_response = read_group(scim, group_id, "Read back the created group")
    expect_values(
        read,
        {"displayName": name, "externalId": external_id},
        "The created group does not hold what was sent",
        read_response,
        rule=rules.CREATE_STORED,
        cause=response,
    )


@NEEDS_GROUPS
@pytest.mark.create
def test_duplicate_group_display_name_conflicts(
    scim: ScimClient, ledger: Ledger, new_group: Callable[..., CreatedGroup]
) -> None:
    """A second group with the same displayName → 409 (tutorial: groups unique on displayName)."""
    first = new_group()
    sent = first.same_shape(create_group_body(first.display_name, f"{first.external_id}-2"))
    response = scim.post("/Groups", sent)
    body = response.json_object or {}
    if isinstance(body.get("id"), str) and body["id"] != first.id:
        ledger.add("/Groups", body["id"])
    # RFC 7643 §4.2 sets no uniqueness for groups: this is Entra's rule (its tutorial).
    expect_status(
        response,
        {409},
        "Duplicate group displayName was not refused with 409",
        rule=rules.CREATE_DUPLICATE_409,
    )
    expect_scim_error(response, 409, "409 without a SCIM Error body")


@NEEDS_MEMBERS
@pytest.mark.get
def test_get_group_excluding_members(
    scim: ScimClient,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
    add_members: AddMembers,
) -> None:
    """GET /Groups/{id}?excludedAttributes=members → the group without members (tutorial)."""
    group = new_group()
    member = new_user(needs=()).id
    add_members(EntraPatch(FLAG), group.id, [member], "Add a member before reading")
    body, response = read_group(
        scim, group.id, "Get group excluding members", {"excludedAttributes": "members"}
    )
    expect_values(
        body,
        {"id": group.id, "displayName": group.display_name},
        "Get group by id returned another group",
        response,
        rule=rules.GET_BY_ID,
    )
    expect_no_members(
        body, "GET by id returned members despite excludedAttributes=members", response
    )


@NEEDS_MEMBERS
@pytest.mark.update
@pytest.mark.dialect_specific
def test_add_one_member(
    scim: ScimClient,
    entra: EntraPatch,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
) -> None:
    """Add one member by the user's id (tutorial, 'Update Group [Add Members]')."""
    group, user = new_group(), new_user(needs=())
    added = patch_group(scim, group.id, entra.add_members([user.id]), "Add one member")
    expect_members(scim, group.id, {user.id}, "Add one member: the member is missing", cause=added)


@NEEDS_MEMBERS
@pytest.mark.update
@pytest.mark.dialect_specific
def test_add_several_members_in_one_patch(
    scim: ScimClient,
    entra: EntraPatch,
    new_group: Callable[..., CreatedGroup],
    new_users: Callable[..., list[CreatedUser]],
) -> None:
    """Several members in one PATCH (Entra app gallery validation checklist)."""
    group = new_group()
    users = {user.id for user in new_users(3, needs=())}
    added = patch_group(scim, group.id, entra.add_members(sorted(users)), "Add several members")
    expect_members(scim, group.id, users, "Add several members: not all were added", cause=added)


@NEEDS_MEMBERS
@pytest.mark.update
@pytest.mark.dialect_specific
def test_remove_one_member_keeps_the_others(
    scim: ScimClient,
    entra: EntraPatch,
    new_group: Callable[..., CreatedGroup],
    new_users: Callable[..., list[CreatedUser]],
    add_members: AddMembers,
) -> None:
    """Remove one member: legacy `Remove` with a value list, flag `members[value eq]`."""
    group = new_group()
    leaving, *staying = [user.id for user in new_users(3, needs=())]
    added = add_members(entra, group.id, [leaving, *staying], "Add three")
    # Verified first: with hidden members, a membership filter that finds them now is one
    # whose "not a member" after the removal can be trusted.
    expect_members(scim, group.id, {leaving, *staying}, "Add three members", cause=added)
    # The legacy shape has its own rule: RFC 7644 reads it as "remove all" (data loss).
    legacy = entra.dialect == LEGACY
    removed = patch_group(
        scim,
        group.id,
        entra.remove_members([leaving]),
        "Remove one member",
        rule=rules.REMOVE_MEMBERS_WITH_VALUE if legacy else rules.PATCH_STATUS,
    )
    expect_members(
        scim,
        group.id,
        set(staying),
        "Removing one member did not leave exactly the others",
        cause=removed,
        rule=rules.REMOVE_MEMBERS_WITH_VALUE if legacy else rules.PATCH_APPLIED,
        others=[leaving],
    )


@NEEDS_MEMBERS
@pytest.mark.update
@pytest.mark.dialect_specific
def test_update_group_attributes_keeps_members(
    scim: ScimClient,
    profile: Profile,
    entra: EntraPatch,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
    add_members: AddMembers,
) -> None:
    """Rename and new externalId: legacy by path, flag path-less; members untouched."""
    group, user = new_group(), new_user(needs=())
    add_members(entra, group.id, [user.id], "Add a member")
    changes = {
        "displayName": f"{group.display_name} renamed",
        "externalId": f"{group.external_id}-moved",
    }
    changes = {name: value for name, value in changes.items() if profile.maps_group(name)}
    renamed = patch_group(scim, group.id, entra.rename_group(changes), "Rename the group")
    body, response = read_group(scim, group.id, "Read back the renamed group")
    expect_values(
        body,
        changes,
        "Rename the group: the change did not stick",
        response,
        rule=rules.PATCH_APPLIED,
        cause=renamed,
    )
    expect_members(
        scim,
        group.id,
        {user.id},
        "Renaming the group changed its members",
        cause=renamed,
        rule=rules.GROUP_RENAME_KEEPS_MEMBERS,
    )


@NEEDS_GROUPS
@pytest.mark.delete
def test_delete_group(
    scim: ScimClient, ledger: Ledger, new_group: Callable[..., CreatedGroup]
) -> None:
    """DELETE → 204; then GET → 404 (tutorial, 'Delete Group')."""
    group = new_group()
    response = scim.delete(f"/Groups/{group.id}")
    expect_status(response, {200, 202, 204}, "Delete group", rule=rules.DELETE_ACCEPTED)
    after = scim.get(f"/Groups/{group.id}")
    if after.status == 404:
        ledger.forget(group.id)  # gone; otherwise the end-of-run cleanup tries again
    expect_status(
        after,
        {404},
        "The deleted group can still be read",
        rule=rules.DELETE_APPLIED,
        cause=response,
    )
    expect_status(response, {204}, "Delete answered 2xx but not 204", rule=rules.DELETE_204)


@NEEDS_MEMBERS
@pytest.mark.delete
def test_deleting_a_member_user_keeps_the_group_readable(
    scim: ScimClient,
    ledger: Ledger,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
    add_members: AddMembers,
) -> None:
    """After a member user is deleted, the group still reads fine, without that user."""
    group, gone, kept = new_group(), new_user(needs=()), new_user(needs=())
    add_members(EntraPatch(FLAG), group.id, [gone.id, kept.id], "Add two members")
    deleted = scim.delete(f"/Users/{gone.id}")
    expect_status(deleted, {200, 202, 204}, "Delete a member user", rule=rules.DELETE_ACCEPTED)
    after = scim.get(f"/Users/{gone.id}")
    if after.status != 404:
        # The user was not deleted at all: test_delete_user reports that; here it blocks.
        block(
            rules.DELETE_APPLIED,
            "The deleted member user can still be read",
            expected="HTTP 404",
            actual=describe(after),
            response=after,
            cause=deleted,
        )
    ledger.forget(gone.id)
    members, response = group_members(scim, group.id, "Read the group after a member was deleted")
    if members is not None and gone.id in members:
        advise(
            rules.DELETED_USER_LEAVES_GROUPS,
            "The deleted user is still listed as a member",
            expected=f"members without {gone.id}",
            actual=f"members {sorted(members)}",
            response=response,
            cause=deleted,
        )
