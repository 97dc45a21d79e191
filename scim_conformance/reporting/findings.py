"""Findings across a run: one cause met on one Entra operation is one finding.

Tests see defects; the run reports findings. A finding is keyed by what Entra asked for,
not by the test that asked: its *operation* (method, path with ids taken out, and what the
request does: the PATCH ops and the attributes they change, a filtered or a paged
list), dialect-free, so one defect met by many tests, both dialects or
generated examples is counted once. The rules broken on one operation are one cause and
form one finding (a server that ignores startIndex breaks `pagination` and `count-zero` on
the same paged list: one finding listing both). Each finding records where it was met: the
request variants of the catalogue (`scim_conformance/variants.py`) and the dialects, which
a baseline entry pins (`baseline.py`).

Fingerprint: `<rule>[+<rule>…] @ <operation>`, e.g. `patch-applied @ PATCH /Users/{id}
replace active`, `count-zero+pagination @ GET /Users page`; a rule about every response is
its rule id alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from scim_conformance.checks.failures import Finding
from scim_conformance.checks.rules import Rule
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting.repro import repro_script
from scim_conformance.severity import Severity

_RESOURCE_ID = re.compile(r"/(Users|Groups)/[^/?#]+")
_FILTER_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
# The variant a failure title names (`variants.titled`): "… [variant active-lower, legacy]".
_TITLED_VARIANT = re.compile(r"\[variant ([a-z0-9-]+)[,\]]")
PAGING = ("startIndex", "count")
PROPERTIES = "test_properties.py::"
GENERATED = (PROPERTIES, "test_cycles.py::")  # generated examples, not fixed checks


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


def fingerprint_of(rules: list[str], operation: str) -> str:
    """`count-zero+pagination @ GET /Users page`, or the rule alone (no operation)."""
    joined = "+".join(sorted(rules))
    return f"{joined} @ {operation}" if operation else joined


def fingerprint(
    rule: Rule, exchange: Exchange | None, base_url: str, actual: str = "", *, stored: bool = False
) -> str:
    """`patch-applied @ PATCH /Users/{id} replace active`: the rule and Entra's operation
    (`stored`: the exchange is a write a read-back showed wrong). A rule about every
    response is one finding."""
    if rule.scope == "response" or exchange is None:
        return rule.id
    return fingerprint_of([rule.id], operation_of(exchange, base_url, actual, stored=stored))


def variant_of(title: str, nodeid: str, rule: str) -> list[str]:
    """The request variant (`scim_conformance/variants.py`) a failure was met on: the one
    its title names, else the one variant the catalogue says the test sends and judges by
    the rule that failed."""
    named = _TITLED_VARIANT.search(title)
    if named or not nodeid:
        return [named.group(1)] if named else []
    # Imported here: the catalogue is only needed once a finding is recorded.
    from scim_conformance.variants import CATALOGUE

    test = nodeid.rsplit("/", 1)[-1]
    bare = test.split("[", 1)[0]
    sends = [v for v in CATALOGUE.values() if test in v.sent_by or bare in v.sent_by]
    # Only a variant judged by the rule that failed: a test sending one variant may fail
    # on an earlier step (its user cannot be found), which is not that variant's.
    for_rule = [v.id for v in sends if v.rule == rule]
    return for_rule if len(for_rule) == 1 else []


@dataclass
class FindingRecord:
    """A finding as reports show it; JSON-friendly, so it travels from xdist workers."""

    fingerprint: str
    rule: str  # the rule that stands for it (the worst of `rules`)
    severity: Severity
    vendor: str | None
    title: str
    requirement: str
    entra: str
    grading: str
    sources: list[dict[str, str]]
    request: str
    expected: str
    actual: str
    message: str
    repro: str
    tests: list[str] = field(default_factory=list)  # tests that failed on it
    blocked: list[str] = field(default_factory=list)  # tests it kept from running
    advised: list[str] = field(default_factory=list)  # tests that met it as an advisory
    rules: list[str] = field(default_factory=list)  # every rule broken on the operation
    operation: str = ""  # Entra's operation (`operation_of`); "" for a response rule
    variants: list[str] = field(default_factory=list)  # request variants it was met on
    dialects: list[str] = field(default_factory=list)  # Entra dialects it was met in
    # Each rule's severity and axis ("" for endpoint rules, else the vendor), so the
    # verdict counts a cause on each axis it breaks a rule of.
    graded: dict[str, list[str]] = field(default_factory=dict)

    def on_axis(self, vendor: bool) -> Severity | None:
        """The worst severity of its vendor (or endpoint) rules; None: it breaks none."""
        graded = self.graded or {self.rule: [self.severity.value, self.vendor or ""]}
        found = [Severity(sev) for sev, owner in graded.values() if bool(owner) == vendor]
        return min(found, key=lambda s: s.order) if found else None

    @classmethod
    def of(
        cls,
        finding: Finding,
        base_url: str,
        transcript: list[Exchange],
        *,
        nodeid: str = "",
        dialect: str | None = None,
    ) -> FindingRecord:
        """Record a finding raised by a check (in test `nodeid`, run in `dialect`), with
        its repro built from the transcript."""
        rule = finding.rule
        evidence = finding.cause or finding.exchange
        scoped = rule.scope != "response" and evidence is not None
        # With a cause, the write is the evidence and a read-back showed it went wrong.
        stored = finding.cause is not None
        operation = operation_of(evidence, base_url, finding.actual, stored=stored)
        return cls(
            fingerprint=fingerprint_of([rule.id], operation if scoped else ""),
            rule=rule.id,
            severity=rule.severity,
            vendor=rule.vendor,
            title=finding.title,
            requirement=rule.requirement,
            entra=rule.entra,
            grading=rule.grading,
            sources=[{"label": s.label, "url": s.url} for s in rule.sources],
            request=request_kind(evidence, base_url),
            expected=finding.expected,
            actual=finding.actual,
            message=finding.render(),
            repro=repro_script(finding, base_url, transcript),
            rules=[rule.id],
            operation=operation if scoped else "",
            variants=variant_of(finding.title, nodeid, rule.id),
            dialects=[dialect] if dialect else [],
            graded={rule.id: [rule.severity.value, rule.vendor or ""]},
        )

    @property
    def met_on(self) -> str:
        """`PATCH /Users/{id} replace active; variants deactivate-flag; dialects legacy`."""
        parts = [self.operation or "every response"]
        for noun, names in (("variant", self.variants), ("dialect", self.dialects)):
            if names:
                parts.append(f"{noun}{'s' if len(names) > 1 else ''} {', '.join(names)}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Every field (results.json `findings[]`, and the trip between processes: plain
        values only, so the severity as its text)."""
        return dict(self.__dict__, severity=self.severity.value)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FindingRecord:
        """Rebuild from `to_dict()`."""
        return cls(**dict(data, severity=Severity(data["severity"])))


