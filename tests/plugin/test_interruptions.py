"""Interrupted runs leave nothing behind: Ctrl-C (SIGINT) and SIGTERM at two dozen points
spread over real runs of the suite, many of them while a create is in flight."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from scim_conformance.http.client import ClientOptions, ScimClient
from scim_conformance.ledger import Ledger
from scim_conformance.plugin.cleanup import RunCleanup
from scim_conformance.reference import ReferenceApp, serve
from scim_conformance.reference.errors import ConnectionDropped
from scim_conformance.reference.wsgi import StartResponse
from support.interrupting import (
    ONLY_PROPERTIES,
    Interrupted,
    InterruptingApp,
    Point,
    interrupt_run,
    points,
    run_env,
    seed_foreign,
    start_run,
)
from support.settings import offline_settings

# 8 points by request, 8 by create, 4 inside the property checks: 20 runs.
POINTS = points(requests=8, creates=8, properties=4)
PARALLEL = 4  # runs at a time: each is mostly a Python start-up and a wait


def test_the_points_are_many_and_varied() -> None:
    assert len({str(point) for point in POINTS}) == len(POINTS) >= 20
    assert {point.signum for point in POINTS} == {signal.SIGINT, signal.SIGTERM}
    assert any(point.after_commit for point in POINTS)
    assert any(point.selection == ONLY_PROPERTIES for point in POINTS)


def test_interrupted_runs_leave_nothing_and_change_nothing_else(tmp_path: Path) -> None:
    # One test for all points (several runs at a time), so pytest-xdist cannot split them
    # into copies that each start every run.
    def run(point: Point) -> Interrupted:
        folder = tmp_path / str(point)
        folder.mkdir()
        return interrupt_run(point, folder, pycache=tmp_path / "pycache")

    with ThreadPoolExecutor(PARALLEL) as pool:
        runs = list(pool.map(run, POINTS))
    failures = [
        f"{run.point}: exit {run.returncode}, {run.summary}, left {run.leftovers}, "
        f"changed {run.changed}, signalled {run.fired}\n{run.output[-3000:]}"
        for run in runs
        if not run.clean or run.returncode != pytest.ExitCode.INTERRUPTED
    ]
    assert not failures, "\n\n".join(failures)
    assert not any("[TOKEN LEAKED]" in run.output for run in runs)


class InterruptedTwice(InterruptingApp):
    """Interrupts the run at a create, then again at the first DELETE of its cleanup,
    which it drops without deleting anything."""

    again = False  # the second signal was sent

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.fired and environ["REQUEST_METHOD"] == "DELETE" and not self.again:
            self.again = True
            self._signal()
            raise ConnectionDropped("the second Ctrl-C came first")
        return super().__call__(environ, start_response)


def test_a_second_interrupt_stops_cleanup_and_prints_the_sweep_command(tmp_path: Path) -> None:
    point = Point(
        signal.SIGINT, 4, creates_only=True, after_commit=True, selection=("-m", "groups")
    )
    app = InterruptedTwice("tok-twice-" + os.urandom(4).hex(), point)
    seed_foreign(app)
    foreign = app.users() + app.groups()
    pycache = tmp_path / "pycache"
    with serve(app) as server:
        run = start_run(server.base_url, app.token, tmp_path, point.selection, pycache)
        app.pid = run.pid
        output, _ = run.communicate(timeout=120)
        assert app.again, output
        assert run.returncode == pytest.ExitCode.INTERRUPTED, output
        left = [r for r in app.users() + app.groups() if r not in foreign]
        assert left, output
        assert "Left behind (cleanup was stopped):" in output
        for resource in left:
            assert resource["id"] in output
        command = output.split("Delete them with: ", 1)[1].split(" (the token", 1)[0]
        assert command == f"pytest --scim-url={server.base_url} --scim-sweep --yes"
        swept = subprocess.run(
            [sys.executable, "-m", *shlex.split(command), "-p", "no:cacheprovider"],
            cwd=tmp_path,
            env=run_env(app.token, pycache),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert swept.returncode == 0, swept.stdout + swept.stderr
        # The sweep removes every run's leftovers (the seeded one of another run too).
        kept = [r for r in foreign if not str(r.get("userName", "")).startswith("scimconf-")]
        assert app.users() + app.groups() == kept
    assert app.token not in output


def test_a_swallowed_interrupt_is_raised_again_before_the_next_request(
    pytester: pytest.Pytester,
) -> None:
    # Python reports a KeyboardInterrupt raised inside a garbage-collector callback as
    # "unraisable" and goes on: the run must still stop before it sends anything more.
    app = ReferenceApp("tok-swallowed")
    with serve(app) as server:
        settings = offline_settings(base_url=server.base_url, token=app.token)
        client = ScimClient(ClientOptions.of(settings))
        plugin = RunCleanup(pytester.parseconfig(), Ledger(client, run_prefix=settings.run_prefix))
        plugin.install()
        client.event_hooks["request"].append(plugin.before_send)  # as cleanup.install does
        try:
            assert client.get("/Users").status == 200
            with contextlib.suppress(KeyboardInterrupt):
                signal.raise_signal(signal.SIGINT)  # swallowed where it landed
            with pytest.raises(KeyboardInterrupt, match=r"signal 2, before GET /Users"):
                client.get("/Users")
            plugin.interrupted()  # the run ends: cleanup may send again
            assert client.get("/Users").status == 200
        finally:
            plugin.restore()
            client.close()
