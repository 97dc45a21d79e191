"""Microsoft Entra's SCIM request shapes, per dialect: the single home of these bodies.

Each shape follows a public source: Microsoft's SCIM tutorial, its SCIM Validator, or a
public issue showing what Entra sent. Two PATCH dialects exist for custom SCIM apps
(Microsoft Learn: Known issues and resolutions with SCIM 2.0 protocol compliance):

* `legacy` (the default): capitalised ops, `"True"`/`"False"` strings for `active`,
  one op per attribute, member removal as `Remove` + `path: members` + a value list.
* `aadOptscim062020` (tenant URL flag): lower-case ops, JSON booleans, simple
  attributes folded into one path-less `replace` with dotted/URN keys, member
  removal by the filter path `members[value eq "…"]`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# Entra adds this Microsoft schema URI to every group it creates (Microsoft's SCIM tutorial).
ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

LEGACY: Literal["legacy"] = "legacy"
FLAG: Literal["aadOptscim062020"] = "aadOptscim062020"
Dialect = Literal["legacy", "aadOptscim062020"]
ManagerShape = Literal["list-with-ref", "urn-object", "urn-string"]
MANAGER_SHAPES: tuple[ManagerShape, ...] = ("list-with-ref", "urn-object", "urn-string")
ManagerRemoval = Literal["urn-path", "value-filter"]
MANAGER_REMOVALS: tuple[ManagerRemoval, ...] = ("urn-path", "value-filter")

Op = dict[str, Any]
WORK_EMAIL = 'emails[type eq "work"].value'
ROLES = "roles"
PRIMARY_ROLE = 'roles[primary eq "True"].value'  # the string "True": Entra's own path
ROLE_TYPE = "WindowsAzureActiveDirectoryRole"
CREATED_ROLE = "Reader"  # the app role a created user holds when the mapping sends roles


def role(value: str, *, primary: bool = True) -> dict[str, Any]:
    """An app role as Entra's POST carries it (SingleAppRoleAssignment; Microsoft Learn:
    Customize user provisioning attribute mappings)."""
    return {"primary": primary, "type": ROLE_TYPE, "value": value}


def quote_filter_value(value: str) -> str:
    """A filter string literal: JSON string escaping, as RFC 7644 §3.4.2.2 requires."""
    return json.dumps(value, ensure_ascii=False)


def filter_eq(attribute: str, value: str) -> str:
    """`attribute eq "value"`: the only comparison Entra sends (Microsoft's SCIM tutorial)."""
    return f"{attribute} eq {quote_filter_value(value)}"


def user_query(attribute: str, value: str) -> dict[str, str]:
    """The matching query `GET /Users?filter=<attr> eq "<value>"` Entra starts each user with."""
    return {"filter": filter_eq(attribute, value)}


def group_query(display_name: str) -> dict[str, str]:
    """The group match/probe query, `excludedAttributes` first as Entra orders it."""
    return {"excludedAttributes": "members", "filter": filter_eq("displayName", display_name)}


MemberForm = Literal["members[value eq]", "members eq"]
MEMBER_FORMS: tuple[MemberForm, ...] = ("members[value eq]", "members eq")


def member_query(group_id: str, user_id: str, form: MemberForm) -> dict[str, str]:
    """Is the user a member? `id eq "<g>" and members[value eq "<u>"]`, the value filter
    Entra puts in its flag-dialect removals (SCIM 2.0 compliance known issues page), or
    `id eq "<g>" and members eq "<u>"`, the group form of the tutorial's reference check."""
    member = (
        f"members[value eq {quote_filter_value(user_id)}]"
        if form == "members[value eq]"
        else filter_eq("members", user_id)
    )
    return {"filter": f"{filter_eq('id', group_id)} and {member}", "attributes": "id"}


def manager_query(user_id: str, manager_id: str) -> dict[str, str]:
    """The reference check of older SCIM tutorials: `id eq "<u>" and manager eq "<m>"`,
    asking only for `id`."""
    text = f"{filter_eq('id', user_id)} and {filter_eq('manager', manager_id)}"
    return {"filter": text, "attributes": "id"}


@dataclass(frozen=True)
class UserSpec:
    """The source values of one Entra user, as the default attribute mapping sends them."""

    user_name: str
    external_id: str
    given_name: str
    family_name: str
    display_name: str
    work_email: str | None


def create_user_body(
    user: UserSpec,
    mapped: Collection[str] | None = None,
    extension: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """POST /Users as Entra sends it (Microsoft's SCIM tutorial): client `meta`, empty `roles`.

    `mapped` limits the body to the attributes the app's mapping has (profiles.py; all when
    None); `extension` adds custom attributes, nested under their schema URN (Microsoft Learn:
    Customize user provisioning attribute mappings).
    """

    def has(path: str) -> bool:
        return mapped is None or path in mapped

    body: dict[str, Any] = {"schemas": [USER_SCHEMA, ENTERPRISE]}
    if has("externalId"):
        body["externalId"] = user.external_id
    body["userName"] = user.user_name
    body["active"] = True
    if has("displayName"):
        body["displayName"] = user.display_name
    body["meta"] = {"resourceType": "User"}
    name = {
        "formatted": f"{user.given_name} {user.family_name}",
        "familyName": user.family_name,
        "givenName": user.given_name,
    }
    name = {key: value for key, value in name.items() if has(f"name.{key}")}
    if name:
        body["name"] = name
    # Entra always sends `roles`: empty, unless the mapping provisions an app role.
    body["roles"] = [role(CREATED_ROLE)] if mapped is not None and ROLES in mapped else []
    # Cloud-only users without a mailbox have no `mail`, so they arrive without `emails`.
    if user.work_email is not None and has(WORK_EMAIL):
        body["emails"] = [{"primary": True, "type": "work", "value": user.work_email}]
    for path, value in (extension or {}).items():
        urn, _, attribute = path.rpartition(":")
        body.setdefault(urn, {})[attribute] = value
    return body


def create_group_body(
    display_name: str, external_id: str, *, adscim: bool = True
) -> dict[str, Any]:
    """POST /Groups as Entra sends it, with the ADSCIM schema URI and no members.

    `adscim=False` leaves Entra's extra URI out: not what Entra sends, only the suite's
    fallback so that group membership is still tested on endpoints refusing the URI.
    """
    return {
        "schemas": [GROUP_SCHEMA, ADSCIM_GROUP] if adscim else [GROUP_SCHEMA],
        "externalId": external_id,
        "displayName": display_name,
        "meta": {"resourceType": "Group"},
    }


def patch_body(operations: Iterable[Op]) -> dict[str, Any]:
    """Wrap operations in a PatchOp message (RFC 7644 §3.5.2)."""
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def is_value_path(path: str) -> bool:
    """True for filter paths like `emails[type eq "work"].value`."""
    return "[" in path


class EntraPatch:
    """Builds the PATCH operations Entra sends in one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect: Dialect = dialect

    def op(self, name: Literal["add", "replace", "remove"]) -> str:
        """The op name as this dialect spells it (legacy capitalises)."""
        return name.capitalize() if self.dialect == LEGACY else name

    def boolean(self, value: bool) -> bool | str:
        """Legacy sends "True"/"False" strings, the flag JSON booleans."""
        if self.dialect == LEGACY:
            return "True" if value else "False"
        return value

    def update(self, changes: Mapping[str, Any], added: Iterable[str] = ()) -> list[Op]:
        """Changed attributes, keyed by Entra target path.

        Attributes in `added` had no value before, so Entra sends `add` with a path
        (SCIM 2.0 compliance known issues page). Legacy sends one `Replace` per attribute; the
        flag keeps value paths separate and folds the rest into one path-less `replace`.
        """
        added = set(added)
        ops: list[Op] = []
        folded: dict[str, Any] = {}
        for path, value in changes.items():
            if path in added:
                ops.append({"op": self.op("add"), "path": path, "value": value})
            elif self.dialect == LEGACY or is_value_path(path):
                ops.append({"op": self.op("replace"), "path": path, "value": value})
            else:
                folded[path] = value
        if folded:
            ops.append({"op": self.op("replace"), "value": folded})
        return ops

    def set_active(self, active: bool) -> list[Op]:
        """Deactivate (soft delete) or reactivate a user."""
        return [{"op": self.op("replace"), "path": "active", "value": self.boolean(active)}]

    def add_members(self, member_ids: Iterable[str]) -> list[Op]:
        """Add members, `$ref` null as Entra sends it (Microsoft's SCIM tutorial)."""
        value = [{"$ref": None, "value": member_id} for member_id in member_ids]
        return [{"op": self.op("add"), "path": "members", "value": value}]

    def remove_members(self, member_ids: Iterable[str]) -> list[Op]:
        """Remove members: legacy puts ids in `value` (azure-docs #30826), the flag in the path."""
        ids = list(member_ids)
        if self.dialect == LEGACY:
            value = [{"$ref": None, "value": member_id} for member_id in ids]
            return [{"op": "Remove", "path": "members", "value": value}]
        return [
            {"op": "remove", "path": f"members[value eq {quote_filter_value(member_id)}]"}
            for member_id in ids
        ]

    def rename_group(self, changes: Mapping[str, str]) -> list[Op]:
        """Non-member group attributes: legacy by path, the flag path-less (langwatch #7131)."""
        return self.update(changes)

    def set_manager_string(self, manager_id: str, *, change: bool = False) -> list[Op]:
        """The manager as a bare id string on the enterprise URN path (rule manager-set).

        Production Entra is publicly reported sending this shape with `Add` and with `add`;
        `change` sends `Replace`, as Microsoft's SCIM validation test overview changes a
        manager.
        """
        op = self.op("replace" if change else "add")
        return [{"op": op, "path": f"{ENTERPRISE}:manager", "value": manager_id}]

    def add_role(self, value: str, assignment_id: str) -> list[Op]:
        """Add an app role. Legacy PATCH carries it as a JSON-encoded string inside `value`
        (id, value, displayName); the flag sends the POST's own format (Microsoft Learn:
        Customize user provisioning attribute mappings)."""
        if self.dialect == LEGACY:
            encoded = json.dumps(
                {"id": assignment_id, "value": value, "displayName": value}, separators=(",", ":")
            )
            return [{"op": "Add", "path": ROLES, "value": [{"value": encoded}]}]
        return [{"op": "add", "path": ROLES, "value": [role(value, primary=False)]}]

    def replace_primary_role(self, value: str) -> list[Op]:
        """Change the primary app role by Entra's target path `roles[primary eq "True"].value`."""
        return [{"op": self.op("replace"), "path": PRIMARY_ROLE, "value": value}]


def set_manager(shape: ManagerShape, manager_id: str, manager_ref: str) -> list[Op]:
    """The three shapes Entra has been seen to set a manager with."""
    if shape == "list-with-ref":  # Microsoft's current SCIM tutorial shows it as Entra's
        return [
            {"op": "Add", "path": "manager", "value": [{"$ref": manager_ref, "value": manager_id}]}
        ]
    if shape == "urn-object":  # arrives from Entra too (directory-scimple #1242)
        return [{"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": manager_id}}]
    # A bare string id, as SCIM-SDK #686 and directory-scimple #1242 show Entra sending.
    return EntraPatch(LEGACY).set_manager_string(manager_id)  # rule manager-set


def remove_manager(shape: ManagerRemoval, manager_id: str) -> list[Op]:
    """Two shapes Entra removes a manager with (the second: scim-patch #453); the third,
    a Replace with an empty value, is `entra_variants.clear_manager`."""
    if shape == "urn-path":  # a third-party record of Microsoft's SCIM Validator
        return [{"op": "remove", "path": f"{ENTERPRISE}:manager"}]
    return [{"op": "remove", "path": f"manager[value eq {quote_filter_value(manager_id)}]"}]
