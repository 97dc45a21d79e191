"""Tests for scim_conformance.http.transcript: redaction at record time and every rendering."""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from scim_conformance.http.transcript import (
    REDACTED,
    Exchange,
    Redactor,
    headers_of,
    pretty_body,
)

# A base64-like token: `+`, `/` and `=` change under percent-encoding.
TOKEN = "s3cr3t+Tok/en=="
# A token whose JSON form differs from the raw form (a quote and a backslash).
JSON_TOKEN = 'q"uo\\te-s3cr3t'
BASE = "https://scim.example.test/scim/v2"


def secret_forms(token: str) -> set[str]:
    """Every spelling of the token a rendering could carry."""
    return {token, quote(token, safe=""), quote_plus(token), json.dumps(token)[1:-1]}


def renderings(exchange: Exchange) -> dict[str, str]:
    return {
        "to_text": exchange.to_text(),
        "curl": exchange.curl(),
        "summary": exchange.summary(),
        "to_dict": json.dumps(exchange.to_dict()),
    }


def record(token: str, **fields: Any) -> Exchange:
    defaults: dict[str, Any] = {
        "method": "GET",
        "url": f"{BASE}/Users",
        "request_headers": [("Accept", "application/scim+json")],
        "request_body": None,
        "status": 200,
        "response_headers": [("Content-Type", "application/scim+json")],
        "response_body": None,
    }
    defaults.update(fields)
    return Exchange.record(Redactor([token]), **defaults)


TOKEN_PLACES = {
    "authorization header": (
        TOKEN,
        {"request_headers": [("Authorization", f"Bearer {TOKEN}")]},
    ),
    "raw in url query": (TOKEN, {"url": f"{BASE}/Users?access_token={TOKEN}"}),
    "percent-encoded in url query": (
        TOKEN,
        {"url": f"{BASE}/Users?access_token={quote(TOKEN, safe='')}"},
    ),
    "request body": (
        TOKEN,
        {"method": "POST", "request_body": json.dumps({"externalId": TOKEN})},
    ),
    "response body text": (TOKEN, {"response_body": f"token {TOKEN} has expired"}),
    "json-escaped in response body": (
        JSON_TOKEN,
        {"response_body": json.dumps({"detail": f"bad token {JSON_TOKEN}"})},
    ),
    "json-escaped in request body": (
        JSON_TOKEN,
        {"method": "PATCH", "request_body": json.dumps({"note": JSON_TOKEN})},
    ),
    "error text": (
        TOKEN,
        {"status": None, "response_headers": [], "error": f"proxy said Bearer {TOKEN}"},
    ),
    "note": (TOKEN, {"note": f"sent with {TOKEN}"}),
    "echoed response header": (TOKEN, {"response_headers": [("X-Echo", f"Bearer {TOKEN}")]}),
}


@pytest.mark.parametrize("rendering", ["to_text", "curl", "summary", "to_dict"])
@pytest.mark.parametrize(("token", "fields"), TOKEN_PLACES.values(), ids=TOKEN_PLACES.keys())
def test_token_is_absent_from_every_rendering(
    token: str, fields: dict[str, Any], rendering: str
) -> None:
    text = renderings(record(token, **fields))[rendering]
    for form in secret_forms(token):
        assert form not in text
    assert "s3cr3t" not in text


@pytest.mark.parametrize(("token", "fields"), TOKEN_PLACES.values(), ids=TOKEN_PLACES.keys())
def test_recorded_exchange_says_redacted_where_the_token_was(
    token: str, fields: dict[str, Any]
) -> None:
    exchange = record(token, **fields)
    assert REDACTED in json.dumps(exchange.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize(
    "escaped_body",
    [
        '{"detail":"bad token s3cr3t\\u002BTok\\/en=="}',
        '{"detail":"bad token s3cr3t+Tok\\/en=="}',
    ],
    ids=["unicode-escaped plus", "escaped solidus"],
)
def test_token_in_alternative_json_escapes_is_absent_from_to_text(escaped_body: str) -> None:
    assert json.loads(escaped_body)["detail"] == f"bad token {TOKEN}"
    exchange = record(TOKEN, response_body=escaped_body)
    assert TOKEN not in exchange.to_text()


def test_record_keeps_non_secret_fields_as_given() -> None:
    exchange = record(
        TOKEN,
        method="DELETE",
        status=204,
        response_body="",
        elapsed_ms=12.34,
        note="cleanup",
    )
    assert exchange.method == "DELETE"
    assert exchange.url == f"{BASE}/Users"
    assert exchange.status == 204
    assert exchange.response_body == ""
    assert exchange.elapsed_ms == 12.34
    assert exchange.note == "cleanup"
    assert exchange.error is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '{"userName":"bjensen","password":"hunter2"}',
            '{"userName":"bjensen","password":"[REDACTED]"}',
        ),
        ('{"password" : "t2"}', '{"password" : "[REDACTED]"}'),
        ('{"Password":"with \\"quote\\" inside"}', '{"Password":"[REDACTED]"}'),
        (
            '{"op":"replace","value":{"password":"p@ss","displayName":"B"}}',
            '{"op":"replace","value":{"password":"[REDACTED]","displayName":"B"}}',
        ),
    ],
    ids=["plain", "spaced colon", "escaped quotes, capitalised key", "inside a patch value"],
)
def test_password_values_in_json_bodies_are_redacted(body: str, expected: str) -> None:
    exchange = record(TOKEN, method="POST", request_body=body, response_body=body)
    assert exchange.request_body == expected
    assert exchange.response_body == expected


