"""What the suite creates: unique names, and a ledger that deletes each resource once.

DESIGN.md promise 4: the suite writes only to ids it got from its own creates,
and deletes everything it created, groups before users, also after failures.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from scim_conformance.entra import UserSpec, filter_eq
from scim_conformance.http.client import ScimClient, TransportFailure


class ForeignWriteRefused(RuntimeError):
    """The suite tried to change something it did not create: a bug in the suite."""


@dataclass(frozen=True)
class Namer:
    """Generates names that carry the run prefix, so leftovers are recognisable."""

    run_prefix: str
    domain: str
    _counter: itertools.count[int]

    @classmethod
    def for_run(cls, run_prefix: str, domain: str) -> Namer:
        """A namer for one run."""
        return cls(run_prefix, domain, itertools.count(1))

    def user(self, *, work_email: bool = True) -> UserSpec:
        """A fresh Entra-like user; userName is an email, as Entra's UPN is (§12a)."""
        n = next(self._counter)
        tag = uuid.uuid4().hex[:6]
        user_name = f"{self.run_prefix}-u{n}-{tag}@{self.domain}"
        return UserSpec(
            user_name=user_name,
            external_id=f"{self.run_prefix}-{uuid.uuid4()}",
            given_name="Ada",
            family_name=f"Tester{n}",
            display_name=f"{self.run_prefix} Ada Tester{n}",
            work_email=user_name if work_email else None,
        )

    def group_name(self) -> str:
        """A fresh group displayName."""
        return f"{self.run_prefix} group {next(self._counter)}-{uuid.uuid4().hex[:6]}"


class Ledger:
    """Every resource this run created, to be deleted exactly once."""

    def __init__(self, client: ScimClient, *, keep: bool = False) -> None:
        self.client = client
        self.run_prefix = client.settings.run_prefix
        self.keep = keep  # --scim-keep: nothing is deleted; the ids are printed instead
        self._created: dict[str, str] = {}  # id -> "/Users" or "/Groups", in creation order
        self._ever_created: set[str] = set()

    def add(self, collection: str, resource_id: str) -> None:
        """Remember a resource the suite created."""
        self._created[resource_id] = collection
        self._ever_created.add(resource_id)

    def check_write(self, method: str, path: str) -> None:
        """Refuse a write to a resource this run did not create (DESIGN.md promise 4)."""
        parts = path.strip("/").split("/")
        if method in {"POST", "GET"} or len(parts) < 2:
            return
        if parts[1] not in self._ever_created:
            raise ForeignWriteRefused(f"refusing {method} {path}: not created by this run")

    def forget(self, resource_id: str) -> None:
        """A test deleted it itself."""
        self._created.pop(resource_id, None)

    def owns(self, resource_id: str) -> bool:
        """True if the suite created this resource and has not deleted it."""
        return resource_id in self._created

    def delete(self, resource_id: str) -> None:
        """Delete one created resource; a 404 counts as gone."""
        collection = self._created.get(resource_id)
        if collection is None or self.keep:
            return
        try:
            response = self.client.delete(f"{collection}/{resource_id}", note="cleanup")
        except TransportFailure:
            return  # kept in the ledger; the end-of-run sweep tries again
        if response.status in (200, 204, 404):
            self.forget(resource_id)

    def delete_all(self) -> list[str]:
        """Delete what is left, groups before users; return what could not be deleted."""
        order = sorted(self._created.items(), key=lambda item: item[1] != "/Groups")
        for resource_id, _ in order:
            self.delete(resource_id)
        return [f"{collection}/{rid}" for rid, collection in self._created.items()]

    def adopt(self, collection: str, attribute: str, value: str) -> None:
        """After a create whose answer was lost (timeout, no id), find what it created by
        its unique name so cleanup still covers it; never retry the POST blindly."""
        try:
            response = self.client.get(
                collection, {"filter": filter_eq(attribute, value)}, note="cleanup lookup"
            )
        except TransportFailure:
            return
        body = response.json_object or {}
        for resource in body.get("Resources") or []:
            found = resource.get("id") if isinstance(resource, dict) else None
            if isinstance(found, str) and found and value.startswith(self.run_prefix):
                self.add(collection, found)

    def remaining(self) -> dict[str, Any]:
        """A copy of what is still recorded as created."""
        return dict(self._created)
