"""Tests for scim_conformance.plugin.settings: URL validation, value parsing and precedence."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from scim_conformance.config import (
    DEFAULT_TIMEOUT,
    DIALECTS,
    FLAG_QUERY,
    Settings,
    parse_dialects,
)
from scim_conformance.endpoints import GIVEN_GENERIC, EndpointRules
from scim_conformance.plugin import options, values
from scim_conformance.plugin.settings import (
    Paths,
    SettingsError,
    new_run_prefix,
    resolve,
    shared,
)
from scim_conformance.plugin.values import is_loopback
from scim_conformance.severity import Severity

TOKEN = "s3cr3t-settings-TOKEN"
DEFAULT_USER_DOMAIN = options.USER_DOMAIN.default


def normalise_base_url(raw: str, *, allow_http: bool) -> str:
    """The base URL a run uses for --scim-url=raw."""
    settings = resolve_with(
        cli={"scim_url": raw, "scim_token": TOKEN, "scim_allow_http": allow_http}
    )
    assert settings is not None
    return settings.base_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.example.com/scim/v2", "https://api.example.com/scim/v2"),
        ("https://api.example.com/scim/v2/", "https://api.example.com/scim/v2"),
        ("https://api.example.com/scim/v2///", "https://api.example.com/scim/v2"),
        ("  https://api.example.com/scim  ", "https://api.example.com/scim"),
        ("https://api.example.com", "https://api.example.com"),
        ("https://api.example.com/", "https://api.example.com"),
        ("https://api.example.com:8443/scim/", "https://api.example.com:8443/scim"),
        ("https://api.example.com/scim?tenant=1&x=2", "https://api.example.com/scim"),
        ("https://api.example.com/scim#fragment", "https://api.example.com/scim"),
        ("HTTPS://API.example.com/Scim", "https://API.example.com/Scim"),
    ],
)
def test_normalise_base_url_strips_trailing_slash_query_and_fragment(
    raw: str, expected: str
) -> None:
    assert normalise_base_url(raw, allow_http=False) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://api.example.com/scim/v2/?aadOptscim062020",
        "https://api.example.com/scim/v2?aadOptscim062020",
        "https://api.example.com/scim/v2?aadOptscim062020=",
        "https://api.example.com/scim/v2?x=1&aadOptscim062020",
    ],
)
def test_normalise_base_url_takes_the_entra_flag_out(raw: str) -> None:
    assert normalise_base_url(raw, allow_http=False) == "https://api.example.com/scim/v2"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.example.com/scim?AzureAdScimPatch062020", "https://api.example.com/scim"),
        ("https://api.example.com/scim?aadOptscim062020x", "https://api.example.com/scim"),
        ("https://api.example.com/aadOptscim062020", "https://api.example.com/aadOptscim062020"),
    ],
)
def test_normalise_base_url_keeps_a_flag_lookalike_path(raw: str, expected: str) -> None:
    assert normalise_base_url(raw, allow_http=False) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "https://admin:hunter2@api.example.com/scim",
        "https://admin@api.example.com/scim",
        "http://admin:hunter2@127.0.0.1:8080/scim",
    ],
)
def test_normalise_base_url_rejects_credentials_without_echoing_them(raw: str) -> None:
    with pytest.raises(SettingsError) as info:
        normalise_base_url(raw, allow_http=True)
    message = str(info.value)
    assert "--scim-url" in message
    assert "credentials" in message
    assert "hunter2" not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "raw",
    [
        "http://api.example.com/scim",
        "http://10.0.0.5/scim",
        "http://localhost.evil.test/scim",
        "http://127.0.0.1.nip.io/scim",
    ],
)
def test_plain_http_to_a_remote_host_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError) as info:
        normalise_base_url(raw, allow_http=False)
    message = str(info.value)
    assert "--scim-allow-http" in message
    assert "http://" in message
    assert "\n" not in message


def test_plain_http_to_a_remote_host_is_allowed_when_asked() -> None:
    assert normalise_base_url("http://api.example.com/scim/", allow_http=True) == (
        "http://api.example.com/scim"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://127.0.0.1:8080/scim/", "http://127.0.0.1:8080/scim"),
        ("http://127.1.2.3/scim", "http://127.1.2.3/scim"),
        ("http://localhost:5000/scim/v2", "http://localhost:5000/scim/v2"),
        ("http://LOCALHOST/scim", "http://LOCALHOST/scim"),
        ("http://[::1]:8080/scim/", "http://[::1]:8080/scim"),
    ],
)
def test_plain_http_to_loopback_is_allowed(raw: str, expected: str) -> None:
    assert normalise_base_url(raw, allow_http=False) == expected


@pytest.mark.parametrize(
    "raw",
    [
        " ",
        "not a url",
        "api.example.com/scim",
        "ftp://api.example.com/scim",
        "https://",
        "https:///scim",
        "mailto:admin@example.com",
    ],
)
def test_garbage_url_is_rejected_with_a_one_line_message_naming_the_option(raw: str) -> None:
    with pytest.raises(SettingsError) as info:
        normalise_base_url(raw, allow_http=True)
    message = str(info.value)
    assert message.startswith("--scim-url ")
    assert "\n" not in message


def test_url_with_a_newline_still_gives_a_one_line_message() -> None:
    with pytest.raises(SettingsError) as info:
        normalise_base_url("ftp://a\nb", allow_http=True)
    assert "\n" not in str(info.value)


def test_unbalanced_ipv6_bracket_is_a_settings_error_naming_the_option() -> None:
    with pytest.raises(SettingsError, match="--scim-url"):
        normalise_base_url("https://[::1/scim", allow_http=False)


@pytest.mark.parametrize(
    "raw", ["https://api.example.com:notaport/scim", "https://api.example.com:99999/scim"]
)
def test_url_with_an_invalid_port_is_rejected(raw: str) -> None:
    with pytest.raises(SettingsError, match="--scim-url"):
        normalise_base_url(raw, allow_http=False)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LocalHost", True),
        ("127.0.0.1", True),
        ("127.255.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("::2", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("legacy", "aadOptscim062020")),
        ("both", ("legacy", "aadOptscim062020")),
        ("legacy", ("legacy",)),
        ("aadOptscim062020", ("aadOptscim062020",)),
    ],
)
def test_parse_dialects(value: str | None, expected: tuple[str, ...]) -> None:
    assert parse_dialects(value) == expected


def test_dialect_constants() -> None:
    assert DIALECTS == ("legacy", "aadOptscim062020")
    assert FLAG_QUERY == "aadOptscim062020"


@pytest.mark.parametrize("value", ["Legacy", "flag", "all", " ", "legacy,aadOptscim062020"])
def test_dialect_values_other_than_the_three_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="must be one of") as info:
        values.dialect(value)
    assert str(info.value) == f"must be one of legacy, aadOptscim062020, both (got {value!r})"


@pytest.mark.parametrize(
    ("value", "expected"), [("5", 5.0), ("0.5", 0.5), (" 12 ", 12.0), ("1e1", 10.0)]
)
def test_seconds_accept_positive_numbers(value: str, expected: float) -> None:
    assert values.number("seconds")(value) == expected


def test_default_timeout_is_entras_sixty_seconds() -> None:
    assert DEFAULT_TIMEOUT == 60.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "must be a number of seconds (got 'abc')"),
        ("10s", "must be a number of seconds (got '10s')"),
        ("0", "must be a positive number of seconds (got '0')"),
        ("-1", "must be a positive number of seconds (got '-1')"),
        ("nan", "must be a positive number of seconds (got 'nan')"),
        ("inf", "must be a positive number of seconds (got 'inf')"),
    ],
)
def test_seconds_refuse_what_is_not_a_positive_number(value: str, message: str) -> None:
    with pytest.raises(ValueError, match="number of seconds") as info:
        values.number("seconds")(value)
    assert str(info.value) == message


def test_zero_seconds_are_allowed_where_zero_means_do_not_wait() -> None:
    assert values.number("seconds", allow_zero=True)("0") == 0.0
    with pytest.raises(ValueError, match="must be zero or a positive number of seconds"):
        values.number("seconds", allow_zero=True)("-0.5")


def fake_sources(
    cli: Mapping[str, object] | None = None,
    ini: Mapping[str, object] | None = None,
) -> tuple[Callable[[str], object], Callable[[str], object], list[str]]:
    """An `option` and an `ini` lookup, plus the list of ini names asked for."""
    cli = dict(cli or {})
    ini = dict(ini or {})
    asked: list[str] = []

    def option(name: str) -> object:
        return cli.get(name)

    def ini_lookup(name: str) -> object:
        asked.append(name)
        return ini.get(name)

    return option, ini_lookup, asked


REFERENCE = ("http://127.0.0.1:9999/scim/v2", "ref-token")


def no_reference() -> tuple[str, str]:
    raise AssertionError("the reference server must not be started")


def resolve_with(
    cli: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    ini: Mapping[str, object] | None = None,
    start_reference: Callable[[], tuple[str, str]] = no_reference,
) -> Settings | None:
    option, ini_lookup, _ = fake_sources(cli, ini)
    return resolve(option, ini_lookup, env or {}, start_reference=start_reference)


def test_resolve_returns_none_without_a_target() -> None:
    assert (
        resolve_with(env={"SCIM_CONFORMANCE_TOKEN": TOKEN, "SCIM_CONFORMANCE_PROFILE": "nonsense"})
        is None
    )
    assert resolve_with(ini={"scim_timeout": "abc"}) is None


@pytest.mark.parametrize(
    ("cli", "named"),
    [
        ({"scim_token": TOKEN}, "--token"),
        ({"scim_profile": "webex", "scim_keep": True}, "--scim-profile, --scim-keep"),
        ({"scim_examples": "abc"}, "--scim-examples"),
    ],
)
def test_scim_options_without_a_target_are_a_usage_error_naming_the_targets(
    cli: dict[str, object], named: str
) -> None:
    with pytest.raises(SettingsError) as info:
        resolve_with(cli=cli)
    assert str(info.value) == (
        f"{named} given without a target: pass --scim-url=URL (or set SCIM_CONFORMANCE_URL) "
        "to test your endpoint, or --scim-reference to test the bundled server"
    )
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("cli", "env", "ini", "named"),
    [
        ({"scim_url": "https://x.example"}, {}, {}, "--scim-url"),
        ({}, {"SCIM_CONFORMANCE_URL": "https://x.example"}, {}, "SCIM_CONFORMANCE_URL"),
        ({}, {}, {"scim_url": "https://x.example"}, "ini option scim_url"),
    ],
)
def test_reference_with_a_url_is_a_conflict(
    cli: dict[str, object], env: dict[str, str], ini: dict[str, object], named: str
) -> None:
    with pytest.raises(SettingsError) as info:
        resolve_with({"scim_reference": True, **cli}, env, ini)
    assert str(info.value) == (
        f"--scim-reference and {named} both name a target: test the bundled server or your "
        "URL, not both"
    )


def test_reference_is_started_only_once_every_value_is_valid() -> None:
    with pytest.raises(SettingsError, match="--scim-load-rate"):
        resolve_with({"scim_reference": True, "scim_load_rate": "abc"})
    settings = resolve_with({"scim_reference": True}, start_reference=lambda: REFERENCE)
    assert settings is not None
    assert (settings.base_url, settings.token, settings.reference) == (*REFERENCE, True)


def test_resolve_with_cli_url_and_token_uses_defaults() -> None:
    settings = resolve_with(cli={"scim_url": "https://api.example.com/scim/", "scim_token": TOKEN})
    assert settings is not None
    assert settings.base_url == "https://api.example.com/scim"
    assert settings.token == TOKEN
    assert settings.timeout == DEFAULT_TIMEOUT
    assert settings.dialects == DIALECTS
    assert settings.user_domain == DEFAULT_USER_DOMAIN
    assert settings.strict is False


URLS = {
    "cli": "https://cli.example.com/scim",
    "env": "https://env.example.com/scim",
    "ini": "https://ini.example.com/scim",
}


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (("cli", "env", "ini"), "cli"),
        (("env", "ini"), "env"),
        (("cli", "ini"), "cli"),
        (("ini",), "ini"),
    ],
)
def test_url_precedence_is_cli_then_env_then_ini(sources: tuple[str, ...], expected: str) -> None:
    cli = {"scim_url": URLS["cli"]} if "cli" in sources else {}
    env = {"SCIM_CONFORMANCE_URL": URLS["env"]} if "env" in sources else {}
    ini = {"scim_url": URLS["ini"]} if "ini" in sources else {}
    settings = resolve_with({**cli, "scim_token": TOKEN}, env, ini)
    assert settings is not None
    assert settings.base_url == URLS[expected]


def test_empty_cli_value_falls_through_to_the_environment() -> None:
    settings = resolve_with(
        cli={"scim_url": "", "scim_token": TOKEN}, env={"SCIM_CONFORMANCE_URL": URLS["env"]}
    )
    assert settings is not None
    assert settings.base_url == URLS["env"]


@pytest.mark.parametrize(
    ("cli", "env", "ini", "expected"),
    [
        ({"scim_timeout": "5"}, {"SCIM_CONFORMANCE_TIMEOUT": "6"}, {"scim_timeout": "7"}, 5.0),
        ({}, {"SCIM_CONFORMANCE_TIMEOUT": "6"}, {"scim_timeout": "7"}, 6.0),
        ({}, {}, {"scim_timeout": "7"}, 7.0),
    ],
    ids=["cli", "env", "ini"],
)
def test_timeout_precedence(
    cli: dict[str, object], env: dict[str, str], ini: dict[str, object], expected: float
) -> None:
    settings = resolve_with({"scim_url": URLS["cli"], "scim_token": TOKEN, **cli}, env, ini)
    assert settings is not None
    assert settings.timeout == expected


@pytest.mark.parametrize(
    ("cli", "env", "ini", "expected"),
    [
        ({"entra_dialect": "legacy"}, {"SCIM_CONFORMANCE_ENTRA_DIALECT": "both"}, {}, ("legacy",)),
        ({}, {"SCIM_CONFORMANCE_ENTRA_DIALECT": "legacy"}, {"entra_dialect": "both"}, ("legacy",)),
        ({}, {}, {"entra_dialect": "aadOptscim062020"}, ("aadOptscim062020",)),
    ],
    ids=["cli", "env", "ini"],
)
def test_dialect_precedence(
    cli: dict[str, object], env: dict[str, str], ini: dict[str, object], expected: tuple[str, ...]
) -> None:
    settings = resolve_with({"scim_url": URLS["cli"], "scim_token": TOKEN, **cli}, env, ini)
    assert settings is not None
    assert settings.dialects == expected


def test_flagged_url_without_a_dialect_option_gets_both_dialects() -> None:
    # The flag does not work with on-demand provisioning: legacy shapes still arrive there.
    settings = resolve_with(
        cli={"scim_url": "https://api.example.com/scim/v2/?aadOptscim062020", "scim_token": TOKEN}
    )
    assert settings is not None
    assert settings.base_url == "https://api.example.com/scim/v2"
    assert settings.dialects == ("legacy", "aadOptscim062020")


@pytest.mark.parametrize(
    ("cli", "env", "ini", "expected"),
    [
        (
            {"scim_user_domain": "cli.test"},
            {"SCIM_CONFORMANCE_USER_DOMAIN": "env.test"},
            {},
            "cli.test",
        ),
        (
            {},
            {"SCIM_CONFORMANCE_USER_DOMAIN": "@env.test"},
            {"scim_user_domain": "ini.test"},
            "env.test",
        ),
        ({}, {}, {"scim_user_domain": "@@ini.test"}, "ini.test"),
    ],
    ids=["cli", "env with @", "ini with @@"],
)
def test_user_domain_precedence_and_leading_at_is_dropped(
    cli: dict[str, object], env: dict[str, str], ini: dict[str, object], expected: str
) -> None:
    settings = resolve_with({"scim_url": URLS["cli"], "scim_token": TOKEN, **cli}, env, ini)
    assert settings is not None
    assert settings.user_domain == expected


@pytest.mark.parametrize(
    ("cli", "env", "expected"),
    [
        ({"scim_token": "from-cli"}, {"SCIM_CONFORMANCE_TOKEN": "from-env"}, "from-cli"),
        ({}, {"SCIM_CONFORMANCE_TOKEN": "from-env"}, "from-env"),
        ({"scim_token": ""}, {"SCIM_CONFORMANCE_TOKEN": "from-env"}, "from-env"),
    ],
)
def test_token_comes_from_cli_or_environment(
    cli: dict[str, object], env: dict[str, str], expected: str
) -> None:
    settings = resolve_with({"scim_url": URLS["cli"], **cli}, env)
    assert settings is not None
    assert settings.token == expected


def test_token_is_never_read_from_ini() -> None:
    option, ini_lookup, asked = fake_sources(
        cli={"scim_url": URLS["cli"]}, ini={"scim_token": TOKEN, "token": TOKEN}
    )
    with pytest.raises(SettingsError):
        resolve(option, ini_lookup, {}, start_reference=no_reference)
    assert "scim_token" not in asked
    assert "token" not in asked


def test_ini_is_not_asked_for_the_token_when_the_token_is_given() -> None:
    option, ini_lookup, asked = fake_sources(cli={"scim_url": URLS["cli"], "scim_token": TOKEN})
    assert resolve(option, ini_lookup, {}, start_reference=no_reference) is not None
    # (the OAuth token endpoint's URL may come from ini: it is no secret)
    assert not [name for name in asked if "token" in name and name != "scim_token_endpoint"]


@pytest.mark.parametrize("env", [{}, {"SCIM_CONFORMANCE_TOKEN": ""}])
def test_missing_token_is_a_settings_error_naming_both_sources(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as info:
        resolve_with(cli={"scim_url": URLS["cli"]}, env=env)
    message = str(info.value)
    assert "--token" in message
    assert "SCIM_CONFORMANCE_TOKEN" in message
    assert "\n" not in message


def test_reference_needs_no_token_and_ignores_one_given() -> None:
    settings = resolve_with(
        cli={"scim_reference": True, "scim_token": "cli-token"}, start_reference=lambda: REFERENCE
    )
    assert settings is not None
    assert settings.token == "ref-token"


def test_resolve_refuses_remote_http_unless_allowed() -> None:
    with pytest.raises(SettingsError, match="--scim-allow-http"):
        resolve_with(cli={"scim_url": "http://scim.internal/v2", "scim_token": TOKEN})
    settings = resolve_with(
        cli={"scim_url": "http://scim.internal/v2", "scim_token": TOKEN, "scim_allow_http": True}
    )
    assert settings is not None
    assert settings.base_url == "http://scim.internal/v2"


def test_resolve_rejects_a_bad_timeout_from_the_environment() -> None:
    with pytest.raises(SettingsError, match="--scim-timeout"):
        resolve_with(
            cli={"scim_url": URLS["cli"], "scim_token": TOKEN},
            env={"SCIM_CONFORMANCE_TIMEOUT": "x"},
        )


def test_strict_comes_from_the_command_line() -> None:
    settings = resolve_with(cli={"scim_url": URLS["cli"], "scim_token": TOKEN, "scim_strict": True})
    assert settings is not None
    assert settings.strict is True


def test_repr_and_str_never_contain_the_token() -> None:
    settings = resolve_with(cli={"scim_url": URLS["cli"], "scim_token": TOKEN})
    assert settings is not None
    for text in (repr(settings), str(settings), f"{settings!r}", f"{[settings]}"):
        assert TOKEN not in text
        assert "s3cr3t" not in text
    assert repr(settings) == (
        "Settings(base_url='https://cli.example.com/scim', dialects=('legacy', 'aadOptscim062020'))"
    )


def test_settings_are_frozen() -> None:
    settings = resolve_with(cli={"scim_url": URLS["cli"], "scim_token": TOKEN})
    with pytest.raises(AttributeError):
        settings.token = "other"  # type: ignore[misc, union-attr]


def test_run_prefix_has_the_expected_form() -> None:
    assert re.fullmatch(r"scimconf-[0-9a-f]{8}", new_run_prefix())


def test_run_prefixes_are_unique() -> None:
    prefixes = {new_run_prefix() for _ in range(200)}
    assert len(prefixes) == 200
    assert all(prefix.startswith("scimconf-") for prefix in prefixes)


def test_each_resolve_gets_its_own_run_prefix() -> None:
    first = resolve_with(cli={"scim_url": URLS["cli"], "scim_token": TOKEN})
    second = resolve_with(cli={"scim_url": URLS["cli"], "scim_token": TOKEN})
    assert first is not None
    assert second is not None
    assert first.run_prefix.startswith("scimconf-")
    assert first.run_prefix != second.run_prefix


def test_every_option_reaches_the_settings(tmp_path: Path) -> None:
    known = tmp_path / "known.toml"
    known.write_text("")
    settings = resolve_with(
        cli={
            "scim_url": URLS["cli"],
            "scim_token": TOKEN,
            "entra_dialect": "legacy",
            "scim_profile": "webex",
            "scim_timeout": "5",
            "scim_user_domain": "@corp.example",
            "scim_gallery": True,
            "scim_strict": True,
            "scim_json": str(tmp_path / "results.json"),
            "scim_baseline": str(known),
            "scim_baseline_strict": True,
            "scim_write_baseline": str(tmp_path / "new.toml"),
            "scim_max_retry_wait": "0",
            "scim_rate": "2.5",
            "scim_insecure": True,
            "scim_keep": True,
            "scim_sweep": True,
            "scim_yes": True,
            "scim_load": True,
            "scim_load_rate": "30",
            "scim_load_duration": "2",
            "scim_examples": "3",
            "scim_seed": "mine",
        }
    )
    assert settings is not None
    assert (settings.dialects, settings.profile.name, settings.timeout) == (("legacy",), "webex", 5)
    assert settings.user_domain == "corp.example"
    assert (settings.gallery, settings.strict, settings.reference) == (True, True, False)
    assert settings.json_path == tmp_path / "results.json"
    assert (settings.baseline_path, settings.baseline_strict) == (known, True)
    assert settings.write_baseline_path == tmp_path / "new.toml"
    assert (settings.max_retry_wait, settings.rate, settings.tls_verify) == (0.0, 2.5, False)
    assert (settings.keep, settings.sweep, settings.yes) == (True, True, True)
    assert (settings.load, settings.load_rate, settings.load_duration) == (True, 30.0, 2.0)
    assert (settings.examples, settings.seed) == (3, "mine")


def test_defaults_of_the_options_without_a_value() -> None:
    settings = resolve_with(cli={"scim_url": URLS["cli"], "scim_token": TOKEN})
    assert settings is not None
    assert (settings.examples, settings.seed) == (10, None)
    assert (settings.load, settings.load_rate, settings.load_duration) == (False, 25.0, 10.0)
    assert (settings.max_retry_wait, settings.rate, settings.tls_verify) == (60.0, None, True)
    assert (settings.json_path, settings.baseline_path, settings.write_baseline_path) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("cli", "env", "expected"),
    [
        ({}, {"SCIM_CONFORMANCE_EXAMPLES": "7", "SCIM_CONFORMANCE_SEED": "env"}, (7, "env")),
        (
            {"scim_examples": "3", "scim_seed": "cli"},
            {"SCIM_CONFORMANCE_EXAMPLES": "7"},
            (3, "cli"),
        ),
    ],
    ids=["env", "cli over env"],
)
def test_property_options_come_from_the_command_line_then_the_environment(
    cli: dict[str, object], env: dict[str, str], expected: tuple[int, str]
) -> None:
    settings = resolve_with({"scim_url": URLS["cli"], "scim_token": TOKEN, **cli}, env)
    assert settings is not None
    assert (settings.examples, settings.seed) == expected


@pytest.mark.parametrize(
    ("env", "ini", "message"),
    [
        (
            {"SCIM_CONFORMANCE_EXAMPLES": "abc"},
            {},
            "SCIM_CONFORMANCE_EXAMPLES: --scim-examples must be a positive integer (got 'abc')",
        ),
        (
            {},
            {"scim_timeout": "soon"},
            "ini option scim_timeout: --scim-timeout must be a number of seconds (got 'soon')",
        ),
    ],
)
def test_a_bad_value_names_where_it_came_from(
    env: dict[str, str], ini: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError) as info:
        resolve_with({"scim_url": URLS["cli"], "scim_token": TOKEN}, env, ini)
    assert str(info.value) == message


@pytest.mark.parametrize("token", ["two words", "line\nbreak", "tab\there", "naïve"])
def test_a_token_a_header_cannot_carry_is_refused_without_showing_it(token: str) -> None:
    with pytest.raises(SettingsError) as info:
        resolve_with({"scim_url": URLS["cli"], "scim_token": token})
    assert str(info.value) == (
        "--token must be printable ASCII without spaces or line breaks, as a bearer token is "
        "(RFC 6750 §2.1; value not shown)"
    )


def test_insecure_and_a_ca_bundle_exclude_each_other(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    cli = {"scim_url": URLS["cli"], "scim_token": TOKEN, "scim_ca_bundle": str(bundle)}
    settings = resolve_with(cli)
    assert settings is not None
    assert settings.tls_verify == str(bundle)
    with pytest.raises(SettingsError, match="exclude each other"):
        resolve_with({**cli, "scim_insecure": True})


def test_a_worker_takes_the_controllers_target_prefix_rules_and_its_share_of_the_rate() -> None:
    cli = {"scim_url": "https://cli.example.com/scim", "scim_token": TOKEN, "scim_rate": "8"}
    controller = resolve_with(cli)
    assert controller is not None
    option, ini_lookup, _ = fake_sources({"scim_reference": True, "scim_rate": "8"})
    worker = resolve(
        option,
        ini_lookup,
        {},
        start_reference=no_reference,
        controller=shared(controller),
        workers=4,
    )
    assert worker is not None
    assert (worker.base_url, worker.token, worker.run_prefix, worker.endpoint) == (
        controller.base_url,
        controller.token,
        controller.run_prefix,
        controller.endpoint,
    )
    assert (controller.rate, worker.rate) == (8.0, 2.0)


def test_the_gate_is_a_severity() -> None:
    settings = resolve_with(
        {"scim_reference": True, "scim_fail_on": "advisory"}, start_reference=lambda: REFERENCE
    )
    assert settings is not None
    assert settings.fail_on is Severity.ADVISORY
    assert f"{settings.fail_on}" == "advisory"


def test_checked_sees_the_settings_before_the_preflight_decides_the_endpoint() -> None:
    seen: list[str] = []
    option, ini_lookup, _ = fake_sources(
        {"scim_url": "https://cli.example.com/scim", "scim_token": TOKEN}
    )

    def preflight(settings: Settings) -> EndpointRules:
        seen.append("preflight")
        return GIVEN_GENERIC

    settings = resolve(
        option,
        ini_lookup,
        {},
        start_reference=no_reference,
        checked=lambda settings: seen.append("checked"),
        preflight=preflight,
    )
    assert settings is not None
    assert seen == ["checked", "preflight"]
    assert settings.endpoint is GIVEN_GENERIC


LOWER_LAYERS = ("config.py", "severity.py", "http", "checks", "properties", "reporting", "suite")


@pytest.mark.parametrize("layer", LOWER_LAYERS)
def test_configuration_sits_at_the_bottom_nothing_below_the_plugin_imports_it(layer: str) -> None:
    package = Path(options.__file__).resolve().parents[1]
    files = [package / layer] if layer.endswith(".py") else sorted((package / layer).rglob("*.py"))
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith("scim_conformance.plugin"), f"{path}: {name}"
                if layer == "config.py":
                    assert name.split(".")[0] != "pytest", f"{path}: {name}"


# Options that came after the SCIM_CONFORMANCE_* names: no old name to keep working.
WITHOUT_OLD_NAME = {"--scim-token-endpoint", "--scim-client-id", "--scim-concurrency"}


def test_every_environment_variable_has_the_conformance_prefix_and_an_old_alias() -> None:
    for option in options.OPTIONS:
        if option.env:
            assert option.env.startswith(options.ENV_PREFIX), option.name
            renamed = "SCIM_" + option.env.removeprefix(options.ENV_PREFIX)
            old = None if option.name in WITHOUT_OLD_NAME else renamed
            assert option.old_env == old, option.name


def test_the_new_name_beats_the_old_and_only_the_old_draws_a_notice() -> None:
    both = {"SCIM_CONFORMANCE_URL": URLS["env"], "SCIM_URL": URLS["ini"]}
    settings = resolve_with({"scim_token": TOKEN}, both)
    assert settings is not None
    assert (settings.base_url, settings.target_source) == (URLS["env"], "SCIM_CONFORMANCE_URL")
    assert settings.notices == ()
    old = resolve_with(env={"SCIM_URL": URLS["env"], "SCIM_CONFORMANCE_TOKEN": TOKEN})
    assert old is not None
    assert old.target_source == "SCIM_URL"
    assert old.notices == (
        "deprecated environment variable(s) SCIM_URL: rename to SCIM_CONFORMANCE_URL "
        "(SCIM_* names clash with apps' own settings; the old names will be removed)",
    )


@pytest.mark.parametrize(
    ("env", "ini"),
    [({"SCIM_CONFORMANCE_URL": URLS["env"]}, {}), ({}, {"scim_url": URLS["ini"]})],
    ids=["environment", "ini"],
)
def test_outside_paths_win_over_a_target_not_on_the_command_line(
    env: dict[str, str], ini: dict[str, object]
) -> None:
    option, ini_lookup, _ = fake_sources({}, ini)
    paths = Paths(outside=("tests/test_mine.py",))
    # No token, a bad value: neither matters, the suite does not run.
    env = {**env, "SCIM_CONFORMANCE_EXAMPLES": "abc"}
    assert resolve(option, ini_lookup, env, start_reference=no_reference, paths=paths) is None


def test_testpaths_win_only_over_a_deprecated_url() -> None:
    option, ini_lookup, _ = fake_sources({}, {})
    paths = Paths(testpaths=True)
    old = {"SCIM_URL": URLS["env"]}
    assert resolve(option, ini_lookup, old, start_reference=no_reference, paths=paths) is None
    new = {"SCIM_CONFORMANCE_URL": URLS["env"], "SCIM_CONFORMANCE_TOKEN": TOKEN}
    settings = resolve(option, ini_lookup, new, start_reference=no_reference, paths=paths)
    assert settings is not None
    assert settings.base_url == URLS["env"]
