"""Multi-request steps the suite repeats: read a resource back, PATCH and verify, filter."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    describe,
    expect_content_type,
    expect_id,
    expect_json_object,
    expect_list_response,
    expect_schema,
    expect_status,
)
from scim_conformance.checks.failures import fail, report
from scim_conformance.checks.resource_paths import MISSING, get_key, value_at
from scim_conformance.checks.rules import Rule
from scim_conformance.entra import Op, patch_body
from scim_conformance.http.client import ScimClient, ScimResponse

NORMALISED_BY_PATCH = "Values a PATCH set read back normalised"
# (path, value sent, value stored) → True when the stored value is the sent one normalised.
Normalised = Callable[[str, Any, Any], bool]


def show(value: Any) -> str:
    """A value as JSON, or '(absent)'."""
    return "(absent)" if value is MISSING else json.dumps(value, ensure_ascii=False)


def read_user(scim: ScimClient, user_id: str, title: str) -> tuple[dict[str, Any], ScimResponse]:
    """GET /Users/{id} → 200 with a valid User; the body and the response."""
    response = scim.get(f"/Users/{user_id}")
    expect_status(response, {200}, title, rule=rules.GET_BY_ID)
    body = expect_json_object(response, title)
    expect_id(body, title, response)
    expect_schema(body, "User", title, response, rule=rules.USER_SCHEMA)
    expect_content_type(response)
    return body, response


def acceptance_rule(operations: list[Op]) -> Rule:
    """The rule a refused PATCH breaks: an `add` on a filter path that may match nothing
    (Entra's Add for an attribute that had no value) has its own, so one defect met by a
    fixed test and a generated sequence is one finding."""
    adds_element = any(
        str(op.get("op", "")).lower() == "add" and "[" in str(op.get("path", ""))
        for op in operations
    )
    return rules.PATCH_ADD_CREATES_ELEMENT if adds_element else rules.PATCH_STATUS


def expect_values(
    resource: dict[str, Any],
    expected: Mapping[str, Any],
    title: str,
    response: ScimResponse,
    *,
    rule: Rule,
    cause: ScimResponse | None = None,
) -> None:
    """Fail unless every path in `expected` holds exactly the expected value."""
    wrong = [
        f"{path} = {show(value_at(resource, path))} (expected {show(value)})"
        for path, value in expected.items()
        if value_at(resource, path) != value
    ]
    if wrong:
        report(
            rule,
            title,
            expected="; ".join(f"{path} = {show(value)}" for path, value in expected.items()),
            actual="; ".join(wrong),
            response=response,
            cause=cause,
        )


def patch_and_verify(
    scim: ScimClient,
    resource_path: str,
    operations: list[Op],
    expected: Mapping[str, Any],
    title: str,
    *,
    rule: Rule | None = None,
    normalised: Normalised | None = None,
    applied: Rule = rules.PATCH_APPLIED,
) -> dict[str, Any]:
    """PATCH as Entra does, then prove the change by reading the resource back.

    200-with-body and 204 are both legal; a 200 body must show the change (it is
    "the entire resource", RFC 7644 §3.5.2). `rule` is the rule the PATCH's acceptance
    stands for (a specific request shape has its own; by default `acceptance_rule`).
    `normalised(path, sent, stored)` says which differences are a value stored normalised
    (an advisory value-normalised, under one title for every step) rather than a change
    that did not stick; without it every difference is. `applied` is the rule a change
    that did not stick breaks (a request variant names its own). Returns the resource read
    back.
    """
    accepted = rule if rule is not None else acceptance_rule(operations)
    response = scim.patch(resource_path, patch_body(operations))
    expect_status(response, {200, 204}, title, rule=accepted)
    # The state read back decides first: a change that did not stick is worse than a
    # response body that does not show it.
    after, read = read_back(scim, resource_path, title)
    normal = normalised_values(after, expected, normalised)
    expect_values(
        after,
        {path: value for path, value in expected.items() if path not in normal},
        f"{title}: the change did not stick",
        read,
        rule=applied,
        cause=response,
    )
    expect_values(
        after,
        normal,
        NORMALISED_BY_PATCH,  # one title for all steps: one advisory, counted
        read,
        rule=rules.VALUE_NORMALISED,
        cause=response,
    )
    # A 200's body shows what a read shows, normalised or not.
    expect_patch_answer(response, {path: value_at(after, path) for path in expected}, title)
    return after


def read_back(
    scim: ScimClient, resource_path: str, title: str
) -> tuple[dict[str, Any], ScimResponse]:
    """GET a resource a write changed: 200 with a JSON object; the body and the response."""
    read = scim.get(resource_path)
    kind = "user" if resource_path.startswith("/Users/") else "resource"
    gone = f"{title}: the {kind} cannot be read back"
    expect_status(read, {200}, gone, rule=rules.GET_BY_ID)
    return expect_json_object(read, title), read


def normalised_values(
    resource: dict[str, Any], expected: Mapping[str, Any], normalised: Normalised | None
) -> dict[str, Any]:
    """The expected values `resource` holds only normalised (as `normalised` judges), by path."""
    if normalised is None:
        return {}
    return {
        path: value
        for path, value in expected.items()
        if value_at(resource, path) != value and normalised(path, value, value_at(resource, path))
    }


def expect_patch_answer(response: ScimResponse, held: Mapping[str, Any], title: str) -> None:
    """A PATCH answered 200 carries "the entire resource" (RFC 7644 §3.5.2), holding what a
    read-back holds (`held`); a 204 carries nothing to judge."""
    if response.status != 200:
        return
    body = response.json_object
    if body is None:
        fail(
            rules.PATCH_RESPONSE_BODY,
            f"{title}: 200 without the resource",
            expected="HTTP 200 with the entire updated resource (or HTTP 204)",
            actual=describe(response),
            response=response,
        )
    title = f"{title}: the 200 response shows the old values"
    expect_values(body, held, title, response, rule=rules.PATCH_RESPONSE_BODY)


def find_users(
    scim: ScimClient, params: Mapping[str, str], title: str
) -> tuple[list[dict[str, Any]], ScimResponse]:
    """GET /Users with a query → the validated ListResponse's resources, and the response."""
    response = scim.get("/Users", params)
    body = expect_list_response(response, title)
    resources = get_key(body, "Resources")
    resources = resources if isinstance(resources, list) else []
    found = listed(body)
    for resource in found:
        expect_id(resource, title, response)
    for index, resource in enumerate(resources):
        expect_schema(
            resource,
            "User",
            title,
            response,
            where=f".Resources[{index}]",
            rule=rules.USER_SCHEMA,
        )
    return found, response


def listed(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of a ListResponse body (its JSON objects only)."""
    resources = get_key(body, "Resources")
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def expect_only(
    found: list[dict[str, Any]],
    wanted_id: str,
    title: str,
    response: ScimResponse,
    *,
    kind: str = "user",
    rule: Rule = rules.FILTER_EXACT_MATCH,
    cause: ScimResponse | None = None,
    deactivated: bool = False,
) -> None:
    """Exactly one resource, the one with `wanted_id` (Entra's matching contract).

    The one judgement of a match, for fixed tests, properties and cycles alike. `rule` is
    what a wrong answer breaks; for a `deactivated` user, finding none at all breaks
    soft-delete-readable (hidden because inactive; more than one is the filter's fault).
    """
    ids = [get_key(r, "id") for r in found]
    if ids == [wanted_id]:
        return
    hidden = deactivated and not ids
    state = ", with active false" if deactivated else ""
    fail(
        rules.SOFT_DELETE_READABLE if hidden else rule,
        title,
        expected=f"exactly one {kind}, id {wanted_id}{state}",
        actual=f"{len(ids)} {kind}(s): {', '.join(map(str, ids[:5])) or 'none'}",
        response=response,
        cause=cause,
    )


def read_group(
    scim: ScimClient, group_id: str, title: str, params: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], ScimResponse]:
    """GET /Groups/{id} → 200 with a valid Group."""
    response = scim.get(f"/Groups/{group_id}", params)
    expect_status(response, {200}, title, rule=rules.GET_BY_ID)
    body = expect_json_object(response, title)
    expect_id(body, title, response)
    expect_schema(body, "Group", title, response, rule=rules.GROUP_SCHEMA)
    return body, response


def group_members(
    scim: ScimClient, group_id: str, title: str
) -> tuple[set[str] | None, ScimResponse]:
    """The ids in a group's `members`, asking explicitly if the default read omits them.

    Returning members is optional for Entra (tutorial R15), so None means "not exposed".
    """
    body, response = read_group(scim, group_id, title)
    if get_key(body, "members") is MISSING:
        # attributes=members may leave out displayName (RFC 7644 §3.9: only the attributes
        # asked for, and id): a projection, not a malformed group.
        response = scim.get(f"/Groups/{group_id}", {"attributes": "members"})
        expect_status(response, {200}, title, rule=rules.GET_BY_ID)
        body = expect_json_object(response, title)
    members = get_key(body, "members")
    if members is MISSING:
        return None, response
    values = members if isinstance(members, list) else []
    return {str(get_key(m, "value")) for m in values if isinstance(m, dict)}, response


def patch_group(
    scim: ScimClient,
    group_id: str,
    operations: list[Op],
    title: str,
    *,
    rule: Rule = rules.PATCH_STATUS,
) -> ScimResponse:
    """PATCH a group; Entra expects 204 and accepts 200. Returns the response (the write)."""
    response = scim.patch(f"/Groups/{group_id}", patch_body(operations))
    expect_status(response, {200, 204}, title, rule=rule)
    return response
