"""Every option of the plugin, declared once: flags, environment variable, ini name, parser,
default and help. `pytest --help` comes from this table; `settings.resolve` reads it once
(command line > environment > ini) into the run's frozen Settings.

Environment variables are named `SCIM_CONFORMANCE_*`: a vendor's own app may well read
`SCIM_URL` or `SCIM_TOKEN`, and those must not turn its unrelated pytest runs into
conformance runs. The old `SCIM_*` names still work as deprecated aliases (`old_env`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import pytest

from scim_conformance.config import (
    DEFAULT_CONCURRENCY,
    DEFAULT_CYCLES,
    DEFAULT_EXAMPLES,
    DEFAULT_GATE,
    DEFAULT_LOAD_DURATION,
    DEFAULT_LOAD_RATE,
    DEFAULT_TIMEOUT,
)
from scim_conformance.gallery.client_settings import CLIENT_SECRET_ENV
from scim_conformance.plugin import values
from scim_conformance.profiles import ENTRA_DEFAULT, Profile

V = TypeVar("V", covariant=True)  # an option of a subtype is an Option[object]
ENV_PREFIX = "SCIM_CONFORMANCE_"  # every option's environment variable starts with it
GROUP = "scim-conformance"
GROUP_DESCRIPTION = (
    "scim-conformance (replay Microsoft Entra ID provisioning against a SCIM endpoint)"
)


@dataclass(frozen=True)
class Option(Generic[V]):
    """One option. `parse` is None for a switch (present or not, command line only)."""

    flags: tuple[str, ...]
    dest: str
    help: str
    parse: Callable[[str], V] | None
    default: V
    metavar: str | None = None
    env: str | None = None
    ini: str | None = None
    old_env: str | None = None  # the deprecated name of `env`, read after it

    @property
    def name(self) -> str:
        """The option's main flag, as messages name it."""
        return self.flags[0]

    @property
    def shown_default(self) -> str | None:
        """The default as `--help` shows it; None for switches and for "not set"."""
        default = self.default
        if default is None or isinstance(default, bool):
            return None
        if isinstance(default, float):
            return f"{default:g}"
        return str(getattr(default, "name", default))  # a Profile shows its name

    def help_text(self) -> str:
        """The help line: the text, then the default, the environment variable, the ini name."""
        parts = [self.help]
        if self.shown_default is not None:
            parts.append(f"Default: {self.shown_default}.")
        sources = [f"env: {self.env}"] if self.env else []
        sources += [f"ini: {self.ini}"] if self.ini else []
        if sources:
            parts.append(f"({'; '.join(sources)})")
        return " ".join(parts)


def switch(flag: str, dest: str, help: str) -> Option[bool]:
    """An on/off option (store_true)."""
    return Option((flag,), dest, help, None, False)


