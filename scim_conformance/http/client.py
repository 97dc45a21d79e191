"""The one HTTP client of a run, layered like httpx's own: `build` a request, `send` it with
retries and pacing (http/retry.py), `send_once` over the wire. Its answer is read, judged
for throttling and recorded, redacted at record time (http/transcript.py), by the client's
own httpx response hook, into the sink of the `recording` context. Observers (the ledger, the
run's cleanup) are httpx event hooks too (`event_hooks`): a request hook sees each attempt
before it is sent and may refuse it by raising; a response hook sees each answer, recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx

from scim_conformance.config import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, Settings
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
    read_text,
    ssl_verify,
)

SCIM_JSON = "application/scim+json"
USER_AGENT = "scim-conformance (replaying Microsoft Entra provisioning)"
__all__ = [  # the wire's helpers are part of the client's surface
    "BearerToken",
    "ClientOptions",
    "OutgoingRequest",
    "ScimClient",
    "ScimResponse",
    "TransportFailure",
    "answer_of",
    "describe_transport_error",
    "outgoing",
    "ssl_verify",
]
# Keys of httpx's `extensions`: what the client attaches to a request and to its answer.
_OUTGOING = "scim_conformance.outgoing"  # on an httpx.Request: its OutgoingRequest
_ATTEMPT = "scim_conformance.attempt"  # on an httpx.Request: 0 for the first attempt
_STARTED = "scim_conformance.started"  # on an httpx.Request: when this attempt began
_BODY_HEADERS = ("Content-Type", "Content-Length")
_ANSWER = "scim_conformance.answer"  # on an httpx.Response: (ScimResponse, retry wait)


@dataclass(frozen=True)
class ClientOptions:
    """What the client needs of the run's settings, and nothing more."""

    base_url: str
    token: str = field(repr=False)  # never in a repr
    timeout: float = DEFAULT_TIMEOUT
    tls_verify: bool | str = True  # False with --scim-insecure, a CA file with --scim-ca-bundle
    max_retry_wait: float = 60.0  # caps every wait: Retry-After, backoff, pacing
    rate: float | None = None  # requests per second this process may send (None: no ceiling)
    concurrency: int = DEFAULT_CONCURRENCY  # independent requests in flight at once (1: serial)
    # Other secrets no output may show (the OAuth client secret), redacted like the token.
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, settings: Settings) -> ClientOptions:
        """The client's share of the run's settings."""
        return cls(
            base_url=settings.base_url,
            token=settings.token,
            timeout=settings.timeout,
            tls_verify=settings.tls_verify,
            max_retry_wait=settings.max_retry_wait,
            rate=settings.rate,
            concurrency=settings.concurrency,
            secrets=(settings.client_secret,) if settings.client_secret else (),
        )


class BearerToken(httpx.Auth):
    """`Authorization: Bearer <token>`, as Entra authenticates (RFC 6750 §2.1)."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header and send."""
        # Before the body's headers, as the client has always sent it (and transcripts show).
        body = [(name, request.headers[name]) for name in _BODY_HEADERS if name in request.headers]
        for name, _ in body:
            del request.headers[name]
        request.headers["Authorization"] = self._header
        for name, value in body:
            request.headers[name] = value
        yield request

    def __repr__(self) -> str:
        return "BearerToken([REDACTED])"  # the token never reaches a repr


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
    auth: httpx.Auth | None = field(default=None, repr=False)  # None: no Authorization


def outgoing(request: httpx.Request) -> OutgoingRequest:
    """The SCIM request an httpx request hook is shown (every request the client sends)."""
    found = request.extensions[_OUTGOING]
    assert isinstance(found, OutgoingRequest)
    return found


def answer_of(response: httpx.Response) -> ScimResponse:
    """The recorded answer an httpx response hook is shown (after the client's own hook)."""
    found = response.extensions[_ANSWER][0]
    assert isinstance(found, ScimResponse)
    return found


