"""The wheel carries every package of the source tree: pyproject.toml lists packages by
name, so a new subpackage left off the list installs fine in editable mode (the project's
own tests) and is missing from the wheel vendors install (ModuleNotFoundError at start)."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is pytest's own dependency there)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_of_the_source_tree_is_in_the_wheel() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    source = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "scim_conformance").rglob("__init__.py")
    }
    assert source - listed == set(), "add these to [tool.setuptools] packages"
    # The one package the list maps from elsewhere: the JSON Schemas at the top level.
    assert listed - source == {"scim_conformance.schema_files"}
    assert setuptools["package-dir"]["scim_conformance.schema_files"] == "schemas"
