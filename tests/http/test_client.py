"""Tests for scim_conformance.http.client over httpx.MockTransport (no network)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from scim_conformance.config import Settings
from scim_conformance.http import wire
from scim_conformance.http.client import (
    SCIM_JSON,
    USER_AGENT,
    BearerToken,
    ClientOptions,
    ScimClient,
    ScimResponse,
    TransportFailure,
    answer_of,
    outgoing,
)
from scim_conformance.http.transcript import Exchange

TOKEN = "s3cr3t+Client/TOKEN=="
BASE = "https://scim.example.test/scim/v2"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that remembers the requests and answers with `reply`."""

    def __init__(self, reply: Handler | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply or (lambda request: httpx.Response(200, json={}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def make_settings(token: str = TOKEN, timeout: float = 5.0) -> Settings:
    return Settings(
        base_url=BASE,
        token=token,
        timeout=timeout,
        dialects=("legacy", "aadOptscim062020"),
        run_prefix="scimconf-0123abcd",
        user_domain="example.com",
    )


@pytest.fixture
def make_client() -> Iterator[Callable[..., ScimClient]]:
    clients: list[ScimClient] = []

    with ExitStack() as recordings:

        def build(handler: Handler, timeout: float = 5.0) -> ScimClient:
            settings = make_settings(timeout=timeout)
            scim = ScimClient(ClientOptions.of(settings), transport=httpx.MockTransport(handler))
            recordings.enter_context(scim.recording([]))
            clients.append(scim)
            return scim

        yield build
    for scim in clients:
        scim.close()


@pytest.mark.parametrize(
    ("params", "query"),
    [
        ({"filter": 'userName eq "x"'}, "filter=userName+eq+%22x%22"),
        (
            {"filter": 'externalId eq "johnwong"'},
            "filter=externalId+eq+%22johnwong%22",
        ),
        (
            {"excludedAttributes": "members", "filter": 'displayName eq "Sales Team"'},
            "excludedAttributes=members&filter=displayName+eq+%22Sales+Team%22",
        ),
        (
            {"filter": 'userName eq "a+b&c=d@e.test"'},
            "filter=userName+eq+%22a%2Bb%26c%3Dd%40e.test%22",
        ),
        ({"startIndex": "1", "count": "2"}, "startIndex=1&count=2"),
    ],
    ids=["user filter", "externalId filter", "group query order", "special chars", "paging"],
)
def test_query_is_encoded_as_entra_encodes_it(
    make_client: Callable[..., ScimClient], params: dict[str, str], query: str
) -> None:
    recorder = Recorder()
    scim = make_client(recorder)
    assert scim.url("/Users", params) == f"{BASE}/Users?{query}"
    scim.get("/Users", params)
    assert recorder.last.url.query.decode() == query
    assert scim.sink is not None
    assert scim.sink[-1].url == f"{BASE}/Users?{query}"


def test_url_without_params_has_no_question_mark(make_client: Callable[..., ScimClient]) -> None:
    scim = make_client(Recorder())
    assert scim.url("/Users/abc") == f"{BASE}/Users/abc"
    assert scim.url("/Users", {}) == f"{BASE}/Users"


def test_bearer_token_is_sent(make_client: Callable[..., ScimClient]) -> None:
    recorder = Recorder()
    make_client(recorder).get("/Users")
    assert recorder.last.headers["Authorization"] == f"Bearer {TOKEN}"


def test_authorization_is_omitted_when_not_authenticating(
    make_client: Callable[..., ScimClient],
) -> None:
    recorder = Recorder()
    make_client(recorder).get("/Users", authenticate=False)
    assert "Authorization" not in recorder.last.headers


def test_token_argument_overrides_the_run_token(make_client: Callable[..., ScimClient]) -> None:
    recorder = Recorder()
    make_client(recorder).get("/Users", token="wrong-token")
    assert recorder.last.headers["Authorization"] == "Bearer wrong-token"


def test_accept_and_user_agent_headers_are_sent(make_client: Callable[..., ScimClient]) -> None:
    recorder = Recorder()
    make_client(recorder).get("/Users")
    assert recorder.last.headers["Accept"] == "application/scim+json, application/json"
    assert recorder.last.headers["User-Agent"] == USER_AGENT


@pytest.mark.parametrize("method", ["post", "patch"])
def test_bodies_are_sent_as_scim_json(make_client: Callable[..., ScimClient], method: str) -> None:
    recorder = Recorder()
    scim = make_client(recorder)
    body = {"displayName": "Zoë", "active": True}
    getattr(scim, method)("/Users/1", body)
    assert recorder.last.method == method.upper()
    assert recorder.last.headers["Content-Type"] == SCIM_JSON == "application/scim+json"
    assert recorder.last.content == json.dumps(body, ensure_ascii=False).encode("utf-8")
    assert json.loads(recorder.last.content) == body


@pytest.mark.parametrize("method", ["get", "delete"])
def test_requests_without_body_have_no_content_type(
    make_client: Callable[..., ScimClient], method: str
) -> None:
    recorder = Recorder()
    getattr(make_client(recorder), method)("/Users/1")
    assert recorder.last.method == method.upper()
    assert "Content-Type" not in recorder.last.headers
    assert recorder.last.content == b""


def test_every_request_is_recorded_with_the_token_redacted(
    make_client: Callable[..., ScimClient],
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, json={"detail": f"token {TOKEN} expired"}, headers={"X-Echo": TOKEN}
        )

    scim = make_client(Recorder(reply))
    scim.get("/Users", {"filter": 'userName eq "a"'})
    scim.post("/Users", {"userName": "a", "note": TOKEN})
    scim.patch("/Users/1", {"Operations": []}, note="patching")
    scim.delete("/Users/1", token=TOKEN)
    assert scim.sink is not None
    assert [exchange.method for exchange in scim.sink] == ["GET", "POST", "PATCH", "DELETE"]
    assert scim.request_count == 4
    assert scim.sink[2].note == "patching"
    for exchange in scim.sink:
        assert exchange.status == 401
        assert ("authorization", "Bearer [REDACTED]") in exchange.request_headers
        assert ("x-echo", "[REDACTED]") in exchange.response_headers
        dumped = json.dumps(exchange.to_dict()) + exchange.to_text() + exchange.curl()
        assert TOKEN not in dumped
        assert "s3cr3t" not in dumped


def test_nothing_is_recorded_without_a_sink(make_client: Callable[..., ScimClient]) -> None:
    scim = make_client(Recorder())
    outer = scim.sink
    with scim.recording(None):
        response = scim.get("/Users")
    assert response.exchange.status == 200
    assert scim.request_count == 1
    assert outer == []
    assert scim.sink is outer  # the context restores the recording it found


def test_response_carries_status_headers_text_and_exchange(
    make_client: Callable[..., ScimClient],
) -> None:
    scim = make_client(
        Recorder(lambda request: httpx.Response(201, json={"id": "1"}, headers={"ETag": 'W/"1"'}))
    )
    response = scim.post("/Users", {"userName": "a"})
    assert response.status == 201
    assert response.headers["etag"] == 'W/"1"'
    assert response.text == '{"id":"1"}'
    assert scim.sink is not None
    assert response.exchange is scim.sink[-1]
    assert response.exchange.response_body == '{"id":"1"}'


def respond(content: bytes, content_type: str | None, status: int = 200) -> Handler:
    headers = {"Content-Type": content_type} if content_type else {}
    return lambda request: httpx.Response(status, content=content, headers=headers)


@pytest.mark.parametrize(
    ("content", "content_type", "media_type", "parsed", "as_object"),
    [
        (b'{"id":"1"}', "application/scim+json", "application/scim+json", {"id": "1"}, True),
        (
            b'{"id":"1"}',
            "Application/SCIM+JSON; charset=utf-8",
            "application/scim+json",
            {"id": "1"},
            True,
        ),
        (b"[1, 2]", "application/json", "application/json", [1, 2], False),
        (b"{not json", "application/scim+json", "application/scim+json", None, False),
        (b"", None, "", None, False),
        (b"  \n ", "application/scim+json", "application/scim+json", None, False),
        (b"<html><body>502</body></html>", "text/html", "text/html", None, False),
    ],
    ids=["scim json", "params and case", "json array", "invalid json", "empty", "blank", "html"],
)
def test_response_json_and_content_type(
    make_client: Callable[..., ScimClient],
    content: bytes,
    content_type: str | None,
    media_type: str,
    parsed: object,
    as_object: bool,
) -> None:
    response = make_client(respond(content, content_type)).get("/Users/1")
    assert response.content_type == media_type
    assert response.json == parsed
    assert response.json_object == (parsed if as_object else None)
    assert response.text == content.decode()


def test_body_is_decoded_with_the_declared_charset(
    make_client: Callable[..., ScimClient],
) -> None:
    body = '{"displayName":"Zoë"}'.encode("latin-1")
    response = make_client(respond(body, "application/scim+json; charset=iso-8859-1")).get("/")
    assert response.json == {"displayName": "Zoë"}


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "could not connect ("),
        (httpx.ReadTimeout("timed out"), "no answer within 5 s"),
        (httpx.ConnectTimeout("timed out"), "no answer within 5 s"),
        (httpx.RemoteProtocolError("peer closed"), "the connection broke mid-response"),
        (httpx.ProxyError("proxy said no"), "ProxyError: proxy said no"),
    ],
    ids=["refused", "read timeout", "connect timeout", "protocol", "other"],
)
def test_transport_error_becomes_transport_failure(
    make_client: Callable[..., ScimClient], error: httpx.HTTPError, reason: str
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        raise error

    scim = make_client(Recorder(reply))
    with pytest.raises(TransportFailure) as info:
        scim.post("/Users", {"userName": "a"}, note="create")
    message = str(info.value)
    assert message.startswith(f"POST {BASE}/Users: ")
    assert reason in message
    assert TOKEN not in message
    assert info.value.__cause__ is None
    exchange = info.value.exchange
    assert scim.sink == [exchange]
    assert exchange.status is None
    assert exchange.error is not None
    assert reason in exchange.error
    assert exchange.note == "create"
    assert exchange.request_body == '{"userName": "a"}'
    assert ("authorization", "Bearer [REDACTED]") in exchange.request_headers
    assert "no response" in exchange.summary()


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ConnectError(""), "could not connect (ConnectError)"),
        (httpx.RemoteProtocolError(""), "the connection broke mid-response (RemoteProtocolError)"),
    ],
    ids=["connect", "protocol"],
)
def test_transport_error_without_text_is_named_by_its_type(
    make_client: Callable[..., ScimClient], error: httpx.HTTPError, reason: str
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(TransportFailure) as info:
        make_client(Recorder(reply)).get("/Users")
    assert str(info.value).endswith(reason)


def test_timeout_message_mentions_entras_sixty_seconds(
    make_client: Callable[..., ScimClient],
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(TransportFailure, match=r"no answer within 2\.5 s .*60 s"):
        make_client(Recorder(reply), timeout=2.5).get("/Users")


def test_transport_failure_message_redacts_a_token_in_the_error_text(
    make_client: Callable[..., ScimClient],
) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"proxy rejected Authorization: Bearer {TOKEN}")

    scim = make_client(Recorder(reply))
    with pytest.raises(TransportFailure) as info:
        scim.get("/Users")
    assert TOKEN not in info.value.exchange.error  # type: ignore[operator]
    assert TOKEN not in str(info.value)


def test_redirects_are_not_followed(make_client: Callable[..., ScimClient]) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://elsewhere.test/steal"})

    recorder = Recorder(reply)
    response = make_client(recorder).get("/Users")
    assert response.status == 302
    assert response.headers["location"] == "https://elsewhere.test/steal"
    assert [str(request.url) for request in recorder.requests] == [f"{BASE}/Users"]


def test_body_larger_than_the_limit_is_cut_and_not_read_further(
    make_client: Callable[..., ScimClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "MAX_BODY_BYTES", 10)
    produced: list[int] = []

    def chunks() -> Iterator[bytes]:
        for index in range(100):
            produced.append(index)
            yield b"abcd"

    scim = make_client(lambda request: httpx.Response(200, content=chunks()))
    response = scim.get("/Users")
    assert response.text == "abcdabcdab\n[body cut: larger than 10 bytes]"
    assert len(produced) == 3
    assert response.exchange.response_body == response.text


def test_body_at_the_limit_is_kept_whole(
    make_client: Callable[..., ScimClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "MAX_BODY_BYTES", 10)
    response = make_client(respond(b"0123456789", "text/plain")).get("/")
    assert response.text == "0123456789"


def test_a_single_large_chunk_is_cut_at_the_limit(
    make_client: Callable[..., ScimClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "MAX_BODY_BYTES", 1000)
    compressed = gzip.compress(b"x" * 100_000)
    assert len(compressed) < 1000

    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=compressed, headers={"Content-Encoding": "gzip"})

    response = make_client(reply).get("/Users")
    assert response.text.endswith("[body cut: larger than 1000 bytes]")
    assert len(response.text) <= 1000 + len("\n[body cut: larger than 1000 bytes]")


def test_scim_response_properties_work_without_a_client() -> None:
    exchange = Exchange(
        method="GET", url=f"{BASE}/Users", request_headers=[], request_body=None, status=200
    )
    response = ScimResponse(200, httpx.Headers({"Content-Type": "text/plain"}), "hi", exchange)
    assert response.content_type == "text/plain"
    assert response.json is None
    assert response.json_object is None


def test_client_options_and_the_auth_never_show_the_token() -> None:
    options = ClientOptions(base_url=BASE, token=TOKEN)
    assert TOKEN not in repr(options)
    assert TOKEN not in repr(BearerToken(TOKEN))


def test_observers_are_httpx_event_hooks_that_see_each_request_and_its_recorded_answer(
    make_client: Callable[..., ScimClient],
) -> None:
    seen: list[str] = []
    scim = make_client(Recorder())
    scim.event_hooks["request"].append(lambda r: seen.append(outgoing(r).path))
    scim.event_hooks["response"].append(lambda r: seen.append(str(answer_of(r).exchange.status)))
    scim.get("/Users")
    assert seen == ["/Users", "200"]
