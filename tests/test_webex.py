"""The Webex checks (`--scim-profile=webex`): each is caught by its broken reference
variant with the message a vendor needs, all pass on the reference server, they run only
with the Webex profile, and both forms of Webex's tenant URL work (webex-scim.md §1)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import SuiteRun, collect_outcomes
from scim_conformance.checks import webex
from scim_conformance.http.transcript import Exchange, Redactor
from scim_conformance.plugin.hooks import SUITE_DIR
from scim_conformance.reference import DEFAULT_ORG_ID, Fault, ReferenceApp, serve
from scim_conformance.reference.webex_rules import beyond_eq, is_email

# Only the Webex module is collected: the others are not needed here, and importing them
# again in every in-process run is slow (the property tests load Hypothesis).
ONLY_WEBEX = f"--ignore-glob={SUITE_DIR}/test_[!w]*.py"
WEBEX = ("--scim-profile=webex", "-m", "webex", ONLY_WEBEX)
STRICT = ("--scim-strict",)  # proves advisory checks: their findings fail the test


@dataclass(frozen=True)
class Variant:
    """A broken server, the Webex tests that must fail, words their message must contain,
    and Webex tests that must still pass (the fault is specific to the others)."""

    fault: Fault
    must_fail: tuple[str, ...]
    says: tuple[str, ...]
    must_pass: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


VARIANTS = [
    Variant(
        Fault.USERNAME_EMAIL_RULES_IGNORED,
        (
            "test_webex_username_is_the_primary_email[not-an-email]",
            "test_webex_username_is_the_primary_email[other-primary-email]",
        ),
        ("[rfc]", "webex-scim.md §4.1 [D]", "userName"),
        ("test_webex_username_is_unique_ignoring_case",),
    ),
    Variant(
        Fault.USERNAME_UNIQUE_CASE_SENSITIVE,
        ("test_webex_username_is_unique_ignoring_case",),
        ("[entra-breaking]", "upper case was not refused with 409", "actual:   HTTP 201"),
    ),
    Variant(
        Fault.CISCO_EXTENSION_DROPPED,
        ("test_webex_cisco_extension_round_trips",),
        ("[rfc]", "The Cisco extension did not round-trip", "extensionAttribute1 = (absent)"),
    ),
    Variant(
        Fault.UNKNOWN_SCHEMA_REJECTED,
        ("test_webex_unknown_schema_sections_are_ignored",),
        ("[rfc]", "unknown schema section was refused", "HTTP 400"),
        ("test_webex_cisco_extension_round_trips",),
    ),
    Variant(
        Fault.READ_ONLY_INPUT_REJECTED,
        ("test_webex_read_only_input_is_ignored",),
        ("[rfc]", "read-only attributes was refused", "mutability"),
        ("test_webex_cisco_extension_round_trips",),
    ),
    Variant(
        Fault.USER_TYPE_REQUIRED,
        ("test_webex_user_type_defaults_when_absent",),
        ("[entra-breaking]", "A user without userType was refused", "userType is required"),
    ),
    Variant(
        Fault.USER_TYPE_NOT_DEFAULTED,
        ("test_webex_user_type_defaults_when_absent",),
        ("[advisory] userType was not defaulted", "userType (absent)"),
        ("test_webex_cisco_extension_round_trips",),
        STRICT,
    ),
    Variant(
        Fault.FILTER_EQ_ONLY,
        (
            "test_webex_filter_operators[userName sw]",
            "test_webex_filter_operators[emails.value ew]",
            "test_webex_filter_operators[userName Eq]",
            "test_webex_filter_or",
        ),
        ("[rfc]", "was refused", "invalidFilter"),
        ("test_webex_filter_operators[userName eq]", "test_webex_filter_operators[id eq]"),
    ),
    Variant(
        Fault.PAGINATION_IGNORED,
        ("test_webex_pages_with_string_start_index_and_count",),
        ("[rfc]", "does not walk the result set", "3 resources at startIndex=1 for count=1"),
    ),
    Variant(
        Fault.PATCH_NO_TARGET_IGNORED,
        (
            "test_webex_patch_without_target_is_no_target[remove-without-path]",
            "test_webex_patch_without_target_is_no_target[replace-unmatched-value-filter]",
        ),
        ("[rfc]", "was not refused", "expected: HTTP 400"),
    ),
    Variant(
        Fault.ERROR_STATUS_INTEGER,
        ("test_webex_error_bodies_with_or_without_cisco_extension",),
        ("[rfc]", "Error body for GET an unknown user", "is not of type 'string'"),
    ),
    Variant(
        Fault.INACTIVE_UNLISTED,
        (
            "test_webex_deactivated_user_stays_listed[legacy]",
            "test_webex_deactivated_user_stays_listed[aadOptscim062020]",
        ),
        ("[rfc]", "missing from the unfiltered user list", "§9.28 [D]"),
    ),
    Variant(
        Fault.INCLUDE_MEMBERS_IGNORED,
        ("test_webex_group_list_members_only_when_asked",),
        ("[rfc]", "with includeMembers=true: members missing", "members (absent)"),
    ),
    Variant(
        Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED,
        ("test_webex_group_list_members_only_when_asked",),
        (
            "[rfc]",
            "members listed without includeMembers",
        ),
    ),
    Variant(
        Fault.SIZE_LIMITS_IGNORED,
        (
            "test_webex_size_limits_are_enforced[emails-10]",
            "test_webex_size_limits_are_enforced[phoneNumbers-50]",
        ),
        ("[advisory]", "were not refused", "§9.33 [I]"),
        ("test_webex_cisco_extension_round_trips",),
        STRICT,
    ),
    Variant(
        Fault.THROTTLES_WITHOUT_RETRY_AFTER,
        ("test_webex_rate_limits_carry_retry_after",),
        ("[advisory] A 429 without a usable Retry-After (no Retry-After header)", "429 answers"),
        ("test_webex_filter_or", "test_webex_cisco_extension_round_trips"),
        (*STRICT, "--scim-max-retry-wait=0"),
    ),
]
# The faults added for the Webex checks; tests/test_broken_variants.py counts them as
# covered here (PAGINATION_IGNORED, ERROR_STATUS_INTEGER and GROUP_EXCLUDED_ATTRIBUTES_IGNORED
# are its own, reused above).
WEBEX_FAULTS = (
    Fault.USERNAME_EMAIL_RULES_IGNORED,
    Fault.USERNAME_UNIQUE_CASE_SENSITIVE,
    Fault.CISCO_EXTENSION_DROPPED,
    Fault.UNKNOWN_SCHEMA_REJECTED,
    Fault.READ_ONLY_INPUT_REJECTED,
    Fault.USER_TYPE_REQUIRED,
    Fault.USER_TYPE_NOT_DEFAULTED,
    Fault.FILTER_EQ_ONLY,
    Fault.PATCH_NO_TARGET_IGNORED,
    Fault.NO_CISCO_ERROR_EXTENSION,
    Fault.THROTTLES_WITHOUT_RETRY_AFTER,
    Fault.INACTIVE_UNLISTED,
    Fault.INCLUDE_MEMBERS_IGNORED,
    Fault.SIZE_LIMITS_IGNORED,
)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.fault.value)
def test_broken_webex_server_is_caught_by_the_right_check(
    run_suite: Callable[..., SuiteRun], variant: Variant
) -> None:
    run = run_suite(*WEBEX, *variant.args, faults=[variant.fault])
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, run.output()
    for name in variant.must_fail:
        assert run.outcomes.get(name) == "failed", (name, run.failed)
        for words in variant.says:
            assert words in run.messages[name], (name, words, run.messages[name])
    for name in variant.must_pass:
        assert run.outcomes.get(name) == "passed", (name, run.messages.get(name))
    assert "INTERNALERROR" not in run.output()
    assert run.token not in run.output()
    assert run.server.app.users() == [], "the run left users behind"


def test_webex_checks_need_the_profile(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-m", "webex", ONLY_WEBEX)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert set(run.outcomes.values()) == {"skipped"}, run.outcomes
    assert run.server.app.request_count <= 3, "Webex checks sent requests without the profile"


def test_error_bodies_without_the_cisco_extension_pass(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite(*WEBEX, "-k", "error_bodies", faults=[Fault.NO_CISCO_ERROR_EXTENSION])
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert run.outcomes["test_webex_error_bodies_with_or_without_cisco_extension"] == "passed"


def test_every_webex_fault_is_proven() -> None:
    # NO_CISCO_ERROR_EXTENSION is legal: test_error_bodies_without_the_cisco_extension_pass.
    proven = {variant.fault for variant in VARIANTS} | {Fault.NO_CISCO_ERROR_EXTENSION}
    assert set(WEBEX_FAULTS) <= proven


# Tenant URLs ------------------------------------------------------------------------------


def run_at(pytester: pytest.Pytester, app: ReferenceApp, path_and_query: str) -> SuiteRun:
    """The whole suite with the Webex profile against the reference at another URL form."""
    with serve(app) as server:
        result = pytester.runpytest_inprocess(
            f"--scim-url=http://127.0.0.1:{server.port}{path_and_query}",
            f"--token={app.token}",
            "--scim-profile=webex",
            "--scim-json=results.json",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:hypothesispytest",
            # Property tests are slow and URL-independent; everything else runs.
            "-k",
            "not test_properties",
        )
        run = SuiteRun(result, app.token, server)
    collect_outcomes(run)
    return run


def request_urls(pytester: pytest.Pytester) -> list[str]:
    """Every request URL the run recorded, from its results.json."""
    results = json.loads((pytester.path / "results.json").read_text(encoding="utf-8"))
    return [exchange["url"] for test in results["tests"] for exchange in test["exchanges"]]


def test_legacy_tenant_url_form(pytester: pytest.Pytester) -> None:
    """Entra's Webex tutorial still gives https://api.ciscospark.com/v1/scim/{orgId} (§1 [M])."""
    app = ReferenceApp("tok-" + secrets.token_urlsafe(18))
    run = run_at(pytester, app, f"/v1/scim/{DEFAULT_ORG_ID}")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    webex_tests = {n: o for n, o in run.outcomes.items() if n.startswith("test_webex")}
    assert len([o for o in webex_tests.values() if o == "passed"]) >= 30, webex_tests
    # The reference never throttles: the 429 check has nothing to look at.
    assert webex_tests["test_webex_rate_limits_carry_retry_after"] == "skipped"
    paths = {urlsplit(url).path for url in request_urls(pytester)}
    below = [p for p in paths if not p.startswith("/Schemas/SCIM2/")]
    assert below, paths
    assert all(p.startswith(f"/v1/scim/{DEFAULT_ORG_ID}/") for p in below), paths
    assert app.users() == []
    assert app.groups() == []


