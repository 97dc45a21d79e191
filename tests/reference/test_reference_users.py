"""Users on the reference server, over real HTTP on 127.0.0.1: create, read, conflicts,
replace (PUT) and delete."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from support.reference_http import (
    CISCO,
    CORE,
    ENT,
    GROUP,
    assert_error,
    create_group,
    create_user,
    entra_user,
    uniq,
)


def test_create_entra_user(client: httpx.Client) -> None:
    body = entra_user(phoneNumbers=[{"type": "work", "value": "+1 (425) 555-0100"}])
    body["customThing"] = {"Keep": " as sent "}
    body["nickName"] = None
    response = client.post("/Users", json=body)
    assert response.status_code == 201
    user = response.json()
    assert response.headers["location"] == user["meta"]["location"]
    assert user["meta"]["location"].endswith(f"/v2/Users/{user['id']}")
    assert user["meta"]["location"].startswith("http://127.0.0.1:")
    assert user["meta"]["resourceType"] == "User"
    assert user["meta"]["version"] == 'W/"1"'
    assert user["meta"]["created"] == user["meta"]["lastModified"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", user["meta"]["created"])
    uuid.UUID(user["id"])
    assert user["userName"] == body["userName"]
    assert user["phoneNumbers"] == [{"type": "work", "value": "+1 (425) 555-0100"}]
    assert user["customThing"] == {"Keep": " as sent "}
    assert user["roles"] == []
    assert "nickName" not in user
    assert user["active"] is True
    assert user["userType"] == "user"
    assert client.get(f"/Users/{user['id']}").json() == user


@pytest.mark.parametrize(("sent", "stored"), [("True", True), ("false", False), (False, False)])
def test_create_accepts_string_booleans_for_active(
    client: httpx.Client, sent: Any, stored: bool
) -> None:
    assert create_user(client, active=sent)["active"] is stored


def test_create_ignores_read_only_and_unknown_sections(client: httpx.Client) -> None:
    body = entra_user(id="client-id", groups=[{"value": "g"}])
    body["schemas"] = [CORE, "urn:example:unknown:2.0:User", CISCO]
    body["urn:example:unknown:2.0:User"] = {"thing": 1}
    body[CISCO] = {"extensionAttribute1": ["cost-centre-7"], "teamsClusterId": "ro"}
    user = client.post("/Users", json=body).json()
    assert user["id"] != "client-id"
    assert "groups" not in user
    assert "urn:example:unknown:2.0:User" not in user
    assert user[CISCO] == {"extensionAttribute1": ["cost-centre-7"]}
    assert user["schemas"] == [CORE, CISCO]


def test_attribute_names_are_case_insensitive_but_keep_their_spelling(
    client: httpx.Client,
) -> None:
    name = f"{uniq()}@example.com"
    user = client.post("/Users", json={"schemas": [CORE], "UserName": name}).json()
    assert user["UserName"] == name
    found = client.get("/Users", params={"filter": f'userName eq "{name}"'}).json()
    assert found["totalResults"] == 1
    response = client.post("/Users", json={"schemas": [CORE], "userName": name.upper()})
    assert_error(response, 409, "uniqueness")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"userName": "x@example.com"}, id="no-schemas"),
        pytest.param({"schemas": [GROUP], "userName": "x@example.com"}, id="wrong-schema"),
        pytest.param({"schemas": [CORE]}, id="no-userName"),
        pytest.param({"schemas": [CORE], "userName": ""}, id="empty-userName"),
        pytest.param({"schemas": [CORE], "userName": "a@b.c", "active": "maybe"}, id="bad-active"),
        pytest.param({"schemas": [CORE], "userName": "a@b.c", ENT: {"manager": 5}}, id="manager"),
    ],
)
def test_create_user_rejects_invalid_bodies(client: httpx.Client, body: dict[str, Any]) -> None:
    assert_error(client.post("/Users", json=body), 400, "invalidValue")


def test_duplicate_user_name_is_409_ignoring_case(client: httpx.Client) -> None:
    user = create_user(client)
    response = client.post("/Users", json=entra_user(user_name=user["userName"].upper()))
    assert_error(response, 409, "uniqueness")


def test_concurrent_creates_of_one_user_name_yield_one_user(client: httpx.Client) -> None:
    body = entra_user()
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(
            pool.map(lambda _: client.post("/Users", json=body).status_code, range(8))
        )
    assert statuses == [201] + [409] * 7


def test_get_unknown_user_is_scim_404(client: httpx.Client) -> None:
    assert_error(client.get(f"/Users/{uuid.uuid4()}"), 404)
    assert_error(client.get(f"/Groups/{uuid.uuid4()}"), 404)


def test_get_returns_inactive_users(client: httpx.Client) -> None:
    user = create_user(client, active=False)
    assert client.get(f"/Users/{user['id']}").json()["active"] is False


def test_password_is_never_returned(client: httpx.Client) -> None:
    user = create_user(client, password="hunter2!")
    assert "password" not in user
    assert "password" not in client.get(f"/Users/{user['id']}").json()
    assert "password" not in client.get(f"/Users/{user['id']}?attributes=password").json()


def test_put_replaces_user(client: httpx.Client) -> None:
    user = create_user(client, title="Old", nickName="Nick")
    body = {"schemas": [CORE], "userName": user["userName"], "title": "New", "id": "ignored"}
    replaced = client.put(f"/Users/{user['id']}", json=body)
    assert replaced.status_code == 200
    out = replaced.json()
    assert out["id"] == user["id"]
    assert out["title"] == "New"
    assert "nickName" not in out
    assert out["meta"]["created"] == user["meta"]["created"]
    assert out["meta"]["version"] == 'W/"2"'
    assert client.get(f"/Users/{user['id']}").json() == out


def test_put_errors(client: httpx.Client) -> None:
    first, second = create_user(client), create_user(client)
    body = {"schemas": [CORE], "userName": first["userName"]}
    assert_error(client.put(f"/Users/{second['id']}", json=body), 409, "uniqueness")
    assert_error(client.put(f"/Users/{uuid.uuid4()}", json=body), 404)
    group = create_group(client)
    assert_error(client.put(f"/Groups/{group['id']}", json={"schemas": [GROUP]}), 400)


def test_delete_then_404(client: httpx.Client) -> None:
    user = create_user(client)
    response = client.delete(f"/Users/{user['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(client.get(f"/Users/{user['id']}"), 404)
    assert_error(client.delete(f"/Users/{user['id']}"), 404)
    group = create_group(client)
    assert client.delete(f"/Groups/{group['id']}").status_code == 204
    assert_error(client.delete(f"/Groups/{group['id']}"), 404)
