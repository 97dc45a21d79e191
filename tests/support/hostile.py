"""A reference server that misbehaves the way real endpoints and proxies do, per request.

Used by test_safety.py: HTML error pages, truncated JSON, empty bodies, 5xx, broken
connections, slowness, redirects, huge bodies and rate limiting, each on chosen requests.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from scim_conformance.reference import ReferenceApp

StartResponse = Callable[..., Any]


def _html(start_response: StartResponse, status: str) -> list[bytes]:
    body = b"<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
    start_response(status, [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]


class HostileApp(ReferenceApp):
    """ReferenceApp plus `rules`: (method, path regex, behaviour, times; 0 = always)."""

    def __init__(
        self,
        token: str,
        rules: Iterable[tuple[str, str, str, int]] = (),
        *,
        redirect_to: str = "http://127.0.0.2:9/elsewhere",
        rate_limit_every: int = 0,  # every Nth request answers 429 with Retry-After: 1
        slow_seconds: float = 1.0,
        throttle_seconds: float = 0.0,  # serve one request at a time, each this long
    ) -> None:
        super().__init__(token)
        self.rules = list(rules)
        self.redirect_to = redirect_to
        self.rate_limit_every = rate_limit_every
        self.slow_seconds = slow_seconds
        self.throttle_seconds = throttle_seconds
        self._throttle = threading.Lock()
        self._hits: dict[int, int] = {}
        self._count = 0
        self._lock = threading.Lock()

    def _behaviour(self, method: str, path: str) -> str | None:
        with self._lock:
            self._count += 1
            if self.rate_limit_every and self._count % self.rate_limit_every == 0:
                return "429"
            for index, (rule_method, pattern, behaviour, times) in enumerate(self.rules):
                if rule_method == method and re.search(pattern, path):
                    used = self._hits.get(index, 0)
                    if times and used >= times:
                        continue
                    self._hits[index] = used + 1
                    return behaviour
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.throttle_seconds:
            with self._throttle:  # a server that handles one request at a time
                time.sleep(self.throttle_seconds)
        behaviour = self._behaviour(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        if behaviour == "429":
            start_response("429 Too Many Requests", [("Retry-After", "1"), ("Content-Length", "0")])
            return [b""]
        if behaviour == "html-502":
            return _html(start_response, "502 Bad Gateway")
        if behaviour == "redirect":
            start_response(
                "307 Temporary Redirect", [("Location", self.redirect_to), ("Content-Length", "0")]
            )
            return [b""]
        if behaviour == "slow":
            time.sleep(self.slow_seconds)
        if behaviour == "huge":
            return self._huge(start_response)
        body, status, headers = self._call_inner(environ)
        if behaviour == "truncated-json":
            body = body[: len(body) // 2]
        elif behaviour == "empty":
            body = b""
        elif behaviour == "500":
            return _html(start_response, "500 Internal Server Error")
        elif behaviour == "reset":
            return self._broken(start_response, status, headers, body)
        headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(status, headers)
        return [body]

    def _call_inner(self, environ: dict[str, Any]) -> tuple[bytes, str, list[tuple[str, str]]]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(ReferenceApp.__call__(self, environ, capture))
        return body, captured["status"], captured["headers"]

    def _broken(
        self,
        start_response: StartResponse,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> Iterator[bytes]:
        # Promise more bytes than are sent, then stop: the client sees the connection break.
        start_response(
            status,
            [
                *[(k, v) for k, v in headers if k.lower() != "content-length"],
                ("Content-Length", str(len(body) + 1000)),
            ],
        )
        yield body[:10]
        raise ConnectionResetError("connection reset by the hostile server")

    def _huge(self, start_response: StartResponse) -> Iterator[bytes]:
        chunk = json.dumps({"pad": "x" * 1_000_000}).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/scim+json"), ("Content-Length", str(len(chunk) * 30))],
        )
        for _ in range(30):
            yield chunk
