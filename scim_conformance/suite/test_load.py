"""The opt-in load check: Microsoft's gallery requirement of 25 requests per second per
tenant (rule gallery-request-rate), each answered within Entra's 60 s (http-response)."""

from __future__ import annotations

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.failures import fail, report
from scim_conformance.checks.load import run_load
from scim_conformance.config import Settings
from scim_conformance.ledger import Ledger

pytestmark = pytest.mark.load

REQUIRED_RATE = 25.0
MAX_LATENCY_MS = 60_000.0
MAX_ERROR_RATE = 0.01


def test_sustains_the_gallery_request_rate(
    request: pytest.FixtureRequest, scim_settings: Settings, ledger: Ledger
) -> None:
    """An Entra-like mix at the requested rate: ≥ 25 req/s achieved, p99 < 60 s, < 1% errors."""
    if not scim_settings.load:
        pytest.skip("the load check runs only with --scim-load")
    rate = scim_settings.load_rate
    result = run_load(scim_settings, rate, scim_settings.load_duration, ledger=ledger)
    print(f"load check: {result.summary()}")
    if result.percentile(0.99) >= MAX_LATENCY_MS:
        fail(
            rules.HTTP_RESPONSE,
            "The endpoint does not answer within Entra's 60 s under load",
            expected="p99 latency < 60 s",
            actual=f"p99 latency {result.percentile(0.99):.0f} ms ({result.summary()})",
        )
    throttled = result.throttled + result.statuses.count(429)
    if throttled:
        fail(
            rules.NO_THROTTLING_429,
            "The endpoint throttles Entra's request rate",
            expected=f"no 429 at {rate:g} requests per second",
            actual=f"{throttled} answers of 429 (or 503) ({result.summary()})",
        )
    problems = []
    if result.achieved_rate < min(rate, REQUIRED_RATE) * 0.95:
        problems.append(f"achieved {result.achieved_rate:.1f} req/s")
    if result.error_rate > MAX_ERROR_RATE:
        problems.append(f"{result.error_rate:.1%} errors")
    if result.leftovers:
        problems.append(f"could not delete {', '.join(result.leftovers)}")
    if problems:
        report(
            rules.GALLERY_REQUEST_RATE.for_gallery(scim_settings.gallery),
            "The endpoint does not sustain Entra's request rate",
            expected=f"≥ {REQUIRED_RATE:g} req/s, < 1% errors",
            actual=f"{'; '.join(problems)} ({result.summary()})",
        )
