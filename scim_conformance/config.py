"""The run's configuration as plain values: the frozen Settings, Entra's dialects, the gate.

The bottom of the package: no pytest, nothing of `plugin/`. `plugin/settings.py` resolves the
options into one Settings when the session starts; everything below the plugin (http/,
checks/, properties/, reporting/) takes these values, never the plugin's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scim_conformance.endpoints import GIVEN_GENERIC, EndpointRules
from scim_conformance.profiles import ENTRA_DEFAULT, Profile
from scim_conformance.severity import Severity

# Entra's two PATCH dialects; the second is named after the feature flag a tenant URL carries
# to get it (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/known-issues).
LEGACY = "legacy"
FLAG_QUERY = "aadOptscim062020"
DIALECTS = (LEGACY, FLAG_QUERY)
# Entra's budget per request, as a Microsoft engineer states it on Microsoft Q&A:
# https://learn.microsoft.com/en-us/answers/questions/1151866
DEFAULT_TIMEOUT = 60.0
DEFAULT_EXAMPLES = 10  # small: a certification run on a live tenant stays cheap
# Generated Entra cycles per dialect (suite/test_cycles.py), after a fixed tour of every
# kind of step; each takes up to 12 Entra actions on at most 5 users and 2 groups. Small,
# because the default run against the reference server must stay fast on 2 cores
# (benchmarks/cycles_speed.py measures what the cycles cost).
DEFAULT_CYCLES = 2
# Independent requests in flight at once (http/together.py): the creates of a cycle's initial
# directory, a group's member users, cleanup's deletes. Entra provisions many objects at
# once too; small, so a tenant sees no burst beyond --scim-rate and the pacer's ceiling.
DEFAULT_CONCURRENCY = 4
DEFAULT_LOAD_RATE = 25.0  # requests per second: Microsoft's gallery requirement
DEFAULT_LOAD_DURATION = 10.0  # seconds
DEFAULT_GATE = Severity.RFC  # --scim-fail-on: every finding that fails a test fails the run


@dataclass(frozen=True)
class Settings:
    """Everything a conformance run needs to know: its target and every option's value."""

    # The target.
    base_url: str
    token: str
    timeout: float
    dialects: tuple[str, ...]
    run_prefix: str
    user_domain: str
    reference: bool = False  # the bundled reference server (--scim-reference)
    profile: Profile = ENTRA_DEFAULT  # what Entra sends (--scim-profile)
    # The rules the endpoint is held to (--scim-endpoint), and why they were chosen.
    endpoint: EndpointRules = GIVEN_GENERIC
    # Verdicts.
    strict: bool = False
    gallery: bool = False
    fail_on: Severity = DEFAULT_GATE  # the gate: the least severity that fails the run
    # HTTP.
    max_retry_wait: float = 60.0
    rate: float | None = None
    concurrency: int = DEFAULT_CONCURRENCY  # independent requests at once (--scim-concurrency)
    tls_verify: bool | str = True  # False with --scim-insecure, a CA file with --scim-ca-bundle
    # Outputs.
    json_path: Path | None = None
    baseline_path: Path | None = None
    baseline_strict: bool = False
    write_baseline_path: Path | None = None
    # Resources.
    keep: bool = False
    sweep: bool = False
    yes: bool = False
    # The load check and the property-based checks.
    load: bool = False
    load_rate: float = DEFAULT_LOAD_RATE
    load_duration: float = DEFAULT_LOAD_DURATION
    examples: int = DEFAULT_EXAMPLES
    seed: str | None = None
    cycles: int = DEFAULT_CYCLES  # Entra cycles per dialect (--scim-cycles)
    # Where the target came from: "command line", an environment variable, an ini option
    # (announced in the header when it is not the command line), "controller" on a worker.
    target_source: str = "command line"
    notices: tuple[str, ...] = ()  # one-line notices for the header (deprecated names)
    # OAuth 2.0 client credentials (--scim-token-endpoint, --scim-client-id and the secret
    # from SCIM_CONFORMANCE_CLIENT_SECRET only): the run's token is then the one the endpoint
    # issued.
    token_endpoint: str | None = None
    client_id: str | None = None
    client_secret: str = ""
    token_lifetime: int | None = None  # expires_in of the issued token, in seconds
    token_type: str | None = None  # token_type of the issued token

    def __repr__(self) -> str:
        # Never let the token reach a repr (pytest prints fixture values with -l / -vv).
        return f"Settings(base_url={self.base_url!r}, dialects={self.dialects!r})"


def parse_dialects(value: str | None) -> tuple[str, ...]:
    """`legacy`, `aadOptscim062020` or `both` (the default).

    A tenant URL carrying the aadOptscim062020 flag still gets both by default: Microsoft's
    SCIM compliance page says the flag does not work with on-demand provisioning, so such an
    endpoint receives Entra's legacy dialect too (rule legacy-dialect).
    """
    return DIALECTS if value in (None, "both") else (value,)
