"""The property-based checks: they pass on the reference server, catch the broken variants
that only generated data exposes (showing the shrunk example), and send the same data on
every run of the same suite and seed."""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conftest import SuiteRun

# Imported here, not only by the suite: pytester drops the modules an in-process run
# imports, and importing Hypothesis again costs seconds per run.
from scim_conformance.properties.runner import FALSIFYING
from scim_conformance.reference import Fault, ReferenceApp, serve

ROUND_TRIP = "test_created_user_reads_back_as_sent"
FILTER = "test_filter_finds_generated_user_name"
CASE_FILTER = "test_filter_ignores_generated_user_name_case"
CASE_CONFLICT = "test_case_changed_user_name_conflicts"
PATCH = "test_patch_sequence_matches_model"
PROPERTIES = (ROUND_TRIP, FILTER, CASE_FILTER, CASE_CONFLICT, f"{PATCH}[legacy]")
PROPERTIES += (f"{PATCH}[aadOptscim062020]",)


def falsifying_example(message: str) -> str:
    """The "Falsifying example" section of a failure message."""
    assert f"{FALSIFYING}: " in message, message
    return message.split(f"{FALSIFYING}: ", 1)[1]


def non_ascii_name(message: str) -> bool:
    """The shrunk example holds a non-ASCII character in a name."""
    example = falsifying_example(message)
    names = re.findall(r"(?:given_name|family_name|display_name)='([^']*)'", example)
    return any(not name.isascii() for name in names)


def outer_space_lost(message: str) -> bool:
    """A value read back without the leading or trailing space that was sent."""
    pairs = re.findall(r'= "([^"]*)" \(expected "([^"]*)"\)', message)
    return any(expected.strip() == actual != expected for actual, expected in pairs)


def lower_cased(message: str) -> bool:
    """The userName read back is the one sent, lower-cased."""
    found = re.search(r'userName = "([^"]+)" \(expected "([^"]+)"\)', message)
    return bool(found) and found.group(1) == found.group(2).lower() != found.group(2)


def cut_at_64(message: str) -> bool:
    """displayName read back as its first 64 characters; the example shrunk to just over."""
    found = re.search(r'displayName = "([^"]+)" \(expected "([^"]+)"\)', message)
    return bool(found) and found.group(2)[:64] == found.group(1) and len(found.group(2)) < 80


def escaped_quote_refused(message: str) -> bool:
    """A 400 to a filter whose value carries an escaped quote (%5C%22 in the URL)."""
    return "actual:   HTTP 400" in message and "%5C%22" in message


@dataclass(frozen=True)
class PropertyVariant:
    """A fault only properties catch, the property meant for it, words of its message,
    and a check of the shrunk example shown."""

    fault: Fault
    test: str
    says: tuple[str, ...]
    shows: Callable[[str], bool]


PROPERTY_VARIANTS = [
    PropertyVariant(
        Fault.NON_ASCII_NAME_500,
        ROUND_TRIP,
        ("[entra-breaking] Create a generated Entra user", "actual:   HTTP 500"),
        non_ascii_name,
    ),
    PropertyVariant(
        Fault.FILTER_ESCAPED_QUOTE_400,
        FILTER,
        ("[rfc] Matching by a generated userName", "RFC 7644 §3.4.2.2", "[S7]"),
        escaped_quote_refused,
    ),
    PropertyVariant(
        Fault.TRIMS_NAMES,
        ROUND_TRIP,
        ("[entra-breaking] The created user does not hold what was sent", "R11"),
        outer_space_lost,
    ),
    PropertyVariant(
        Fault.LOWERCASES_USER_NAME,
        ROUND_TRIP,
        ("[entra-breaking] The created user does not hold what was sent",),
        lower_cased,
    ),
    PropertyVariant(
        Fault.TRUNCATES_LONG_NAMES,
        ROUND_TRIP,
        ("[entra-breaking] The created user does not hold what was sent",),
        cut_at_64,
    ),
]
PROPERTY_FAULTS = frozenset(variant.fault for variant in PROPERTY_VARIANTS)
# Proven here, for test_broken_variants.py's "every fault has a variant".
FAULTS_PROVEN_HERE = PROPERTY_FAULTS | {Fault.REFUSES_EXOTIC_INPUT}


def test_properties_pass_on_the_reference_server(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-k", "test_properties", properties=True)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert {name: run.outcomes.get(name) for name in PROPERTIES} == dict.fromkeys(
        PROPERTIES, "passed"
    )
    assert run.server.app.users() == [], "an example left a user behind"
    assert len(run.server.app.created()) > 40  # 10 examples per property by default
    assert run.token not in run.output()


