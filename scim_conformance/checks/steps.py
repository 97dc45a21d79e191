"""Multi-request steps the suite repeats: read a resource back, PATCH and verify, filter."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scim_conformance.checks.expectations import (
    describe,
    expect_content_type,
    expect_json_object,
    expect_list_response,
    expect_schema,
    expect_status,
)
from scim_conformance.checks.failures import Severity, fail
from scim_conformance.checks.paths import MISSING, get_key, value_at
from scim_conformance.entra import Op, patch_body
from scim_conformance.http.client import ScimClient, ScimResponse

PATCH_RULE = (
    "RFC 7644 §3.5.2: on success 200 with the entire resource, or 204; Entra tutorial [S1] "
    "accepts either"
)


def show(value: Any) -> str:
    """A value as JSON, or '(absent)'."""
    return "(absent)" if value is MISSING else json.dumps(value, ensure_ascii=False)


def read_user(scim: ScimClient, user_id: str, title: str) -> tuple[dict[str, Any], ScimResponse]:
    """GET /Users/{id} → 200 with a valid User (entra-sequences.md §4); body and response."""
    response = scim.get(f"/Users/{user_id}")
    rule = "RFC 7644 §3.4.1; Entra tutorial [S1] (retrieve by id)"
    entra = "Entra cannot read the user it provisioned and logs InvalidAnchor or retries [S9]"
    expect_status(response, {200}, title, rule=rule, entra=entra)
    body = expect_json_object(response, title, rule=rule, entra=entra)
    expect_schema(body, "User", title, response, rule="RFC 7643 §4.1", entra=entra)
    expect_content_type(response)
    return body, response


def expect_values(
    resource: dict[str, Any],
    expected: Mapping[str, Any],
    title: str,
    response: ScimResponse,
    *,
    severity: Severity,
    rule: str,
    entra: str,
) -> None:
    """Fail unless every path in `expected` holds exactly the expected value."""
    wrong = [
        f"{path} = {show(value_at(resource, path))} (expected {show(value)})"
        for path, value in expected.items()
        if value_at(resource, path) != value
    ]
    if wrong:
        fail(
            severity,
            title,
            expected="; ".join(f"{path} = {show(value)}" for path, value in expected.items()),
            actual="; ".join(wrong),
            rule=rule,
            entra=entra,
            response=response,
        )


def patch_and_verify(
    scim: ScimClient,
    resource_path: str,
    operations: list[Op],
    expected: Mapping[str, Any],
    title: str,
    *,
    rule: str = PATCH_RULE,
) -> dict[str, Any]:
    """PATCH as Entra does, then prove the change by reading the resource back.

    200-with-body and 204 are both legal; a 200 body must show the change (it is
    "the entire resource", RFC 7644 §3.5.2). Returns the resource read back.
    """
    response = scim.patch(resource_path, patch_body(operations))
    entra = (
        "Entra logs the update as failed and retries it every cycle; the target stays stale [S9]"
    )
    expect_status(response, {200, 204}, title, rule=rule, entra=entra)
    # The state read back decides first: a change that did not stick is worse than a
    # response body that does not show it.
    read = scim.get(resource_path)
    lost = "Entra's next read of this resource fails; it logs InvalidAnchor [S9]"
    expect_status(
        read,
        {200},
        f"{title}: the resource cannot be read back",
        rule="RFC 7644 §3.4.1; Entra tutorial [S1] R7",
        entra=lost,
    )
    after = expect_json_object(read, title, rule="RFC 7644 §3.4.1", entra=lost)
    expect_values(
        after,
        expected,
        f"{title}: the change did not stick",
        read,
        severity=Severity.ENTRA_BREAKING,
        rule="RFC 7644 §3.5.2 (every operation is applied); Entra tutorial [S1] R11",
        entra="Entra believes the update succeeded (2xx) and never retries: the target "
        "silently drifts from the directory",
    )
    if response.status == 200:
        body = response.json_object
        if body is None:
            fail(
                Severity.RFC,
                f"{title}: 200 without the resource",
                expected="HTTP 200 with the entire updated resource (or HTTP 204)",
                actual=describe(response),
                rule=PATCH_RULE,
                entra="Entra does not read PATCH bodies, so it tolerates this",
                response=response,
            )
        else:
            expect_values(
                body,
                expected,
                f"{title}: the 200 response shows the old values",
                response,
                severity=Severity.RFC,
                rule=PATCH_RULE,
                entra="Entra ignores PATCH bodies, but clients that trust them see stale data",
            )
    return after


def find_users(
    scim: ScimClient, params: Mapping[str, str], title: str
) -> tuple[list[dict[str, Any]], ScimResponse]:
    """GET /Users with a query → the validated ListResponse's resources, and the response."""
    response = scim.get("/Users", params)
    body = expect_list_response(response, title)
    resources = get_key(body, "Resources")
    resources = resources if isinstance(resources, list) else []
    for index, resource in enumerate(resources):
        expect_schema(
            resource,
            "User",
            title,
            response,
            where=f".Resources[{index}]",
            rule="RFC 7643 §4.1; Entra tutorial [S1] R10 (every resource has an id)",
            entra="Entra cannot link the match without an id",
            severity=Severity.ENTRA_BREAKING,
        )
    return [r for r in resources if isinstance(r, dict)], response


