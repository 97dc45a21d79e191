"""Discovery on the reference server, over real HTTP on 127.0.0.1: ServiceProviderConfig,
ResourceTypes, Schemas, and Webex's /Schemas/SCIM2 forms at the host root."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from support.reference_http import (
    CISCO,
    CISCO_GROUP,
    CORE,
    ENT,
    GROUP,
    LIST,
    assert_error,
)

ATTRIBUTE_KEYS = {
    "name",
    "type",
    "multiValued",
    "required",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
}


def test_service_provider_config(client: httpx.Client) -> None:
    spc = client.get("/ServiceProviderConfig").json()
    assert spc["patch"]["supported"] is True
    assert spc["filter"] == {"supported": True, "maxResults": 1000}
    for feature in ("bulk", "sort", "etag", "changePassword"):
        assert spc[feature]["supported"] is False
    assert spc["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types(client: httpx.Client) -> None:
    listed = client.get("/ResourceTypes").json()
    assert listed["schemas"] == [LIST]
    assert {r["id"] for r in listed["Resources"]} == {"User", "Group"}
    user = client.get("/ResourceTypes/User").json()
    assert user["endpoint"] == "/Users"
    assert user["schema"] == CORE
    assert [e["schema"] for e in user["schemaExtensions"]] == [ENT, CISCO]
    group = client.get("/ResourceTypes/Group").json()
    assert [e["schema"] for e in group["schemaExtensions"]] == [CISCO_GROUP]
    assert_error(client.get("/ResourceTypes/Printer"), 404)


def _walk(attributes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for attribute in attributes:
        yield attribute
        yield from _walk(attribute.get("subAttributes", []))


def test_schemas(client: httpx.Client) -> None:
    listed = client.get("/Schemas").json()
    assert listed["schemas"] == [LIST]
    ids = [s["id"] for s in listed["Resources"]]
    assert set(ids) == {CORE, GROUP, ENT, CISCO, CISCO_GROUP}
    for schema in listed["Resources"]:
        for attribute in _walk(schema["attributes"]):
            assert set(attribute) >= ATTRIBUTE_KEYS, attribute
            assert ("subAttributes" in attribute) == (attribute["type"] == "complex")
    user = client.get(f"/Schemas/{CORE}").json()
    by_name = {a["name"]: a for a in user["attributes"]}
    assert by_name["userName"]["required"] is True
    assert by_name["userName"]["uniqueness"] == "server"
    assert by_name["emails"]["multiValued"] is True
    assert by_name["password"]["returned"] == "never"
    assert by_name["groups"]["mutability"] == "readOnly"
    enterprise = client.get(f"/Schemas/{ENT}").json()
    assert "manager" in {a["name"] for a in enterprise["attributes"]}
    assert_error(client.get("/Schemas/urn:nope"), 404)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/Schemas/SCIM2/User", {CORE, ENT, CISCO}),
        ("/Schemas/SCIM2/Group", {GROUP, CISCO_GROUP}),
        (f"/Schemas/SCIM2/{ENT}", {ENT}),
    ],
)
def test_webex_root_schema_discovery(root: httpx.Client, path: str, expected: set[str]) -> None:
    body = root.get(path).json()
    found = {s["id"] for s in body["Resources"]} if "Resources" in body else {body["id"]}
    assert found == expected