def test_only_the_properties_catch_these_faults(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite(faults=PROPERTY_FAULTS)
    assert run.result.ret == pytest.ExitCode.OK, run.failed


@pytest.mark.parametrize("variant", PROPERTY_VARIANTS, ids=lambda v: v.fault.value)
def test_property_catches_fault_with_minimal_example(
    run_suite: Callable[..., SuiteRun], variant: PropertyVariant
) -> None:
    run = run_suite("-k", variant.test, faults=[variant.fault], properties=True)
    assert run.outcomes.get(variant.test) == "failed", run.outcomes
    message = run.messages[variant.test]
    for words in variant.says:
        assert words in message, (words, message)
    assert variant.shows(message), message
    assert message.count("Falsifying example: ") == 1, message
    assert "reproduce:\n    curl " in message
    assert run.server.app.users() == [], "a failing example left a user behind"
    assert run.token not in run.output()
    assert "INTERNALERROR" not in run.output()


def test_documented_refusals_are_advisory_not_failures(
    run_suite: Callable[..., SuiteRun],
) -> None:
    # A server may refuse what Entra's directory cannot hold (R11: with an error).
    chosen = f"{ROUND_TRIP} or {FILTER}"
    run = run_suite("-k", chosen, faults=[Fault.REFUSES_EXOTIC_INPUT], properties=True)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    output = run.output()
    assert "[advisory] Create a generated Entra user: refused because" in output
    assert "quoted or non-ASCII address" in output
    assert "longer than Entra's directory holds: " in output
    assert "displayName (256)" in output
    assert "across the generated examples" in output


def created_names(run: SuiteRun) -> list[str]:
    """Generated userNames the run created, in order, without the random run prefix (the
    `new_user` decoy has a random tag of its own and is left out)."""
    names = [re.sub(r"scimconf-[0-9a-f]{8}", "", u["userName"]) for u in run.server.app.created()]
    return [name for name in names if not re.match(r"-u\d+-[0-9a-f]{6}@", name)]


def test_same_seed_sends_the_same_user_names(
    run_suite: Callable[..., SuiteRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_EXAMPLES", "10")
    one = ("-k", FILTER)
    default_a, default_b = run_suite(*one, properties=True), run_suite(*one, properties=True)
    assert created_names(default_a) == created_names(default_b)
    monkeypatch.setenv("SCIM_SEED", "7")
    seeded_a, seeded_b = run_suite(*one, properties=True), run_suite(*one, properties=True)
    assert created_names(seeded_a) == created_names(seeded_b)
    assert created_names(seeded_a) != created_names(default_a)
    assert len(set(created_names(seeded_a))) == len(created_names(seeded_a))  # no reuse


def test_examples_budget_from_the_environment(
    run_suite: Callable[..., SuiteRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_EXAMPLES", "5")
    run = run_suite("-k", ROUND_TRIP, properties=True)
    assert run.outcomes[ROUND_TRIP] == "passed", run.output()
    assert len(run.server.app.created()) == 5
    monkeypatch.setenv("SCIM_EXAMPLES", "0")
    bad = run_suite("-k", ROUND_TRIP, properties=True)
    assert "--scim-examples must be a positive integer (got '0')" in bad.output()


def test_command_line_options_once_registered(
    run_suite: Callable[..., SuiteRun], pytester: pytest.Pytester
) -> None:
    if "--scim-examples" not in pytester.runpytest_inprocess("--help").stdout.str():
        pytest.skip("plugin.pytest_addoption does not call properties.add_options(group) yet")
    run = run_suite("-k", ROUND_TRIP, "--scim-examples=3", "--scim-seed=x", properties=True)
    assert run.outcomes[ROUND_TRIP] == "passed", run.output()
    assert len(run.server.app.created()) == 3
    bad = run_suite("-k", ROUND_TRIP, "--scim-examples=none", properties=True)
    assert "--scim-examples must be a positive integer (got 'none')" in bad.output()


def test_failure_reaches_the_html_report(
    run_suite: Callable[..., SuiteRun], pytester: pytest.Pytester
) -> None:
    run = run_suite(
        "-k",
        ROUND_TRIP,
        "--html=report.html",
        "--self-contained-html",
        faults=[Fault.TRIMS_NAMES],
        properties=True,
    )
    html = (pytester.path / "report.html").read_text(encoding="utf-8")
    assert "Falsifying example: created_user_reads_back_as_sent(" in html
    assert "curl -sS -X GET" in html
    assert run.token not in html


def test_nothing_is_written_into_the_working_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real run, in a subprocess with Hypothesis's pytest plugin: Hypothesis's default
    # storage is the working directory, and it writes there even without a database.
    monkeypatch.setenv("SCIM_EXAMPLES", "15")
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    token = "tok-" + secrets.token_urlsafe(18)
    with serve(ReferenceApp(token, faults=[Fault.FILTER_ESCAPED_QUOTE_400])) as server:
        result = pytester.run(
            sys.executable,
            "-m",
            "pytest",
            f"--scim-url={server.base_url}",
            f"--token={token}",
            "-p",
            "no:cacheprovider",
            "-k",
            FILTER,
            timeout=120,
        )
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert "Falsifying example: filter_finds_exactly_the_user(" in output
    assert token not in output
    assert not (pytester.path / ".hypothesis").exists()
    assert server.app.users() == []
