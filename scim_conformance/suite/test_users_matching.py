"""The matching query Entra sends before every create or update (rule filter-exact-match)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scim_conformance.checks.steps import expect_only, find_users
from scim_conformance.entra import WORK_EMAIL, user_query
from scim_conformance.http.client import ScimClient
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import CreatedUser

pytestmark = pytest.mark.matching


@pytest.fixture
def two_users(new_user: Callable[..., CreatedUser]) -> tuple[CreatedUser, CreatedUser]:
    """Two users, so a server that ignores the filter returns both and is caught."""
    return new_user(), new_user()


def test_filter_by_username_finds_exactly_that_user(
    scim: ScimClient, two_users: tuple[CreatedUser, CreatedUser]
) -> None:
    """`userName eq "<upn>"` returns exactly the matching user (RFC 7644 §3.4.2.2)."""
    wanted, _ = two_users
    title = "Matching by userName"
    found, response = find_users(scim, user_query("userName", wanted.spec.user_name), title)
    expect_only(found, wanted.id, title, response)


def test_filter_by_username_ignores_case(
    scim: ScimClient, two_users: tuple[CreatedUser, CreatedUser]
) -> None:
    """userName is caseExact false (RFC 7643 §4.1.1), so `eq` in another case still matches."""
    wanted, _ = two_users
    title = "Matching by userName in a different case"
    found, response = find_users(scim, user_query("userName", wanted.spec.user_name.upper()), title)
    expect_only(found, wanted.id, title, response)


def test_filter_by_external_id_finds_exactly_that_user(
    scim: ScimClient, profile: Profile, two_users: tuple[CreatedUser, CreatedUser]
) -> None:
    """`externalId eq "<id>"` returns exactly that user (Entra's logged matching query)."""
    if "externalId" not in profile.user_matching:
        pytest.skip(f"profile {profile.name} does not match users on externalId")
    _, wanted = two_users
    title = "Matching by externalId"
    found, response = find_users(scim, user_query("externalId", wanted.spec.external_id), title)
    expect_only(found, wanted.id, title, response)


def test_filter_by_work_email_finds_exactly_that_user(
    scim: ScimClient, profile: Profile, two_users: tuple[CreatedUser, CreatedUser]
) -> None:
    """`emails[type eq "work"].value eq "<mail>"` returns exactly that user, for an app that
    matches on email (the tutorial's requirements list it among matching filters)."""
    if WORK_EMAIL not in profile.user_matching:
        pytest.skip(f"profile {profile.name} does not match users on {WORK_EMAIL}")
    _, wanted = two_users
    title = "Matching by work email"
    query = user_query(WORK_EMAIL, str(wanted.spec.work_email))
    found, response = find_users(scim, query, title)
    expect_only(found, wanted.id, title, response)
