"""The rule catalogue: every rule has an openable source, every check names a rule, every
rule is used, docs/rules.md is current, and nothing cites a document that is not shipped."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.rules import CATALOGUE
from scim_conformance.checks.rules_doc import render
from scim_conformance.severity import Severity

PACKAGE = Path(rules.__file__).resolve().parents[1]
DOCS = PACKAGE.parent / "docs" / "rules.md"
# Functions whose first argument, or `rule=` keyword, must be a catalogue rule.
RULE_TAKERS = {"fail", "advise", "report", "block"}
RULE_KEYWORD_TAKERS = {
    "expect_status",
    "expect_schema",
    "expect_values",
    "patch_and_verify",
    "patch_group",
}
# Hosts whose pages a reader can open: the RFC editor, Microsoft Learn, GitHub, Webex docs.
OPEN_HOSTS = {
    "www.rfc-editor.org",
    "learn.microsoft.com",
    "github.com",
    "developer.webex.com",
    "help.webex.com",
}
UNSHIPPED = re.compile(r"entra-sequences\.md|webex-scim\.md|peer-tools\.md|\[S\d+\]|\[D\]")
# Documents of the team's workspace the repository does not contain (its own design notes
# are docs/design.md): no file of the repository may send a reader to them.
UNSHIPPED_ANYWHERE = re.compile(
    r"DESIGN\.md|entra-sequences\.md|webex-scim\.md|peer-tools\.md|shared/reference"
)
REPOSITORY = PACKAGE.parent


def package_sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("rule_id", sorted(CATALOGUE))
def test_every_rule_has_an_openable_source_and_says_what_entra_does(rule_id: str) -> None:
    rule = CATALOGUE[rule_id]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
    assert rule.requirement.strip()
    assert rule.entra.strip()
    assert rule.sources, f"{rule.id} has no source"
    for source in rule.sources:
        parts = urlsplit(source.url)
        assert parts.scheme == "https", source.url
        assert parts.netloc in OPEN_HOSTS, source.url
        assert source.label.strip()
    if rule.vendor is not None:
        assert rule.vendor == "webex"
        assert any("webex" in s.url for s in rule.sources), f"{rule.id}: no Webex source"


@pytest.mark.parametrize(
    "rule_id",
    sorted(r.id for r in CATALOGUE.values() if r.severity is Severity.ENTRA_BREAKING),
)
def test_entra_breaking_rules_cite_evidence_about_entra_not_only_an_rfc(rule_id: str) -> None:
    rule = CATALOGUE[rule_id]
    assert any("rfc-editor.org" not in s.url for s in rule.sources), rule.id


def _rule_argument(call: ast.Call) -> ast.expr | None:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name in RULE_TAKERS and call.args:
        return call.args[0]
    if name in RULE_TAKERS | RULE_KEYWORD_TAKERS:
        for keyword in call.keywords:
            if keyword.arg == "rule":
                return keyword.value
    return None


def _names_a_rule(node: ast.expr) -> bool:
    """`rules.X`, `rules.X.for_gallery(...)`, or a parameter/variable holding a rule."""
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "rules"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _names_a_rule(node.func.value)
    if isinstance(node, ast.Call) and node.args:  # a grading helper: graded(rules.X)
        return _names_a_rule(node.args[0])
    if isinstance(node, ast.IfExp):
        return _names_a_rule(node.body) and _names_a_rule(node.orelse)
    return isinstance(node, ast.Name) and node.id != "None"


def test_every_check_names_a_catalogue_rule_not_prose() -> None:
    prose = []
    for path in package_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            argument = _rule_argument(node)
            if argument is not None and not _names_a_rule(argument):
                prose.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if any(k.arg in {"entra", "severity"} for k in node.keywords) and (
                _rule_argument(node) is not None
            ):
                prose.append(f"{path.relative_to(PACKAGE)}:{node.lineno} (severity/entra)")
    assert not prose, "checks passing prose instead of a rule: " + ", ".join(prose)


def test_every_rule_is_used_by_a_check() -> None:
    used = set()
    for path in package_sources():
        if path.name in {"rules.py", "rules_doc.py"}:
            continue
        used |= set(re.findall(r"\brules\.([A-Z][A-Z0-9_]+)\b", path.read_text()))
    declared = {name for name, value in vars(rules).items() if isinstance(value, rules.Rule)}
    assert declared - used == set(), "rules no check names"
    assert used - declared == set(), "checks naming rules that do not exist"


def test_docs_rules_md_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: python -m scim_conformance.checks.rules_doc > docs/rules.md"
    )


def test_the_package_cites_no_document_it_does_not_ship() -> None:
    cited = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in package_sources()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if UNSHIPPED.search(line)
    ]
    assert not cited, "\n".join(cited[:20])


def test_the_repository_cites_no_document_it_does_not_contain() -> None:
    texts = [
        path
        for folder in ("scim_conformance", "tests", "benchmarks", "docs")
        for path in sorted((REPOSITORY / folder).rglob("*"))
        if path.suffix in (".py", ".md") and path.is_file()
    ]
    texts += [REPOSITORY / "README.md", REPOSITORY / "CONTRIBUTING.md"]
    cited = [
        f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}"
        for path in texts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if UNSHIPPED_ANYWHERE.search(line) and path != Path(__file__)
    ]
    assert not cited, "\n".join(cited[:20])