URL = Option(
    ("--scim-url",),
    "scim_url",
    "SCIM base URL (Entra's Tenant URL), e.g. https://api.example.com/scim/v2. Runs the "
    "packaged conformance suite, and only it; from the environment, not when test paths "
    "outside the suite are given. A URL may end in Entra's ?aadOptscim062020 flag; it is "
    "never copied into resource paths.",
    values.tenant_url,
    None,
    metavar="URL",
    env="SCIM_CONFORMANCE_URL",
    old_env="SCIM_URL",
    ini="scim_url",
)
TOKEN = Option(
    ("--token", "--scim-token"),
    "scim_token",
    "Bearer token Entra would send (its Secret Token). Prefer the environment variable in "
    "CI: it keeps the secret off the command line. Never read from ini; redacted in every "
    "output.",
    values.bearer_token,
    None,
    metavar="TOKEN",
    env="SCIM_CONFORMANCE_TOKEN",
    old_env="SCIM_TOKEN",
)
REFERENCE = switch(
    "--scim-reference",
    "scim_reference",
    "Start the bundled Webex-style reference server on a free loopback port, in a process "
    "of its own, and run the suite against it (no URL or token needed; excludes "
    "--scim-url).",
)
DIALECT = Option(
    ("--entra-dialect",),
    "entra_dialect",
    "Entra PATCH dialect(s) to replay: legacy (default client), aadOptscim062020 (tenant URL "
    "flag) or both. Default: both, also for a URL ending in ?aadOptscim062020: the flag does "
    "not work with Entra's on-demand provisioning, which still sends the legacy dialect.",
    values.dialect,
    None,
    metavar="legacy|aadOptscim062020|both",
    env="SCIM_CONFORMANCE_ENTRA_DIALECT",
    old_env="SCIM_ENTRA_DIALECT",
    ini="entra_dialect",
)
PROFILE: Option[Profile] = Option(
    ("--scim-profile",),
    "scim_profile",
    "Attribute mapping Entra's provisioning job uses (what it sends): entra-default (the "
    "generic SCIM app), entra-full (the same with app roles and the work email as a matching "
    "attribute; --scim-reference's default), webex (the Cisco Webex gallery app), or a TOML "
    "profile file (see README). The rules the endpoint is held to are --scim-endpoint's.",
    values.profile,
    ENTRA_DEFAULT,
    metavar="NAME|FILE",
    env="SCIM_CONFORMANCE_PROFILE",
    old_env="SCIM_PROFILE",
    ini="scim_profile",
)
ENDPOINT = Option(
    ("--scim-endpoint",),
    "scim_endpoint",
    "Rules the endpoint is held to: generic (SCIM 2.0 and Entra's requirements) or webex "
    "(those and the rules of Webex's documented SCIM API). auto picks webex for a "
    "Webex-style target: a tenant URL of the /identity/scim/{orgId}/v2 or /v1/scim/{orgId} "
    "form, or a GET /Schemas (one request, at session start) listing the Cisco user "
    "extension. The header says which rules were chosen and why.",
    values.endpoint,
    "auto",
    metavar="auto|generic|webex",
    env="SCIM_CONFORMANCE_ENDPOINT",
    old_env="SCIM_ENDPOINT",
    ini="scim_endpoint",
)
TIMEOUT = Option(
    ("--scim-timeout",),
    "scim_timeout",
    "Per-request timeout in seconds (Entra's budget).",
    values.number("seconds"),
    DEFAULT_TIMEOUT,
    metavar="SECONDS",
    env="SCIM_CONFORMANCE_TIMEOUT",
    old_env="SCIM_TIMEOUT",
    ini="scim_timeout",
)
USER_DOMAIN = Option(
    ("--scim-user-domain",),
    "scim_user_domain",
    "Email domain of generated userNames (Webex needs a verified domain of the org).",
    values.user_domain,
    "example.com",
    metavar="DOMAIN",
    env="SCIM_CONFORMANCE_USER_DOMAIN",
    old_env="SCIM_USER_DOMAIN",
    ini="scim_user_domain",
)
ALLOW_HTTP = switch(
    "--scim-allow-http",
    "scim_allow_http",
    "Allow sending the token over plain http:// to a non-loopback host.",
)
GALLERY = switch(
    "--scim-gallery",
    "scim_gallery",
    "The app is (or will be) in Entra's app gallery: the discovery endpoints "
    "(/ServiceProviderConfig, /ResourceTypes, /Schemas) become required, not advisory.",
)
TOKEN_ENDPOINT: Option[str | None] = Option(
    ("--scim-token-endpoint",),
    "scim_token_endpoint",
    "OAuth 2.0 token endpoint (client-credentials grant, the flow Microsoft's gallery requires): "
    "the run requests its token there, with --scim-client-id and the secret from "
    f"{CLIENT_SECRET_ENV}, instead of using --token, and checks its lifetime (60-360 minutes).",
    values.token_endpoint,
    None,
    metavar="URL",
    env="SCIM_CONFORMANCE_TOKEN_ENDPOINT",
    ini="scim_token_endpoint",
)
CLIENT_ID: Option[str | None] = Option(
    ("--scim-client-id",),
    "scim_client_id",
    "OAuth 2.0 client id for --scim-token-endpoint. The client secret is read from the "
    f"environment only ({CLIENT_SECRET_ENV}), never from the command line or ini.",
    values.one_line,
    None,
    metavar="ID",
    env="SCIM_CONFORMANCE_CLIENT_ID",
    ini="scim_client_id",
)
JSON: Option[Path | None] = Option(
    ("--scim-json",),
    "scim_json",
    "Write machine-readable results (verdict, per-test severity, rule, redacted exchanges) "
    "to PATH; format documented by schemas/results.json.",
    values.output_file,
    None,
    metavar="PATH",
)
BASELINE: Option[Path | None] = Option(
    ("--scim-baseline",),
    "scim_baseline",
    "TOML file of known deviations (findings or test ids): they may fail without failing the "
    "gate; a listed test that passes is reported (XPASS).",
    values.existing_file,
    None,
    metavar="FILE",
)
BASELINE_STRICT = switch(
    "--scim-baseline-strict",
    "scim_baseline_strict",
    "A baseline entry whose test now passes fails the run (so it gets removed).",
)
WRITE_BASELINE: Option[Path | None] = Option(
    ("--scim-write-baseline",),
    "scim_write_baseline",
    "Write a baseline listing every finding of this run (to adopt the gate before "
    "everything passes).",
    values.output_file,
    None,
    metavar="FILE",
)
MAX_RETRY_WAIT = Option(
    ("--scim-max-retry-wait",),
    "scim_max_retry_wait",
    "Longest wait in seconds honoured for a 429/503 Retry-After, and the cap of the backoff "
    "used without one and of the gap between paced requests. Retries show in the transcript.",
    values.number("seconds", allow_zero=True),
    60.0,
    metavar="SECONDS",
)
RATE: Option[float | None] = Option(
    ("--scim-rate",),
    "scim_rate",
    "Send at most N requests per second in total (tenants with strict quotas); under "
    "pytest-xdist each worker sends its share. Default: unlimited.",
    values.number("requests per second"),
    None,
    metavar="N",
)
CONCURRENCY = Option(
    ("--scim-concurrency",),
    "scim_concurrency",
    "Send at most N independent requests at once (the creates of a cycle's first users, a "
    "group's member users, cleanup's deletes), as Entra provisions many objects at once; "
    "still within --scim-rate. 1 sends strictly one request at a time.",
    values.positive_integer,
    DEFAULT_CONCURRENCY,
    metavar="N",
    env="SCIM_CONFORMANCE_CONCURRENCY",
)
CA_BUNDLE: Option[Path | None] = Option(
    ("--scim-ca-bundle",),
    "scim_ca_bundle",
    "PEM file of the CA that signed the server's certificate (private CAs).",
    values.existing_file,
    None,
    metavar="FILE",
)
INSECURE = switch(
    "--scim-insecure",
    "scim_insecure",
    "Do not verify the server's TLS certificate (a warning says so in every report).",
)
KEEP = switch(
    "--scim-keep",
    "scim_keep",
    "Leave the users and groups the run created (for debugging) and print their ids.",
)
SWEEP = switch(
    "--scim-sweep",
    "scim_sweep",
    "Instead of testing, find and delete leftovers of earlier interrupted runs (only "
    "resources named with the suite's run prefix), listing them first.",
)
YES = switch(
    "--yes",
    "scim_yes",
    "With --scim-sweep: delete without asking (required when not on a terminal).",
)
LOAD = switch(
    "--scim-load",
    "scim_load",
    "Also run the load check (off by default; never point it at a tenant without meaning "
    "to): an Entra-like request mix at --scim-load-rate for --scim-load-duration.",
)
LOAD_RATE = Option(
    ("--scim-load-rate",),
    "scim_load_rate",
    "Requests per second the load check drives (Microsoft's gallery requirement).",
    values.number("requests per second"),
    DEFAULT_LOAD_RATE,
    metavar="N",
)
LOAD_DURATION = Option(
    ("--scim-load-duration",),
    "scim_load_duration",
    "How long the load check runs, in seconds.",
    values.number("seconds"),
    DEFAULT_LOAD_DURATION,
    metavar="SECONDS",
)
FAIL_ON = Option(
    ("--scim-fail-on",),
    "scim_fail_on",
    "The gate: the run exits 1 when it has a finding of this severity or worse (entra-breaking, "
    "rfc or advisory). The default, rfc, fails the run on every finding that fails a test.",
    values.severity,
    DEFAULT_GATE.value,
    metavar="SEVERITY",
    env="SCIM_CONFORMANCE_FAIL_ON",
    old_env="SCIM_FAIL_ON",
    ini="scim_fail_on",
)
STRICT = switch(
    "--scim-strict",
    "scim_strict",
    "Advisory (SHOULD-level) findings fail their tests too, and the gate (same as "
    "--scim-fail-on=advisory).",
)
EXAMPLES = Option(
    ("--scim-examples",),
    "scim_examples",
    "Generated examples per property-based check; each creates one user or more, all deleted.",
    values.positive_integer,
    DEFAULT_EXAMPLES,
    metavar="N",
    env="SCIM_CONFORMANCE_EXAMPLES",
    old_env="SCIM_EXAMPLES",
)
SEED: Option[str | None] = Option(
    ("--scim-seed",),
    "scim_seed",
    "Vary the generated data. Without it every run of a suite version sends the same data "
    "(a reproducible certification run).",
    values.one_line,
    None,
    metavar="SEED",
    env="SCIM_CONFORMANCE_SEED",
    old_env="SCIM_SEED",
)
CYCLES = Option(
    ("--scim-cycles",),
    "scim_cycles",
    "Generated Entra cycles per dialect (suite/test_cycles.py), after a tour covering the "
    "directory's state space: each is Entra's initial cycle, then up to 11 of its "
    "incremental actions on at most 5 users and 2 groups, all deleted.",
    values.positive_integer,
    DEFAULT_CYCLES,
    metavar="N",
    env="SCIM_CONFORMANCE_CYCLES",
    old_env="SCIM_CYCLES",
)

