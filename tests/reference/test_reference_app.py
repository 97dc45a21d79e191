"""The reference server as a program: its app object, serve() on loopback only, the command
line, and fault names."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from scim_conformance.reference import DEFAULT_ORG_ID, Fault, ReferenceApp, serve
from scim_conformance.reference.__main__ import main
from support.reference_http import (
    TOKEN,
    client_for,
)

ROOT = Path(__file__).resolve().parents[2]


def test_snapshots_seeding_and_request_count() -> None:
    app = ReferenceApp(TOKEN)
    seeded = app.seed_user({"userName": "foreign@example.com"})
    group = app.seed_group({"displayName": "Foreign", "members": [{"value": seeded["id"]}]})
    snapshot = app.users()
    snapshot[0]["userName"] = "mutated"
    assert app.users()[0]["userName"] == "foreign@example.com"
    assert app.groups()[0]["members"][0]["value"] == seeded["id"]
    with serve(app) as running, client_for(running) as http:
        assert http.get(f"/Users/{seeded['id']}").status_code == 200
        assert http.get(f"/Groups/{group['id']}").status_code == 200
        assert app.request_count == 2
    assert running.base_url == f"http://127.0.0.1:{running.port}{app.base_path}"
    assert app.base_path == f"/identity/scim/{DEFAULT_ORG_ID}/v2"


def test_custom_org_id() -> None:
    app = ReferenceApp(TOKEN, org_id="org-42")
    with serve(app, host="localhost") as running, client_for(running) as http:
        assert running.host == "127.0.0.1"
        assert "/identity/scim/org-42/v2" in running.base_url
        assert http.get("/Users").status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "10.0.0.1", "::", "example.com"])
def test_serve_refuses_non_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"), serve(ReferenceApp(TOKEN), host=host):
        pass


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback here")
def test_serve_on_ipv6_loopback() -> None:
    with serve(ReferenceApp(TOKEN), host="::1") as running, client_for(running) as http:
        assert running.base_url.startswith(f"http://[::1]:{running.port}/")
        assert http.get("/Users").status_code == 200


def test_cli_help_lists_options_and_faults() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scim_conformance.reference", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
        timeout=30,
    )
    assert result.returncode == 0
    for option in ("--port", "--host", "--token", "--org-id", "--fault", "--log"):
        assert option in result.stdout
    for fault in Fault:
        assert fault.value in result.stdout
        assert fault.description in result.stdout


def test_cli_refuses_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0", "--port", "0", "--token", "t"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scim_conformance.reference",
            "--port",
            "0",
            "--fault",
            "create-returns-200",
            "--fault",
            "DELETE_NOOP",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SCIM_TOKEN": "env-token"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split()[-1]
        assert base_url.startswith("http://127.0.0.1:")
        headers = {"Authorization": "Bearer env-token"}
        response = httpx.get(base_url + "/Users", headers=headers, verify=False)
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_fault_lookup() -> None:
    assert Fault.parse("no-conflict") is Fault.NO_CONFLICT
    assert Fault.parse("NOT_FOUND_WITHOUT_SCIM_BODY") is Fault.NOT_FOUND_WITHOUT_SCIM_BODY
    assert Fault("not-found-html") is Fault.NOT_FOUND_WITHOUT_SCIM_BODY
    with pytest.raises(ValueError, match="unknown fault"):
        Fault.parse("nope")
