"""Independent requests sent together, as Entra provisions many objects at once.

`together(client, calls)` runs calls that do not depend on each other (the creates of a
cycle's first users, a group's member users, cleanup's deletes) on a small thread pool over
the one client: at most `--scim-concurrency` at once, each request still paced by the
client's pacer (so `--scim-rate` and every throttle hold for all of them together).

What stays exact:

* Transcripts: each call records into its own buffer; the buffers join the caller's sink in
  the order the calls were given, so a report reads the same however the answers raced.
* Errors: every call runs; the first error in the order given is raised once all have
  finished, so what was sent is recorded and what was created is in the ledger before the
  test fails. An interrupt (Ctrl-C, SIGTERM) stops the calls not yet started.
* A call that itself calls `together` runs its calls one by one: the bound is the run's.
* Context: each call runs in a copy of the caller's `contextvars` context, so what the
  caller set there (the ledger's owner of creates, ledger.py) holds for its calls too.
* A long call (a tour part of the cycles) asks `interrupted(client)` between its steps and
  ends early after an interrupt, cleaning up after itself, rather than running to its end.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from scim_conformance.http.client import ScimClient
from scim_conformance.http.transcript import Exchange

T = TypeVar("T")


class NotStarted(Exception):
    """A call skipped because an interrupt stopped the calls together with it."""


def together(client: ScimClient, calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run `calls` at most `client.options.concurrency` at once; their results in order."""
    limit = min(client.options.concurrency, len(calls))
    if limit <= 1 or hasattr(client.local, "sink"):  # serial, or already inside `together`
        return _one_by_one(calls)
    outer = client.sink
    buffers: list[list[Exchange]] = [[] for _ in calls]
    stop = threading.Event()

    def run(index: int) -> T:
        if stop.is_set():
            raise NotStarted
        client.local.sink = buffers[index] if outer is not None else None
        client.local.stop = stop
        try:
            return calls[index]()
        except Exception:
            raise
        except BaseException:
            stop.set()  # an interrupt: start nothing more
            raise
        finally:
            del client.local.sink, client.local.stop

    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="scim-together")
    futures: list[Future[T]] = []
    try:
        futures = [
            pool.submit(contextvars.copy_context().run, run, index) for index in range(len(calls))
        ]
        wait(futures)
    except BaseException:
        stop.set()  # Ctrl-C while waiting: let what is in flight finish, start nothing more
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if outer is not None:
            for buffer in buffers:
                outer.extend(buffer)
    return _results(futures)


def interrupted(client: ScimClient) -> bool:
    """Whether an interrupt stopped the `together` whose call this thread is running."""
    stop: threading.Event | None = getattr(client.local, "stop", None)
    return stop is not None and stop.is_set()


def _results(futures: Sequence[Future[T]]) -> list[T]:
    """The results in order, or the first real error in order (an interrupt first of all)."""
    errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None and not isinstance(error, Exception):
            raise error
    for error in errors:
        if error is not None and not isinstance(error, NotStarted):
            raise error
    return [future.result() for future in futures]


def _one_by_one(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The calls in order, each after the previous one; every call runs, as `together` does."""
    results: list[T] = []
    first: Exception | None = None
    for call in calls:
        try:
            results.append(call())
        except Exception as exc:
            first = first or exc
    if first is not None:
        raise first
    return results
