"""Deactivate, reactivate and delete (rules soft-delete-readable, delete-accepted)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import expect_scim_error, expect_status
from scim_conformance.checks.steps import expect_only, expect_values, find_users, patch_and_verify
from scim_conformance.entra import EntraPatch, user_query
from scim_conformance.http.client import ScimClient
from scim_conformance.ledger import Ledger
from scim_conformance.suite.conftest import CreatedUser


@pytest.mark.deactivate
@pytest.mark.dialect_specific
def test_deactivate_keeps_user_readable(
    scim: ScimClient, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """`active` false; the user is still found by GET and by the matching filter."""
    user = new_user(needs=())
    patch_and_verify(
        scim, f"/Users/{user.id}", entra.set_active(False), {"active": False}, "Deactivate the user"
    )
    title = "Matching a deactivated user"
    found, response = find_users(scim, user_query("userName", user.spec.user_name), title)
    expect_only(found, user.id, title, response, deactivated=True)
    expect_values(
        found[0],
        {"active": False},
        "The filter shows the user as active",
        response,
        rule=rules.SOFT_DELETE_READABLE,
    )


@pytest.mark.deactivate
@pytest.mark.dialect_specific
def test_reactivate_user(
    scim: ScimClient, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """Restore: `active` back to true after a deactivation (the tutorial's soft delete)."""
    user = new_user(needs=())
    path = f"/Users/{user.id}"
    patch_and_verify(scim, path, entra.set_active(False), {"active": False}, "Deactivate")
    patch_and_verify(scim, path, entra.set_active(True), {"active": True}, "Reactivate")


@pytest.mark.delete
def test_delete_user(
    scim: ScimClient, ledger: Ledger, new_user: Callable[..., CreatedUser]
) -> None:
    """DELETE → 204; then GET → 404 and a second DELETE → 404 (RFC 7644 §3.6)."""
    user = new_user(needs=())
    path = f"/Users/{user.id}"
    response = scim.delete(path)
    expect_status(response, {200, 202, 204}, "Delete user", rule=rules.DELETE_ACCEPTED)
    after = scim.get(path)
    if after.status == 404:
        ledger.forget(user.id)  # gone; otherwise the end-of-run cleanup tries again
    expect_status(
        after,
        {404},
        "The deleted user can still be read",
        rule=rules.DELETE_APPLIED,
        cause=response,
    )
    expect_scim_error(after, 404, "404 without a SCIM Error body")
    expect_status(response, {204}, "Delete answered 2xx but not 204", rule=rules.DELETE_204)
    again = scim.delete(path)
    expect_status(again, {404}, "A second DELETE did not answer 404", rule=rules.UNKNOWN_ID_404)
