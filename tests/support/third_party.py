"""A harness for running the packaged suite against SCIM servers this project does not own.

A server is described by a `ServerSpec` (its executable, its arguments with `{port}` and
`{token}` placeholders, and the path of its SCIM base URL). `running()` starts it on a free
loopback port, waits until the port answers and stops it afterwards; `run_suite()` runs the
suite against it in a subprocess, exactly as a vendor would, and reads the verdicts from the
JUnit XML; `suite_leftovers()` lists what the suite left on the server. The benchmarks in
`benchmarks/` reuse these helpers. CONTRIBUTING.md explains how to add a server.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx

LOOPBACK = "127.0.0.1"
RUN_PREFIX = "scimconf-"  # every name the suite generates starts with it (README)
SUITE_TIMEOUT = 300.0  # seconds; a hung suite run fails the test instead of blocking CI
_STOP_GRACE = 5.0
_PAGE = 100
_MAX_PAGES = 50  # bounds the leftover listing on a server that pages forever


class ServerUnavailable(RuntimeError):
    """The server's executable is not installed, so it cannot be tested here."""


@dataclass(frozen=True)
class ServerSpec:
    """How to start one third-party SCIM server and where its SCIM API lives."""

    name: str
    executable: str  # a console script name, or an absolute path
    arguments: tuple[str, ...]  # may contain {port} and {token}
    base_path: str  # e.g. "/v2": appended to http://127.0.0.1:{port}
    install_hint: str  # shown when the executable is missing
    startup_timeout: float = 20.0

    def find_executable(self) -> str | None:
        """The executable beside the running interpreter (an unactivated venv), else on PATH."""
        beside = Path(sys.executable).parent / self.executable
        if beside.is_file() and os.access(beside, os.X_OK):
            return str(beside)
        return shutil.which(self.executable)

    def argv(self, executable: str, port: int, token: str) -> list[str]:
        """The full command line for one start."""
        return [executable, *(arg.format(port=port, token=token) for arg in self.arguments)]


