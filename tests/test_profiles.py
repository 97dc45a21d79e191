"""Profiles: the attribute mapping drives what the suite sends; bad files are usage errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_conformance.profiles import ENTRA_DEFAULT, WEBEX, ProfileError, resolve_profile
from support.suite_run import SuiteRun

ACME = """
name = "acme"
[user]
matching = ["userName"]
attributes = ["userName", "active", "displayName", "externalId"]
[user.extension]
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter" = "CC-42"
[group]
attributes = ["displayName"]
"""


def test_built_in_profiles() -> None:
    assert resolve_profile(None) is ENTRA_DEFAULT
    assert resolve_profile("webex") is WEBEX
    assert WEBEX.maps(
        "userName", "name.givenName", "name.familyName", "active", "displayName", "externalId"
    )
    assert not WEBEX.maps('emails[type eq "work"].value')
    assert ENTRA_DEFAULT.user_matching == ("userName", "externalId")


def test_custom_profile_drives_what_is_sent(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    (workdir / "acme.toml").write_text(ACME)
    run = run_suite("--scim-profile=acme.toml", "--scim-json=results.json", "-rs")
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert "profile: acme" in run.output()
    document = json.loads((workdir / "results.json").read_text())
    assert document["run"]["profile"] == "acme"
    creates = [
        json.loads(ex["request_body"])
        for test in document["tests"]
        if test["id"].startswith("test_users_")
        for ex in test["exchanges"]
        if ex["method"] == "POST" and ex["url"].endswith("/Users")
    ]
    assert creates
    for body in creates:
        enterprise = body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
        assert enterprise == {"costCenter": "CC-42"}
        assert "name" not in body
        assert "emails" not in body
    assert "profile acme does not map group members" in run.output()
    assert run.server.app.users() == []  # cleaned up


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[user\n", "is not valid TOML"),
        (
            '[user]\nattributes = ["userName", "active", "shoeSize"]\n',
            "unknown user attribute(s) shoeSize",
        ),
        ('[user]\nattributes = ["displayName"]\n', "user attributes must include"),
        (
            '[user]\nmatching = ["externalId"]\nattributes = ["userName", "active"]\n',
            "matching attributes must be mapped",
        ),
        ('[user.extension]\ncostCenter = "x"\n', "[user.extension] maps URN-qualified"),
        ('[group]\nattributes = ["members"]\n', "group attributes must include displayName"),
    ],
)
def test_bad_profile_file_is_a_one_line_usage_error(
    pytester: pytest.Pytester, content: str, message: str
) -> None:
    (pytester.path / "bad.toml").write_text(content)
    with pytest.raises(ProfileError, match=r"--scim-profile: .*bad\.toml"):
        resolve_profile(str(pytester.path / "bad.toml"))
    result = pytester.runpytest_subprocess(
        "--scim-url=https://scim.example.invalid/v2", "--token=t", "--scim-profile=bad.toml"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert message in errors[0]


def test_unknown_profile_name_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--scim-url=https://scim.example.invalid/v2", "--token=t", "--scim-profile=okta"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = "--scim-profile must be entra-default, entra-full, webex or a TOML file"
    assert expected in result.stderr.str()
