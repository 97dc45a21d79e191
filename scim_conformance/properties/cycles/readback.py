"""The read-backs of an Entra cycle: after each step the endpoint is read the way Entra
reads it (GET by id, the matching filter, membership) and compared with the model.

Each check names the catalogue rule a difference breaks; the step's write is the finding's
cause, so the finding replays the request that broke the rule.
"""

from __future__ import annotations

import json

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    describe,
    expect_list_response,
)
from scim_conformance.checks.failures import advise, fail
from scim_conformance.checks.membership import manager_listed, membership
from scim_conformance.checks.resource_paths import MISSING, get_key, manager_id, value_at
from scim_conformance.checks.rules import Rule
from scim_conformance.checks.steps import expect_only, expect_values, listed, read_back
from scim_conformance.entra import ENTERPRISE, group_query, user_query
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.properties.cycles.model import Directory, ModelGroup, ModelUser

MANAGER = f"{ENTERPRISE}:manager"
UNVERIFIED_TITLE = "Cycle: group membership cannot be read back"


def expect_user(
    scim: ScimClient, user: ModelUser, title: str, cause: ScimResponse, rule: Rule
) -> None:
    """GET by id shows what the model holds; a difference breaks `rule` (by `cause`)."""
    body, read = read_back(scim, f"/Users/{user.id}", title)
    wanted = dict(user.values, active=user.active)
    if user.active:  # Webex renames a user while it is inactive (Webex Help Center)
        wanted["userName"] = user.user_name
    expect_values(body, wanted, f"{title}: the user differs", read, rule=rule, cause=cause)
    shown = value_at(body, MANAGER)
    if isinstance(shown, str):
        fail(
            rules.MANAGER_READ_OBJECT,
            f"{title}: the manager is read back as a bare string",
            expected='manager {"value": "<id>"}',
            actual=f"manager {json.dumps(shown)}",
            response=read,
            cause=cause,
        )
    found = manager_id(body)
    held = None if found is MISSING or found in (None, "") else found
    if held is None and user.manager is not None and manager_listed(scim, user.id, user.manager):
        held = user.manager  # not in the read, but Entra's reference check finds it
    expect_values(
        {"manager": held},
        {"manager": user.manager},
        f"{title}: the manager differs",
        read,
        rule=rule,
        cause=cause,
    )


def expect_user_match(
    scim: ScimClient,
    user: ModelUser,
    title: str,
    cause: ScimResponse | None,
    rule: Rule = rules.FILTER_EXACT_MATCH,
) -> None:
    """Entra's matching query for the user's userName finds exactly that user."""
    response = scim.get("/Users", user_query("userName", user.user_name))
    title = f"{title}: matching by userName"
    body = expect_list_response(response, title)
    expect_only(listed(body), user.id, title, response, rule=rule, cause=cause)


def expect_no_match(scim: ScimClient, path: str, query: dict[str, str], title: str) -> ScimResponse:
    """The matching query before a create finds nothing (the name is new, or deleted)."""
    response = scim.get(path, query)
    body = expect_list_response(response, title)
    if get_key(body, "totalResults") != 0 or get_key(body, "Resources") not in (MISSING, []):
        fail(
            rules.FILTER_EXACT_MATCH,
            title,
            expected="totalResults 0: nothing holds this name",
            actual=describe(response),
            response=response,
        )
    return response


def expect_group_match(
    scim: ScimClient, group: ModelGroup, title: str, cause: ScimResponse
) -> None:
    """Entra's group query for the displayName finds exactly that group."""
    response = scim.get("/Groups", group_query(group.display_name))
    title = f"{title}: matching by displayName"
    body = expect_list_response(response, title)
    expect_only(listed(body), group.id, title, response, kind="group", cause=cause)


def member_rule(
    before: set[str], added: set[str], removed: set[str], lost: set[str], with_value: bool
) -> Rule:
    """The rule a wrong member list breaks, from what the request did and what was lost
    (`with_value`: the removal carried the ids in `value`, Entra's legacy shape)."""
    removal = rules.REMOVE_MEMBERS_WITH_VALUE if with_value else rules.PATCH_APPLIED
    others = before - removed - added
    if removed and with_value and lost and (lost & added or not added):
        return removal  # the removal took more than the ids listed
    if lost & added:
        return rules.PATCH_APPLIED  # the add did not add
    if lost & others:
        return rules.MEMBERS_ADD_KEEPS_OTHERS if added else removal
    return removal if removed else rules.PATCH_APPLIED


def expect_members(
    scim: ScimClient,
    directory: Directory,
    group: ModelGroup,
    title: str,
    cause: ScimResponse,
    change: tuple[set[str], set[str], set[str], bool] | None = None,
    rule: Rule = rules.PATCH_APPLIED,
) -> None:
    """The group's members among the model's users are the model's.

    `change` is (members before, added, removed, with_value) of a member PATCH: the rule
    broken follows from what it lost; otherwise a difference breaks `rule`. A member still
    there after its removal, which Entra had added again, breaks members-add-existing: the
    server kept a second copy of it.
    """
    live = set(directory.users)
    seen = membership(scim, group.id, live, f"{title}: read the group back", expected=group.members)
    found = seen.among(live)
    if found is None:
        advise(
            rules.MEMBERSHIP_VERIFIABLE,
            UNVERIFIED_TITLE,
            expected="members in the group read, or a membership filter answered",
            actual=seen.form,
            response=seen.response,
        )
        return
    expected = group.members & live
    if found == expected:
        return
    if change is not None:
        before, added, removed, with_value = change
        rule = member_rule(before & live, added, removed, set(expected - found), with_value)
        if (found - expected) & removed & group.readded:
            rule = rules.MEMBERS_ADD_EXISTING
    fail(
        rule,
        title,
        expected=f"members {directory.named(expected)}",
        actual=f"members {directory.named(found)} (read with {seen.form})",
        response=seen.response,
        cause=cause,
    )