@dataclass(frozen=True)
class StartedServer:
    """A started third-party server."""

    spec: ServerSpec
    port: int
    token: str
    log_path: Path

    @property
    def base_url(self) -> str:
        """The SCIM base URL to hand to the suite."""
        return f"http://{LOOPBACK}:{self.port}{self.spec.base_path}"

    def log(self) -> str:
        """What the server printed so far (for failure messages)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def free_port() -> int:
    """A loopback port that was free a moment ago (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_port(process: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    """Return once something accepts connections on the port; fail if the process dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before listening")
        try:
            socket.create_connection((LOOPBACK, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not listen on port {port} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it lingers: only the process this harness started."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(_STOP_GRACE)


@contextmanager
def running(spec: ServerSpec, token: str, log_path: Path) -> Iterator[StartedServer]:
    """Start the server on a free loopback port, yield it once it answers, stop it after."""
    executable = spec.find_executable()
    if executable is None:
        raise ServerUnavailable(f"{spec.name} is not installed ({spec.install_hint})")
    port = free_port()
    # The log goes to a file, not a pipe: servers that log every request would otherwise
    # fill an unread pipe and stall mid-run.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            spec.argv(executable, port, token),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = StartedServer(spec, port, token, log_path)
        try:
            try:
                wait_for_port(process, port, spec.startup_timeout)
            except RuntimeError as exc:
                raise RuntimeError(f"{spec.name}: {exc}\n{server.log()}") from None
            yield server
        finally:
            stop(process)


@dataclass
class SuiteResult:
    """The verdicts of one subprocess run of the suite, keyed by node id."""

    returncode: int
    output: str
    junit: str
    seconds: float
    workdir: Path  # holds junit.xml and output.txt (the suite's terminal output, -rA)
    outcomes: dict[str, str] = field(default_factory=dict)  # passed / failed / skipped
    messages: dict[str, str] = field(default_factory=dict)  # failure text or skip reason
    findings: dict[str, str] = field(default_factory=dict)  # fingerprint -> severity

    def having(self, outcome: str) -> set[str]:
        """Node ids with this outcome."""
        return {name for name, value in self.outcomes.items() if value == outcome}

    @property
    def executed(self) -> int:
        """Tests that ran to a verdict (not skipped)."""
        return len(self.outcomes) - len(self.having("skipped"))


def suite_command(base_url: str, token: str, junit: Path, *extra: str) -> list[str]:
    """`pytest --scim-url=… --token=…` with this interpreter, as a vendor runs it."""
    return [
        sys.executable,
        "-m",
        "pytest",
        f"--scim-url={base_url}",
        f"--token={token}",
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "-q",
        *extra,
    ]


def clean_environment() -> dict[str, str]:
    """The environment without SCIM_* and PYTEST_* settings that would change the verdicts."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SCIM_", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"))
    }


def run_suite(base_url: str, token: str, workdir: Path, *extra: str) -> SuiteResult:
    """Run the packaged suite in a subprocess from `workdir` and read its JUnit XML."""
    workdir.mkdir(parents=True, exist_ok=True)
    junit = workdir / "junit.xml"
    results = workdir / "results.json"
    started = time.perf_counter()
    completed = subprocess.run(
        # -rA: every test's exchanges land in output.txt, to read when a verdict changes.
        suite_command(base_url, token, junit, "-rA", f"--scim-json={results}", *extra),
        cwd=workdir,  # outside the repository: no project ini, no project conftest
        env=clean_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    junit_text = junit.read_text() if junit.exists() else ""
    output = completed.stdout + completed.stderr
    # Kept beside the JUnit XML: a changed verdict is diagnosed from these transcripts.
    (workdir / "output.txt").write_text(output)
    outcomes, messages = read_junit(junit_text) if junit_text else ({}, {})
    findings = {
        finding["fingerprint"]: finding["severity"]
        for finding in (json.loads(results.read_text())["findings"] if results.exists() else [])
    }
    return SuiteResult(
        completed.returncode, output, junit_text, seconds, workdir, outcomes, messages, findings
    )


def read_junit(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """Outcome (passed/failed/skipped) and failure text or skip reason per node id, from
    pytest's JUnit XML.

    A failure or error in any phase (setup, call, teardown) makes the test failed.
    """
    outcomes: dict[str, str] = {}
    messages: dict[str, str] = {}
    for case in ElementTree.fromstring(text).iter("testcase"):
        module = case.get("classname", "").replace(".", "/")
        name = f"{module}.py::{case.get('name', '')}"
        problems = [child for child in case if child.tag in ("failure", "error")]
        skips = [child for child in case if child.tag == "skipped"]
        if problems:
            outcomes[name] = "failed"
            parts = [f"{p.get('message', '')}\n{p.text or ''}" for p in problems]
            messages[name] = messages.get(name, "") + "\n".join(parts)
        elif skips:
            outcomes.setdefault(name, "skipped")
            messages.setdefault(name, skips[0].get("message", ""))
        else:
            outcomes.setdefault(name, "passed")
    return outcomes, messages


def list_resources(base_url: str, token: str, collection: str) -> list[dict[str, Any]]:
    """Every resource of a collection, page by page (RFC 7644 §3.4.2.4)."""
    found: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/scim+json"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as client:
        for _ in range(_MAX_PAGES):
            params = {"startIndex": str(len(found) + 1), "count": str(_PAGE)}
            response = client.get(collection.lstrip("/"), params=params)
            response.raise_for_status()
            body = response.json()
            page = [r for r in body.get("Resources") or [] if isinstance(r, dict)]
            found.extend(page)
            if not page or len(found) >= int(body.get("totalResults", 0)):
                break
    return found


def suite_leftovers(base_url: str, token: str) -> list[str]:
    """Users and groups on the server whose names carry the suite's run prefix."""
    leftovers: list[str] = []
    for collection, keys in (
        ("/Users", ("userName", "displayName", "externalId")),
        ("/Groups", ("displayName", "externalId")),
    ):
        for resource in list_resources(base_url, token, collection):
            if any(str(resource.get(key, "")).startswith(RUN_PREFIX) for key in keys):
                label = resource.get(keys[0]) or resource.get("id")
                leftovers.append(f"{collection}/{resource.get('id')} ({label})")
    return leftovers
