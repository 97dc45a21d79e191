"""The enterprise manager reference in every shape Entra sends (entra-sequences.md §5d)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scim_conformance.checks import Severity, expect_status
from scim_conformance.client import ScimClient
from scim_conformance.entra import (
    ENTERPRISE,
    MANAGER_REMOVALS,
    MANAGER_SHAPES,
    ManagerRemoval,
    ManagerShape,
    patch_body,
    remove_manager,
    set_manager,
)
from scim_conformance.resource_paths import MISSING, manager_id
from scim_conformance.steps import PATCH_RULE, expect_values, read_user
from scim_conformance.suite.conftest import CreatedUser

pytestmark = [pytest.mark.update, pytest.mark.usefixtures("enterprise_supported")]

MANAGER = f"{ENTERPRISE}:manager"
ENTRA = "Entra retries the manager link every cycle; the org chart in the app stays wrong"


@pytest.mark.parametrize("shape", MANAGER_SHAPES)
def test_set_manager(
    scim: ScimClient, new_user: Callable[..., CreatedUser], shape: ManagerShape
) -> None:
    """Set the manager; read back, `manager.value` is the manager's id (§5d)."""
    manager, report = new_user(), new_user()
    ops = set_manager(shape, manager.id, f"{scim.settings.base_url}/Users/{manager.id}")
    response = scim.patch(f"/Users/{report.id}", patch_body(ops))
    expect_status(response, {200, 204}, f"Set manager ({shape})", rule=PATCH_RULE, entra=ENTRA)
    after, read = read_user(scim, report.id, "Read back the manager")
    expect_values(
        {"manager": manager_id(after)},
        {"manager": manager.id},
        f"Set manager ({shape}) did not stick",
        read,
        severity=Severity.ENTRA_BREAKING,
        rule="RFC 7643 §4.3 (enterprise manager.value); Entra [S1][S14][S21]",
        entra=ENTRA,
    )


@pytest.mark.parametrize("shape", MANAGER_REMOVALS)
def test_remove_manager(
    scim: ScimClient, new_user: Callable[..., CreatedUser], shape: ManagerRemoval
) -> None:
    """Remove the manager by URN path or by `manager[value eq "…"]` (§5d)."""
    manager, report = new_user(), new_user()
    ops = set_manager("urn-object", manager.id, f"{scim.settings.base_url}/Users/{manager.id}")
    expect_status(
        scim.patch(f"/Users/{report.id}", patch_body(ops)),
        {200, 204},
        "Set manager before removing it",
        rule=PATCH_RULE,
        entra=ENTRA,
    )
    response = scim.patch(f"/Users/{report.id}", patch_body(remove_manager(shape, manager.id)))
    expect_status(response, {200, 204}, f"Remove manager ({shape})", rule=PATCH_RULE, entra=ENTRA)
    after, read = read_user(scim, report.id, "Read back after removing the manager")
    left = manager_id(after)
    expect_values(
        {"manager": None if left is MISSING else left},
        {"manager": None},
        f"Remove manager ({shape}) did not stick",
        read,
        severity=Severity.ENTRA_BREAKING,
        rule="RFC 7644 §3.5.2.2 (remove)",
        entra=ENTRA,
    )
