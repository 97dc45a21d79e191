"""The main job side by side with a baseline version, in the two conditions that decide its
test time.

    .venv/bin/python benchmarks/main_job.py --baseline REF [--runs 8]

The main job is the README's first command,
`pytest --scim-reference --html=report.html --self-contained-html`, run from the checkout.
This script checks out HEAD and REF (any git revision) in temporary worktrees (committed code
only, with no bytecode of earlier runs), sets each up the way the README's set-up line does
in a fresh virtual environment of its own, then runs the main job alternately in each (so a
busy moment hits both alike) under:

* `first run`: a fresh machine, as on this project's CI: `PYTHONDONTWRITEBYTECODE=1`, so
  pytest cannot keep the modules it rewrites, and no Hypothesis caches (removed before
  every run);
* `later runs`: a developer's machine after its first run: bytecode written, Hypothesis's
  caches kept (one run of each primes them first).

It prints the test time pytest reports, the CPU time of the run (suite and server) and each
median's ratio to the baseline's. Issue 19 and issue 22 ask for the main job under 5 s of test
time on 2 cores. Timing lives here, never in the tests.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from _support import REPO, median_text, table, timed_run

TARGET_SECONDS = 5.0
MAIN_JOB = ("--scim-reference", "--html=report.html", "--self-contained-html")
_TEST_TIME = re.compile(r" in (\d+(?:\.\d+)?)s")


@dataclass
class Version:
    """One version of the project, set up as the README says, and what its runs measured."""

    name: str
    checkout: Path
    venv: Path
    cache: Path  # its own XDG_CACHE_HOME: Hypothesis's caches live below it
    seconds: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)


def set_up(name: str, checkout: Path, scratch: Path) -> Version:
    """A fresh virtual environment with the checkout installed, as the README's set-up line
    (beside the checkout, in `scratch`)."""
    venv = scratch / f"venv-{checkout.name}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e", f"{checkout}[dev]"]
    subprocess.run(pip, check=True, stdout=subprocess.DEVNULL)
    return Version(name, checkout, venv, scratch / f"cache-{checkout.name}")


@contextmanager
def checkout(revision: str, scratch: Path, name: str) -> Iterator[Path]:
    """`revision` checked out in a temporary git worktree, removed afterwards."""
    folder = scratch / name
    git = ["git", "-C", str(REPO)]
    subprocess.run([*git, "worktree", "add", "-q", "--detach", str(folder), revision], check=True)
    try:
        yield folder
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)


def environment(version: Version, *, first: bool) -> dict[str, str]:
    """The environment of one run: the version's own caches, bytecode off for a first run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCIM_", "PYTEST_"))}
    env["XDG_CACHE_HOME"] = str(version.cache)
    env["PATH"] = f"{version.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if first:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_main_job(version: Version, condition: str) -> None:
    """One main job in `version`'s checkout; its test time and CPU join `condition`'s."""
    first = condition == "first run"
    if first:
        shutil.rmtree(version.cache, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pytest = str(version.venv / "bin" / "pytest")
    done = timed_run([pytest, *MAIN_JOB], environment(version, first=first), version.checkout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = _TEST_TIME.findall(done.stdout)
    if done.returncode != 0 or not found:
        failed = f"{version.name}: the main job failed (exit {done.returncode})"
        raise SystemExit(f"{failed}:\n{done.stdout}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    version.seconds.setdefault(condition, []).append(float(found[-1]))
    version.cpu.setdefault(condition, []).append(cpu)


def report(versions: tuple[Version, Version], conditions: tuple[str, ...]) -> str:
    """The table: per condition and version, test time, CPU and the ratios to the baseline."""
    rows = []
    baseline, current = versions
    for condition in conditions:
        for version in versions:
            seconds, cpu = version.seconds[condition], version.cpu[condition]
            ratio = statistics.median(seconds) / statistics.median(baseline.seconds[condition])
            cpu_ratio = statistics.median(cpu) / statistics.median(baseline.cpu[condition])
            ratios = "-" if version is baseline else f"{ratio:.2f}x / {cpu_ratio:.2f}x"
            cpu_text = f"{statistics.median(cpu):.2f} s"
            rows.append([condition, version.name, median_text(seconds), cpu_text, ratios])
    header = ["condition", "version", "test time (pytest)", "CPU median", "ratio: time / CPU"]
    verdict = statistics.median(current.seconds["first run"])
    met = "met" if verdict < TARGET_SECONDS else "not met"
    return (
        table(header, rows)
        + f"\ntarget: main job under {TARGET_SECONDS:g} s of test time; first run {met} "
        f"({verdict:.2f} s median), later runs "
        f"{statistics.median(current.seconds['later runs']):.2f} s median"
    )


def main(argv: list[str] | None = None) -> int:
    """Set both versions up, alternate their main jobs under each condition, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="a git revision to compare with")
    parser.add_argument("--runs", type=int, default=8, help="runs of each, per condition")
    args = parser.parse_args(argv)
    conditions = ("first run", "later runs")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="scim-main-job-") as folder:
        scratch = Path(folder)
        with (
            checkout(args.baseline, scratch, "baseline") as old,
            checkout("HEAD", scratch, "head") as new,
        ):
            versions = (set_up(args.baseline[:12], old, scratch), set_up("HEAD", new, scratch))
            for condition in conditions:  # first runs first: later runs write bytecode
                if condition == "later runs":
                    for version in versions:
                        run_main_job(version, "priming")
                for _ in range(args.runs):
                    for version in versions:
                        run_main_job(version, condition)
            print(report(versions, conditions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
