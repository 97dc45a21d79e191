"""What Microsoft's gallery validation exercises in shapes the rest of the suite does not
send (--scim-gallery only): pagination over 11 resources with count=5, the two-phase null
update, unassign/reassign (delete, then create the same user), /Schemas flattened as the
validation flattens it, a group created and renamed with a direct body, and the OAuth
client-credentials token. The gallery view (scim_conformance/gallery/) maps these and the
other tests onto Microsoft's 25 tests:
https://github.com/AzureAD/SCIMReferenceCode/blob/master/Microsoft.SCIM.LogicAppValidationTemplate/StandardLogicApp/SCIM-Validation-Test-Overview.md
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    describe,
    expect_id,
    expect_json_object,
    expect_status,
)
from scim_conformance.checks.failures import fail, report
from scim_conformance.checks.resource_paths import MISSING, get_key, value_at
from scim_conformance.checks.steps import expect_only, find_users, patch_and_verify, read_user
from scim_conformance.config import Settings
from scim_conformance.entra import (
    ENTERPRISE,
    GROUP_SCHEMA,
    ROLES,
    WORK_EMAIL,
    create_group_body,
    create_user_body,
    patch_body,
    user_query,
)
from scim_conformance.gallery import oauth
from scim_conformance.gallery.schema_names import USER_URN, flatten, missing
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import KNOWN_USER_ATTRIBUTES as PROFILE_PATHS
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import CreatedGroup, CreatedUser, adopting

PAGE_SIZE = 5  # the validation's count
AT_LEAST = 11  # resources it makes sure exist: three pages of five
# Never cleared by the null-update test (Microsoft's list): the matching and anchor
# attributes, active, roles and references (the manager).
NOT_CLEARED = frozenset({"userName", "active", "externalId", ROLES, f"{ENTERPRISE}:manager"})


@pytest.fixture(autouse=True)
def _gallery_only(scim_settings: Settings) -> None:
    """These tests replay Microsoft's gallery validation: only with --scim-gallery."""
    if not scim_settings.gallery:
        pytest.skip("a gallery validation test: runs only with --scim-gallery")


def _walk(scim: ScimClient, collection: str) -> None:
    """Pages at startIndex 1, 6 and 11 with count=5: each answers 200, echoes its startIndex,
    holds at most 5 resources and none fewer while resources remain (rule pagination)."""
    for number in range(3):
        start = number * PAGE_SIZE + 1
        title = f"Page {number + 1} of {collection}, startIndex={start}, count={PAGE_SIZE}"
        response = scim.get(collection, {"startIndex": str(start), "count": str(PAGE_SIZE)})
        expect_status(response, {200}, title, rule=rules.PAGINATION)
        body = expect_json_object(response, title)
        resources = get_key(body, "Resources")
        shown = len(resources) if isinstance(resources, list) else 0
        total = get_key(body, "totalResults")
        problems = []
        if get_key(body, "startIndex") != start:
            problems.append(f"startIndex {json.dumps(get_key(body, 'startIndex'), default=str)}")
        if shown > PAGE_SIZE:
            problems.append(f"{shown} resources for count={PAGE_SIZE}")
        if isinstance(total, int) and shown == 0 and total >= start:
            problems.append(f"no resources, though totalResults is {total}")
        if problems:
            fail(
                rules.PAGINATION,
                f"{title}: not the requested page",
                expected=f"startIndex {start}, 1 to {PAGE_SIZE} resources (at least {AT_LEAST} "
                "exist)",
                actual="; ".join(problems),
                response=response,
            )


@pytest.mark.listing
def test_gallery_user_pagination(scim: ScimClient, new_user: Callable[..., CreatedUser]) -> None:
    """SCIM_User_Pagination_Test: with 11 users, pages of 5 from startIndex 1, 6 and 11."""
    for _ in range(AT_LEAST):
        new_user(needs=())
    _walk(scim, "/Users")


@pytest.mark.listing
@pytest.mark.usefixtures("groups_supported")
def test_gallery_group_pagination(scim: ScimClient, new_group: Callable[..., CreatedGroup]) -> None:
    """SCIM_Group_Pagination_Test (optional): the same over 11 groups."""
    for _ in range(AT_LEAST):
        new_group()
    _walk(scim, "/Groups")


def _cleared(body: dict[str, Any], targets: list[str]) -> list[str]:
    """The targets still holding a value (null, absent and "" count as unassigned)."""
    held = [(path, value_at(body, path)) for path in targets]
    return [f"{path} = {json.dumps(v)}" for path, v in held if v not in (MISSING, None, "")]


