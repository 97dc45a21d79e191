"""Entra's Test Connection and credential handling (rules filter-exact-match, auth-401)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import describe
from scim_conformance.checks.failures import fail, report
from scim_conformance.checks.steps import find_users
from scim_conformance.entra import user_query
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.suite.conftest import CreatedUser

pytestmark = pytest.mark.test_connection


def test_probe_for_unknown_user_returns_empty_list(scim: ScimClient) -> None:
    """Test Connection: a filter on a random GUID answers 200 with an empty ListResponse."""
    resources, response = find_users(
        scim, user_query("userName", str(uuid.uuid4())), "Test Connection probe"
    )
    if resources or (response.json_object or {}).get("totalResults") != 0:
        fail(
            rules.FILTER_EXACT_MATCH,
            "Test Connection probe found users for a random GUID",
            expected="totalResults 0 and no Resources",
            actual=f"totalResults {(response.json_object or {}).get('totalResults')!r}, "
            f"{len(resources)} resource(s)",
            response=response,
        )


def expect_refused(response: ScimResponse, title: str) -> None:
    """401 passes; 403 still refuses (auth-403-not-401, advisory); anything else fails."""
    if response.status != 401:
        report(
            rules.AUTH_403_NOT_401 if response.status == 403 else rules.AUTH_401,
            title,
            expected="HTTP 401",
            actual=describe(response),
            response=response,
        )


@pytest.mark.severity("rfc")
def test_request_without_token_is_rejected(scim: ScimClient) -> None:
    """A request without Authorization is refused with 401 (RFC 7644 §2)."""
    response = scim.get("/Users", user_query("userName", str(uuid.uuid4())), authenticate=False)
    expect_refused(response, "A request without a token was not refused with 401")


@pytest.mark.severity("rfc")
def test_wrong_token_is_rejected_without_data(
    scim: ScimClient, new_user: Callable[..., CreatedUser]
) -> None:
    """A wrong bearer token gets 401 and no resource data, even for an existing user."""
    user = new_user()
    wrong = "scim-conformance-wrong-" + uuid.uuid4().hex
    response = scim.get("/Users", user_query("userName", user.spec.user_name), token=wrong)
    expect_refused(response, "A wrong token was not refused with 401")
    leaked = [v for v in (user.id, user.spec.user_name) if v.lower() in response.text.lower()]
    if leaked:
        fail(
            rules.AUTH_ERROR_WITHOUT_DATA,
            "The 401 response carries resource data",
            expected="an error body with no user data",
            actual=f"body contains {leaked}",
            response=response,
        )
