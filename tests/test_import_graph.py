"""The package's house: no import circle between its modules, and no two modules of the
checks and the properties that share a name (issue 21)."""

from __future__ import annotations

import ast
from pathlib import Path

import scim_conformance

PACKAGE = Path(scim_conformance.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module's imports of other modules of the package (TYPE_CHECKING ones too)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[name] |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    if submodule in modules:
                        graph[name].add(submodule)
                    elif node.module in modules:
                        graph[name].add(node.module)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import paths that lead from a module back to itself (one per module, at most)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            found.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]


def test_no_two_check_or_property_modules_share_a_name() -> None:
    names = [
        path.name
        for folder in ("checks", "properties")
        for path in (PACKAGE / folder).rglob("*.py")
        if path.name != "__init__.py"
    ]
    assert sorted(name for name in set(names) if names.count(name) > 1) == []
