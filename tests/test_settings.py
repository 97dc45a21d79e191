"""Tests for scim_conformance.plugin.settings: URL validation, option parsing and precedence."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pytest

from scim_conformance.plugin.settings import (
    DEFAULT_TIMEOUT,
    DEFAULT_USER_DOMAIN,
    DIALECTS,
    FLAG_QUERY,
    Settings,
    SettingsError,
    is_loopback,
    new_run_prefix,
    normalise_base_url,
    parse_dialects,
    parse_timeout,
    resolve,
)

TOKEN = "s3cr3t-settings-TOKEN"


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
    assert normalise_base_url(raw, allow_http=False) == (expected, False)


@pytest.mark.parametrize(
    "raw",
    [
        "https://api.example.com/scim/v2/?aadOptscim062020",
        "https://api.example.com/scim/v2?aadOptscim062020",
        "https://api.example.com/scim/v2?aadOptscim062020=",
        "https://api.example.com/scim/v2?x=1&aadOptscim062020",
    ],
)
def test_normalise_base_url_detects_the_entra_flag(raw: str) -> None:
    assert normalise_base_url(raw, allow_http=False) == ("https://api.example.com/scim/v2", True)


@pytest.mark.parametrize(
    "raw",
    [
        "https://api.example.com/scim?AzureAdScimPatch062020",
        "https://api.example.com/scim?aadOptscim062020x",
        "https://api.example.com/aadOptscim062020",
    ],
)
def test_normalise_base_url_ignores_lookalike_flags(raw: str) -> None:
    assert normalise_base_url(raw, allow_http=False)[1] is False


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
        "http://api.example.com/scim",
        False,
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
    assert normalise_base_url(raw, allow_http=False) == (expected, False)


@pytest.mark.parametrize(
    "raw",
    [
        "",
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
    ("value", "url_has_flag", "expected"),
    [
        (None, False, ("legacy", "aadOptscim062020")),
        (None, True, ("aadOptscim062020",)),
        ("both", False, ("legacy", "aadOptscim062020")),
        ("both", True, ("legacy", "aadOptscim062020")),
        ("legacy", False, ("legacy",)),
        ("legacy", True, ("legacy",)),
        ("aadOptscim062020", False, ("aadOptscim062020",)),
    ],
)
def test_parse_dialects(value: str | None, url_has_flag: bool, expected: tuple[str, ...]) -> None:
    assert parse_dialects(value, url_has_flag) == expected


def test_dialect_constants() -> None:
    assert DIALECTS == ("legacy", "aadOptscim062020")
    assert FLAG_QUERY == "aadOptscim062020"


@pytest.mark.parametrize("value", ["Legacy", "flag", "all", "", "legacy,aadOptscim062020"])
def test_parse_dialects_rejects_unknown_values(value: str) -> None:
    with pytest.raises(SettingsError) as info:
        parse_dialects(value, url_has_flag=False)
    assert str(info.value).startswith("--entra-dialect must be one of")
    assert repr(value) in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DEFAULT_TIMEOUT),
        ("", DEFAULT_TIMEOUT),
        ("5", 5.0),
        ("0.5", 0.5),
        (" 12 ", 12.0),
        (2.5, 2.5),
        (90, 90.0),
    ],
)
def test_parse_timeout_accepts_positive_numbers(value: str | float | None, expected: float) -> None:
    assert parse_timeout(value) == expected


def test_default_timeout_is_entras_sixty_seconds() -> None:
    assert DEFAULT_TIMEOUT == 60.0


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("abc", "must be a number of seconds"),
        ("10s", "must be a number of seconds"),
        ("0", "must be positive"),
        ("-1", "must be positive"),
        (0.0, "must be positive"),
    ],
)
def test_parse_timeout_rejects_bad_values(value: str | float, fragment: str) -> None:
    with pytest.raises(SettingsError, match="--scim-timeout") as info:
        parse_timeout(value)
    assert fragment in str(info.value)


def test_parse_timeout_rejects_nan() -> None:
    with pytest.raises(SettingsError, match="--scim-timeout"):
        parse_timeout("nan")


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


def resolve_with(
    cli: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    ini: Mapping[str, object] | None = None,
    **kw: str,
) -> Settings | None:
    option, ini_lookup, _ = fake_sources(cli, ini)
    return resolve(option, ini_lookup, env or {}, **kw)


def test_resolve_returns_none_without_a_url() -> None:
    assert resolve_with(cli={"scim_token": TOKEN}, env={"SCIM_TOKEN": TOKEN}) is None


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
    env = {"SCIM_URL": URLS["env"]} if "env" in sources else {}
    ini = {"scim_url": URLS["ini"]} if "ini" in sources else {}
    settings = resolve_with({**cli, "scim_token": TOKEN}, env, ini)
    assert settings is not None
    assert settings.base_url == URLS[expected]


def test_empty_cli_value_falls_through_to_the_environment() -> None:
    settings = resolve_with(
        cli={"scim_url": "", "scim_token": TOKEN}, env={"SCIM_URL": URLS["env"]}
    )
    assert settings is not None
    assert settings.base_url == URLS["env"]


@pytest.mark.parametrize(
    ("cli", "env", "ini", "expected"),
    [
        ({"scim_timeout": "5"}, {"SCIM_TIMEOUT": "6"}, {"scim_timeout": "7"}, 5.0),
        ({}, {"SCIM_TIMEOUT": "6"}, {"scim_timeout": "7"}, 6.0),
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
        ({"entra_dialect": "legacy"}, {"SCIM_ENTRA_DIALECT": "both"}, {}, ("legacy",)),
        ({}, {"SCIM_ENTRA_DIALECT": "legacy"}, {"entra_dialect": "both"}, ("legacy",)),
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


def test_flagged_url_without_a_dialect_option_selects_the_flag_dialect() -> None:
    settings = resolve_with(
        cli={"scim_url": "https://api.example.com/scim/v2/?aadOptscim062020", "scim_token": TOKEN}
    )
    assert settings is not None
    assert settings.base_url == "https://api.example.com/scim/v2"
    assert settings.dialects == ("aadOptscim062020",)


@pytest.mark.parametrize(
    ("cli", "env", "ini", "expected"),
    [
        ({"scim_user_domain": "cli.test"}, {"SCIM_USER_DOMAIN": "env.test"}, {}, "cli.test"),
        ({}, {"SCIM_USER_DOMAIN": "@env.test"}, {"scim_user_domain": "ini.test"}, "env.test"),
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
        ({"scim_token": "from-cli"}, {"SCIM_TOKEN": "from-env"}, "from-cli"),
        ({}, {"SCIM_TOKEN": "from-env"}, "from-env"),
        ({"scim_token": ""}, {"SCIM_TOKEN": "from-env"}, "from-env"),
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
        resolve(option, ini_lookup, {})
    assert "scim_token" not in asked
    assert "token" not in asked


def test_ini_is_not_asked_for_the_token_when_the_token_is_given() -> None:
    option, ini_lookup, asked = fake_sources(cli={"scim_url": URLS["cli"], "scim_token": TOKEN})
    assert resolve(option, ini_lookup, {}) is not None
    assert not [name for name in asked if "token" in name]


@pytest.mark.parametrize("env", [{}, {"SCIM_TOKEN": ""}])
def test_missing_token_is_a_settings_error_naming_both_sources(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as info:
        resolve_with(cli={"scim_url": URLS["cli"]}, env=env)
    message = str(info.value)
    assert "--token" in message
    assert "SCIM_TOKEN" in message
    assert "\n" not in message


def test_reference_url_and_token_override_the_options() -> None:
    settings = resolve_with(
        cli={"scim_url": URLS["cli"], "scim_token": "cli-token"},
        reference_url="http://127.0.0.1:9999/scim/v2",
        reference_token="ref-token",
    )
    assert settings is not None
    assert settings.base_url == "http://127.0.0.1:9999/scim/v2"
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
        resolve_with(cli={"scim_url": URLS["cli"], "scim_token": TOKEN}, env={"SCIM_TIMEOUT": "x"})


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
