"""The Webex checks: they run when the endpoint is held to Webex's rules (chosen by default
for a Webex-style target, whatever the mapping), a legal variation passes, both forms of
Webex's tenant URL work, and the functions that judge Webex behaviour are right. Each
check's broken variant is in the table of support/variants.py."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from scim_conformance import endpoints
from scim_conformance.checks import rules, webex
from scim_conformance.checks.rules import CATALOGUE
from scim_conformance.http.transcript import Exchange, Redactor
from scim_conformance.reference import DEFAULT_ORG_ID, Fault, ReferenceApp, serve
from scim_conformance.reporting.collect import RETRY_AFTER_CHECK, judge_throttling
from scim_conformance.reporting.outcomes import RunOutcomes, TestOutcome
from scim_conformance.reporting.verdict import decide
from scim_conformance.severity import Severity
from support.suite_run import ONLY_WEBEX, WEBEX, SuiteRun


def test_webex_rules_follow_the_endpoint_not_the_mapping(
    run_suite: Callable[..., SuiteRun],
) -> None:
    """The reference's URL has Webex's form: its rules apply under the generic mapping,
    and the header says why; --scim-endpoint=generic turns them off without a request."""
    run = run_suite("-m", "webex", ONLY_WEBEX)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "profile: entra-default" in run.output()
    assert (
        "Endpoint rules: webex (the tenant URL has Webex's /identity/scim/{orgId}/v2 form)"
        in run.output()
    )
    assert set(run.outcomes.values()) == {"passed"}, run.outcomes
    assert "Webex rules: 0 findings" in run.output()
    generic = run_suite("-m", "webex", ONLY_WEBEX, "--scim-endpoint=generic")
    assert generic.result.ret == pytest.ExitCode.OK, generic.output()
    assert "Endpoint rules: generic (--scim-endpoint=generic was given)" in generic.output()
    assert set(generic.outcomes.values()) == {"skipped"}, generic.outcomes
    assert "Webex rules: not run" in generic.output()
    assert generic.server.app.request_count <= 3, "Webex checks sent requests when off"


def test_generic_mapping_and_webex_rules_in_one_run(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    """A vendor connecting Entra's generic SCIM app to a Webex-style endpoint: the generic
    mapping's update and manager tests and the Webex checks run together."""
    chosen = "webex or add_attribute_that_was_empty or replace_work_email or set_manager"
    run = run_suite("-k", f"{chosen} or by_external_id", "--scim-json=results.json")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "skipped" not in run.outcomes.values(), run.outcomes
    ran = {name for name, outcome in run.outcomes.items() if outcome == "passed"}
    # What the Webex mapping skips (it does not send title, emails, manager; it matches on
    # userName only), the generic mapping runs, beside the Webex rules.
    for name in (
        "test_add_attribute_that_was_empty[legacy]",
        "test_replace_work_email[aadOptscim062020]",
        "test_set_manager[urn-object]",
        "test_filter_by_external_id_finds_exactly_that_user",
    ):
        assert name in ran, sorted(ran)
    assert len([name for name in ran if name.startswith("test_webex")]) >= 30
    document = json.loads((workdir / "results.json").read_text(encoding="utf-8"))
    assert document["run"]["profile"] == "entra-default"
    assert document["run"]["endpoint"]["rules"] == "webex"
    assert document["axes"]["webex_rules"] == {
        "entra-breaking": 0,
        "webex-clients": 0,
        "advisory": 0,
    }


class Elsewhere(ReferenceApp):
    """The reference server also under /scim/v2, a tenant URL of neither Webex form; it
    keeps the path of every request."""

    paths: list[str]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        self.__dict__.setdefault("paths", []).append(path)
        if path.startswith(ELSEWHERE):
            environ = {**environ, "PATH_INFO": self.base_path + path[len(ELSEWHERE) :]}
        return super().__call__(environ, start_response)


ELSEWHERE = "/scim/v2"


