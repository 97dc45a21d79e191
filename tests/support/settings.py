"""Settings for unit tests of the client, the ledger and the runners, whose transport is an
httpx.MockTransport: the target is never reached, so one fixed example does."""

from __future__ import annotations

import dataclasses
from typing import Any

from scim_conformance.config import Settings

_OFFLINE = Settings(
    base_url="https://scim.example.test/v2",
    token="tok-unit",
    timeout=5.0,
    dialects=("legacy",),
    run_prefix="scimconf-00000000",
    user_domain="example.test",
)


def offline_settings(**changes: Any) -> Settings:
    """The example settings, with `changes` (any Settings field) applied."""
    return dataclasses.replace(_OFFLINE, **changes)
