"""Attribute paths and case-insensitive attribute access (RFC 7643 §2.1, RFC 7644 §3.10)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .schema import CORE_URN, EXTENSIONS, KNOWN_URNS, Kind, definition

# RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar); "$ref" is the one name that starts with "$".
_ATTRNAME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$")


@dataclass(frozen=True)
class AttrPath:
    """`[uri:]name[.sub]` with `uri` None when the name is not URN-qualified."""

    uri: str | None
    name: str
    sub: str | None = None

    def dotted(self) -> str:
        """`name` or `name.sub` in lower case, the key used for caseExact lookups."""
        return self.name.lower() if self.sub is None else f"{self.name}.{self.sub}".lower()


def split_urn(text: str) -> tuple[str | None, str]:
    """Split a URN-qualified path into (uri, rest); rest is "" for a bare schema URN."""
    if not text.lower().startswith("urn:"):
        return None, text
    for urn in KNOWN_URNS:
        if text.lower() == urn.lower():
            return urn, ""
        # Cisco's own PATCH examples join extension and attribute with "." (Webex API docs).
        if text.lower().startswith(urn.lower()) and text[len(urn)] in ":.":
            return urn, text[len(urn) + 1 :]
    uri, _, rest = text.rpartition(":")
    return uri, rest


def parse_attr_path(text: str) -> AttrPath:
    """Parse `[uri:]name[.sub]`; raises ValueError when malformed."""
    uri, rest = split_urn(text.strip())
    name, dot, sub = rest.partition(".")
    if not _ATTRNAME.match(name) or (dot and not _ATTRNAME.match(sub)):
        raise ValueError(f"malformed attribute path {text!r}")
    return AttrPath(uri, name, sub if dot else None)


def ci_key(mapping: dict[str, Any], name: str) -> str | None:
    """The key of `mapping` equal to `name` ignoring case (RFC 7643 §2.1), if any."""
    if name in mapping:
        return name
    lowered = name.lower()
    return next((key for key in mapping if key.lower() == lowered), None)


def ci_get(mapping: dict[str, Any], name: str) -> Any:
    """`mapping[name]` ignoring case, or None."""
    key = ci_key(mapping, name)
    return None if key is None else mapping[key]


def ci_pop(mapping: dict[str, Any], name: str) -> Any:
    """Remove and return `mapping[name]` ignoring case, or None."""
    key = ci_key(mapping, name)
    return None if key is None else mapping.pop(key)


def is_urn_key(key: str) -> bool:
    """Whether a top-level key names a schema extension section rather than an attribute."""
    return key.lower().startswith("urn:")


def owning_schema(kind: Kind, resource: dict[str, Any], path: AttrPath) -> str | None:
    """The schema URN an attribute lives in; None for an unknown URN."""
    # An unqualified name means the core schema (RFC 7644 §3.10) unless the core schema does
    # not define it, it is not already stored at the top level, and a known extension defines
    # it: Entra sends plain `manager` for the enterprise manager (an older Microsoft tutorial).
    core = CORE_URN[kind]
    if path.uri is not None:
        if path.uri.lower() == core.lower():
            return core
        return next((u for u in EXTENSIONS[kind] if u.lower() == path.uri.lower()), None)
    if definition(core, path.name) is not None or ci_key(resource, path.name) is not None:
        return core
    for urn in EXTENSIONS[kind]:
        if definition(urn, path.name) is not None:
            return urn
    return core


def container(
    kind: Kind, resource: dict[str, Any], schema_urn: str, *, create: bool
) -> dict[str, Any] | None:
    """The dict holding a schema's attributes: the resource itself or its extension section."""
    if schema_urn == CORE_URN[kind]:
        return resource
    key = ci_key(resource, schema_urn)
    section = None if key is None else resource[key]
    if isinstance(section, dict):
        return section
    if not create:
        return None
    resource[schema_urn] = section = {}
    return section


def lookup(resource: dict[str, Any], path: AttrPath) -> list[Any]:
    """Every value `path` names in a resource, flattened (multi-valued attributes expand)."""
    # Works on any resource kind: a URN that is a top-level section key selects that section,
    # a core URN (or none) selects the top level, and an unqualified name missing from the top
    # level is looked for in the extension sections (lenient, like Webex's filter table).
    holder: Any = resource
    if path.uri is not None:
        section = ci_get(resource, path.uri)
        if isinstance(section, dict):
            holder = section
        elif not path.uri.lower().startswith("urn:ietf:params:scim:schemas:core:"):
            return []
    elif ci_key(resource, path.name) is None:
        for key, section in resource.items():
            if is_urn_key(key) and isinstance(section, dict) and ci_key(section, path.name):
                holder = section
                break
    values = _flatten([ci_get(holder, path.name)])
    if path.sub is not None:
        values = _flatten([ci_get(v, path.sub) for v in values if isinstance(v, dict)])
    return values


def _flatten(values: list[Any]) -> list[Any]:
    """Expand lists one level and drop absent values."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(v for v in value if v is not None)
        elif value is not None:
            out.append(value)
    return out
