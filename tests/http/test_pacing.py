"""Throttling like a good client: Retry-After honoured, the rate lowered after a throttle and
grown back while requests succeed, --scim-rate shared over pytest-xdist workers, the
terminal told as it happens; and what each sequence costs in requests (results.json)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import jsonschema
import pytest

from scim_conformance.http.client import ClientOptions, ScimClient
from scim_conformance.http.retry import MIN_RATE, Pacer, share_of_rate
from scim_conformance.plugin import pacing
from scim_conformance.reference import Fault
from support.suite_run import SuiteRun

OPTIONS = ClientOptions(base_url="https://scim.example.test/v2", token="tok-pacing", timeout=5.0)


class Clock:
    """Time that passes only when the pacer sleeps or a request takes `per_request`."""

    def __init__(self, per_request: float = 0.01) -> None:
        self.now = 0.0
        self.per_request = per_request
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds

    def pacer(self, rate: float | None = None, max_wait: float = 60.0) -> Pacer:
        return Pacer(rate, max_wait, clock=lambda: self.now, sleep=self.sleep)

    def send(self, pacer: Pacer, count: int) -> None:
        """`count` requests that go through, each taking `per_request` seconds."""
        for _ in range(count):
            pacer.wait_turn()
            self.now += self.per_request
            pacer.succeeded()


def test_a_pacer_without_a_rate_never_waits() -> None:
    clock = Clock()
    clock.send(clock.pacer(), 50)
    assert clock.slept == []


def test_retry_after_is_waited_exactly_and_lowers_the_rate_only_when_it_recurs() -> None:
    clock = Clock(per_request=0.01)
    pacer = clock.pacer()
    clock.send(pacer, 20)  # 20 requests in 0.2 s, then a 429 asking for 1 s
    pacer.wait_turn()
    clock.now += 0.01
    pacer.throttled("GET /Users", 429, 1.0, 1.0)
    assert pacer.rate is None  # one throttle is a pause, not a verdict on the rate
    clock.slept.clear()
    pacer.wait_turn()  # the retry waits the full Retry-After, and nothing more
    assert clock.slept == [pytest.approx(1.0)]
    (notice,) = pacer.notices()
    assert notice == (
        "HTTP 429 with Retry-After: 1 s on GET /Users: waiting 1 s as asked "
        "(the rate is lowered only if throttles recur at it)"
    )
    clock.now += 0.01
    pacer.succeeded()
    clock.send(pacer, 19)  # 20 more answered in 1.2 s (the pause included), then again
    pacer.wait_turn()
    clock.now += 0.01
    pacer.throttled("GET /Users", 429, 1.0, 1.0)
    assert pacer.rate == pytest.approx(0.95 * 20 / 1.2, rel=0.02)
    (notice,) = pacer.notices()
    assert notice.startswith("HTTP 429 with Retry-After: 1 s again at ")
    assert "then sending at most 15.7 requests/s" in notice


def test_without_retry_after_the_rate_halves_and_grows_back() -> None:
    clock = Clock(per_request=0.02)  # 50 requests/s
    pacer = clock.pacer()
    clock.send(pacer, 10)
    pacer.wait_turn()
    pacer.throttled("POST /Users", 429, None, 1.0)
    assert pacer.rate == pytest.approx(25.0, rel=0.01)
    assert "HTTP 429 without Retry-After on POST /Users" in pacer.notices()[0]
    clock.send(pacer, 19)
    assert pacer.rate == pytest.approx(25.0, rel=0.01)
    clock.send(pacer, 1)  # 20 successes: doubled, back to what the run sent: unlimited
    assert pacer.rate is None
    pacer.wait_turn()
    pacer.throttled("POST /Users", 503, None, 2.0)
    assert pacer.rate == pytest.approx(12.5, rel=0.01)  # half of the 25/s it was sending


def test_the_rate_never_grows_beyond_scim_rate_nor_falls_below_the_floor() -> None:
    clock = Clock(per_request=0.001)
    pacer = clock.pacer(rate=4.0)
    clock.send(pacer, 10)
    for _ in range(12):  # every request throttled: the floor holds
        pacer.wait_turn()
        pacer.throttled("GET /Users", 429, None, 0.0)
    assert pacer.rate == MIN_RATE
    clock.send(pacer, 200)
    assert pacer.rate == 4.0


def test_waits_are_capped_by_max_retry_wait() -> None:
    clock = Clock()
    pacer = clock.pacer(rate=0.1, max_wait=0.5)  # 10 s between requests, capped at 0.5
    clock.send(pacer, 3)
    assert clock.slept == [pytest.approx(0.49), pytest.approx(0.49)]


def test_notices_are_rationed_on_a_server_throttling_by_count() -> None:
    clock = Clock()
    pacer = clock.pacer()
    told = 0
    for _ in range(40):  # every 20th request throttled, 40 times
        clock.send(pacer, 19)
        pacer.wait_turn()
        pacer.throttled("GET /Users", 429, None, 1.0)
        told += len(pacer.notices())
    assert 1 <= told <= 5
    assert pacer.rate is not None
    # Never below half of a quarter of the fastest the run sent (100 requests/s).
    assert pacer.rate >= 12.5


def test_a_throttled_client_reports_the_slow_down_to_the_pacer() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200)])
    clock = Clock()
    client = ScimClient(
        OPTIONS, transport=httpx.MockTransport(lambda r: next(answers)), pacer=clock.pacer()
    )
    assert client.get("/Users").status == 200
    assert client.retries == 1
    assert clock.slept == [2.0]
    assert "HTTP 429 with Retry-After: 2 s on GET /Users" in client.pacer.notices()[0]


def test_client_gives_up_after_bounded_retries_and_reports_the_429() -> None:
    calls: list[str] = []

    def always_429(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(429)

    clock = Clock()
    client = ScimClient(OPTIONS, transport=httpx.MockTransport(always_429), pacer=clock.pacer())
    response = client.post("/Users", {"userName": "x"})
    assert response.status == 429
    assert len(calls) == 6
    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_scim_rate_spaces_requests() -> None:
    clock = Clock()  # records the pacing instead of sleeping
    client = ScimClient(
        OPTIONS,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={})),
        pacer=clock.pacer(rate=20.0),
    )
    for _ in range(6):
        client.get("/Users")
    assert clock.slept == pytest.approx([0.05] * 5)  # the first request goes at once


def test_a_create_is_not_resent_after_a_503_but_a_read_is() -> None:
    calls: list[str] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503, headers={"Retry-After": "1"})

    client = ScimClient(OPTIONS, transport=httpx.MockTransport(unavailable), pacer=Clock().pacer())
    assert client.post("/Users", {"userName": "x"}).status == 503
    assert calls == ["POST"]
    assert client.get("/Users").status == 503
    assert calls.count("GET") == 6


@pytest.mark.parametrize(
    ("workerinput", "option", "workers"),
    [
        ({"workercount": 4}, SimpleNamespace(), 4),
        (None, SimpleNamespace(dist="load", tx=["popen"] * 3), 3),
        (None, SimpleNamespace(dist="no"), 1),
        (None, SimpleNamespace(), 1),
    ],
    ids=["worker", "controller", "serial", "no-xdist"],
)
def test_scim_rate_is_shared_over_the_processes_that_send(
    workerinput: dict[str, Any] | None, option: Any, workers: int
) -> None:
    config: Any = SimpleNamespace(option=option)
    if workerinput is not None:
        config.workerinput = workerinput
    assert pacing.worker_count(config) == workers
    assert pacing.process_rate(config, 12.0) == 12.0 / workers
    assert share_of_rate(None, 4) is None


def test_the_header_shows_the_total_rate_and_each_workers_share(
    run_suite: Callable[..., SuiteRun],
) -> None:
    pytest.importorskip("xdist")
    run = run_suite("--scim-rate=20", "-n", "2", "-k", "test_probe_for_unknown_user")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "request rate: at most 20 requests/s in total (10/s in each of 2 workers)" in (
        run.output()
    )


def test_the_terminal_says_when_and_why_the_run_slowed_down(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite(
        "-k", "users_create or test_connection", faults=[Fault.THROTTLES_WITHOUT_RETRY_AFTER]
    )
    output = run.output()
    assert run.result.ret == pytest.ExitCode.OK, output
    notice = re.search(
        r"scim-conformance: HTTP 429 without Retry-After on \w+ /\S+: waiting 1 s, then "
        r"sending at most [\d.]+ requests/s \(growing back while requests succeed\)",
        output,
    )
    assert notice is not None, output
    # Shown as it happened: before the verdict, between the tests' progress.
    assert notice.start() < output.index("SCIM conformance verdict")


def test_results_json_counts_the_requests_of_each_sequence(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run = run_suite(
        "-k", "test_connection or test_create_user_as_entra_does", "--scim-json=results.json"
    )
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    document = json.loads((workdir / "results.json").read_text())
    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "schemas" / "results.json").read_text()
    )
    jsonschema.validate(document, schema)
    counted = document["run"]["requests_by_sequence"]
    assert set(counted) == {"Test Connection", "Create"}
    assert sum(counted.values()) == sum(len(test["exchanges"]) for test in document["tests"])
    assert counted["Create"] >= 2  # the create and its read-back
