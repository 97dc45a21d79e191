"""The reference server's HTTP surface, over real HTTP on 127.0.0.1: authentication, routing,
media types, malformed bodies and the SCIM error body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scim_conformance.reference import DEFAULT_ORG_ID, RunningServer
from support.reference_http import (
    CISCO_ERROR,
    SCIM_JSON,
    TOKEN,
    assert_error,
    client_for,
    create_user,
    entra_user,
    uniq,
)

AUTH_HEADERS = [
    pytest.param({}, id="missing"),
    pytest.param({"Authorization": "Bearer wrong-token"}, id="wrong-token"),
    pytest.param({"Authorization": f"Basic {TOKEN}"}, id="basic-scheme"),
    pytest.param({"Authorization": "Bearer"}, id="empty-bearer"),
    pytest.param({"Authorization": TOKEN}, id="no-scheme"),
]


@pytest.fixture(scope="module")
def secret_user(client: httpx.Client) -> dict[str, Any]:
    """A stored user whose data must never appear in a 401."""
    return create_user(client, user_name=f"{uniq('secret')}@example.com")


@pytest.fixture(scope="module")
def anon(server: RunningServer) -> Iterator[httpx.Client]:
    """A client without the token."""
    with client_for(server, token=None) as http:
        yield http


@pytest.mark.parametrize("headers", AUTH_HEADERS)
@pytest.mark.parametrize("path", ["/Users", "/Groups", "/ServiceProviderConfig", "/Schemas"])
def test_unauthenticated_requests_get_401_without_data(
    anon: httpx.Client, secret_user: dict[str, Any], headers: dict[str, str], path: str
) -> None:
    response = anon.get(path, headers=headers)
    assert_error(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert secret_user["userName"] not in response.text
    assert secret_user["id"] not in response.text
    assert set(response.json()) <= {"schemas", "status", "detail", "scimType", CISCO_ERROR}


def test_auth_applies_to_webex_root_discovery(root: httpx.Client) -> None:
    assert_error(root.get("/Schemas/SCIM2/User", headers={"Authorization": "Bearer x"}), 401)


def test_bearer_scheme_is_case_insensitive(anon: httpx.Client) -> None:
    response = anon.get("/Users", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/identity/scim/00000000-0000-0000-0000-000000000000/v2/Users", 404),
        ("GET", "/identity/scim/{org}/v1/Users", 404),
        ("GET", "/identity/scim/{org}/v2/Nope", 404),
        ("GET", "/identity/scim/{org}/v2/Users/a/b", 404),
        ("GET", "/scim/v2/Users", 404),
        ("DELETE", "/identity/scim/{org}/v2/Users", 405),
        ("POST", "/identity/scim/{org}/v2/ServiceProviderConfig", 405),
        ("POST", "/identity/scim/{org}/v2/Users/some-id", 405),
        ("PUT", "/identity/scim/{org}/v2/Schemas", 405),
    ],
)
def test_unknown_routes_and_methods(root: httpx.Client, method: str, url: str, status: int) -> None:
    response = root.request(method, url.format(org=DEFAULT_ORG_ID), json={})
    assert_error(response, status)
    if status == 405:
        assert response.headers["allow"]


def test_trailing_slash_and_unknown_query_parameters_are_tolerated(client: httpx.Client) -> None:
    user = create_user(client)
    assert client.get("/Users/").status_code == 200
    assert client.get(f"/Users/{user['id']}/").json()["id"] == user["id"]
    response = client.get("/Users", params={"aadOptscim062020": "", "filter": "userName pr"})
    assert response.status_code == 200


def test_responses_are_scim_json_with_tracking_id(client: httpx.Client) -> None:
    response = client.get("/Users", headers={"TrackingID": "my-tracking-1"})
    assert response.headers["content-type"] == "application/scim+json; charset=utf-8"
    assert response.headers["trackingid"] == "my-tracking-1"
    assert client.get("/Users").headers["trackingid"]


@pytest.mark.parametrize("content_type", [SCIM_JSON, "application/json", None])
def test_request_media_types_accepted(client: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    body = httpx.Request("POST", "http://x", json=entra_user()).content
    response = client.post("/Users", content=body, headers=headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("content", "content_type", "status", "scim_type"),
    [
        (b"{not json", SCIM_JSON, 400, "invalidSyntax"),
        (b"[1, 2]", SCIM_JSON, 400, "invalidSyntax"),
        (b"\xff\xfe", SCIM_JSON, 400, "invalidSyntax"),
        (b"", SCIM_JSON, 400, "invalidSyntax"),
        (b"{}", "text/plain", 415, None),
    ],
)
def test_bad_request_bodies(
    client: httpx.Client, content: bytes, content_type: str, status: int, scim_type: str | None
) -> None:
    response = client.post("/Users", content=content, headers={"Content-Type": content_type})
    assert_error(response, status, scim_type)


def test_error_body_carries_cisco_extension(client: httpx.Client) -> None:
    response = client.get("/Users/does-not-exist")
    assert_error(response, 404)
    extension = response.json()[CISCO_ERROR]
    assert extension["trackingId"] == response.headers["trackingid"]
    assert extension["errorCode"].isdigit()
    assert extension["details"]
