"""Tests for scim_conformance.checks: the failure layout and the expect_* helpers."""

from __future__ import annotations

import json
import shlex
import warnings
from typing import Any

import httpx
import pytest

from scim_conformance.checks.expectations import (
    ERROR,
    LIST_RESPONSE,
    describe,
    expect_content_type,
    expect_json_object,
    expect_list_response,
    expect_scim_error,
    expect_status,
)
from scim_conformance.checks.failures import (
    BODY_EXCERPT,
    AdvisoryFinding,
    ConformanceFailure,
    Finding,
    Severity,
    fail,
)
from scim_conformance.http.client import ScimResponse
from scim_conformance.http.transcript import Exchange, Redactor

TOKEN = "s3cr3t-Checks-TOKEN"
BASE = "https://scim.example.test/scim/v2"
SCIM = "application/scim+json"


def make_response(
    status: int,
    body: str = "",
    content_type: str | None = SCIM,
    method: str = "GET",
    request_body: str | None = None,
) -> ScimResponse:
    headers = [("Content-Type", content_type)] if content_type else []
    exchange = Exchange.record(
        Redactor([TOKEN]),
        method=method,
        url=f"{BASE}/Users/1",
        request_headers=[("Authorization", f"Bearer {TOKEN}"), ("Content-Type", SCIM)],
        request_body=request_body,
        status=status,
        response_headers=headers,
        response_body=body,
        elapsed_ms=5,
    )
    return ScimResponse(status, httpx.Headers(headers), body, exchange)


def json_response(status: int, body: Any, content_type: str | None = SCIM) -> ScimResponse:
    return make_response(status, json.dumps(body), content_type)


def finding(exchange: Exchange | None = None, severity: Severity = Severity.RFC) -> Finding:
    return Finding(
        severity=severity,
        title="GET /Users/{id} of an unknown id",
        expected="HTTP 404",
        actual="HTTP 200 (application/scim+json)",
        rule="RFC 7644 §3.12",
        entra_impact="Entra logs InvalidAnchor",
        exchange=exchange,
    )


def test_severity_values() -> None:
    assert [severity.value for severity in Severity] == ["entra-breaking", "rfc", "advisory"]


def test_render_without_an_exchange_has_the_five_verdict_lines() -> None:
    assert finding().render().splitlines() == [
        "[rfc] GET /Users/{id} of an unknown id",
        "  expected: HTTP 404",
        "  actual:   HTTP 200 (application/scim+json)",
        "  rule:     RFC 7644 §3.12",
        "  Entra:    Entra logs InvalidAnchor",
    ]


def test_render_with_an_exchange_shows_evidence_and_a_curl_line() -> None:
    response = make_response(200, '{"id":"1"}', method="PATCH", request_body='{"a":1}')
    lines = finding(response.exchange, Severity.ENTRA_BREAKING).render().splitlines()
    assert lines[0] == "[entra-breaking] GET /Users/{id} of an unknown id"
    assert lines[5:] == [
        f"  request:  PATCH {BASE}/Users/1",
        "  response: HTTP 200 (application/scim+json)",
        "    {",
        '      "id": "1"',
        "    }",
        "  reproduce:",
        "    " + response.exchange.curl(),
    ]
    argv = shlex.split(lines[-1])
    assert argv[:5] == ["curl", "-sS", "-X", "PATCH", f"{BASE}/Users/1"]
    assert "Authorization: Bearer [REDACTED]" in argv
    assert argv[-2:] == ["--data-raw", '{"a":1}']


@pytest.mark.parametrize("severity", list(Severity))
def test_render_names_the_severity_tag(severity: Severity) -> None:
    assert finding(severity=severity).render().startswith(f"[{severity.value}] ")


def test_render_of_a_response_without_content_type_says_so() -> None:
    rendered = finding(make_response(500, "", content_type=None).exchange).render()
    assert "  response: HTTP 500 (no content type)" in rendered


def test_render_of_a_transport_failure_says_there_was_no_response() -> None:
    exchange = Exchange.record(
        Redactor([TOKEN]),
        method="GET",
        url=f"{BASE}/Users",
        request_headers=[("Authorization", f"Bearer {TOKEN}")],
        request_body=None,
        error="could not connect (refused)",
    )
    rendered = finding(exchange).render()
    assert "  response: none (could not connect (refused))" in rendered
    assert "  reproduce:" in rendered


def test_render_cuts_a_long_body_to_the_excerpt() -> None:
    body = "x" * (BODY_EXCERPT + 500)
    rendered = finding(make_response(500, body, "text/plain").exchange).render()
    assert "x" * BODY_EXCERPT in rendered
    assert "x" * (BODY_EXCERPT + 1) not in rendered
    assert "(500 more characters)" in rendered


