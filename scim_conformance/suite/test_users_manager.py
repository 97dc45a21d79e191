"""The enterprise manager reference in every shape Entra sends (entra-sequences.md §5d).

Only the shapes Microsoft's SCIM Validator sends [S14] are required. Microsoft does not
document the shape its current engine uses (§14, gap 4). The older shapes (the
tutorial's list form [S1], the bare-string form [S21] seen from 2020 on) are advisory:
a server that refuses them is told, but it is not failed on weak evidence.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scim_conformance.checks.expectations import describe
from scim_conformance.checks.failures import Severity, fail
from scim_conformance.checks.paths import MISSING, manager_id
from scim_conformance.checks.steps import PATCH_RULE, expect_values, read_user
from scim_conformance.entra import (
    ENTERPRISE,
    ManagerRemoval,
    ManagerShape,
    patch_body,
    remove_manager,
    set_manager,
)
from scim_conformance.http.client import ScimClient
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import CreatedUser, requires

pytestmark = [pytest.mark.update, pytest.mark.usefixtures("enterprise_supported", "maps_manager")]


@pytest.fixture
def maps_manager(profile: Profile) -> None:
    """Only apps whose mapping sends the manager get these tests."""
    requires(profile, f"{ENTERPRISE}:manager")


ENTRA = "Entra retries the manager link every cycle; the org chart in the app stays wrong"
RULE = "RFC 7643 §4.3 (enterprise manager.value); Entra §5d"

SET_SHAPES: dict[ManagerShape, Severity] = {
    "urn-object": Severity.ENTRA_BREAKING,  # validator [S14]
    "list-with-ref": Severity.ADVISORY,  # old tutorial sample [S1]
    "urn-string": Severity.ADVISORY,  # third-party observation [S21]
}
REMOVALS: dict[ManagerRemoval, Severity] = {
    "urn-path": Severity.ENTRA_BREAKING,  # validator [S14]
    "value-filter": Severity.ADVISORY,  # third-party observation [S21]
}


def _severity_mark(level: Severity) -> pytest.MarkDecorator:
    return pytest.mark.severity(level.value.replace("-", "_"))


def patch_manager(
    scim: ScimClient, user_id: str, ops: list[dict[str, object]], title: str, severity: Severity
) -> bool:
    """Send the PATCH; report a refusal at `severity`; True when it was accepted."""
    response = scim.patch(f"/Users/{user_id}", patch_body(ops))
    if response.status in (200, 204):
        return True
    fail(
        severity,
        title,
        expected="HTTP 200 or 204",
        actual=describe(response),
        rule=f"{PATCH_RULE}; {RULE}",
        entra=ENTRA,
        response=response,
    )
    return False


@pytest.mark.parametrize(
    "shape",
    [pytest.param(shape, marks=_severity_mark(level)) for shape, level in SET_SHAPES.items()],
)
def test_set_manager(
    scim: ScimClient, new_user: Callable[..., CreatedUser], shape: ManagerShape
) -> None:
    """Set the manager; read back, `manager.value` is the manager's id (§5d)."""
    severity = SET_SHAPES[shape]
    manager, report = new_user(), new_user()
    ops = set_manager(shape, manager.id, f"{scim.settings.base_url}/Users/{manager.id}")
    if not patch_manager(scim, report.id, ops, f"Set manager ({shape})", severity):
        return
    after, read = read_user(scim, report.id, "Read back the manager")
    expect_values(
        {"manager": manager_id(after)},
        {"manager": manager.id},
        f"Set manager ({shape}) did not stick",
        read,
        severity=severity,
        rule=RULE,
        entra=ENTRA,
    )


@pytest.mark.parametrize(
    "shape", [pytest.param(shape, marks=_severity_mark(level)) for shape, level in REMOVALS.items()]
)
def test_remove_manager(
    scim: ScimClient, new_user: Callable[..., CreatedUser], shape: ManagerRemoval
) -> None:
    """Remove the manager by URN path or by `manager[value eq "…"]` (§5d)."""
    severity = REMOVALS[shape]
    manager, report = new_user(), new_user()
    ops = set_manager("urn-object", manager.id, f"{scim.settings.base_url}/Users/{manager.id}")
    patch_manager(scim, report.id, ops, "Set manager before removing it", Severity.ENTRA_BREAKING)
    if not patch_manager(
        scim, report.id, remove_manager(shape, manager.id), f"Remove manager ({shape})", severity
    ):
        return
    after, read = read_user(scim, report.id, "Read back after removing the manager")
    left = manager_id(after)
    expect_values(
        {"manager": None if left is MISSING else left},
        {"manager": None},
        f"Remove manager ({shape}) did not stick",
        read,
        severity=severity,
        rule="RFC 7644 §3.5.2.2 (remove)",
        entra=ENTRA,
    )
