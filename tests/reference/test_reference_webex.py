"""The reference server's Webex behaviour, over real HTTP on 127.0.0.1 at Webex's legacy
tenant URL form: the user rules it enforces, the Cisco extension, noTarget, and the
predicates behind them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scim_conformance.checks import webex
from scim_conformance.reference import DEFAULT_ORG_ID, ReferenceApp, serve
from scim_conformance.reference.webex_rules import beyond_eq, is_email
from support.reference_http import CORE


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A client on the reference server's legacy tenant URL form."""
    app = ReferenceApp("token")
    with serve(app) as server:
        base = f"http://127.0.0.1:{server.port}/v1/scim/{DEFAULT_ORG_ID}"
        headers = {"Authorization": "Bearer token"}
        with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
            yield client


def user(name: str, **extra: Any) -> dict[str, Any]:
    """A minimal user body."""
    return {"schemas": [CORE], "userName": name, **extra}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(user("not-an-email"), 400, id="username-not-email"),
        pytest.param(
            user(
                "a1@example.com",
                emails=[{"value": "b@example.com", "type": "work", "primary": True}],
            ),
            400,
            id="primary-email-differs",
        ),
        pytest.param(
            user(
                "A2@Example.com",
                emails=[{"value": "a2@example.com", "type": "work", "primary": True}],
            ),
            201,
            id="primary-email-other-case",
        ),
        pytest.param(
            user("a3@example.com", emails=[{"value": f"{i}@example.com"} for i in range(11)]),
            400,
            id="eleven-emails",
        ),
        pytest.param(
            user("a4@example.com", emails=[{"value": f"{i}@example.com"} for i in range(10)]),
            201,
            id="ten-emails",
        ),
        pytest.param(
            user("a5@example.com", phoneNumbers=[{"value": str(i)} for i in range(51)]),
            400,
            id="fifty-one-phone-numbers",
        ),
    ],
)
def test_reference_enforces_webex_user_rules(
    http: httpx.Client, body: dict[str, Any], status: int
) -> None:
    response = http.post("/Users", json=body)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["scimType"] == "invalidValue"


def test_reference_keeps_the_cisco_extension_and_answers_no_target(http: httpx.Client) -> None:
    cisco = webex.cisco_sample("c@example.com", "t")
    created = http.post("/Users", json=user("c@example.com", **{webex.CISCO_USER: cisco}))
    assert created.status_code == 201, created.text
    assert created.json()[webex.CISCO_USER] == cisco
    url = f"/Users/{created.json()['id']}"
    unmatched = {"op": "replace", "path": 'emails[value eq "x@y"].type', "value": "other"}
    message = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
    response = http.patch(url, json={**message, "Operations": [unmatched]})
    assert response.status_code == 400
    assert response.json()["scimType"] == "noTarget"
    # Entra's shape still creates the missing element it selects by type (§5b).
    work = {"op": "add", "path": 'emails[type eq "work"].value', "value": "c@example.com"}
    assert http.patch(url, json={**message, "Operations": [work]}).status_code == 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@example.com", True),
        ('"quoted@local"@example.com', True),
        ("no-at-sign", False),
        ("@example.com", False),
        ("a@", False),
        ("a@exa mple.com", False),
    ],
)
def test_is_email(text: str, expected: bool) -> None:
    assert is_email(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "a"', False),
        ('emails[type eq "work"].value eq "x" and active eq true', False),
        ('userName Eq "a"', True),
        ('userName sw "a"', True),
        ('userName eq "a" or userName eq "b"', True),
        ('displayName eq "sw or Eq"', False),
    ],
)
def test_beyond_eq(text: str, expected: bool) -> None:
    assert beyond_eq(text) is expected
