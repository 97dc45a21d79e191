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

    @property
    def order(self) -> int:
        """Where reports list it: worst first, webex-clients between rfc and advisory."""
        return _RANKS[self][0]

    def fails(self, gate: Severity) -> bool:
        """Whether a finding of this severity fails a gate set at `gate` (--scim-fail-on):
        a Webex rule only Webex's own clients depend on fails it where an rfc one does."""
        return _RANKS[self][1] <= _RANKS[gate][1]

    @property
    def marker(self) -> str:
        """The pytest marker of tests whose main check has this severity (`-m rfc`)."""
        return self.value.replace("-", "_")


# The one table of ranks: (report order, gate level); lower is worse.
_RANKS = {
    Severity.ENTRA_BREAKING: (0, 0),
    Severity.RFC: (1, 1),
    Severity.WEBEX_CLIENTS: (2, 1),
    Severity.ADVISORY: (3, 2),
}
# The severities counted on each axis of the verdict, worst first: generic rules, and
# vendor (Webex) rules. The gate (--scim-fail-on) is set at one of the generic ones.
ENDPOINT_AXIS = (Severity.ENTRA_BREAKING, Severity.RFC, Severity.ADVISORY)
VENDOR_AXIS = (Severity.ENTRA_BREAKING, Severity.WEBEX_CLIENTS, Severity.ADVISORY)
GATES = ENDPOINT_AXIS


def gate_of(value: Severity | str, *, strict: bool = False) -> Severity:
    """The gate as a Severity, whether it arrives as one or as its text; --scim-strict
    sets it at advisory (the one place the two options are folded together)."""
    return Severity.ADVISORY if strict else Severity(value)
