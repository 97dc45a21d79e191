"""Groups on the reference server, over real HTTP on 127.0.0.1: conflicts, member filters,
membership PATCH in both dialects, nesting, members in reads, and PUT."""

from __future__ import annotations

import uuid

import httpx

from support.reference_http import (
    GROUP,
    assert_error,
    create_group,
    create_user,
    member_ids,
    op,
    patch,
    uniq,
)


def test_duplicate_group_name_is_409_ignoring_case(client: httpx.Client) -> None:
    group = create_group(client)
    body = {"schemas": [GROUP], "displayName": group["displayName"].upper()}
    assert_error(client.post("/Groups", json=body), 409, "uniqueness")


def test_group_filters_and_members_filter(client: httpx.Client) -> None:
    user = create_user(client)
    group = create_group(client, members=(user["id"],))
    for expression in (
        f'displayName eq "{group["displayName"].upper()}"',
        f'members.value eq "{user["id"]}"',
        f'members eq "{user["id"]}"',
        f'members[value eq "{user["id"]}"]',
    ):
        body = client.get("/Groups", params={"filter": expression}).json()
        assert [g["id"] for g in body["Resources"]] == [group["id"]], expression
    empty = client.get(
        "/Groups", params={"excludedAttributes": "members", "filter": 'displayName eq "none"'}
    )
    assert empty.status_code == 200
    assert empty.json()["totalResults"] == 0
    assert empty.json()["Resources"] == []


def test_group_member_lifecycle(client: httpx.Client) -> None:
    u1, u2, u3 = (create_user(client, displayName=f"D{i}") for i in range(3))
    group = create_group(client)
    assert group["members"] == []
    url = f"/Groups/{group['id']}"
    added = patch(
        client, url, op("Add", "members", [{"$ref": None, "value": u1["id"]}, {"value": u2["id"]}])
    ).json()
    assert added["members"] == [
        {"value": u1["id"], "type": "User", "display": "D0"},
        {"value": u2["id"], "type": "User", "display": "D1"},
    ]
    again = patch(client, url, op("add", "members", [{"value": u1["id"]}])).json()
    assert member_ids(again) == [u1["id"], u2["id"]]
    legacy = patch(client, url, op("Remove", "members", [{"$ref": None, "value": u1["id"]}]))
    assert member_ids(legacy.json()) == [u2["id"]]
    patch(client, url, op("add", "members", [{"value": u1["id"]}, {"value": u3["id"]}]))
    by_filter = patch(client, url, op("remove", f'members[value eq "{u2["id"]}"]')).json()
    assert member_ids(by_filter) == [u1["id"], u3["id"]]
    missing = patch(client, url, op("remove", f'members[value eq "{uuid.uuid4()}"]'))
    assert member_ids(missing.json()) == [u1["id"], u3["id"]]
    renamed = patch(client, url, op("replace", value={"displayName": uniq("renamed")})).json()
    assert member_ids(renamed) == [u1["id"], u3["id"]]
    legacy_rename = patch(client, url, op("Replace", "displayName", uniq("again"))).json()
    assert member_ids(legacy_rename) == [u1["id"], u3["id"]]
    replaced = patch(client, url, op("replace", "members", [{"value": u2["id"]}])).json()
    assert member_ids(replaced) == [u2["id"]]
    cleared = patch(client, url, op("remove", "members")).json()
    assert cleared["members"] == []


def test_group_members_validation_and_nesting(client: httpx.Client) -> None:
    inner = create_group(client)
    outer = create_group(client, members=(inner["id"],))
    assert outer["members"][0]["type"] == "Group"
    assert outer["members"][0]["display"] == inner["displayName"]
    url = f"/Groups/{outer['id']}"
    bad = patch(client, url, op("add", "members", [{"value": str(uuid.uuid4())}]))
    assert_error(bad, 400, "invalidValue")
    bad_create = {"schemas": [GROUP], "displayName": uniq("g"), "members": [{"value": "nope"}]}
    assert_error(client.post("/Groups", json=bad_create), 400, "invalidValue")
    immutable = patch(client, url, op("replace", f'members[value eq "{inner["id"]}"].value', "x"))
    assert_error(immutable, 400, "mutability")
    assert_error(client.post("/Groups", json={"schemas": [GROUP]}), 400, "invalidValue")


def test_deleting_a_user_removes_it_from_groups(client: httpx.Client) -> None:
    u1, u2 = create_user(client), create_user(client)
    group = create_group(client, members=(u1["id"], u2["id"]))
    assert client.delete(f"/Users/{u1['id']}").status_code == 204
    assert member_ids(client.get(f"/Groups/{group['id']}").json()) == [u2["id"]]


def test_group_members_in_get_and_list(client: httpx.Client) -> None:
    user = create_user(client)
    group = create_group(client, members=(user["id"],), name=uniq("Listed"))
    url, flt = f"/Groups/{group['id']}", f'displayName eq "{group["displayName"]}"'
    assert member_ids(client.get(url).json()) == [user["id"]]
    assert "members" not in client.get(url, params={"excludedAttributes": "members"}).json()
    cases: list[tuple[dict[str, str], bool]] = [
        ({}, False),
        ({"excludedAttributes": "members"}, False),
        ({"includeMembers": "true"}, True),
        ({"attributes": "members"}, True),
        ({"attributes": "displayName,members.value"}, True),
    ]
    for params, included in cases:
        listed = client.get("/Groups", params={**params, "filter": flt}).json()["Resources"][0]
        assert ("members" in listed) is included, params


def test_put_replaces_group_and_its_members(client: httpx.Client) -> None:
    u1, u2 = create_user(client), create_user(client)
    group = create_group(client, members=(u1["id"],))
    body = {
        "schemas": [GROUP],
        "displayName": group["displayName"],
        "members": [{"value": u2["id"]}],
    }
    out = client.put(f"/Groups/{group['id']}", json=body).json()
    assert out["id"] == group["id"]
    assert member_ids(out) == [u2["id"]]
    assert "externalId" not in out
    assert out["meta"]["created"] == group["meta"]["created"]
