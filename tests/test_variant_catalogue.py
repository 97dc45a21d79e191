"""The catalogue of Entra's request variants: docs/entra-requests.md is current, every variant
has an openable source and a catalogue rule, is sent by a test that exists in the suite, and
the new variants' tests name each variant they send."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scim_conformance import variants
from scim_conformance.checks.rules import CATALOGUE as RULES
from scim_conformance.entra_variants import spell
from scim_conformance.variants import CATALOGUE, titled
from scim_conformance.variants_doc import render

PACKAGE = Path(variants.__file__).resolve().parent
SUITE = PACKAGE / "suite"
DOCS = PACKAGE.parent / "docs" / "entra-requests.md"
OPEN_HOSTS = {"www.rfc-editor.org", "learn.microsoft.com", "github.com"}


def suite_tests(module: str) -> set[str]:
    tree = ast.parse((SUITE / module).read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_docs_entra_requests_md_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/entra-requests.md is stale: "
        "python -m scim_conformance.variants_doc > docs/entra-requests.md"
    )


@pytest.mark.parametrize("variant_id", sorted(CATALOGUE))
def test_every_variant_has_sources_a_rule_and_a_test_that_sends_it(variant_id: str) -> None:
    known = CATALOGUE[variant_id]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", known.id)
    assert known.rule in RULES, f"{known.id}: no rule {known.rule}"
    assert known.sources
    for source in known.sources:
        assert urlsplit(source.url).netloc in OPEN_HOSTS, source.url
    assert known.sent_by
    for test in known.sent_by:
        module, _, name = test.partition("::")
        function = name.split("[")[0]
        assert function in suite_tests(module), f"{known.id}: no {function} in suite/{module}"


def test_the_variant_tests_name_each_variant_they_send() -> None:
    source = (SUITE / variants.VARIANTS).read_text(encoding="utf-8")
    own = [
        v.id for v in CATALOGUE.values() if any(t.startswith(variants.VARIANTS) for t in v.sent_by)
    ]
    assert own
    missing = [variant_id for variant_id in own if f'"{variant_id}"' not in source]
    assert not missing, f"catalogued as sent by {variants.VARIANTS} but not named there: {missing}"


def test_a_failure_title_names_the_variant_and_the_dialect() -> None:
    title = titled("active-lower-string-path", "legacy", 'Replace active "true"')
    assert title == 'Replace active "true" [variant active-lower-string-path, legacy]'
    assert titled("content-type-charset", None, "Create").endswith("[variant content-type-charset]")
    with pytest.raises(KeyError):
        titled("no-such-variant", None, "Create")


def test_booleans_are_spelled_as_entra_spells_them() -> None:
    assert [spell(False, s) for s in ("json", "capitalised", "lower")] == [False, "False", "false"]
    assert [spell(True, s) for s in ("json", "capitalised", "lower")] == [True, "True", "true"]


def test_every_spelling_the_generated_checks_send_is_catalogued_as_sent_by_them() -> None:
    from scim_conformance.properties import spellings

    tables = (spellings.ACTIVE, spellings.CLEAR, spellings.REMOVE_MEMBERS, spellings.UNSET_MANAGER)
    sent = {
        (s.id, dialect) for table in tables for dialect, row in table.items() for s in row if s.id
    }
    sent |= {(spellings.REACTIVATE_CHANGED.id, d) for d in ("legacy", "aadOptscim062020")}
    for variant_id, dialect in sent:
        listed = CATALOGUE[str(variant_id)].sent_by
        assert f"{variants.CYCLES}[{dialect}]" in listed, (variant_id, dialect)
