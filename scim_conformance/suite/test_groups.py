"""Entra's group provisioning: probe, match, create, members, rename, delete (§1, §8)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from scim_conformance.checks.expectations import (
    describe,
    expect_json_object,
    expect_list_response,
    expect_schema,
    expect_scim_error,
    expect_status,
)
from scim_conformance.checks.failures import Severity, fail
from scim_conformance.checks.paths import MISSING, get_key
from scim_conformance.checks.steps import (
    expect_values,
    group_members,
    patch_group,
    read_group,
)
from scim_conformance.entra import EntraPatch, create_group_body, group_query
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import CreatedGroup, CreatedUser, adopting

pytestmark = pytest.mark.groups
NEEDS_GROUPS = pytest.mark.usefixtures("groups_supported")
NEEDS_MEMBERS = pytest.mark.usefixtures("groups_supported", "maps_members")


@pytest.fixture
def maps_members(profile: Profile) -> None:
    """Membership sequences run only when the app's mapping sends group members."""
    if not profile.maps_group("members"):
        pytest.skip(f"profile {profile.name} does not map group members")


EXCLUDED_RULE = (
    "RFC 7644 §3.4.2.5 (excludedAttributes); Entra tutorial [S1] R5: support "
    "excludedAttributes=members on group queries and GET by id"
)
EXCLUDED_ENTRA = (
    "Entra never reads members; returned member lists make it log "
    "SystemForCrossDomainIdentityManagementMultipleEntriesInResponse on large groups [S9] "
    "and push partial 'replace' member lists [S23]"
)


def expect_members(
    scim: ScimClient, group_id: str, expected: set[str], title: str, *, entra: str
) -> None:
    """Read the group back; its member ids must be exactly `expected`."""
    members, response = group_members(scim, group_id, f"{title}: read the group back")
    if members is None:
        fail(
            Severity.ADVISORY,
            f"{title}: membership cannot be verified",
            expected="members returned on GET /Groups/{id} or with attributes=members",
            actual="no members attribute in either response",
            response=response,
            rule="Entra tutorial [S1] R15 (returning members is optional)",
            entra="none: Entra never reads members back [S26]",
        )
        return
    if members != expected:
        fail(
            Severity.ENTRA_BREAKING,
            title,
            expected=f"members {sorted(expected) or '(none)'}",
            actual=f"members {sorted(members) or '(none)'}",
            rule="RFC 7644 §3.5.2 (add/remove members); Entra tutorial [S1] §8e, §8f",
            entra=entra,
            response=response,
        )


def expect_no_members(body: dict[str, object], title: str, response: ScimResponse) -> None:
    """`members` must be left out when excluded (an empty list is tolerated)."""
    members = get_key(body, "members")
    if members is not MISSING and members:
        fail(
            Severity.ENTRA_BREAKING,
            title,
            expected="no members attribute",
            actual=f"members with {len(members) if isinstance(members, list) else '?'} value(s)",
            rule=EXCLUDED_RULE,
            entra=EXCLUDED_ENTRA,
            response=response,
        )


@pytest.mark.test_connection
def test_group_probe_returns_empty_list(scim: ScimClient, groups_endpoint: bool) -> None:
    """Test Connection's group probe answers 200 with an empty ListResponse (§1 [S30])."""
    response = scim.get("/Groups", group_query(f"no such group {uuid.uuid4()}"))
    if not groups_endpoint:
        fail(
            Severity.ADVISORY,
            "The server has no /Groups endpoint",
            expected="HTTP 200 with an empty ListResponse",
            actual=describe(response),
            rule="Entra tutorial [S1] §8 (groups are optional)",
            entra="with group provisioning enabled, Test Connection's group probe gets a 404 "
            "and Entra reports SystemForCrossDomainIdentityManagementServiceIncompatible [S30]; "
            "turn group provisioning off in the Entra app",
            response=response,
        )
        return
    body = expect_list_response(response, "Test Connection group probe")
    if body.get("totalResults") != 0:
        fail(
            Severity.ENTRA_BREAKING,
            "Group probe found groups for a random name",
            expected="totalResults 0",
            actual=f"totalResults {body.get('totalResults')!r}",
            rule="RFC 7644 §3.4.2.2",
            response=response,
            entra="Entra links groups to the wrong target group",
        )


