"""The opt-in load check: Microsoft's gallery requirement of 25 requests per second per
tenant, each answered within 60 s (entra-sequences.md §0, R20 [S1][S13][S26])."""

from __future__ import annotations

import pytest

from scim_conformance.checks.failures import Severity, fail
from scim_conformance.checks.load import run_load
from scim_conformance.plugin.settings import Settings, parse_seconds

pytestmark = pytest.mark.load

REQUIRED_RATE = 25.0
MAX_LATENCY_MS = 60_000.0
MAX_ERROR_RATE = 0.01


def test_sustains_the_gallery_request_rate(
    request: pytest.FixtureRequest, scim_settings: Settings
) -> None:
    """An Entra-like mix at the requested rate: ≥ 25 req/s achieved, p99 < 60 s, < 1% errors."""
    config = request.config
    if not config.getoption("scim_load"):
        pytest.skip("the load check runs only with --scim-load")
    rate = parse_seconds(
        "--scim-load-rate", config.getoption("scim_load_rate"), 25.0, allow_zero=False
    )
    duration = parse_seconds(
        "--scim-load-duration", config.getoption("scim_load_duration"), 10.0, allow_zero=False
    )
    result = run_load(scim_settings, rate, duration)
    print(f"load check: {result.summary()}")
    problems = []
    if result.achieved_rate < min(rate, REQUIRED_RATE) * 0.95:
        problems.append(f"achieved {result.achieved_rate:.1f} req/s")
    if result.percentile(0.99) >= MAX_LATENCY_MS:
        problems.append(f"p99 latency {result.percentile(0.99):.0f} ms")
    if result.error_rate > MAX_ERROR_RATE:
        problems.append(f"{result.error_rate:.1%} errors")
    if result.leftovers:
        problems.append(f"could not delete {', '.join(result.leftovers)}")
    if problems:
        fail(
            Severity.ENTRA_BREAKING,
            "The endpoint does not sustain Entra's request rate",
            expected=f"≥ {REQUIRED_RATE:g} req/s, p99 < 60 s, < 1% errors",
            actual=f"{'; '.join(problems)} ({result.summary()})",
            rule="Entra gallery onboarding: at least 25 requests per second per tenant [S13]; "
            "answers within 60 s [S26]",
            entra="gallery onboarding fails; provisioning jobs time out (Timeout), hit "
            "TooManyRequests and fall behind [S9]",
        )
