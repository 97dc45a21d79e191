"""PATCH updates in both Entra dialects, each verified by reading the user back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import expect_status
from scim_conformance.checks.failures import fail
from scim_conformance.checks.resource_paths import get_key
from scim_conformance.checks.steps import patch_and_verify, read_user
from scim_conformance.entra import (
    ENTERPRISE,
    PRIMARY_ROLE,
    ROLES,
    WORK_EMAIL,
    EntraPatch,
    patch_body,
)
from scim_conformance.http.client import ScimClient
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import CreatedUser, requires

pytestmark = [pytest.mark.update, pytest.mark.dialect_specific]


def updated(user: CreatedUser, label: str) -> str:
    """A new value that still carries the run prefix (so a sweep can recognise it)."""
    return f"{user.spec.display_name} {label}"


def run_update(
    scim: ScimClient,
    user: CreatedUser,
    ops: list[dict[str, Any]],
    expected: dict[str, Any],
    title: str,
) -> None:
    """PATCH the user and check the values read back."""
    patch_and_verify(scim, f"/Users/{user.id}", ops, expected, title)


def test_replace_username(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """Replace of a single-valued attribute: userName (the tutorial's single-valued update)."""
    user = new_user(needs=())
    local, domain = user.spec.user_name.split("@")
    changes = {"userName": f"{local}-renamed@{domain}"}
    run_update(scim, user, entra.update(changes), changes, "Replace userName")


def test_add_attribute_that_was_empty(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """An attribute without a value is set with `Add`/`add`: title (jobTitle)."""
    requires(profile, "title")
    user = new_user()
    changes = {"title": "Provisioning Engineer"}
    run_update(scim, user, entra.update(changes, added=changes), changes, "Add title")


def test_replace_work_email(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """Replace through the filter path `emails[type eq "work"].value` (RFC 7644 §3.5.2.3)."""
    requires(profile, WORK_EMAIL)
    user = new_user()
    local, domain = user.spec.user_name.split("@")
    changes = {WORK_EMAIL: f"{local}-mail@{domain}"}
    run_update(scim, user, entra.update(changes), changes, "Replace the work email")


def test_add_work_email_when_none_exists(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """`Add` on `emails[type eq "work"].value` creates the element when absent."""
    requires(profile, WORK_EMAIL)
    user = new_user(work_email=False)
    changes = {WORK_EMAIL: user.spec.user_name}
    patch_and_verify(
        scim,
        f"/Users/{user.id}",
        entra.update(changes, added=changes),
        changes,
        "Add a work email to a user without one",
        rule=rules.PATCH_ADD_CREATES_ELEMENT,
    )


def test_replace_name_parts(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """`name.givenName` and `name.familyName` (dotted keys in the flag dialect)."""
    requires(profile, "name.givenName", "name.familyName")
    user = new_user()
    changes = {"name.givenName": "Grace", "name.familyName": "Hopper"}
    run_update(scim, user, entra.update(changes), changes, "Replace given and family name")


def test_replace_external_id(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """externalId ← mailNickname/objectId (Entra's default mapping)."""
    requires(profile, "externalId")
    user = new_user()
    changes = {"externalId": f"{user.spec.external_id}-moved"}
    run_update(scim, user, entra.update(changes), changes, "Replace externalId")


def test_replace_enterprise_attributes(
    scim: ScimClient,
    profile: Profile,
    entra: EntraPatch,
    new_user: Callable[..., CreatedUser],
    enterprise_supported: None,
) -> None:
    """Enterprise `department` and `employeeNumber` by URN-qualified path (RFC 7643 §4.3)."""
    requires(profile, f"{ENTERPRISE}:department", f"{ENTERPRISE}:employeeNumber")
    user = new_user()
    changes = {f"{ENTERPRISE}:department": "Identity", f"{ENTERPRISE}:employeeNumber": "E-1001"}
    run_update(scim, user, entra.update(changes), changes, "Replace enterprise attributes")


def test_update_several_attributes_at_once(
    scim: ScimClient,
    profile: Profile,
    entra: EntraPatch,
    new_user: Callable[..., CreatedUser],
    enterprise_supported: None,
) -> None:
    """Entra's main dialect difference: one op each, or one path-less replace."""
    user = new_user()
    local, domain = user.spec.user_name.split("@")
    changes = {
        "displayName": updated(user, "renamed"),
        WORK_EMAIL: f"{local}-all@{domain}",
        "name.givenName": "Katherine",
        "name.familyName": "Johnson",
        "externalId": f"{user.spec.external_id}-all",
        f"{ENTERPRISE}:employeeNumber": "E-2002",
    }
    changes = {path: value for path, value in changes.items() if profile.maps(path)}
    if len(changes) < 2:
        pytest.skip(f"profile {profile.name} maps fewer than two of these attributes")
    run_update(scim, user, entra.update(changes), changes, "Update several attributes at once")


def test_add_role_as_entra_does(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """An app role added as Entra sends it: legacy as a JSON-encoded string in `value`."""
    requires(profile, ROLES)
    user = new_user()
    operations = entra.add_role("Admin", str(uuid.uuid4()))
    title = "Add an app role"
    response = scim.patch(f"/Users/{user.id}", patch_body(operations))
    expect_status(response, {200, 204}, title, rule=rules.ROLES_AS_ENTRA_SENDS)
    body, read = read_user(scim, user.id, f"{title}: the user cannot be read back")
    sent = operations[0]["value"][0]["value"]
    # Kept as sent, or the role's value (or display name) taken out of the encoded string.
    kept = {sent, "Admin"}
    roles = get_key(body, ROLES)
    held = [get_key(r, "value") for r in roles] if isinstance(roles, list) else []
    if not kept.intersection(v for v in held if isinstance(v, str)):
        fail(
            rules.ROLES_AS_ENTRA_SENDS,
            f"{title}: the role was not kept",
            expected=f'a role whose value is {json.dumps(sent)} (or "Admin")',
            actual=f"role values {json.dumps(held)}",
            response=read,
            cause=response,
        )


def test_replace_primary_role(
    scim: ScimClient, profile: Profile, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """The primary app role changed by Entra's path `roles[primary eq "True"].value`."""
    requires(profile, ROLES)
    user = new_user()
    changes = {PRIMARY_ROLE: "Admin"}
    patch_and_verify(
        scim,
        f"/Users/{user.id}",
        entra.replace_primary_role("Admin"),
        changes,
        "Change the primary app role",
        rule=rules.ROLES_AS_ENTRA_SENDS,
    )
