"""A run that cannot start says why in one line, before any test: the token refused, no SCIM
service at the URL, two targets, SCIM options without a target."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from scim_conformance.reference import ReferenceApp, serve

TOKEN = "tok-preflight-" + "s3cr3t"
TEST_CONNECTION = 'GET /Users?filter=userName eq "<random GUID>"'
TARGET_HINT = (
    "given without a target: pass --scim-url=URL (or set SCIM_CONFORMANCE_URL) to test your "
    "endpoint, or --scim-reference to test the bundled server"
)
StartResponse = Callable[..., Any]


class NotScim(ReferenceApp):
    """A web server, not a SCIM service: an HTML 404 for everything (echoing the credentials
    it was sent, as careless error pages do)."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        sent = environ.get("HTTP_AUTHORIZATION", "")
        body = f"<html><body><h1>Not Found</h1><p>{sent}</p></body></html>".encode()
        start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8")])
        return [body]


class Forbidding(ReferenceApp):
    """A SCIM service that answers 403 to this token (Entra treats 401 and 403 alike)."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403"}'
        start_response("403 Forbidden", [("Content-Type", "application/scim+json")])
        return [body]


class BrokenFilter(ReferenceApp):
    """A SCIM service whose filter fails with an HTML 500: a defect the suite must report,
    not a reason to stop the run."""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if "filter=" in environ.get("QUERY_STRING", ""):
            start_response("500 Internal Server Error", [("Content-Type", "text/html")])
            return [b"<html><body>500</body></html>"]
        return super().__call__(environ, start_response)


class CountingProbes(ReferenceApp):
    """The reference server, counting Test Connection requests (a filter on a random GUID)."""

    probes = 0
    _lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        guid = r"filter=userName\+eq\+%22[0-9a-f]{8}-[0-9a-f]{4}-"
        if re.match(guid, environ.get("QUERY_STRING", "")):
            with self._lock:
                CountingProbes.probes += 1
        return super().__call__(environ, start_response)


@pytest.fixture
def no_scim_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "SCIM_CONFORMANCE_URL",
        "SCIM_CONFORMANCE_TOKEN",
        "SCIM_CONFORMANCE_PROFILE",
        "SCIM_CONFORMANCE_EXAMPLES",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def usage_error(pytester: pytest.Pytester, *args: str) -> str:
    """Run pytest; assert it stopped with one usage error before any test; the message."""
    pytester.makepyfile(test_mine="def test_own():\n    raise AssertionError('ran')\n")
    result = pytester.runpytest_inprocess(*args, "-p", "no:cacheprovider")
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    assert result.reprec.getreports("pytest_runtest_logreport") == []  # type: ignore[attr-defined]
    assert TOKEN not in output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.lines if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("ERROR: ")
    return lines[0].removeprefix("ERROR: ")


@pytest.mark.usefixtures("no_scim_environment")
def test_a_refused_token_is_named_not_blamed_on_the_server(pytester: pytest.Pytester) -> None:
    with serve(ReferenceApp("the-right-token")) as server:
        message = usage_error(pytester, f"--scim-url={server.base_url}", f"--token={TOKEN}")
    assert message == (
        f"{server.base_url} refused the token: HTTP 401 to Entra's Test Connection request "
        f"({TEST_CONNECTION}); check --token / SCIM_CONFORMANCE_TOKEN"
    )


def test_a_refused_token_from_the_environment_gets_the_same_line(
    pytester: pytest.Pytester, no_scim_environment: pytest.MonkeyPatch
) -> None:
    no_scim_environment.setenv("SCIM_CONFORMANCE_TOKEN", TOKEN)
    with serve(ReferenceApp("the-right-token")) as server:
        no_scim_environment.setenv("SCIM_CONFORMANCE_URL", server.base_url)
        message = usage_error(pytester)
    assert message.startswith(f"{server.base_url} refused the token: HTTP 401 ")


@pytest.mark.usefixtures("no_scim_environment")
def test_a_403_is_a_refused_token_too(pytester: pytest.Pytester) -> None:
    with serve(Forbidding(TOKEN)) as server:
        message = usage_error(pytester, f"--scim-url={server.base_url}", f"--token={TOKEN}")
    assert message.startswith(f"{server.base_url} refused the token: HTTP 403 to Entra's ")


@pytest.mark.usefixtures("no_scim_environment")
def test_no_scim_service_at_the_url_is_one_line_showing_what_answered(
    pytester: pytest.Pytester,
) -> None:
    with serve(NotScim(TOKEN)) as server:
        message = usage_error(pytester, f"--scim-url={server.base_url}", f"--token={TOKEN}")
    assert message == (
        f"no SCIM service at {server.base_url}: {TEST_CONNECTION} answered HTTP 404 "
        "(text/html): '<html><body><h1>Not Found</h1><p>Bearer [REDACTED]</p></body></html>'; "
        "is this the SCIM base URL (Entra's Tenant URL)?"
    )


@pytest.mark.usefixtures("no_scim_environment")
def test_a_wrong_path_on_a_scim_host_is_no_scim_service(pytester: pytest.Pytester) -> None:
    # The reference server answers a SCIM 404 under another org id: every probe is a 404.
    with serve(ReferenceApp(TOKEN)) as server:
        wrong = server.base_url.replace(server.app.org_id, "another-org")
        message = usage_error(pytester, f"--scim-url={wrong}", f"--token={TOKEN}")
    assert message.startswith(
        f"no SCIM service at {wrong}: {TEST_CONNECTION} answered HTTP 404 (application/scim+json)"
    )
    assert message.endswith("is this the SCIM base URL (Entra's Tenant URL)?")


@pytest.mark.usefixtures("no_scim_environment")
def test_a_scim_service_with_a_broken_filter_is_tested_not_refused(
    pytester: pytest.Pytester,
) -> None:
    with serve(BrokenFilter(TOKEN)) as server:
        result = pytester.runpytest_inprocess(
            f"--scim-url={server.base_url}",
            f"--token={TOKEN}",
            "-k",
            "test_probe_for_unknown_user",
            "-p",
            "no:cacheprovider",
        )
    result.assert_outcomes(failed=1)
    assert "HTTP 500 (text/html)" in result.stdout.str()


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--scim-url=https://scim.example.invalid/v2", "--token=t"], {}, "--scim-url"),
        ([], {"SCIM_CONFORMANCE_URL": "https://scim.example.invalid/v2"}, "SCIM_CONFORMANCE_URL"),
    ],
    ids=["command line", "environment"],
)
def test_two_targets_are_a_usage_error(
    pytester: pytest.Pytester,
    no_scim_environment: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    named: str,
) -> None:
    for name, value in env.items():
        no_scim_environment.setenv(name, value)
    message = usage_error(pytester, "--scim-reference", *args)
    assert message == (
        f"--scim-reference and {named} both name a target: test the bundled server or your "
        "URL, not both"
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([f"--token={TOKEN}"], "--token"),
        (["--scim-profile=webex"], "--scim-profile"),
        (["--scim-examples=3", "--scim-strict"], "--scim-strict, --scim-examples"),
    ],
    ids=["token", "profile", "two options"],
)
@pytest.mark.usefixtures("no_scim_environment")
def test_scim_options_without_a_target_get_a_hint(
    pytester: pytest.Pytester, args: list[str], named: str
) -> None:
    assert usage_error(pytester, *args) == f"{named} {TARGET_HINT}"


def test_scim_variables_without_a_target_leave_pytest_as_usual(
    pytester: pytest.Pytester, no_scim_environment: pytest.MonkeyPatch
) -> None:
    no_scim_environment.setenv("SCIM_CONFORMANCE_TOKEN", TOKEN)
    no_scim_environment.setenv("SCIM_CONFORMANCE_EXAMPLES", "not a number")
    pytester.makepyfile(test_mine="def test_own():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.usefixtures("no_scim_environment")
def test_collect_only_needs_no_network(pytester: pytest.Pytester) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = pytester.runpytest_inprocess(
        f"--scim-url=http://127.0.0.1:{port}/scim/v2",
        f"--token={TOKEN}",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == pytest.ExitCode.OK
    assert "test_probe_for_unknown_user_returns_empty_list" in result.stdout.str()


@pytest.mark.usefixtures("no_scim_environment")
def test_under_xdist_the_preflight_runs_once_on_the_controller(
    pytester: pytest.Pytester,
) -> None:
    CountingProbes.probes = 0
    with serve(CountingProbes(TOKEN)) as server:
        result = pytester.runpytest_subprocess(
            f"--scim-url={server.base_url}",
            f"--token={TOKEN}",
            "-n",
            "2",
            "-k",
            "test_probe_for_unknown_user",
            "-p",
            "no:cacheprovider",
        )
    result.assert_outcomes(passed=1)
    assert CountingProbes.probes == 2  # the preflight's, and the test's own
