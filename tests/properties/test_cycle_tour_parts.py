"""The cycle tour's independent parts (properties/cycles/tour.py) against the reference
server: each covers its share, together they cover every reachable pair, and run together
in one process they clean up exactly what each created and leave a transcript that reads
the same however their answers raced."""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from scim_conformance.entra import Dialect
from scim_conformance.http.client import TransportFailure, answer_of
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Namer
from scim_conformance.profiles import ENTRA_DEFAULT
from scim_conformance.properties.cycles import tour
from scim_conformance.properties.cycles.base import CycleContext
from scim_conformance.properties.cycles.coverage import reachable, table
from scim_conformance.properties.cycles.driver import run_tour
from scim_conformance.reference import ReferenceApp
from support import loopback

PREFIX = "scimconf-cafe0002"
ENDPOINTS = [(True, True), (False, False)]  # a full mapping; a users-only endpoint


class JitteryReference(ReferenceApp):
    """The reference server answering each request after a short random delay, so requests
    sent together finish in a different order from run to run."""

    def __init__(self, token: str, seed: int) -> None:
        super().__init__(token)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            delay = self._random.uniform(0, 0.004)
        time.sleep(delay)
        return super().__call__(environ, start_response)


@contextmanager
def cycle_on(
    app: ReferenceApp, *, manager: bool, groups: bool, concurrency: int = 4, timeout: float = 5.0
) -> Iterator[CycleContext]:
    """A cycle context against `app` served on loopback, its ledger watching the client."""
    with loopback.ledger_on(app, PREFIX, timeout=timeout, concurrency=concurrency) as ledger:
        namer = Namer.for_run(PREFIX, "example.com")
        dialect: Dialect = "legacy"
        yield CycleContext(ledger.client, ledger, namer, dialect, ENTRA_DEFAULT, manager, groups)


@pytest.mark.parametrize("part", tour.PARTS, ids=lambda part: part.name)
@pytest.mark.parametrize(("manager", "groups"), ENDPOINTS)
def test_each_part_exercises_its_share(part: tour.TourPart, manager: bool, groups: bool) -> None:
    """Alone (as a pytest-xdist worker runs it), a part exercises every pair of its share."""
    app = ReferenceApp("tok-part")
    with cycle_on(app, manager=manager, groups=groups) as ctx:
        assert run_tour(ctx, [part]) is None, ctx.log
    share = part.share(reachable(manager=manager, groups=groups))
    assert share <= ctx.coverage, table(ctx.coverage, share, part.name)
    assert (app.users(), app.groups()) == ([], [])


@pytest.mark.parametrize(("manager", "groups"), ENDPOINTS)
def test_the_shares_split_every_reachable_pair(manager: bool, groups: bool) -> None:
    wanted = reachable(manager=manager, groups=groups)
    shares = [part.share(wanted) for part in tour.PARTS]
    assert set().union(*shares) == wanted
    assert sum(len(share) for share in shares) == len(wanted)  # no pair in two shares
    assert [bool(share) for share in shares] == [groups, True]  # users-only: no group part


def test_parts_run_together_delete_exactly_their_own() -> None:
    """Each part, in its own thread, deletes only what its own requests created, and
    together they delete everything they created."""
    seen: dict[str, dict[str, set[str]]] = {}
    lock = threading.Lock()

    def observe(answer: httpx.Response) -> None:
        thread = threading.current_thread().name
        method, path = answer.request.method, answer.request.url.path
        with lock:
            mine = seen.setdefault(thread, {"created": set(), "deleted": set()})
            if method == "POST" and answer.status_code == 201:
                mine["created"].add((answer_of(answer).json_object or {})["id"])
            elif method == "DELETE":
                mine["deleted"].add(path.rsplit("/", 1)[-1])

    app = JitteryReference("tok-parts", seed=7)
    with cycle_on(app, manager=True, groups=True) as ctx:
        ctx.scim.event_hooks["response"].append(observe)
        assert run_tour(ctx) is None, ctx.log
        report = ctx.ledger.report()
    assert len(seen) == len(tour.PARTS), seen  # one thread per part: they ran together
    for thread, mine in seen.items():
        assert mine["deleted"] <= mine["created"], thread
    created = set().union(*(mine["created"] for mine in seen.values()))
    deleted = set().union(*(mine["deleted"] for mine in seen.values()))
    assert created == deleted
    assert (report.created, report.deleted, report.left) == (len(created), len(created), [])
    assert (app.users(), app.groups()) == ([], [])


