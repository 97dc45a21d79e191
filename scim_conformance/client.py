"""The one HTTP client of a run: bearer auth, SCIM headers, timeouts, transcript recording."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx

from scim_conformance.settings import Settings
from scim_conformance.transcript import Exchange, Redactor

SCIM_JSON = "application/scim+json"
USER_AGENT = "scim-conformance (replaying Microsoft Entra provisioning)"
# Bodies larger than this are not kept whole in memory or in the transcript.
MAX_BODY_BYTES = 2_000_000


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
        self._http = httpx.Client(
            timeout=settings.timeout,
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
        started = time.perf_counter()
        self.request_count += 1

        def record(**outcome: Any) -> Exchange:
            exchange = Exchange.record(
                self.redactor,
                method=method,
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

        try:
            response = self._http.send(request, stream=True)
            try:
                raw = _read_bounded(response)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            exchange = record(error=describe_transport_error(exc, self.settings.timeout))
            # Built from the recorded (redacted) exchange: exception text must not leak the token.
            raise TransportFailure(f"{method} {exchange.url}: {exchange.error}", exchange) from None
        text = raw.decode(response.encoding or "utf-8", errors="replace")
        exchange = record(
            status=response.status_code,
            response_headers=response.headers.items(),
            response_body=text,
        )
        return ScimResponse(response.status_code, response.headers, text, exchange)


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


def describe_transport_error(exc: httpx.HTTPError, timeout: float) -> str:
    """A short, readable reason for a transport failure."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s (Entra gives up after 60 s and logs Timeout)"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({str(exc) or type(exc).__name__})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the connection broke mid-response ({str(exc) or type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"
