"""Tests for scim_conformance.entra: Entra's request shapes, both dialects.

The expected bodies below are the JSON of the fact sheet (§3, §5, §6, §8) written out by hand,
so a builder that drifts from what Entra sends fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scim_conformance.entra import (
    ADSCIM_GROUP,
    ENTERPRISE,
    FLAG,
    GROUP_SCHEMA,
    LEGACY,
    MANAGER_REMOVALS,
    MANAGER_SHAPES,
    PATCH_SCHEMA,
    USER_SCHEMA,
    EntraPatch,
    UserSpec,
    create_group_body,
    create_user_body,
    filter_eq,
    group_query,
    is_value_path,
    patch_body,
    quote_filter_value,
    remove_manager,
    set_manager,
    user_query,
)

EMPLOYEE_NUMBER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
WORK_EMAIL = 'emails[type eq "work"].value'
legacy = EntraPatch("legacy")
flag = EntraPatch("aadOptscim062020")


def test_schema_uris_are_the_ones_entra_sends() -> None:
    assert USER_SCHEMA == "urn:ietf:params:scim:schemas:core:2.0:User"
    assert GROUP_SCHEMA == "urn:ietf:params:scim:schemas:core:2.0:Group"
    assert ENTERPRISE == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert PATCH_SCHEMA == "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    assert (
        ADSCIM_GROUP == "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
    )
    assert (LEGACY, FLAG) == ("legacy", "aadOptscim062020")


@pytest.mark.parametrize(
    ("attribute", "value", "expected"),
    [
        ("userName", "alice@example.com", 'userName eq "alice@example.com"'),
        ("displayName", 'say "hi"', 'displayName eq "say \\"hi\\""'),
        ("externalId", "dom\\user", 'externalId eq "dom\\\\user"'),
        ("displayName", 'a\\"b', 'displayName eq "a\\\\\\"b"'),
        ("displayName", "Zoë Ünal", 'displayName eq "Zoë Ünal"'),
        ("displayName", "line\nbreak", 'displayName eq "line\\nbreak"'),
        ("userName", "", 'userName eq ""'),
    ],
    ids=["plain", "quotes", "backslash", "backslash then quote", "non-ascii", "newline", "empty"],
)
def test_filter_eq_quotes_the_value_as_a_json_string(
    attribute: str, value: str, expected: str
) -> None:
    assert filter_eq(attribute, value) == expected
    literal = expected.split(" eq ", 1)[1]
    assert json.loads(literal) == value


def test_quote_filter_value_is_a_json_string_literal() -> None:
    assert quote_filter_value('x"y') == '"x\\"y"'


def test_user_query_is_a_single_filter_parameter() -> None:
    assert user_query("externalId", "johnwong") == {"filter": 'externalId eq "johnwong"'}


def test_group_query_puts_excluded_attributes_before_filter() -> None:
    query = group_query("Sales Team")
    assert query == {"excludedAttributes": "members", "filter": 'displayName eq "Sales Team"'}
    assert list(query) == ["excludedAttributes", "filter"]


def make_user(work_email: str | None = "Test_User@testuser.com") -> UserSpec:
    return UserSpec(
        user_name="Test_User_00aa00aa@testuser.com",
        external_id="0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        given_name="Given",
        family_name="Family",
        display_name="Given Family",
        work_email=work_email,
    )


def test_create_user_body_is_entras_post() -> None:
    assert create_user_body(make_user()) == {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_00aa00aa@testuser.com",
        "active": True,
        "displayName": "Given Family",
        "emails": [{"primary": True, "type": "work", "value": "Test_User@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": [],
    }


def test_create_user_body_sends_active_as_a_json_boolean() -> None:
    assert create_user_body(make_user())["active"] is True


def test_create_user_body_without_a_mailbox_has_no_emails() -> None:
    body = create_user_body(make_user(work_email=None))
    assert "emails" not in body
    assert body["roles"] == []
    assert body["meta"] == {"resourceType": "User"}


def test_create_user_body_is_json_serialisable() -> None:
    body = create_user_body(make_user())
    assert json.loads(json.dumps(body)) == body


def test_create_group_body_carries_the_adscim_schema_and_no_members() -> None:
    assert create_group_body("Sales", "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159") == {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
        ],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "Sales",
        "meta": {"resourceType": "Group"},
    }


def test_patch_body_wraps_operations_in_a_patch_op_message() -> None:
    ops = ({"op": "Add", "path": "nickName", "value": "Babs"} for _ in range(1))
    assert patch_body(ops) == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "nickName", "value": "Babs"}],
    }


@pytest.mark.parametrize(
    ("dialect", "name", "expected"),
    [
        (LEGACY, "add", "Add"),
        (LEGACY, "replace", "Replace"),
        (LEGACY, "remove", "Remove"),
        (FLAG, "add", "add"),
        (FLAG, "replace", "replace"),
        (FLAG, "remove", "remove"),
    ],
)
def test_op_spelling_per_dialect(dialect: Any, name: Any, expected: str) -> None:
    assert EntraPatch(dialect).op(name) == expected


@pytest.mark.parametrize(
    ("dialect", "value", "expected"),
    [(LEGACY, True, "True"), (LEGACY, False, "False"), (FLAG, True, True), (FLAG, False, False)],
)
def test_boolean_is_a_string_in_legacy_and_a_json_boolean_with_the_flag(
    dialect: Any, value: bool, expected: Any
) -> None:
    result = EntraPatch(dialect).boolean(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (WORK_EMAIL, True),
        ('members[value eq "x"]', True),
        ("name.givenName", False),
        (EMPLOYEE_NUMBER, False),
        ("active", False),
    ],
)
def test_is_value_path(path: str, expected: bool) -> None:
    assert is_value_path(path) is expected


# §5c: the same six changes, as each dialect sends them.
MANY_CHANGES = {
    "displayName": "Pvlo",
    WORK_EMAIL: "TestBcwqnm@test.microsoft.com",
    "name.givenName": "Gtfd",
    "name.familyName": "Pkqf",
    "externalId": "Eqpj",
    EMPLOYEE_NUMBER: "Eqpj",
}


def test_legacy_update_sends_one_replace_per_attribute() -> None:
    expected = json.loads(
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[
  {"op":"Replace","path":"displayName","value":"Pvlo"},
  {"op":"Replace","path":"emails[type eq \\"work\\"].value",
   "value":"TestBcwqnm@test.microsoft.com"},
  {"op":"Replace","path":"name.givenName","value":"Gtfd"},
  {"op":"Replace","path":"name.familyName","value":"Pkqf"},
  {"op":"Replace","path":"externalId","value":"Eqpj"},
  {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"Eqpj"}]}"""
    )
    assert patch_body(legacy.update(MANY_CHANGES)) == expected


