"""The check a repro script runs on the answer that showed a finding's deviation.

This module is copied whole into every repro script (`python3 -c "$CHECK" ...`), so it
uses the standard library only and reads nothing of the package. The same functions
judge the run's own recorded answer when the script is written (`reporting/deviation.py`):
a condition that does not hold on the answer the run saw is never shipped.

A condition ("deviation predicate") is a small JSON object, `{"kind": ..., ...}`; `judge`
says whether an answer deviates (True), conforms (False) or cannot be judged (None).
"""

from __future__ import annotations

import json
import sys
from email.utils import parsedate_to_datetime
from typing import Any

_ABSENT = object()
_ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _key(obj: Any, name: str) -> Any:
    """`obj[name]`, the name matched without case (RFC 7643 §2.1), or _ABSENT."""
    if not isinstance(obj, dict):
        return _ABSENT
    if name in obj:
        return obj[name]
    for key, value in obj.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return _ABSENT


def _split_filter(step: str) -> tuple[str, str, str] | None:
    """`emails[type eq "work"]` → ("emails", "type", "work")."""
    if not step.endswith("]") or "[" not in step:
        return None
    attr, inner = step[:-1].split("[", 1)
    parts = inner.split(" ", 2)
    if len(parts) != 3 or parts[1].lower() != "eq":
        return None
    return attr, parts[0], parts[2].strip('"')


def _steps(path: str) -> list[str]:
    """`emails[type eq "a.b"].value` → ['emails[type eq "a.b"]', 'value'] (dots split
    outside brackets only)."""
    steps, current, depth = [], "", 0
    for char in path:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "." and depth == 0:
            steps.append(current)
            current = ""
        else:
            current += char
    return [*steps, current]


def _walk(obj: Any, path: str) -> Any:
    steps = _steps(path)
    for step in steps:
        wanted = _split_filter(step)
        if wanted is None:
            obj = _key(obj, step)
        else:
            elements = _key(obj, wanted[0])
            matches = [
                element
                for element in (elements if isinstance(elements, list) else [])
                if str(_key(element, wanted[1])).lower() == wanted[2].lower()
            ]
            obj = matches[0] if matches else _ABSENT
        if obj is _ABSENT:
            return _ABSENT
    return obj


def value_at(body: Any, path: str) -> Any:
    """The value at a SCIM attribute path: URN-qualified, dotted, with `[key eq "v"]`
    filters; a bare name not found at the top is looked for in the extension sections."""
    if path.startswith("urn:") and "[" not in path:
        urn, _, rest = path.rpartition(":")
        return _walk(_key(body, urn), rest)
    found = _walk(body, path)
    if found is _ABSENT and isinstance(body, dict):
        for key, section in body.items():
            if isinstance(key, str) and key.startswith("urn:") and isinstance(section, dict):
                found = _walk(section, path)
                if found is not _ABSENT:
                    break
    if path == "manager" and found is _ABSENT:
        found = _walk(_key(body, _ENTERPRISE), "manager")
    return found


def _same(seen: Any, wanted: Any) -> bool:
    if seen is _ABSENT or seen is None:
        return wanted is None
    if isinstance(seen, dict) and not isinstance(wanted, dict) and "value" in seen:
        seen = seen["value"]  # a reference ({"value": id}) compared with its id
    return bool(seen == wanted)


def _resources(body: Any) -> list[Any]:
    """The resources of a ListResponse, or the body itself as the only one."""
    listed = _key(body, "Resources")
    if isinstance(listed, list):
        return listed
    return [] if _key(body, "totalResults") is not _ABSENT else [body]


def _held(resources: list[Any], name: str) -> list[bool]:
    return [_key(resource, name) is not _ABSENT for resource in resources]


def _member_ids(resource: Any) -> list[str]:
    members = _key(resource, "members")
    elements = members if isinstance(members, list) else []
    return [str(_key(m, "value")) for m in elements if isinstance(m, dict)]


def _show(value: Any) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, ensure_ascii=False)


