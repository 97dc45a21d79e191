"""The PATCH engine (RFC 7644 §3.5.2), tolerant of both of Entra's PATCH dialects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ScimError, bad_request
from .faults import Fault
from .filters import Compare, FilterError, Logical, Node, PatchPath, parse_path
from .matching import matches
from .paths import AttrPath, ci_get, ci_key, ci_pop, container, owning_schema, split_urn
from .resources import normalise_manager, strip_nulls
from .schema import CORE_URN, ENTERPRISE_USER, PATCH_OP, Kind, is_multi_valued, is_read_only

_OPS = ("add", "replace", "remove")
# Server-managed attributes that a PATCH may mention but never changes.
_IGNORED = frozenset({"id", "meta", "schemas"})


@dataclass(frozen=True)
class Operation:
    """One validated element of `Operations`."""

    op: str
    path: str | None
    value: Any
    has_value: bool


def parse_operations(
    body: Any, faults: frozenset[Fault], kind: Kind | None = None
) -> list[Operation]:
    """Validate a PatchOp message (RFC 7644 §3.5.2) and return its operations."""
    schemas = ci_get(body, "schemas") if isinstance(body, dict) else None
    if not isinstance(schemas, list) or PATCH_OP.lower() not in [str(s).lower() for s in schemas]:
        raise bad_request(f"schemas must be [{PATCH_OP!r}]", "invalidSyntax")
    assert isinstance(body, dict)
    raw_ops = ci_get(body, "Operations")
    if not isinstance(raw_ops, list):
        raise bad_request("Operations must be a list", "invalidSyntax")
    operations = []
    for raw in raw_ops:
        if not isinstance(raw, dict) or not isinstance(ci_get(raw, "op"), str):
            raise bad_request("each operation needs an op", "invalidSyntax")
        op = ci_get(raw, "op")
        # op is case-insensitive (Microsoft's SCIM tutorial); the PATCH_OPS_CASE_SENSITIVE fault
        # refuses "Replace".
        strict = Fault.PATCH_OPS_CASE_SENSITIVE in faults
        if (op if strict else op.lower()) not in _OPS:
            raise bad_request(f"unknown op {op!r}", "invalidSyntax")
        path = ci_get(raw, "path")
        if path is not None and not isinstance(path, str):
            raise bad_request("path must be a string", "invalidPath")
        has_value = ci_key(raw, "value") is not None
        lower_remove = op == "remove" and str(path or "").lower() == "members" and has_value
        if lower_remove and Fault.LOWER_REMOVE_WITH_VALUE_IGNORED in faults:
            continue  # Fault: only the capitalised Remove with a value list is understood.
        rename = op == "replace" and str(path or "").lower() == "displayname" and kind == "Group"
        if rename and Fault.GROUP_LOWER_RENAME_BY_PATH_IGNORED in faults:
            continue  # Fault: only Entra's two rename shapes (Replace by path, path-less) work.
        value = ci_get(raw, "value")
        strict_ref = kind == "Group" and Fault.REFUSES_NULL_MEMBER_REF in faults
        if strict_ref and op.lower() == "add" and _null_ref(path, value):
            raise bad_request("members[].$ref must be a URI string", "invalidValue")
        operations.append(Operation(op.lower(), path or None, value, has_value))
    return operations


def _null_ref(path: Any, value: Any) -> bool:
    """Whether a members op carries `"$ref": null` (the REFUSES_NULL_MEMBER_REF fault refuses
    it in adds only: Entra's legacy removal sends it too, and is tested on its own)."""
    if str(path or "").lower() != "members":
        return False
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, dict) and "$ref" in v and v["$ref"] is None for v in values)


def apply_patch(kind: Kind, resource: dict[str, Any], body: Any, faults: frozenset[Fault]) -> None:
    """Apply every operation in order to `resource` (the caller passes a copy: atomicity)."""
    applier = _Applier(kind, resource, faults)
    for operation in parse_operations(body, faults, kind):
        applier.apply(operation)


def _seed(node: Node) -> dict[str, Any] | None:
    """The element a value filter of `eq` comparisons describes, e.g. {"type": "work"}."""
    if isinstance(node, Compare) and node.op == "eq" and node.path.uri is None:
        # Entra's seeded paths select by type (Microsoft's SCIM tutorial); a filter on `value`
        # names an element that must exist: Webex documents noTarget for it.
        if node.path.sub is None and node.value is not None and node.path.name.lower() != "value":
            return {node.path.name: node.value}
        return None
    if isinstance(node, Logical) and node.op == "and":
        left, right = _seed(node.left), _seed(node.right)
        return None if left is None or right is None else {**left, **right}
    return None


