"""Rate limiters the reference server can enforce: the three kinds a tenant meets.

* `TokenBucket(rate, burst)`: `rate` requests per second, bursts of `burst`.
* `FixedWindow(limit, window)`: `limit` requests per window of `window` seconds, the
  windows counted from the first request; the rest of a window is refused.
* `OneInN(n, retry_after)`: every n-th request is refused whatever the rate (a quota
  counted in requests, as a gateway sharing a budget between tenants may behave).

Each refusal is a 429 with `Retry-After` in whole seconds (RFC 9110 §10.2.3: delay-seconds
is an integer), rounded up. `admit(now)` takes the time, so the limiters are tested and
simulated without a clock; `parse` reads the reference server's `--limit` option. They
count what they answered and refused, for the benchmarks.
"""

from __future__ import annotations

import math
import threading
from typing import Protocol


class Limiter(Protocol):
    """Decides whether a request arriving at `now` (seconds) is served."""

    answered: int
    refused: int

    def admit(self, now: float) -> int | None:
        """None: serve it; else refuse it with this Retry-After (whole seconds)."""
        ...

    def describe(self) -> str:
        """One line for humans, e.g. `token bucket: 20 requests/s, bursts of 20`."""
        ...


def _whole_seconds(seconds: float) -> int:
    """Retry-After as delay-seconds: rounded up, at least one."""
    return max(1, math.ceil(seconds - 1e-9))


class TokenBucket:
    """`rate` tokens a second into a bucket of `burst`; a request takes one."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.answered = self.refused = 0
        self._tokens = float(burst)
        self._filled: float | None = None
        self._lock = threading.Lock()

    def admit(self, now: float) -> int | None:
        """Take a token, or say how long until one is there."""
        with self._lock:
            if self._filled is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._filled) * self.rate)
            self._filled = now
            if self._tokens >= 1:
                self._tokens -= 1
                self.answered += 1
                return None
            self.refused += 1
            return _whole_seconds((1 - self._tokens) / self.rate)

    def describe(self) -> str:
        """The limit in words."""
        return f"token bucket: {self.rate:g} requests/s, bursts of {self.burst}"


class FixedWindow:
    """`limit` requests in each window of `window` seconds; the rest wait for the next."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.answered = self.refused = 0
        self.windows = 0  # windows in which something was answered
        self._origin: float | None = None
        self._current = -1
        self._used = 0
        self._lock = threading.Lock()

    def admit(self, now: float) -> int | None:
        """Count the request in its window, or refuse it until the window ends."""
        with self._lock:
            if self._origin is None:
                self._origin = now
            index = math.floor((now - self._origin) / self.window)
            if index != self._current:
                self._current, self._used = index, 0
            if self._used < self.limit:
                if self._used == 0:
                    self.windows += 1
                self._used += 1
                self.answered += 1
                return None
            self.refused += 1
            return _whole_seconds(self._origin + (index + 1) * self.window - now)

    def describe(self) -> str:
        """The limit in words."""
        return f"fixed window: {self.limit} requests per {self.window:g} s"


class OneInN:
    """Every n-th request is refused with `retry_after`, however slowly they come."""

    def __init__(self, n: int, retry_after: int = 1) -> None:
        self.n, self.retry_after = n, retry_after
        self.answered = self.refused = 0
        self._seen = 0
        self._lock = threading.Lock()

    def admit(self, now: float) -> int | None:
        """Refuse every n-th request."""
        with self._lock:
            self._seen += 1
            if self._seen % self.n:
                self.answered += 1
                return None
            self.refused += 1
            return self.retry_after

    def describe(self) -> str:
        """The limit in words."""
        return f"one in {self.n}: 429 with Retry-After: {self.retry_after}"


def parse(text: str) -> Limiter:
    """`bucket:RATE:BURST`, `window:LIMIT:SECONDS` or `one-in:N[:RETRY_AFTER]`."""
    kind, _, rest = text.partition(":")
    numbers = rest.split(":") if rest else []
    try:
        if kind == "bucket" and len(numbers) == 2:
            return TokenBucket(float(numbers[0]), int(numbers[1]))
        if kind == "window" and len(numbers) == 2:
            return FixedWindow(int(numbers[0]), float(numbers[1]))
        if kind == "one-in" and len(numbers) in (1, 2):
            return OneInN(int(numbers[0]), int(numbers[1]) if len(numbers) == 2 else 1)
    except ValueError:
        pass
    raise ValueError(
        f"unknown limit {text!r}: bucket:RATE:BURST, window:LIMIT:SECONDS or one-in:N[:SECONDS]"
    )


def floor_seconds(limiter: Limiter, free: float) -> float:
    """The time a limiter makes unavoidable for the requests it answered, given `free`, the
    time the same run takes with no limit: what the rate (token bucket) or the windows
    (fixed window) allow at best, or the pauses it asks for (one in N)."""
    if isinstance(limiter, TokenBucket):
        return max(free, (limiter.answered - limiter.burst) / limiter.rate)
    if isinstance(limiter, FixedWindow):
        return max(free, (math.ceil(limiter.answered / limiter.limit) - 1) * limiter.window)
    assert isinstance(limiter, OneInN)
    return free + limiter.answered // (limiter.n - 1) * limiter.retry_after
