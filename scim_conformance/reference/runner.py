"""Serve a ReferenceApp on a loopback address from a background thread."""

from __future__ import annotations

import contextlib
import io
import ipaddress
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast
from wsgiref.headers import Headers
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .app import ReferenceApp


@dataclass
class RunningServer:
    """A started server: the app it serves and where."""

    app: ReferenceApp
    host: str
    port: int

    @property
    def base_url(self) -> str:
        """The SCIM base URL, e.g. http://127.0.0.1:8080/identity/scim/{orgId}/v2."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.app.base_path}"


class _Body(io.RawIOBase):
    """The request body alone: the app cannot read into the next request on the connection."""

    def __init__(self, stream: io.BufferedIOBase, length: int) -> None:
        self._stream, self._left = stream, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self._left)
        data = self._stream.read(size) if size else b""
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def drain(self) -> None:
        """Read what the app left unread, so the next request starts where it should."""
        while self._left and self.read(min(self._left, 65536)):
            pass


class _OneAnswer(ServerHandler):
    """wsgiref's handler for one request, noting whether its answer can share the
    connection with the next one (wsgiref forgets its status and headers on close)."""

    http_version = "1.1"
    reusable = False
    # wsgiref sets these; its stubs do not declare them.
    status: str | None
    headers_sent: bool
    headers: Headers | None
    request_handler: WSGIRequestHandler

    def close(self) -> None:
        headers = self.headers if self.status is not None and self.headers_sent else None
        self.reusable = headers is not None and headers.get("Content-Length") is not None
        super().close()


class _Handler(WSGIRequestHandler):
    """wsgiref's handler with HTTP/1.1 keep-alive, without its access log and without an
    invented Content-Type."""

    # wsgiref answers one request per connection and closes it. Entra, like any HTTP/1.1
    # client, keeps its connection open; a new connection (and server thread) per request
    # made each loopback request about 1 ms slower, a second of the default run.
    protocol_version = "HTTP/1.1"
    # wsgiref writes the head and the body separately: with Nagle's algorithm on, the body
    # waits for the client's delayed ACK (40 ms) on a connection that stays open.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        """Serve requests on this connection until either side asks to close it."""
        self.close_connection = True
        self._handle_one()
        while not self.close_connection:
            self._handle_one()

    def _handle_one(self) -> None:
        """Read one request, let the app answer it, and decide whether the connection stays."""
        self.close_connection = True  # unless the request and its answer allow otherwise
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            return  # the client closed the connection
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():  # it sent an error; it also decides close_connection
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or self.headers.get("Transfer-Encoding"):
            # No chunked or unmeasured bodies on a kept connection: the app reads to the end.
            self.close_connection = True
            body: IO[bytes] = cast(IO[bytes], self.rfile)
            rest = None
        else:
            rest = _Body(self.rfile, length)
            body = cast(IO[bytes], io.BufferedReader(rest))
        out = cast(IO[bytes], self.wfile)
        handler = _OneAnswer(body, out, self.get_stderr(), self.get_environ())
        handler.request_handler = self  # wsgiref's back-pointer for its access log
        app = cast(WSGIServer, self.server).get_app()
        assert app is not None  # serve() sets it before the server starts
        handler.run(app)
        if not handler.reusable:
            # A dropped answer (a fault) or one whose end only a close can mark.
            self.close_connection = True
        elif rest is not None:
            rest.drain()

    def get_environ(self) -> dict[str, Any]:
        """The WSGI environ, without a Content-Type the client did not send."""
        environ = super().get_environ()
        # wsgiref reports a missing Content-Type as "text/plain"; the app must see it missing.
        if self.headers.get("Content-Type") is None:
            environ.pop("CONTENT_TYPE", None)
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        return


class _LoggingHandler(_Handler):
    """The same, with the standard access log on stderr (--log)."""

    def log_message(self, format: str, *args: Any) -> None:
        WSGIRequestHandler.log_message(self, format, *args)


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per connection; threads never block interpreter exit."""

    daemon_threads = True

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup HTTPServer does."""
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can stall;
        # a loopback server knows its own name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()


class _Server6(_Server):
    """The same server on an IPv6 loopback address."""

    address_family = socket.AF_INET6


def loopback_host(host: str) -> str:
    """The address to bind for `host`; ValueError unless it is a loopback address."""
    if host.lower() == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"refusing to bind to {host!r}: not a loopback address") from None
    if not address.is_loopback:
        raise ValueError(f"refusing to bind to {host!r}: not a loopback address")
    return str(address)


@contextmanager
def serve(
    app: ReferenceApp, host: str = "127.0.0.1", port: int = 0, *, log: bool = False
) -> Iterator[RunningServer]:
    """Serve `app` on a loopback host:port (0: a free port) until the block exits."""
    # Loopback only: the server has no TLS and holds a test token. `log=True` keeps wsgiref's
    # access log on stderr (the CLI's --log).
    address = loopback_host(host)
    server_class = _Server6 if ":" in address else _Server
    handler = _LoggingHandler if log else _Handler
    server = server_class((address, port), handler)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RunningServer(app, address, int(server.server_address[1]))
    finally:
        _stop(server)
        thread.join(timeout=5)


def _stop(server: _Server) -> None:
    """Shut down without waiting out serve_forever's 0.5 s poll interval, then close."""
    host, port = str(server.server_address[0]), int(server.server_address[1])
    stopper = threading.Thread(target=server.shutdown, daemon=True)
    stopper.start()
    while stopper.is_alive():
        # A connection wakes the selector so the loop sees the shutdown flag at once; one that
        # arrives before the flag is served as an empty request, which wsgiref ignores.
        with contextlib.suppress(OSError):
            socket.create_connection((host, port), timeout=1).close()
        stopper.join(0.01)
    server.server_close()
