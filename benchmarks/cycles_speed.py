"""What the generated Entra cycles (suite/test_cycles.py) cost the default run.

    .venv/bin/python benchmarks/cycles_speed.py [--runs 5] [--cycles N]

Runs `pytest --scim-reference -q` from an empty directory, alternately with and without the
cycle tests (`--deselect`-free: `-k "not test_entra_cycle_matches_model"`), and prints the
test time pytest reports ("N passed in X s") for each: medians, the difference and the
ratio, against issue 13's target of a default run under 5 s of test time on 2 cores.
Timing lives here, never in the tests.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

from _support import median_text, third_party, timed_run

TARGET_SECONDS = 5.0
WITHOUT = ("-k", "not test_entra_cycle_matches_model")
_TEST_TIME = re.compile(r" in (\d+(?:\.\d+)?)s")


def test_seconds(extra: list[str]) -> float:
    """The test time pytest reports for one default run (plus `extra` options)."""
    with tempfile.TemporaryDirectory(prefix="scim-cycles-speed-") as scratch:
        argv = [sys.executable, "-m", "pytest", "--scim-reference", "-q", *extra]
        result = timed_run(argv, third_party.clean_environment(), Path(scratch))
    if result.returncode != 0:
        raise SystemExit(f"the run failed (exit {result.returncode}):\n{result.stdout}")
    found = _TEST_TIME.findall(result.stdout)
    if not found:
        raise SystemExit(f"no test time in the output:\n{result.stdout}")
    return float(found[-1])


def main(argv: list[str] | None = None) -> int:
    """Time the default run with and without the cycle tests; print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--cycles", type=int, help="--scim-cycles for the runs with cycles")
    args = parser.parse_args(argv)
    cycles = [f"--scim-cycles={args.cycles}"] if args.cycles else []
    with_cycles: list[float] = []
    without: list[float] = []
    for _ in range(args.runs):  # alternate, so that a busy moment hits both alike
        with_cycles.append(test_seconds(cycles))
        without.append(test_seconds(list(WITHOUT)))
    full, rest = statistics.median(with_cycles), statistics.median(without)
    shown = args.cycles or "default"
    print(
        f"Default run, pytest --scim-reference -q (test time as pytest reports it, {shown} cycles)"
    )
    print(f"  with the cycle tests:    {median_text(with_cycles)}")
    print(f"  without the cycle tests: {median_text(without)}")
    print(f"  cycles cost {full - rest:.2f} s; ratio with/without {full / rest:.2f}")
    met = "met" if full < TARGET_SECONDS else "NOT met"
    print(f"  target: default run under {TARGET_SECONDS:.0f} s of test time: {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
