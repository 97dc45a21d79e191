"""Thread-safe in-memory store of users and groups: ids, meta, uniqueness, membership."""

from __future__ import annotations

import copy
import threading
import uuid
from datetime import datetime, timezone
from typing import Any

from .errors import ScimError, not_found
from .faults import Fault
from .patch import apply_patch
from .paths import ci_get, ci_key
from .resources import normalise
from .schema import Kind

# The attribute that must be unique, case-insensitively, per resource type: userName for
# users (RFC 7643 §4.1.1; Webex's schema marks it caseExact false), displayName for groups
# (RFC 7643 §4.2).
_UNIQUE: dict[Kind, str] = {"User": "userName", "Group": "displayName"}
_ENDPOINT: dict[Kind, str] = {"User": "Users", "Group": "Groups"}


def _now() -> str:
    """An RFC 3339 UTC timestamp with milliseconds, the form Webex's examples show."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    """Users and groups in creation order, guarded by one lock; every read is a deep copy."""

    def __init__(self, base_path: str, faults: frozenset[Fault]) -> None:
        self._base_path = base_path
        self._faults = faults
        self._lock = threading.Lock()
        self._data: dict[Kind, dict[str, dict[str, Any]]] = {"User": {}, "Group": {}}
        self._versions: dict[str, int] = {}
        # NAMES_RESERVED_AFTER_DELETE only: the names of deleted resources, per kind.
        self._reserved: dict[Kind, set[str]] = {"User": set(), "Group": set()}

    def create(
        self, kind: Kind, attributes: dict[str, Any], *, unique: bool = True
    ) -> dict[str, Any]:
        """Store a new resource with a fresh id and meta; returns a copy of it."""
        with self._lock:
            resource_id = str(uuid.uuid4())
            now = _now()
            resource: dict[str, Any] = {"schemas": [], "id": resource_id}
            resource.update(copy.deepcopy(attributes))
            normalise(kind, resource, self._faults, self._member)
            if unique:
                self._check_unique(kind, resource)
                self._check_not_reserved(kind, resource)
            resource["meta"] = {
                "resourceType": kind,
                "created": now,
                "lastModified": now,
                # A path: the app prefixes scheme and host when it answers (RFC 7643 §3.1).
                "location": f"{self._base_path}/{_ENDPOINT[kind]}/{resource_id}",
                "version": 'W/"1"',
            }
            self._versions[resource_id] = 1
            self._data[kind][resource_id] = resource
            return self._copy(kind, resource)

    def get(self, kind: Kind, resource_id: str) -> dict[str, Any] | None:
        """A copy of one resource, or None."""
        with self._lock:
            found = self._data[kind].get(resource_id)
            return None if found is None else self._copy(kind, found)

    def all(self, kind: Kind) -> list[dict[str, Any]]:
        """Copies of every resource of a kind, oldest first (a stable listing order)."""
        with self._lock:
            return [self._copy(kind, r) for r in self._data[kind].values()]

    def replace(self, kind: Kind, resource_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """PUT: swap every attribute, keeping id and meta.created, as Webex documents."""
        with self._lock:
            current = self._data[kind].get(resource_id)
            if current is None:
                raise not_found(kind, resource_id)
            resource: dict[str, Any] = {"schemas": [], "id": resource_id}
            resource.update(copy.deepcopy(attributes))
            resource["meta"] = copy.deepcopy(current["meta"])
            return self._commit(kind, resource)

    def patch(
        self, kind: Kind, resource_id: str, body: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply a PatchOp to a copy, commit only if all of it succeeds; (before, after)."""
        with self._lock:
            current = self._data[kind].get(resource_id)
            if current is None:
                raise not_found(kind, resource_id)
            work = copy.deepcopy(current)
            apply_patch(kind, work, body, self._faults)
            before = self._copy(kind, current)
            return before, self._commit(kind, work)

    def delete(self, kind: Kind, resource_id: str) -> bool:
        """Remove a resource and every group membership that points at it."""
        with self._lock:
            deleted = self._data[kind].pop(resource_id, None)
            if deleted is None:
                return False
            if Fault.NAMES_RESERVED_AFTER_DELETE in self._faults:
                name = ci_get(deleted, _UNIQUE[kind])
                self._reserved[kind].add(str(name).casefold())  # Fault: a tombstone.
            self._versions.pop(resource_id, None)
            for group in self._data["Group"].values():
                key = ci_key(group, "members")
                if key is not None and isinstance(group[key], list):
                    group[key] = [m for m in group[key] if m.get("value") != resource_id]
            return True

    def _commit(self, kind: Kind, resource: dict[str, Any]) -> dict[str, Any]:
        """Validate, check uniqueness, bump meta and store (caller holds the lock)."""
        resource_id = resource["id"]
        normalise(kind, resource, self._faults, self._member)
        self._check_unique(kind, resource)
        version = self._versions.get(resource_id, 0) + 1
        self._versions[resource_id] = version
        meta = resource.pop("meta")  # Re-inserted so it stays last after a PATCH adds keys.
        meta["lastModified"] = _now()
        meta["version"] = f'W/"{version}"'
        resource["meta"] = meta
        self._data[kind][resource_id] = resource
        return self._copy(kind, resource)

    def _check_unique(self, kind: Kind, resource: dict[str, Any]) -> None:
        """409 uniqueness when another resource has the same name ignoring case."""
        name = ci_get(resource, _UNIQUE[kind])
        # Fault: compared case-sensitively, so ADA@x is created beside ada@x.
        exact = kind == "User" and Fault.USERNAME_UNIQUE_CASE_SENSITIVE in self._faults
        wanted = (name if exact else name.casefold()) if isinstance(name, str) else None
        for other_id, other in self._data[kind].items():
            other_name = ci_get(other, _UNIQUE[kind])
            if other_id == resource["id"] or not isinstance(other_name, str):
                continue
            if (other_name if exact else other_name.casefold()) == wanted:
                raise ScimError(409, f"{_UNIQUE[kind]} {name!r} is already taken", "uniqueness")

    def _check_not_reserved(self, kind: Kind, resource: dict[str, Any]) -> None:
        """Fault NAMES_RESERVED_AFTER_DELETE: a deleted resource's name is still taken."""
        name = ci_get(resource, _UNIQUE[kind])
        if isinstance(name, str) and name.casefold() in self._reserved[kind]:
            raise ScimError(409, f"{_UNIQUE[kind]} {name!r} is already taken", "uniqueness")

    def _member(self, member_id: str) -> tuple[str, str] | None:
        """A member's (type, display) for group normalisation (caller holds the lock)."""
        user = self._data["User"].get(member_id)
        if user is not None:
            display = ci_get(user, "displayName") or ci_get(user, "userName")
            return "User", str(display)
        group = self._data["Group"].get(member_id)
        if group is not None:
            return "Group", str(ci_get(group, "displayName"))
        return None

    def _copy(self, kind: Kind, resource: dict[str, Any]) -> dict[str, Any]:
        """A deep copy with member display names refreshed from the current members."""
        out = copy.deepcopy(resource)
        members = ci_get(out, "members") if kind == "Group" else None
        if isinstance(members, list):
            for member in members:
                found = self._member(member["value"])
                if found is not None:
                    member["display"] = found[1]
        return out
