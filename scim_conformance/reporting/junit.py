"""JUnit properties: each test case carries its sequence, dialect, severity, rule and
finding, so a CI system can group failures by defect (written where the test ran)."""

from __future__ import annotations

from scim_conformance.reporting.outcomes import TestOutcome


def properties(test: TestOutcome) -> list[tuple[str, str]]:
    """The test case's `<property>` elements, in the order the report shows them."""
    found = [("sequence", test.sequence), ("dialect", test.dialect or "")]
    if test.severity:
        found.append(("severity", test.severity.value))
    if test.finding is not None:
        found.append(("rule", test.finding["rule"]))
        found.append(("finding", test.finding["fingerprint"]))
        found += [("source", source["url"]) for source in test.finding["sources"]]
    return found
