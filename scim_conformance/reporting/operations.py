"""Entra's operations: what a request that met a finding asked for, dialect-free.

`PATCH /Users/{id} replace active`, `GET /Users page`, `GET /Users filter`, `POST /Users`:
the method, the path with ids taken out, and what the request does. Findings
(`findings.py`) are keyed by them, and baseline entries (`baseline.py`) pin them; two
operations are one cause when they share a change (`overlaps`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scim_conformance.http.transcript import Exchange

_RESOURCE_ID = re.compile(r"/(Users|Groups)/[^/?#]+")
_FILTER_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
# `members[value eq "…"]`: a filter that picks whole elements of an attribute, as the flag
# dialect removes a member (the legacy dialect names `members` and lists the values).
_WHOLE_ELEMENTS = re.compile(r"^([^\[\].]+)\[[^\]]*\]$")
PAGING = ("startIndex", "count")


def path_template(url: str, base_url: str) -> str:
    """`/Users/{id}` for `https://host/scim/v2/Users/2819c223`; query keys kept, values not."""
    parts = urlsplit(url)
    base_path = urlsplit(base_url).path.rstrip("/")
    path = parts.path[len(base_path) :] if parts.path.startswith(base_path) else parts.path
    path = _RESOURCE_ID.sub(lambda m: f"/{m.group(1)}/{{id}}", path) or "/"
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + (f"?{'&'.join(keys)}" if keys else "")


def _operations(body: str | None) -> list[dict[str, Any]]:
    try:
        document = json.loads(body or "")
    except ValueError:
        return []
    operations = document.get("Operations") if isinstance(document, dict) else None
    return [op for op in operations if isinstance(op, dict)] if isinstance(operations, list) else []


def _touched(operation: dict[str, Any]) -> set[str]:
    path = operation.get("path")
    value = operation.get("value")
    if isinstance(path, str) and path:
        return {_FILTER_LITERAL.sub('"…"', path)}
    if isinstance(value, dict):
        return {str(key) for key in value}
    return set()


def patched_attributes(body: str | None) -> list[str]:
    """The attribute paths a PATCH body touches, the same for both Entra dialects:
    `Replace name.givenName` and path-less `replace {"name.givenName": …}` are one kind."""
    touched: set[str] = set()
    for operation in _operations(body):
        touched |= _touched(operation)
    return sorted(touched)


def patch_operation(body: str | None, actual: str = "") -> str:
    """`replace active`, `add members; remove members[value eq "…"]`: the ops of a PATCH
    (lower-cased: Entra's legacy `Replace` is the flag dialect's `replace`) and the
    attributes each changes. Where the finding's `actual` names the attributes read back
    wrong, only those: a defect in one attribute of a PATCH that changes several is met on
    the operation that changes it, whichever test sent it."""
    by_op: dict[str, set[str]] = {}
    for operation in _operations(body):
        name = str(operation.get("op", "")).lower()
        by_op.setdefault(name, set()).update(_touched(operation))
    shown = _FILTER_LITERAL.sub('"…"', actual)  # `emails[type eq "work"].value = …`
    wrong = {name: {a for a in attrs if f"{a} = " in shown} for name, attrs in by_op.items()}
    if any(wrong.values()):
        by_op = {name: attrs for name, attrs in wrong.items() if attrs}
    return "; ".join(
        f"{name} {','.join(sorted(attrs))}".strip() for name, attrs in sorted(by_op.items())
    )


def query_operation(url: str) -> str:
    """`page` for a list paged with startIndex/count (filtered or not), `filter` for a
    filtered one, nothing otherwise."""
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    keys = sorted({key for key, _ in query})
    if any(key in PAGING for key in keys):
        return "page"
    if "filter" in keys:
        # Not by attribute: a server that ignores filters fails the userName and the
        # externalId query alike (one defect), as Entra's matching sends either.
        return "filter"
    # Other keys (attributes, excludedAttributes) do not split a defect: one server that
    # ignores them fails a read by id and a query, each once.
    return ""


def request_kind(exchange: Exchange | None, base_url: str) -> str:
    """`PATCH /Users/{id} active`: the request a finding is about, as reports show it."""
    if exchange is None:
        return ""
    kind = f"{exchange.method} {path_template(exchange.url, base_url)}"
    if exchange.method == "PATCH":
        kind += " " + ",".join(patched_attributes(exchange.request_body))
    return kind.strip()


def operation_of(
    exchange: Exchange | None, base_url: str, actual: str = "", *, stored: bool = True
) -> str:
    """Entra's operation a finding was met on, dialect-free: `PATCH /Users/{id} replace
    active`, `GET /Users page`, `GET /Users filter`, `POST /Users`. A PATCH is told apart
    by what it changes only where a read-back showed the change was not `stored` right:
    a rule about the PATCH's own answer (its status, its body) is met by every PATCH."""
    if exchange is None:
        return ""
    path = path_template(exchange.url, base_url).split("?", 1)[0]
    detail = ""
    if exchange.method == "PATCH" and stored:
        detail = patch_operation(exchange.request_body, actual)
    elif exchange.method == "GET":
        detail = query_operation(exchange.url)
    return f"{exchange.method} {path}{f' {detail}' if detail.strip() else ''}"


def resource(operation: str) -> str:
    return " ".join(operation.split(" ", 2)[:2])  # `PATCH /Users/{id}`


def parts_of(operation: str) -> tuple[str, set[str]]:
    """`PATCH /Users/{id}` and the attributes it changes, whatever the op ({"active"}); any
    path with a filter is one part, `[filter]` (a server mishandling value filters fails
    them all alike); a GET's `page` or `filter` is one part."""
    method, path, detail = [*operation.split(" ", 2), "", ""][:3]
    if method != "PATCH":
        # A create, a delete or a read by id has no part to share: rules broken on it are
        # not one cause by that alone (a dropped extension and ignored size limits).
        return f"{method} {path}", {detail} if detail else set()
    parts = set()
    for changes in detail.split("; ") if detail else []:
        _, _, attributes = changes.partition(" ")
        for attribute in attributes.split(","):
            parts |= _parts(attribute)
    return f"{method} {path}", parts


def _parts(path: str) -> set[str]:
    """`[filter]` for any path with a value filter, and the attribute itself where the filter
    picks whole elements (`members[value eq "…"]` is the flag dialect's removal of what the
    legacy dialect removes as `members` with a value list: one operation); a schema URN's
    attribute by its name (`urn:…:User:manager` is `manager`, Entra's two shapes of it)."""
    whole = _WHOLE_ELEMENTS.match(path)
    if whole:
        return {"[filter]", whole.group(1)}
    if "[" in path:
        return {"[filter]"}
    return {path.rsplit(":", 1)[-1] if path.startswith("urn:") else path}


def overlaps(one: str, other: str) -> bool:
    """The same resource, and an attribute (or query) in common: one defect met through
    two PATCHes that both change `name.givenName`, by whatever op, is one cause."""
    (where, parts), (there, others) = parts_of(one), parts_of(other)
    return where == there and bool(parts & others)


def within(part: str, whole: str) -> bool:
    """Every change of `part` is one of `whole`'s, on the same resource."""
    (where, parts), (there, others) = parts_of(part), parts_of(whole)
    return where == there and parts <= others


def _changes(operation: str) -> set[str]:
    detail = operation.split(" ", 2)[2] if operation.count(" ") >= 2 else ""
    return {
        f"{op} {attribute}"
        for op, _, attributes in (c.partition(" ") for c in detail.split("; ") if detail)
        for attribute in attributes.split(",")
    }


def union(one: str, other: str) -> str:
    """The operation covering both: `PATCH /Users/{id} replace department,givenName`."""
    where = " ".join(one.split(" ", 2)[:2])
    if not where.startswith("PATCH "):
        return one
    by_op: dict[str, set[str]] = {}
    for change in _changes(one) | _changes(other):
        op, _, attribute = change.partition(" ")
        by_op.setdefault(op, set()).add(attribute)
    detail = "; ".join(f"{op} {','.join(sorted(a))}" for op, a in sorted(by_op.items()))
    return f"{where} {detail}"
