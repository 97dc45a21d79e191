"""Tests for checks/resource_paths.py: reading a resource by an Entra attribute path."""

from __future__ import annotations

from typing import Any

import pytest

from scim_conformance.checks.resource_paths import MISSING, get_key, manager_id, value_at

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
    "id": "2441309d85324e7793ae",
    "userName": "Test_User@testuser.com",
    "active": False,
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [
        {"value": "other@testuser.com", "type": "other"},
        {"value": "work@testuser.com", "type": "Work", "primary": True},
    ],
    "phoneNumbers": [{"value": "+1 555", "type": "mobile"}],
    "addresses": [{"type": "work", "streetAddress": "1 Main St", "postalCode": "12345"}],
    ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("userName", "Test_User@testuser.com"),
        ("active", False),
        ("name", {"givenName": "Barbara", "familyName": "Jensen"}),
        ("name.givenName", "Barbara"),
        ("name.familyName", "Jensen"),
        ('emails[type eq "work"].value', "work@testuser.com"),
        ('emails[type eq "other"].value', "other@testuser.com"),
        ('emails[type eq "WORK"].primary', True),
        ('phoneNumbers[type eq "mobile"].value', "+1 555"),
        ('addresses[type eq "work"].streetAddress', "1 Main St"),
        ('addresses[type eq "work"].postalCode', "12345"),
        (f"{ENTERPRISE}:employeeNumber", "701984"),
        (f"{ENTERPRISE}:department", "Tour Operations"),
    ],
)
def test_value_at_reads_the_paths_entra_writes(path: str, expected: Any) -> None:
    assert value_at(USER, path) == expected


def test_value_path_without_a_sub_attribute_returns_the_element() -> None:
    assert value_at(USER, 'emails[type eq "work"]') == USER["emails"][1]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("USERNAME", "Test_User@testuser.com"),
        ("Name.GivenName", "Barbara"),
        ('Emails[Type eq "work"].Value', "work@testuser.com"),
        ("urn:IETF:params:SCIM:schemas:extension:Enterprise:2.0:user:EmployeeNumber", "701984"),
    ],
)
def test_attribute_names_are_case_insensitive(path: str, expected: Any) -> None:
    assert value_at(USER, path) == expected


def test_value_path_value_match_is_case_insensitive_both_ways() -> None:
    resource = {"emails": [{"type": "WORK", "value": "a@b.test"}]}
    assert value_at(resource, 'emails[type eq "work"].value') == "a@b.test"


def test_enterprise_manager_is_read_through_a_dotted_urn_path() -> None:
    resource = {ENTERPRISE: {"manager": {"value": "m-1", "displayName": "Boss"}}}
    assert value_at(resource, f"{ENTERPRISE}:manager.value") == "m-1"
    assert value_at(resource, f"{ENTERPRISE}:manager") == {"value": "m-1", "displayName": "Boss"}


@pytest.mark.parametrize(
    "path",
    [
        "nickName",
        "name.middleName",
        "name.givenName.extra",
        "userName.first",
        'emails[type eq "home"].value',
        'phoneNumbers[type eq "fax"].value',
        'ims[type eq "work"].value',
        'name[type eq "work"].value',
        'emails[type eq "work"].display',
        f"{ENTERPRISE}:costCenter",
        "urn:ietf:params:scim:schemas:extension:other:2.0:User:department",
    ],
)
def test_missing_values_are_missing(path: str) -> None:
    assert value_at(USER, path) is MISSING


def test_value_path_skips_elements_that_are_not_objects() -> None:
    resource = {"emails": ["loose string", {"type": "work", "value": "a@b.test"}]}
    assert value_at(resource, 'emails[type eq "work"].value') == "a@b.test"


def test_value_path_ignores_non_string_match_keys() -> None:
    resource = {"emails": [{"type": 1, "value": "x"}]}
    assert value_at(resource, 'emails[type eq "1"].value') is MISSING


def test_null_values_are_returned_not_treated_as_missing() -> None:
    assert value_at({"nickName": None}, "nickName") is None


@pytest.mark.parametrize(
    ("obj", "name", "expected"),
    [
        ({"userName": "a"}, "userName", "a"),
        ({"userName": "a"}, "username", "a"),
        ({"USERNAME": "a"}, "userName", "a"),
        ({"userName": "exact", "username": "folded"}, "username", "folded"),
        ({}, "userName", MISSING),
        ("not a dict", "userName", MISSING),
        (["list"], "0", MISSING),
        (None, "x", MISSING),
    ],
)
def test_get_key(obj: Any, name: str, expected: Any) -> None:
    # MISSING is a bare object(), so == is identity for it.
    assert get_key(obj, name) == expected


@pytest.mark.parametrize(
    ("manager", "expected"),
    [
        ({"value": "m-1", "$ref": "https://h.test/Users/m-1"}, "m-1"),
        ({"Value": "m-1"}, "m-1"),
        ("m-1", "m-1"),
        ([{"value": "m-1", "$ref": "https://h.test/Users/m-1"}], "m-1"),
        ([{"value": "m-1"}, {"value": "m-2"}], "m-1"),
    ],
    ids=["object", "object with capital key", "bare string", "list", "list of two"],
)
def test_manager_id_reads_every_stored_shape(manager: Any, expected: str) -> None:
    assert manager_id({ENTERPRISE: {"manager": manager}}) == expected


def test_manager_id_with_a_differently_cased_urn_key() -> None:
    assert manager_id({ENTERPRISE.lower(): {"Manager": {"value": "m-1"}}}) == "m-1"


@pytest.mark.parametrize(
    "resource",
    [
        {},
        {ENTERPRISE: {}},
        {ENTERPRISE: {"employeeNumber": "1"}},
        {ENTERPRISE: {"manager": {"displayName": "no id"}}},
        {"manager": {"value": "m-1"}},
    ],
    ids=["no extension", "empty extension", "other attributes", "object without value", "core"],
)
def test_manager_id_is_missing_when_absent(resource: dict[str, Any]) -> None:
    assert manager_id(resource) is MISSING


def test_manager_id_of_a_null_manager_is_none() -> None:
    assert manager_id({ENTERPRISE: {"manager": None}}) is None
