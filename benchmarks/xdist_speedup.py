"""Speed-up of `-n 8` (pytest-xdist) over a serial run against an endpoint with real-world
latency: the bundled reference server with a fixed delay injected per request.

    python benchmarks/xdist_speedup.py [--latency-ms 150] [--workers 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from typing import Any

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
    """Wall time of one suite run (properties left out, as in the default CI job)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        f"--scim-url={url}",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--ignore={SUITE_DIR / 'test_properties.py'}",
        *extra,
    ]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            command,
            cwd=folder,
            env={**os.environ, "SCIM_TOKEN": token},
            capture_output=True,
            text=True,
            check=False,
        )
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    app = SlowReference("bench-token", args.latency_ms / 1000)
    with serve(app) as server:
        serial, serial_line = timed_run(server.base_url, app.token, [])
        requests_serial = app.request_count
        parallel, parallel_line = timed_run(server.base_url, app.token, ["-n", str(args.workers)])
    print(f"machine: {os.cpu_count()} cores; {args.latency_ms:g} ms injected per request")
    print(f"{'run':<12} {'wall s':>8}  result")
    print(f"{'serial':<12} {serial:>8.1f}  {serial_line}")
    print(f"{'-n ' + str(args.workers):<12} {parallel:>8.1f}  {parallel_line}")
    print(f"speed-up {serial / parallel:.1f}x; serial run sent {requests_serial} requests")


if __name__ == "__main__":
    main()
