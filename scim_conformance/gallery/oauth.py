"""The OAuth 2.0 client-credentials grant (RFC 6749 §4.4) Microsoft's gallery requires of new
SCIM apps (gallery checklist 2.2.1: "Only OAuth 2.0 Client Credentials flow is accepted"),
and the access-token lifetime it requires: 60 to 360 minutes (checklist 2.2.6;
Validate_Credentials_Test).

The grant is requested once, when the run starts, outside the SCIM client: its request
carries the client secret and its answer the access token, so it is never recorded in a
transcript. Errors name the status and the OAuth error code only, never the secret or a
token. https://github.com/AzureAD/SCIMReferenceCode/blob/master/Entra-AppGallery-AI-Validation-Checklist.md
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from scim_conformance.config import Settings

MIN_LIFETIME_S = 60 * 60  # gallery checklist 2.2.6: at least 60 minutes
MAX_LIFETIME_S = 6 * 60 * 60  # ... and no more than 6 hours
REFERENCE_TOKEN_PATH = "/oauth/token"  # the bundled reference server's token endpoint
REFERENCE_CLIENT_ID = "scim-conformance"  # its client id; its client secret is its token


class OAuthError(ValueError):
    """The token endpoint gave no access token; the message holds no secret."""


@dataclass(frozen=True)
class Grant:
    """An access token and what the token endpoint said of it (RFC 6749 §5.1)."""

    access_token: str = field(repr=False)  # never in a repr
    token_type: str
    expires_in: int | None  # seconds; None when the endpoint did not say


def request_token(
    endpoint: str, client_id: str, secret: str, *, timeout: float, verify: bool | str = True
) -> Grant:
    """POST grant_type=client_credentials with the client's id and secret in the form body
    (RFC 6749 §2.3.1), as Entra's provisioning service sends it."""
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    try:
        with httpx.Client(timeout=timeout, verify=verify, follow_redirects=False) as client:
            response = client.post(endpoint, data=form, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        # The transport's own words can name the URL, never the form: still, say only the kind.
        raise OAuthError(f"no answer from the token endpoint ({type(exc).__name__})") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    if not response.is_success or not isinstance(body.get("access_token"), str):
        code = body.get("error") if isinstance(body.get("error"), str) else None
        said = f" ({code})" if code and secret not in code else ""
        what = "answered" if response.is_success else "refused the client"
        raise OAuthError(
            f"the token endpoint {what}: HTTP {response.status_code}{said}"
            + ("" if not response.is_success else ", without an access_token")
        )
    expires = body.get("expires_in")
    lifetime = int(float(str(expires))) if _number(expires) else None
    return Grant(body["access_token"], str(body.get("token_type", "")), lifetime)


def _number(value: object) -> bool:
    """expires_in as a number or a numeric string (some endpoints quote it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return False
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def lifetime_problem(expires_in: int | None) -> str | None:
    """Why a token's lifetime is outside Microsoft's 60-360 minutes, or None."""
    if expires_in is None:
        return "the token endpoint did not say how long the token is valid (no expires_in)"
    if not MIN_LIFETIME_S <= expires_in <= MAX_LIFETIME_S:
        return f"expires_in {expires_in} s ({expires_in / 60:g} minutes)"
    return None


def reference_token_endpoint(base_url: str) -> str:
    """The bundled reference server's token endpoint, at the root of its SCIM base URL."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}{REFERENCE_TOKEN_PATH}"


def with_client_credentials(settings: Settings) -> Settings:
    """The settings with the access token the run uses, acquired from their token endpoint."""
    assert settings.token_endpoint is not None
    assert settings.client_id is not None
    grant = request_token(
        settings.token_endpoint,
        settings.client_id,
        settings.client_secret,
        timeout=settings.timeout,
        verify=settings.tls_verify,
    )
    return dataclasses.replace(
        settings,
        token=grant.access_token,
        token_lifetime=grant.expires_in,
        token_type=grant.token_type,
    )
