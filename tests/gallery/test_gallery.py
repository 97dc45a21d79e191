"""The gallery view (--scim-gallery): Microsoft's 25 validation tests by name, judged with
Microsoft's pass logic; the OAuth client-credentials flow, its lifetime check, and that the
client secret and the issued tokens reach no output."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx
import pytest

from scim_conformance.gallery.assess import (
    FAILED,
    NEEDS_ENTRA,
    NOT_APPLICABLE,
    NOT_READY,
    PASSED,
    READY,
    Facts,
    GalleryView,
    assess,
)
from scim_conformance.gallery.catalogue import TESTS
from scim_conformance.gallery.schema_names import flatten, missing
from scim_conformance.plugin.settings import SettingsError, resolve
from scim_conformance.profiles import ENTRA_FULL
from scim_conformance.reference import Fault, ReferenceApp, serve
from scim_conformance.reference.discovery import schemas
from scim_conformance.reporting.outcomes import RunOutcomes, TestOutcome
from support.suite_run import GENERATED

GROUP_TESTS = {t.name for t in TESTS if t.group_required}


def outcomes(*tests: TestOutcome) -> RunOutcomes:
    """A run's outcomes: every covering test passed, but for `tests`."""
    run = RunOutcomes()
    for name in {n for t in TESTS for n in t.covered_by}:
        run.tests[f"x.py::{name}"] = TestOutcome(f"x.py::{name}", "Other", None)
    for test in tests:
        run.tests[test.nodeid] = test
    return run


def failed(name: str, rule: str, actual: str = "") -> TestOutcome:
    """A test that failed on a finding of `rule`."""
    finding = {"fingerprint": f"{rule} GET /x", "severity": "rfc", "title": "t", "rule": rule}
    return TestOutcome(f"x.py::{name}", "Other", None, "failed", dict(finding, actual=actual))


def by_name(view: GalleryView) -> dict[str, str]:
    return {r.test.name: r.result for r in view.results}


OAUTH = Facts(manager_mapped=True, token_endpoint=True)


def test_the_catalogue_has_microsofts_25_tests_by_name_and_category() -> None:
    assert [t.number for t in TESTS] == list(range(1, 26))
    optional = {t.name for t in TESTS if t.optional}
    assert optional == {
        "Delete_User_Test",
        "Delete_Group_Test",
        "Restore_Group_Test",
        "SCIM_Group_Pagination_Test",
    }
    assert {t.name for t in TESTS if t.authentication} == {
        "Validate_Credentials_Test",
        "Federated_Identity_Test",
    }


def test_covering_tests_exist_in_the_suite() -> None:
    suite = Path(__file__).resolve().parents[2] / "scim_conformance" / "suite"
    source = "".join(p.read_text(encoding="utf-8") for p in suite.glob("test_*.py"))
    for test in TESTS:
        for name in test.covered_by:
            assert f"def {name}(" in source, (test.name, name)


def test_all_passed_with_oauth_is_ready_and_pod_needs_entra() -> None:
    view = assess(outcomes(), OAUTH)
    assert view.overall == READY
    results = by_name(view)
    assert results["POD_User_Test"] == results["Federated_Identity_Test"] == NEEDS_ENTRA
    assert results["Validate_Credentials_Test"] == PASSED
    assert "check in Entra before you submit" in view.reasons[-1]


def test_a_static_bearer_token_is_not_ready_no_authentication_test_passes() -> None:
    view = assess(outcomes(), Facts(manager_mapped=True, token_endpoint=False))
    assert by_name(view)["Validate_Credentials_Test"] == NOT_APPLICABLE
    assert view.overall == NOT_READY
    assert "no authentication test passed" in view.reasons[0]


def test_an_optional_failure_is_a_warning_that_does_not_block() -> None:
    view = assess(outcomes(failed("test_gallery_group_pagination", "pagination")), OAUTH)
    row = next(r for r in view.results if r.test.name == "SCIM_Group_Pagination_Test")
    assert row.result == FAILED
    assert row.warning
    assert view.overall == READY
    assert any("warnings, not blocking" in reason for reason in view.reasons)


def test_a_mandatory_failure_names_its_findings() -> None:
    view = assess(outcomes(failed("test_gallery_user_pagination", "pagination")), OAUTH)
    row = next(r for r in view.results if r.test.name == "SCIM_User_Pagination_Test")
    assert row.result == FAILED
    assert row.findings[0]["rule"] == "pagination"
    assert view.overall == NOT_READY


def test_no_group_schema_fails_the_group_tests_instead_of_skipping_them() -> None:
    missing_group = failed(
        "test_schemas_include_user_and_group",
        "discovery-users-groups",
        "missing urn:ietf:params:scim:schemas:core:2.0:Group; served: …",
    )
    results = by_name(assess(outcomes(missing_group), OAUTH))
    assert {name for name in GROUP_TESTS if results[name] == FAILED} == GROUP_TESTS


def test_no_manager_mapping_makes_the_manager_tests_not_applicable() -> None:
    results = by_name(assess(outcomes(), Facts(manager_mapped=False, token_endpoint=True)))
    assert results["User_Update_Manager_Test"] == NOT_APPLICABLE
    assert results["SCIM_Update_Manager_Test"] == NOT_APPLICABLE


def test_schemas_are_flattened_as_microsoft_flattens_them_ignoring_case() -> None:
    users, groups = flatten(schemas("https://x/v2"))
    assert 'emails[type eq "work"].value' in users
    assert "name.givenname" in users
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager" in users
    assert missing(sorted(ENTRA_FULL.user_attributes), users) == []
    assert missing(["displayName", "members", "externalId"], groups) == []
    assert missing(["Title", "costCenter"], users) == ["costCenter"]


