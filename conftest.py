"""The repository's root conftest: what a test run of this checkout must not collect.

Fixtures live in tests/conftest.py and shared helpers in tests/support/. This file stays
free of imports, hooks and `pytest_plugins`: with an editable install pytest also loads
it as a parent conftest of the packaged suite (scim_conformance/suite), from any folder.
"""

# The benchmark scripts time whole runs and are started by hand (see CONTRIBUTING.md).
collect_ignore = ["benchmarks"]
