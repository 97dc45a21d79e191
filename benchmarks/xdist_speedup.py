"""A run against an endpoint with real-world latency (the bundled reference server with a
fixed delay per request), serial and under pytest-xdist: wall time, requests, what the
latency alone imposes on a one-at-a-time run (requests x latency), and the ratio of the two
(issue 22's targets: serial at most 0.5, `-n 8` at most 1/6).

    python benchmarks/xdist_speedup.py [--latency-ms 150] [--workers 2,8] [--properties]
                                       [--concurrency N]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterable
from typing import Any

from _support import suite_against

from scim_conformance.plugin.hooks import SUITE_DIR
from scim_conformance.reference import ReferenceApp, serve


class SlowReference(ReferenceApp):
    """The reference server, answering every request after a fixed delay."""

    def __init__(self, token: str, latency_s: float) -> None:
        super().__init__(token)
        self.latency_s = latency_s

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        time.sleep(self.latency_s)
        return super().__call__(environ, start_response)


def timed_run(url: str, token: str, extra: list[str]) -> tuple[float, str]:
    """Wall time of one suite run, and its last line."""
    done = suite_against(url, token, extra)
    return done.seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--workers", default="2,8", help="comma-separated -n values")
    parser.add_argument(
        "--properties", action="store_true", help="include the property-based checks"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE: every process compiles (and pytest rewrites) the "
        "package again, as no installed package does",
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="--scim-concurrency (default: the suite's)"
    )
    args = parser.parse_args()
    if not args.cold:
        # An installed package has its bytecode: without it each pytest-xdist worker spends
        # seconds of CPU compiling and rewriting the suite, which is not the latency measured.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    scope = [] if args.properties else [f"--ignore={SUITE_DIR / 'test_properties.py'}"]
    if args.concurrency is not None:
        scope.append(f"--scim-concurrency={args.concurrency}")
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"{args.latency_ms:g} ms injected per request; "
        f"property checks {'included' if args.properties else 'left out'}; "
        f"bytecode {'not cached' if args.cold else 'cached'}"
    )
    print(
        f"{'run':<8} {'wall s':>7} {'requests':>8} {'latency s':>9} {'ratio':>6} "
        f"{'speed-up':>8}  result"
    )
    if not args.cold:  # one collection first, so the runs measured find the bytecode written
        with serve(ReferenceApp("bench-token")) as server:
            suite_against(server.base_url, "bench-token", [*scope, "--collect-only"])
    serial = None
    for workers in ["0", *args.workers.split(",")]:
        app = SlowReference("bench-token", args.latency_ms / 1000)
        extra = [*scope, *(["-n", workers] if workers != "0" else [])]
        with serve(app) as server:
            wall, line = timed_run(server.base_url, app.token, extra)
        serial = serial or wall
        imposed = app.request_count * args.latency_ms / 1000
        name = "serial" if workers == "0" else f"-n {workers}"
        print(
            f"{name:<8} {wall:>7.1f} {app.request_count:>8} {imposed:>9.1f} "
            f"{wall / imposed:>6.2f} {serial / wall:>7.1f}x  {line}"
        )


if __name__ == "__main__":
    main()
