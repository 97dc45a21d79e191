"""/Schemas flattened into attribute names the way Microsoft's Schema_Discoverability_Test
flattens it, to compare with the attributes an app's mapping sends, ignoring case
(SCIMTests_Workflow.json in AzureAD/SCIMReferenceCode, Microsoft.SCIM.LogicAppValidationTemplate):

* a simple attribute is its name (`title`); a reference-typed one is skipped;
* a single-valued complex attribute gives `name.sub` for each simple sub-attribute;
* a multi-valued complex attribute gives `name[type eq "<canonical>"].sub` for each canonical
  type and each sub-attribute but type and primary, or `name[primary eq "True"].sub` when
  its type has no canonical values;
* `manager` and `members` are their names; an extension's attributes are `<urn>:<name>`.

Where Microsoft's flattening is narrower than RFC 7643 allows, the suite accepts more (no
false alarm): a multi-valued complex attribute also counts by its bare name (`roles`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
_BY_NAME = frozenset({"manager", "members"})


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def flatten_attribute(attribute: dict[str, Any]) -> list[str]:
    """The names one attribute definition stands for."""
    name = str(attribute.get("name", ""))
    kind = str(attribute.get("type", "")).lower()
    subs = _dicts(attribute.get("subAttributes"))
    if name in _BY_NAME:
        return [name]
    if kind == "complex" and attribute.get("multiValued") is True:
        type_sub = next((s for s in subs if s.get("name") == "type"), None)
        canonical = (type_sub or {}).get("canonicalValues")
        names = [name]  # the suite's tolerance: the attribute as a whole
        if isinstance(canonical, list) and canonical:
            for value in canonical:
                names += [
                    f'{name}[type eq "{value}"].{s.get("name")}'
                    for s in subs
                    if s.get("name") not in ("type", "primary")
                ]
        else:
            names += [f'{name}[primary eq "True"].{s.get("name")}' for s in subs]
            names = [n for n in names if not n.endswith("].primary")]
        return names
    if kind == "complex":
        return [
            f"{name}.{s.get('name')}"
            for s in subs
            if str(s.get("type", "")).lower() not in ("complex", "reference")
        ]
    return [] if kind == "reference" else [name]


def flatten(schemas: Iterable[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(user names, group names), lower-cased: the core User schema and every extension
    but the core Group schema count for users; the core Group schema for groups."""
    users: set[str] = set()
    groups: set[str] = set()
    for schema in schemas:
        urn = str(schema.get("id", ""))
        attributes = _dicts(schema.get("attributes"))
        if urn == GROUP_URN:
            groups.update(n for a in attributes for n in flatten_attribute(a))
        elif urn == USER_URN:
            users.update(n for a in attributes for n in flatten_attribute(a))
        else:
            users.update(f"{urn}:{a.get('name')}" for a in attributes)
    return {n.lower() for n in users}, {n.lower() for n in groups}


def missing(mapped: Iterable[str], described: set[str]) -> list[str]:
    """The mapped attribute names /Schemas does not describe (id is never looked for)."""
    return sorted(name for name in mapped if name != "id" and name.lower() not in described)