def test_password_is_absent_from_pretty_printed_text() -> None:
    body = json.dumps({"userName": "bjensen", "password": "hunter2"})
    text = record(TOKEN, method="POST", request_body=body).to_text()
    assert "hunter2" not in text
    assert '"password": "[REDACTED]"' in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://admin:pa55@scim.example.test/v2", "https://[REDACTED]@scim.example.test/v2"),
        ("http://user@host.test/x", "http://[REDACTED]@host.test/x"),
        (
            "could not reach https://u:p@h.test/scim (refused)",
            "could not reach https://[REDACTED]@h.test/scim (refused)",
        ),
    ],
)
def test_url_userinfo_is_redacted(text: str, expected: str) -> None:
    assert Redactor([]).text(text) == expected


def test_url_userinfo_is_redacted_in_the_recorded_url() -> None:
    exchange = record(TOKEN, url="https://admin:pa55@scim.example.test/v2/Users")
    assert exchange.url == "https://[REDACTED]@scim.example.test/v2/Users"
    assert "pa55" not in exchange.curl()


@pytest.mark.parametrize(
    "text",
    [
        "https://scim.example.test/v2/Users?filter=userName+eq+%22a%40b.com%22",
        '{"$ref":"https://scim.example.test/v2/Users/1","value":"a@b.com"}',
        "write to ops@example.test",
    ],
)
def test_text_without_userinfo_is_unchanged(text: str) -> None:
    assert Redactor([TOKEN]).text(text) == text


def test_path_less_url_followed_by_an_email_is_not_mangled() -> None:
    body = '{"profileUrl":"https://example.com","emails":[{"value":"a@b.com"}]}'
    assert Redactor([TOKEN]).text(body) == body


def test_longer_secret_is_removed_whole_before_a_shorter_one() -> None:
    redactor = Redactor(["abc", "abcdef"])
    assert redactor.text("x abcdef y abc") == "x [REDACTED] y [REDACTED]"


def test_empty_secrets_are_ignored() -> None:
    assert Redactor(["", TOKEN]).text("plain text") == "plain text"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("Authorization", f"Bearer {TOKEN}", "Bearer [REDACTED]"),
        ("authorization", "Basic dXNlcjpwYXNz", "Basic [REDACTED]"),
        ("Proxy-Authorization", "Bearer other-secret", "Bearer [REDACTED]"),
        ("Authorization", "bare-token-without-scheme", "[REDACTED]"),
        ("X-Echo", f"got {TOKEN}", "got [REDACTED]"),
        ("Content-Type", "application/scim+json", "application/scim+json"),
    ],
)
def test_headers_keep_the_scheme_of_credentials_and_redact_the_token(
    name: str, value: str, expected: str
) -> None:
    assert Redactor([TOKEN]).headers([(name, value)]) == [(name, expected)]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Set-Cookie", "session=SESSIONSECRET; Path=/; HttpOnly"),
        ("Cookie", "session=SESSIONSECRET; theme=dark"),
    ],
)
def test_cookie_headers_are_redacted_whole(name: str, value: str) -> None:
    [(_, redacted)] = Redactor([TOKEN]).headers([(name, value)])
    assert "SESSIONSECRET" not in redacted


def test_cookie_without_spaces_is_redacted_whole() -> None:
    assert Redactor([]).headers([("Set-Cookie", "session=abc")]) == [("Set-Cookie", REDACTED)]


def patch_exchange() -> Exchange:
    body = json.dumps({"displayName": "O'Brien & Sons", "nickName": "$HOME `x`"})
    return record(
        TOKEN,
        method="PATCH",
        url=f"{BASE}/Users?filter=userName+eq+%22o%27brien%22&x=1",
        request_headers=[
            ("Authorization", f"Bearer {TOKEN}"),
            ("Content-Type", "application/scim+json"),
            ("Accept", "application/scim+json, application/json"),
            ("User-Agent", "scim-conformance"),
        ],
        request_body=body,
    )


def test_curl_command_round_trips_through_shlex() -> None:
    exchange = patch_exchange()
    assert shlex.split(exchange.curl()) == [
        "curl",
        "-sS",
        "-X",
        "PATCH",
        f"{BASE}/Users?filter=userName+eq+%22o%27brien%22&x=1",
        "-H",
        "Authorization: Bearer [REDACTED]",
        "-H",
        "Content-Type: application/scim+json",
        "-H",
        "Accept: application/scim+json, application/json",
        "--data-raw",
        exchange.request_body,
    ]