def test_flag_update_folds_simple_attributes_into_one_path_less_replace() -> None:
    expected = json.loads(
        """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
 "Operations":[
  {"op":"replace","path":"emails[type eq \\"work\\"].value",
   "value":"TestBcwqnm@test.microsoft.com"},
  {"op":"replace","value":{
      "displayName":"Pvlo",
      "name.givenName":"Gtfd",
      "name.familyName":"Pkqf",
      "externalId":"Eqpj",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Eqpj"}}]}"""
    )
    body = patch_body(flag.update(MANY_CHANGES))
    assert body == expected
    assert "path" not in body["Operations"][1]


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (legacy, [{"op": "Replace", "path": "userName", "value": "new@testuser.com"}]),
        (flag, [{"op": "replace", "value": {"userName": "new@testuser.com"}}]),
    ],
    ids=["legacy", "flag"],
)
def test_update_of_one_simple_attribute(patch: EntraPatch, expected: list[Any]) -> None:
    assert patch.update({"userName": "new@testuser.com"}) == expected


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (
            legacy,
            [
                {"op": "Replace", "path": WORK_EMAIL, "value": "updatedEmail@microsoft.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            ],
        ),
        (
            flag,
            [
                {"op": "replace", "path": WORK_EMAIL, "value": "updatedEmail@microsoft.com"},
                {"op": "replace", "value": {"name.familyName": "updatedFamilyName"}},
            ],
        ),
    ],
    ids=["legacy", "flag"],
)
def test_update_with_a_value_path_keeps_the_filter_path(
    patch: EntraPatch, expected: list[Any]
) -> None:
    changes = {WORK_EMAIL: "updatedEmail@microsoft.com", "name.familyName": "updatedFamilyName"}
    assert patch.update(changes) == expected


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (legacy, [{"op": "Replace", "path": WORK_EMAIL, "value": "a@b.test"}]),
        (flag, [{"op": "replace", "path": WORK_EMAIL, "value": "a@b.test"}]),
    ],
    ids=["legacy", "flag"],
)
def test_update_with_only_value_paths_has_no_path_less_replace(
    patch: EntraPatch, expected: list[Any]
) -> None:
    assert patch.update({WORK_EMAIL: "a@b.test"}) == expected


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (
            legacy,
            [
                {"op": "Add", "path": "nickName", "value": "Babs"},
                {"op": "Add", "path": WORK_EMAIL, "value": "babs@testuser.com"},
                {"op": "Replace", "path": "title", "value": "CEO"},
            ],
        ),
        (
            flag,
            [
                {"op": "add", "path": "nickName", "value": "Babs"},
                {"op": "add", "path": WORK_EMAIL, "value": "babs@testuser.com"},
                {"op": "replace", "value": {"title": "CEO"}},
            ],
        ),
    ],
    ids=["legacy", "flag"],
)
def test_update_sends_add_with_a_path_for_previously_empty_attributes(
    patch: EntraPatch, expected: list[Any]
) -> None:
    changes = {"nickName": "Babs", WORK_EMAIL: "babs@testuser.com", "title": "CEO"}
    assert patch.update(changes, added=["nickName", WORK_EMAIL]) == expected


