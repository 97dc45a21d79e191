"""PATCH of users on the reference server, over real HTTP on 127.0.0.1, in both of Entra's
dialects: paths and their parser, value filters, path-less values, atomic errors, manager."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from scim_conformance.reference.filters import (
    parse_path,
)
from support.reference_http import (
    CISCO,
    ENT,
    MISSING,
    PATCH_OP,
    WORK_EMAIL,
    assert_error,
    create_user,
    dig,
    op,
    patch,
)


@pytest.mark.parametrize(
    ("path", "attr", "has_filter", "sub"),
    [
        ("displayName", "displayName", False, None),
        ("name.givenName", "name", False, None),
        ('emails[type eq "work"].value', "emails", True, "value"),
        ('members[value eq "id"]', "members", True, None),
        (f"{ENT}:manager", "manager", False, None),
        ('manager[value eq "id"]', "manager", True, None),
    ],
)
def test_patch_path_parser(path: str, attr: str, has_filter: bool, sub: str | None) -> None:
    parsed = parse_path(path)
    assert parsed.attr.name == attr
    assert (parsed.filter is not None) == has_filter
    assert parsed.sub == sub


# (operations, expected (path, value) pairs on the patched user). Every case is sent in Entra's
# legacy dialect (capitalised op, "True"/"False" strings) and in the RFC dialect; "{userName}"
# stands for the patched user's userName.


USER_PATCHES: list[Any] = [
    pytest.param(
        [("replace", "displayName", "New Name")], [(("displayName",), "New Name")], id="simple"
    ),
    pytest.param([("add", "nickName", "Babs")], [(("nickName",), "Babs")], id="add-absent"),
    pytest.param(
        [("replace", "name.givenName", "Gtfd"), ("replace", "name.familyName", "Pkqf")],
        [
            (("name", "givenName"), "Gtfd"),
            (("name", "familyName"), "Pkqf"),
            (("name", "formatted"), "Given Family"),
        ],
        id="sub-attributes",
    ),
    pytest.param(
        [("replace", 'emails[type eq "work"].value', "updated@example.com")],
        [(WORK_EMAIL, "updated@example.com"), (("emails", ("type", "work"), "primary"), True)],
        id="value-path",
    ),
    pytest.param(
        [("add", 'emails[type eq "other"].value', "other@example.com")],
        [(("emails", ("type", "other"), "value"), "other@example.com"), (WORK_EMAIL, "{userName}")],
        id="add-creates-element",
    ),
    pytest.param(
        [("replace", 'phoneNumbers[type eq "mobile"].value', "+1 425 555 0100")],
        [(("phoneNumbers", ("type", "mobile"), "value"), "+1 425 555 0100")],
        id="replace-creates-element",
    ),
    pytest.param(
        [
            ("add", 'addresses[type eq "work"].streetAddress', "1 Main St"),
            ("add", 'addresses[type eq "work"].locality', "Redmond"),
        ],
        [
            (("addresses", ("type", "work"), "streetAddress"), "1 Main St"),
            (("addresses", ("type", "work"), "locality"), "Redmond"),
        ],
        id="address",
    ),
    pytest.param(
        [("replace", f"{ENT}:department", "R&D"), ("replace", f"{ENT}:employeeNumber", "Eqpj")],
        [((ENT, "department"), "R&D"), ((ENT, "employeeNumber"), "Eqpj")],
        id="enterprise",
    ),
    pytest.param([("replace", "active", False)], [(("active",), False)], id="deactivate"),
    pytest.param(
        [("replace", "active", False), ("replace", "active", True)],
        [(("active",), True)],
        id="reactivate",
    ),
    pytest.param([("remove", "title", MISSING)], [(("title",), MISSING)], id="remove"),
    pytest.param([("remove", "nickName", MISSING)], [(("nickName",), MISSING)], id="remove-absent"),
    pytest.param(
        [("replace", "externalId", "Eqpj"), ("replace", "userName", "{userName}2")],
        [(("externalId",), "Eqpj"), (("userName",), "{userName}2")],
        id="identifiers",
    ),
    pytest.param(
        [("add", "emails", [{"type": "home", "value": "h@example.com"}])],
        [(("emails", ("type", "home"), "value"), "h@example.com"), (WORK_EMAIL, "{userName}")],
        id="append",
    ),
    pytest.param(
        [("replace", "emails", [{"type": "home", "value": "h@example.com"}])],
        [(("emails",), [{"type": "home", "value": "h@example.com"}])],
        id="replace-list",
    ),
    pytest.param(
        [("remove", 'emails[type eq "work"]', MISSING)], [(("emails",), [])], id="remove-element"
    ),
    pytest.param(
        [("remove", 'emails[value eq "{userName}"]', MISSING)],
        [(("emails",), [])],
        id="remove-by-value",
    ),
    pytest.param(
        [("replace", "TITLE", "Cased")],
        [(("title",), "Cased")],
        id="case-insensitive-path",
    ),
    pytest.param(
        [("replace", "name", {"givenName": "Zed"})],
        [(("name", "givenName"), "Zed"), (("name", "familyName"), "Family")],
        id="complex-merge",
    ),
    pytest.param(
        [("add", "roles", [{"value": "id_user_admin", "type": "cirole"}])],
        [(("roles",), [{"value": "id_user_admin", "type": "cirole"}])],
        id="roles",
    ),
    pytest.param(
        [("replace", "id", "x"), ("replace", "meta", {"version": "x"}), ("replace", "title", "T")],
        [(("title",), "T")],
        id="read-only-ignored",
    ),
    pytest.param(
        [("replace", f"{CISCO}:extensionAttribute1", ["a"])],
        [((CISCO, "extensionAttribute1"), ["a"])],
        id="cisco-extension",
    ),
    pytest.param(
        [("replace", "urn:example:custom:2.0:User:thing", "x"), ("replace", "title", "T2")],
        [(("title",), "T2")],
        id="unknown-urn-ignored",
    ),
]


def _fill(value: Any, user: dict[str, Any]) -> Any:
    """Substitute {userName} in strings."""
    return value.replace("{userName}", user["userName"]) if isinstance(value, str) else value


def _dialect_op(dialect: str, name: str, path: str, value: Any, user: dict[str, Any]) -> Any:
    if dialect == "legacy":
        name = name.capitalize()
        if isinstance(value, bool):
            value = str(value)  # Entra legacy sends "True"/"False".
    return op(name, _fill(path, user), _fill(value, user))


@pytest.mark.parametrize("dialect", ["legacy", "rfc"])
@pytest.mark.parametrize(("operations", "expected"), USER_PATCHES)
def test_user_patch(
    client: httpx.Client, dialect: str, operations: list[Any], expected: list[Any]
) -> None:
    user = create_user(client, title="Engineer")
    ops = [_dialect_op(dialect, n, p, v, user) for n, p, v in operations]
    response = patch(client, f"/Users/{user['id']}", *ops)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == client.get(f"/Users/{user['id']}").json()
    assert body["meta"]["version"] == 'W/"2"'
    assert body["meta"]["lastModified"] >= user["meta"]["lastModified"]
    assert body["meta"]["created"] == user["meta"]["created"]
    for path, value in expected:
        assert dig(body, *path) == _fill(value, user), path


def test_pathless_replace_with_dotted_and_urn_keys(client: httpx.Client) -> None:
    user = create_user(client)
    value = {
        "displayName": "Bjfe",
        "name.givenName": "Kkom",
        "name.familyName": "Unua",
        f"{ENT}:employeeNumber": "Aklq",
        ENT: {"department": "Ops"},
        "active": False,
    }
    body = patch(client, f"/Users/{user['id']}", op("replace", value=value)).json()
    assert body["displayName"] == "Bjfe"
    assert body["name"] == {"formatted": "Given Family", "familyName": "Unua", "givenName": "Kkom"}
    assert body[ENT] == {"employeeNumber": "Aklq", "department": "Ops"}
    assert body["active"] is False
    assert not [k for k in body if "." in k and not k.startswith("urn:")]
    assert ENT in body["schemas"]


def test_pathless_add_appends_and_merges(client: httpx.Client) -> None:
    user = create_user(client)
    extra = {"type": "home", "value": "h@example.com"}
    body = patch(
        client, f"/Users/{user['id']}", op("Add", value={"emails": [extra], "nickName": "N"})
    ).json()
    assert body["emails"][-1] == extra
    assert len(body["emails"]) == 2
    assert body["nickName"] == "N"


@pytest.mark.parametrize(
    ("message", "scim_type"),
    [
        pytest.param(
            {"Operations": [op("replace", "title", "x")]}, "invalidSyntax", id="no-schemas"
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": {"op": "replace"}},
            "invalidSyntax",
            id="operations-not-list",
        ),
        pytest.param({"schemas": [PATCH_OP]}, "invalidSyntax", id="no-operations"),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("frobnicate", "title", "x")]},
            "invalidSyntax",
            id="unknown-op",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": ["replace"]}, "invalidSyntax", id="op-not-object"
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("remove")]},
            "noTarget",
            id="remove-without-path",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", "emails[type eq", "x")]},
            "invalidPath",
            id="bad-path",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", value="x")]},
            "invalidValue",
            id="pathless-non-object",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("remove", "userName")]},
            "invalidValue",
            id="remove-required",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", "active", "maybe")]},
            "invalidValue",
            id="bad-active",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("add", "title")]},
            "invalidValue",
            id="add-without-value",
        ),
        pytest.param(
            {"schemas": [PATCH_OP], "Operations": [op("replace", "groups", [])]},
            "mutability",
            id="read-only",
        ),
        pytest.param(
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    op("replace", 'phoneNumbers[type eq "work" or type eq "fax"].value', "1")
                ],
            },
            "noTarget",
            id="unseedable-filter",
        ),
        pytest.param(
            {
                "schemas": [PATCH_OP],
                "Operations": [op("replace", 'emails[type eq "work"]', "plain")],
            },
            "invalidValue",
            id="filter-needs-object",
        ),
    ],
)
def test_user_patch_errors_are_atomic(
    client: httpx.Client, message: dict[str, Any], scim_type: str
) -> None:
    user = create_user(client, title="Before")
    message = {**message}
    if isinstance(message.get("Operations"), list):
        message["Operations"] = [op("replace", "title", "After"), *message["Operations"]]
    response = client.patch(f"/Users/{user['id']}", json=message)
    assert_error(response, 400, scim_type)
    assert client.get(f"/Users/{user['id']}").json() == user


def test_patch_unknown_user_is_404(client: httpx.Client) -> None:
    assert_error(patch(client, f"/Users/{uuid.uuid4()}", op("replace", "title", "x")), 404)


def test_patch_user_name_onto_another_is_409(client: httpx.Client) -> None:
    first, second = create_user(client), create_user(client)
    response = patch(
        client, f"/Users/{second['id']}", op("Replace", "userName", first["userName"].upper())
    )
    assert_error(response, 409, "uniqueness")


# Manager ----------------------------------------------------------------------------------

MANAGER_SHAPES = [
    pytest.param(
        lambda m: op("Add", "manager", [{"$ref": f"../Users/{m}", "value": m}]), id="legacy-list"
    ),
    pytest.param(lambda m: op("replace", f"{ENT}:manager", {"value": m}), id="urn-object"),
    pytest.param(lambda m: op("Replace", f"{ENT}:manager", m), id="urn-bare-string"),
    pytest.param(lambda m: op("add", value={ENT: {"manager": {"value": m}}}), id="pathless"),
]
MANAGER_REMOVALS = [
    pytest.param(lambda m: op("remove", f"{ENT}:manager"), id="urn-no-value"),
    pytest.param(lambda m: op("Remove", f'manager[value eq "{m}"]'), id="value-filter"),
]


@pytest.mark.parametrize("removal", MANAGER_REMOVALS)
@pytest.mark.parametrize("shape", MANAGER_SHAPES)
def test_manager_shapes(
    client: httpx.Client,
    shape: Callable[[str], dict[str, Any]],
    removal: Callable[[str], dict[str, Any]],
) -> None:
    boss, user = create_user(client), create_user(client)
    body = patch(client, f"/Users/{user['id']}", shape(boss["id"])).json()
    assert body[ENT]["manager"]["value"] == boss["id"]
    found = client.get("/Users", params={"filter": f'{ENT}:manager.value eq "{boss["id"]}"'})
    assert [u["id"] for u in found.json()["Resources"]] == [user["id"]]
    kept = patch(client, f"/Users/{user['id']}", removal("someone-else")).json()
    if "manager[" in removal("x").get("path", ""):
        assert kept[ENT]["manager"]["value"] == boss["id"]
    removed = patch(client, f"/Users/{user['id']}", removal(boss["id"])).json()
    assert "manager" not in removed.get(ENT, {})
