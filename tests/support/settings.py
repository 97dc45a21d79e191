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


def loopback_settings(base_url: str, token: str, run_prefix: str, **changes: Any) -> Settings:
    """Settings for a client of the run's kind against a reference server on loopback (the
    example settings with its URL, token and a run prefix of the test's own)."""
    target = {"base_url": base_url, "token": token, "run_prefix": run_prefix}
    return dataclasses.replace(_OFFLINE, user_domain="example.com", **target, **changes)
