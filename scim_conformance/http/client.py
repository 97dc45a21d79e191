"""The one HTTP client of a run, layered like httpx's own: `build` a request, `send` it with
retries and pacing (http/retry.py), `send_once` over the wire. Every exchange is recorded,
redacted at record time (http/transcript.py), into the sink of the `recording` context;
observers (the ledger) see each request before it is sent and the answer it got.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx

from scim_conformance.http.retry import (
    MAX_RETRIES,
    THROTTLE_STATUSES,
    Pacer,
    may_resend,
    retry_after_seconds,
    retry_wait,
)
from scim_conformance.http.transcript import Exchange, Redactor
from scim_conformance.http.wire import (
    describe_transport_error,
    is_transport_error,
    send_once,
    ssl_verify,
)
from scim_conformance.plugin.settings import Settings

SCIM_JSON = "application/scim+json"
USER_AGENT = "scim-conformance (replaying Microsoft Entra provisioning)"
__all__ = [  # the wire's helpers are part of the client's surface
    "OutgoingRequest",
    "RequestObserver",
    "ScimClient",
    "ScimResponse",
    "TransportFailure",
    "describe_transport_error",
    "ssl_verify",
]


class TransportFailure(Exception):
    """The request got no usable HTTP response (refused, reset, timed out, TLS)."""

    def __init__(self, message: str, exchange: Exchange) -> None:
        super().__init__(message)
        self.exchange = exchange


@dataclass(frozen=True)
class ScimResponse:
    """A response, its parsed JSON body (None if not JSON) and the recorded exchange."""

    status: int
    headers: Mapping[str, str]
    text: str
    exchange: Exchange

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ('' when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def json(self) -> Any:
        """The body as JSON, or None when it is empty or not JSON."""
        if not self.text.strip():
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def json_object(self) -> dict[str, Any] | None:
        """The body when it is a JSON object, else None."""
        body = self.json
        return body if isinstance(body, dict) else None


@dataclass(frozen=True, eq=False)  # compared by identity: an observer may key on it
class OutgoingRequest:
    """A built request: what observers see, and what every attempt sends."""

    method: str
    path: str  # below the base URL (or the host root when `at_root`)
    url: str
    body: Mapping[str, Any] | None
    http: httpx.Request = field(repr=False)
    content: str | None = None
    note: str | None = None


class RequestObserver(Protocol):
    """Sees every request before it is sent (and may refuse it by raising), then its answer.

    A request that got no usable answer (transport failure, interrupted) is never answered.
    """

    def before_send(self, request: OutgoingRequest) -> None:
        """Called once per request, before its first attempt."""

    def answered(self, request: OutgoingRequest, response: ScimResponse) -> None:
        """Called once with the final answer (after retries)."""


class ScimClient:
    """Sends SCIM requests the way Entra does and records every exchange, redacted."""

    def __init__(
        self,
        settings: Settings,
        transport: httpx.BaseTransport | None = None,
        *,
        pacer: Pacer | None = None,
    ) -> None:
        self.settings = settings
        self.redactor = Redactor([settings.token])
        self.pacer = pacer or Pacer(settings.rate, settings.max_retry_wait)
        self._sink: list[Exchange] | None = None
        self._observers: list[RequestObserver] = []
        self._requests = 0
        self._retries = 0
        self._http = httpx.Client(
            timeout=settings.timeout,
            verify=ssl_verify(settings.tls_verify),
            # Never follow redirects: a redirect could carry the token to another host.
            follow_redirects=False,
            transport=transport,
            headers={"Accept": f"{SCIM_JSON}, application/json", "User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # Contexts --------------------------------------------------------------------------------

    @contextmanager
    def recording(self, sink: list[Exchange] | None) -> Iterator[list[Exchange] | None]:
        """Record every exchange into `sink` (None: record nowhere) inside the block."""
        outer, self._sink = self._sink, sink
        try:
            yield sink
        finally:
            self._sink = outer

    @contextmanager
    def observed_by(self, observer: RequestObserver) -> Iterator[None]:
        """Let `observer` see every request sent inside the block."""
        self._observers.append(observer)
        try:
            yield
        finally:
            self._observers.remove(observer)

    @property
    def sink(self) -> list[Exchange] | None:
        """Where exchanges are being recorded (set with `recording`)."""
        return self._sink

    @property
    def request_count(self) -> int:
        """Requests sent over the wire, retries included."""
        return self._requests

    @property
    def retries(self) -> int:
        """Requests sent again after a 429/503."""
        return self._retries

    # Building ---------------------------------------------------------------------------------

    def url(
        self, path: str, params: Mapping[str, str] | None = None, *, at_root: bool = False
    ) -> str:
        """The absolute URL for `path` (below the base URL, or the host root when `at_root`),
        the query encoded as Entra encodes it: spaces as `+`, quotes as `%22`."""
        if at_root:
            parts = urlsplit(self.settings.base_url)
            url = f"{parts.scheme}://{parts.netloc}{path}"
        else:
            url = self.settings.base_url + path
        if params:
            url += "?" + urlencode(list(params.items()), quote_via=quote_plus)
        return url

    def build(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        token: str | None = None,
        authenticate: bool = True,
        note: str | None = None,
        at_root: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> OutgoingRequest:
        """A request ready to send; `token` overrides the run's token, `authenticate=False`
        omits it, and `headers` override the defaults (an Entra header variant)."""
        url = self.url(path, params, at_root=at_root)
        sent: dict[str, str] = {}
        if authenticate:
            sent["Authorization"] = f"Bearer {token if token is not None else self.settings.token}"
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False)
            sent["Content-Type"] = SCIM_JSON
        sent.update(headers or {})
        request = self._http.build_request(
            method, url, headers=sent, content=content.encode() if content else None
        )
        return OutgoingRequest(method, path, url, body, request, content, note)

    # Sending ----------------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str] | None = None, **kw: Any) -> ScimResponse:
        """GET base_url + path."""
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, body: Mapping[str, Any], **kw: Any) -> ScimResponse:
        """POST a JSON body."""
        return self.request("POST", path, body=body, **kw)

    def patch(self, path: str, body: Mapping[str, Any], **kw: Any) -> ScimResponse:
        """PATCH a JSON body."""
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path: str, **kw: Any) -> ScimResponse:
        """DELETE base_url + path."""
        return self.request("DELETE", path, **kw)

    def request(self, method: str, path: str, **options: Any) -> ScimResponse:
        """Build and send one request (see `build` for the options)."""
        return self.send(self.build(method, path, **options))

    def send(self, request: OutgoingRequest) -> ScimResponse:
        """Send with pacing and bounded retries of 429/503, recording every attempt;
        observers see the request first and its final answer last."""
        for observer in list(self._observers):
            observer.before_send(request)
        for attempt in range(MAX_RETRIES + 1):
            self.pacer.wait_turn()
            started = time.perf_counter()
            try:
                status, headers, text = self.send_once(request.http)
            except Exception as exc:
                if not is_transport_error(exc):
                    raise
                reason = describe_transport_error(exc, self.settings.timeout)
                exchange = self._record(request, started, request.note, error=reason)
                # Built from the recorded (redacted) exchange: no token in exception text.
                message = f"{request.method} {exchange.url}: {exchange.error}"
                raise TransportFailure(message, exchange) from None
            wait = self._throttled(request, status, headers, attempt)
            retry_note = None if wait is None else f"HTTP {status}: retrying in {wait:g} s"
            if retry_note is not None:
                retry_note += f" (retry {attempt + 1})"
            exchange = self._record(
                request,
                started,
                "; ".join(n for n in (request.note, retry_note) if n) or None,
                status=status,
                response_headers=headers.items(),
                response_body=text,
            )
            if wait is None:
                break
            self._retries += 1
        response = ScimResponse(status, headers, text, exchange)
        for observer in list(self._observers):
            observer.answered(request, response)
        return response

    def send_once(self, request: httpx.Request) -> tuple[int, httpx.Headers, str]:
        """One attempt over the wire: status, headers and the body (read up to a bound)."""
        self._requests += 1
        return send_once(self._http, request)

    def _throttled(
        self, request: OutgoingRequest, status: int, headers: httpx.Headers, attempt: int
    ) -> float | None:
        """Tell the pacer how the server answered; the wait before a retry, or None."""
        if status not in THROTTLE_STATUSES:
            self.pacer.succeeded()
            return None
        wait = retry_wait(status, headers, attempt, self.settings.max_retry_wait)
        assert wait is not None  # a throttle status always has a wait
        what = f"{request.method} {request.path}"
        self.pacer.throttled(what, status, retry_after_seconds(headers), wait)
        if attempt >= MAX_RETRIES or not may_resend(request.method, status):
            return None
        return wait

    def _record(
        self, request: OutgoingRequest, started: float, note: str | None, **outcome: Any
    ) -> Exchange:
        exchange = Exchange.record(
            self.redactor,
            method=request.method,
            url=request.url,
            request_headers=request.http.headers.items(),
            request_body=request.content,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            note=note,
            **outcome,
        )
        if self._sink is not None:
            self._sink.append(exchange)
        return exchange
