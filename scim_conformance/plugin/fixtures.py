"""The run's objects as the suite's fixtures: its settings, client, ledger and transcripts.

Registered as a plugin when the session starts with a target (plugin/session.py), so the
suite takes what the plugin resolved through fixtures and never imports the plugin.
"""

from __future__ import annotations

import pytest

from scim_conformance.config import Settings
from scim_conformance.http.client import ScimClient
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.plugin.stash import EXCHANGES_KEY, client_of, ledger_of, settings_of


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes `dialect` once per selected Entra dialect."""
    if "dialect" in metafunc.fixturenames:
        dialects = settings_of(metafunc.config).dialects
        metafunc.parametrize("dialect", dialects, ids=list(dialects))


@pytest.fixture(scope="session")
def scim_settings(request: pytest.FixtureRequest) -> Settings:
    """The run's settings (target URL, dialects, run prefix)."""
    return settings_of(request.config)


@pytest.fixture(scope="session")
def _client(request: pytest.FixtureRequest) -> ScimClient:
    """The run's one client (created when the session starts)."""
    return client_of(request.config)


@pytest.fixture(scope="session")
def ledger(request: pytest.FixtureRequest) -> Ledger:
    """Everything the run created; what tests did not delete is deleted when the run ends,
    however it ends (plugin/cleanup.py)."""
    return ledger_of(request.config)


@pytest.fixture
def run_exchanges(request: pytest.FixtureRequest) -> list[Exchange]:
    """Every exchange this process's tests have recorded so far, in test order."""
    return [
        exchange
        for item in request.session.items
        for exchange in item.stash.get(EXCHANGES_KEY, None) or []
    ]
