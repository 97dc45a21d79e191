"""Expectations on one response: status, JSON body, schema, content type, list, error."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from scim_conformance.checks import schemas
from scim_conformance.checks.failures import Severity, fail
from scim_conformance.http.client import ScimResponse

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def describe(response: ScimResponse) -> str:
    """`HTTP 404 text/html` plus a short excerpt of the body."""
    # The recorded body is redacted; the raw text could echo the token back.
    excerpt = " ".join((response.exchange.response_body or "").split())[:160]
    ctype = response.content_type or "no content type"
    return f"HTTP {response.status} ({ctype})" + (f": {excerpt}" if excerpt else ", empty body")


def expect_status(
    response: ScimResponse,
    allowed: Collection[int],
    title: str,
    *,
    rule: str,
    entra: str,
    severity: Severity = Severity.ENTRA_BREAKING,
) -> None:
    """Fail unless the status is one of `allowed`."""
    if response.status not in allowed:
        wanted = " or ".join(str(code) for code in sorted(allowed))
        fail(
            severity,
            title,
            expected=f"HTTP {wanted}",
            actual=describe(response),
            rule=rule,
            entra=entra,
            response=response,
        )


def expect_json_object(
    response: ScimResponse, title: str, *, rule: str, entra: str
) -> dict[str, Any]:
    """The body as a JSON object, or an entra-breaking failure (Entra cannot parse it)."""
    body = response.json_object
    if body is None:
        fail(
            Severity.ENTRA_BREAKING,
            title,
            expected="a JSON object body (application/scim+json)",
            actual=describe(response),
            rule=rule,
            entra=entra,
            response=response,
        )
        raise AssertionError("unreachable")  # pragma: no cover - fail() raised
    return body


def expect_schema(
    instance: object,
    schema_name: str,
    title: str,
    response: ScimResponse,
    *,
    rule: str,
    entra: str,
    severity: Severity = Severity.RFC,
    where: str = "",
) -> None:
    """Fail when `instance` violates the named JSON Schema; name the path and keyword."""
    violations = schemas.validate(instance, schema_name)
    if violations:
        shown = "; ".join(str(v).replace("$", f"${where}", 1) for v in violations[:5])
        more = f" (+{len(violations) - 5} more)" if len(violations) > 5 else ""
        fail(
            severity,
            title,
            expected=f"a valid SCIM {schema_name}",
            actual=shown + more,
            rule=rule,
            entra=entra,
            response=response,
        )


def expect_content_type(response: ScimResponse) -> None:
    """application/scim+json expected; application/json is advisory (RFC 7644 §3.1 SHOULD)."""
    ctype = response.content_type
    if ctype == "application/scim+json" or not response.text.strip():
        return
    severity = Severity.ADVISORY if ctype == "application/json" else Severity.RFC
    fail(
        severity,
        "Response Content-Type is not application/scim+json",
        expected="Content-Type: application/scim+json",
        actual=f"Content-Type: {ctype or '(none)'}",
        rule="RFC 7644 §3.1 and §8.1; Entra tutorial [S1] ('The header for all the responses')",
        entra="Microsoft's SCIM Validator flags application/json as a warning [S14]; "
        "other media types may not be parsed",
        response=response,
    )


def expect_list_response(response: ScimResponse, title: str) -> dict[str, Any]:
    """A 200 ListResponse envelope (RFC 7644 §3.4.2), validated; returns the body."""
    rule = (
        "RFC 7644 §3.4.2; Entra tutorial [S1]: 'A filter/query response is always a ListResponse'"
    )
    entra = (
        "Entra cannot read the query result and logs "
        "SystemForCrossDomainIdentityManagementServiceIncompatible"
    )
    expect_status(response, {200}, title, rule=rule, entra=entra)
    body = expect_json_object(response, title, rule=rule, entra=entra)
    expect_schema(
        body,
        "ListResponse",
        title,
        response,
        rule=rule,
        entra=entra,
        severity=Severity.ENTRA_BREAKING,
    )
    expect_content_type(response)
    return body


def expect_scim_error(response: ScimResponse, status: int, title: str) -> None:
    """An RFC 7644 §3.12 error body whose `status` is the string form of the HTTP status."""
    rule = "RFC 7644 §3.12: errors carry the Error schema and 'status' as a string"
    entra = "Entra logs the failure without a readable reason [S9]"
    body = response.json_object
    if body is None:
        fail(
            Severity.RFC,
            title,
            expected=f'a SCIM Error JSON body with status "{status}"',
            actual=describe(response),
            rule=rule,
            entra=entra,
            response=response,
        )
        return
    expect_schema(body, "Error", title, response, rule=rule, entra=entra)
    if str(body.get("status")) != str(status):
        fail(
            Severity.RFC,
            title,
            expected=f'"status": "{status}"',
            actual=f'"status": {json.dumps(body.get("status"))}',
            rule=rule,
            entra=entra,
            response=response,
        )
