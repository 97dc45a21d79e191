"""Entra's Test Connection and credential handling (entra-sequences.md §1, §0)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from scim_conformance.checks.expectations import describe
from scim_conformance.checks.failures import Severity, fail
from scim_conformance.checks.steps import find_users
from scim_conformance.entra import user_query
from scim_conformance.http.client import ScimClient
from scim_conformance.suite.conftest import CreatedUser

pytestmark = pytest.mark.test_connection

AUTH_RULE = "RFC 7644 §2 and §3.12 (401: authorization header invalid or missing)"


def test_probe_for_unknown_user_returns_empty_list(scim: ScimClient) -> None:
    """Test Connection: a filter on a random GUID answers 200 with an empty ListResponse [S1]."""
    resources, response = find_users(
        scim, user_query("userName", str(uuid.uuid4())), "Test Connection probe"
    )
    if resources or (response.json_object or {}).get("totalResults") != 0:
        fail(
            Severity.ENTRA_BREAKING,
            "Test Connection probe found users for a random GUID",
            expected="totalResults 0 and no Resources",
            actual=f"totalResults {(response.json_object or {}).get('totalResults')!r}, "
            f"{len(resources)} resource(s)",
            rule="RFC 7644 §3.4.2; Entra tutorial [S1] and gallery checklist [S13]",
            entra="Test Connection fails; the filter is ignored or broken, so matching will "
            "link the wrong users",
            response=response,
        )


def auth_severity(status: int) -> Severity:
    """403 still refuses (Entra maps 401 and 403 alike [S9]), so it is advisory; else rfc."""
    return Severity.ADVISORY if status == 403 else Severity.RFC


@pytest.mark.severity("rfc")
def test_request_without_token_is_rejected(scim: ScimClient) -> None:
    """A request without Authorization is refused with 401 (RFC 7644 §2)."""
    response = scim.get("/Users", user_query("userName", str(uuid.uuid4())), authenticate=False)
    if response.status != 401:
        fail(
            auth_severity(response.status),
            "A request without a token was not refused with 401",
            expected="HTTP 401",
            actual=describe(response),
            rule=AUTH_RULE,
            entra="Entra always sends a token, so it would not notice; anyone else can read "
            "and change your directory",
            response=response,
        )


@pytest.mark.severity("rfc")
def test_wrong_token_is_rejected_without_data(
    scim: ScimClient, new_user: Callable[..., CreatedUser]
) -> None:
    """A wrong bearer token gets 401 and no resource data, even for an existing user."""
    user = new_user()
    wrong = "scim-conformance-wrong-" + uuid.uuid4().hex
    response = scim.get("/Users", user_query("userName", user.spec.user_name), token=wrong)
    if response.status != 401:
        fail(
            auth_severity(response.status),
            "A wrong token was not refused with 401",
            expected="HTTP 401",
            actual=describe(response),
            rule=AUTH_RULE,
            entra="Entra's Test Connection reports success for any secret, so a mistyped "
            "token is only found when provisioning misbehaves",
            response=response,
        )
    leaked = [v for v in (user.id, user.spec.user_name) if v.lower() in response.text.lower()]
    if leaked:
        fail(
            Severity.RFC,
            "The 401 response carries resource data",
            expected="an error body with no user data",
            actual=f"body contains {leaked}",
            rule=AUTH_RULE,
            entra="not visible to Entra; a data leak to unauthenticated callers",
            response=response,
        )
