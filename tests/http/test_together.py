"""Independent requests sent together (http/together.py): bounded by --scim-concurrency
(1: strictly one at a time), their transcripts complete and in the order they were given,
every call run before the first error is raised. Overlap is read from the server's side."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from scim_conformance.http.client import ClientOptions, ScimClient, ScimResponse
from scim_conformance.http.together import together
from scim_conformance.http.transcript import Exchange
from scim_conformance.reference import serve
from support.windows import DELAY_HEADER, WindowedApp, most_at_once


@contextmanager
def client_on(app: WindowedApp, concurrency: int) -> Iterator[ScimClient]:
    """A client of `app` served on loopback, sending at most `concurrency` at once."""
    with serve(app) as server:
        client = ScimClient(ClientOptions(server.base_url, app.token, concurrency=concurrency))
        try:
            yield client
        finally:
            client.close()


def listing(client: ScimClient, index: int, delay_ms: int | None = None) -> ScimResponse:
    """GET /Users marked with `index` (in the query), optionally with its own server delay."""
    headers = {DELAY_HEADER: str(delay_ms)} if delay_ms is not None else None
    return client.get("/Users", {"count": str(index)}, headers=headers)


def test_a_concurrency_of_one_sends_strictly_one_request_at_a_time() -> None:
    app = WindowedApp("tok-serial", latency_s=0.03)
    with client_on(app, concurrency=1) as client:
        answers = together(client, [functools.partial(listing, client, i) for i in range(6)])
    assert [a.status for a in answers] == [200] * 6
    assert most_at_once(app.windows) == 1
    assert [w.query for w in app.of("GET")] == [f"count={i}" for i in range(6)]


def test_requests_go_out_together_but_never_more_than_the_concurrency() -> None:
    app = WindowedApp("tok-together", latency_s=0.05)
    with client_on(app, concurrency=3) as client:
        answers = together(client, [functools.partial(listing, client, i) for i in range(9)])
    assert [a.status for a in answers] == [200] * 9
    assert 2 <= most_at_once(app.windows) <= 3


def test_the_transcript_is_complete_and_in_the_order_the_calls_were_given() -> None:
    # The first call is the slowest: its answer arrives last, yet it is recorded first.
    app = WindowedApp("tok-order")
    sink: list[Exchange] = []
    with client_on(app, concurrency=4) as client, client.recording(sink):
        calls = [functools.partial(listing, client, i, 200 - 40 * i) for i in range(4)]
        calls.append(functools.partial(client.get, "/Groups"))
        answers = together(client, calls)
        after = client.get("/Users")  # the caller's own requests record after them
    assert [e.url.rsplit("/", 1)[-1] for e in sink] == [
        *(f"Users?count={i}" for i in range(4)),
        "Groups",
        "Users",
    ]
    assert [a.exchange for a in answers] + [after.exchange] == sink
    finished = [w.query for w in sorted(app.windows, key=lambda w: w.end)]
    assert finished[:4] != [f"count={i}" for i in range(4)]  # they did race


def test_every_call_runs_and_the_first_error_in_order_is_raised() -> None:
    app = WindowedApp("tok-errors", latency_s=0.01)
    sink: list[Exchange] = []

    def failing(index: int) -> ScimResponse:
        listing(client, index)
        raise ValueError(f"call {index}")

    with client_on(app, concurrency=4) as client, client.recording(sink):
        calls = [functools.partial(listing, client, 0), functools.partial(failing, 1)]
        calls += [functools.partial(failing, 2), functools.partial(listing, client, 3)]
        with pytest.raises(ValueError, match="call 1"):
            together(client, calls)
    assert len(app.windows) == len(sink) == 4  # every call ran, and was recorded


def test_calls_inside_a_call_run_one_by_one() -> None:
    # Two calls at once, each sending three: the bound stays the run's (two in flight).
    app = WindowedApp("tok-nested", latency_s=0.03)
    with client_on(app, concurrency=4) as client:

        def inner(base: int) -> list[ScimResponse]:
            calls = [functools.partial(listing, client, base + i) for i in range(3)]
            return together(client, calls)

        together(client, [functools.partial(inner, 0), functools.partial(inner, 10)])
    assert len(app.windows) == 6
    for base in (0, 10):
        mine = {f"count={base + i}" for i in range(3)}
        assert most_at_once(w for w in app.windows if w.query in mine) == 1
    assert most_at_once(app.windows) <= 2


def test_the_request_count_is_exact_under_concurrency() -> None:
    app = WindowedApp("tok-count", latency_s=0.0)
    with client_on(app, concurrency=4) as client:
        together(client, [functools.partial(listing, client, i) for i in range(40)])
        assert client.request_count == app.request_count == 40
