"""A full default run against a reference server that enforces a rate limit with Retry-After:
how close does the run come to the time the limit itself imposes? (target: within 1.3x)

    .venv/bin/python benchmarks/throttled.py [--rate 20] [--burst 20] [--runs 1] [-- ARGS]

The limit is a token bucket: `--rate` requests per second, bursts of `--burst`; a request
beyond it gets 429 with `Retry-After` in whole seconds (RFC 9110 §10.2.3: delay-seconds is
an integer), the time until the next token rounded up. The time the limit imposes on the
run's N answered requests is (N - burst) / rate: what a client that knew the limit in
advance and never got a 429 would need. The run's time is measured at the server, from its
first request to its last (interpreter start-up is no part of the limit), and also as wall
time. A first run without the limit shows how fast the client goes on its own: where that
is slower than the limit, the limit imposes nothing and the ratio is taken to it instead.
Extra arguments after `--` go to pytest (e.g. `-- -n 4`).
"""

from __future__ import annotations

import argparse
import math
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from _support import suite_against

from scim_conformance.reference import ReferenceApp, serve
from scim_conformance.reference.wsgi import StartResponse

TARGET_RATIO = 1.3


class RateLimitedReference(ReferenceApp):
    """The reference server behind a token bucket that answers 429 with Retry-After."""

    def __init__(self, token: str, rate: float, burst: int) -> None:
        super().__init__(token)
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._refilled = time.monotonic()
        self._bucket = threading.Lock()
        self.answered = 0
        self.throttled = 0
        self.first: float | None = None
        self.last = 0.0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve the request, or refuse it with 429 and the seconds until a token is free."""
        with self._bucket:
            now = time.monotonic()
            self.first = now if self.first is None else self.first
            self.last = now
            refill = (now - self._refilled) * self.rate if math.isfinite(self.rate) else math.inf
            self._tokens = min(self.burst, self._tokens + refill)
            self._refilled = now
            allowed = self._tokens >= 1
            if allowed:
                self._tokens -= 1
                self.answered += 1
            else:
                self.throttled += 1
                wait = max(1, math.ceil((1 - self._tokens) / self.rate))
        if not allowed:
            headers = [("Retry-After", str(wait)), ("Content-Length", "0")]
            start_response("429 Too Many Requests", headers)
            return [b""]
        return super().__call__(environ, start_response)


@dataclass(frozen=True)
class Measured:
    """One run: wall and server-side seconds, requests answered and refused, its verdict."""

    wall: float
    span: float
    answered: int
    throttled: int
    verdict: str
    notices: int

    def imposed(self, rate: float, burst: int) -> float:
        """The seconds the limit alone imposes on this many answered requests."""
        return max(self.answered - burst, 0) / rate


def measure(rate: float, burst: int, extra: list[str]) -> Measured:
    """One full default run (pytest from an empty directory) against the limited server."""
    app = RateLimitedReference("bench-" + os.urandom(6).hex(), rate, burst)
    with serve(app) as server:
        done = suite_against(server.base_url, app.token, extra)
    wall = done.seconds
    lines = done.stdout.splitlines()
    verdict = next((line for line in lines if line.startswith(("Entra-ready", "Not Entra"))), "?")
    notices = sum("scim-conformance: HTTP 429" in line for line in lines)
    span = app.last - (app.first or app.last)
    return Measured(wall, span, app.answered, app.throttled, verdict, notices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--burst", type=int, default=20, help="bucket size")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores; limit {args.rate:g} requests/s, bursts of "
        f"{args.burst}, 429 with Retry-After in whole seconds"
    )
    free = measure(math.inf, args.burst, args.pytest_args)
    print(f"without the limit: {free.span:.1f} s from first to last request")
    print(
        f"{'wall s':>7} {'span s':>7} {'imposed s':>9} {'ratio':>6} {'answered':>8} "
        f"{'429s':>5} {'notices':>7}  verdict"
    )
    for _ in range(args.runs):
        run = measure(args.rate, args.burst, args.pytest_args)
        imposed = run.imposed(args.rate, args.burst)
        ratio = run.span / max(imposed, free.span)
        print(
            f"{run.wall:>7.1f} {run.span:>7.1f} {imposed:>9.1f} {ratio:>6.2f} "
            f"{run.answered:>8} {run.throttled:>5} {run.notices:>7}  {run.verdict}"
        )
        status = "within" if ratio <= TARGET_RATIO else "ABOVE"
        print(
            f"ratio {ratio:.2f} (to the larger of the limit's time and the unlimited run's): "
            f"{status} the {TARGET_RATIO}x target"
        )


if __name__ == "__main__":
    main()
