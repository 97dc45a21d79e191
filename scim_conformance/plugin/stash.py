"""Where a run with a target keeps its objects: pytest's stash, and one accessor each.

The session start (session.py) fills it; the hooks, the suite's fixtures (fixtures.py) and
the project's tests read it.
"""

from __future__ import annotations

import pytest

from scim_conformance.config import Settings
from scim_conformance.http.client import ScimClient
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger

SETTINGS_KEY = pytest.StashKey[Settings]()
EXCHANGES_KEY = pytest.StashKey[list[Exchange]]()  # one test's exchanges, on its item
CLIENT_KEY = pytest.StashKey[ScimClient]()
LEDGER_KEY = pytest.StashKey[Ledger]()


def ledger_of(config: pytest.Config) -> Ledger:
    """The run's ledger of created resources."""
    return config.stash[LEDGER_KEY]


def client_of(config: pytest.Config) -> ScimClient:
    """The run's one client (created when the session starts)."""
    return config.stash[CLIENT_KEY]


def settings_of(config: pytest.Config) -> Settings:
    """The run's settings (only set when a target was given)."""
    return config.stash[SETTINGS_KEY]
