"""Shared pieces of the benchmarks: a request-counting reverse proxy, timing, tables.

The third-party server harness is the tests' own (tests/support/third_party.py), so the
benchmark starts scim2-server exactly as tests/suite/test_third_party_servers.py does.
"""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # tests/ is no package; its helpers are in support/

from support import third_party  # noqa: E402  (needs the path above)

__all__ = [
    "CountingProxy",
    "Timed",
    "Traffic",
    "counting_proxy",
    "median_text",
    "table",
    "third_party",  # re-exported: the benchmarks use the tests' server harness
    "timed_run",
]

# Connection-level headers (RFC 9110 §7.6.1) are the proxy's own business, not forwarded;
# Date/Server are re-sent by the proxy itself and would otherwise appear twice.
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
    }
)
_SET_BY_PROXY = frozenset({"date", "server"})
_NO_BODY = frozenset({204, 304})


@dataclass(frozen=True)
class Traffic:
    """The requests one run sent: per method, and DELETEs that hit nothing (404)."""

    by_method: Mapping[str, int]
    delete_404: int

    @property
    def total(self) -> int:
        """All requests."""
        return sum(self.by_method.values())

    def breakdown(self) -> str:
        """'120 GET, 91 PATCH, …', largest first."""
        ordered = sorted(self.by_method.items(), key=lambda item: -item[1])
        return ", ".join(f"{count} {method}" for method, count in ordered)


class CountingProxy(ThreadingHTTPServer):
    """A loopback reverse proxy that forwards every request to one upstream and counts it."""

    daemon_threads = True

    def __init__(self, upstream_port: int) -> None:
        super().__init__((third_party.LOOPBACK, 0), _ProxyHandler)
        self.upstream_port = upstream_port
        self._lock = threading.Lock()
        self._methods: Counter[str] = Counter()
        self._delete_404 = 0

    @property
    def port(self) -> int:
        """The port clients connect to."""
        return int(self.server_address[1])

    def record(self, method: str, status: int) -> None:
        """Count one forwarded request."""
        with self._lock:
            self._methods[method] += 1
            if method == "DELETE" and status == 404:
                self._delete_404 += 1  # a cleanup deleting what is already gone

    def take(self) -> Traffic:
        """The traffic since the last call, and start counting afresh."""
        with self._lock:
            traffic = Traffic(dict(self._methods), self._delete_404)
            self._methods.clear()
            self._delete_404 = 0
        return traffic


class _ProxyHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 towards the client, so tools that keep connections alive can do so.
    protocol_version = "HTTP/1.1"
    server: CountingProxy

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def _forward(self) -> None:
        body = self._read_body()
        # The Host header is kept: the server then writes the proxy's address into
        # Location and meta.location, so follow-up requests are counted too.
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _NOT_FORWARDED}
        upstream = http.client.HTTPConnection(
            third_party.LOOPBACK, self.server.upstream_port, timeout=60
        )
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        self.server.record(self.command, response.status)
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _NOT_FORWARDED | _SET_BY_PROXY:
                self.send_header(name, value)
        if response.status not in _NO_BODY:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in _NO_BODY:
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _forward

    def log_message(self, format: str, *args: object) -> None:
        return  # the counts are the log


@contextmanager
def counting_proxy(upstream_port: int) -> Iterator[CountingProxy]:
    """A CountingProxy serving from a background thread until the block exits."""
    proxy = CountingProxy(upstream_port)
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(5)


@dataclass(frozen=True)
class Timed:
    """One finished command: exit code, output, wall seconds."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float


def timed_run(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 600.0
) -> Timed:
    """Run a command to completion and measure its wall time."""
    started = time.perf_counter()
    completed = subprocess.run(
        list(argv),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.perf_counter() - started
    return Timed(completed.returncode, completed.stdout, completed.stderr, seconds)


def median_text(seconds: Sequence[float]) -> str:
    """'5.62 s (5.40-6.60, n=4)'."""
    if not seconds:
        return "-"
    return (
        f"{statistics.median(seconds):.2f} s "
        f"({min(seconds):.2f}-{max(seconds):.2f}, n={len(seconds)})"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with left-aligned columns."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def suite_against(url: str, token: str, extra: Sequence[str] = (), timeout: float = 900.0) -> Timed:
    """The packaged suite against `url`, from an empty folder, as a vendor runs it (the
    token by environment, never on the command line)."""
    command = [sys.executable, "-m", "pytest", f"--scim-url={url}", "-q", "-p", "no:cacheprovider"]
    env = {**os.environ, "SCIM_CONFORMANCE_TOKEN": token}
    with tempfile.TemporaryDirectory() as folder:
        return timed_run([*command, *extra], env, Path(folder), timeout)
