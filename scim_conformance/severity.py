"""How much breaking a rule matters: the one severity type, used from the rule catalogue to
the gate (`--scim-fail-on`) and every writer of the verdict."""

from __future__ import annotations

import enum


class Severity(str, enum.Enum):
    """How much breaking a rule matters to Entra (docs/design.md, severity by evidence)."""

    ENTRA_BREAKING = "entra-breaking"  # provisioning fails, loops, quarantines or loses data
    RFC = "rfc"  # an RFC MUST is violated; Entra tolerates it (or no source shows otherwise)
    ADVISORY = "advisory"  # SHOULD-level or thin evidence; fails only with --scim-strict
    # Vendor rules only: a rule of Webex's documented API that Entra's Cisco Webex app does
    # not depend on, so only Webex's own clients fail. It gates like rfc, yet is no RFC
    # deviation: it is counted on the "Webex rules" axis of the verdict.
    WEBEX_CLIENTS = "webex-clients"

    def __str__(self) -> str:
        # The value, on every Python: 3.11 formats a str-mixin enum as "Severity.RFC".
        return str(self.value)
