"""Safe against a real tenant: hostile servers, rate limits, interrupted runs, sweeping,
keeping, and the token out of every output."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from scim_conformance.http.retry import retry_wait
from scim_conformance.reference import ReferenceApp, serve
from support.hostile import HostileApp
from support.suite_run import SuiteRun

USER_ID = r"/Users/[0-9a-f-]{36}$"


def suite_users(app: ReferenceApp) -> list[str]:
    return [u["userName"] for u in app.users() if u["userName"].startswith("scimconf-")]


@pytest.mark.parametrize(
    ("rule", "test", "words"),
    [
        (
            ("GET", USER_ID, "html-502", 0),
            "test_get_user_by_id",
            ["HTTP 502 (text/html)", "<h1>502 Bad Gateway</h1>"],
        ),
        (
            ("GET", USER_ID, "truncated-json", 0),
            "test_get_user_by_id",
            ["expected: a JSON object body"],
        ),
        (
            ("POST", r"/Users$", "empty", 1),
            "test_create_user_as_entra_does",
            ["expected: a JSON object body", "empty body"],
        ),
        (("PATCH", USER_ID, "500", 0), "test_replace_username[legacy]", ["HTTP 500 (text/html)"]),
        (
            ("GET", USER_ID, "reset", 0),
            "test_get_user_by_id",
            ["No usable HTTP response", "the connection broke mid-response"],
        ),
        (
            ("GET", USER_ID, "slow", 1),
            "test_get_user_by_id",
            ["no answer within 0.4 s", "Entra gives up after 60 s"],
        ),
        (
            ("GET", USER_ID, "redirect", 0),
            "test_get_user_by_id",
            ["actual:   HTTP 307", "expected: HTTP 200"],
        ),
        (
            # Twice: the plugin's preflight sends the same Test Connection request first.
            ("GET", r"/Users$", "huge", 2),
            "test_probe_for_unknown_user_returns_empty_list",
            ["expected: a JSON object body", "more characters)"],
        ),
    ],
    ids=[
        "html-error-page",
        "truncated-json",
        "empty-body",
        "server-error",
        "connection-reset",
        "too-slow",
        "redirect",
        "huge-body",
    ],
)
def test_hostile_server_gives_a_readable_failure_and_the_run_cleans_up(
    run_suite: Callable[..., SuiteRun],
    workdir: Path,
    rule: tuple[str, str, str, int],
    test: str,
    words: list[str],
) -> None:
    app = HostileApp("tok-hostile-" + os.urandom(6).hex(), [rule], slow_seconds=1.5)
    selection = test.split("[")[0]
    run = run_suite(
        "-k",
        selection,
        "--scim-timeout=0.4",
        "--scim-json=results.json",
        "--html=report.html",
        app=app,
    )
    output = run.output()
    assert "INTERNALERROR" not in output
    assert run.outcomes[test] == "failed", output
    for word in words:
        assert word in run.messages[test], run.messages[test]
    assert (workdir / "results.json").is_file()
    assert (workdir / "report.html").is_file()
    assert suite_users(app) == []
    for text in (
        output,
        (workdir / "results.json").read_text(),
        (workdir / "report.html").read_text(),
    ):
        assert app.token not in text


def test_redirects_are_not_followed_to_another_host(
    run_suite: Callable[..., SuiteRun],
) -> None:
    with socket.socket() as elsewhere:
        elsewhere.bind(("127.0.0.2", 0))
        elsewhere.listen()
        elsewhere.settimeout(0.2)
        port = elsewhere.getsockname()[1]
        app = HostileApp(
            "tok-redirect",
            [("GET", USER_ID, "redirect", 0)],
            redirect_to=f"http://127.0.0.2:{port}/steal",
        )
        run_suite("-k", "test_get_user_by_id", app=app)
        with pytest.raises(TimeoutError):
            elsewhere.accept()  # nobody came: the token never went there


def test_rate_limited_server_is_waited_for_not_failed(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    app = HostileApp("tok-429", rate_limit_every=5)
    run = run_suite("-q", "--scim-max-retry-wait=0.01", "--scim-json=results.json", app=app)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "Retried" in run.output()
    document = json.loads((workdir / "results.json").read_text())
    assert document["run"]["retries"] >= 10
    notes = [ex["note"] for test in document["tests"] for ex in test["exchanges"] if ex["note"]]
    assert any("HTTP 429: retrying in 0.01 s (retry 1)" in note for note in notes)


@pytest.mark.parametrize(
    ("status", "header", "attempt", "cap", "wait"),
    [
        (429, "7", 0, 60.0, 7.0),
        (503, "7", 0, 60.0, 7.0),
        (429, "120", 0, 60.0, 60.0),
        (429, "", 0, 60.0, 1.0),
        (429, "", 3, 60.0, 8.0),
        (429, "", 9, 60.0, 30.0),
        (429, "soon", 1, 60.0, 2.0),
        (500, "7", 0, 60.0, None),
        (200, "", 0, 60.0, None),
    ],
)
def test_retry_wait(status: int, header: str, attempt: int, cap: float, wait: float | None) -> None:
    headers = {"retry-after": header} if header else {}
    assert retry_wait(status, headers, attempt, cap) == wait


def test_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    wait = retry_wait(429, {"retry-after": when}, 0, 60.0)
    assert wait is not None
    assert 25 <= wait <= 30


def start_pytest(url: str, token: str, workdir: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SCIM_CONFORMANCE_TOKEN": token}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", f"--scim-url={url}", "-p", "no:cacheprovider", *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_still_cleans_up(workdir: Path, signum: int) -> None:
    app = ReferenceApp("tok-interrupt-" + os.urandom(4).hex())
    with serve(app) as server:
        # --scim-rate keeps the run long enough to be interrupted in the middle.
        process = start_pytest(server.base_url, app.token, workdir, "--scim-rate=25")
        deadline = time.monotonic() + 30
        # Interrupt once the run is past its first sequences and holds a user of its own.
        while time.monotonic() < deadline and not (app.request_count > 40 and suite_users(app)):
            time.sleep(0.01)
        assert suite_users(app), "the run never created anything"
        process.send_signal(signum)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == pytest.ExitCode.INTERRUPTED, output
        assert "Interrupted: no verdict" in output
        assert suite_users(app) == []
        assert app.groups() == []
        assert app.token not in output


def test_keep_leaves_resources_and_prints_them(run_suite: Callable[..., SuiteRun]) -> None:
    app = ReferenceApp("tok-keep")
    run = run_suite("-k", "test_create_user_as_entra_does", "--scim-keep", app=app)
    kept = app.users()
    assert len(kept) == 1
    assert f"/Users/{kept[0]['id']}" in run.output()
    assert "Kept 1 resource(s) (--scim-keep)" in run.output()


def test_keep_passes_a_conformant_server_then_the_sweep_removes_what_it_kept(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    # Nothing is deleted with --scim-keep, so every generated name must be unique in the
    # run (property examples included): a repeated userName would be a 409 and a finding.
    app = ReferenceApp("tok-keep-all-" + os.urandom(4).hex())
    run = run_suite("--scim-keep", app=app, properties=True)
    assert run.result.ret == pytest.ExitCode.OK, run.failed
    assert run.failed == []
    names = [user["userName"].casefold() for user in app.users()]
    assert len(names) == len(set(names)) > 100
    assert f"Kept {len(app.users()) + len(app.groups())} resource(s) (--scim-keep)" in run.output()
    with serve(app) as server:  # the same in-memory store, behind a new port
        swept = start_pytest(server.base_url, app.token, workdir, "--scim-sweep", "--yes")
        output, _ = swept.communicate(timeout=120)
    assert swept.returncode == pytest.ExitCode.OK, output
    assert (app.users(), app.groups()) == ([], [])


def seed_leftovers(app: ReferenceApp) -> None:
    core = "urn:ietf:params:scim:schemas:core:2.0:User"
    for name in ("scimconf-0badc0de-u1-abcdef@example.com", "scimconf-0badc0de-u2-abcdef@x.io"):
        app.seed_user({"schemas": [core], "userName": name})
    app.seed_user({"schemas": [core], "userName": "scimconf-fan@customer.example"})
    app.seed_user({"schemas": [core], "userName": "alice@customer.example"})
    app.seed_group(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "scimconf-0badc0de group 3-abcdef",
        }
    )


def test_sweep_lists_then_deletes_only_leftovers(workdir: Path) -> None:
    app = ReferenceApp("tok-sweep")
    seed_leftovers(app)
    with serve(app) as server:
        refused = start_pytest(server.base_url, app.token, workdir, "--scim-sweep")
        output, _ = refused.communicate(timeout=60)
        assert refused.returncode == pytest.ExitCode.USAGE_ERROR, output
        assert "found 3 leftover(s)" in output
        assert "pass --yes to delete" in output
        assert len(app.users()) == 4
        swept = start_pytest(server.base_url, app.token, workdir, "--scim-sweep", "--yes")
        output, _ = swept.communicate(timeout=60)
    assert swept.returncode == 0, output
    assert output.count("deleted: ") == 3
    assert sorted(u["userName"] for u in app.users()) == [
        "alice@customer.example",
        "scimconf-fan@customer.example",
    ]
    assert app.groups() == []
    assert "tok-sweep" not in output