OPTIONS: tuple[Option[object], ...] = (
    URL,
    TOKEN,
    REFERENCE,
    DIALECT,
    PROFILE,
    ENDPOINT,
    TIMEOUT,
    USER_DOMAIN,
    ALLOW_HTTP,
    GALLERY,
    TOKEN_ENDPOINT,
    CLIENT_ID,
    JSON,
    BASELINE,
    BASELINE_STRICT,
    WRITE_BASELINE,
    MAX_RETRY_WAIT,
    RATE,
    CONCURRENCY,
    CA_BUNDLE,
    INSECURE,
    KEEP,
    SWEEP,
    YES,
    LOAD,
    LOAD_RATE,
    LOAD_DURATION,
    FAIL_ON,
    STRICT,
    EXAMPLES,
    SEED,
    CYCLES,
)


def add_options(parser: pytest.Parser) -> None:
    """Declare every option (group 'scim-conformance' in `pytest --help`) and its ini name."""
    group = parser.getgroup(GROUP, GROUP_DESCRIPTION)
    for option in OPTIONS:
        if option.parse is None:
            group.addoption(
                *option.flags, action="store_true", dest=option.dest, help=option.help_text()
            )
        else:
            # No argparse type or choices: a bad value is checked when the session starts,
            # so its message is one line that names the option, like every other.
            group.addoption(
                *option.flags, dest=option.dest, metavar=option.metavar, help=option.help_text()
            )
        if option.ini:
            parser.addini(option.ini, f"same as {option.name}: {option.help.split('. ')[0]}")
