"""Known deviations for CI gates: a TOML file of findings (or test ids) expected to fail,
each with a reason, and the Entra operations each finding was met on.

format = 2

[[deviation]]
finding = "patch-applied @ PATCH /Users/{id} replace active"
variants = ["deactivate-flag", "deactivate-legacy"]
dialects = ["aadOptscim062020", "legacy"]
reason = "deactivation not stored yet; fix tracked in JIRA-123"

[[deviation]]
id = "test_groups.py::test_create_group_as_entra_does"
reason = "older baselines list test ids; they keep working"

An entry pins its finding (the rules and Entra's operation, `findings.py`) and where it was
met (request variants and dialects): the same rule met on another operation, in another
variant or dialect, is a new finding, and fails the gate. Entries of the first format
(`finding = "rule @ METHOD path"`, no `format`) keep working as they did, covering the rule
on every operation of that method and path, and the run says once to re-write the file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scim_conformance.reporting.findings import FindingRecord
from scim_conformance.reporting.operations import overlaps, within

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is pytest's own dependency there)
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

FORMAT = 2


class BaselineError(ValueError):
    """The baseline file cannot be used; the message is a one-line usage error."""


@dataclass(frozen=True)
class Entry:
    """A finding expected in every run, and where it was met (None: the first format,
    which pinned no operations)."""

    finding: str
    reason: str
    variants: tuple[str, ...] | None = None
    dialects: tuple[str, ...] | None = None

    @property
    def rules(self) -> set[str]:
        """The rules of `rule+rule @ operation`."""
        return set(self.finding.split(" @ ", 1)[0].split("+"))

    @property
    def operation(self) -> str:
        """The operation of `rule @ operation` ("" for a rule about every response)."""
        return self.finding.split(" @ ", 1)[1] if " @ " in self.finding else ""

    @property
    def pinned(self) -> bool:
        """The entry names the operations it covers (format 2)."""
        return self.variants is not None

    def _same_operation(self, operation: str, *, whole: bool) -> bool:
        if not self.operation or not operation:
            return operation == self.operation
        if not self.pinned:
            # The first format keyed `METHOD path`: every operation on it.
            return " ".join(operation.split(" ", 2)[:2]) == self.operation
        if operation == self.operation:
            return True
        return within(operation, self.operation) if whole else overlaps(operation, self.operation)

    def meets(self, record: FindingRecord) -> bool:
        """The finding is (part of) this entry's: a rule of it, on its operation."""
        rules = set(record.rules or [record.rule])
        return bool(self.rules & rules) and self._same_operation(record.operation, whole=False)

    def missing(self, record: FindingRecord) -> list[str]:
        """What of the finding this entry does not cover: rules, variants, dialects."""
        if not self.meets(record):
            return [record.fingerprint]
        gaps = [f"rule {rule}" for rule in sorted(set(record.rules or [record.rule]) - self.rules)]
        if not self._same_operation(record.operation, whole=True):
            gaps.append(f"operation {record.operation}")
        if self.pinned:
            gaps += [f"variant {v}" for v in record.variants if v not in (self.variants or ())]
            gaps += [f"dialect {d}" for d in record.dialects if d not in (self.dialects or ())]
        return gaps