def test_flagged_tenant_url_keeps_the_query_out_of_resource_paths(
    pytester: pytest.Pytester,
) -> None:
    """`…/v1/scim/{orgId}/?aadOptscim062020` selects the flag dialect; the query is never
    repeated into resource paths (entra-sequences.md conventions, §12b)."""
    app = ReferenceApp("tok-" + secrets.token_urlsafe(18))
    run = run_at(pytester, app, f"/v1/scim/{DEFAULT_ORG_ID}/?aadOptscim062020")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    names = list(run.outcomes)
    assert any(n.endswith("[aadOptscim062020]") for n in names), names
    assert not any(n.endswith("[legacy]") for n in names), names
    urls = request_urls(pytester)
    assert urls
    assert not [u for u in urls if "aadOptscim062020" in u]
    assert not [u for u in urls if "//Users" in u or "//Groups" in u]


# The reference server's Webex behaviour ---------------------------------------------------


@pytest.fixture(scope="module")
def http() -> Any:
    """A client on the reference server's legacy tenant URL form."""
    app = ReferenceApp("token")
    with serve(app) as server:
        base = f"http://127.0.0.1:{server.port}/v1/scim/{DEFAULT_ORG_ID}"
        headers = {"Authorization": "Bearer token"}
        with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
            yield client


