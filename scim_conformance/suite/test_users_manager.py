"""The enterprise manager reference in every shape Entra sends (rules manager-set, manager-remove).

Production Entra is publicly reported setting the bare id string, with `Add` and with
`add`, and the `{"value": id}` object arrives too: both are required alike. Microsoft's
current tutorial presents the list with `$ref` as Entra's request, but no public report
shows Entra sending it and it gives the single-valued manager a list, so it is advisory.
The change by `Replace` and the removal by an empty value are in test_entra_variants.py.
Every write is read back, and a manager read back as a bare string breaks Entra
(rule manager-read-object).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import (
    expect_json_object,
    expect_schema,
    expect_status,
)
from scim_conformance.checks.failures import fail
from scim_conformance.checks.membership import manager_listed
from scim_conformance.checks.resource_paths import MISSING, manager_id, value_at
from scim_conformance.checks.rules import Rule
from scim_conformance.checks.steps import expect_values
from scim_conformance.config import Settings
from scim_conformance.entra import (
    ENTERPRISE,
    FLAG,
    LEGACY,
    MANAGER_REMOVALS,
    EntraPatch,
    ManagerRemoval,
    ManagerShape,
    Op,
    patch_body,
    remove_manager,
    set_manager,
)
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.profiles import Profile
from scim_conformance.severity import Severity
from scim_conformance.suite.conftest import CreatedUser, requires

pytestmark = [pytest.mark.update, pytest.mark.usefixtures("enterprise_supported", "maps_manager")]

MANAGER = f"{ENTERPRISE}:manager"
SET_SHAPES: dict[ManagerShape, Rule] = {
    "urn-object": rules.MANAGER_SET,  # arrives from Entra (directory-scimple #1242)
    "list-with-ref": rules.MANAGER_SET_LIST,  # the tutorial's request, unreported
    "urn-string": rules.MANAGER_SET,  # production Entra, publicly reported
}


@pytest.fixture
def maps_manager(profile: Profile) -> None:
    """Only apps whose mapping sends the manager get these tests."""
    requires(profile, MANAGER)


def _severity_mark(rule: Rule) -> pytest.MarkDecorator:
    return pytest.mark.severity(rule.severity.marker)


def read_manager(
    scim: ScimClient, user_id: str, title: str, cause: ScimResponse
) -> tuple[Any, ScimResponse]:
    """GET the user as Entra does; the manager's id (MISSING when none) and the response."""
    response = scim.get(f"/Users/{user_id}")
    expect_status(response, {200}, title, rule=rules.GET_BY_ID)
    body = expect_json_object(response, title)
    shown = value_at(body, MANAGER)
    if isinstance(shown, str):  # before the schema check: this one breaks Entra
        fail(
            rules.MANAGER_READ_OBJECT,
            "The manager is read back as a bare string",
            expected='manager {"value": "<id>"}',
            actual=f"manager {json.dumps(shown)}",
            response=response,
            cause=cause,
        )
    expect_schema(body, "User", title, response, rule=rules.USER_SCHEMA)
    return manager_id(body), response


def set_and_verify(
    scim: ScimClient, user_id: str, ops: list[Op], wanted: str, title: str, rule: Rule
) -> None:
    """PATCH the manager (a refusal breaks `rule`), then read back that it is `wanted`."""
    response = scim.patch(f"/Users/{user_id}", patch_body(ops))
    expect_status(response, {200, 204}, title, rule=rule)
    found, read = read_manager(scim, user_id, "Read back the manager", response)
    if found is MISSING and manager_listed(scim, user_id, wanted):
        found = wanted  # not in the read, but Entra's reference check finds it
    # Accepted but not applied: Entra believes it and never retries (patch-applied); a
    # shape graded advisory stays advisory.
    applied = rule if rule.severity is Severity.ADVISORY else rules.PATCH_APPLIED
    expect_values(
        {"manager": found},
        {"manager": wanted},
        f"{title} did not stick",
        read,
        rule=applied,
        cause=response,
    )


@pytest.mark.parametrize(
    "shape",
    [pytest.param(shape, marks=_severity_mark(rule)) for shape, rule in SET_SHAPES.items()],
)
def test_set_manager(
    scim: ScimClient,
    scim_settings: Settings,
    new_user: Callable[..., CreatedUser],
    shape: ManagerShape,
) -> None:
    """Set the manager; read back, `manager.value` is the manager's id."""
    report = new_user()
    if shape != "urn-string":
        manager = new_user()
        ref = f"{scim.base_url}/Users/{manager.id}"
        ops = set_manager(shape, manager.id, ref)
        set_and_verify(
            scim, report.id, ops, manager.id, f"Set manager ({shape})", SET_SHAPES[shape]
        )
        return
    # The bare string is reported with both op spellings: one write per selected dialect,
    # each to a new manager so that every write shows in the read-back.
    for dialect in (LEGACY, FLAG):
        if dialect not in scim_settings.dialects:
            continue
        manager = new_user()
        ops = EntraPatch(dialect).set_manager_string(manager.id)
        title = f"Set manager ({shape}, {dialect})"
        set_and_verify(scim, report.id, ops, manager.id, title, rules.MANAGER_SET)


@pytest.mark.parametrize("shape", MANAGER_REMOVALS)
def test_remove_manager(
    scim: ScimClient, new_user: Callable[..., CreatedUser], shape: ManagerRemoval
) -> None:
    """Remove the manager by URN path or by `manager[value eq "…"]`, once it is set."""
    manager, report = new_user(), new_user()
    ops = set_manager("urn-object", manager.id, f"{scim.base_url}/Users/{manager.id}")
    # A server that ignores the manager fails here, not by "removing" one it never set.
    set_and_verify(
        scim, report.id, ops, manager.id, "Set manager before removing it", rules.MANAGER_SET
    )
    title = f"Remove manager ({shape})"
    response = scim.patch(f"/Users/{report.id}", patch_body(remove_manager(shape, manager.id)))
    expect_status(response, {200, 204}, title, rule=rules.MANAGER_REMOVE)
    left, read = read_manager(scim, report.id, "Read back after removing the manager", response)
    expect_values(
        {"manager": None if left is MISSING else left},
        {"manager": None},
        f"{title} did not stick",
        read,
        rule=rules.PATCH_APPLIED,
        cause=response,
    )