@dataclass(frozen=True)
class Baseline:
    """Test ids and findings expected to fail, each with the reason a person gave."""

    path: Path
    reasons: dict[str, str]  # test id -> reason
    entries: tuple[Entry, ...] = ()
    format: int = FORMAT

    @property
    def findings(self) -> dict[str, str]:
        """Fingerprint -> reason of every finding entry."""
        return {entry.finding: entry.reason for entry in self.entries}

    def _covering(self, record: FindingRecord) -> Entry | None:
        return next((e for e in self.entries if not e.missing(record)), None)

    def reason(self, nodeid: str, record: FindingRecord | None = None) -> str | None:
        """Why this test (or the finding it met, where an entry covers it) is expected to
        fail, or None."""
        entry = self._covering(record) if record is not None else None
        return entry.reason if entry is not None else self.reasons.get(nodeid)

    def covers(self, record: FindingRecord) -> bool:
        """An entry covers the whole finding: its rules, operation, variants, dialects
        (the first format: each of its rules on the operation's method and path)."""
        if self._covering(record) is not None:
            return True
        rules = record.rules or [record.rule]
        singles = [FindingRecord.from_dict(dict(record.to_dict(), rules=[r])) for r in rules]
        return len(rules) > 1 and all(self._covering(single) for single in singles)

    def uncovered(self, record: FindingRecord) -> str:
        """`variant deactivate-legacy, dialect legacy`: what an entry that meets the finding
        does not cover; "" when no entry meets it (a finding new to the baseline)."""
        met = [entry.missing(record) for entry in self.entries if entry.meets(record)]
        return ", ".join(sorted(met, key=len)[0]) if met else ""

    def stale(self, findings: Sequence[FindingRecord]) -> list[str]:
        """Entries that no finding of the run meets (fixed, or renamed)."""
        return sorted(e.finding for e in self.entries if not any(e.meets(f) for f in findings))

    def unknown(self, collected: Iterable[str]) -> list[str]:
        """Listed ids that match no collected test (renamed or removed tests)."""
        return sorted(set(self.reasons) - set(collected))

    @property
    def notice(self) -> str:
        """One line asking to re-write a file of the first format, else nothing."""
        if not any(not entry.pinned and entry.operation for entry in self.entries):
            return ""
        return (
            f"--scim-baseline {self.path}: entries keyed `rule @ METHOD path` (the first "
            "format) also hide new defects of the same rule on other operations; re-write "
            "it with --scim-write-baseline"
        )


def _strings(entry: dict[str, object], key: str, path: Path) -> tuple[str, ...] | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BaselineError(f"--scim-baseline: {path}: '{key}' must be an array of strings")
    return tuple(str(v) for v in value)


def load(path: Path) -> Baseline:
    """Read and validate a baseline file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"--scim-baseline: cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"--scim-baseline: {path} is not valid TOML: {exc}") from None
    version = data.get("format", 1)
    if version not in (1, FORMAT):
        raise BaselineError(f"--scim-baseline: {path}: unknown format {version!r}")
    items = data.get("deviation", [])
    if not isinstance(items, list):
        raise BaselineError(f"--scim-baseline: {path}: 'deviation' must be an array of tables")
    reasons: dict[str, str] = {}
    entries: list[Entry] = []
    for number, item in enumerate(items, 1):
        key = "finding" if isinstance(item, dict) and "finding" in item else "id"
        if not isinstance(item, dict) or not isinstance(item.get(key), str):
            raise BaselineError(
                f"--scim-baseline: {path}: deviation {number} needs a finding or an id string"
            )
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise BaselineError(f"--scim-baseline: {path}: deviation {item[key]!r} needs a reason")
        if key == "id":
            reasons[item[key]] = reason.strip()
            continue
        variants, dialects = _strings(item, "variants", path), _strings(item, "dialects", path)
        if version == FORMAT:
            # A format-2 entry always pins where it was met (an empty list: nowhere special).
            variants, dialects = variants or (), dialects or ()
        entries.append(Entry(item[key], reason.strip(), variants, dialects))
    return Baseline(path, reasons, tuple(entries), version)


def render(findings: Iterable[FindingRecord]) -> str:
    """A baseline listing the given findings and where each was met, as TOML (format 2);
    each finding's title stands for the reason until a person gives one."""
    lines = [
        "# Known deviations for scim-conformance (--scim-baseline).",
        "# Each entry is a finding expected in every run, with the request variants and",
        "# dialects it was met on: met anywhere else, it is a new finding. Give a real",
        '# reason before you commit it. Entries with `id = "<test id>"` work too.',
        f"format = {FORMAT}",
    ]
    for record in sorted(findings, key=lambda f: f.fingerprint):
        # JSON string escaping is valid TOML basic-string escaping.
        lines += [
            "",
            "[[deviation]]",
            f"finding = {json.dumps(record.fingerprint)}",
            f"variants = {json.dumps(sorted(record.variants))}",
            f"dialects = {json.dumps(sorted(record.dialects))}",
            f"reason = {json.dumps(record.title)}",
        ]
    return "\n".join(lines) + "\n"
