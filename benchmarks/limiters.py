"""A full default run against the reference server behind each kind of rate limiter, in one
run: how close does each come to the time its limiter imposes? (target: within 1.3x)

    .venv/bin/python benchmarks/limiters.py [--bucket 20:20] [--window 100:3] [--one-in 40]
                                            [-- PYTEST_ARGS]

The limiters are the reference server's own (`--limit`, reference/limiters.py); each
refusal is a 429 with Retry-After in whole seconds. The floor each imposes on the run's A
answered requests, taken as the larger of it and the run without a limit (U):
* token bucket (RATE/s, bursts of B): (A - B) / RATE;
* fixed window (N per W s): (ceil(A / N) - 1) x W, the windows the requests need;
* one in N (Retry-After S): U + floor(A / (N - 1)) x S, the pauses no client can avoid.
Times are measured at the server, from the first request to the last. Loopback only; each
run is one pytest subprocess, and the benchmark stops by itself.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterable
from typing import Any

from _support import suite_against

from scim_conformance.reference import ReferenceApp, serve
from scim_conformance.reference.limiters import (
    FixedWindow,
    Limiter,
    OneInN,
    TokenBucket,
    floor_seconds,
)
from scim_conformance.reference.wsgi import StartResponse

TARGET_RATIO = 1.3


class TimedReference(ReferenceApp):
    """The reference server, remembering when its first and last requests came."""

    first: float | None = None
    last = 0.0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Note the time, then serve (or refuse) as the reference server does."""
        now = time.monotonic()
        self.first = now if self.first is None else self.first
        self.last = now
        return super().__call__(environ, start_response)


def measure(limiter: Limiter | None, extra: list[str]) -> tuple[float, str, int]:
    """One full default run: seconds from first to last request, the verdict, notices."""
    app = TimedReference("bench-" + os.urandom(6).hex(), limiter=limiter)
    with serve(app) as server:
        done = suite_against(server.base_url, app.token, extra)
    lines = done.stdout.splitlines()
    verdict = next((line for line in lines if line.startswith(("Entra-ready", "Not Entra"))), "?")
    notices = sum("scim-conformance: HTTP 429" in line for line in lines)
    return app.last - (app.first or app.last), verdict, notices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", default="20:20", help="RATE:BURST")
    parser.add_argument("--window", default="100:3", help="LIMIT:SECONDS")
    parser.add_argument("--one-in", type=int, default=40, help="N")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = parser.parse_args()
    rate, burst = args.bucket.split(":")
    limit, window = args.window.split(":")
    limiters: list[Limiter] = [
        TokenBucket(float(rate), int(burst)),
        FixedWindow(int(limit), float(window)),
        OneInN(args.one_in),
    ]
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at the start")
    free, verdict, _ = measure(None, args.pytest_args)
    print(f"without a limit: {free:.1f} s from first to last request; {verdict}")
    print(f"{'limiter':<45} {'span s':>7} {'floor s':>7} {'ratio':>6} {'429s':>5} {'notices':>7}")
    worst = 0.0
    for limiter in limiters:
        span, verdict, notices = measure(limiter, args.pytest_args)
        imposed = floor_seconds(limiter, free)
        worst = max(worst, span / imposed)
        print(
            f"{limiter.describe():<45} {span:>7.1f} {imposed:>7.1f} {span / imposed:>6.2f} "
            f"{limiter.refused:>5} {notices:>7}  {verdict}"
        )
    status = "within" if worst <= TARGET_RATIO else "ABOVE"
    print(f"worst ratio {worst:.2f}: {status} the {TARGET_RATIO}x target")


if __name__ == "__main__":
    main()
