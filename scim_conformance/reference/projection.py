"""`attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5, §3.9)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from .errors import bad_request
from .paths import is_urn_key, parse_attr_path, split_urn

# RFC 7643 §3.1/§2.4: returned "always", so never removed and always included.
ALWAYS = frozenset({"id", "schemas"})
_CORE_PREFIX = "urn:ietf:params:scim:schemas:core:"
# Per attribute: None selects the whole attribute, a set selects those sub-attributes.
_Rules: TypeAlias = "dict[str, set[str] | None]"


@dataclass
class Selection:
    """Parsed attribute names, grouped by section: "" for the top level, else the URN."""

    sections: set[str] = field(default_factory=set)
    rules: dict[str, _Rules] = field(default_factory=dict)

    def empty(self) -> bool:
        """Whether nothing was named."""
        return not self.sections and not self.rules

    def names(self, section: str = "") -> set[str]:
        """The lower-case attribute names selected in a section."""
        return set(self.rules.get(section, {}))


def parse_selection(text: str | None) -> Selection:
    """Parse a comma list such as `userName,name.givenName,urn:...:User:department`."""
    selection = Selection()
    for raw in (text or "").split(","):
        name = raw.strip()
        if not name:
            continue
        uri, rest = split_urn(name)
        if uri is not None and not rest:
            selection.sections.add(uri.lower())  # A whole extension, as Webex allows.
            continue
        try:
            path = parse_attr_path(name)
        except ValueError as exc:
            raise bad_request(f"bad attribute name {name!r}", "invalidValue") from exc
        core = path.uri is None or path.uri.lower().startswith(_CORE_PREFIX)
        rules = selection.rules.setdefault("" if core else str(path.uri).lower(), {})
        key = path.name.lower()
        if path.sub is None:
            rules[key] = None
        elif key not in rules or rules[key] is not None:
            subs = rules.get(key) or set()
            subs.add(path.sub.lower())
            rules[key] = subs
    return selection


def include(resource: dict[str, Any], selection: Selection) -> dict[str, Any]:
    """Only the selected attributes, plus those returned always."""
    out: dict[str, Any] = {}
    for key, value in resource.items():
        lowered = key.lower()
        if lowered in ALWAYS or lowered in selection.sections:
            out[key] = copy.deepcopy(value)
        elif is_urn_key(key) and isinstance(value, dict):
            picked = _pick(value, selection.rules.get(lowered, {}))
            if picked:
                out[key] = picked
        else:
            picked = _pick({key: value}, selection.rules.get("", {}))
            out.update(picked)
    return out


def exclude(resource: dict[str, Any], selection: Selection) -> dict[str, Any]:
    """Everything except the named attributes; those returned always stay."""
    out = copy.deepcopy(resource)
    for key in list(out):
        lowered = key.lower()
        if lowered in ALWAYS:
            continue
        if lowered in selection.sections:
            del out[key]
        elif is_urn_key(key) and isinstance(out[key], dict):
            _drop(out[key], selection.rules.get(lowered, {}))
        else:
            _drop(out, selection.rules.get("", {}), only=key)
    return out


def _pick(mapping: dict[str, Any], rules: _Rules) -> dict[str, Any]:
    """The members of `mapping` that the rules select."""
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if key.lower() not in rules:
            continue
        subs = rules[key.lower()]
        if subs is None:
            out[key] = copy.deepcopy(value)
        elif isinstance(value, dict):
            out[key] = {k: copy.deepcopy(v) for k, v in value.items() if k.lower() in subs}
        elif isinstance(value, list):
            picked = [
                {k: copy.deepcopy(v) for k, v in item.items() if k.lower() in subs}
                for item in value
                if isinstance(item, dict)
            ]
            out[key] = [p for p in picked if p]
    return out


def _drop(mapping: dict[str, Any], rules: _Rules, only: str | None = None) -> None:
    """Delete what the rules name from `mapping` (only the key `only`, when given)."""
    for key in [only] if only is not None else list(mapping):
        if key.lower() not in rules:
            continue
        subs = rules[key.lower()]
        value = mapping[key]
        if subs is None:
            del mapping[key]
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                for sub in [k for k in item if k.lower() in subs]:
                    del item[sub]