@pytest.mark.parametrize("patch", [legacy, flag], ids=["legacy", "flag"])
def test_update_without_changes_sends_no_operations(patch: EntraPatch) -> None:
    assert patch.update({}) == []


@pytest.mark.parametrize(
    ("patch", "active", "expected_json"),
    [
        (
            legacy,
            False,
            '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
            '"Operations":[{"op":"Replace","path":"active","value":"False"}]}',
        ),
        (
            legacy,
            True,
            '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
            '"Operations":[{"op":"Replace","path":"active","value":"True"}]}',
        ),
        (
            flag,
            False,
            '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
            '"Operations":[{"op":"replace","path":"active","value":false}]}',
        ),
        (
            flag,
            True,
            '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
            '"Operations":[{"op":"replace","path":"active","value":true}]}',
        ),
    ],
    ids=["legacy disable", "legacy enable", "flag disable", "flag enable"],
)
def test_set_active_matches_the_documented_body(
    patch: EntraPatch, active: bool, expected_json: str
) -> None:
    body = patch_body(patch.set_active(active))
    assert json.dumps(body, separators=(",", ":")) == expected_json


@pytest.mark.parametrize(("patch", "op"), [(legacy, "Add"), (flag, "add")], ids=["legacy", "flag"])
def test_add_members_sends_null_refs(patch: EntraPatch, op: str) -> None:
    assert patch.add_members(["f648f8d5ea4e4cd38e9c", "0c2b6d1e"]) == [
        {
            "op": op,
            "path": "members",
            "value": [
                {"$ref": None, "value": "f648f8d5ea4e4cd38e9c"},
                {"$ref": None, "value": "0c2b6d1e"},
            ],
        }
    ]