def _explains_better(role: str, nodeid: str) -> tuple[int, bool]:
    """Which test's record stands for a finding: a failed test over a blocked or advised
    one, and a fixed, named check over a generated property example (plainer data)."""
    return ({"failed": 0, "blocked": 1, "advised": 2}[role], nodeid.startswith(GENERATED))


def _add(kept: FindingRecord, other: FindingRecord, *, met_on: bool = True) -> None:
    """Add `other`'s tests (and, with `met_on`, where it was met) to `kept`."""
    for mine, theirs in ((kept.tests, other.tests), (kept.blocked, other.blocked)):
        mine.extend(t for t in theirs if t not in mine)
    kept.advised.extend(t for t in other.advised if t not in kept.advised)
    if met_on:
        kept.variants = sorted({*kept.variants, *other.variants})
        kept.dialects = sorted({*kept.dialects, *other.dialects})


def _resource(operation: str) -> str:
    return " ".join(operation.split(" ", 2)[:2])  # `PATCH /Users/{id}`


def _parts(operation: str) -> tuple[str, set[str]]:
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
        parts |= {_attribute(a) for a in attributes.split(",")}
    return f"{method} {path}", parts


def _attribute(path: str) -> str:
    """`[filter]` for any path with a value filter; a schema URN's attribute by its name
    (`urn:…:User:manager` is `manager`, as Entra's two shapes of it are one attribute)."""
    if "[" in path:
        return "[filter]"
    return path.rsplit(":", 1)[-1] if path.startswith("urn:") else path