class ScimClient:
    """Sends SCIM requests the way Entra does and records every exchange, redacted."""

    def __init__(
        self,
        options: ClientOptions,
        transport: httpx.BaseTransport | None = None,
        *,
        pacer: Pacer | None = None,
    ) -> None:
        self.options = options
        self.redactor = Redactor([options.token, *options.secrets])
        self.pacer = pacer or Pacer(options.rate, options.max_retry_wait)
        self._auth = BearerToken(options.token)
        self._sink: list[Exchange] | None = None
        # A thread running one of `http/together.py`'s calls records into its own buffer
        # (`local.sink`), merged in submission order: transcripts stay deterministic.
        self.local = threading.local()
        self._count_lock = threading.Lock()  # the counters, shared by concurrent requests
        self._requests = 0
        self._retries = 0
        self._http = httpx.Client(
            timeout=options.timeout,
            verify=ssl_verify(options.tls_verify),
            # Never follow redirects: a redirect could carry the token to another host.
            follow_redirects=False,
            transport=transport,
            headers={"Accept": f"{SCIM_JSON}, application/json", "User-Agent": USER_AGENT},
            # The client's own hook first: observers' response hooks see the recorded answer.
            event_hooks={"request": [], "response": [self._answered]},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def base_url(self) -> str:
        """The SCIM base URL requests go to."""
        return self.options.base_url

    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        """httpx's event hooks of this client: observers append theirs (see module doc)."""
        return self._http.event_hooks

    # Recording -------------------------------------------------------------------------------

    @contextmanager
    def recording(self, sink: list[Exchange] | None) -> Iterator[list[Exchange] | None]:
        """Record every exchange into `sink` (None: record nowhere) inside the block (in a
        thread of http/together.py: that thread's exchanges only)."""
        if hasattr(self.local, "sink"):
            outer, self.local.sink = self.local.sink, sink
            try:
                yield sink
            finally:
                self.local.sink = outer
            return
        outer, self._sink = self._sink, sink
        try:
            yield sink
        finally:
            self._sink = outer

    @property
    def sink(self) -> list[Exchange] | None:
        """Where this thread's exchanges are being recorded (set with `recording`)."""
        found: list[Exchange] | None = getattr(self.local, "sink", self._sink)
        return found

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
            parts = urlsplit(self.options.base_url)
            url = f"{parts.scheme}://{parts.netloc}{path}"
        else:
            url = self.options.base_url + path
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
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False)
            sent["Content-Type"] = SCIM_JSON
        sent.update(headers or {})
        request = self._http.build_request(
            method, url, headers=sent, content=content.encode() if content else None
        )
        auth = None
        if authenticate:
            auth = self._auth if token is None else BearerToken(token)
        built = OutgoingRequest(method, path, url, body, request, content, note, auth)
        request.extensions[_OUTGOING] = built
        return built

    # Sending: build → send (retries, pacing) → send_once (one attempt) -----------------------

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
        """Send with pacing and bounded retries of 429/503 (http/retry.py); the final answer."""
        attempt = 0
        while True:
            self.pacer.wait_turn()
            response, wait = self.send_once(request, attempt)
            if wait is None:
                return response
            with self._count_lock:
                self._retries += 1
            attempt += 1

    def send_once(
        self, request: OutgoingRequest, attempt: int = 0
    ) -> tuple[ScimResponse, float | None]:
        """One attempt over the wire: the recorded answer, and the wait before a retry (None:
        no retry). A request that gets no usable answer is recorded, then TransportFailure."""
        request.http.extensions[_ATTEMPT] = attempt
        request.http.extensions[_STARTED] = time.perf_counter()
        try:
            answered = self._http.send(request.http, auth=request.auth, stream=True)
        except Exception as exc:
            if not is_transport_error(exc):
                raise  # an observer refused the request, or a bug
            with self._count_lock:
                self._requests += 1
            reason = describe_transport_error(exc, self.options.timeout)
            exchange = self._record(request, request.note, error=reason)
            # Built from the recorded (redacted) exchange: no token in exception text.
            message = f"{request.method} {exchange.url}: {exchange.error}"
            raise TransportFailure(message, exchange) from None
        response, wait = answered.extensions[_ANSWER]  # the hook read it and closed it
        return response, wait

    def _answered(self, answered: httpx.Response) -> None:
        """The client's own response hook: read the body (bounded), judge throttling, record
        the exchange (redacted), and attach the answer for the observers and `send_once`."""
        request = outgoing(answered.request)
        text = read_text(answered)  # a connection broken here is send_once's transport failure
        with self._count_lock:
            self._requests += 1
        status, headers = answered.status_code, answered.headers
        attempt = answered.request.extensions[_ATTEMPT]
        wait = self._throttled(request, status, headers, attempt)
        retry_note = None
        if wait is not None:
            retry_note = f"HTTP {status}: retrying in {wait:g} s (retry {attempt + 1})"
        exchange = self._record(
            request,
            "; ".join(n for n in (request.note, retry_note) if n) or None,
            status=status,
            response_headers=headers.items(),
            response_body=text,
        )
        answered.extensions[_ANSWER] = (ScimResponse(status, headers, text, exchange), wait)

    def _throttled(
        self, request: OutgoingRequest, status: int, headers: httpx.Headers, attempt: int
    ) -> float | None:
        """Tell the pacer how the server answered; the wait before a retry, or None."""
        if status not in THROTTLE_STATUSES:
            self.pacer.succeeded()
            return None
        wait = retry_wait(status, headers, attempt, self.options.max_retry_wait)
        assert wait is not None  # a throttle status always has a wait
        what = f"{request.method} {request.path}"
        self.pacer.throttled(what, status, retry_after_seconds(headers), wait)
        if attempt >= MAX_RETRIES or not may_resend(request.method, status):
            return None
        return wait

    def _record(self, request: OutgoingRequest, note: str | None, **outcome: Any) -> Exchange:
        """The exchange, redacted as it is recorded, appended to the sink."""
        started = float(request.http.extensions[_STARTED])
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
        sink = self.sink
        if sink is not None:
            sink.append(exchange)
        return exchange
