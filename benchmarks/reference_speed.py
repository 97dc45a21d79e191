"""Time the full default run against the bundled reference server and count its requests.

    .venv/bin/python benchmarks/reference_speed.py [--runs 5]

Measures the issue's three targets:

* the full default run, `pytest --scim-reference -q` from an empty directory, under 10 s
  on this 2-core machine (median wall time of `--runs` runs, interpreter start included);
* fewer requests per executed check than either peer (the peers' figures are the ones
  benchmarks/peers.py measured; pass fresh ones with `--peer NAME=REQ/CHECKS`);
* no quadratic cleanup: no resource is deleted more than twice (once, plus the suite's one
  deliberate second DELETE of test_delete_user, §7 [S14]).

The requests are counted in one extra run of the same suite against a ReferenceApp served
from this process (`--scim-reference` keeps its app private to the pytest process).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _support import median_text, third_party, timed_run

from scim_conformance.reference import ReferenceApp, serve
from scim_conformance.reference.wsgi import StartResponse

TARGET_SECONDS = 10.0
# Measured with benchmarks/peers.py against scim2-server 0.8.3: requests, executed checks.
DOCUMENTED_PEERS = {"scim2-tester 0.5.2": (835, 135), "scim-sanity 0.7.4": (29, 28)}
MAX_DELETES_PER_RESOURCE = 2  # test_delete_user deletes its user twice on purpose


@dataclass
class Tally:
    """What the app saw: requests per method, creations, DELETEs per path and their 404s."""

    methods: Counter[str] = field(default_factory=Counter)
    deletes: Counter[str] = field(default_factory=Counter)  # path -> DELETE requests
    delete_404: int = 0
    creates: int = 0

    def note(self, method: str, path: str, status: int) -> None:
        """Count one answered request."""
        self.methods[method] += 1
        if method == "POST" and status == 201:
            self.creates += 1
        if method == "DELETE":
            self.deletes[path] += 1  # the same path again and again = quadratic cleanup
            if status == 404:
                self.delete_404 += 1


class CountingApp(ReferenceApp):
    """The reference app, also keeping a Tally of what it answered."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        # One attribute with an unusual name: ReferenceApp's own names stay untouched.
        self.bench_tally = Tally()
        self._bench_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve as the reference app does; note method, path and status on the way out."""
        method, path = str(environ["REQUEST_METHOD"]), str(environ.get("PATH_INFO", ""))

        def noting(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            with self._bench_lock:
                self.bench_tally.note(method, path, int(status.split()[0]))
            return start_response(status, headers, *exc_info)

        return super().__call__(environ, noting)


@dataclass(frozen=True)
class Counted:
    """One counted run: the app's counters and the tests executed."""

    requests: int
    methods: Counter[str]
    created: int
    most_deletes: int
    delete_404: int
    executed: int
    passed: int
    failed: int

    @property
    def per_check(self) -> float:
        """Requests per executed test."""
        return self.requests / self.executed if self.executed else float("nan")


def time_default_runs(runs: int, html: bool) -> list[float]:
    """Wall seconds of `pytest --scim-reference -q`, each from a fresh empty directory."""
    extra = ["--html=report.html", "--self-contained-html"] if html else []
    seconds = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="scim-ref-speed-") as scratch:
            argv = [sys.executable, "-m", "pytest", "--scim-reference", "-q", *extra]
            result = timed_run(argv, third_party.clean_environment(), Path(scratch))
        if result.returncode != 0:
            raise SystemExit(f"the default run failed (exit {result.returncode}):\n{result.stdout}")
        seconds.append(result.seconds)
    return seconds


def count_requests() -> Counted:
    """Run the suite once against a counting reference app served from this process."""
    token = "bench-" + secrets.token_urlsafe(18)
    app = CountingApp(token)
    with tempfile.TemporaryDirectory(prefix="scim-ref-count-") as scratch, serve(app) as server:
        result = third_party.run_suite(server.base_url, token, Path(scratch))
    passed, failed = len(result.having("passed")), len(result.having("failed"))
    tally = app.bench_tally
    return Counted(
        requests=app.request_count,
        methods=tally.methods,
        created=tally.creates,
        most_deletes=max(tally.deletes.values(), default=0),
        delete_404=tally.delete_404,
        executed=result.executed,
        passed=passed,
        failed=failed,
    )


def verdict(met: bool) -> str:
    """'met' or 'NOT met'."""
    return "met" if met else "NOT met"


def peer_lines(counted: Counted, peers: dict[str, tuple[int, int]]) -> list[str]:
    """This suite's requests per executed check against each peer's."""
    lines = []
    for name, (requests, checks) in peers.items():
        theirs = requests / checks
        lines.append(
            f"  {name}: {requests}/{checks} = {theirs:.2f} per check; this suite "
            f"{counted.per_check:.2f} ({counted.per_check / theirs:.2f}x): "
            f"fewer: {verdict(counted.per_check < theirs)}"
        )
    return lines


def report(seconds: list[float], counted: Counted, peers: dict[str, tuple[int, int]]) -> str:
    """The measurements, each with the target it answers."""
    wall = statistics.median(seconds)
    methods = ", ".join(f"{n} {m}" for m, n in counted.methods.most_common())
    return "\n".join(
        [
            "Full default run: pytest --scim-reference -q (empty directory, new interpreter)",
            f"  wall: {median_text(seconds)}; target < {TARGET_SECONDS:.0f} s: "
            f"{verdict(wall < TARGET_SECONDS)}",
            "Requests (one counted run of the same suite against a ReferenceApp):",
            f"  {counted.requests} requests ({methods})",
            f"  {counted.executed} tests executed ({counted.passed} passed, "
            f"{counted.failed} failed): {counted.per_check:.2f} requests per executed check",
            f"  cleanup: {counted.created} resources created, {counted.methods['DELETE']} "
            f"DELETEs, at most {counted.most_deletes} per resource, {counted.delete_404} "
            f"answered 404; no quadratic cleanup: "
            f"{verdict(counted.most_deletes <= MAX_DELETES_PER_RESOURCE)}",
            "Requests per executed check against the peers (lower is better):",
            *peer_lines(counted, peers),
        ]
    )


def parse_peer(text: str) -> tuple[str, tuple[int, int]]:
    """'scim2-tester=835/135' -> ('scim2-tester', (835, 135))."""
    name, _, figures = text.partition("=")
    requests, _, checks = figures.partition("/")
    try:
        return name, (int(requests), int(checks))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=REQUESTS/CHECKS, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    """Time the default runs, count one run, print both against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument(
        "--html", action="store_true", help="time the README's main job (with the HTML report)"
    )
    parser.add_argument(
        "--peer",
        type=parse_peer,
        action="append",
        metavar="NAME=REQ/CHECKS",
        help="a peer's measured figures (replaces the documented ones; repeatable)",
    )
    args = parser.parse_args(argv)
    peers = dict(args.peer) if args.peer else DOCUMENTED_PEERS
    seconds = time_default_runs(args.runs, args.html)
    print(report(seconds, count_requests(), peers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
