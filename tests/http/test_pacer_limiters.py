"""The pacer against each kind of rate limiter, simulated on a fake clock: Retry-After waited
exactly, the rate lowered only where that helps, and each run near the floor its limiter
imposes (simulated seconds, never wall time)."""

from __future__ import annotations

import pytest

from scim_conformance.http.retry import Pacer
from scim_conformance.reference.limiters import (
    FixedWindow,
    Limiter,
    OneInN,
    TokenBucket,
    floor_seconds,
    parse,
)

REQUESTS = 977  # a default run's requests
PER_REQUEST = 0.003  # the client's own pace on loopback: about 300 requests/s


def simulate(limiter: Limiter | None) -> tuple[float, Pacer]:
    """Simulated seconds for REQUESTS answered requests through `limiter`, and the pacer."""
    now = 0.0

    def sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    pacer = Pacer(None, 60.0, clock=lambda: now, sleep=sleep)
    answered = 0
    while answered < REQUESTS:
        pacer.wait_turn()
        wait = None if limiter is None else limiter.admit(now)
        now += PER_REQUEST
        if wait is None:
            pacer.succeeded()
            answered += 1
        else:
            pacer.throttled("GET /Users", 429, float(wait), float(wait))
    return now, pacer


@pytest.mark.parametrize(
    "limiter",
    [
        TokenBucket(20, 20),
        TokenBucket(20, 5),
        TokenBucket(10, 10),
        FixedWindow(100, 3),
        FixedWindow(30, 1),
        FixedWindow(200, 10),
        OneInN(40),
        OneInN(20),
    ],
    ids=lambda limiter: limiter.describe(),
)
def test_each_limiter_kind_costs_at_most_1_3_times_its_floor(limiter: Limiter) -> None:
    free, _ = simulate(None)
    took, _ = simulate(limiter)
    assert took <= 1.3 * floor_seconds(limiter, free)


def test_a_quota_by_count_never_lowers_the_rate_for_long() -> None:
    _, pacer = simulate(OneInN(40))
    assert pacer.rate is None  # pausing as asked; lowering was tried once and undone
    assert 1 <= len(pacer.notices()) <= 3  # rationed


def test_a_fixed_window_is_waited_out_without_a_lasting_lower_rate() -> None:
    _, pacer = simulate(FixedWindow(200, 10))
    assert pacer.rate is None


def test_a_token_bucket_with_small_bursts_is_paced_near_its_rate() -> None:
    _, pacer = simulate(TokenBucket(20, 5))
    assert pacer.rate is not None
    assert 15 <= pacer.rate <= 25


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("bucket:20:5", "token bucket: 20 requests/s, bursts of 5"),
        ("window:100:3", "fixed window: 100 requests per 3 s"),
        ("one-in:40", "one in 40: 429 with Retry-After: 1"),
    ],
)
def test_the_reference_servers_limit_option_reads_each_kind(text: str, described: str) -> None:
    assert parse(text).describe() == described
    with pytest.raises(ValueError, match="unknown limit"):
        parse("bucket:fast")