def test_the_transcript_of_parts_run_together_is_their_transcripts_in_order() -> None:
    """However the answers of parts run together race, the transcript is the one of the
    parts run one after the other."""
    together = [transcript(seed, concurrency=4) for seed in (1, 2)]
    assert together[0] == together[1]
    assert together[0] == transcript(3, concurrency=1)


def transcript(seed: int, *, concurrency: int) -> list[str]:
    """The tour's transcript, each exchange as `METHOD path`, ids by first appearance."""
    app = JitteryReference("tok-order", seed)
    kept: list[Exchange] = []
    with (
        cycle_on(app, manager=True, groups=True, concurrency=concurrency) as ctx,
        ctx.scim.recording(kept),
    ):
        assert run_tour(ctx) is None, ctx.log
    ids: dict[str, str] = {}

    def label(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"<{len(ids) + 1}>")

    hexes = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")
    return [f"{e.method} {hexes.sub(label, httpx.URL(e.url).path)}" for e in kept]


class InterruptingReference(ReferenceApp):
    """The reference server sending this process a SIGINT (Ctrl-C) as it answers its
    `at`-th request, while the tour's parts are running together."""

    def __init__(self, token: str, at: int) -> None:
        super().__init__(token)
        self.at = at
        self.seen = itertools.count(1)  # one step at a time, whichever thread answers

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if next(self.seen) == self.at:
            os.kill(os.getpid(), signal.SIGINT)  # to the process: the main thread gets it
        return super().__call__(environ, start_response)


def test_an_interrupt_stops_the_parts_and_each_cleans_up() -> None:
    """Ctrl-C while parts run together: each part ends after its current step and deletes
    what it created, long before the tour's end."""
    app = InterruptingReference("tok-stop", at=30)
    with cycle_on(app, manager=True, groups=True) as ctx:
        with pytest.raises(KeyboardInterrupt):
            run_tour(ctx)
        report = ctx.ledger.report()
    assert (app.users(), app.groups()) == ([], [])
    assert report.left == []
    assert report.created == report.deleted > 0
    assert app.request_count < 100  # the whole tour sends about 190


class RenameTimesOut(ReferenceApp):
    """The reference server answering a group rename (only the group part renames groups)
    too late for the client, and every request a little late (so the user part is still
    running then); it counts the user PATCHes (only the user part sends them)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.user_patches = itertools.count()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if method == "PATCH" and "/Users/" in path:
            next(self.user_patches)
        if method == "PATCH" and "/Groups/" in path:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            if b"displayName" in body:
                time.sleep(1.0)
        time.sleep(0.02)
        return super().__call__(environ, start_response)


def test_a_part_losing_its_connection_stops_the_others() -> None:
    """A lost connection stops the run (the server decides what follows): the part meeting
    it reports it, the other part ends after its current step, and both clean up."""
    app = RenameTimesOut("tok-lost")
    with cycle_on(app, manager=True, groups=True, timeout=0.3) as ctx:
        with pytest.raises(TransportFailure):
            run_tour(ctx)
        report = ctx.ledger.report()
    assert isinstance(ctx.stopped, TransportFailure)
    assert next(app.user_patches) < 20  # the user part alone sends 28
    assert report.left == []
    assert report.created == report.deleted > 0
