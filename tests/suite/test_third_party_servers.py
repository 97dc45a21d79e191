"""The packaged suite against real third-party SCIM servers, in a subprocess, as a vendor runs it.

Each server's failing tests are pinned exactly: every entry is a real deviation of that server,
with the catalogue rule it breaks (scim_conformance/checks/rules.py), and a snippet its
failure message must contain, so a test failing for another reason is noticed. Its findings
are pinned too: one per defect, however many tests meet it.
A test that starts passing, or a new failure, fails this test: update the table only after
reading the transcript, and report a suspected suite bug instead of pinning it.
How to add a server: CONTRIBUTING.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest

from support.third_party import (
    ServerSpec,
    ServerUnavailable,
    SuiteResult,
    run_suite,
    running,
    suite_leftovers,
)

DIALECTS = ("legacy", "aadOptscim062020")


@dataclass(frozen=True)
class Expected:
    """Why a test fails against a server, and words its failure message must contain."""

    reason: str
    says: str


@dataclass(frozen=True)
class Target:
    """A third-party server and the suite's exact verdicts on it."""

    spec: ServerSpec
    package: str  # distribution whose version the table was pinned against
    pinned_version: str
    expected_failures: Mapping[str, Expected]
    expected_findings: Mapping[str, str]  # fingerprint -> severity: one per defect
    # Skips are allowed only for these reasons (a snippet of the skip message -> why that
    # is fine here); a test skipped for any other reason fails this test.
    allowed_skips: Mapping[str, str] = field(default_factory=dict)


def per_dialect(test: str, expected: Expected) -> dict[str, Expected]:
    """The same expectation for both Entra dialects of a PATCH test."""
    return {f"{test}[{dialect}]": expected for dialect in DIALECTS}


# --- scim2-server (python-scim), `scim2-server --port P --bearer-token T`, base URL /v2 ---

SCIM2_SERVER = ServerSpec(
    name="scim2-server",
    executable="scim2-server",
    arguments=("--hostname", "127.0.0.1", "--port", "{port}", "--bearer-token", "{token}"),
    base_path="/v2",
    install_hint='in the dev extra on Python 3.11+: pip install -e ".[dev]"',
)

# One line per deviation, with the rule it breaks. (POST /Groups with Entra's extra schema
# URI is refused too, 400 invalidSyntax: an advisory since Microsoft lists that URI as fixed
# in December 2018, rule group-create-adscim-schema; the group tests create without it.)
DUPLICATE_GROUP_ACCEPTED = Expected(
    "a duplicate displayName is created with 201 instead of refused with 409 "
    "(rule create-duplicate-409)",
    says="409",
)
LEGACY_MEMBER_REMOVE_REFUSED = Expected(
    "the legacy `Remove` path members + value list → 400 'a remove operation carries no "
    "value' (rule remove-members-with-value)",
    says="a remove operation carries no value",
)
WORK_EMAIL_NOT_CREATED = Expected(
    'Add on emails[type eq "work"].value for a user without a work email → 400 noTarget; '
    "Entra sends Add for an empty attribute and expects the element created "
    "(rule patch-add-creates-element)",
    says="noTarget",
)
OFFICE_ADDRESS_NOT_CREATED = Expected(
    'the same 400 noTarget for Add on addresses[type eq "other"].formatted (Entra\'s '
    "physicalDeliveryOfficeName) when the user has no such address: the same finding",
    says="noTarget",
)
MANAGER_STRING_REFUSED = Expected(
    "the manager as a bare id string on the enterprise URN path → 400 invalidValue; production "
    "Entra is publicly reported sending it (rule manager-set)",
    says="invalidValue",
)
MANAGER_VALUE_FILTER_REFUSED = Expected(
    'remove on manager[value eq "<id>"] → 400 invalidPath; Entra is publicly reported sending '
    "it (rule manager-remove)",
    says="invalidPath",
)

