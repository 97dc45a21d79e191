"""Endpoint rules: which documented API the endpoint must follow, apart from what Entra sends.

`--scim-profile` says which attributes Entra's provisioning job sends (the app's mapping);
`--scim-endpoint` says which rules the endpoint is held to: `generic` (SCIM 2.0 and Entra's
requirements) or `webex` (those and the rules of Webex's documented SCIM API, the `webex-*`
rules of the catalogue). `auto`, the default, picks Webex's rules when the target is
recognisably Webex-style:

* the tenant URL has Webex's current form `/identity/scim/{orgId}/v2` (Webex for
  Developers: SCIM 2 overview) or the `/v1/scim/{orgId}` form Microsoft's Cisco Webex
  provisioning tutorial gives admins as the Tenant URL (no request needed); or
* one GET /Schemas, sent by the preflight on the controller, lists the Cisco user extension
  `urn:scim:schemas:extension:cisco:webexidentity:2.0:User` (as an RFC 7643 §7 list, or in
  Webex's URN-keyed form of /Schemas/SCIM2/User).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

AUTO, GENERIC, WEBEX = "auto", "generic", "webex"
CHOICES = (AUTO, GENERIC, WEBEX)
CISCO_USER = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"

# Path forms, orgId being one path segment (Webex's raw organisation UUID).
_CURRENT = re.compile(r"/identity/scim/[^/]+/v2/?")
_TUTORIAL = re.compile(r"/v1/scim/[^/]+/?")
CURRENT_FORM = "the tenant URL has Webex's /identity/scim/{orgId}/v2 form"
TUTORIAL_FORM = "the tenant URL has the /v1/scim/{orgId} form of Microsoft's Cisco Webex tutorial"
DISCOVERED = f"GET /Schemas lists the Cisco user extension {CISCO_USER}"
NOT_WEBEX_URL = "the tenant URL has neither of Webex's forms"
NOT_DISCOVERED = f"{NOT_WEBEX_URL} and GET /Schemas does not list the Cisco user extension"
NOT_ASKED = f"{NOT_WEBEX_URL} (discovery not asked: --collect-only)"


@dataclass(frozen=True)
class EndpointRules:
    """The rules chosen for the endpoint, and why (shown in the header and results.json)."""

    name: str  # generic or webex
    reason: str
    option: str = AUTO  # what --scim-endpoint said
    decided: bool = True  # False: auto, and only discovery can still pick webex

    def line(self) -> str:
        """`Endpoint rules: webex (the tenant URL has ...)`, as the terminal header shows it."""
        return f"Endpoint rules: {self.name} ({self.reason})"


GIVEN_GENERIC = EndpointRules(GENERIC, "--scim-endpoint=generic was given", GENERIC)


def choose(option: str, url: str, source: str = "command line") -> EndpointRules:
    """The rules from the option and the tenant URL alone (never a request)."""
    if option != AUTO:
        given = f"--scim-endpoint={option}" if source == "command line" else f"{source}={option}"
        return EndpointRules(option, f"{given} was given", option)
    path = urlsplit(url).path
    if _CURRENT.fullmatch(path):
        return EndpointRules(WEBEX, CURRENT_FORM)
    if _TUTORIAL.fullmatch(path):
        return EndpointRules(WEBEX, TUTORIAL_FORM)
    return EndpointRules(GENERIC, NOT_ASKED, decided=False)


def discovered(rules: EndpointRules, body: Any) -> EndpointRules:
    """The rules once GET /Schemas answered with `body` (None: no JSON answer)."""
    if rules.decided:
        return rules
    if CISCO_USER in schema_ids(body):
        return EndpointRules(WEBEX, DISCOVERED)
    return EndpointRules(GENERIC, NOT_DISCOVERED)


def schema_ids(body: Any) -> set[str]:
    """The schema URNs a /Schemas answer lists: an RFC ListResponse of schemas, or Webex's
    object keyed by schema URN."""
    if not isinstance(body, dict):
        return set()
    resources = body.get("Resources")
    if isinstance(resources, list):
        return {str(r.get("id")) for r in resources if isinstance(r, dict)}
    return {key for key in body if key.lower().startswith("urn:")}
