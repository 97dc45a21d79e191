"""Interrupt many real runs of the suite and count what they leave behind (target: nothing).

    .venv/bin/python benchmarks/interruptions.py [--requests 40] [--creates 30]
        [--properties 10] [--xdist 6] [--parallel 4]

Each run gets its own reference server (seeded with resources the run must not touch) and is
interrupted from inside the request chosen as its point (tests/support/interrupting.py): points by
request over a whole run, by create before and after the server commits it, inside the
property checks (quoted userNames), and runs under pytest-xdist (-n 2, the controller
signalled). SIGINT and SIGTERM alternate. tests/plugin/test_interruptions.py runs 20 of these.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _support  # noqa: F401  (puts tests/ on the path: the harness is the tests' own)

from support.interrupting import Interrupted, Point, interrupt_run, points, spread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--creates", type=int, default=30)
    parser.add_argument("--properties", type=int, default=10)
    parser.add_argument("--xdist", type=int, default=6, help="runs under -n 2")
    parser.add_argument("--parallel", type=int, default=4, help="runs at a time")
    args = parser.parse_args()
    chosen: list[tuple[Point, tuple[str, ...]]] = [
        (p, ()) for p in points(args.requests, args.creates, args.properties)
    ]
    signals = (signal.SIGINT, signal.SIGTERM)
    chosen += [
        (Point(signals[i % 2], at), ("-n", "2")) for i, at in enumerate(spread(args.xdist, 20, 280))
    ]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)

        def run(item: tuple[Point, tuple[str, ...]]) -> tuple[Interrupted, tuple[str, ...]]:
            point, extra = item
            workdir = root / f"{point}{'-xdist' if extra else ''}"
            workdir.mkdir()
            return interrupt_run(point, workdir, extra, pycache=root / "pycache"), extra

        with ThreadPoolExecutor(args.parallel) as pool:
            runs = list(pool.map(run, chosen))
    outcome: Counter[str] = Counter()
    for result, extra in runs:
        kind = "clean" if result.clean else "NOT CLEAN"
        outcome[kind] += 1
        if not result.clean:
            print(
                f"{result.point} {' '.join(extra)}: {result.summary}; left {result.leftovers}; "
                f"changed {result.changed}; signalled {result.fired}"
            )
    created = sum(_created(r.summary) for r, _ in runs)
    print(
        f"{len(runs)} interrupted runs ({args.xdist} under -n 2) in "
        f"{time.perf_counter() - started:.0f} s: {outcome['clean']} clean, "
        f"{outcome['NOT CLEAN']} not; {created} resources created and deleted in all"
    )


def _created(summary: str) -> int:
    """The `created N` of a cleanup summary line."""
    try:
        return int(summary.split("created ", 1)[1].split(",", 1)[0])
    except (IndexError, ValueError):
        return 0


if __name__ == "__main__":
    main()