def overlaps(one: str, other: str) -> bool:
    """The same resource, and an attribute (or query) in common: one defect met through
    two PATCHes that both change `name.givenName`, by whatever op, is one cause."""
    (where, parts), (there, others) = _parts(one), _parts(other)
    return where == there and bool(parts & others)


def within(part: str, whole: str) -> bool:
    """Every change of `part` is one of `whole`'s, on the same resource."""
    (where, parts), (there, others) = _parts(part), _parts(whole)
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


def _one_cause(one: FindingRecord, other: FindingRecord) -> bool:
    """Operations sharing a change; or one rule on one resource where either finding is
    about the PATCH's own answer (met by any PATCH, so it covers the other's)."""
    if overlaps(one.operation, other.operation):
        return True
    (where, parts), (there, others) = _parts(one.operation), _parts(other.operation)
    same_rule = bool(set(one.rules) & set(other.rules))
    return where == there and same_rule and where.startswith("PATCH") and not (parts and others)


def _generated_only(record: FindingRecord) -> bool:
    return all(t.startswith(GENERATED) for t in [*record.tests, *record.blocked, *record.advised])


def merge(records: list[tuple[str, str, FindingRecord]]) -> list[FindingRecord]:
    """One record per cause from (node id, role, record) triples; role is "failed",
    "blocked" or "advised". First one per rule and operation (the record that explains it
    best stands for it: it is met first); a generated example's finding joins a fixed
    check's finding of the same rule on the same resource (its data is random, the defect
    is not); then the rules broken on one operation are one finding (endpoint and vendor
    rules alike: one cause), and so are operations on one resource sharing a change (a
    PATCH of `name.givenName` alone and one of several attributes whose `name.givenName`
    did not stick), led by its worst rule. Worst severity first, then by rule id."""
    by_rule: dict[str, FindingRecord] = {}
    for nodeid, role, record in sorted(records, key=lambda t: _explains_better(t[1], t[0])):
        kept = by_rule.get(record.fingerprint)
        if kept is None:
            kept = by_rule[record.fingerprint] = FindingRecord.from_dict(record.to_dict())
            kept.tests, kept.blocked, kept.advised = [], [], []
            kept.variants, kept.dialects = [], []
        listed = {"failed": kept.tests, "blocked": kept.blocked, "advised": kept.advised}[role]
        if nodeid not in listed:
            listed.append(nodeid)
        if not nodeid.startswith(GENERATED):
            _add(kept, record)
    fixed = [r for r in by_rule.values() if not _generated_only(r)]
    causes: list[FindingRecord] = []
    joined: dict[int, FindingRecord] = {}  # a rule's record (by id) -> its cause
    ordered = sorted(by_rule.values(), key=lambda r: (_generated_only(r), r.severity.order, r.rule))
    for record in ordered:
        if _generated_only(record) and record.operation:
            where = _resource(record.operation)
            home = next(
                (r for r in fixed if r.rule == record.rule and _resource(r.operation) == where),
                None,
            )
            if home is not None:
                _add(joined[id(home)], record, met_on=False)
                continue
        same = [c for c in causes if record.operation and _one_cause(c, record)]
        if not same:
            causes.append(record)
            joined[id(record)] = record
            continue
        cause = same[0]
        for other in [record, *same[1:]]:
            _add(cause, other)
            cause.rules = sorted({*cause.rules, *other.rules})
            cause.graded = {**other.graded, **cause.graded}
            cause.operation = union(cause.operation, other.operation)
            for key, value in joined.items():
                joined[key] = cause if value is other else value
            if other is not record:
                causes.remove(other)
        joined[id(record)] = cause
        cause.fingerprint = fingerprint_of(cause.rules, cause.operation)
    for kept in causes:
        kept.tests.sort()
        kept.blocked.sort()
        kept.advised.sort()
    return sorted(causes, key=report_order)


def report_order(record: FindingRecord) -> tuple[str, int, str, str]:
    """Endpoint rules before vendor rules, worst severity first, then by rule and request."""
    return (record.vendor or "", record.severity.order, record.rule, record.request)
