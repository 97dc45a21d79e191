"""docs/entra-requests.md, generated from the variant catalogue: every request variant the
suite sends, with its sources, its rule and the tests that send it.

Regenerate with `python -m scim_conformance.variants_doc > docs/entra-requests.md`; a
project test fails when the file in the repository is not current.
"""

from __future__ import annotations

from scim_conformance.variants import CATALOGUE, RequestVariant

_INTRO = """\
# The requests the suite sends

Generated from `scim_conformance/variants.py` by
`python -m scim_conformance.variants_doc > docs/entra-requests.md`; do not edit by hand.

Microsoft Entra ID does not send one spelling of each request. Its two PATCH dialects
(`legacy`, the default for custom apps, and `aadOptscim062020`, the tenant URL flag) differ,
and beyond them Entra is documented or publicly reported to send other headers, boolean
spellings, op names, manager and app-role shapes. A server that breaks on any of them fails
in production while passing a test of the well-formed spelling, so the suite sends every
variant listed here, and a failure names the variant and the dialect it failed on.

Evidence, strongest first: **documented** (Microsoft's documentation shows Entra sending
it), **reported** (a public issue shows a request Entra sent), **validation** (Microsoft's
SCIM Validator or its gallery validation tests send it), **inferred** (follows from
documented behaviour; no capture shows it). The rule's page in `docs/rules.md` says how a
failure is graded.
"""


def _row(variant: RequestVariant) -> str:
    sources = "; ".join(f"[{s.label}]({s.url})" for s in variant.sources)
    tests = ", ".join(f"`{test}`" for test in variant.sent_by)
    shape = variant.shape.replace("|", "\\|")
    note = f" ({variant.note})" if variant.note else ""
    return (
        f"| `{variant.id}` | {variant.request} | `{shape}` | {variant.dialects} | "
        f"{variant.evidence}: {sources}{note} | [`{variant.rule}`](rules.md#{variant.rule}) "
        f"| {tests} |"
    )


def render() -> str:
    """The whole document: one table per group of variants, in catalogue order."""
    groups: dict[str, list[RequestVariant]] = {}
    for known in CATALOGUE.values():
        groups.setdefault(known.group, []).append(known)
    parts = [_INTRO, f"{len(CATALOGUE)} variants in {len(groups)} groups.", ""]
    for group, members in groups.items():
        parts += [
            f"## {group}",
            "",
            "| Variant | Request | What is sent | Dialect | Evidence | Rule | Sent by |",
            "|---|---|---|---|---|---|---|",
            *(_row(known) for known in members),
            "",
        ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
