"""Requests Entra sends that depend on the app's configuration (issue 13): matching on the
work email when the mapping makes it the matching attribute."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.reference import Fault
from support.suite_run import SuiteRun

EMAIL_MATCHING = """
name = "mail-matched"
[user]
matching = ['emails[type eq "work"].value', "userName"]
attributes = ["userName", "active", "displayName", "name.givenName", "name.familyName",
              "externalId", 'emails[type eq "work"].value']
"""
TEST = "test_filter_by_work_email_finds_exactly_that_user"


def test_email_matching_is_skipped_unless_the_profile_matches_on_email(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("-k", TEST, "-rs")
    assert run.outcomes == {TEST: "skipped"}, run.output()
    assert 'does not match users on emails[type eq "work"].value' in run.output()


def test_email_matching_profile_sends_entras_email_filter(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    (workdir / "mail.toml").write_text(EMAIL_MATCHING)
    run = run_suite("-k", TEST, "--scim-profile=mail.toml")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert run.outcomes == {TEST: "passed"}
    broken = run_suite("-k", TEST, "--scim-profile=mail.toml", faults=[Fault.FILTER_IGNORED])
    assert broken.outcomes == {TEST: "failed"}
    message = broken.messages[TEST]
    assert "[entra-breaking] Matching by work email" in message
    assert "filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22" in message
