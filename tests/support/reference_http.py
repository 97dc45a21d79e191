"""Talking to the reference server over HTTP in its own tests: schema URNs, the bodies Entra
sends, PATCH messages, reading nested values back, and the shape of a SCIM error."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from scim_conformance.reference import RunningServer

TOKEN = "test-token-0123456789"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CISCO = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"
CISCO_GROUP = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group"
ADSCIM = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
CISCO_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM_JSON = "application/scim+json"
MISSING = object()  # what `dig` finds where there is nothing; `op` without a value
WORK_EMAIL = ("emails", ("type", "work"), "value")  # a `dig` path


def uniq(prefix: str = "user") -> str:
    """A fresh name, so tests sharing a server never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def entra_user(user_name: str | None = None, **extra: Any) -> dict[str, Any]:
    """The POST body Entra sends to create a user."""
    name = user_name or f"{uniq()}@example.com"
    body: dict[str, Any] = {
        "schemas": [CORE, ENT],
        "externalId": uuid.uuid4().hex,
        "userName": name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": [],
    }
    body.update(extra)
    return body


def create_user(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    """POST an Entra-shaped user and return the created resource."""
    response = client.post("/Users", json=entra_user(**extra))
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def create_group(
    client: httpx.Client, members: tuple[str, ...] = (), name: str | None = None
) -> dict[str, Any]:
    """POST a group (Entra's body, plus members) and return it."""
    body: dict[str, Any] = {
        "schemas": [GROUP, ADSCIM],
        "displayName": name or uniq("group"),
        "externalId": uuid.uuid4().hex,
        "meta": {"resourceType": "Group"},
    }
    if members:
        body["members"] = [{"value": m} for m in members]
    response = client.post("/Groups", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def member_ids(group: dict[str, Any]) -> list[str]:
    """The ids of a group's members, in order."""
    return [m["value"] for m in group.get("members", [])]


def op(name: str, path: str | None = None, value: Any = MISSING) -> dict[str, Any]:
    """One PATCH operation."""
    out: dict[str, Any] = {"op": name}
    if path is not None:
        out["path"] = path
    if value is not MISSING:
        out["value"] = value
    return out


def patch(client: httpx.Client, url: str, *ops: dict[str, Any]) -> httpx.Response:
    """Send a PatchOp message."""
    return client.patch(url, json={"schemas": [PATCH_OP], "Operations": list(ops)})


def dig(resource: Any, *path: Any) -> Any:
    """Follow keys; a (name, value) tuple picks the list element with element[name] == value."""
    current = resource
    for step in path:
        if isinstance(step, tuple):
            found = [e for e in current if isinstance(e, dict) and e.get(step[0]) == step[1]]
            if not found:
                return MISSING
            current = found[0]
        elif (isinstance(current, dict) and step in current) or (
            isinstance(current, list) and isinstance(step, int) and step < len(current)
        ):
            current = current[step]
        else:
            return MISSING
    return current


def assert_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    """An RFC 7644 §3.12 error: status as a string, scimType when expected."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert isinstance(body.get("detail"), str)
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body


def client_for(running: RunningServer, token: str | None = TOKEN) -> httpx.Client:
    """An httpx client on the SCIM base URL."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    # Plain HTTP: verify=False skips building a TLS context, which costs ~50 ms per client.
    return httpx.Client(base_url=running.base_url, headers=headers, timeout=5, verify=False)
