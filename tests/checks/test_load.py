"""The opt-in load check passes against the reference server and fails against a server
throttled below 25 requests per second."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from scim_conformance.checks.load import LoadResult, run_load
from scim_conformance.reference import Fault
from support.hostile import HostileApp
from support.settings import offline_settings
from support.suite_run import SuiteRun


def test_load_check_is_off_by_default(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-m", "load", "-rs")
    assert run.outcomes == {"test_sustains_the_gallery_request_rate": "skipped"}
    assert "runs only with --scim-load" in run.output()


def test_load_check_passes_against_the_reference_server(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("-m", "load", "--scim-load", "--scim-load-duration=2", "-s")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "load check: 50 requests" in run.output()
    assert run.server.app.users() == []  # every load user deleted


def test_load_check_fails_below_25_requests_per_second(
    run_suite: Callable[..., SuiteRun],
) -> None:
    app = HostileApp("tok-slow", throttle_seconds=0.06)  # at most ~16 requests per second
    args = ("-m", "load", "--scim-load", "--scim-load-duration=2", "--scim-gallery")
    run = run_suite(*args, app=app)
    assert run.failed == ["test_sustains_the_gallery_request_rate"]
    message = run.messages["test_sustains_the_gallery_request_rate"]
    assert "[rfc] The endpoint does not sustain Entra's request rate" in message
    assert "gallery-request-rate: The endpoint sustains 25 requests per second" in message


def test_load_check_fails_when_the_endpoint_throttles_entra(
    run_suite: Callable[..., SuiteRun],
) -> None:
    args = ("-m", "load", "--scim-load", "--scim-load-duration=2", "--scim-max-retry-wait=0")
    run = run_suite(*args, faults=[Fault.THROTTLES_WITHOUT_RETRY_AFTER])  # every 20th is a 429
    assert run.failed == ["test_sustains_the_gallery_request_rate"]
    message = run.messages["test_sustains_the_gallery_request_rate"]
    assert "[entra-breaking] The endpoint throttles Entra's request rate" in message
    assert "no-throttling-429" in message


def test_percentiles_and_rates() -> None:
    result = LoadResult(
        25.0,
        duration_s=2.0,
        latencies_ms=[float(n) for n in range(1, 101)],
        statuses=[200] * 98 + [500, 0],
    )
    assert result.achieved_rate == 50.0
    assert result.percentile(0.5) == pytest.approx(50.5)
    assert result.percentile(0.99) == pytest.approx(99.01)
    assert result.error_rate == 0.02


def test_driver_is_paced_and_keeps_each_users_order() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.method == "POST":
            return httpx.Response(201, json={"id": "u-1"})
        return httpx.Response(200, json={"Resources": [], "totalResults": 0})

    settings = offline_settings()
    result = run_load(settings, 100.0, 0.5, transport=lambda: httpx.MockTransport(handler))
    assert result.total == 50
    assert result.error_rate == 0.0
    # Cycles cut off by the end of the run are finished by the cleanup: every user created
    # is deleted, and a user's requests keep Entra's order (match, create, ..., delete).
    assert seen.count("POST") >= 10
    assert seen.count("DELETE") == seen.count("POST")
    assert result.leftovers == []