def _required(scim: ScimClient) -> set[str]:
    """Mapped paths whose attribute /Schemas marks required: Microsoft never clears those."""
    served = _schema_documents(scim)
    required: set[str] = set()
    for document in served[0] if served is not None else []:
        urn = str(document.get("id", ""))
        for attribute in document.get("attributes") or []:
            if isinstance(attribute, dict) and attribute.get("required") is True:
                name = str(attribute.get("name"))
                required.add(name if urn == USER_URN else f"{urn}:{name}")
    return {
        path
        for path in PROFILE_PATHS
        if path.split("[")[0].split(".")[0] in required or path in required
    }


@pytest.mark.update
def test_gallery_null_update_in_two_phases(
    scim: ScimClient, profile: Profile, new_user: Callable[..., CreatedUser]
) -> None:
    """SCIM_Null_Update_Test: replace every optional mapped attribute with "", then with
    null; each time the user reads back with all of them unassigned (or empty)."""
    matching = set(profile.user_matching) | NOT_CLEARED | _required(scim)
    targets = sorted(path for path in profile.user_attributes if path not in matching)
    if not targets:
        pytest.skip(f"profile {profile.name} maps no optional attribute to clear")
    user = new_user()
    for phase, value in (("empty strings", ""), ("nulls", None)):
        operations = [{"op": "replace", "path": path, "value": value} for path in targets]
        title = f"Null update, phase {1 if value == '' else 2}: replace with {phase}"
        response = scim.patch(f"/Users/{user.id}", patch_body(operations))
        expect_status(response, {200, 204}, title, rule=rules.PATCH_CLEAR_ATTRIBUTE)
        body, read = read_user(scim, user.id, f"{title}: the user cannot be read back")
        left = _cleared(body, targets)
        if left:
            fail(
                rules.PATCH_CLEAR_ATTRIBUTE,
                f"{title}: attributes are still set",
                expected=f'{", ".join(targets)} unassigned (absent, null or "")',
                actual="; ".join(left),
                response=read,
                cause=response,
            )


def _recreate(scim: ScimClient, collection: str, body: Mapping[str, Any]) -> ScimResponse:
    """POST the resource again; an answer 2xx must carry its new id."""
    response = scim.post(collection, body)
    recreate = rules.RECREATE_AFTER_DELETE.for_gallery(True)
    what = "user" if collection == "/Users" else "group"
    if response.status == 409 or not 200 <= response.status < 300:
        report(
            recreate,
            f"The deleted {what} cannot be created again",
            expected="HTTP 201 (a deleted resource does not count in conflicts)",
            actual=describe(response),
            response=response,
        )
    return response


def _delete(scim: ScimClient, collection: str, resource_id: str, what: str) -> None:
    """DELETE, then GET → 404 (the unassign of Restore_*_Test's phase 2)."""
    response = scim.delete(f"{collection}/{resource_id}")
    expect_status(
        response, {200, 202, 204}, f"Unassign: delete the {what}", rule=rules.DELETE_ACCEPTED
    )
    after = scim.get(f"{collection}/{resource_id}")
    expect_status(
        after,
        {404},
        f"Unassign: the deleted {what} can still be read",
        rule=rules.DELETE_APPLIED,
        cause=response,
    )


@pytest.mark.delete
def test_gallery_restore_user_after_delete(
    scim: ScimClient, profile: Profile, new_user: Callable[..., CreatedUser]
) -> None:
    """Restore_User_Test (UnassignReassign): delete a user, create the same user again; the
    matching filter finds the new one."""
    user = new_user(needs=())
    _delete(scim, "/Users", user.id, "user")
    sent = user.same_shape(
        create_user_body(user.spec, profile.user_attributes, profile.user_extension)
    )
    response = _recreate(scim, "/Users", sent)
    again = expect_id(expect_json_object(response, "Reassign"), "Reassign", response)
    title = "Reassign: matching the user created again"
    found, listed = find_users(scim, user_query("userName", user.spec.user_name), title)
    expect_only(found, again, title, listed)


@pytest.mark.groups
@pytest.mark.usefixtures("groups_supported")
def test_gallery_restore_group_after_delete(
    scim: ScimClient, ledger: Ledger, new_group: Callable[..., CreatedGroup]
) -> None:
    """Restore_Group_Test (optional): delete a group, create the same group again."""
    group = new_group()
    _delete(scim, "/Groups", group.id, "group")
    sent = group.same_shape(create_group_body(group.display_name, group.external_id))
    with adopting(ledger, "/Groups", "displayName", group.display_name):
        response = _recreate(scim, "/Groups", sent)
    found = (response.json_object or {}).get("id")
    if isinstance(found, str) and found:
        ledger.add("/Groups", found)


def _schema_documents(scim: ScimClient) -> tuple[list[dict[str, Any]], ScimResponse] | None:
    """/Schemas' resources, or Webex's /Schemas/SCIM2/User and /Group at the host root;
    None when neither is served (test_schemas_include_user_and_group reports that)."""
    response = scim.get("/Schemas")
    documents: list[Any] = []
    if response.status == 200 and response.json_object is not None:
        documents = response.json_object.get("Resources") or []
    else:
        for name in ("User", "Group"):
            response = scim.get(f"/Schemas/SCIM2/{name}", at_root=True)
            if response.status != 200 or response.json_object is None:
                return None
            documents += response.json_object.get("Resources") or []
    found = [d for d in documents if isinstance(d, dict)] if isinstance(documents, list) else []
    return (found, response) if found else None