def test_curl_without_a_body_has_no_data_argument() -> None:
    argv = shlex.split(record(TOKEN, method="GET").curl())
    assert argv[:4] == ["curl", "-sS", "-X", "GET"]
    assert "--data-raw" not in argv


def test_summary_names_method_url_status_and_time() -> None:
    exchange = record(TOKEN, status=201, elapsed_ms=12.4)
    assert exchange.summary() == f"GET {BASE}/Users -> 201 (12 ms)"


def test_summary_of_a_transport_failure_names_the_error() -> None:
    exchange = record(TOKEN, status=None, response_headers=[], error="could not connect")
    assert exchange.summary() == f"GET {BASE}/Users -> no response (could not connect) (0 ms)"


def test_to_text_lays_out_request_and_response() -> None:
    exchange = record(
        TOKEN,
        method="POST",
        request_headers=[("Authorization", f"Bearer {TOKEN}")],
        request_body='{"userName":"bjensen"}',
        status=201,
        response_headers=[("Content-Type", "application/scim+json")],
        response_body='{"id":"1"}',
        elapsed_ms=7,
        note="create",
    )
    assert exchange.to_text().splitlines() == [
        f"> POST {BASE}/Users",
        "> Authorization: Bearer [REDACTED]",
        "",
        "> {",
        '>   "userName": "bjensen"',
        "> }",
        "",
        "< HTTP 201 (7 ms)",
        "< Content-Type: application/scim+json",
        "",
        "< {",
        '<   "id": "1"',
        "< }",
        "# create",
    ]


def test_to_text_of_a_transport_failure_says_no_response() -> None:
    exchange = record(TOKEN, status=None, response_headers=[], error="timed out")
    assert exchange.to_text().splitlines()[-1] == "< no response: timed out"


def test_to_text_cuts_long_bodies_to_the_limit() -> None:
    exchange = record(TOKEN, response_body="x" * 100)
    text = exchange.to_text(body_limit=10)
    assert "< " + "x" * 10 in text
    assert "x" * 11 not in text
    assert "< … (90 more characters)" in text


def test_to_dict_is_json_ready_and_complete() -> None:
    exchange = record(
        TOKEN,
        request_headers=[("Authorization", f"Bearer {TOKEN}")],
        response_body="{}",
        elapsed_ms=3.14159,
    )
    assert json.loads(json.dumps(exchange.to_dict())) == {
        "method": "GET",
        "url": f"{BASE}/Users",
        "request_headers": [["Authorization", "Bearer [REDACTED]"]],
        "request_body": None,
        "status": 200,
        "response_headers": [["Content-Type", "application/scim+json"]],
        "response_body": "{}",
        "elapsed_ms": 3.1,
        "error": None,
        "note": None,
    }


@pytest.mark.parametrize("name", ["content-type", "Content-Type", "CONTENT-TYPE"])
def test_response_header_lookup_is_case_insensitive(name: str) -> None:
    assert record(TOKEN).response_header(name) == "application/scim+json"


def test_response_header_lookup_returns_none_when_absent() -> None:
    assert record(TOKEN).response_header("ETag") is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"a":1,"b":[true,null]}', '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}'),
        ('{"name":"Zo\\u00eb"}', '{\n  "name": "Zoë"\n}'),
        ("[]", "[]"),
    ],
    ids=["object", "non-ascii unescaped", "empty array"],
)
def test_pretty_body_pretty_prints_json(body: str, expected: str) -> None:
    assert pretty_body(body) == expected


@pytest.mark.parametrize(
    "body",
    ["<html><body>Bad Gateway</body></html>", '{"unterminated": ', "plain text", ""],
)
def test_pretty_body_keeps_non_json_as_text(body: str) -> None:
    assert pretty_body(body) == body


def test_pretty_body_cuts_long_text_with_a_note() -> None:
    assert pretty_body("abcdefghij" * 5, limit=12) == "abcdefghijab\n… (38 more characters)"


def test_pretty_body_cuts_json_after_pretty_printing() -> None:
    text = pretty_body(json.dumps({"k": "v" * 50}), limit=12)
    assert text == '{\n  "k": "vv\n… (51 more characters)'


def test_pretty_body_at_the_limit_is_not_cut() -> None:
    assert pretty_body("x" * 10, limit=10) == "x" * 10


@pytest.mark.parametrize(
    "given",
    [{"Accept": "a", "X-N": "1"}, [("Accept", "a"), ("X-N", "1")], (("Accept", "a"), ("X-N", "1"))],
    ids=["mapping", "list of pairs", "tuple of pairs"],
)
def test_headers_of_normalises_to_a_list_of_pairs(given: Any) -> None:
    assert headers_of(given) == [("Accept", "a"), ("X-N", "1")]