def resolve_with(cli: dict[str, object]) -> object:
    """Resolve settings from command-line values alone (no ini, no environment)."""

    def no_reference() -> tuple[str, str]:
        raise AssertionError("no reference server here")

    return resolve(cli.get, lambda name: None, {}, start_reference=no_reference)


def test_oauth_options_need_each_other_and_the_secret_by_environment() -> None:
    url = {"scim_url": "https://scim.example.test/v2"}
    with pytest.raises(SettingsError, match="--scim-client-id given without"):
        resolve_with(cli={**url, "scim_token": "t", "scim_client_id": "c"})
    with pytest.raises(SettingsError, match="client secret in SCIM_CONFORMANCE_CLIENT_SECRET"):
        resolve_with(
            cli={**url, "scim_token_endpoint": "https://idp.test/t", "scim_client_id": "c"}
        )


def _oauth_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, faults: list[Fault]
) -> tuple[pytest.RunResult, dict[str, object], list[str]]:
    """A gallery run whose token comes from the reference server's token endpoint; returns
    the run, results.json, and every secret the run must not show."""
    secret = f"sec-{secrets.token_urlsafe(18)}"
    app = ReferenceApp(secret, faults=faults)
    monkeypatch.setenv("SCIM_CONFORMANCE_CLIENT_SECRET", secret)
    results = pytester.path / "results.json"
    with serve(app) as server:
        root = server.base_url.removesuffix(app.base_path)
        run = pytester.runpytest_inprocess(
            f"--scim-url={server.base_url}",
            f"--scim-token-endpoint={root}/oauth/token",
            "--scim-client-id=scim-conformance",
            "--scim-gallery",
            "-k",
            "test_gallery_client_credentials or test_probe_for_unknown_user",
            f"--scim-json={results}",
            "-p",
            "no:cacheprovider",
        )
        issued = sorted(app._issued)
    return run, json.loads(results.read_text()), [secret, *issued]


def test_the_run_uses_the_client_credentials_token_and_never_shows_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run, document, hidden = _oauth_run(pytester, monkeypatch, [])
    output = run.stdout.str() + run.stderr.str()
    assert run.ret == pytest.ExitCode.OK, output
    assert len(hidden) == 2  # the secret and the one token issued
    text = output + json.dumps(document) + (pytester.path / "results.json").read_text()
    for value in hidden:
        assert value not in text
    rows = {row["name"]: row for row in document["gallery_validation"]["tests"]}  # type: ignore[index]
    assert rows["Validate_Credentials_Test"]["result"] == PASSED


def test_token_lifetime_outside_the_range_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault.TOKEN_LIFETIME_24H: tokens valid 24 hours fail Validate_Credentials_Test."""
    run, document, hidden = _oauth_run(pytester, monkeypatch, [Fault.TOKEN_LIFETIME_24H])
    output = run.stdout.str() + run.stderr.str()
    assert run.ret == pytest.ExitCode.TESTS_FAILED, output
    assert "[rfc] The access token's lifetime is outside 60-360 minutes" in output
    assert "expires_in 86400 s (1440 minutes)" in output
    assert [f["rule"] for f in document["findings"]] == ["oauth-token-lifetime"]  # type: ignore[index]
    rows = {row["name"]: row for row in document["gallery_validation"]["tests"]}  # type: ignore[index]
    assert rows["Validate_Credentials_Test"]["result"] == FAILED
    for value in hidden:
        assert value not in output


def test_a_refused_client_is_a_one_line_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ReferenceApp("right-secret")
    monkeypatch.setenv("SCIM_CONFORMANCE_CLIENT_SECRET", "wrong-secret")
    with serve(app) as server:
        root = server.base_url.removesuffix(app.base_path)
        run = pytester.runpytest_inprocess(
            f"--scim-url={server.base_url}",
            f"--scim-token-endpoint={root}/oauth/token",
            "--scim-client-id=scim-conformance",
        )
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    errors = run.stderr.str()
    assert "--scim-token-endpoint: the token endpoint refused the client: HTTP 401" in errors
    assert "(invalid_client)" in errors
    assert "wrong-secret" not in errors


def test_reference_gallery_run_shows_all_25_tests_ready(pytester: pytest.Pytester) -> None:
    """`pytest --scim-reference --scim-gallery`: the embedded server's token endpoint is
    used, and every one of Microsoft's tests is shown by name, ready for submission."""
    from scim_conformance.plugin.hooks import SUITE_DIR

    results = pytester.path / "results.json"
    run = pytester.runpytest_inprocess(
        "--scim-reference",
        "--scim-gallery",
        f"--scim-json={results}",
        "-p",
        "no:cacheprovider",
        *[f"--ignore={SUITE_DIR / name}" for name in GENERATED],
    )
    output = run.stdout.str()
    assert run.ret == pytest.ExitCode.OK, output
    assert "Ready for gallery submission (Microsoft's 25 tests: 22 passed, 3 needs Entra)" in output
    for test in TESTS:
        assert test.name in output
    gallery = json.loads(results.read_text())["gallery_validation"]
    assert gallery["overall"] == READY
    assert [row["result"] for row in gallery["tests"]].count(PASSED) == 22


def test_the_token_endpoint_refuses_other_grants_and_clients() -> None:
    app = ReferenceApp("s3cret")
    with serve(app) as server:
        url = server.base_url.removesuffix(app.base_path) + "/oauth/token"
        grant = {"grant_type": "client_credentials", "client_id": "scim-conformance"}
        assert httpx.post(url, data={**grant, "client_secret": "nope"}).status_code == 401
        assert httpx.post(url, data={"grant_type": "password"}).status_code == 400
        token = httpx.post(url, data={**grant, "client_secret": "s3cret"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(server.base_url + "/Users", headers=auth).status_code == 200
