"""Tests for scim_conformance.checks: the failure layout and the expect_* helpers."""

from __future__ import annotations

import dataclasses
import json
import shlex
import warnings
from typing import Any

import httpx
import pytest

from scim_conformance.checks import rules
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
    Blocked,
    ConformanceFailure,
    Finding,
    advise,
    block,
    fail,
    report,
)
from scim_conformance.checks.rules import Rule
from scim_conformance.checks.sources import Source
from scim_conformance.http.client import ScimResponse
from scim_conformance.http.transcript import Exchange, Redactor
from scim_conformance.severity import Severity

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


# A rule of its own, outside the catalogue, so the rendering tests pin every line.
RULE = Rule(
    "unknown-id-404",
    "A GET of an unknown id answers 404.",
    Severity.RFC,
    (Source("RFC 7644 §3.12", "https://www.rfc-editor.org/rfc/rfc7644#section-3.12"),),
    "Entra logs InvalidAnchor",
)
VERDICT_LINES = 7  # title, expected, actual, rule, one source, Entra, provisioning log


def rule_of(severity: Severity) -> Rule:
    return dataclasses.replace(RULE, severity=severity)


def finding(exchange: Exchange | None = None, severity: Severity = Severity.RFC) -> Finding:
    return Finding(
        rule_of(severity),
        "GET /Users/{id} of an unknown id",
        expected="HTTP 404",
        actual="HTTP 200 (application/scim+json)",
        exchange=exchange,
    )


def test_severity_values() -> None:
    assert [severity.value for severity in Severity] == [
        "entra-breaking",
        "rfc",
        "advisory",
        "webex-clients",  # vendor rules only: only Webex's own clients fail
    ]


def test_render_without_an_exchange_has_the_verdict_lines_with_the_source() -> None:
    assert finding().render().splitlines() == [
        "[rfc] GET /Users/{id} of an unknown id",
        "  expected: HTTP 404",
        "  actual:   HTTP 200 (application/scim+json)",
        "  rule:     unknown-id-404: A GET of an unknown id answers 404.",
        "  source:   RFC 7644 §3.12 <https://www.rfc-editor.org/rfc/rfc7644#section-3.12>",
        "  Entra:    Entra logs InvalidAnchor",
        "  your customers' provisioning logs would show: no documented code; the code of the "
        "app's status where a 404 would give InvalidAnchor (the account is gone)",
    ]


def test_render_with_an_exchange_shows_evidence_and_a_curl_line() -> None:
    response = make_response(200, '{"id":"1"}', method="PATCH", request_body='{"a":1}')
    lines = finding(response.exchange, Severity.ENTRA_BREAKING).render().splitlines()
    assert lines[0] == "[entra-breaking] GET /Users/{id} of an unknown id"
    assert lines[VERDICT_LINES:] == [
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


def test_render_of_a_read_back_shows_the_write_and_replays_it() -> None:
    write = make_response(204, "", None, method="PATCH", request_body='{"Operations":[]}')
    read = make_response(200, '{"active":true}')
    rendered = Finding(
        RULE, "t", "active = false", "active = true", read.exchange, write.exchange
    ).render()
    assert f"  write:    PATCH {BASE}/Users/1 → HTTP 204" in rendered
    assert f"  read:     GET {BASE}/Users/1" in rendered
    assert rendered.endswith("    " + write.exchange.curl())


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
            rule_of(severity),
            "Create user",
            expected="HTTP 201",
            actual="HTTP 500",
            response=response,
        )
    assert info.value.finding == Finding(
        rule_of(severity), "Create user", "HTTP 201", "HTTP 500", response.exchange
    )


def test_fail_without_a_response_has_no_exchange() -> None:
    with pytest.raises(ConformanceFailure) as info:
        fail(RULE, "t", expected="e", actual="a")
    assert info.value.finding.exchange is None
    assert "reproduce" not in str(info.value)


def test_fail_refuses_an_advisory_rule() -> None:
    with pytest.raises(TypeError, match="advisory: use advise"):
        fail(rule_of(Severity.ADVISORY), "t", expected="e", actual="a")


