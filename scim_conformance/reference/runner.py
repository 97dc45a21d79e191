"""Serve a ReferenceApp on a loopback address from a background thread."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

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


class _Handler(WSGIRequestHandler):
    """wsgiref's handler without its access log and without an invented Content-Type."""

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
