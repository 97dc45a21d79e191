"""Listing users on the reference server, over real HTTP on 127.0.0.1: filters (and their
parser), paging and attribute projection, on a server seeded with three known users."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scim_conformance.reference import ReferenceApp, serve
from scim_conformance.reference.filters import (
    Compare,
    FilterError,
    Logical,
    Not,
    ValuePath,
    parse_filter,
)
from support.reference_http import (
    CORE,
    ENT,
    LIST,
    TOKEN,
    assert_error,
    client_for,
)


@pytest.fixture(scope="module")
def people() -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A server holding exactly three users (seeded directly) for filter and paging tables."""
    app = ReferenceApp(TOKEN)
    grace = app.seed_user(
        {"userName": "grace@example.com", "displayName": "Grace Hopper", "externalId": "jyoung"}
    )
    ada = app.seed_user(
        {
            "userName": "ada@example.com",
            "displayName": "Ada Lovelace",
            "title": 'Count "ess"',
            "externalId": "ExtAda",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [
                {"type": "work", "value": "ada@example.com", "primary": True},
                {"type": "home", "value": "ada@home.org"},
            ],
            ENT: {"employeeNumber": "701", "department": "R&D", "manager": {"value": grace["id"]}},
        }
    )
    bob = app.seed_user(
        {
            "userName": "bob@example.com",
            "displayName": "Bob Back\\slash",
            "nickName": "Renée",
            "externalId": "extbob",
            "active": False,
            "name": {"givenName": "Bob"},
            "emails": [{"type": "work", "value": "bob@corp.net"}],
            ENT: {"employeeNumber": "702"},
        }
    )
    ids = {"ada": ada["id"], "bob": bob["id"], "grace": grace["id"]}
    with serve(app) as running, client_for(running) as http:
        yield http, ids