@pytest.mark.parametrize(
    ("at", "faults", "header"),
    [
        (None, (), "webex (the tenant URL has Webex's /identity/scim/{orgId}/v2 form)"),
        (
            f"/v1/scim/{DEFAULT_ORG_ID}",
            (),
            "webex (the tenant URL has the /v1/scim/{orgId} form of Microsoft's Cisco Webex "
            "tutorial)",
        ),
        # Neither URL form: the one GET /Schemas decides.
        (
            ELSEWHERE,
            (),
            "webex (GET /Schemas lists the Cisco user extension "
            "urn:scim:schemas:extension:cisco:webexidentity:2.0:User)",
        ),
        (
            ELSEWHERE,
            (Fault.DISCOVERY_MISSING,),
            "generic (the tenant URL has neither of Webex's forms and GET /Schemas does not "
            "list the Cisco user extension)",
        ),
    ],
    ids=["current-url", "tutorial-url", "discovery", "not-webex"],
)
def test_auto_detects_webex_style_endpoints(
    run_suite: Callable[..., SuiteRun],
    workdir: Path,
    at: str | None,
    faults: tuple[Fault, ...],
    header: str,
) -> None:
    app = Elsewhere("tok-" + secrets.token_urlsafe(18), faults=faults)
    run = run_suite("-k", "filter_or", ONLY_WEBEX, "--scim-json=results.json", app=app, at=at)
    assert f"Endpoint rules: {header}" in run.output().splitlines(), run.output()
    run_facts = json.loads((workdir / "results.json").read_text(encoding="utf-8"))["run"]
    assert run_facts["endpoint"] == {
        "rules": header.split(" ")[0],
        "reason": header.split(" (", 1)[1][:-1],
        "option": "auto",
    }
    expected = "passed" if header.startswith("webex") else "skipped"
    assert run.outcomes == {"test_webex_filter_or": expected}, run.outcomes
    # Discovery is asked once, on the controller, only when the URL does not decide.
    schemas = [p for p in app.__dict__.get("paths", []) if p.endswith("/Schemas")]
    assert len(schemas) == (1 if at == ELSEWHERE else 0), schemas


def test_collect_only_decides_from_the_url_alone(pytester: pytest.Pytester) -> None:
    app = Elsewhere("tok-" + secrets.token_urlsafe(18))
    with serve(app) as server:
        url = server.base_url.removesuffix(app.base_path) + ELSEWHERE
        result = pytester.runpytest_inprocess(
            f"--scim-url={url}", f"--token={app.token}", "--collect-only", "-q", ONLY_WEBEX
        )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert app.request_count == 0  # --collect-only needs no network
    assert "test_webex.py::test_webex_filter_or" in result.stdout.str()


def test_a_webex_rule_broken_fails_by_default_labelled_as_a_webex_rule(
    run_suite: Callable[..., SuiteRun],
) -> None:
    """No option: the Webex-style URL brings in the Webex rules, and a dropped Cisco
    extension and ignored size limits fail the run on the Webex axis, not as RFC
    deviations."""
    run = run_suite(ONLY_WEBEX, faults=[Fault.CISCO_EXTENSION_DROPPED, Fault.SIZE_LIMITS_IGNORED])
    output = run.output()
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert "Entra-ready" in output
    assert "SCIM conformance: no RFC deviations found" in output
    assert "Webex rules: 2 findings (2 webex-clients)" in output
    assert "[webex-clients] (webex rule) The Cisco extension did not round-trip" in output
    assert "Gate --scim-fail-on=rfc: FAILED (exit 1)" in output


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
    # The reference never throttles: the 429 check finds nothing wrong, and passes.
    assert webex_tests["test_webex_rate_limits_carry_retry_after"] == "passed"
    paths = {urlsplit(url).path for url in request_urls(workdir)}
    below = [p for p in paths if not p.startswith("/Schemas/SCIM2/")]
    assert below, paths
    assert all(p.startswith(f"/v1/scim/{DEFAULT_ORG_ID}/") for p in below), paths
    assert app.users() == []
    assert app.groups() == []


