"""The model an Entra cycle is checked against: a small directory (users with attributes
and a manager, groups with members), and the cycle's log of the requests Entra sent.

The model holds what Entra believes the app holds after each of its requests got a 2xx;
`readback.py` reads the endpoint back after every step and compares. The log prints the
shortest failing cycle as the requests to replay, not as Python calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from scim_conformance.http.transcript import Exchange

BODY_SHOWN = 220  # characters of a request body in the log


@dataclass
class ModelUser:
    """A user as Entra believes the app holds it."""

    label: str  # "u1": how the log names it
    id: str
    user_name: str
    values: dict[str, Any]  # by Entra target path, other than userName and active
    active: bool = True
    manager: str | None = None  # the manager's server id
    renamed: bool = False  # its userName changed since it was created
    recreated: bool = False  # created with the userName of a user deleted before


@dataclass
class ModelGroup:
    """A group as Entra believes the app holds it."""

    label: str
    id: str
    display_name: str
    members: set[str] = field(default_factory=set)  # server ids of member users
    renamed: bool = False
    readded: set[str] = field(default_factory=set)  # users Entra added while members
    lost: set[str] = field(default_factory=set)  # members deleted while in the group


@dataclass
class Directory:
    """The users and groups of one cycle, by server id, and the userNames it deleted."""

    users: dict[str, ModelUser] = field(default_factory=dict)
    groups: dict[str, ModelGroup] = field(default_factory=dict)
    deleted_names: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # server id -> label, deleted too
    made: dict[str, int] = field(default_factory=dict)  # labels given, by prefix

    def label(self, prefix: str, resource_id: str) -> str:
        """A new label ("u3", "g1") for a resource just created: users and groups are
        counted apart, so a user's label does not depend on whether groups are provisioned."""
        self.made[prefix] = self.made.get(prefix, 0) + 1
        self.labels[resource_id] = f"{prefix}{self.made[prefix]}"
        return self.labels[resource_id]

    def by_label(self, label: str) -> str | None:
        """The server id of a live user or group by its label, or None."""
        for resource_id in (*self.users, *self.groups):
            if self.labels.get(resource_id) == label:
                return resource_id
        return None

    def named(self, ids: set[str] | frozenset[str]) -> str:
        """`u1, u3` for a set of server ids (unknown ids as they are)."""
        return ", ".join(sorted(self.labels.get(i, i) for i in ids)) or "(none)"

    def managers(self) -> set[str]:
        """Ids of the users that are someone's manager."""
        return {u.manager for u in self.users.values() if u.manager is not None}


@dataclass
class Step:
    """One Entra action of the cycle and the requests it sent."""

    number: int
    title: str
    requests: list[Exchange] = field(default_factory=list)


def _labelled(text: str, labels: dict[str, str]) -> str:
    for resource_id, label in labels.items():
        text = text.replace(resource_id, f"<{label}>")
    return text


def _body(exchange: Exchange) -> str:
    """The request body without the PatchOp envelope, on one line."""
    try:
        document = json.loads(exchange.request_body or "")
    except ValueError:
        return ""
    if isinstance(document, dict) and "Operations" in document:
        document = document["Operations"]
    elif isinstance(document, dict):
        document = {k: v for k, v in document.items() if k not in ("schemas", "meta")}
    text = json.dumps(document, ensure_ascii=False)
    return text if len(text) <= BODY_SHOWN else text[: BODY_SHOWN - 1] + "…"


def request_line(exchange: Exchange, base_url: str, labels: dict[str, str]) -> str:
    """`PATCH /Groups/<g1> [{"op": "Add", …}] → 204`, ids shown as labels."""
    parts = urlsplit(exchange.url)
    base = urlsplit(base_url).path.rstrip("/")
    path = parts.path[len(base) :] if parts.path.startswith(base) else parts.path
    query = f"?{unquote_plus(parts.query)}" if parts.query else ""
    body = _body(exchange)
    status = f"HTTP {exchange.status}" if exchange.status is not None else "no response"
    line = f"{exchange.method} {path}{query}" + (f" {body}" if body else "")
    return _labelled(f"{line} → {status}", labels)


def render(steps: list[Step], base_url: str, labels: dict[str, str]) -> str:
    """The cycle as numbered Entra steps, each with the requests Entra sent."""
    lines = []
    for step in steps:
        lines.append(f"step {step.number}: {step.title}")
        lines += [f"    {request_line(ex, base_url, labels)}" for ex in step.requests]
    return "\n".join(lines)
