"""Read a value out of a SCIM resource by the attribute path Entra used to write it.

Only the path forms Entra emits (Microsoft's SCIM tutorial): `attr`, `attr.sub`,
`attr[type eq "x"].sub` and URN-qualified `urn:…:User:attr`. Attribute names are
case-insensitive (RFC 7643 §2.1), so lookups are too.
"""

from __future__ import annotations

import re
from typing import Any

MISSING: Any = object()

_VALUE_PATH = re.compile(
    r'^(?P<attr>[^\[]+)\[(?P<key>\w+) eq "(?P<val>[^"]*)"\](?:\.(?P<sub>\w+))?$'
)
_URN_ATTR = re.compile(r"^(?P<urn>urn:.+):(?P<rest>[^:]+)$")


def get_key(obj: Any, name: str) -> Any:
    """obj[name] with a case-insensitive key match; MISSING if absent."""
    if not isinstance(obj, dict):
        return MISSING
    if name in obj:
        return obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if key.lower() == lowered:
            return value
    return MISSING


def value_at(resource: dict[str, Any], path: str) -> Any:
    """The value at `path` in `resource`, or MISSING."""
    urn = _URN_ATTR.match(path)
    if urn and "[" not in path:
        return _dotted(get_key(resource, urn.group("urn")), urn.group("rest"))
    match = _VALUE_PATH.match(path)
    if match:
        elements = get_key(resource, match.group("attr"))
        if not isinstance(elements, list):
            return MISSING
        key, wanted = match.group("key"), match.group("val").lower()
        for element in elements:
            found = get_key(element, key)
            # `roles[primary eq "True"]`: Entra compares a boolean with a string.
            text = str(found).lower() if isinstance(found, bool) else found
            if isinstance(text, str) and text.lower() == wanted:
                sub = match.group("sub")
                return get_key(element, sub) if sub else element
        return MISSING
    return _dotted(resource, path)


def _dotted(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = get_key(obj, part)
        if obj is MISSING:
            return MISSING
    return obj


def manager_id(resource: dict[str, Any]) -> Any:
    """The enterprise manager's id, whether stored as an object or a bare string."""
    manager = value_at(
        resource, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
    )
    if isinstance(manager, dict):
        return get_key(manager, "value")
    if isinstance(manager, list) and manager:
        return get_key(manager[0], "value")
    return manager
