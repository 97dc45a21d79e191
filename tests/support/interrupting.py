"""Interrupt real runs of the suite at chosen points and see what they leave behind.

Used by test_interruptions.py (a few dozen points) and benchmarks/interruptions.py (many).
The reference server itself sends the signal, from inside the request that is the chosen
point: the run is interrupted while it waits for that answer, before or after the server
committed it, which is exactly when a create is lost.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scim_conformance.plugin.hooks import SUITE_DIR
from scim_conformance.reference import ReferenceApp, serve
from scim_conformance.reference.wsgi import StartResponse

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
WITHOUT_PROPERTIES = (f"--ignore={SUITE_DIR / 'test_properties.py'}",)
ONLY_PROPERTIES = ("-m", "properties", "--scim-examples=5")
# A default run without the property checks sends about 300 requests, 93 of them creates;
# the property checks with 5 examples about 140 requests, 37 creates.


@dataclass(frozen=True)
class Point:
    """Where to interrupt: the `at`-th request (or create) of the run, with `signum`,
    before or after the server handles that request."""

    signum: int
    at: int
    creates_only: bool = False
    after_commit: bool = False
    selection: tuple[str, ...] = WITHOUT_PROPERTIES

    def __str__(self) -> str:
        what = "create" if self.creates_only else "request"
        when = "after" if self.after_commit else "before"
        scope = "properties" if self.selection == ONLY_PROPERTIES else "suite"
        name = signal.Signals(self.signum).name
        return f"{name}-{scope}-{what}-{self.at}-{when}"


class InterruptingApp(ReferenceApp):
    """The reference server, signalling the run under test at a chosen point."""

    def __init__(self, token: str, point: Point) -> None:
        super().__init__(token)
        self.point = point
        self.pid: int | None = None  # the run's process, set once it is started
        self.fired = False
        self._seen = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve; at the chosen request, send the signal before or after handling it."""
        counts = environ["REQUEST_METHOD"] == "POST" or not self.point.creates_only
        with self._lock:
            self._seen += counts
            fire = counts and self._seen == self.point.at and self.pid is not None
            self.fired |= fire
        if fire and not self.point.after_commit:
            self._signal()
        answer = super().__call__(environ, start_response)
        if fire and self.point.after_commit:
            self._signal()
        return answer

    def _signal(self) -> None:
        assert self.pid is not None
        os.kill(self.pid, self.point.signum)
        time.sleep(0.05)  # the answer leaves only once the run has been interrupted


def seed_foreign(app: ReferenceApp) -> None:
    """Resources of the tenant that the run did not create: it must not touch them."""
    app.seed_user({"schemas": [CORE_USER], "userName": "alice@customer.example"})
    app.seed_user(
        {
            "schemas": [CORE_USER],
            "userName": "scimconf-0badc0de-u1-abcdef@customer.example",  # another run's
            "externalId": "scimconf-0badc0de-x",
        }
    )
    app.seed_group({"schemas": [CORE_GROUP], "displayName": "Sales"})


@dataclass
class Interrupted:
    """What one interrupted run did: its exit code, output, and what it left."""

    point: Point
    returncode: int
    output: str
    fired: bool
    leftovers: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # foreign resources that changed
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        """Interrupted where asked, nothing left, nothing foreign changed, summary shown."""
        return (
            self.fired
            and not self.leftovers
            and not self.changed
            and "left 0" in self.summary
            and "INTERNALERROR" not in self.output
        )

    @property
    def summary(self) -> str:
        """The run's cleanup summary line."""
        lines = [line for line in self.output.splitlines() if "cleanup: created" in line]
        return lines[-1] if lines else "(no cleanup summary)"


def run_env(token: str, pycache: Path | None) -> dict[str, str]:
    """The environment of a run: the token, and compiled modules kept under `pycache` so
    that runs after the first start faster (whatever PYTHONDONTWRITEBYTECODE says)."""
    env = {**os.environ, "SCIM_CONFORMANCE_TOKEN": token}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def start_run(
    url: str, token: str, workdir: Path, args: Sequence[str], pycache: Path | None = None
) -> subprocess.Popen[str]:
    """Start `pytest --scim-url=url ARGS` in `workdir`, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", f"--scim-url={url}", "-p", "no:cacheprovider", *args],
        cwd=workdir,
        env=run_env(token, pycache),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def interrupt_run(
    point: Point, workdir: Path, extra: Sequence[str] = (), pycache: Path | None = None
) -> Interrupted:
    """Run the suite against a fresh reference server, interrupted at `point`."""
    token = "tok-interrupt-" + os.urandom(6).hex()
    app = InterruptingApp(token, point)
    seed_foreign(app)
    foreign = {r["id"]: copy.deepcopy(r) for r in app.users() + app.groups()}
    started = time.perf_counter()
    with serve(app) as server:
        args = ["-q", *point.selection, *extra]
        process = start_run(server.base_url, token, workdir, args, pycache)
        app.pid = process.pid
        output, _ = process.communicate(timeout=300)
    now = {r["id"]: r for r in app.users() + app.groups()}
    return Interrupted(
        point,
        process.returncode,
        output.replace(token, "[TOKEN LEAKED]"),
        app.fired,
        leftovers=[
            str(r.get("userName") or r.get("displayName"))
            for rid, r in now.items()
            if rid not in foreign
        ],
        changed=[rid for rid, r in foreign.items() if now.get(rid) != r],
        seconds=time.perf_counter() - started,
    )


def spread(count: int, first: int, last: int) -> list[int]:
    """`count` points from `first` to `last`, evenly spaced."""
    if count == 1:
        return [first]
    return [round(first + (last - first) * i / (count - 1)) for i in range(count)]


def points(requests: int, creates: int, properties: int) -> list[Point]:
    """A mix over the run: points by request count, by create (before and after the
    server commits it) and inside the property checks (quoted userNames), alternating
    SIGINT and SIGTERM."""
    chosen = [Point(0, at) for at in spread(requests, 5, 285)]
    chosen += [
        Point(0, at, creates_only=True, after_commit=index % 2 == 0)
        for index, at in enumerate(spread(creates, 1, 90))
    ]
    chosen += [
        Point(0, at, creates_only=True, after_commit=index % 2 == 1, selection=ONLY_PROPERTIES)
        for index, at in enumerate(spread(properties, 2, 34))
    ]
    signals = (signal.SIGINT, signal.SIGTERM)
    return [
        Point(signals[i % 2], p.at, p.creates_only, p.after_commit, p.selection)
        for i, p in enumerate(chosen)
    ]
