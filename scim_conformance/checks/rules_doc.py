"""docs/rules.md, generated from the rule catalogue: every rule, its severity and sources.

Regenerate with `python -m scim_conformance.checks.rules_doc > docs/rules.md`; a project
test fails when the file in the repository is not current.
"""

from __future__ import annotations

from scim_conformance.checks.rules import CATALOGUE, Rule
from scim_conformance.severity import Severity

_ORDER = {
    Severity.ENTRA_BREAKING: 0,
    Severity.RFC: 1,
    Severity.WEBEX_CLIENTS: 2,
    Severity.ADVISORY: 3,
}
_INTRO = """\
# Rule catalogue

Generated from `scim_conformance/checks/rules.py` by
`python -m scim_conformance.checks.rules_doc > docs/rules.md`; do not edit by hand.

Every failure the suite reports names one of these rules. The severity says how much
breaking it matters to Microsoft Entra ID's provisioning:

* **entra-breaking**: a public source shows Entra failing, looping, quarantining the job
  or losing data when the rule is broken, on a request Entra really sends.
* **rfc**: an RFC 7643/7644 MUST that Entra tolerates, or whose effect on Entra no public
  source shows.
* **advisory**: SHOULD-level, or thin evidence; it fails a run only with `--scim-strict`.

Webex rules (vendor: webex) come from Webex's own developer documentation and apply when
the endpoint is held to Webex's rules (`--scim-endpoint`, chosen by default for a
Webex-style target). They are counted on their own axis of the verdict, never as RFC
deviations, with their own grading:

* **entra-breaking**: Entra's Cisco Webex gallery app would fail.
* **webex-clients**: Webex documents the rule, and only Webex's own clients depend on it;
  it fails a run as an rfc finding would (`--scim-fail-on=rfc`, the default).
* **advisory**: a SHOULD, or behaviour that is inferred or only observed.

A finding is one cause met on one of Entra's operations (method, resource path, and what
the request does: the PATCH ops and attributes, a filter, a paged list), so one defect
met by many tests, dialects or generated examples is reported once, and the rules broken
on one operation are listed in one finding. The HTML report carries the entry of every
rule its findings name.
"""


def _section(rule: Rule) -> str:
    severity = rule.severity.value
    if rule.gallery_severity is not None:
        severity += f" ({rule.gallery_severity.value} with --scim-gallery)"
    lines = [
        f"### `{rule.id}`",
        "",
        rule.requirement,
        "",
        f"* Severity: **{severity}**" + (f" (vendor: {rule.vendor})" if rule.vendor else ""),
        f"* When broken, Entra: {rule.entra}",
    ]
    if rule.grading:
        lines.append(f"* Why this severity: {rule.grading}")
    if rule.scope == "response":
        lines.append("* Counted once per run: the rule is about every response.")
    lines.append("* Sources:")
    lines += [f"  * [{source.label}]({source.url})" for source in rule.sources]
    return "\n".join(lines)


def render() -> str:
    """The whole document: the rules by vendor, then severity, then id."""
    ordered = sorted(CATALOGUE.values(), key=lambda r: (r.vendor or "", _ORDER[r.severity], r.id))
    counts = {s: sum(1 for r in ordered if r.severity is s) for s in Severity}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items())
    parts = [_INTRO, f"{len(ordered)} rules: {summary}.", ""]
    parts += [_section(rule) + "\n" for rule in ordered]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