def test_add_members_serialises_ref_as_json_null() -> None:
    body = patch_body(legacy.add_members(["f648f8d5ea4e4cd38e9c"]))
    assert json.dumps(body, separators=(",", ":")) == (
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        '"Operations":[{"op":"Add","path":"members",'
        '"value":[{"$ref":null,"value":"f648f8d5ea4e4cd38e9c"}]}]}'
    )


def test_legacy_remove_members_puts_the_ids_in_a_value_list() -> None:
    assert legacy.remove_members(["f648f8d5ea4e4cd38e9c", "0c2b6d1e"]) == [
        {
            "op": "Remove",
            "path": "members",
            "value": [
                {"$ref": None, "value": "f648f8d5ea4e4cd38e9c"},
                {"$ref": None, "value": "0c2b6d1e"},
            ],
        }
    ]


def test_flag_remove_members_uses_one_filter_path_per_member() -> None:
    assert flag.remove_members(["7f4bc1a3-285e-48ae-8202-5accb43efb0e", "0c2b6d1e"]) == [
        {"op": "remove", "path": 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]'},
        {"op": "remove", "path": 'members[value eq "0c2b6d1e"]'},
    ]


def test_flag_remove_members_matches_the_documented_body() -> None:
    body = patch_body(flag.remove_members(["7f4bc1a3-285e-48ae-8202-5accb43efb0e"]))
    assert body == json.loads(
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
        '"Operations":[{"op":"remove",'
        '"path":"members[value eq \\"7f4bc1a3-285e-48ae-8202-5accb43efb0e\\"]"}]}'
    )


def test_flag_remove_members_escapes_quotes_in_ids() -> None:
    assert flag.remove_members(['odd"id']) == [
        {"op": "remove", "path": 'members[value eq "odd\\"id"]'}
    ]


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (legacy, [{"op": "Replace", "path": "displayName", "value": "Renamed"}]),
        (flag, [{"op": "replace", "value": {"displayName": "Renamed"}}]),
    ],
    ids=["legacy", "flag"],
)
def test_rename_group(patch: EntraPatch, expected: list[Any]) -> None:
    assert patch.rename_group({"displayName": "Renamed"}) == expected


def test_manager_shape_names() -> None:
    assert MANAGER_SHAPES == ("list-with-ref", "urn-object", "urn-string")
    assert MANAGER_REMOVALS == ("urn-path", "value-filter")


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (
            "list-with-ref",
            [
                {
                    "op": "Add",
                    "path": "manager",
                    "value": [{"$ref": "https://h.test/scim/Users/m-1", "value": "m-1"}],
                }
            ],
        ),
        (
            "urn-object",
            [
                {
                    "op": "add",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                    "value": {"value": "m-1"},
                }
            ],
        ),
        (
            "urn-string",
            [
                {
                    "op": "Add",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                    "value": "m-1",
                }
            ],
        ),
    ],
)
def test_set_manager_shapes(shape: Any, expected: list[Any]) -> None:
    assert set_manager(shape, "m-1", "https://h.test/scim/Users/m-1") == expected


MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"


def test_legacy_sets_the_manager_as_a_bare_string_with_capital_add() -> None:
    assert legacy.set_manager_string("m-1") == [{"op": "Add", "path": MANAGER, "value": "m-1"}]


def test_flag_sets_the_manager_as_a_bare_string_with_lower_case_add() -> None:
    assert flag.set_manager_string("m-1") == [{"op": "add", "path": MANAGER, "value": "m-1"}]


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (
            "urn-path",
            [
                {
                    "op": "remove",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                }
            ],
        ),
        ("value-filter", [{"op": "remove", "path": 'manager[value eq "m-1"]'}]),
    ],
)
def test_remove_manager_shapes(shape: Any, expected: list[Any]) -> None:
    assert remove_manager(shape, "m-1") == expected