@pytest.mark.discovery
def test_gallery_mapped_attributes_in_schemas(scim: ScimClient, profile: Profile) -> None:
    """Schema_Discoverability_Test: every attribute the mapping sends is described by
    /Schemas, flattened as Microsoft flattens it, ignoring case."""
    served = _schema_documents(scim)
    if served is None:
        pytest.skip("/Schemas is not served: test_schemas_include_user_and_group reports it")
    documents, response = served
    users, groups = flatten(documents)
    has_group_schema = any(d.get("id") == GROUP_SCHEMA for d in documents)
    mapped_users = sorted(profile.user_attributes | set(profile.user_extension))
    lacking = [f"User {name}" for name in missing(mapped_users, users)]
    if has_group_schema:  # without it, test_schemas_include_user_and_group reports it
        lacking += [f"Group {name}" for name in missing(sorted(profile.group_attributes), groups)]
    if lacking:
        report(
            rules.SCHEMA_ATTRIBUTES_DISCOVERABLE.for_gallery(True),
            "/Schemas does not describe attributes the mapping sends",
            expected="every mapped attribute, named as Microsoft's validation flattens /Schemas "
            f"(e.g. {WORK_EMAIL})",
            actual=f"missing: {', '.join(lacking)}",
            response=response,
        )


def _create_direct(scim: ScimClient, ledger: Ledger, name: str, title: str) -> str:
    """POST /Groups with a plain core body (no Entra schema URI, no meta): its id."""
    body: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": name}
    with adopting(ledger, "/Groups", "displayName", name):
        response = scim.post("/Groups", body)
    expect_status(response, {200, 201}, title, rule=rules.CREATE_ACCEPTED)
    created = expect_json_object(response, title)
    group_id = expect_id(created, title, response)
    ledger.add("/Groups", group_id)
    if created.get("displayName") != name:
        report(
            rules.CREATE_RESPONSE_BODY,
            f"{title}: the answer does not hold the displayName sent",
            expected=f"displayName {json.dumps(name)}",
            actual=f"displayName {json.dumps(created.get('displayName'))}",
            response=response,
        )
    return group_id


@pytest.mark.groups
@pytest.mark.usefixtures("groups_supported")
def test_gallery_group_create_direct(scim: ScimClient, ledger: Ledger, namer: Namer) -> None:
    """SCIM_Group_Create_Test: POST /Groups with a plain core body → 201, an id, and the
    displayName sent."""
    _create_direct(scim, ledger, namer.group_name(), "Create a group with a direct body")


@pytest.mark.groups
@pytest.mark.usefixtures("groups_supported")
def test_gallery_group_update_direct(
    scim: ScimClient, ledger: Ledger, namer: Namer, profile: Profile
) -> None:
    """SCIM_Group_Update_Test: a lower-case `replace` by path of each single-valued group
    attribute, read back."""
    name = namer.group_name()
    group_id = _create_direct(scim, ledger, name, "Create a group to update")
    changes = {"displayName": f"{name} updated"}
    if profile.maps_group("externalId"):
        changes["externalId"] = f"{namer.run_prefix}-direct-{group_id}"
    operations = [{"op": "replace", "path": path, "value": v} for path, v in changes.items()]
    patch_and_verify(
        scim, f"/Groups/{group_id}", operations, changes, "Update the group with a direct PATCH"
    )


@pytest.mark.test_connection
def test_gallery_client_credentials(scim: ScimClient, scim_settings: Settings) -> None:
    """Validate_Credentials_Test: the token from the client-credentials grant is valid 60 to
    360 minutes, and the SCIM endpoint accepts it."""
    if scim_settings.token_endpoint is None:
        pytest.skip(
            "no --scim-token-endpoint: a static bearer token (Microsoft skips "
            "Validate_Credentials_Test)"
        )
    # The run's every request used the issued token; this one proves it once more, named.
    response = scim.get("/Users", {"count": "1"}, note="the SCIM endpoint with the issued token")
    expect_status(
        response,
        {200},
        "The SCIM endpoint refuses the issued token",
        rule=rules.QUERY_LIST_RESPONSE,
    )
    problem = oauth.lifetime_problem(scim_settings.token_lifetime)
    if problem is not None:
        report(
            rules.OAUTH_TOKEN_LIFETIME.for_gallery(True),
            "The access token's lifetime is outside 60-360 minutes",
            expected=f"expires_in between {oauth.MIN_LIFETIME_S} and {oauth.MAX_LIFETIME_S} s",
            actual=problem,
        )