def test_advise_warns_instead_of_raising() -> None:
    response = make_response(200, "{}", "application/json")
    with pytest.warns(AdvisoryFinding) as record:
        advise(
            rule_of(Severity.ADVISORY),
            "Content type",
            expected="application/scim+json",
            actual="application/json",
            response=response,
        )
    assert len(record) == 1
    message = str(record[0].message)
    assert message.startswith("[advisory] Content type")
    assert "  reproduce:" in message
    assert TOKEN not in message
    assert record[0].filename == __file__
    assert issubclass(AdvisoryFinding, UserWarning)


def test_report_fails_or_advises_as_the_rule_says() -> None:
    with pytest.raises(ConformanceFailure):
        report(RULE, "t", expected="e", actual="a")
    with pytest.warns(AdvisoryFinding):
        report(rule_of(Severity.ADVISORY), "t", expected="e", actual="a")


def test_block_stops_the_test_as_blocked_by_the_finding() -> None:
    with pytest.raises(Blocked) as info:
        block(RULE, "Create the user", expected="HTTP 201", actual="HTTP 500")
    assert str(info.value) == "blocked by [unknown-id-404] Create the user"
    assert info.value.finding.rule is RULE


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(200, {200}), (204, {200, 204}), (201, [201]), (404, (404,))],
)
def test_expect_status_passes_for_an_allowed_status(status: int, allowed: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect_status(make_response(status, "{}"), allowed, "t", rule=RULE)


def test_expect_status_fails_with_the_rule_it_is_given() -> None:
    response = make_response(500, "<h1>Internal   error</h1>\n", "text/html")
    with pytest.raises(ConformanceFailure) as info:
        expect_status(response, {204, 200}, "Deactivate user", rule=rules.PATCH_STATUS)
    found = info.value.finding
    assert found.rule is rules.PATCH_STATUS
    assert found.severity is Severity.ENTRA_BREAKING
    assert found.title == "Deactivate user"
    assert found.expected == "HTTP 200 or 204"
    assert found.actual == "HTTP 500 (text/html): <h1>Internal error</h1>"
    assert found.exchange is response.exchange


def test_expect_status_with_an_advisory_rule_warns() -> None:
    with pytest.warns(AdvisoryFinding, match="HTTP 204"):
        expect_status(make_response(200), {204}, "t", rule=rule_of(Severity.ADVISORY))


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
        expect_status(response, {200}, "List users", rule=RULE)
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
    assert found.rule is rules.CONTENT_TYPE_JSON
    assert found.severity is Severity.RFC
    assert found.expected == "Content-Type: application/scim+json"
    assert found.actual == shown


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
    assert found.rule is rules.ERROR_BODY
    assert found.severity is Severity.RFC
    assert found.title == "Unknown id"
    assert actual_fragment in found.actual
    assert found.exchange is response.exchange


def test_expect_json_object_returns_the_body() -> None:
    body = {"id": "1", "userName": "a"}
    assert expect_json_object(json_response(200, body), "t") == body


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
        expect_json_object(response, "Get user")
    assert info.value.finding.rule is rules.JSON_BODY
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
    ("response", "rule"),
    [
        (json_response(404, {"schemas": [ERROR], "status": "404"}), rules.QUERY_LIST_RESPONSE),
        (make_response(200, "[]"), rules.JSON_BODY),
        # No source shows Entra refusing a list without its schema URI: rfc, not breaking.
        (json_response(200, {"totalResults": 0, "Resources": []}), rules.LIST_RESPONSE_SHAPE),
    ],
    ids=["404 instead of an empty list", "array body", "no schemas"],
)
def test_expect_list_response_fails_on_the_rule_it_breaks(
    response: ScimResponse, rule: Rule
) -> None:
    with pytest.raises(ConformanceFailure) as info:
        expect_list_response(response, "Test Connection")
    assert info.value.finding.rule is rule
    assert info.value.finding.severity is rule.severity


def test_expect_list_response_with_application_json_warns_after_passing() -> None:
    with pytest.warns(AdvisoryFinding):
        body = expect_list_response(
            json_response(200, EMPTY_LIST, "application/json"), "Test Connection"
        )
    assert body == EMPTY_LIST