SCIM2_SERVER_FAILURES: dict[str, Expected] = {
    "test_groups.py::test_duplicate_group_display_name_conflicts": DUPLICATE_GROUP_ACCEPTED,
    "test_groups.py::test_remove_one_member_keeps_the_others[legacy]": (
        LEGACY_MEMBER_REMOVE_REFUSED
    ),
    **per_dialect(
        "test_users_update.py::test_add_work_email_when_none_exists", WORK_EMAIL_NOT_CREATED
    ),
    "test_users_manager.py::test_set_manager[urn-string]": MANAGER_STRING_REFUSED,
    "test_users_manager.py::test_remove_manager[value-filter]": MANAGER_VALUE_FILTER_REFUSED,
    # The request variants meet the same deviations: the manager changed with Replace and a
    # bare string, and the lower-case remove of members with a value list.
    "test_entra_variants.py::test_manager_change_and_removal_by_replace": MANAGER_STRING_REFUSED,
    "test_entra_variants.py::test_remove_members_lower_case_with_value": (
        LEGACY_MEMBER_REMOVE_REFUSED
    ),
    **per_dialect(
        "test_properties.py::test_patch_sequence_matches_model", OFFICE_ADDRESS_NOT_CREATED
    ),
    # The Entra cycles meet the same two deviations first, in their tour of every step: the
    # legacy member removal, and (flag) the manager set as a bare string with `add`.
    "test_cycles.py::test_entra_cycle_matches_model[legacy]": LEGACY_MEMBER_REMOVE_REFUSED,
    "test_cycles.py::test_entra_cycle_matches_model[aadOptscim062020]": MANAGER_STRING_REFUSED,
}
# The run's findings: each deviation above once, however many tests met it, and the
# advisories (the sample code's manager list gets 400; a deleted user stays a member).
SCIM2_SERVER_FINDINGS = {
    "group-create-adscim-schema @ POST /Groups": "advisory",
    "create-duplicate-409 @ POST /Groups": "entra-breaking",
    "remove-members-with-value @ PATCH /Groups/{id}": "entra-breaking",
    "patch-add-creates-element @ PATCH /Users/{id}": "entra-breaking",
    "manager-set @ PATCH /Users/{id}": "entra-breaking",
    "manager-remove @ PATCH /Users/{id}": "entra-breaking",
    "manager-set-list @ PATCH /Users/{id} add manager": "advisory",
    "deleted-user-leaves-groups @ DELETE /Users/{id}": "advisory",
}
# Opt-in checks that a default run skips, with the reason the suite gives.
OPT_IN_SKIPS = {
    "Webex rules apply only to Webex-style endpoints": "scim2-server is not a Webex endpoint",
    "the load check runs only with --scim-load": "the load check is opt-in",
    "runs only with --scim-gallery": "Microsoft's gallery validation tests are opt-in",
    "does not match users on emails": "the default profile matches on userName and externalId",
    "does not map roles": "the default profile sends no app roles",
}

TARGETS = [
    Target(
        SCIM2_SERVER,
        "scim2-server",
        "0.8.3",
        SCIM2_SERVER_FAILURES,
        SCIM2_SERVER_FINDINGS,
        OPT_IN_SKIPS,
    ),
]


def installed_version(package: str) -> str:
    """The installed version of a distribution, or '?'."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def first_lines(text: str, count: int = 3) -> str:
    """The head of a failure message, indented for the assertion text."""
    return "\n".join("      " + line for line in text.strip().splitlines()[:count])


def verdict_changes(target: Target, result: SuiteResult) -> list[str]:
    """Every difference between the pinned failures and this run's, as report lines."""
    failed, expected = result.having("failed"), set(target.expected_failures)
    lines = [
        f"  failed unexpectedly: {name}\n{first_lines(result.messages[name])}"
        for name in sorted(failed - expected)
    ]
    for name in sorted(expected - failed):
        state = result.outcomes.get(name, "not run")
        lines.append(f"  expected to fail, but {state}: {name}")
    for name in sorted(expected & failed):
        if target.expected_failures[name].says not in result.messages[name]:
            says = target.expected_failures[name].says
            lines.append(f"  failed without {says!r}: {name}\n{first_lines(result.messages[name])}")
    return lines


def unexpected_skips(target: Target, result: SuiteResult) -> dict[str, str]:
    """Skipped tests whose skip reason is none of the target's allowed ones, with the reason."""
    reasons = {name: result.messages.get(name, "") for name in result.having("skipped")}
    return {
        name: reason
        for name, reason in reasons.items()
        if not any(allowed in reason for allowed in target.allowed_skips)
    }


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.spec.name)
def test_suite_verdicts_on_third_party_server(target: Target, tmp_path: Path) -> None:
    """Exactly the pinned tests fail with exactly the pinned findings, only opt-in checks
    skip, nothing is left behind."""
    token = "tok-" + secrets.token_urlsafe(18)
    try:
        with running(target.spec, token, tmp_path / "server.log") as server:
            result = run_suite(server.base_url, token, tmp_path / "run")
            leftovers = suite_leftovers(server.base_url, token)
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    assert result.outcomes, f"no verdicts, exit {result.returncode}:\n{result.output[-3000:]}"
    version = installed_version(target.package)
    changes = verdict_changes(target, result)
    assert not changes, (
        f"the suite's verdicts on {target.package} {version} (table pinned on "
        f"{target.pinned_version}) changed; read the transcripts in "
        f"{result.workdir / 'output.txt'} before editing the table:\n" + "\n".join(changes)
    )
    assert result.findings == target.expected_findings, "the findings changed"
    # Neither Webex URL form nor the Cisco extension in /Schemas: the generic rules alone.
    assert (
        "Webex rules apply only to Webex-style endpoints (the tenant URL has neither of "
        "Webex's forms and GET /Schemas does not list the Cisco user extension"
    ) in result.output, result.output[-3000:]
    odd_skips = unexpected_skips(target, result)
    assert not odd_skips, f"skipped for a reason not allowed here: {odd_skips}"
    assert result.returncode == (1 if target.expected_failures else 0), result.output[-3000:]
    assert leftovers == [], f"the suite left resources behind: {leftovers}"
    assert token not in result.output + result.junit, "the token leaked into an output"
