"""The Webex checks (`--scim-profile=webex`): they run only with the Webex profile, a legal
variation passes, both forms of Webex's tenant URL work, and the functions that judge Webex
behaviour are right. Each check's broken variant is in the table of support/variants.py."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scim_conformance.checks import webex
from scim_conformance.http.transcript import Exchange, Redactor
from scim_conformance.reference import DEFAULT_ORG_ID, Fault, ReferenceApp
from support.suite_run import ONLY_WEBEX, WEBEX, SuiteRun


def test_webex_checks_need_the_profile(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-m", "webex", ONLY_WEBEX)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert set(run.outcomes.values()) == {"skipped"}, run.outcomes
    assert run.server.app.request_count <= 3, "Webex checks sent requests without the profile"


def test_error_bodies_without_the_cisco_extension_pass(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite(*WEBEX, "-k", "error_bodies", faults=[Fault.NO_CISCO_ERROR_EXTENSION])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert run.outcomes["test_webex_error_bodies_with_or_without_cisco_extension"] == "passed"


# Tenant URLs ------------------------------------------------------------------------------

# The whole suite but the property tests (slow, and URL-independent), with the Webex profile.
TENANT_RUN = ("--scim-profile=webex", "--scim-json=results.json")


def request_urls(workdir: Path) -> list[str]:
    """Every request URL the run recorded, from its results.json."""
    results = json.loads((workdir / "results.json").read_text(encoding="utf-8"))
    return [exchange["url"] for test in results["tests"] for exchange in test["exchanges"]]


def test_legacy_tenant_url_form(run_suite: Callable[..., SuiteRun], workdir: Path) -> None:
    """Entra's Webex tutorial still gives https://api.ciscospark.com/v1/scim/{orgId}."""
    app = ReferenceApp("tok-" + secrets.token_urlsafe(18))
    run = run_suite(*TENANT_RUN, app=app, at=f"/v1/scim/{DEFAULT_ORG_ID}")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    webex_tests = {n: o for n, o in run.outcomes.items() if n.startswith("test_webex")}
    assert len([o for o in webex_tests.values() if o == "passed"]) >= 30, webex_tests
    # The reference never throttles: the 429 check has nothing to look at.
    assert webex_tests["test_webex_rate_limits_carry_retry_after"] == "skipped"
    paths = {urlsplit(url).path for url in request_urls(workdir)}
    below = [p for p in paths if not p.startswith("/Schemas/SCIM2/")]
    assert below, paths
    assert all(p.startswith(f"/v1/scim/{DEFAULT_ORG_ID}/") for p in below), paths
    assert app.users() == []
    assert app.groups() == []


def test_flagged_tenant_url_keeps_the_query_out_of_resource_paths(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    """`…/v1/scim/{orgId}/?aadOptscim062020` selects the flag dialect; the query is never
    repeated into resource paths."""
    app = ReferenceApp("tok-" + secrets.token_urlsafe(18))
    run = run_suite(*TENANT_RUN, app=app, at=f"/v1/scim/{DEFAULT_ORG_ID}/?aadOptscim062020")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    names = list(run.outcomes)
    assert any(n.endswith("[aadOptscim062020]") for n in names), names
    assert not any(n.endswith("[legacy]") for n in names), names
    urls = request_urls(workdir)
    assert urls
    assert not [u for u in urls if "aadOptscim062020" in u]
    assert not [u for u in urls if "//Users" in u or "//Groups" in u]


# Judging Webex behaviour --------------------------------------------------------------------


def answer(status: int, headers: dict[str, str]) -> Exchange:
    """A recorded exchange with this status and these response headers."""
    return Exchange.record(
        Redactor([]),
        method="GET",
        url="https://scim.example/Users",
        request_headers=[],
        request_body=None,
        elapsed_ms=1.0,
        status=status,
        response_headers=list(headers.items()),
        response_body="",
    )


def test_retry_after_is_judged_only_on_429s() -> None:
    exchanges = [
        answer(429, {"Retry-After": "5"}),
        answer(429, {"Retry-After": "Wed, 21 Oct 2037 07:28:00 GMT"}),
        answer(503, {}),
        answer(429, {}),
        answer(429, {"Retry-After": "soon"}),
    ]
    problems = [problem for _, problem in webex.throttled_badly(exchanges)]
    assert problems == [
        "no Retry-After header",
        "Retry-After 'soon' is neither seconds nor an HTTP date",
    ]


def test_round_trip_comparison_tolerates_order_and_added_sub_attributes() -> None:
    sent = {"extensionAttribute1": ["a", "b"], "sipAddresses": [{"value": "sip:x"}]}
    stored = {
        "extensionAttribute1": ["b", "a"],
        "sipAddresses": [{"value": "sip:x", "display": "X"}],
    }
    assert webex.not_kept(sent, stored) == []
    assert webex.not_kept(sent, {"extensionAttribute1": ["a"]}) == [
        'extensionAttribute1 = ["a"] (sent ["a", "b"])',
        'sipAddresses = (absent) (sent [{"value": "sip:x"}])',
    ]


def test_filter_semantics_used_to_judge_results() -> None:
    resource = {"id": "AbC", "userName": "Ada@Example.com", "emails": [{"value": "x@y.z"}]}
    assert webex.satisfies(resource, "userName", "Eq", "ada@example.com") is True
    assert webex.satisfies(resource, "userName", "sw", "ADA@") is True
    assert webex.satisfies(resource, "emails.value", "ew", "@y.z") is True
    assert webex.satisfies(resource, "id", "eq", "abc") is False  # id is caseExact
    assert webex.satisfies(resource, "displayName", "eq", "x") is None  # not shown
    assert webex.operand("sw", "abcdefgh") == "abcde"
    assert webex.operand("EW", "abcdefgh") == "defgh"