def names(response: httpx.Response) -> set[str]:
    """The local parts of the userNames in a ListResponse."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schemas"] == [LIST]
    assert body["totalResults"] == len(body["Resources"])
    return {r["userName"].split("@")[0] for r in body["Resources"]}


FILTER_CASES = [
    ('userName eq "ada@example.com"', {"ada"}),
    ('USERNAME EQ "ADA@EXAMPLE.COM"', {"ada"}),
    ('userName Eq "ada@example.com" or userName Eq "bob@example.com"', {"ada", "bob"}),
    ('userName ne "ada@example.com"', {"bob", "grace"}),
    ('displayName co "LOVE"', {"ada"}),
    ('userName sw "gr"', {"grace"}),
    ('userName ew "@example.com"', {"ada", "bob", "grace"}),
    ("nickName pr", {"bob"}),
    ("emails pr", {"ada", "bob"}),
    ("not (emails pr)", {"grace"}),
    ("phoneNumbers pr", set()),
    ("active eq true", {"ada", "grace"}),
    ("active eq false", {"bob"}),
    ('title eq "Count \\"ess\\""', {"ada"}),
    ('displayName eq "Bob Back\\\\slash"', {"bob"}),
    ('nickName eq "Ren\\u00e9e"', {"bob"}),
    ('emails[type eq "work" and value co "@corp"]', {"bob"}),
    ('emails[type eq "home"]', {"ada"}),
    ('emails[type eq "work"]', {"ada", "bob"}),
    ('emails.value ew ".org"', {"ada"}),
    ('emails[type eq "work"].value eq "bob@corp.net"', {"bob"}),
    ('name.givenName eq "ada"', {"ada"}),
    (f'{ENT}:employeeNumber eq "702"', {"bob"}),
    (f'{ENT}:manager.value eq "{{grace}}"', {"ada"}),
    ('employeeNumber gt "701"', {"bob"}),
    ('employeeNumber ge "701"', {"ada", "bob"}),
    ('employeeNumber lt "702"', {"ada"}),
    ('employeeNumber le "700"', set()),
    ('externalId eq "ExtAda"', {"ada"}),
    ('externalId eq "extada"', set()),
    ("externalId eq jyoung", {"grace"}),
    ('id eq "{ada}"', {"ada"}),
    ('id eq "{ada}" and manager eq "{grace}"', {"ada"}),
    ('id eq "{bob}" and manager eq "{grace}"', set()),
    ("meta.created pr", {"ada", "bob", "grace"}),
    ('meta.lastModified gt "2000-01-01T00:00:00Z"', {"ada", "bob", "grace"}),
    ('meta.lastModified lt "2000-01-01T00:00:00Z"', set()),
    (
        'userName eq "bob@example.com" or userName eq "grace@example.com" and active eq true',
        {"bob", "grace"},
    ),
    (
        '(userName eq "bob@example.com" or userName eq "grace@example.com") and active eq true',
        {"grace"},
    ),
    ('not (userName eq "ada@example.com") and active eq true', {"grace"}),
    ('not (active eq true) or userName eq "grace@example.com"', {"bob", "grace"}),
    ('userName eq "nobody@example.com"', set()),
    ("", {"ada", "bob", "grace"}),
]


@pytest.mark.parametrize(("expression", "expected"), FILTER_CASES)
def test_user_filters(
    people: tuple[httpx.Client, dict[str, str]], expression: str, expected: set[str]
) -> None:
    http, ids = people
    response = http.get("/Users", params={"filter": expression.format(**ids)})
    assert names(response) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "userName eq",
        'userName xx "a"',
        '(userName eq "a"',
        'userName eq "a")',
        'userName eq "a" and',
        'emails[type eq "work"',
        "active gt true",
        "userName co 5",
        '"a" eq userName',
        'userName eq "unterminated',
        'userName eq "a" userName',
        "and",
        'user$name eq "a"',
        'userName eq "\\q"',
    ],
)
def test_invalid_filters_are_400(
    people: tuple[httpx.Client, dict[str, str]], expression: str
) -> None:
    assert_error(people[0].get("/Users", params={"filter": expression}), 400, "invalidFilter")


def test_filter_with_entra_query_encoding(people: tuple[httpx.Client, dict[str, str]]) -> None:
    http, _ = people
    response = http.get("/Users?filter=externalId+eq+%22ExtAda%22")
    assert names(response) == {"ada"}


def test_filter_parser_precedence_and_shapes() -> None:
    tree = parse_filter('a eq "1" or b eq "2" and not (c pr)')
    assert isinstance(tree, Logical)
    assert tree.op == "or"
    assert isinstance(tree.right, Logical)
    assert tree.right.op == "and"
    assert isinstance(tree.right.right, Not)
    value_path = parse_filter('emails[type eq "work"]')
    assert isinstance(value_path, ValuePath)
    assert value_path.path.name == "emails"
    compare = parse_filter(f'{ENT}:manager.value eq "x"')
    assert isinstance(compare, Compare)
    assert (compare.path.uri, compare.path.name, compare.path.sub) == (ENT, "manager", "value")
    with pytest.raises(FilterError):
        parse_filter("")


# Paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected", "start"),
    [
        ({}, ["grace", "ada", "bob"], 1),
        ({"startIndex": "1", "count": "2"}, ["grace", "ada"], 1),
        ({"startIndex": "2", "count": "2"}, ["ada", "bob"], 2),
        ({"startIndex": "3"}, ["bob"], 3),
        ({"startIndex": "10"}, [], 10),
        ({"startIndex": "0", "count": "1"}, ["grace"], 1),
        ({"startIndex": "-4", "count": "1"}, ["grace"], 1),
        ({"count": "0"}, [], 1),
        ({"count": "-3"}, [], 1),
        ({"count": "5000"}, ["grace", "ada", "bob"], 1),
        ({"count": " 2 "}, ["grace", "ada"], 1),
    ],
)
def test_pagination(
    people: tuple[httpx.Client, dict[str, str]],
    params: dict[str, str],
    expected: list[str],
    start: int,
) -> None:
    body = people[0].get("/Users", params=params).json()
    assert [r["userName"].split("@")[0] for r in body["Resources"]] == expected
    assert body["totalResults"] == 3
    assert body["startIndex"] == start
    assert body["itemsPerPage"] == len(expected)


@pytest.mark.parametrize("params", [{"startIndex": "abc"}, {"count": "1.5"}, {"count": "ten"}])
def test_non_numeric_paging_is_400(
    people: tuple[httpx.Client, dict[str, str]], params: dict[str, str]
) -> None:
    assert_error(people[0].get("/Users", params=params), 400, "invalidValue")


# Projection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"attributes": "userName"}, {"keys": {"schemas", "id", "userName"}}),
        (
            {"attributes": "USERNAME,DisplayName"},
            {"keys": {"schemas", "id", "userName", "displayName"}},
        ),
        ({"attributes": f"{CORE}:userName"}, {"keys": {"schemas", "id", "userName"}}),
        ({"attributes": "name.givenName"}, {"name": {"givenName": "Ada"}}),
        (
            {"attributes": "emails.value"},
            {"emails": [{"value": "ada@example.com"}, {"value": "ada@home.org"}]},
        ),
        ({"attributes": f"{ENT}:employeeNumber"}, {ENT: {"employeeNumber": "701"}}),
        (
            {"attributes": ENT, "excludedAttributes": f"{ENT}:manager"},
            {ENT: {"employeeNumber": "701", "department": "R&D"}},
        ),
        ({"attributes": "meta.version"}, {"keys": {"schemas", "id", "meta"}}),
        (
            {"excludedAttributes": "emails,meta,id,schemas"},
            {"absent": {"emails", "meta"}, "present": {"id", "schemas"}},
        ),
        ({"excludedAttributes": "name.familyName"}, {"name": {"givenName": "Ada"}}),
        ({"excludedAttributes": ENT}, {"absent": {ENT}, "present": {"userName"}}),
        (
            {"excludedAttributes": f"{ENT}:department,{ENT}:manager"},
            {ENT: {"employeeNumber": "701"}},
        ),
    ],
)
def test_attribute_projection(
    people: tuple[httpx.Client, dict[str, str]], params: dict[str, str], check: dict[str, Any]
) -> None:
    http, ids = people
    single = http.get(f"/Users/{ids['ada']}", params=params).json()
    listed = http.get(
        "/Users", params={**params, "filter": 'userName eq "ada@example.com"'}
    ).json()["Resources"][0]
    for resource in (single, listed):
        if "keys" in check:
            assert set(resource) == check["keys"]
        assert not set(check.get("absent", set())) & set(resource)
        assert set(check.get("present", set())) <= set(resource)
        for key, value in check.items():
            if key not in ("keys", "absent", "present"):
                assert resource[key] == value
