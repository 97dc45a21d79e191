"""The server behind --scim-reference runs in a process of its own: it answers, keeps the
token off its command line, and goes away with the suite, however the suite ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from scim_conformance.plugin import embedded

TOKEN = "tok-embedded-" + "s3cr3t"


def test_it_serves_the_suite_and_stops_when_asked() -> None:
    server = embedded.start(TOKEN)
    try:
        answer = httpx.get(f"{server.base_url}/Users", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200
        assert answer.json()["totalResults"] == 0
        refused = httpx.get(f"{server.base_url}/Users", headers={"Authorization": "Bearer x"})
        assert refused.status_code == 401
        command_line = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()
        assert TOKEN.encode() not in command_line
    finally:
        server.stop()
    assert server.process.returncode == 0


def test_it_exits_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    # A parent killed outright (SIGKILL) runs no cleanup: the closed pipe must be enough.
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            from scim_conformance.plugin import embedded
            server = embedded.start({TOKEN!r})
            print(server.process.pid, flush=True)
            time.sleep(60)
            """
        )
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    assert parent.stdout is not None
    server_pid = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{server_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # Reaped by init once it exits; a zombie entry may linger for a moment only.
    state = Path(f"/proc/{server_pid}/stat")
    assert not state.exists() or state.read_text().split()[2] == "Z"
