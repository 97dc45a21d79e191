"""Create, read and conflict handling for users (rules create-accepted, create-stored)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    expect_created,
    expect_id,
    expect_schema,
    expect_scim_error,
    expect_status,
)
from scim_conformance.checks.failures import advise
from scim_conformance.checks.steps import expect_values, read_user
from scim_conformance.entra import WORK_EMAIL, create_user_body
from scim_conformance.http.client import ScimClient
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import CreatedUser, adopting


def sent_values(user: CreatedUser, profile: Profile) -> dict[str, object]:
    """The attribute values Entra sent on create, keyed by path (mapped ones only)."""
    values: dict[str, object] = {
        "userName": user.spec.user_name,
        "externalId": user.spec.external_id,
        "active": True,
        "name.givenName": user.spec.given_name,
        "name.familyName": user.spec.family_name,
        WORK_EMAIL: user.spec.work_email,
        **profile.user_extension,
    }
    return {
        path: value
        for path, value in values.items()
        if value is not None and (profile.maps(path) or path in profile.user_extension)
    }


@pytest.mark.create
def test_create_user_as_entra_does(
    scim: ScimClient, ledger: Ledger, namer: Namer, profile: Profile
) -> None:
    """Entra's POST body (client meta, empty roles, enterprise URN) → 201 with an id."""
    spec = namer.user()
    with adopting(ledger, "/Users", "userName", spec.user_name):
        response = scim.post(
            "/Users", create_user_body(spec, profile.user_attributes, profile.user_extension)
        )
    title = "Create user with Entra's body"
    body = response.json_object or {}
    if isinstance(body.get("id"), str):
        ledger.add("/Users", body["id"])
    elif 200 <= response.status < 300:
        ledger.adopt("/Users", "userName", spec.user_name)  # created, but no id came back
    body = expect_created(response, title)
    user = CreatedUser(expect_id(body, title, response), spec, body)
    expect_schema(body, "User", title, response, rule=rules.USER_SCHEMA)
    read, read_response = read_user(scim, user.id, "Read back the created user")
    # What was stored decides first; a 201 body that differs from it is only advisory.
    expect_values(
        read,
        sent_values(user, profile),
        "The created user does not hold what was sent",
        read_response,
        rule=rules.CREATE_STORED,
        cause=response,
    )
    expect_values(
        body,
        sent_values(user, profile),
        "Create response does not echo what was sent",
        response,
        rule=rules.CREATE_RESPONSE_BODY,
    )


@pytest.mark.create
def test_create_user_without_email(new_user: Callable[..., CreatedUser]) -> None:
    """Users without a mailbox arrive with no `emails` at all; create must work."""
    new_user(work_email=False, exact=True)


@pytest.mark.create
@pytest.mark.parametrize("case", ["same-case", "other-case"])
def test_duplicate_username_conflicts(
    scim: ScimClient,
    profile: Profile,
    ledger: Ledger,
    new_user: Callable[..., CreatedUser],
    case: str,
) -> None:
    """A second create with the same userName (any case) → 409 (RFC 7643 §4.1.1)."""
    first = new_user(needs=())
    name = first.spec.user_name if case == "same-case" else first.spec.user_name.upper()
    spec = replace(first.spec, user_name=name, external_id=f"{first.spec.external_id}-dup")
    # Narrowed as the first user was, if Entra's create was refused: the conflict is the test.
    sent = first.same_shape(create_user_body(spec, profile.user_attributes, profile.user_extension))
    response = scim.post("/Users", sent)
    body = response.json_object or {}
    if isinstance(body.get("id"), str) and body["id"] != first.id:
        ledger.add("/Users", body["id"])  # a duplicate was created: it must be cleaned up too
    title = f"Duplicate userName ({case}) was not refused with 409"
    expect_status(response, {409}, title, rule=rules.CREATE_DUPLICATE_409)
    expect_scim_error(response, 409, "409 without a SCIM Error body")
    if body.get("scimType") != "uniqueness":
        advise(
            rules.CONFLICT_SCIM_TYPE,
            "409 without scimType uniqueness",
            expected='"scimType": "uniqueness"',
            actual=f"scimType {body.get('scimType')!r}",
            response=response,
        )


@pytest.mark.get
def test_get_user_by_id(scim: ScimClient, new_user: Callable[..., CreatedUser]) -> None:
    """GET /Users/{id} returns the user Entra created (RFC 7644 §3.4.1)."""
    user = new_user(needs=())
    read, response = read_user(scim, user.id, "Get user by id")
    expect_values(
        read,
        {"id": user.id, "userName": user.spec.user_name},
        "Get by id returned another user",
        response,
        rule=rules.GET_BY_ID,
    )


@pytest.mark.get
@pytest.mark.severity("rfc")
def test_get_unknown_user_is_scim_404(scim: ScimClient) -> None:
    """An unknown id → 404 with a SCIM Error whose status is "404" (RFC 7644 §3.12)."""
    response = scim.get(f"/Users/{uuid.uuid4()}")
    expect_status(
        response,
        {404},
        "Get of an unknown user id did not answer 404",
        rule=rules.UNKNOWN_ID_404,
    )
    expect_scim_error(response, 404, "404 without a SCIM Error body")
