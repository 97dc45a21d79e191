"""Entra's provisioning sequences: the one table behind the suite's markers and the
report's per-sequence rows.

A test belongs to the first sequence (in this order) whose marker it carries. `CYCLE`
names the sequences of Entra's provisioning cycle: a run in which one of them did not
run at all is a partial run.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim_conformance.severity import Severity


@dataclass(frozen=True)
class Sequence:
    """A part of Entra's cycle: its marker, its name in reports, and what it covers."""

    marker: str
    name: str
    covers: str
    in_cycle: bool = True


_TABLE = (
    Sequence("test_connection", "Test Connection", "Entra's Test Connection probes"),
    Sequence("groups", "Groups", "group provisioning: match, create, members, rename, delete"),
    Sequence(
        "discovery",
        "Discovery",
        "schema discovery: /ServiceProviderConfig, /ResourceTypes, /Schemas",
        in_cycle=False,
    ),
    Sequence(
        "listing",
        "Listing",
        "pagination, attributes/excludedAttributes and content type",
        in_cycle=False,
    ),
    Sequence(
        "properties",
        "Properties",
        "property-based checks with generated users and PATCH sequences",
        in_cycle=False,
    ),
    Sequence(
        "cycles",
        "Cycles",
        "Entra's incremental cycles on a populated directory, checked against a model",
        in_cycle=False,
    ),
    Sequence("matching", "Matching", "the matching-attribute filter Entra sends before writes"),
    Sequence("create", "Create", "user creation"),
    Sequence("get", "Get", "read by id"),
    Sequence("update", "Update", "PATCH updates in Entra's dialects"),
    Sequence("deactivate", "Deactivate", "soft delete and restore via active"),
    Sequence("delete", "Delete", "hard delete"),
    Sequence(
        "load", "Load", "the opt-in load check (--scim-load): an Entra-like mix", in_cycle=False
    ),
    Sequence("webex", "Webex", "rules of Webex's documented SCIM API", in_cycle=False),
)

SEQUENCES: dict[str, Sequence] = {sequence.marker: sequence for sequence in _TABLE}
CYCLE: tuple[str, ...] = tuple(s.name for s in _TABLE if s.in_cycle)

# What each severity's marker (`Severity.marker`, for `-m`) says in `pytest --markers`.
SEVERITY_MARKERS = {
    Severity.ENTRA_BREAKING: "entra-breaking: provisioning would fail or corrupt data",
    Severity.RFC: "an RFC MUST that Entra tolerates",
    Severity.WEBEX_CLIENTS: "a rule of Webex's documented API only Webex's own clients depend on",
    Severity.ADVISORY: "SHOULD-level, reported only (fails with --scim-strict)",
}
