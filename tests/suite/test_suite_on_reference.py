"""The whole suite against the reference server: everything passes, nothing is left
behind, nothing foreign is touched, and the token appears in no output."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from scim_conformance.reference import Fault, ReferenceApp
from support.suite_run import SuiteRun

FOREIGN_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "someone.else@customer.example",
    "externalId": "not-ours",
    "name": {"givenName": "Some", "familyName": "One"},
    "emails": [{"type": "work", "value": "someone.else@customer.example", "primary": True}],
}
FOREIGN_GROUP = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Customer admins",
}


def seed_foreign(app: ReferenceApp) -> None:
    """A tenant that already holds a user and a group the suite did not create."""
    user = app.seed_user(copy.deepcopy(FOREIGN_USER))
    group = dict(FOREIGN_GROUP, members=[{"value": user["id"]}])
    app.seed_group(group)


def test_suite_passes_and_leaves_the_tenant_as_it_found_it(
    run_suite: Callable[..., SuiteRun],
) -> None:
    before: dict[str, object] = {}

    def prepare(app: ReferenceApp) -> None:
        seed_foreign(app)
        before["users"], before["groups"] = app.users(), app.groups()

    run = run_suite("-q", prepare=prepare)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert run.failed == []
    passed = [name for name, outcome in run.outcomes.items() if outcome == "passed"]
    assert len(passed) >= 35, run.outcomes
    # Foreign resources byte-for-byte unchanged; nothing of the suite's left behind.
    assert run.server.app.users() == before["users"]
    assert run.server.app.groups() == before["groups"]


def test_both_dialects_run_by_default_and_can_be_narrowed(
    run_suite: Callable[..., SuiteRun],
) -> None:
    both = run_suite("--collect-only", "-q")
    ids = both.result.stdout.str()
    assert "test_replace_username[legacy]" in ids
    assert "test_replace_username[aadOptscim062020]" in ids
    legacy = run_suite("--collect-only", "-q", "--entra-dialect=legacy").result.stdout.str()
    assert "test_replace_username[legacy]" in legacy
    assert "aadOptscim062020]" not in legacy


def test_failing_run_keeps_the_token_out_of_every_output(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run = run_suite(
        "-vv",
        "-l",
        "--html=report.html",
        "--self-contained-html",
        "--junitxml=junit.xml",
        "--scim-json=results.json",
        "--scim-write-baseline=known.toml",
        "-rA",
        "--log-level=DEBUG",
        "-o",
        "log_cli=true",
        "--showlocals",
        faults=[
            Fault.FILTER_IGNORED,
            Fault.STALE_PATCH_BODY,
            Fault.NOT_FOUND_WITHOUT_SCIM_BODY,
            Fault.WRONG_TOKEN_ACCEPTED,
        ],
    )
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    assert "DEBUG" in run.output()  # httpx/httpcore debug logging was on
    html = (workdir / "report.html").read_text()
    junit = (workdir / "junit.xml").read_text()
    outputs = {
        "terminal": run.output(),
        "html": html,
        "junit": junit,
        "json": (workdir / "results.json").read_text(),
        "baseline": (workdir / "known.toml").read_text(),
    }
    for name, text in outputs.items():
        assert run.token not in text, name
    collect = run_suite("--collect-only", "-vv")
    assert collect.token not in collect.output()
    assert "Bearer [REDACTED]" in html
    assert "curl -sS -X" in run.output()
    ElementTree.fromstring(junit)  # well-formed


def test_html_report_shows_every_exchange(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    run = run_suite("--html=report.html", "--self-contained-html", "-k", "probe")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    html = (workdir / "report.html").read_text()
    data = json.loads(
        re.search(r'data-jsonblob="([^"]*)"', html)
        .group(1)
        .replace("&#34;", '"')
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
    )
    tests = data["tests"]
    assert tests, data
    extras = json.dumps(tests)
    assert "filter=userName+eq+%22" in extras
    assert "scim-ex" in extras
    assert run.server.base_url in html
