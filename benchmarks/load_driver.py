"""How fast can the --scim-load driver go? It must never be the bottleneck (issue target:
at least 500 requests per second on 2 cores).

Two measurements, printed as a table:
  * in-process: the driver against httpx's MockTransport (no sockets, no server) — the
    driver's own ceiling;
  * loopback: the driver against the bundled reference server over real HTTP — the
    driver plus the reference server, which is usually the slower of the two.

    python benchmarks/load_driver.py [--rate 2000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os

import httpx

from scim_conformance.checks.load import LoadResult, run_load
from scim_conformance.config import Settings
from scim_conformance.reference import ReferenceApp, serve


def canned(request: httpx.Request) -> httpx.Response:
    """What a perfect server would answer, instantly."""
    if request.method == "POST":
        return httpx.Response(201, json={"id": "00000000-0000-0000-0000-000000000001"})
    if request.method == "DELETE":
        return httpx.Response(204)
    return httpx.Response(200, json={"totalResults": 0, "Resources": []})


def settings(url: str) -> Settings:
    return Settings(
        base_url=url,
        token="bench-token",
        timeout=30.0,
        dialects=("legacy",),
        run_prefix="scimconf-0bench00",
        user_domain="example.com",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    rows: list[tuple[str, LoadResult]] = []
    rows.append(
        (
            "in-process (MockTransport)",
            run_load(
                settings("https://bench.invalid/v2"),
                args.rate,
                args.seconds,
                transport=lambda: httpx.MockTransport(canned),
            ),
        )
    )
    with serve(ReferenceApp("bench-token")) as server:
        rows.append(
            (
                "loopback reference server",
                run_load(
                    settings(server.base_url),
                    args.rate,
                    args.seconds,
                ),
            )
        )
    print(f"machine: {os.cpu_count()} cores; asked {args.rate:g} req/s for {args.seconds:g} s")
    print(f"{'target':<28} {'achieved req/s':>15} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, result in rows:
        print(
            f"{name:<28} {result.achieved_rate:>15.0f} {result.percentile(0.5):>8.1f} "
            f"{result.percentile(0.99):>8.1f} {result.error_rate:>7.1%}"
        )
    ceiling = rows[0][1].achieved_rate
    print(
        f"driver ceiling {ceiling:.0f} req/s: {'meets' if ceiling >= 500 else 'MISSES'} "
        "the 500 req/s target"
    )


if __name__ == "__main__":
    main()
