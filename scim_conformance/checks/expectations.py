"""Expectations on one response: status, JSON body, schema, content type, list, error."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from scim_conformance.checks import rules, schemas
from scim_conformance.checks.failures import fail, report
from scim_conformance.checks.rules import Rule
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
    rule: Rule,
    cause: ScimResponse | None = None,
) -> None:
    """Fail (or advise, for an advisory rule) unless the status is one of `allowed`."""
    if response.status not in allowed:
        wanted = " or ".join(str(code) for code in sorted(allowed))
        report(
            rule,
            title,
            expected=f"HTTP {wanted}",
            actual=describe(response),
            response=response,
            cause=cause,
        )


def expect_json_object(response: ScimResponse, title: str) -> dict[str, Any]:
    """The body as a JSON object, or a json-body failure (Entra cannot parse it)."""
    body = response.json_object
    if body is None:
        fail(
            rules.JSON_BODY,
            title,
            expected="a JSON object body (application/scim+json)",
            actual=describe(response),
            response=response,
        )
    return body


def expect_schema(
    instance: object,
    schema_name: str,
    title: str,
    response: ScimResponse,
    *,
    rule: Rule,
    where: str = "",
) -> None:
    """Fail when `instance` violates the named JSON Schema; name the path and keyword."""
    violations = schemas.validate(instance, schema_name)
    if violations:
        shown = "; ".join(str(v).replace("$", f"${where}", 1) for v in violations[:5])
        more = f" (+{len(violations) - 5} more)" if len(violations) > 5 else ""
        report(
            rule,
            title,
            expected=f"a valid SCIM {schema_name}",
            actual=shown + more,
            response=response,
        )


def created_id(response: ScimResponse) -> str | None:
    """The id of a create the server accepted (a 2xx whose body holds a non-empty string
    id), else None: the one reading of "was it created" for every kind of check."""
    body = response.json_object or {}
    found = body.get("id")
    return found if 200 <= response.status < 300 and isinstance(found, str) and found else None


def expect_created(response: ScimResponse, title: str) -> dict[str, Any]:
    """A create answered 201 with a JSON body; returns the body. A 200 that carries the new
    id is its own, lesser finding (create-201): the resource was created."""
    body = response.json_object
    if response.status == 200 and body is not None and body.get("id"):
        fail(
            rules.CREATE_201,
            "Create answered 200 instead of 201 Created",
            expected="HTTP 201",
            actual=describe(response),
            response=response,
        )
    expect_status(response, {201}, title, rule=rules.CREATE_ACCEPTED)
    return expect_json_object(response, title)


def expect_id(resource: dict[str, Any], title: str, response: ScimResponse) -> str:
    """The resource's id, or a resource-id failure (Entra needs it as the anchor)."""
    found = resource.get("id")
    if not isinstance(found, str) or not found:
        fail(
            rules.RESOURCE_ID,
            title,
            expected='a non-empty string "id"',
            actual=f"id {json.dumps(found)}" if "id" in resource else "no id",
            response=response,
        )
    return found


def expect_content_type(response: ScimResponse) -> None:
    """application/scim+json expected; application/json is advisory (RFC 7644 §8.1)."""
    ctype = response.content_type
    if ctype == "application/scim+json" or not response.text.strip():
        return
    report(
        rules.CONTENT_TYPE_SCIM if ctype == "application/json" else rules.CONTENT_TYPE_JSON,
        "Response Content-Type is not application/scim+json",
        expected="Content-Type: application/scim+json",
        actual=f"Content-Type: {ctype or '(none)'}",
        response=response,
    )


def expect_list_response(response: ScimResponse, title: str) -> dict[str, Any]:
    """A 200 ListResponse envelope (RFC 7644 §3.4.2), validated; returns the body."""
    expect_status(response, {200}, title, rule=rules.QUERY_LIST_RESPONSE)
    body = expect_json_object(response, title)
    expect_schema(body, "ListResponse", title, response, rule=rules.LIST_RESPONSE_SHAPE)
    expect_content_type(response)
    return body


def expect_scim_error(response: ScimResponse, status: int, title: str) -> None:
    """An RFC 7644 §3.12 error body whose `status` is the string form of the HTTP status."""
    body = response.json_object
    if body is None:
        fail(
            rules.ERROR_BODY,
            title,
            expected=f'a SCIM Error JSON body with status "{status}"',
            actual=describe(response),
            response=response,
        )
    expect_schema(body, "Error", title, response, rule=rules.ERROR_BODY)
    if str(body.get("status")) != str(status):
        fail(
            rules.ERROR_BODY,
            title,
            expected=f'"status": "{status}"',
            actual=f'"status": {json.dumps(body.get("status"))}',
            response=response,
        )
