"""Fixtures of the project's own tests (not of the conformance suite); what tests share
besides fixtures lives in tests/support/.

The plugin itself is registered by its pytest11 entry point once the package is installed;
it must not be registered here a second time. These fixtures live in tests/, not in the
root conftest.py: with an editable install the root conftest is a parent conftest of the
packaged suite, so it must not import tests/support. pytester is enabled in pyproject.toml
(`-p pytester`), since `pytest_plugins` is refused in a conftest below the rootdir.

pytest also loads this file (from `testpaths`) when the README's main job runs the packaged
suite from the checkout, so the package and tests/support are imported inside the fixtures,
not here: imported here, every module of the package (support/suite_run.py imports them
all) would be loaded into that run too, and Hypothesis reads the source of every loaded
module of a project for constants the first time it generates data.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from scim_conformance.reference import Fault, ReferenceApp, RunningServer
    from support.suite_run import SuiteRun


@pytest.fixture
def run_suite(pytester: pytest.Pytester) -> Callable[..., SuiteRun]:
    """Run the packaged suite in-process against a (possibly broken) reference server."""

    def run(
        *args: str,
        faults: Iterable[Fault] = (),
        prepare: Callable[[ReferenceApp], None] | None = None,
        app: ReferenceApp | None = None,
        properties: bool = False,
        at: str | None = None,
    ) -> SuiteRun:
        from scim_conformance.reference import ReferenceApp
        from support.suite_run import run_suite_in_process

        if app is None:
            app = ReferenceApp(f"tok-{secrets.token_urlsafe(18)}", faults=faults)
        return run_suite_in_process(
            pytester, app, *args, prepare=prepare, properties=properties, at=at
        )

    return run


@pytest.fixture
def workdir(pytester: pytest.Pytester) -> Path:
    """The temporary directory pytester runs in (a vendor's arbitrary cwd)."""
    return pytester.path


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """A reference server shared by one test module's HTTP tests (they never collide)."""
    from scim_conformance.reference import ReferenceApp, serve
    from support.reference_http import TOKEN

    with serve(ReferenceApp(TOKEN)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    """A client on the shared reference server's SCIM base URL, with the token."""
    from support.reference_http import client_for

    with client_for(server) as http:
        yield http


@pytest.fixture(scope="module")
def root(server: RunningServer) -> Iterator[httpx.Client]:
    """A client at the host root, for Webex's /Schemas/SCIM2 discovery."""
    from support.reference_http import TOKEN

    base = server.base_url.split("/identity/")[0]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, headers=auth, verify=False) as http:
        yield http
