"""Evaluate a parsed SCIM filter against a resource (RFC 7644 §3.4.2.2)."""

from __future__ import annotations

from typing import Any

from .filters import Compare, Logical, Node, Not, Present, ValuePath
from .paths import AttrPath, ci_get, lookup
from .schema import CASE_EXACT


def matches(
    node: Node,
    resource: dict[str, Any],
    *,
    case_exact: frozenset[str] = CASE_EXACT,
    parent: str | None = None,
) -> bool:
    """Whether `resource` satisfies the filter (`parent`: the attribute of a value filter)."""
    # Inside `members[value eq "x"]` each element is tested with parent "members", so the
    # caseExact lookup sees "members.value".
    if isinstance(node, Logical):
        left = matches(node.left, resource, case_exact=case_exact, parent=parent)
        if node.op == "and":
            return left and matches(node.right, resource, case_exact=case_exact, parent=parent)
        return left or matches(node.right, resource, case_exact=case_exact, parent=parent)
    if isinstance(node, Not):
        return not matches(node.inner, resource, case_exact=case_exact, parent=parent)
    if isinstance(node, ValuePath):
        elements = lookup(resource, AttrPath(node.path.uri, node.path.name))
        return any(
            matches(node.inner, element, case_exact=case_exact, parent=node.path.name)
            for element in elements
            if isinstance(element, dict)
        )
    values = lookup(resource, node.path)
    if isinstance(node, Present):
        # RFC 7644 §3.4.2.2 "pr": has a non-empty value.
        return any(v not in ("", [], {}) for v in values)
    return _compare_all(node, values, _is_exact(node.path, parent, case_exact))


def _is_exact(path: AttrPath, parent: str | None, case_exact: frozenset[str]) -> bool:
    """RFC 7643 §2.4 caseExact for the attribute a comparison names."""
    dotted = path.dotted() if parent is None else f"{parent}.{path.name}".lower()
    return dotted in case_exact


def _compare_all(node: Compare, values: list[Any], exact: bool) -> bool:
    """Multi-valued attributes match when any value matches (RFC 7644 §3.4.2.2)."""
    # A complex attribute compared with a plain value means its "value" sub-attribute, as in
    # Entra's `manager eq "<id>"` reference check (Microsoft's SCIM tutorial).
    scalars = [ci_get(v, "value") if isinstance(v, dict) else v for v in values]
    scalars = [v for v in scalars if v is not None]
    if node.value is None:
        # "eq null" asks for an unassigned attribute (RFC 7643 §2.5 null == unassigned).
        return (not scalars) if node.op == "eq" else bool(scalars)
    if node.op == "ne":
        # Chosen reading: "ne" is the negation of "eq", so an absent attribute matches.
        return not any(_compare("eq", v, node, exact) for v in scalars)
    return any(_compare(node.op, v, node, exact) for v in scalars)


def _compare(op: str, actual: Any, node: Compare, exact: bool) -> bool:
    """Compare one stored value with the filter's compValue."""
    expected = node.value
    if isinstance(expected, bool) or isinstance(actual, bool):
        # Entra's `roles[primary eq "True"]` compares a boolean with a string.
        if isinstance(expected, str) and expected.lower() in ("true", "false"):
            expected = expected.lower() == "true"
        return isinstance(actual, bool) and isinstance(expected, bool) and (actual == expected)
    if isinstance(expected, (int, float)):
        if isinstance(actual, (int, float)):
            return _order(op, actual, expected)
        # A bare number such as `externalId eq 12345` is meant as the stored string.
        if not isinstance(actual, str) or node.raw is None:
            return False
        expected = node.raw
    if not isinstance(actual, str) or not isinstance(expected, str):
        return False
    have, want = (actual, expected) if exact else (actual.casefold(), expected.casefold())
    if op == "co":
        return want in have
    if op == "sw":
        return have.startswith(want)
    if op == "ew":
        return have.endswith(want)
    # Dates are stored in one ISO 8601 UTC format, so string order is time order.
    return _order(op, have, want)


def _order(op: str, actual: Any, expected: Any) -> bool:
    """eq and the ordering operators on two values of one type."""
    if op == "eq":
        return bool(actual == expected)
    if op == "gt":
        return bool(actual > expected)
    if op == "ge":
        return bool(actual >= expected)
    if op == "lt":
        return bool(actual < expected)
    if op == "le":
        return bool(actual <= expected)
    return False