def test_render_never_contains_the_token() -> None:
    response = make_response(
        401,
        json.dumps({"detail": f"token {TOKEN} is not valid"}),
        method="POST",
        request_body=json.dumps({"externalId": TOKEN}),
    )
    rendered = finding(response.exchange).render()
    assert TOKEN not in rendered
    assert "Bearer [REDACTED]" in rendered
    assert "token [REDACTED] is not valid" in rendered


def test_conformance_failure_carries_the_finding() -> None:
    found = finding(make_response(200, "{}").exchange)
    failure = ConformanceFailure(found)
    assert isinstance(failure, AssertionError)
    assert failure.finding is found
    assert str(failure) == found.render()


@pytest.mark.parametrize("severity", [Severity.ENTRA_BREAKING, Severity.RFC])
def test_fail_raises_for_blocking_severities(severity: Severity) -> None:
    response = make_response(500, "oops", "text/plain")
    with pytest.raises(ConformanceFailure) as info:
        fail(
            severity,
            "Create user",
            expected="HTTP 201",
            actual="HTTP 500",
            rule="RFC 7644 §3.3",
            entra="Entra retries",
            response=response,
        )
    assert info.value.finding == Finding(
        severity=severity,
        title="Create user",
        expected="HTTP 201",
        actual="HTTP 500",
        rule="RFC 7644 §3.3",
        entra_impact="Entra retries",
        exchange=response.exchange,
    )


def test_fail_without_a_response_has_no_exchange() -> None:
    with pytest.raises(ConformanceFailure) as info:
        fail(Severity.RFC, "t", expected="e", actual="a", rule="r", entra="x")
    assert info.value.finding.exchange is None
    assert "reproduce" not in str(info.value)


def test_fail_with_advisory_warns_instead_of_raising() -> None:
    response = make_response(200, "{}", "application/json")
    with pytest.warns(AdvisoryFinding) as record:
        fail(
            Severity.ADVISORY,
            "Content type",
            expected="application/scim+json",
            actual="application/json",
            rule="RFC 7644 §3.1",
            entra="validator warning",
            response=response,
        )
    assert len(record) == 1
    message = str(record[0].message)
    assert message.startswith("[advisory] Content type")
    assert "  reproduce:" in message
    assert TOKEN not in message
    assert record[0].filename == __file__
    assert issubclass(AdvisoryFinding, UserWarning)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(200, {200}), (204, {200, 204}), (201, [201]), (404, (404,))],
)
def test_expect_status_passes_for_an_allowed_status(status: int, allowed: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect_status(make_response(status, "{}"), allowed, "t", rule="r", entra="e")


def test_expect_status_fails_as_entra_breaking_by_default() -> None:
    response = make_response(500, "<h1>Internal   error</h1>\n", "text/html")
    with pytest.raises(ConformanceFailure) as info:
        expect_status(response, {204, 200}, "Deactivate user", rule="RFC", entra="Entra retries")
    found = info.value.finding
    assert found.severity is Severity.ENTRA_BREAKING
    assert found.title == "Deactivate user"
    assert found.expected == "HTTP 200 or 204"
    assert found.actual == "HTTP 500 (text/html): <h1>Internal error</h1>"
    assert found.rule == "RFC"
    assert found.entra_impact == "Entra retries"
    assert found.exchange is response.exchange


def test_expect_status_uses_the_given_severity() -> None:
    with pytest.raises(ConformanceFailure) as info:
        expect_status(make_response(200), {204}, "t", rule="r", entra="e", severity=Severity.RFC)
    assert info.value.finding.severity is Severity.RFC


def test_expect_status_with_advisory_severity_warns() -> None:
    with pytest.warns(AdvisoryFinding, match="HTTP 204"):
        expect_status(
            make_response(200), {204}, "t", rule="r", entra="e", severity=Severity.ADVISORY
        )


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (make_response(204, "", None), "HTTP 204 (no content type), empty body"),
        (make_response(404, "  \n ", SCIM), "HTTP 404 (application/scim+json), empty body"),
        (
            make_response(400, '{"detail":\n  "bad"}', "application/scim+json; charset=utf-8"),
            'HTTP 400 (application/scim+json): {"detail": "bad"}',
        ),
        (make_response(500, "y" * 500, "text/plain"), "HTTP 500 (text/plain): " + "y" * 160),
    ],
    ids=["no body", "blank body", "whitespace collapsed", "long body cut"],
)
def test_describe(response: ScimResponse, expected: str) -> None:
    assert describe(response) == expected


