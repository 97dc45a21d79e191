"""The option table: every bad value of every option, from every source, is a one-line usage
error before any test runs; `--help` and the README describe every option."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scim_conformance.plugin.options import OPTIONS, Option

README = Path(__file__).resolve().parents[2] / "README.md"
REFERENCE = "--scim-reference"
# A URL target that is never contacted: every bad value is found before the preflight.
URL_TARGET = ("--scim-url=https://scim.example.invalid/v2", "--token=tok-never-sent")


@dataclass(frozen=True)
class Bad:
    """One bad value: the option, how it is given, and the one line the user must see."""

    dest: str
    args: tuple[str, ...]
    message: str
    env: dict[str, str] = field(default_factory=dict)
    ini: str = ""

    @property
    def source(self) -> str:
        return "ini" if self.ini else "env" if self.env else "cli"


def _cli(dest: str, arg: str, message: str, *target: str) -> Bad:
    return Bad(dest, (*(target or (REFERENCE,)), arg), message)


def _env(dest: str, name: str, value: str, message: str) -> Bad:
    target = () if name in ("SCIM_CONFORMANCE_URL", "SCIM_CONFORMANCE_TOKEN") else (REFERENCE,)
    extra = {"SCIM_CONFORMANCE_TOKEN": "tok-never-sent"} if name == "SCIM_CONFORMANCE_URL" else {}
    args = (
        ("--scim-url=https://scim.example.invalid/v2",)
        if name == "SCIM_CONFORMANCE_TOKEN"
        else target
    )
    return Bad(dest, args, f"{name}: {message}", env={name: value, **extra})


def _ini(dest: str, line: str, message: str) -> Bad:
    name = line.split(" = ")[0]
    args = ("--token=tok-never-sent",) if name == "scim_url" else (REFERENCE,)
    return Bad(dest, args, f"ini option {name}: {message}", ini=f"[pytest]\n{line}\n")


URL_MESSAGE = (
    "--scim-url must be an http(s) URL with a host, like https://api.example.com/scim/v2 "
    "(got 'ftp://x')"
)
TOKEN_MESSAGE = (
    "--token must be printable ASCII without spaces or line breaks, as a bearer token is "
    "(RFC 6750 §2.1; value not shown)"
)
DIALECT_MESSAGE = "--entra-dialect must be one of legacy, aadOptscim062020, both (got 'flag')"
PROFILE_MESSAGE = (
    "--scim-profile must be entra-default, entra-full, webex or a TOML file "
    "(no such file: nonsense)"
)
ENDPOINT_MESSAGE = "--scim-endpoint must be one of auto, generic, webex (got 'cisco')"
TIMEOUT_MESSAGE = "--scim-timeout must be a number of seconds (got 'soon')"
DOMAIN_MESSAGE = "--scim-user-domain must be an email domain like example.com (got 'a b')"
EXAMPLES_MESSAGE = "--scim-examples must be a positive integer (got 'abc')"
SEED_MESSAGE = "--scim-seed must be printable text on one line (got 'a\\tb')"
CYCLES_MESSAGE = "--scim-cycles must be a positive integer (got '0')"
CONCURRENCY_MESSAGE = "--scim-concurrency must be a positive integer (got '0')"
CONCURRENCY_X_MESSAGE = "--scim-concurrency must be a positive integer (got 'x')"
TOKEN_ENDPOINT_MESSAGE = "--scim-token-endpoint must be an http(s) URL with a host (got 'ftp://x')"
CLIENT_ID_MESSAGE = "--scim-client-id must be printable text on one line (got 'a\\tb')"

FAIL_ON_MESSAGE = "--scim-fail-on must be one of entra-breaking, rfc, advisory (got 'all')"

BAD_VALUES = [
    _cli("scim_fail_on", "--scim-fail-on=all", FAIL_ON_MESSAGE),
    _env("scim_fail_on", "SCIM_CONFORMANCE_FAIL_ON", "all", FAIL_ON_MESSAGE),
    _ini("scim_fail_on", "scim_fail_on = all", FAIL_ON_MESSAGE),
    _cli("scim_url", "--scim-url=ftp://x", URL_MESSAGE, "--token=t"),
    _cli("scim_token", "--token=two words", TOKEN_MESSAGE, URL_TARGET[0]),
    _cli("entra_dialect", "--entra-dialect=flag", DIALECT_MESSAGE),
    _cli("scim_profile", "--scim-profile=nonsense", PROFILE_MESSAGE),
    _cli("scim_timeout", "--scim-timeout=soon", TIMEOUT_MESSAGE),
    _cli("scim_endpoint", "--scim-endpoint=cisco", ENDPOINT_MESSAGE, *URL_TARGET),
    _cli("scim_user_domain", "--scim-user-domain=a b", DOMAIN_MESSAGE),
    _cli(
        "scim_json",
        "--scim-json=missing/results.json",
        "--scim-json must be a file in an existing, writable directory "
        "(got 'missing/results.json')",
    ),
    _cli(
        "scim_baseline",
        "--scim-baseline=missing.toml",
        "--scim-baseline must name an existing file (got 'missing.toml')",
    ),
    _cli(
        "scim_write_baseline",
        "--scim-write-baseline=.",
        "--scim-write-baseline names a directory, not a file (got '.')",
    ),
    _cli(
        "scim_max_retry_wait",
        "--scim-max-retry-wait=-1",
        "--scim-max-retry-wait must be zero or a positive number of seconds (got '-1')",
    ),
    _cli(
        "scim_rate",
        "--scim-rate=0",
        "--scim-rate must be a positive number of requests per second (got '0')",
    ),
    _cli(
        "scim_ca_bundle",
        "--scim-ca-bundle=missing.pem",
        "--scim-ca-bundle must name an existing file (got 'missing.pem')",
    ),
    _cli(
        "scim_load_rate",
        "--scim-load-rate=abc",
        "--scim-load-rate must be a number of requests per second (got 'abc')",
    ),
    _cli(
        "scim_load_duration",
        "--scim-load-duration=0",
        "--scim-load-duration must be a positive number of seconds (got '0')",
    ),
    _cli("scim_examples", "--scim-examples=abc", EXAMPLES_MESSAGE),
    _cli("scim_seed", "--scim-seed=a\tb", SEED_MESSAGE),
    _cli("scim_cycles", "--scim-cycles=0", CYCLES_MESSAGE),
    _cli("scim_concurrency", "--scim-concurrency=0", CONCURRENCY_MESSAGE),
    _env("scim_url", "SCIM_CONFORMANCE_URL", "ftp://x", URL_MESSAGE),
    _env("scim_token", "SCIM_CONFORMANCE_TOKEN", "two words", TOKEN_MESSAGE),
    _env("entra_dialect", "SCIM_CONFORMANCE_ENTRA_DIALECT", "flag", DIALECT_MESSAGE),
    _env("scim_profile", "SCIM_CONFORMANCE_PROFILE", "nonsense", PROFILE_MESSAGE),
    _env("scim_timeout", "SCIM_CONFORMANCE_TIMEOUT", "soon", TIMEOUT_MESSAGE),
    _env("scim_endpoint", "SCIM_CONFORMANCE_ENDPOINT", "cisco", ENDPOINT_MESSAGE),
    _env("scim_user_domain", "SCIM_CONFORMANCE_USER_DOMAIN", "a b", DOMAIN_MESSAGE),
    _env("scim_examples", "SCIM_CONFORMANCE_EXAMPLES", "abc", EXAMPLES_MESSAGE),
    _env("scim_seed", "SCIM_CONFORMANCE_SEED", "a\tb", SEED_MESSAGE),
    _env("scim_cycles", "SCIM_CONFORMANCE_CYCLES", "0", CYCLES_MESSAGE),
    _env("scim_concurrency", "SCIM_CONFORMANCE_CONCURRENCY", "x", CONCURRENCY_X_MESSAGE),
    _ini("scim_url", "scim_url = ftp://x", URL_MESSAGE),
    _ini("entra_dialect", "entra_dialect = flag", DIALECT_MESSAGE),
    _ini("scim_profile", "scim_profile = nonsense", PROFILE_MESSAGE),
    _ini("scim_timeout", "scim_timeout = soon", TIMEOUT_MESSAGE),
    _ini("scim_endpoint", "scim_endpoint = cisco", ENDPOINT_MESSAGE),
    _ini("scim_user_domain", "scim_user_domain = a b", DOMAIN_MESSAGE),
    _cli("scim_token_endpoint", "--scim-token-endpoint=ftp://x", TOKEN_ENDPOINT_MESSAGE),
    _env(
        "scim_token_endpoint", "SCIM_CONFORMANCE_TOKEN_ENDPOINT", "ftp://x", TOKEN_ENDPOINT_MESSAGE
    ),
    _ini("scim_token_endpoint", "scim_token_endpoint = ftp://x", TOKEN_ENDPOINT_MESSAGE),
    _cli("scim_client_id", "--scim-client-id=a\tb", CLIENT_ID_MESSAGE),
    _env("scim_client_id", "SCIM_CONFORMANCE_CLIENT_ID", "a\tb", CLIENT_ID_MESSAGE),
    _ini("scim_client_id", "scim_client_id = a\tb", CLIENT_ID_MESSAGE),
]
SWITCHES = [option for option in OPTIONS if option.parse is None]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SCIM_* variable of the machine running these tests leaks into a run."""
    for option in OPTIONS:
        for name in (option.env, option.old_env):
            if name:
                monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_every_option_has_a_bad_value_case_from_every_source_it_reads() -> None:
    covered = {(bad.dest, bad.source) for bad in BAD_VALUES}
    expected = {(option.dest, "cli") for option in OPTIONS if option.parse is not None}
    expected |= {(option.dest, "env") for option in OPTIONS if option.env}
    expected |= {(option.dest, "ini") for option in OPTIONS if option.ini}
    assert covered == expected


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda bad: f"{bad.dest}-{bad.source}")
def test_a_bad_value_is_a_one_line_usage_error_before_any_test(
    pytester: pytest.Pytester, clean_environment: pytest.MonkeyPatch, bad: Bad
) -> None:
    for name, value in bad.env.items():
        clean_environment.setenv(name, value)
    if bad.ini:
        pytester.makeini(bad.ini)
    result = pytester.runpytest_inprocess(*bad.args, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [f"ERROR: {bad.message}"]
    assert result.reprec.getreports("pytest_runtest_logreport") == []  # type: ignore[attr-defined]
    assert "tok-never-sent" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("switch", SWITCHES, ids=lambda option: option.name)
def test_a_value_given_to_a_switch_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, clean_environment: pytest.MonkeyPatch, switch: Option[object]
) -> None:
    # argparse itself refuses `--switch=value`: its usage line, then one line naming the option.
    result = pytester.runpytest_inprocess(f"{switch.name}=yes", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    refusal = f": error: argument {switch.name}: ignored explicit argument 'yes'"
    assert [line for line in result.stderr.lines if line.endswith(refusal)], result.stderr.str()
    assert result.stdout.str() == ""  # stopped while reading the command line: no session


def test_help_shows_every_option_with_its_environment_variable_and_ini_name(
    pytester: pytest.Pytester,
) -> None:
    text = " ".join(pytester.runpytest_subprocess("--help").stdout.str().split())
    group = text[text.index("scim-conformance (replay Microsoft Entra ID provisioning") :]
    for option in OPTIONS:
        shown = ", ".join(
            flag if option.parse is None else f"{flag}={option.metavar}" for flag in option.flags
        )
        assert f"{shown} {option.help.split()[0]}" in group, option.name
        if option.env:
            assert f"env: {option.env}" in group, option.name
        if option.ini:
            assert f"ini: {option.ini}" in group, option.name


def test_readme_options_table_lists_every_option_with_its_sources() -> None:
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `-")]
    for option in OPTIONS:
        found = [
            row for row in rows if re.search(rf"`{re.escape(option.name)}[=`]", row.split(" | ")[0])
        ]
        assert len(found) == 1, option.name
        sources = found[0].split(" | ")[1]
        assert (f"`{option.env}`" in sources) == bool(option.env), option.name
        assert (f"`{option.ini}`" in sources) == bool(option.ini), option.name