def _retry_after(status: int, headers: dict[str, str]) -> tuple[bool | None, str]:
    """A 429's Retry-After: delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if status != 429:
        return None, f"HTTP {status}, not a 429"
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return False, f"HTTP 429, Retry-After: {value}"
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return True, f"HTTP 429, Retry-After: {value or '(none)'}"
    return False, f"HTTP 429, Retry-After: {value}"


def _listed_ids(resources: list[Any]) -> list[str]:
    return [str(_key(r, "id")) for r in resources if isinstance(r, dict)]


def _resource_type(resources: list[Any], schema: str, endpoint: str) -> bool:
    """A resource type with this schema and endpoint is listed (a trailing / aside)."""
    return any(
        _key(r, "schema") == schema and str(_key(r, "endpoint")).rstrip("/") == endpoint
        for r in resources
    )


def _judge_list(predicate: dict[str, Any], resources: list[Any]) -> tuple[bool | None, str]:
    """The conditions on the resources of a list answer."""
    kind = predicate["kind"]
    ids = _listed_ids(resources)
    if kind == "listed-ids":  # discovery: each of these ids listed
        missing = [urn for urn in predicate["expected"] if urn not in ids]
        return bool(missing), f"missing {missing}" if missing else "all listed"
    if kind == "resource-type":
        held = _resource_type(resources, predicate["schema"], predicate["endpoint"])
        shown = "listed" if held else f"not among {len(resources)} resource type(s)"
        return not held, f"{predicate['schema']} at {predicate['endpoint']}: {shown}"
    if kind == "listed":  # one resource on this page of an unfiltered list
        present = predicate["id"] in ids
        return present != predicate["present"], f"{len(ids)} listed, this one {present}"
    return None, "no condition for this finding"


def _page(predicate: dict[str, Any], body: Any, resources: list[Any]) -> tuple[bool, str]:
    """A requested page: its startIndex echoed, at most `max` resources, and some while
    totalResults says there are resources from startIndex on."""
    start, total = _key(body, "startIndex"), _key(body, "totalResults")
    empty = not resources and isinstance(total, int) and total >= predicate["start"]
    wrong = start != predicate["start"] or len(resources) > predicate["max"] or empty
    return wrong, f"startIndex {_show(start)}, {len(resources)} resource(s), total {_show(total)}"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _flattened(attribute: Any) -> list[str]:
    """The names an attribute definition describes, as Microsoft's schema test flattens
    /Schemas (`title`, `name.givenName`, `emails[type eq "work"].value`), plus a
    multi-valued attribute's bare name; lower-cased."""
    name = str(_key(attribute, "name"))
    kind = str(_key(attribute, "type")).lower()
    subs = [s for s in _list(_key(attribute, "subAttributes")) if isinstance(s, dict)]
    names = [name]
    if kind == "complex" and _key(attribute, "multiValued") is True:
        types = next((s for s in subs if s.get("name") == "type"), {}).get("canonicalValues")
        wanted = [s for s in subs if s.get("name") not in ("type", "primary")]
        filters = [f'type eq "{t}"' for t in types] if types else ['primary eq "True"']
        names += [f"{name}[{f}].{s.get('name')}" for f in filters for s in wanted]
    elif kind == "complex":
        names = [f"{name}.{s.get('name')}" for s in subs]
    return [n.lower() for n in names]


def _described(body: Any, wanted: list[list[str]]) -> tuple[bool, str]:
    """Each (User|Group, name) described by /Schemas: the core schema of its kind, and
    for users every extension too (as `<urn>:<name>`)."""
    group_urn = "urn:ietf:params:scim:schemas:core:2.0:Group"
    described: dict[str, set[str]] = {"User": set(), "Group": set()}
    for schema in _resources(body):
        urn = str(_key(schema, "id"))
        attributes = [a for a in _list(_key(schema, "attributes")) if isinstance(a, dict)]
        if urn == group_urn:
            described["Group"].update(n for a in attributes for n in _flattened(a))
        elif urn == "urn:ietf:params:scim:schemas:core:2.0:User":
            described["User"].update(n for a in attributes for n in _flattened(a))
        else:
            described["User"].update(f"{urn}:{a.get('name')}".lower() for a in attributes)
    missing = [f"{k} {n}" for k, n in wanted if n.lower() not in described.get(k, set())]
    return bool(missing), f"missing: {', '.join(missing)}" if missing else "all described"


def judge(
    predicate: dict[str, Any],
    status: int | None,
    content_type: str,
    text: str,
    headers: dict[str, str] | None = None,
) -> tuple[bool | None, str]:
    """(deviates, what the answer shows) for one answer; deviates is None when the answer
    cannot be judged (no response, no JSON where one is needed, or JSON of a shape the
    condition cannot walk). `headers` are the answer's, by lower-case name."""
    try:
        return _judge(predicate, status, content_type, text, headers or {})
    except (TypeError, KeyError, AttributeError, ValueError) as error:
        return None, f"HTTP {status}: an answer this check cannot read ({error})"


