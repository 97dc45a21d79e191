"""The rules of the project's own test harness: shared helpers live in tests/support/, no
module imports conftest or a test module, and conftest.py holds only fixtures."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MODULES = sorted(
    [*TESTS.rglob("test_*.py"), *(TESTS / "support").glob("*.py"), TESTS / "conftest.py"]
)


def imported_modules(path: Path) -> list[str]:
    """Every absolute module name the file imports, wherever the import statement is."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def is_fixture(decorator: ast.expr) -> bool:
    """`@pytest.fixture` or `@pytest.fixture(...)`."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "fixture"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(TESTS)))
def test_no_module_imports_conftest_or_a_test_module(path: Path) -> None:
    forbidden = [
        name
        for name in imported_modules(path)
        if name.split(".")[0] in ("conftest", "tests") or name.split(".")[0].startswith("test_")
    ]
    assert forbidden == [], f"import shared helpers from tests/support/ instead of {forbidden}"


def test_conftest_holds_only_fixtures() -> None:
    tree = ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8"))
    others = [
        getattr(node, "name", type(node).__name__)
        for node in tree.body[1:]  # after the docstring
        if not isinstance(node, (ast.Import, ast.ImportFrom))
        and not (isinstance(node, ast.FunctionDef) and any(map(is_fixture, node.decorator_list)))
        and not _type_checking_imports(node)
    ]
    assert others == [], "helpers belong in tests/support/"


def _type_checking_imports(node: ast.stmt) -> bool:
    """`if TYPE_CHECKING:` holding imports only (the fixtures import at run time)."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        and not node.orelse
        and all(isinstance(inner, (ast.Import, ast.ImportFrom)) for inner in node.body)
    )
