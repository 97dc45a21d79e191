"""Deactivate, reactivate and delete (entra-sequences.md §6, §7)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scim_conformance.checks.expectations import expect_scim_error, expect_status
from scim_conformance.checks.failures import Severity
from scim_conformance.checks.steps import expect_only, expect_values, find_users, patch_and_verify
from scim_conformance.entra import EntraPatch, user_query
from scim_conformance.http.client import ScimClient
from scim_conformance.ledger import Ledger
from scim_conformance.suite.conftest import CreatedUser

SOFT_DELETE_RULE = "Entra tutorial [S1] R7: inactive users are still returned by GET and filters"
DELETE_RULE = "RFC 7644 §3.6: DELETE → 204, then the resource is gone (404)"


@pytest.mark.deactivate
@pytest.mark.dialect_specific
def test_deactivate_keeps_user_readable(
    scim: ScimClient, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """`active` false; the user is still found by GET and by the matching filter (§6)."""
    user = new_user()
    patch_and_verify(
        scim, f"/Users/{user.id}", entra.set_active(False), {"active": False}, "Deactivate the user"
    )
    title = "Matching a deactivated user"
    found, response = find_users(scim, user_query("userName", user.spec.user_name), title)
    expect_only(found, user.id, title, response)
    expect_values(
        found[0],
        {"active": False},
        "The filter shows the user as active",
        response,
        severity=Severity.ENTRA_BREAKING,
        rule=SOFT_DELETE_RULE,
        entra="Entra sends the deactivation again every cycle",
    )


@pytest.mark.deactivate
@pytest.mark.dialect_specific
def test_reactivate_user(
    scim: ScimClient, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """Restore: `active` back to true after a deactivation (§6, R7)."""
    user = new_user()
    path = f"/Users/{user.id}"
    patch_and_verify(scim, path, entra.set_active(False), {"active": False}, "Deactivate")
    patch_and_verify(scim, path, entra.set_active(True), {"active": True}, "Reactivate")


@pytest.mark.delete
def test_delete_user(
    scim: ScimClient, ledger: Ledger, new_user: Callable[..., CreatedUser]
) -> None:
    """DELETE → 204; then GET → 404 and a second DELETE → 404 (§7 [S1][S14])."""
    user = new_user()
    path = f"/Users/{user.id}"
    entra = "Entra believes the user is gone; the account stays usable in the app"
    response = scim.delete(path)
    expect_status(response, {200, 202, 204}, "Delete user", rule=DELETE_RULE, entra=entra)
    after = scim.get(path)
    if after.status == 404:
        ledger.forget(user.id)  # gone; otherwise the end-of-run cleanup tries again
    expect_status(after, {404}, "The deleted user can still be read", rule=DELETE_RULE, entra=entra)
    expect_scim_error(after, 404, "404 without a SCIM Error body")
    expect_status(
        response,
        {204},
        "Delete answered 2xx but not 204",
        rule=DELETE_RULE,
        entra="Entra accepts any 2xx",
        severity=Severity.RFC,
    )
    again = scim.delete(path)
    expect_status(
        again,
        {404},
        "A second DELETE did not answer 404",
        rule=DELETE_RULE,
        entra="Entra's validator expects 404 [S14]",
        severity=Severity.RFC,
    )
