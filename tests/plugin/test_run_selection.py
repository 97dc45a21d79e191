"""The suite runs only when asked: a target from the environment never replaces the user's
own test paths, is announced on the header's first line, and the old SCIM_* names still
work with a one-line deprecation notice. pytester runs pin the words."""

from __future__ import annotations

import pytest

from scim_conformance import __version__
from scim_conformance.plugin.options import OPTIONS
from scim_conformance.reference import ReferenceApp, serve

TOKEN = "tok-selection-" + "s3cr3t"
UNREACHABLE = "https://scim.example.invalid/v2"  # never contacted: the suite must not start
OWN_TEST = "def test_own():\n    assert True\n"
CONFLICT = (
    "ERROR: test paths outside the conformance suite (test_mine.py) given with {given}: the "
    "suite runs alone; run your own tests in a pytest run of their own"
)
DEPRECATED = (
    "deprecated environment variable(s) SCIM_URL, SCIM_TOKEN: rename to SCIM_CONFORMANCE_URL, "
    "SCIM_CONFORMANCE_TOKEN (SCIM_* names clash with apps' own settings; the old names will "
    "be removed)"
)
ONE_TEST = ("-k", "test_probe_for_unknown_user", "-p", "no:cacheprovider")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No variable of the plugin, new or old name, from the machine running these tests."""
    for option in OPTIONS:
        for name in (option.env, option.old_env):
            if name:
                monkeypatch.delenv(name, raising=False)
    return monkeypatch


def own_tests_only(result: pytest.RunResult) -> None:
    """pytest ran the user's one test, as usual, and nothing of the plugin showed."""
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    output = result.stdout.str() + result.stderr.str()
    assert f"scim-conformance {__version__}:" not in output
    assert "SCIM conformance verdict" not in output
    assert "deprecated" not in output
    assert TOKEN not in output


@pytest.mark.parametrize("name", ["SCIM_CONFORMANCE_URL", "SCIM_URL"])
def test_a_target_in_the_environment_does_not_replace_explicit_paths(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch, name: str
) -> None:
    # No token set: the vendor's own tests must not exit 4 for the suite's missing token.
    env.setenv(name, UNREACHABLE)
    pytester.makepyfile(test_mine=OWN_TEST)
    own_tests_only(pytester.runpytest_inprocess("-q", "test_mine.py", "-p", "no:cacheprovider"))


def test_an_environment_target_leaves_node_ids_and_bad_values_alone(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch
) -> None:
    env.setenv("SCIM_CONFORMANCE_URL", UNREACHABLE)
    env.setenv("SCIM_CONFORMANCE_EXAMPLES", "not a number")  # not checked: the suite won't run
    pytester.makepyfile(test_mine=OWN_TEST)
    own_tests_only(pytester.runpytest_inprocess("test_mine.py::test_own", "-p", "no:cacheprovider"))


def test_an_old_scim_url_does_not_replace_the_projects_testpaths(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch
) -> None:
    env.setenv("SCIM_URL", UNREACHABLE)
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_mine.py").write_text(OWN_TEST)
    own_tests_only(pytester.runpytest_inprocess("-p", "no:cacheprovider"))


@pytest.mark.parametrize(
    ("args", "given"),
    [
        ([f"--scim-url={UNREACHABLE}", f"--token={TOKEN}"], "--scim-url, --token"),
        (["--scim-reference"], "--scim-reference"),
        (["--scim-strict"], "--scim-strict"),  # with a target from the environment
    ],
    ids=["url", "reference", "option with an environment target"],
)
def test_the_command_line_cannot_mix_the_suite_with_outside_paths(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch, args: list[str], given: str
) -> None:
    env.setenv("SCIM_CONFORMANCE_URL", UNREACHABLE)
    env.setenv("SCIM_CONFORMANCE_TOKEN", TOKEN)
    pytester.makepyfile(test_mine=OWN_TEST)
    result = pytester.runpytest_inprocess(*args, "test_mine.py", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = CONFLICT.format(given=given)
    assert [line for line in result.stderr.lines if line.strip()] == [expected]
    assert result.reprec.getreports("pytest_runtest_logreport") == []  # type: ignore[attr-defined]


def plugin_header(result: pytest.RunResult) -> list[str]:
    """The plugin's header lines, from its first."""
    lines = result.stdout.lines
    first = next(i for i, line in enumerate(lines) if line.startswith("scim-conformance "))
    return lines[first : first + 3]


def test_a_target_from_the_environment_is_announced_on_the_first_line(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch
) -> None:
    env.setenv("SCIM_CONFORMANCE_TOKEN", TOKEN)
    with serve(ReferenceApp(TOKEN)) as server:
        env.setenv("SCIM_CONFORMANCE_URL", server.base_url)
        result = pytester.runpytest_inprocess(*ONE_TEST)
    result.assert_outcomes(passed=1)
    header = plugin_header(result)
    assert header[0] == (
        f"scim-conformance {__version__}: target from environment variable "
        f"SCIM_CONFORMANCE_URL: {server.base_url}"
    )
    assert header[1].startswith("Entra dialects: ")  # no deprecation notice
    assert TOKEN not in result.stdout.str()


def test_the_command_line_target_is_not_announced_as_from_the_environment(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch
) -> None:
    env.setenv("SCIM_CONFORMANCE_URL", UNREACHABLE)  # the command line wins
    with serve(ReferenceApp(TOKEN)) as server:
        result = pytester.runpytest_inprocess(
            f"--scim-url={server.base_url}", f"--token={TOKEN}", *ONE_TEST
        )
    result.assert_outcomes(passed=1)
    assert plugin_header(result)[0] == f"scim-conformance {__version__}: {server.base_url}"


def test_old_names_still_work_with_one_deprecation_line(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch
) -> None:
    env.setenv("SCIM_TOKEN", TOKEN)
    with serve(ReferenceApp(TOKEN)) as server:
        env.setenv("SCIM_URL", server.base_url)
        result = pytester.runpytest_inprocess(*ONE_TEST)
    result.assert_outcomes(passed=1)
    header = plugin_header(result)
    assert header[0].endswith(f"target from environment variable SCIM_URL: {server.base_url}")
    assert header[1] == DEPRECATED
    assert TOKEN not in result.stdout.str()


def test_with_q_the_announcement_and_the_notice_are_still_printed(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch
) -> None:
    env.setenv("SCIM_TOKEN", TOKEN)
    with serve(ReferenceApp(TOKEN)) as server:
        env.setenv("SCIM_URL", server.base_url)
        result = pytester.runpytest_inprocess("-q", *ONE_TEST)
    result.assert_outcomes(passed=1)
    assert result.stdout.lines[:2] == [
        f"scim-conformance {__version__}: target from environment variable SCIM_URL: "
        f"{server.base_url}",
        DEPRECATED,
    ]


def test_paths_of_the_suite_itself_select_its_tests(
    pytester: pytest.Pytester, env: pytest.MonkeyPatch
) -> None:
    with serve(ReferenceApp(TOKEN)) as server:
        result = pytester.runpytest_inprocess(
            f"--scim-url={server.base_url}",
            f"--token={TOKEN}",
            "test_connection.py::test_probe_for_unknown_user_returns_empty_list",
            "-p",
            "no:cacheprovider",
        )
    result.assert_outcomes(passed=1)
    assert "test_connection.py ." in result.stdout.str()
