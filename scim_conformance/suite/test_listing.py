"""Listing: pagination, attribute projection and media type (RFC 7644 §3.4, §3.9, §3.1).

Entra pages through all users for Account Discovery (Microsoft Learn: Account discovery)
and asks for `attributes=id` in its reference checks (the SCIM tutorial's manager check).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    expect_content_type,
    expect_json_object,
    expect_list_response,
    expect_schema,
    expect_status,
)
from scim_conformance.checks.failures import advise, fail
from scim_conformance.checks.resource_paths import MISSING, get_key
from scim_conformance.checks.steps import read_user
from scim_conformance.entra import user_query
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.suite.conftest import CreatedUser

pytestmark = pytest.mark.listing


def page(scim: ScimClient, start: int, count: int) -> tuple[dict[str, Any], ScimResponse]:
    """GET /Users?startIndex=…&count=… as Entra's discovery and Webex clients send it."""
    response = scim.get("/Users", {"startIndex": str(start), "count": str(count)})
    title = f"List users, startIndex={start}, count={count}"
    # Paging is judged by its own rules, not as a matching query (Entra pages only for
    # Account Discovery, and never with count=0).
    expect_status(response, {200}, title, rule=rules.COUNT_ZERO if count == 0 else rules.PAGINATION)
    body = expect_json_object(response, title)
    if count:  # with count=0 the envelope has totalResults and no Resources: validated below
        expect_schema(body, "ListResponse", title, response, rule=rules.LIST_RESPONSE_SHAPE)
        expect_content_type(response)
    return body, response


def ids_of(body: dict[str, Any]) -> list[str]:
    """The ids on one page."""
    resources = get_key(body, "Resources")
    return (
        [str(r.get("id")) for r in resources if isinstance(r, dict)]
        if isinstance(resources, list)
        else []
    )


def test_pages_hold_at_most_count_users(
    scim: ScimClient, new_user: Callable[..., CreatedUser]
) -> None:
    """With three of the suite's users present, count=2 pages are sliced right (§3.4.2.4)."""
    for _ in range(3):
        new_user()
    first, response = page(scim, 1, 2)
    second, second_response = page(scim, 3, 2)
    for body, start, resp in ((first, 1, response), (second, 3, second_response)):
        ids = ids_of(body)
        problems = []
        if len(ids) > 2:
            problems.append(f"{len(ids)} resources for count=2")
        if get_key(body, "startIndex") not in (MISSING, start):
            problems.append(f"startIndex {get_key(body, 'startIndex')!r} for {start}")
        per_page = get_key(body, "itemsPerPage")
        if per_page is not MISSING and per_page != len(ids):
            problems.append(f"itemsPerPage {per_page!r} but {len(ids)} resources")
        total = get_key(body, "totalResults")
        if not isinstance(total, int) or total < 3:
            problems.append(f"totalResults {total!r} with at least 3 users present")
        if problems:
            fail(
                rules.PAGINATION,
                f"Page at startIndex={start} is not the requested slice",
                expected="at most 2 resources, startIndex echoed, itemsPerPage = resources, "
                "totalResults ≥ 3",
                actual="; ".join(problems),
                response=resp,
            )
    overlap = set(ids_of(first)) & set(ids_of(second))
    if overlap:
        advise(
            rules.PAGES_DISJOINT,
            "Consecutive pages repeat users",
            expected="pages 1-2 and 3-4 share no user",
            actual=f"both hold {sorted(overlap)}",
            response=second_response,
        )


def test_count_zero_returns_only_the_total(
    scim: ScimClient, new_user: Callable[..., CreatedUser]
) -> None:
    """count=0 is legal: totalResults only, no resources (RFC 7644 §3.4.2.4)."""
    new_user()
    body, response = page(scim, 1, 0)
    total, resources = get_key(body, "totalResults"), ids_of(body)
    if not isinstance(total, int) or total < 1 or resources:
        fail(
            rules.COUNT_ZERO,
            "count=0 did not return just the total",
            expected="totalResults ≥ 1 and no Resources",
            actual=f"totalResults {total!r}, {len(resources)} resource(s)",
            response=response,
        )


def expect_projection(
    resource: dict[str, Any],
    present: tuple[str, ...],
    absent: tuple[str, ...],
    title: str,
    response: ScimResponse,
) -> None:
    """Attributes that must be there and attributes that must not."""
    missing = [name for name in present if get_key(resource, name) is MISSING]
    extra = [name for name in absent if get_key(resource, name) is not MISSING]
    if missing or extra:
        fail(
            rules.ATTRIBUTE_PROJECTION,
            title,
            expected=f"{', '.join(present)} present; {', '.join(absent)} absent",
            actual=f"missing {missing or 'nothing'}; unexpected {extra or 'nothing'}",
            response=response,
        )


def test_attributes_on_get(scim: ScimClient, new_user: Callable[..., CreatedUser]) -> None:
    """`attributes=userName` returns id and userName, not the rest (§3.9)."""
    user = new_user()
    response = scim.get(f"/Users/{user.id}", {"attributes": "userName"})
    title = "GET with attributes=userName"
    expect_status(response, {200}, title, rule=rules.ATTRIBUTE_PROJECTION)
    body = expect_json_object(response, title)
    expect_projection(body, ("id", "userName"), ("name", "emails"), title, response)


def test_excluded_attributes_on_get(scim: ScimClient, new_user: Callable[..., CreatedUser]) -> None:
    """`excludedAttributes=name,emails` leaves those out and keeps the rest (§3.9)."""
    user = new_user()
    response = scim.get(f"/Users/{user.id}", {"excludedAttributes": "name,emails"})
    title = "GET with excludedAttributes=name,emails"
    expect_status(response, {200}, title, rule=rules.ATTRIBUTE_PROJECTION)
    body = expect_json_object(response, title)
    expect_projection(body, ("id", "userName"), ("name", "emails"), title, response)


def test_attributes_on_list(scim: ScimClient, new_user: Callable[..., CreatedUser]) -> None:
    """`attributes=id` on a filtered list, as in Entra's reference check (SCIM tutorial)."""
    user = new_user()
    params = {**user_query("userName", user.spec.user_name), "attributes": "id"}
    response = scim.get("/Users", params)
    title = "List with attributes=id"
    body = expect_list_response(response, title)
    resources = get_key(body, "Resources")
    if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict):
        fail(
            rules.FILTER_EXACT_MATCH,
            title,
            expected="exactly one resource",
            actual=f"Resources {str(resources)[:120]}",
            response=response,
        )
    expect_projection(resources[0], ("id",), ("name", "emails"), title, response)


def test_responses_use_the_scim_media_type(
    scim: ScimClient, new_user: Callable[..., CreatedUser]
) -> None:
    """Every response is `application/scim+json`; `application/json` is advisory (RFC 7644 §8.1)."""
    user = new_user()
    read_user(scim, user.id, "Get user")  # checks the media type of its response
    expect_content_type(scim.get("/Users", user_query("userName", user.spec.user_name)))
    expect_content_type(scim.get(f"/Users/{user.id}-missing"))