def _same(element: Any, target: Any) -> bool:
    """Whether a stored element is the one a legacy remove-with-value names (by its value)."""
    if isinstance(target, dict) and ci_key(target, "value") is None:
        return bool(element == target)
    wanted = ci_get(target, "value") if isinstance(target, dict) else target
    return bool((ci_get(element, "value") if isinstance(element, dict) else element) == wanted)


def _drop_one_each(existing: list[Any], targets: list[Any]) -> list[Any]:
    """The elements without the first one each target names (READDED_MEMBER_DUPLICATED)."""
    kept = list(existing)
    for target in targets:
        index = next((i for i, e in enumerate(kept) if _same(e, target)), None)
        if index is not None:
            del kept[index]
    return kept


def _merge(into: dict[str, Any], values: dict[str, Any]) -> None:
    """Set sub-attributes, keeping the existing spelling of each name (RFC 7643 §2.1)."""
    for name, item in values.items():
        into[ci_key(into, name) or name] = item


class _Applier:
    """Applies operations to one resource."""

    def __init__(self, kind: Kind, resource: dict[str, Any], faults: frozenset[Fault]) -> None:
        self.kind = kind
        self.resource = resource
        self.faults = faults

    def apply(self, operation: Operation) -> None:
        """Apply one operation, with or without a path."""
        if operation.path is not None:
            try:
                path = parse_path(operation.path)
            except FilterError as exc:
                raise bad_request(f"bad path {operation.path!r}: {exc}", "invalidPath") from exc
            self.at_path(operation.op, path, operation.value, operation.has_value, explicit=True)
            return
        if operation.op == "remove":
            if Fault.PATCH_NO_TARGET_IGNORED in self.faults:
                return  # Fault: a 200 that changed nothing.
            raise bad_request("remove needs a path", "noTarget")  # RFC 7644 §3.5.2.2
        if not isinstance(operation.value, dict):
            raise bad_request("a path-less add/replace needs an object value", "invalidValue")
        for key, item in operation.value.items():
            self.at_key(operation.op, key, item)

    def at_key(self, op: str, key: str, item: Any) -> None:
        """One member of a path-less value object: a name, a dotted path or a URN path."""
        uri, rest = split_urn(key)
        if uri is not None and not rest:
            # A whole extension object: its attributes are set one by one (RFC 7644 §3.5.2.3).
            if not isinstance(item, dict):
                raise bad_request(f"{key} must be an object", "invalidValue")
            for name, sub_item in item.items():
                self.at_path(op, PatchPath(AttrPath(uri, name)), sub_item, True, explicit=False)
            return
        if Fault.DOTTED_KEYS_LITERAL in self.faults and (uri is not None or "." in key):
            # Fault: "name.givenName" becomes a literal top-level attribute name.
            self.resource[key] = item
            return
        try:
            path = parse_path(key)
        except FilterError as exc:
            raise bad_request(f"bad attribute name {key!r}", "invalidPath") from exc
        self.at_path(op, path, item, True, explicit=False)

    def at_path(
        self, op: str, path: PatchPath, value: Any, has_value: bool, *, explicit: bool
    ) -> None:
        """Resolve the target attribute, apply the faults that skip or refuse it, then apply."""
        attr = path.attr
        urn = owning_schema(self.kind, self.resource, attr)
        core = CORE_URN[self.kind]
        if urn is None or (urn == core and attr.name.lower() in _IGNORED):
            return  # Unknown extension or server-managed attribute: ignored, as Webex documents.
        is_manager = urn == ENTERPRISE_USER and attr.name.lower() == "manager"
        if self.skipped_by_fault(path, urn, is_manager, value, op):
            return
        if is_read_only(urn, attr.name):
            if explicit:  # RFC 7644 §3.5.2: modifying a readOnly attribute is a mutability error.
                raise bad_request(f"{attr.name} is read-only", "mutability")
            return
        if op != "remove" and not has_value:
            raise bad_request(f"{op} needs a value", "invalidValue")
        if value is None and op == "replace" and Fault.NULL_UPDATE_500 in self.faults:
            raise ScimError(500, "internal error")  # Fault: the null-update crash.
        value = strip_nulls(value)
        if value is None and op != "remove":
            if op == "add":
                return
            op, has_value = "remove", False  # replace with null unassigns (RFC 7643 §2.5).
        holder = container(self.kind, self.resource, urn, create=op != "remove")
        if holder is None:
            return
        key = ci_key(holder, attr.name) or attr.name
        if is_manager:
            self.manager(op, holder, key, path, value)
        elif path.filter is not None:
            self.filtered(op, holder, key, path, value)
        elif attr.sub is not None:
            self.sub_attribute(op, holder, key, attr.sub, value)
        else:
            multi = is_multi_valued(urn, attr.name)
            if multi is None:  # Not in any schema: judge by the data.
                multi = isinstance(holder.get(key), list) or isinstance(value, list)
            self.whole(op, holder, key, value, has_value, multi=multi)

    def skipped_by_fault(
        self, path: PatchPath, urn: str, is_manager: bool, value: Any, op: str
    ) -> bool:
        """Apply the faults that refuse or silently skip an operation on this target."""
        name = path.attr.name.lower()
        if is_manager and Fault.MANAGER_UNSUPPORTED in self.faults:
            raise bad_request("manager is not supported", "invalidPath")
        is_active = self.kind == "User" and urn == CORE_URN["User"] and name == "active"
        if is_active and isinstance(value, str) and Fault.REJECT_STRING_BOOLEANS in self.faults:
            # Fault: a strict server that refuses Entra's legacy string booleans.
            raise bad_request("active must be a JSON boolean", "invalidValue")
        lower_string = value in ("true", "false")
        if is_active and lower_string and Fault.LOWER_STRING_BOOLEAN_IGNORED in self.faults:
            return True  # Fault: only "True"/"False" are recognised; a 200 no-op.
        if name == "roles" and Fault.ROLES_ENCODED_VALUE_REFUSED in self.faults and value:
            values = value if isinstance(value, list) else [value]
            if any(
                str(ci_get(v, "value") or "").startswith("{") for v in values if isinstance(v, dict)
            ):
                raise bad_request("a role value must be a role name", "invalidValue")
        enterprise_path = urn == ENTERPRISE_USER and path.attr.uri is not None and not is_manager
        nested = path.attr.sub is not None or path.filter is not None or path.attr.uri is not None
        clears = op == "replace" and value in (None, "") and not is_manager and nested
        return (
            (Fault.CLEAR_SUB_ATTRIBUTE_IGNORED in self.faults and clears)  # Fault: a 200 no-op.
            or (Fault.ENTERPRISE_IGNORED in self.faults and enterprise_path)
            or (Fault.MANAGER_IGNORED in self.faults and is_manager)  # Fault: a 200 no-op.
            or (Fault.FILTER_PATH_PATCH_IGNORED in self.faults and path.filter is not None)
            or (
                Fault.ROLES_PRIMARY_FILTER_IGNORED in self.faults
                and name == "roles"
                and path.filter is not None
            )
            or (
                Fault.DEACTIVATE_IGNORED in self.faults
                and self.kind == "User"
                and urn == CORE_URN["User"]
                and name == "active"
            )
        )

    def whole(
        self, op: str, holder: dict[str, Any], key: str, value: Any, has_value: bool, *, multi: bool
    ) -> None:
        """A path naming a whole attribute (RFC 7644 §3.5.2.1-3)."""
        existing = holder.get(key)
        if op == "remove":
            if multi and has_value and isinstance(existing, list):
                legacy_fault = bool(
                    {Fault.LEGACY_REMOVE_EMPTIES_GROUP, Fault.HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES}
                    & self.faults
                )
                if legacy_fault and self.kind == "Group" and key.lower() == "members":
                    holder[key] = []  # Fault: the classic Entra data-loss bug.
                    return
                # Entra legacy: remove "members" with a value list removes only those
                # (azure-docs #30826); a plain RFC remove would empty the group.
                targets = value if isinstance(value, list) else [value]
                if Fault.READDED_MEMBER_DUPLICATED in self.faults:
                    holder[key] = _drop_one_each(existing, targets)  # Fault: one copy only.
                    return
                holder[key] = [e for e in existing if not any(_same(e, t) for t in targets)]
            else:
                holder.pop(key, None)  # Removing an absent attribute is a no-op.
            return
        if multi:
            items = value if isinstance(value, list) else [value]
            replaces = op == "add" and Fault.ADD_REPLACES_MEMBERS in self.faults
            if op == "replace" or (replaces and self.kind == "Group" and key.lower() == "members"):
                holder[key] = items  # RFC 7644 §3.5.2.3: replaces all existing values.
                return  # (ADD_REPLACES_MEMBERS fault: an add of members does the same.)
            current = existing if isinstance(existing, list) else []
            for item in items:
                if item not in current:  # RFC 7644 §3.5.2.1: an existing value is not repeated.
                    current.append(item)
            holder[key] = current
        elif isinstance(existing, dict) and isinstance(value, dict):
            # Complex attribute: given sub-attributes replace, others stay (RFC 7644 §3.5.2.3).
            _merge(existing, value)
        else:
            holder[key] = value

    def sub_attribute(
        self, op: str, holder: dict[str, Any], key: str, sub: str, value: Any
    ) -> None:
        """`name.givenName`-style paths; on a multi-valued attribute every element is targeted."""
        existing = holder.get(key)
        elements = existing if isinstance(existing, list) else [existing]
        if op == "remove":
            for element in (e for e in elements if isinstance(e, dict)):
                ci_pop(element, sub)
            if existing == {}:
                del holder[key]
            return
        if isinstance(existing, list):
            for element in (e for e in existing if isinstance(e, dict)):
                _merge(element, {sub: value})
            return
        target = existing if isinstance(existing, dict) else {}
        _merge(target, {sub: value})
        holder[key] = target

    def filtered(
        self, op: str, holder: dict[str, Any], key: str, path: PatchPath, value: Any
    ) -> None:
        """`emails[type eq "work"].value` and `members[value eq "id"]` paths."""
        assert path.filter is not None
        existing = holder.get(key)
        elements: list[Any] = existing if isinstance(existing, list) else []
        name = path.attr.name
        hits = [e for e in elements if isinstance(e, dict) and matches(path.filter, e, parent=name)]
        if op == "remove":
            # No match is a no-op: Entra may remove a member that is already gone.
            if path.sub is not None:
                for element in hits:
                    ci_pop(element, path.sub)
            elif hits:
                if Fault.READDED_MEMBER_DUPLICATED in self.faults:
                    hits = hits[:1]  # Fault: a removal takes out one stored copy.
                holder[key] = [e for e in elements if not any(e is h for h in hits)]
            return
        if self.kind == "Group" and name.lower() == "members" and path.sub is not None:
            raise bad_request("members sub-attributes are immutable", "mutability")
        if not hits:
            seed = _seed(path.filter)
            if seed is None and Fault.PATCH_NO_TARGET_IGNORED in self.faults:
                return  # Fault: a 200 that changed nothing.
            if Fault.ADD_MISSING_ELEMENT_FAILS in self.faults or seed is None:
                raise bad_request(f"no {name} element matches the filter", "noTarget")
            # Entra (and Microsoft's SCIM Validator) send Add/Replace on
            # emails[type eq "work"].value before a work email exists. Chosen for both add and
            # replace (Webex documents noTarget for replace): create the element the filter
            # describes.
            elements.append(seed)
            holder[key] = elements
            hits = [seed]
        for element in hits:
            if path.sub is not None:
                _merge(element, {path.sub: value})
            elif isinstance(value, dict):
                _merge(element, value)
            else:
                raise bad_request(
                    "a filter path without sub-attribute needs an object", "invalidValue"
                )

    def manager(
        self, op: str, holder: dict[str, Any], key: str, path: PatchPath, value: Any
    ) -> None:
        """The enterprise manager, in any of the four shapes Entra has been seen to send."""
        existing = holder.get(key)
        if op == "remove":
            if path.filter is None or (
                isinstance(existing, dict) and matches(path.filter, existing, parent="manager")
            ):
                holder.pop(key, None)
            return
        if path.attr.sub is not None:
            value = {**(existing if isinstance(existing, dict) else {}), path.attr.sub: value}
        elif isinstance(value, str) and Fault.MANAGER_STRING_REJECTED in self.faults:
            raise bad_request("manager must be an object", "invalidValue")  # Fault.
        manager = normalise_manager(value)
        if manager is None:
            holder.pop(key, None)
        else:
            holder[key] = manager