def test_failure_message_does_not_echo_a_token_from_the_response_body() -> None:
    response = make_response(401, json.dumps({"detail": f"token {TOKEN} expired"}))
    with pytest.raises(ConformanceFailure) as info:
        expect_status(response, {200}, "List users", rule="r", entra="e")
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (SCIM, "{}"),
        ("application/scim+json; charset=utf-8", "{}"),
        ("Application/SCIM+JSON", "{}"),
        ("text/html", ""),
        (None, ""),
        ("application/json", "  "),
    ],
    ids=["scim json", "with charset", "upper case", "html empty", "none empty", "json blank"],
)
def test_expect_content_type_accepts_scim_json_and_empty_bodies(
    content_type: str | None, body: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect_content_type(make_response(200, body, content_type))


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"]
)
def test_expect_content_type_warns_for_application_json(content_type: str) -> None:
    with pytest.warns(AdvisoryFinding) as record:
        expect_content_type(make_response(200, "{}", content_type))
    message = str(record[0].message)
    assert message.startswith("[advisory] Response Content-Type is not application/scim+json")
    assert "  actual:   Content-Type: application/json" in message


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("text/html", "Content-Type: text/html"),
        ("text/plain; charset=utf-8", "Content-Type: text/plain"),
        (None, "Content-Type: (none)"),
    ],
)
def test_expect_content_type_fails_as_rfc_for_other_media_types(
    content_type: str | None, shown: str
) -> None:
    with pytest.raises(ConformanceFailure) as info:
        expect_content_type(make_response(200, "<html></html>", content_type))
    found = info.value.finding
    assert found.severity is Severity.RFC
    assert found.expected == "Content-Type: application/scim+json"
    assert found.actual == shown
    assert "RFC 7644 §3.1" in found.rule


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": [ERROR], "status": "404"},
        {"schemas": [ERROR], "status": "404", "detail": "Resource 1 not found"},
        {"schemas": [ERROR], "status": "404", "scimType": None, "detail": None},
    ],
)
def test_expect_scim_error_accepts_a_string_status(body: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect_scim_error(json_response(404, body), 404, "Unknown id")


@pytest.mark.parametrize(
    ("response", "actual_fragment"),
    [
        (json_response(404, {"schemas": [ERROR], "status": 404}), "status"),
        (json_response(404, {"status": "404"}), "schemas"),
        (json_response(404, {"schemas": [ERROR], "status": "500"}), '"status": "500"'),
        (make_response(404, "Not Found", "text/plain"), "HTTP 404 (text/plain): Not Found"),
        (make_response(404, "", None), "empty body"),
        (json_response(404, [{"status": "404"}]), "HTTP 404"),
    ],
    ids=["int status", "no schemas", "wrong status", "text body", "empty body", "json array"],
)
def test_expect_scim_error_fails_as_rfc(response: ScimResponse, actual_fragment: str) -> None:
    with pytest.raises(ConformanceFailure) as info:
        expect_scim_error(response, 404, "Unknown id")
    found = info.value.finding
    assert found.severity is Severity.RFC
    assert found.title == "Unknown id"
    assert "RFC 7644 §3.12" in found.rule
    assert actual_fragment in found.actual
    assert found.exchange is response.exchange


def test_expect_json_object_returns_the_body() -> None:
    body = {"id": "1", "userName": "a"}
    assert expect_json_object(json_response(200, body), "t", rule="r", entra="e") == body


@pytest.mark.parametrize(
    "response",
    [
        json_response(200, ["not", "an", "object"]),
        make_response(200, "<html></html>", "text/html"),
        make_response(200, ""),
    ],
    ids=["array", "html", "empty"],
)
def test_expect_json_object_fails_as_entra_breaking(response: ScimResponse) -> None:
    with pytest.raises(ConformanceFailure) as info:
        expect_json_object(response, "Get user", rule="r", entra="e")
    assert info.value.finding.severity is Severity.ENTRA_BREAKING
    assert info.value.finding.expected == "a JSON object body (application/scim+json)"


EMPTY_LIST = {
    "schemas": [LIST_RESPONSE],
    "totalResults": 0,
    "Resources": [],
    "startIndex": 1,
    "itemsPerPage": 0,
}


def test_expect_list_response_returns_a_valid_envelope() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert expect_list_response(json_response(200, EMPTY_LIST), "Test Connection") == (
            EMPTY_LIST
        )


@pytest.mark.parametrize(
    "response",
    [
        json_response(404, {"schemas": [ERROR], "status": "404"}),
        make_response(200, "[]"),
        json_response(200, {"totalResults": 0, "Resources": []}),
    ],
    ids=["404 instead of an empty list", "array body", "no schemas"],
)
def test_expect_list_response_fails_as_entra_breaking(response: ScimResponse) -> None:
    with pytest.raises(ConformanceFailure) as info:
        expect_list_response(response, "Test Connection")
    assert info.value.finding.severity is Severity.ENTRA_BREAKING
    assert "ListResponse" in info.value.finding.rule


def test_expect_list_response_with_application_json_warns_after_passing() -> None:
    with pytest.warns(AdvisoryFinding):
        body = expect_list_response(
            json_response(200, EMPTY_LIST, "application/json"), "Test Connection"
        )
    assert body == EMPTY_LIST
