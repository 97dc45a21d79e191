"""Attribute-mapping profiles: which attributes Entra's provisioning job sends for an app.

`entra-default` is the generic non-gallery SCIM app (the mapping table in Microsoft's SCIM
tutorial), `webex` the Cisco Webex gallery app (Microsoft's Cisco Webex provisioning
tutorial). A vendor describes their own mapping in TOML:

    name = "acme"
    [user]
    matching = ["userName", "externalId"]          # Entra's matching attributes, in order
    attributes = ["userName", "active", "displayName", "name.givenName",
                  "name.familyName", "externalId", 'emails[type eq "work"].value']
    [user.extension]                               # custom attributes and a sample value
    "urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter" = "CC-42"
    [group]
    attributes = ["displayName", "members", "externalId"]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is pytest's own dependency there)
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WORK_EMAIL = 'emails[type eq "work"].value'
ROLES = "roles"  # app roles: only when the mapping sends them (SingleAppRoleAssignment)
USER_REQUIRED = ("userName", "active")  # Entra's matching attribute and its soft delete
KNOWN_USER_ATTRIBUTES = frozenset(
    {
        "userName",
        "active",
        "displayName",
        "name.givenName",
        "name.familyName",
        "name.formatted",
        "externalId",
        "title",
        WORK_EMAIL,
        f"{ENTERPRISE}:department",
        f"{ENTERPRISE}:employeeNumber",
        f"{ENTERPRISE}:manager",
        ROLES,
    }
)
KNOWN_GROUP_ATTRIBUTES = frozenset({"displayName", "members", "externalId"})


class ProfileError(ValueError):
    """A profile that cannot be used; the message is a one-line usage error."""


@dataclass(frozen=True)
class Profile:
    """The attributes Entra sends for users and groups, and how it matches them."""

    name: str
    user_attributes: frozenset[str]
    user_matching: tuple[str, ...] = ("userName",)
    group_attributes: frozenset[str] = KNOWN_GROUP_ATTRIBUTES
    user_extension: dict[str, str] = field(default_factory=dict)

    def maps(self, *paths: str) -> bool:
        """True when every path is in the user mapping."""
        return all(path in self.user_attributes for path in paths)

    def maps_group(self, *names: str) -> bool:
        """True when every attribute is in the group mapping."""
        return all(name in self.group_attributes for name in names)


# Entra's default mapping has no roles: an admin adds them (Microsoft Learn: Customize
# user provisioning attribute mappings, "Provisioning a role to a SCIM app").
ENTRA_DEFAULT = Profile(
    "entra-default", KNOWN_USER_ATTRIBUTES - {ROLES}, ("userName", "externalId")
)
WEBEX = Profile(
    "webex",
    frozenset(
        {"userName", "name.givenName", "name.familyName", "active", "displayName", "externalId"}
    ),
    ("userName",),
)
# The generic app with everything this suite can send mapped: app roles too, and the work
# email as a third matching attribute. The bundled reference server supports all of it, so
# `--scim-reference` uses it and runs every check.
ENTRA_FULL = Profile("entra-full", KNOWN_USER_ATTRIBUTES, ("userName", "externalId", WORK_EMAIL))
GENERIC_APP = (ENTRA_DEFAULT, ENTRA_FULL)  # Entra's generic SCIM app, as Microsoft maps it
BUILT_IN = {profile.name: profile for profile in (ENTRA_DEFAULT, ENTRA_FULL, WEBEX)}


def resolve_profile(value: str | None) -> Profile:
    """A built-in profile by name, or a TOML profile file by path."""
    if not value:
        return ENTRA_DEFAULT
    if value in BUILT_IN:
        return BUILT_IN[value]
    path = Path(value)
    if not path.is_file():
        raise ProfileError(
            f"--scim-profile must be {', '.join(BUILT_IN)} or a TOML file (no such file: {value})"
        )
    return load_profile(path)


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"--scim-profile: {path} is not valid TOML: {exc}") from None
    user, group = _table(data, "user", path), _table(data, "group", path)
    attributes = _strings(user, "attributes", path, sorted(ENTRA_DEFAULT.user_attributes))
    unknown = sorted(set(attributes) - KNOWN_USER_ATTRIBUTES)
    if unknown:
        raise ProfileError(
            f"--scim-profile: {path}: unknown user attribute(s) {', '.join(unknown)}; "
            "put custom ones under [user.extension]"
        )
    missing = [name for name in USER_REQUIRED if name not in attributes]
    if missing:
        raise ProfileError(f"--scim-profile: {path}: user attributes must include {missing}")
    matching = _strings(user, "matching", path, ["userName"])
    if not set(matching) <= set(attributes):
        raise ProfileError(f"--scim-profile: {path}: matching attributes must be mapped")
    extension = user.get("extension", {})
    if not isinstance(extension, dict) or not all(
        isinstance(k, str) and k.startswith("urn:") and ":" in k[4:] and isinstance(v, str)
        for k, v in extension.items()
    ):
        raise ProfileError(
            f"--scim-profile: {path}: [user.extension] maps URN-qualified attribute names "
            "to sample string values"
        )
    group_attributes = _strings(group, "attributes", path, list(KNOWN_GROUP_ATTRIBUTES))
    if "displayName" not in group_attributes or set(group_attributes) - KNOWN_GROUP_ATTRIBUTES:
        raise ProfileError(
            f"--scim-profile: {path}: group attributes must include displayName and be among "
            f"{', '.join(sorted(KNOWN_GROUP_ATTRIBUTES))}"
        )
    name = data.get("name", path.stem)
    return Profile(
        str(name),
        frozenset(attributes),
        tuple(matching),
        frozenset(group_attributes),
        dict(extension),
    )


def _table(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ProfileError(f"--scim-profile: {path}: [{key}] must be a table")
    return table


def _strings(table: dict[str, Any], key: str, path: Path, default: list[str]) -> list[str]:
    value = table.get(key, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProfileError(f"--scim-profile: {path}: {key} must be a list of strings")
    return value