def expect_only(
    resources: list[dict[str, Any]], user_id: str, title: str, response: ScimResponse
) -> None:
    """Exactly one resource, the one with `user_id` (Entra's matching contract, §2)."""
    ids = [r.get("id") for r in resources]
    if ids != [user_id]:
        fail(
            Severity.ENTRA_BREAKING,
            title,
            expected=f"exactly one user, id {user_id}",
            actual=f"{len(ids)} user(s): {', '.join(map(str, ids[:5])) or 'none'}",
            rule="RFC 7644 §3.4.2.2 (filter); Entra matching [S5][S6]",
            entra="0 hits: Entra creates a duplicate and gets 409 EntryConflict; more than one: "
            "Entra logs DuplicateTargetEntries and skips the user [S9]",
            response=response,
        )


def read_group(
    scim: ScimClient, group_id: str, title: str, params: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], ScimResponse]:
    """GET /Groups/{id} → 200 with a valid Group (entra-sequences.md §8b)."""
    response = scim.get(f"/Groups/{group_id}", params)
    rule = "RFC 7644 §3.4.1; Entra tutorial [S1] R3 (retrieve groups by id)"
    entra = "Entra cannot read the group it provisioned and logs InvalidAnchor [S9]"
    expect_status(response, {200}, title, rule=rule, entra=entra)
    body = expect_json_object(response, title, rule=rule, entra=entra)
    expect_schema(body, "Group", title, response, rule="RFC 7643 §4.2", entra=entra)
    return body, response


def group_members(
    scim: ScimClient, group_id: str, title: str
) -> tuple[set[str] | None, ScimResponse]:
    """The ids in a group's `members`, asking explicitly if the default read omits them.

    Returning members is optional for Entra (R15), so None means "not exposed".
    """
    body, response = read_group(scim, group_id, title)
    if get_key(body, "members") is MISSING:
        body, response = read_group(scim, group_id, title, {"attributes": "members"})
    members = get_key(body, "members")
    if members is MISSING:
        return None, response
    values = members if isinstance(members, list) else []
    return {str(get_key(m, "value")) for m in values if isinstance(m, dict)}, response


def patch_group(
    scim: ScimClient, group_id: str, operations: list[Op], title: str, *, rule: str = PATCH_RULE
) -> None:
    """PATCH a group; Entra expects 204 and accepts 200 (§8 [S1])."""
    response = scim.patch(f"/Groups/{group_id}", patch_body(operations))
    expect_status(
        response,
        {200, 204},
        title,
        rule=rule,
        entra="Entra logs the membership change as failed and retries it every cycle [S9]",
    )
