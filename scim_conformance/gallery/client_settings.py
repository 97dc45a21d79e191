"""The run's OAuth client: which credentials the options give, and the token they get.

With --scim-token-endpoint the run's bearer token is the one the endpoint issues to the client
(--scim-client-id, and the secret from SCIM_CONFORMANCE_CLIENT_SECRET: a secret on a command
line shows in process listings and shell history, one in an ini file is checked in). The
bundled reference server always offers the grant; `--scim-reference --scim-gallery` uses it, so
the gallery view's Validate_Credentials_Test runs as Microsoft's does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from scim_conformance.config import Settings
from scim_conformance.gallery import oauth

CLIENT_SECRET_ENV = "SCIM_CONFORMANCE_CLIENT_SECRET"


def oauth_client(
    endpoint: str | None, client_id: str | None, env: Mapping[str, str]
) -> tuple[str, str, str] | None:
    """(endpoint, client id, secret) when a token endpoint is given; ValueError when it is
    given without the client's id or secret, or they are given without it."""
    secret = env.get(CLIENT_SECRET_ENV, "")
    if endpoint is None:
        if client_id is not None:
            raise ValueError("--scim-client-id given without --scim-token-endpoint")
        return None
    if client_id is None:
        raise ValueError(
            "--scim-token-endpoint needs --scim-client-id (or SCIM_CONFORMANCE_CLIENT_ID)"
        )
    if not secret:
        raise ValueError(
            f"--scim-token-endpoint needs the client secret in {CLIENT_SECRET_ENV} "
            "(environment only: never on the command line or in an ini file)"
        )
    return endpoint, client_id, secret


def oauth_client_fields(client: tuple[str, str, str] | None) -> dict[str, Any]:
    """The Settings fields of the OAuth client (none without one)."""
    if client is None:
        return {}
    endpoint, client_id, secret = client
    return {"token_endpoint": endpoint, "client_id": client_id, "client_secret": secret}


def client_credentials(settings: Settings, *, reference: bool) -> Settings:
    """The settings with the token the run uses: the client-credentials grant's when a token
    endpoint is given (or, with --scim-gallery, the bundled server's), else unchanged."""
    if reference and settings.gallery and settings.token_endpoint is None:
        # The reference server's client: its secret is the bearer token it was started with.
        settings = dataclasses.replace(
            settings,
            token_endpoint=oauth.reference_token_endpoint(settings.base_url),
            client_id=oauth.REFERENCE_CLIENT_ID,
            client_secret=settings.token,
        )
    if settings.token_endpoint is None:
        return settings
    return oauth.with_client_credentials(settings)