def user(name: str, **extra: Any) -> dict[str, Any]:
    """A minimal user body."""
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, **extra}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(user("not-an-email"), 400, id="username-not-email"),
        pytest.param(
            user(
                "a1@example.com",
                emails=[{"value": "b@example.com", "type": "work", "primary": True}],
            ),
            400,
            id="primary-email-differs",
        ),
        pytest.param(
            user(
                "A2@Example.com",
                emails=[{"value": "a2@example.com", "type": "work", "primary": True}],
            ),
            201,
            id="primary-email-other-case",
        ),
        pytest.param(
            user("a3@example.com", emails=[{"value": f"{i}@example.com"} for i in range(11)]),
            400,
            id="eleven-emails",
        ),
        pytest.param(
            user("a4@example.com", emails=[{"value": f"{i}@example.com"} for i in range(10)]),
            201,
            id="ten-emails",
        ),
        pytest.param(
            user("a5@example.com", phoneNumbers=[{"value": str(i)} for i in range(51)]),
            400,
            id="fifty-one-phone-numbers",
        ),
    ],
)
def test_reference_enforces_webex_user_rules(
    http: httpx.Client, body: dict[str, Any], status: int
) -> None:
    response = http.post("/Users", json=body)
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["scimType"] == "invalidValue"


def test_reference_keeps_the_cisco_extension_and_answers_no_target(http: httpx.Client) -> None:
    cisco = webex.cisco_sample("c@example.com", "t")
    created = http.post("/Users", json=user("c@example.com", **{webex.CISCO_USER: cisco}))
    assert created.status_code == 201, created.text
    assert created.json()[webex.CISCO_USER] == cisco
    url = f"/Users/{created.json()['id']}"
    unmatched = {"op": "replace", "path": 'emails[value eq "x@y"].type', "value": "other"}
    message = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
    response = http.patch(url, json={**message, "Operations": [unmatched]})
    assert response.status_code == 400
    assert response.json()["scimType"] == "noTarget"
    # Entra's shape still creates the missing element it selects by type (§5b).
    work = {"op": "add", "path": 'emails[type eq "work"].value', "value": "c@example.com"}
    assert http.patch(url, json={**message, "Operations": [work]}).status_code == 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a@example.com", True),
        ('"quoted@local"@example.com', True),
        ("no-at-sign", False),
        ("@example.com", False),
        ("a@", False),
        ("a@exa mple.com", False),
    ],
)
def test_is_email(text: str, expected: bool) -> None:
    assert is_email(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "a"', False),
        ('emails[type eq "work"].value eq "x" and active eq true', False),
        ('userName Eq "a"', True),
        ('userName sw "a"', True),
        ('userName eq "a" or userName eq "b"', True),
        ('displayName eq "sw or Eq"', False),
    ],
)
def test_beyond_eq(text: str, expected: bool) -> None:
    assert beyond_eq(text) is expected


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
