"""Known deviations for CI gates: a TOML file of findings (or test ids) expected to fail,
each with a reason.

[[deviation]]
finding = "create-accepted @ POST /Groups"
reason = "ADSCIM schema URI rejected; fix tracked in JIRA-123"

[[deviation]]
id = "test_groups.py::test_create_group_as_entra_does"
reason = "older baselines list test ids; they keep working"
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is pytest's own dependency there)
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


class BaselineError(ValueError):
    """The baseline file cannot be used; the message is a one-line usage error."""


@dataclass(frozen=True)
class Baseline:
    """Test ids expected to fail, each with the reason a person gave."""

    path: Path
    reasons: dict[str, str]

    findings: dict[str, str] = field(default_factory=dict)  # fingerprint -> reason

    def reason(self, nodeid: str, fingerprint: str | None = None) -> str | None:
        """Why this test (or the finding it met) is expected to fail, or None."""
        if fingerprint is not None and fingerprint in self.findings:
            return self.findings[fingerprint]
        return self.reasons.get(nodeid)

    def unknown(self, collected: Iterable[str]) -> list[str]:
        """Listed ids that match no collected test (renamed or removed tests)."""
        return sorted(set(self.reasons) - set(collected))


def load(path: Path) -> Baseline:
    """Read and validate a baseline file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"--scim-baseline: cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"--scim-baseline: {path} is not valid TOML: {exc}") from None
    entries = data.get("deviation", [])
    if not isinstance(entries, list):
        raise BaselineError(f"--scim-baseline: {path}: 'deviation' must be an array of tables")
    reasons: dict[str, str] = {}
    findings: dict[str, str] = {}
    for number, entry in enumerate(entries, 1):
        key = "finding" if isinstance(entry, dict) and "finding" in entry else "id"
        if not isinstance(entry, dict) or not isinstance(entry.get(key), str):
            raise BaselineError(
                f"--scim-baseline: {path}: deviation {number} needs a finding or an id string"
            )
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise BaselineError(f"--scim-baseline: {path}: deviation {entry[key]!r} needs a reason")
        (findings if key == "finding" else reasons)[entry[key]] = reason.strip()
    return Baseline(path, reasons, findings)


def render(findings: dict[str, str]) -> str:
    """A baseline listing the given findings (fingerprint -> reason), as TOML."""
    lines = [
        "# Known deviations for scim-conformance (--scim-baseline).",
        "# Each entry is a finding expected in every run; give a real reason before you",
        '# commit it. Entries with `id = "<test id>"` instead of `finding` work too.',
    ]
    for fingerprint, reason in sorted(findings.items()):
        # JSON string escaping is valid TOML basic-string escaping.
        lines += [
            "",
            "[[deviation]]",
            f"finding = {json.dumps(fingerprint)}",
            f"reason = {json.dumps(reason)}",
        ]
    return "\n".join(lines) + "\n"
