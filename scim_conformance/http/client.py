"""The one HTTP client of a run: bearer auth, SCIM headers, timeouts, transcript recording."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpcore
import httpx

from scim_conformance.http.transcript import Exchange, Redactor
from scim_conformance.plugin.settings import Settings

SCIM_JSON = "application/scim+json"
USER_AGENT = "scim-conformance (replaying Microsoft Entra provisioning)"
# Bodies larger than this are not kept whole in memory or in the transcript.
MAX_BODY_BYTES = 2_000_000
MAX_RETRIES = 5
# httpx maps most transport errors to httpx.HTTPError, but errors raised while a streamed
# body is read can surface as httpcore's own, or as plain OS errors.
TRANSPORT_ERRORS = (
    httpx.HTTPError,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.TimeoutException,
    OSError,
)
BACKOFF_BASE = 1.0  # seconds; doubled per retry when the server gives no Retry-After
BACKOFF_MAX = 30.0


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


class ScimClient:
    """Sends SCIM requests the way Entra does and records every exchange, redacted."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.redactor = Redactor([settings.token])
        self.sink: list[Exchange] | None = None
        # Called before every request with (method, path); may raise to refuse a write.
        self.write_guard: Callable[[str, str], None] | None = None
        self.request_count = 0
        self.retries = 0
        self.sleep: Callable[[float], None] = time.sleep  # replaceable in tests
        self._last_start = 0.0
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

    def url(
        self, path: str, params: Mapping[str, str] | None = None, *, at_root: bool = False
    ) -> str:
        """The absolute URL for `path` (below the base URL, or the host root when `at_root`),
        the query encoded as Entra encodes it: spaces as `+`, quotes as `%22` (§0, [S25])."""
        if at_root:
            parts = urlsplit(self.settings.base_url)
            url = f"{parts.scheme}://{parts.netloc}{path}"
        else:
            url = self.settings.base_url + path
        if params:
            url += "?" + urlencode(list(params.items()), quote_via=quote_plus)
        return url

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

    def request(
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
    ) -> ScimResponse:
        """Send one request; `token` overrides the run's token, `authenticate=False` omits it."""
        if self.write_guard is not None:
            self.write_guard(method, path)
        url = self.url(path, params, at_root=at_root)
        headers: dict[str, str] = {}
        if authenticate:
            headers["Authorization"] = (
                f"Bearer {token if token is not None else self.settings.token}"
            )
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False)
            headers["Content-Type"] = SCIM_JSON
        request = self._http.build_request(
            method, url, headers=headers, content=content.encode() if content else None
        )
        for attempt in range(MAX_RETRIES + 1):
            self._pace()
            started = time.perf_counter()
            self.request_count += 1
            try:
                status, response_headers, text = self._send(request)
            except TRANSPORT_ERRORS as exc:
                exchange = self._record(
                    request,
                    url,
                    content,
                    started,
                    note,
                    error=describe_transport_error(exc, self.settings.timeout),
                )
                # Built from the recorded (redacted) exchange: no token in exception text.
                raise TransportFailure(
                    f"{method} {exchange.url}: {exchange.error}", exchange
                ) from None
            wait = retry_wait(status, response_headers, attempt, self.settings.max_retry_wait)
            if method == "POST" and status == 503:
                # A 503 from a gateway may come after the backend created the resource:
                # never resend a create blindly (a 429 says the request was not processed).
                wait = None
            retry_note = None
            if wait is not None and attempt < MAX_RETRIES:
                retry_note = f"HTTP {status}: retrying in {wait:g} s (retry {attempt + 1})"
            exchange = self._record(
                request,
                url,
                content,
                started,
                "; ".join(n for n in (note, retry_note) if n) or None,
                status=status,
                response_headers=response_headers.items(),
                response_body=text,
            )
            if retry_note is None or wait is None:
                return ScimResponse(status, response_headers, text, exchange)
            self.retries += 1
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns

    def _send(self, request: httpx.Request) -> tuple[int, httpx.Headers, str]:
        response = self._http.send(request, stream=True)
        try:
            raw = _read_bounded(response)
        finally:
            response.close()
        return (
            response.status_code,
            response.headers,
            raw.decode(response.encoding or "utf-8", errors="replace"),
        )

    def _record(
        self,
        request: httpx.Request,
        url: str,
        content: str | None,
        started: float,
        note: str | None,
        **outcome: Any,
    ) -> Exchange:
        exchange = Exchange.record(
            self.redactor,
            method=request.method,
            url=url,
            request_headers=request.headers.items(),
            request_body=content,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            note=note,
            **outcome,
        )
        if self.sink is not None:
            self.sink.append(exchange)
        return exchange

    def _pace(self) -> None:
        """--scim-rate: keep at least 1/rate seconds between request starts."""
        if not self.settings.rate:
            return
        gap = 1.0 / self.settings.rate - (time.monotonic() - self._last_start)
        if gap > 0:
            self.sleep(gap)
        self._last_start = time.monotonic()


def ssl_verify(setting: bool | str) -> bool | ssl.SSLContext:
    """httpx's verify argument: a CA file becomes an SSL context trusting that CA."""
    if isinstance(setting, str):
        return ssl.create_default_context(cafile=setting)
    return setting


def retry_wait(status: int, headers: Mapping[str, str], attempt: int, cap: float) -> float | None:
    """Seconds to wait before retrying a 429/503 (RFC 6585 §4, RFC 9110 §10.2.3), else None.

    Retry-After in seconds or as an HTTP date is honoured; without it, bounded exponential
    backoff. Both are capped by --scim-max-retry-wait. Webex answers 429 with Retry-After
    under load (webex-scim.md §6).
    """
    if status not in (429, 503):
        return None
    value = headers.get("retry-after", "").strip()
    wait: float | None = None
    if value.isdigit():
        wait = float(value)
    elif value:
        try:
            when = parsedate_to_datetime(value)
            wait = max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            wait = None
    if wait is None:
        wait = min(BACKOFF_BASE * 2**attempt, BACKOFF_MAX)
    return min(wait, cap)


def _read_bounded(response: httpx.Response) -> bytes:
    """Read at most MAX_BODY_BYTES of the body, so a huge response cannot exhaust memory."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if size + len(chunk) > MAX_BODY_BYTES:
            # A single decompressed chunk can be huge (a gzip bomb): cut inside it.
            chunks.append(chunk[: MAX_BODY_BYTES - size])
            chunks.append(b"\n[body cut: larger than %d bytes]" % MAX_BODY_BYTES)
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def describe_transport_error(exc: BaseException, timeout: float) -> str:
    """A short, readable reason for a transport failure (httpx, httpcore or OS level)."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, (httpx.TimeoutException, httpcore.TimeoutException, TimeoutError)):
        return f"no answer within {timeout:g} s (Entra gives up after 60 s and logs Timeout)"
    if isinstance(exc, (httpx.ConnectError, httpcore.ConnectError, ConnectionRefusedError)):
        return f"could not connect ({detail})"
    if isinstance(
        exc,
        (
            httpx.RemoteProtocolError,
            httpx.ReadError,
            httpcore.ProtocolError,
            httpcore.ReadError,
            ConnectionError,
        ),
    ):
        return f"the connection broke mid-response ({detail})"
    return f"{type(exc).__name__}: {detail}"
