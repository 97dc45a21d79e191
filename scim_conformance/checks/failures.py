"""Findings: a broken rule, what was expected and what came back, and how it is raised."""

from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass

from scim_conformance.http.client import ScimResponse
from scim_conformance.http.transcript import Exchange, pretty_body

BODY_EXCERPT = 1500


class Severity(str, enum.Enum):
    """DESIGN.md promise 3: how much a deviation matters to Entra."""

    ENTRA_BREAKING = "entra-breaking"  # provisioning would fail or corrupt data
    RFC = "rfc"  # an RFC MUST is violated; Entra tolerates it
    ADVISORY = "advisory"  # SHOULD-level; reported, fails only with --scim-strict


@dataclass(frozen=True)
class Finding:
    """One deviation: what was expected, what came back, which rule, what Entra does."""

    severity: Severity
    title: str
    expected: str
    actual: str
    rule: str
    entra_impact: str
    exchange: Exchange | None = None

    def render(self) -> str:
        """The failure message layout: verdict, expectation, rule, impact, evidence, curl."""
        lines = [
            f"[{self.severity.value}] {self.title}",
            f"  expected: {self.expected}",
            f"  actual:   {self.actual}",
            f"  rule:     {self.rule}",
            f"  Entra:    {self.entra_impact}",
        ]
        if self.exchange is not None:
            ex = self.exchange
            lines.append(f"  request:  {ex.method} {ex.url}")
            if ex.status is not None:
                ctype = ex.response_header("content-type") or "no content type"
                lines.append(f"  response: HTTP {ex.status} ({ctype})")
                if ex.response_body:
                    body = pretty_body(ex.response_body, BODY_EXCERPT)
                    lines += ["    " + line for line in body.splitlines()]
            else:
                lines.append(f"  response: none ({ex.error})")
            lines += ["  reproduce:", "    " + ex.curl()]
        return "\n".join(lines)


class ConformanceFailure(AssertionError):
    """Raised by a check; pytest shows `finding.render()` instead of a traceback."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.render())
        self.finding = finding


class AdvisoryFinding(UserWarning):
    """A SHOULD-level deviation, shown in pytest's warnings summary and the report."""


def fail(
    severity: Severity,
    title: str,
    *,
    expected: str,
    actual: str,
    rule: str,
    entra: str,
    response: ScimResponse | None = None,
) -> None:
    """Report a deviation: raise for entra-breaking and rfc, warn for advisory."""
    finding = Finding(
        severity, title, expected, actual, rule, entra, response.exchange if response else None
    )
    if severity is Severity.ADVISORY:
        warnings.warn(AdvisoryFinding(finding.render()), stacklevel=2)
        return
    raise ConformanceFailure(finding)
