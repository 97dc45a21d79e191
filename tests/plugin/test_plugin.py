"""What a vendor sees from the plugin: help, usage errors, header, selection, env fallbacks."""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.reference import Fault, ReferenceApp
from support.suite_run import SuiteRun, reference_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_explains_every_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    text = result.stdout.str()
    assert "scim-conformance (replay Microsoft Entra ID provisioning" in text
    for option in (
        "--scim-url=URL",
        "--token=TOKEN, --scim-token=TOKEN",
        "--scim-reference",
        "--entra-dialect",
        "--scim-timeout=SECONDS",
        "--scim-user-domain=DOMAIN",
        "--scim-allow-http",
        "--scim-strict",
    ):
        assert option in text, option


def test_without_a_target_pytest_behaves_as_usual(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine="def test_own():\n    assert True\n")
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "scim-conformance" not in result.stdout.str()


def test_without_a_target_neither_hypothesis_nor_jsonschema_is_imported(
    pytester: pytest.Pytester,
) -> None:
    # Every pytest run on a machine with the plugin installed loads it; only a run with a
    # target pays for the property and schema libraries.
    pytester.makeconftest(
        "import sys\n"
        "def pytest_sessionfinish(session):\n"
        "    with open('modules.txt', 'w') as out:\n"
        "        out.write('\\n'.join(sorted(sys.modules)))\n"
    )
    pytester.makepyfile(test_mine="def test_own():\n    assert True\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    modules = set((pytester.path / "modules.txt").read_text().split())
    assert "scim_conformance.plugin.hooks" in modules  # the plugin was loaded
    heavy = {name for name in modules if name.split(".")[0] in ("hypothesis", "jsonschema")}
    assert heavy == set()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--scim-url=https://scim.example.invalid/v2"],
            {},
            "ERROR: no token: pass --token=... or set SCIM_CONFORMANCE_TOKEN",
        ),
        (["--scim-url=ftp://x", "--token=t"], {}, "ERROR: --scim-url must be an http(s) URL"),
        (["--scim-url=not a url", "--token=t"], {}, "ERROR: --scim-url must be an http(s) URL"),
        (
            ["--scim-url=http://scim.example.invalid/v2", "--token=t"],
            {},
            "ERROR: refusing to send the token over plain http:// to scim.example.invalid",
        ),
        (
            ["--scim-url=https://u:p@scim.example.invalid/v2", "--token=t"],
            {},
            "ERROR: --scim-url must not carry credentials",
        ),
        (
            ["--scim-timeout=soon"],
            {"SCIM_CONFORMANCE_URL": "https://x.invalid", "SCIM_CONFORMANCE_TOKEN": "t"},
            "ERROR: --scim-timeout must be a number of seconds",
        ),
        (
            ["--entra-dialect=both", "--scim-url=https://x.invalid"],
            {"SCIM_CONFORMANCE_ENTRA_DIALECT": "nonsense"},
            "ERROR: no token",
        ),
    ],
)
def test_bad_options_are_a_one_line_usage_error(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.delenv("SCIM_CONFORMANCE_URL", raising=False)
    monkeypatch.delenv("SCIM_CONFORMANCE_TOKEN", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    assert errors[0].startswith(message), result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_unreachable_host_is_a_usage_error_before_any_test(pytester: pytest.Pytester) -> None:
    port = free_port()
    result = pytester.runpytest_subprocess(
        f"--scim-url=http://127.0.0.1:{port}/scim/v2", "--token=secret-tok-123"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"ERROR: cannot reach http://127.0.0.1:{port}/scim/v2: could not connect" in (
        result.stderr.str()
    )
    assert "secret-tok-123" not in result.stderr.str() + result.stdout.str()


def test_environment_variables_are_fallbacks(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with reference_server("env-token-abc") as server:
        monkeypatch.setenv("SCIM_CONFORMANCE_URL", server.base_url)
        monkeypatch.setenv("SCIM_CONFORMANCE_TOKEN", "env-token-abc")
        result = pytester.runpytest_inprocess(
            "-k", "test_probe_for_unknown_user", "-p", "no:cacheprovider"
        )
    result.assert_outcomes(passed=1)
    assert "env-token-abc" not in result.stdout.str()


def test_report_header_shows_target_and_dialects_not_token(
    run_suite: Callable[..., SuiteRun],
) -> None:
    run = run_suite("-k", "probe")
    text = run.result.stdout.str()
    assert f"scim-conformance 0.1.0: {run.server.base_url}" in text
    assert (
        "Entra dialects: legacy, aadOptscim062020; profile: entra-default; run prefix: scimconf-"
        in text
    )
    assert run.token not in text


def test_flagged_tenant_url_is_tested_in_both_dialects(pytester: pytest.Pytester) -> None:
    """On-demand provisioning ignores the flag, so legacy shapes reach a flagged URL too."""
    with reference_server("tok-flag") as server:
        result = pytester.runpytest_inprocess(
            f"--scim-url={server.base_url}/?aadOptscim062020",
            "--token=tok-flag",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
        )
    text = result.stdout.str()
    assert "test_replace_username[aadOptscim062020]" in text
    assert "test_replace_username[legacy]" in text


def test_a_flagged_url_refusing_legacy_shapes_is_caught_in_the_legacy_dialect(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    """The admin's on-demand provisioning sends legacy shapes to a flagged URL: one finding."""
    app = ReferenceApp(f"tok-{secrets.token_urlsafe(18)}", faults=[Fault.REJECT_STRING_BOOLEANS])
    run = run_suite(
        "-k", "deactivate or reactivate", "--scim-endpoint=generic", "--scim-json=results.json",
        app=app, at=f"{app.base_path}/?aadOptscim062020",
    )  # fmt: skip
    assert run.failed == [
        "test_deactivate_keeps_user_readable[legacy]",
        "test_reactivate_user[legacy]",
    ], run.output()
    (finding,) = json.loads((workdir / "results.json").read_text())["findings"]
    assert finding["severity"] == "entra-breaking"
    assert all(test.endswith("[legacy]") for test in finding["tests"])


def test_scim_reference_runs_the_suite_against_the_bundled_server(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        "--scim-reference", "-q", "-k", "test_probe_for_unknown_user or test_delete_user"
    )
    result.assert_outcomes(passed=2)
    assert "bundled reference server" not in result.stdout.str()  # -q hides the header


def test_the_main_job_runs_every_check_but_the_opt_in_load_check(
    pytester: pytest.Pytester,
) -> None:
    """`pytest --scim-reference`: the Webex rules, the cycles and every mapping-dependent
    check (entra-full maps roles and matches on the work email) run and pass."""
    result = pytester.runpytest_subprocess("--scim-reference", "-rs", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    text = result.stdout.str()
    assert "profile: entra-full" in text
    assert "Endpoint rules: webex" in text
    skips = [line for line in result.stdout.lines if line.startswith("SKIPPED")]
    # The other opt-in checks: Microsoft's gallery validation tests (--scim-gallery).
    gallery = [line for line in skips if "runs only with --scim-gallery" in line]
    others = [line for line in skips if line not in gallery]
    assert len(others) == 1, skips
    assert "the load check runs only with --scim-load" in others[0]


def test_marks_select_sequences(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("-m", "test_connection", "--collect-only", "-q")
    text = run.result.stdout.str()
    assert "test_probe_for_unknown_user_returns_empty_list" in text
    assert "test_replace_username" not in text