def _judge(
    predicate: dict[str, Any],
    status: int | None,
    content_type: str,
    text: str,
    headers: dict[str, str],
) -> tuple[bool | None, str]:
    kind = predicate.get("kind")
    if status is None:
        return None, "no HTTP response"
    if kind == "retry-after":
        return _retry_after(status, headers)
    if kind == "status":
        return status not in predicate["expected"], f"HTTP {status}"
    if kind == "content-type":
        media = content_type.split(";", 1)[0].strip().lower()
        return media != predicate["expected"], f"Content-Type: {content_type or '(none)'}"
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    if kind == "error-body":
        ok = (
            isinstance(body, dict)
            and _ERROR_URN in (body.get("schemas") or [])
            and body.get("status") == str(status)
        )
        return not ok, f"HTTP {status}, body {text[:300]!r}"
    if not isinstance(body, (dict, list)):
        return None, f"HTTP {status} without a JSON body"
    resources = _resources(body)
    if kind == "values":
        wrong = [
            f"{path} = {_show(value_at(body, path))}"
            for path, value in predicate["values"]
            if not _same(value_at(body, path), value)
        ]
        shown = [f"{path} = {_show(value_at(body, path))}" for path, _ in predicate["values"]]
        return bool(wrong), "; ".join(shown)
    if kind == "members":
        seen = sorted(_member_ids(body))
        return seen != sorted(predicate["expected"]), f"members {seen}"
    if kind == "member-listed":  # a membership filter's answer: listed means a member
        listed = bool(resources)
        return listed != predicate["present"], f"{len(resources)} group(s) listed"
    if kind == "member-has":
        has = any(predicate["member"] in _member_ids(r) for r in resources)
        return has != predicate["present"], "member listed" if has else "member not listed"
    if kind == "no-attribute":
        name = predicate["attribute"]
        has = any(_key(r, name) is not _ABSENT for r in resources)
        return has, f"{name} {'present' if has else 'absent'}"
    if kind == "ids":
        ids = [str(_key(r, "id")) for r in resources]
        return ids != predicate["expected"], f"{len(ids)} resource(s): {', '.join(ids) or 'none'}"
    if kind == "at-most":
        return len(resources) > predicate["count"], f"{len(resources)} resource(s)"
    if kind == "projection":
        missing = [a for a in predicate["present"] if not all(_held(resources, a))]
        extra = [a for a in predicate["absent"] if any(_held(resources, a))]
        return bool(missing or extra), f"missing {missing}; unexpected {extra}"
    if kind == "reference-object":  # {"value": id}, not a bare string
        seen = value_at(body, predicate["path"])
        return isinstance(seen, str), f"{predicate['path']} {_show(seen)}"
    if kind == "unassigned":  # absent, null and "" count as unassigned
        held = [(path, value_at(body, path)) for path in predicate["paths"]]
        left = [f"{p} = {_show(v)}" for p, v in held if v is not _ABSENT and v not in (None, "")]
        return bool(left), "; ".join(left) or "all unassigned"
    if kind == "page":
        return _page(predicate, body, resources)
    if kind == "described":
        return _described(body, predicate["names"])
    if kind in ("listed-ids", "resource-type", "listed"):
        return _judge_list(predicate, resources)
    if kind == "non-empty-string":  # inside `section`, when the answer has that section
        if predicate.get("section") and _key(body, predicate["section"]) is _ABSENT:
            return False, f"no {predicate['section']} section"
        seen = value_at(body, predicate["path"])
        return not (isinstance(seen, str) and seen), f"{predicate['path']} = {_show(seen)}"
    if kind == "schemas-contain":
        schemas = _key(body, "schemas")
        urns = schemas if isinstance(schemas, list) else []
        return predicate["urn"] not in urns, f"schemas {json.dumps(urns)}"
    return None, "no condition for this finding"


def _read(folder: str) -> tuple[int | None, dict[str, str], str]:
    """The last answer the script saved: status, headers (lower-case names), body."""

    def text(name: str) -> str:
        try:
            with open(f"{folder}/{name}", encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    code = text("status").strip()
    status = int(code) if code.isdigit() and code != "000" else None
    headers: dict[str, str] = {}
    for line in text("headers").splitlines():  # the last block wins (after a 100 Continue)
        if line.upper().startswith("HTTP/"):
            headers = {}
        name, _, value = line.partition(":")
        if value:
            headers[name.strip().lower()] = value.strip()
    return status, headers, text("body")


def main(argv: list[str]) -> int:
    """`id FOLDER`: print the id a create answered (exit 1 if none).
    `judge FOLDER PREDICATE`: print what the answer shows; exit 1 deviates, 0 conforms,
    3 cannot be judged."""
    status, headers, text = _read(argv[1])
    if argv[0] == "id":
        try:
            body = json.loads(text)
        except ValueError:
            return 1
        rid = body.get("id") if isinstance(body, dict) else None
        if status is None or not 200 <= status < 300 or not isinstance(rid, str) or not rid:
            return 1
        print(rid)
        return 0
    content_type = headers.get("content-type", "")
    deviates, shown = judge(json.loads(argv[2]), status, content_type, text, headers)
    print(shown)
    return 3 if deviates is None else int(deviates)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