def test_flagged_tenant_url_keeps_the_query_out_of_resource_paths(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    """`…/v1/scim/{orgId}/?aadOptscim062020` gets both dialects (on-demand provisioning
    ignores the flag); the query is never repeated into resource paths."""
    app = ReferenceApp("tok-" + secrets.token_urlsafe(18))
    run = run_suite(*TENANT_RUN, app=app, at=f"/v1/scim/{DEFAULT_ORG_ID}/?aadOptscim062020")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    names = list(run.outcomes)
    assert any(n.endswith("[aadOptscim062020]") for n in names), names
    assert any(n.endswith("[legacy]") for n in names), names
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


def test_webex_rules_are_graded_on_their_own_scale() -> None:
    """A Webex rule is entra-breaking (Entra's Webex app fails), webex-clients (only Webex's
    own clients do) or advisory; never rfc. Nothing else is webex-clients."""
    for rule in CATALOGUE.values():
        if rule.vendor == "webex":
            assert rule.severity is not Severity.RFC, rule.id
            assert rule.sources[0].url.startswith("https://developer.webex.com/") or any(
                "webex.com" in source.url for source in rule.sources
            ), rule.id
            assert rule.grading, rule.id
        else:
            assert rule.severity is not Severity.WEBEX_CLIENTS, rule.id
    with pytest.raises(ValueError, match="severity rfc with vendor webex"):
        rules.rule("webex-example", "x", Severity.RFC, (), "x", vendor="webex")
    assert "webex-example" not in CATALOGUE


def test_the_controller_judges_429s_of_tests_the_check_did_not_see() -> None:
    """Under pytest-xdist the 429 check sees only its worker: the controller adds the one
    finding from another worker's exchanges to the check's outcome, and only once."""
    results = RunOutcomes()
    check = TestOutcome(RETRY_AFTER_CHECK, "Webex", None, outcome="passed")
    other = TestOutcome("test_groups.py::test_create_group", "Groups", None)
    other.exchanges = [answer(429, {}).to_dict(), answer(200, {}).to_dict()]
    results.tests = {check.nodeid: check, other.nodeid: other}
    judge_throttling(results, "https://scim.example")
    judge_throttling(results, "https://scim.example")
    [finding] = results.findings()
    assert finding.rule == "webex-retry-after"
    assert finding.vendor == "webex"
    assert finding.advised == [RETRY_AFTER_CHECK]
    assert "1 of 1 429 answers" in finding.actual
    assert decide(results, "advisory").webex == {
        "entra-breaking": 0,
        "webex-clients": 0,
        "advisory": 1,
    }
    assert decide(results, "rfc").gate_failed is False  # advisory: only --scim-strict fails


@pytest.mark.parametrize(
    ("url", "rules_name", "decided"),
    [
        ("https://webexapis.com/identity/scim/0ae87ade/v2", "webex", True),
        ("https://webexapis.com/identity/scim/0ae87ade/v2/?aadOptscim062020", "webex", True),
        ("https://api.ciscospark.com/v1/scim/0ae87ade", "webex", True),
        ("https://api.ciscospark.com/v1/scim/0ae87ade/", "webex", True),
        ("https://api.example.com/scim/v2", "generic", False),
        ("https://api.example.com/identity/scim/org/v2/Users", "generic", False),
    ],
)
def test_endpoint_rules_from_the_tenant_url(url: str, rules_name: str, decided: bool) -> None:
    chosen = endpoints.choose("auto", url)
    assert (chosen.name, chosen.decided, chosen.option) == (rules_name, decided, "auto")
    # An explicit option wins, and says where it came from.
    assert endpoints.choose("generic", url).line() == (
        "Endpoint rules: generic (--scim-endpoint=generic was given)"
    )
    assert endpoints.choose("webex", url, "SCIM_CONFORMANCE_ENDPOINT").reason == (
        "SCIM_CONFORMANCE_ENDPOINT=webex was given"
    )


def test_endpoint_rules_from_discovery_in_either_shape() -> None:
    undecided = endpoints.choose("auto", "https://api.example.com/scim/v2")
    rfc_list = {"Resources": [{"id": endpoints.CISCO_USER}, {"id": "urn:x"}]}
    webex_form = {endpoints.CISCO_USER: {"attributes": []}}
    assert endpoints.discovered(undecided, rfc_list).name == "webex"
    assert endpoints.discovered(undecided, webex_form).name == "webex"
    assert endpoints.discovered(undecided, {"Resources": []}).name == "generic"
    assert endpoints.discovered(undecided, None).reason == endpoints.NOT_DISCOVERED
    given = endpoints.choose("generic", "https://api.example.com/scim/v2")
    assert endpoints.discovered(given, rfc_list) is given  # an explicit choice stands