@NEEDS_MEMBERS
@pytest.mark.matching
@pytest.mark.parametrize("case", ["exact", "other-case"])
def test_match_group_by_display_name(
    scim: ScimClient,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
    case: str,
) -> None:
    """`excludedAttributes=members&filter=displayName eq` → that group, no members (§8a)."""
    wanted, _ = new_group(), new_group()
    patch_group(
        scim,
        wanted.id,
        EntraPatch("aadOptscim062020").add_members([new_user().id]),
        "Add a member before matching",
    )
    name = wanted.display_name if case == "exact" else wanted.display_name.upper()
    response = scim.get("/Groups", group_query(name))
    title = f"Matching a group by displayName ({case})"
    body = expect_list_response(response, title)
    resources = get_key(body, "Resources")
    found = [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []
    ids = [r.get("id") for r in found]
    if ids != [wanted.id]:
        fail(
            Severity.ENTRA_BREAKING,
            title,
            expected=f"exactly one group, id {wanted.id}",
            actual=f"{len(ids)} group(s): {', '.join(map(str, ids[:5])) or 'none'}",
            rule="RFC 7644 §3.4.2.2 (displayName is caseExact false, RFC 7643 §4.2)",
            entra="0 hits: Entra creates a duplicate group (409); more than one: "
            "DuplicateTargetEntries [S9]",
            response=response,
        )
    expect_schema(
        found[0],
        "Group",
        title,
        response,
        where=".Resources[0]",
        rule="RFC 7643 §4.2",
        entra="Entra cannot link the group without an id",
    )
    expect_no_members(
        found[0], "The group match returned members despite excludedAttributes=members", response
    )


@NEEDS_GROUPS
@pytest.mark.create
def test_create_group_as_entra_does(scim: ScimClient, ledger: Ledger, namer: Namer) -> None:
    """Entra's body with the ADSCIM schema URI → 201 with an id (§8c [S1])."""
    name, external_id = namer.group_name(), f"{namer.run_prefix}-{uuid.uuid4()}"
    with adopting(ledger, "/Groups", "displayName", name):
        response = scim.post("/Groups", create_group_body(name, external_id))
    body = response.json_object or {}
    if isinstance(body.get("id"), str):
        ledger.add("/Groups", body["id"])
    elif 200 <= response.status < 300:
        ledger.adopt("/Groups", "displayName", name)  # created, but no id came back
    title = "Create group with Entra's body"
    rule = "RFC 7644 §3.3; Entra tutorial [S1] §8c (the extra schema URI must be tolerated)"
    entra = "Entra logs every group create as failed; groups never arrive"
    expect_status(response, {201}, title, rule=rule, entra=entra)
    body = expect_json_object(response, title, rule=rule, entra=entra)
    expect_schema(
        body,
        "Group",
        title,
        response,
        rule="RFC 7643 §4.2",
        entra=entra,
        severity=Severity.ENTRA_BREAKING,
    )
    read, read_response = read_group(scim, body["id"], "Read back the created group")
    expect_values(
        read,
        {"displayName": name, "externalId": external_id},
        "The created group does not hold what was sent",
        read_response,
        severity=Severity.ENTRA_BREAKING,
        rule="RFC 7643 §2; Entra R11",
        entra="Entra sends the same update every cycle",
    )


@NEEDS_GROUPS
@pytest.mark.create
def test_duplicate_group_display_name_conflicts(
    scim: ScimClient, ledger: Ledger, new_group: Callable[..., CreatedGroup]
) -> None:
    """A second group with the same displayName → 409 (Entra R15 [S1], validator [S14])."""
    first = new_group()
    response = scim.post("/Groups", create_group_body(first.display_name, f"{first.external_id}-2"))
    body = response.json_object or {}
    if isinstance(body.get("id"), str) and body["id"] != first.id:
        ledger.add("/Groups", body["id"])
    expect_status(
        response,
        {409},
        "Duplicate group displayName was not refused with 409",
        rule="Entra tutorial [S1] R15 (groups unique on displayName) and validator [S14] "
        "(409); RFC 7643 §4.2 itself sets no uniqueness, so this is Entra's rule",
        entra="two groups answer Entra's displayName match: DuplicateTargetEntries [S9]",
    )
    expect_scim_error(response, 409, "409 without a SCIM Error body")


@NEEDS_MEMBERS
@pytest.mark.get
def test_get_group_excluding_members(
    scim: ScimClient,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
) -> None:
    """GET /Groups/{id}?excludedAttributes=members → the group without members (§8b)."""
    group = new_group()
    patch_group(
        scim,
        group.id,
        EntraPatch("aadOptscim062020").add_members([new_user().id]),
        "Add a member before reading",
    )
    body, response = read_group(
        scim, group.id, "Get group excluding members", {"excludedAttributes": "members"}
    )
    expect_values(
        body,
        {"id": group.id, "displayName": group.display_name},
        "Get group by id returned another group",
        response,
        severity=Severity.ENTRA_BREAKING,
        rule="RFC 7644 §3.4.1",
        entra="Entra updates the wrong group",
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
    """Add one member by the user's id (§8e [S1])."""
    group, user = new_group(), new_user()
    patch_group(scim, group.id, entra.add_members([user.id]), "Add one member")
    expect_members(
        scim,
        group.id,
        {user.id},
        "Add one member: the member is missing",
        entra="Entra believes the user is a member; access in the app is wrong",
    )


@NEEDS_MEMBERS
@pytest.mark.update
@pytest.mark.dialect_specific
def test_add_several_members_in_one_patch(
    scim: ScimClient,
    entra: EntraPatch,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
) -> None:
    """Several members in one PATCH (gallery checklist [S13])."""
    group = new_group()
    users = {new_user().id for _ in range(3)}
    patch_group(scim, group.id, entra.add_members(sorted(users)), "Add several members")
    expect_members(
        scim,
        group.id,
        users,
        "Add several members: not all were added",
        entra="Entra believes every user is a member; some lack access in the app",
    )


@NEEDS_MEMBERS
@pytest.mark.update
@pytest.mark.dialect_specific
def test_remove_one_member_keeps_the_others(
    scim: ScimClient,
    entra: EntraPatch,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
) -> None:
    """Remove one member: legacy `Remove` with a value list, flag `members[value eq]` (§8f)."""
    group = new_group()
    leaving, *staying = [new_user().id for _ in range(3)]
    patch_group(scim, group.id, entra.add_members([leaving, *staying]), "Add three members")
    patch_group(
        scim,
        group.id,
        entra.remove_members([leaving]),
        "Remove one member",
        rule="Entra §8f: the legacy shape lists the ids to remove in `value` [S17][S18][S21]; "
        "the flag shape uses `members[value eq …]`; RFC 7644 §3.5.2.2",
    )
    expect_members(
        scim,
        group.id,
        set(staying),
        "Removing one member did not leave exactly the others",
        entra="the classic Entra data-loss bug: removing one user empties the group, and "
        "Entra never re-adds the others [S17][S18][S26]",
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
) -> None:
    """Rename and new externalId: legacy by path, flag path-less; members untouched (§8d)."""
    group, user = new_group(), new_user()
    patch_group(scim, group.id, entra.add_members([user.id]), "Add a member")
    changes = {
        "displayName": f"{group.display_name} renamed",
        "externalId": f"{group.external_id}-moved",
    }
    changes = {name: value for name, value in changes.items() if profile.maps_group(name)}
    patch_group(scim, group.id, entra.rename_group(changes), "Rename the group")
    body, response = read_group(scim, group.id, "Read back the renamed group")
    expect_values(
        body,
        changes,
        "Rename the group: the change did not stick",
        response,
        severity=Severity.ENTRA_BREAKING,
        rule="RFC 7644 §3.5.2.3 (replace)",
        entra="Entra renames the group every cycle; the app shows the old name",
    )
    expect_members(
        scim,
        group.id,
        {user.id},
        "Renaming the group changed its members",
        entra="members silently lost on rename; Entra never re-adds them [S24]",
    )


@NEEDS_GROUPS
@pytest.mark.delete
def test_delete_group(
    scim: ScimClient, ledger: Ledger, new_group: Callable[..., CreatedGroup]
) -> None:
    """DELETE → 204; then GET → 404 (§8g [S1])."""
    group = new_group()
    rule = "RFC 7644 §3.6: DELETE → 204, then 404"
    entra = "Entra believes the group is gone; it keeps granting access in the app"
    expect_status(scim.delete(f"/Groups/{group.id}"), {204}, "Delete group", rule=rule, entra=entra)
    after = scim.get(f"/Groups/{group.id}")
    if after.status == 404:
        ledger.forget(group.id)  # gone; otherwise the end-of-run cleanup tries again
    expect_status(after, {404}, "The deleted group can still be read", rule=rule, entra=entra)


@NEEDS_MEMBERS
@pytest.mark.delete
def test_deleting_a_member_user_keeps_the_group_readable(
    scim: ScimClient,
    ledger: Ledger,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
) -> None:
    """After a member user is deleted, the group still reads fine, without that user (§7, §8)."""
    group, gone, kept = new_group(), new_user(), new_user()
    patch_group(
        scim,
        group.id,
        EntraPatch("aadOptscim062020").add_members([gone.id, kept.id]),
        "Add two members",
    )
    expect_status(
        scim.delete(f"/Users/{gone.id}"),
        {204},
        "Delete a member user",
        rule="RFC 7644 §3.6",
        entra="Entra's hard delete of the user fails",
    )
    ledger.forget(gone.id)
    members, response = group_members(scim, group.id, "Read the group after a member was deleted")
    if members is not None and gone.id in members:
        fail(
            Severity.ADVISORY,
            "The deleted user is still listed as a member",
            expected=f"members without {gone.id}",
            actual=f"members {sorted(members)}",
            rule="RFC 7643 §4.2 (members reference existing resources)",
            response=response,
            entra="Entra does not notice; readers of the group see a dangling member",
        )
