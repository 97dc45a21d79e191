"""The other spellings of Entra's requests: headers, booleans, op case, clears, roles.

A sibling of `entra.py`, which owns the dialects' main shapes; this module owns the
variants Entra is documented or publicly reported to send besides them (the catalogue with
their sources is `scim_conformance/variants.py`). Tests never write these bodies by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from scim_conformance.entra import ENTERPRISE, ROLES, EntraPatch, Op, role

# What Entra's POST carried in the one public capture of its headers (azure-docs #12728).
CHARSET_CONTENT_TYPE = {"Content-Type": "application/scim+json; charset=utf-8"}
# Test Connection's request carried no SCIM media type (azure-docs #94189); the exact Accept
# is not documented, so the suite sends the one that names no media type at all.
TEST_CONNECTION_HEADERS = {"Accept": "*/*"}

Spelling = Literal["json", "capitalised", "lower"]
Clear = Literal["null", "empty", "remove"]


def spell(value: bool, spelling: Spelling) -> bool | str:
    """A boolean as Entra spells it: JSON, "True"/"False" (legacy), or "true"/"false"
    (scimmy #86)."""
    if spelling == "json":
        return value
    text = "True" if value else "False"
    return text if spelling == "capitalised" else text.lower()


def set_active_spelled(patch: EntraPatch, active: bool, spelling: Spelling) -> list[Op]:
    """`active` by path, the op in the dialect's case and the value in `spelling`."""
    return [{"op": patch.op("replace"), "path": "active", "value": spell(active, spelling)}]


def set_active_pathless(patch: EntraPatch, active: bool) -> list[Op]:
    """`active` inside a path-less replace, as the flag dialect folds simple attributes."""
    return [{"op": patch.op("replace"), "value": {"active": patch.boolean(active)}}]


def reactivate_with_changes(patch: EntraPatch, changes: Mapping[str, Any]) -> list[Op]:
    """A reactivation and attribute changes in one PATCH, as Entra sends a user that comes
    back changed: one op each (legacy) or one path-less replace (flag)."""
    return patch.update({"active": patch.boolean(True), **changes})


def user_body_with_active(body: Mapping[str, Any], active: bool) -> dict[str, Any]:
    """A create body whose `active` is Entra's string (SCIMReferenceCode #21)."""
    return {**body, "active": spell(active, "capitalised")}


def clear_attribute(patch: EntraPatch, path: str, how: Clear) -> list[Op]:
    """Clear an attribute: replace with null or with "" (gallery validation's null-update
    test), or remove by path."""
    if how == "remove":
        return [{"op": patch.op("remove"), "path": path}]
    return [{"op": patch.op("replace"), "path": path, "value": None if how == "null" else ""}]


def remove_members_lower_case(member_ids: Iterable[str]) -> list[Op]:
    """A lower-case `remove` of members with the ids in `value` (directory-scimple #447)."""
    value = [{"value": member_id} for member_id in member_ids]
    return [{"op": "remove", "path": "members", "value": value}]


def change_manager(patch: EntraPatch, manager_id: str) -> list[Op]:
    """A changed manager: `Replace` on the URN path (Microsoft's validation test overview)."""
    return patch.set_manager_string(manager_id, change=True)


def clear_manager(patch: EntraPatch) -> list[Op]:
    """A manager removed by a `Replace` with an empty value (Microsoft's validation test
    overview)."""
    return [{"op": patch.op("replace"), "path": f"{ENTERPRISE}:manager", "value": ""}]


def _encoded(value: str, assignment_id: str) -> str:
    return json.dumps(
        {"id": assignment_id, "value": value, "displayName": value}, separators=(",", ":")
    )


def add_roles_complex(roles: Mapping[str, str]) -> list[Op]:
    """AppRoleAssignmentsComplex: several JSON-encoded role strings in one `Add` (Microsoft
    Learn: Customize user provisioning attribute mappings). `roles`: value → assignment id."""
    value = [{"value": _encoded(name, assignment)} for name, assignment in roles.items()]
    return [{"op": "Add", "path": ROLES, "value": value}]


def replace_all_roles(values: Iterable[str]) -> list[Op]:
    """AssertiveAppRoleAssignmentsComplex: a `replace` of all the user's roles with role
    objects (Microsoft Learn: Customize user provisioning attribute mappings)."""
    return [{"op": "replace", "path": ROLES, "value": [role(v, primary=False) for v in values]}]
