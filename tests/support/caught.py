"""A broken variant of the reference server, and the one assertion that the suite catches it
with the test meant for it and the message a vendor needs (docs/design.md: a suite that
cannot fail is worthless). The variants themselves are the table in `support/variants.py`."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from scim_conformance.properties.hypothesis_runner import FALSIFYING
from scim_conformance.reference import Fault
from support.suite_run import WEBEX, SuiteRun

# Which checks a variant proves: the generic Entra checks, the Webex rules' checks, or
# the property-based checks (only generated data exposes the fault; slow, so run alone).
Kind = Literal["entra", "webex", "properties"]


@dataclass(frozen=True)
class Variant:
    """A broken server, the tests that must fail, words their message must contain, and
    tests that must still pass (the fault is specific to the others)."""

    fault: Fault
    must_fail: tuple[str, ...]
    says: tuple[str, ...]
    must_pass: tuple[str, ...] = ()
    args: tuple[str, ...] = ()  # extra options of the run
    kind: Kind = "entra"
    shows: Callable[[str], bool] | None = None  # a check of the shrunk example shown
    cleans_up: bool = True  # False where the fault itself keeps the run's deletes from working
    findings: int = 1  # one defect, one finding (two where it truly breaks two rules)
    blocked: tuple[str, ...] = ()  # tests the finding keeps from running (reported skipped)
    also: tuple[Fault, ...] = ()  # further faults of the same server (one run, every finding)
    # tests that ran with a prerequisite met by a fallback: the words their report says
    fallback: tuple[tuple[str, str], ...] = ()

    @property
    def faults(self) -> list[Fault]:
        """Every fault of the variant's server."""
        return [self.fault, *self.also]

    @property
    def id(self) -> str:
        """The test id: the faults, prefixed by the kind of checks unless Entra's."""
        name = "+".join(fault.value for fault in self.faults)
        return name if self.kind == "entra" else f"{self.kind}-{name}"


def assert_caught(run_suite: Callable[..., SuiteRun], variant: Variant) -> None:
    """Run the suite against the variant and assert that it is caught as the table says:
    the run fails, each must-fail test fails saying each of its words (showing one shrunk
    example, for a property), the must-pass tests pass, and no run leaks the token, crashes
    or leaves a user behind (where deleting works)."""
    preset = {
        # The generic checks alone: the reference's Webex-style URL would add Webex's rules.
        "entra": ("--scim-endpoint=generic",),
        "webex": WEBEX,
        "properties": ("-k", " or ".join(variant.must_fail)),
    }[variant.kind]
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder) / "results.json"
        run = run_suite(
            *preset,
            *variant.args,
            f"--scim-json={results}",
            faults=variant.faults,
            properties=variant.kind == "properties",
        )
        findings = [f["fingerprint"] for f in json.loads(results.read_text())["findings"]]
    output = run.output()
    assert len(findings) == variant.findings, findings
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, output
    for name in variant.must_fail:
        assert run.outcomes.get(name) == "failed", (name, run.failed)
        message = run.messages[name]
        for words in variant.says:
            assert words in message, (name, words, message)
        if variant.shows is not None:
            assert message.count(f"{FALSIFYING}: ") == 1, message
            assert "reproduce:\n    curl " in message
            assert variant.shows(message), message
    for name in variant.must_pass:
        assert run.outcomes.get(name) == "passed", (name, run.messages.get(name))
    for name in variant.blocked:
        assert run.outcomes.get(name) == "skipped", (name, run.outcomes.get(name))
    for name, words in variant.fallback:
        lines = run.fallbacks.get(name, [])
        assert any(words in line for line in lines), (name, words, lines)
    assert "INTERNALERROR" not in output
    assert run.token not in output
    if variant.cleans_up:
        assert run.server.app.users() == [], "the run left users behind"


# Checks of the shrunk example a property failure shows ------------------------------------


def non_ascii_name(message: str) -> bool:
    """The shrunk example holds a non-ASCII character in a name."""
    example = message.split(f"{FALSIFYING}: ", 1)[1]
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


def cycle_replayed(message: str) -> bool:
    """The shrunk cycle is shown as numbered Entra steps with the writes to replay."""
    log = message.split("as the Entra requests to replay:", 1)[-1]
    steps = re.findall(r"^    step \d+: ", log, flags=re.MULTILINE)
    writes = re.findall(r"^        (?:POST|PATCH|DELETE) /(?:Users|Groups)", log, re.MULTILINE)
    return (
        "step 1: create a user after a matching query" in log and len(steps) >= 2 and bool(writes)
    )
