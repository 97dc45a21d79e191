"""Preflight: before any test, find out whether the target can be tested at all.

A run that cannot start is one line that says why, not forty failures blaming the server for
something else: the host cannot be reached, the token is refused, or no SCIM service answers
at the URL.
"""

from __future__ import annotations

import dataclasses
import uuid

from scim_conformance.config import Settings
from scim_conformance.endpoints import EndpointRules, discovered
from scim_conformance.entra import user_query
from scim_conformance.http.client import ClientOptions, ScimClient, ScimResponse, TransportFailure

# A preflight that hangs for Entra's full 60 s on a dead host helps nobody.
PROBE_TIMEOUT = 15.0
EXCERPT_CHARACTERS = 80
# Asked only when the first probe got no SCIM answer: a SCIM service whose filter breaks (an
# HTML 500, or a 404 for a filter that matches nothing) still answers these, and its broken
# filter is then the suite's to report.
_FALLBACK_PATHS = ("/Users", "/ServiceProviderConfig")
_TEST_CONNECTION = 'GET /Users?filter=userName eq "<random GUID>"'


class PreflightError(Exception):
    """The target cannot be tested; the message is the one-line usage error."""


def diagnose(settings: Settings) -> EndpointRules:
    """Send Entra's Test Connection request; raise PreflightError when the answer shows the
    run cannot start. Returns the endpoint's rules, decided: for --scim-endpoint=auto and a
    tenant URL of neither Webex form, by one GET /Schemas."""
    options = ClientOptions.of(settings)
    client = ScimClient(dataclasses.replace(options, timeout=min(options.timeout, PROBE_TIMEOUT)))
    try:
        first = _get(client, "/Users", user_query("userName", str(uuid.uuid4())))
        if first.status in (401, 403):
            raise PreflightError(
                f"{settings.base_url} refused the token: HTTP {first.status} to Entra's Test "
                f"Connection request ({_TEST_CONNECTION}); check --token / SCIM_CONFORMANCE_TOKEN"
            )
        if _serves_scim(first) or any(_serves_scim(_get(client, p)) for p in _FALLBACK_PATHS):
            return _decide_endpoint(client, settings)
        raise PreflightError(
            f"no SCIM service at {settings.base_url}: {_TEST_CONNECTION} answered "
            f"{_describe(first)}; is this the SCIM base URL (Entra's Tenant URL)?"
        )
    finally:
        client.close()


def _decide_endpoint(client: ScimClient, settings: Settings) -> EndpointRules:
    """The endpoint's rules, asking discovery only when the tenant URL did not decide them."""
    if settings.endpoint.decided:
        return settings.endpoint
    body = _get(client, "/Schemas").json  # any answer will do: no schema list is generic
    return discovered(settings.endpoint, body)


def _get(client: ScimClient, path: str, params: dict[str, str] | None = None) -> ScimResponse:
    try:
        return client.get(path, params, note="preflight")
    except TransportFailure as exc:
        reason = exc.exchange.error or str(exc)
        raise PreflightError(f"cannot reach {client.base_url}: {reason}") from None


def _serves_scim(response: ScimResponse) -> bool:
    """A JSON answer of any status but 404: something that speaks SCIM's format is there (a
    body that says it is JSON but does not parse is a defect for the suite to report). A
    JSON 404 to every probe is a SCIM host with a wrong path (another org id, say)."""
    is_json = "json" in response.content_type or response.json is not None
    return is_json and response.status != 404


def _describe(response: ScimResponse) -> str:
    """Status, content type and the start of the body, redacted, on one line."""
    content_type = response.content_type or "no content type"
    described = f"HTTP {response.status} ({content_type})"
    # The recorded exchange is redacted: a server echoing the token cannot put it here.
    headers = {name.lower(): value for name, value in response.exchange.response_headers}
    if 300 <= response.status < 400 and headers.get("location"):
        described += f" redirecting to {headers['location']}"
    body = " ".join((response.exchange.response_body or "").split())
    if body:
        cut = "…" if len(body) > EXCERPT_CHARACTERS else ""
        described += f": {body[:EXCERPT_CHARACTERS]!r}{cut}"
    else:
        described += " with an empty body"
    return described
