"""The reusable strategies draw what Entra sends: valid addresses carrying the run prefix,
names across scripts within the documented limits, no nulls, and PATCH lists built by
Entra's own builders; plus the property runner's options and failure rendering."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scim_conformance.checks import rules
from scim_conformance.checks.failures import ConformanceFailure, Finding
from scim_conformance.checks.resource_paths import value_at
from scim_conformance.entra import (
    ENTERPRISE,
    FLAG,
    LEGACY,
    EntraPatch,
    UserSpec,
    create_user_body,
)
from scim_conformance.http.client import ClientOptions, ScimClient, TransportFailure
from scim_conformance.ledger import Ledger
from scim_conformance.profiles import ENTRA_DEFAULT
from scim_conformance.profiles import WEBEX as WEBEX_PROFILE
from scim_conformance.properties.graded_steps import flip_case, match_rule, refusal_reason
from scim_conformance.properties.hypothesis_runner import (
    PropertyOptions,
    PropertyRunner,
    mapped_paths,
    show_falsifying_example,
)
from scim_conformance.properties.strategies import (
    ARABIC,
    CJK,
    CYRILLIC,
    DIACRITICS,
    EMOJI,
    ENTRA,
    GREEK,
    OFFICE,
    PHONES,
    WEBEX,
    WORK_ADDRESS,
    EntraChange,
    EntraUser,
    create_body,
    entra_changes,
    entra_users,
    is_exotic,
    limits_for,
    names,
    patch_operation_lists,
    patch_operations,
    patch_requests,
    sent_values,
    user_names,
    utf16_len,
)
from support.settings import offline_settings

PREFIX, DOMAIN = "scimconf-1a2b3c4d", "example.com"
FAST = settings(max_examples=40, derandomize=True, database=None, deadline=None)
SLOW_DRAWS = settings(FAST, suppress_health_check=[HealthCheck.too_slow])
# RFC 5321 §4.1.2 dot-string (atext + '.'), or a quoted string of qtext and quoted pairs.
DOT_STRING = re.compile(r"^[A-Za-z0-9+'_\-]+(\.[A-Za-z0-9+'_\-]+)*$")
QUOTED = re.compile(r'^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$')


def draws(strategy: st.SearchStrategy[Any], count: int = 100) -> list[Any]:
    """`count` derandomized draws (no shrinking, unlike `hypothesis.find`)."""
    seen: list[Any] = []

    @settings(SLOW_DRAWS, max_examples=count)
    @given(strategy)
    def record(value: Any) -> None:
        seen.append(value)

    record()
    return seen


def local_part(address: str) -> str:
    """The local part of an address whose domain is DOMAIN."""
    assert address.endswith("@" + DOMAIN), address
    return address[: -len(DOMAIN) - 1]


@FAST
@given(user_names(PREFIX, DOMAIN))
def test_user_names_are_valid_addresses_with_the_run_prefix(name: str) -> None:
    local = local_part(name)
    assert len(local.encode()) <= 64  # RFC 5321 §4.5.3.1.1
    assert local.startswith((PREFIX + "-", f'"{PREFIX}-'))
    if local.startswith('"'):
        assert QUOTED.match(local), local
    elif local.isascii():
        assert DOT_STRING.match(local), local
    else:  # RFC 6531: UTF-8 letters in a dot-string, NFC as RFC 6532 §3.1 suggests
        assert ".." not in local
        assert not local.endswith(".")
        assert unicodedata.normalize("NFC", local) == local


@FAST
@given(user_names(PREFIX, DOMAIN, exotic=False))
def test_plain_user_names_are_what_entra_holds(name: str) -> None:
    assert not is_exotic(name)
    assert DOT_STRING.match(local_part(name))


@functools.cache
def some_user_names() -> list[str]:
    """A hundred derandomized userNames, drawn once."""
    return draws(user_names(PREFIX, DOMAIN))


@pytest.mark.parametrize(
    ("wanted", "example"),
    [
        (lambda n: "+" in local_part(n).removeprefix(PREFIX), "a plus"),
        (lambda n: "'" in n, "an apostrophe"),
        (lambda n: any(c.isupper() for c in n), "upper case"),
        (lambda n: not n.isascii() and '"' not in n, "a UTF-8 local part"),
        (lambda n: '\\"' in n, "a quoted local part with an escaped quote"),
        (lambda n: "\\\\" in n, "a quoted local part with an escaped backslash"),
    ],
)
def test_user_names_cover(wanted: Any, example: str) -> None:
    assert any(wanted(name) for name in some_user_names()), example


def test_drawn_user_names_never_repeat() -> None:
    seen = some_user_names()
    assert len(seen) == len(set(seen)) > 1


@SLOW_DRAWS
@given(names(64))
def test_names_are_never_blank_nfc_and_within_the_limit(name: str) -> None:
    assert name.strip()
    assert utf16_len(name) <= 64
    assert unicodedata.normalize("NFC", name) == name
    assert all(unicodedata.category(c)[0] != "C" for c in name)  # no controls


@functools.cache
def some_names() -> list[str]:
    """A hundred derandomized names up to Webex's displayName limit, drawn once."""
    return draws(names(512))


@pytest.mark.parametrize(
    "chars",
    [DIACRITICS, GREEK, CYRILLIC, CJK, ARABIC, EMOJI, "'", '"', "\\"],
    ids=["diacritics", "greek", "cyrillic", "cjk", "arabic", "emoji", "apostrophe", "quote", "bs"],
)
def test_names_cover(chars: str) -> None:
    assert any(any(c in chars for c in name) for name in some_names())


def test_names_reach_the_limit_and_have_outer_spaces() -> None:
    assert 400 < max(map(utf16_len, some_names())) <= 512
    assert any(name != name.strip() for name in some_names())


@SLOW_DRAWS
@given(entra_users(PREFIX, DOMAIN))
def test_create_body_holds_every_sent_value_and_no_null(user: EntraUser) -> None:
    body = create_body(user)
    assert body == _without_nulls(body)  # Entra never sends null (R22)
    for path, value in sent_values(user).items():
        assert value_at(body, path) == value, path
        assert not isinstance(value, str) or utf16_len(value) <= WEBEX.of(path), path


@functools.cache
def some_users() -> list[EntraUser]:
    """Forty derandomized users, drawn once for the tests below."""
    return draws(entra_users(PREFIX, DOMAIN), 40)


def test_create_body_is_entras_with_the_optional_attributes_placed() -> None:
    user = next(u for u in some_users() if len(u.extras) >= 3)
    body, base = create_body(user), create_user_body(user.spec)
    assert {key: body[key] for key in base} == base  # Entra's own body, extended only
    assert body["meta"] == {"resourceType": "User"}
    assert body["roles"] == []
    department = f"{ENTERPRISE}:department"
    found = next(u for u in some_users() if department in u.extras)
    assert create_body(found)[ENTERPRISE]["department"] == found.extras[department]


def test_mapping_limits_what_is_generated_and_sent() -> None:
    mapped = mapped_paths(WEBEX_PROFILE, enterprise=True)
    drawn = draws(entra_users(PREFIX, DOMAIN, mapped=mapped), 20)
    assert all(user.extras == {} for user in drawn)
    user = next(u for u in drawn if u.spec.work_email)
    assert "emails" not in create_body(user, mapped)
    assert set(sent_values(user, mapped)) == {
        "userName",
        "active",
        "externalId",
        "displayName",
        "name.givenName",
        "name.familyName",
    }
    default = mapped_paths(ENTRA_DEFAULT, enterprise=False)
    assert {*PHONES, *WORK_ADDRESS, OFFICE} <= default
    assert not any(path.startswith(ENTERPRISE) for path in default)


def test_each_profile_draws_within_its_own_limits() -> None:
    assert limits_for("webex") is WEBEX
    assert limits_for("entra-default") is ENTRA
    assert limits_for("a-vendor-profile") is ENTRA  # the generic app holds Entra's values
    generic = draws(entra_users(PREFIX, DOMAIN, limits=limits_for("entra-default")), 40)
    assert all(utf16_len(user.spec.display_name) <= ENTRA.display_name for user in generic)
    webex = draws(entra_users(PREFIX, DOMAIN, limits=limits_for("webex")), 40)
    assert max(utf16_len(user.spec.display_name) for user in webex) > ENTRA.display_name


@SLOW_DRAWS
@given(entra_users(PREFIX, DOMAIN, limits=ENTRA, exotic=False))
def test_entra_limited_users_are_never_legally_refused(user: EntraUser) -> None:
    assert refusal_reason(sent_values(user), user.spec.user_name) is None


def test_refusal_reasons() -> None:
    exotic = next(u for u in some_users() if is_exotic(u.spec.user_name))
    assert "quoted or non-ASCII" in str(refusal_reason(sent_values(exotic), exotic.spec.user_name))
    spec = UserSpec(f"{PREFIX}-1@{DOMAIN}", "x", "Ada", "Tester", "D" * 300, None)
    reason = refusal_reason(sent_values(EntraUser(spec)), spec.user_name)
    assert reason == "values are longer than Entra's directory holds: displayName (256)"


def test_patch_operations_come_from_entras_builders() -> None:
    change = EntraChange(
        {"displayName": "Zoë", "title": "Chef", 'emails[type eq "work"].value': "x"}
    )
    present = {"displayName", 'emails[type eq "work"].value'}
    for dialect in (LEGACY, FLAG):
        expected = EntraPatch(dialect).update(change.changes, added=["title"])
        assert patch_operations(dialect, change, present) == expected
    assert patch_operations(LEGACY, EntraChange(active=False), set()) == [
        {"op": "Replace", "path": "active", "value": "False"}
    ]
    assert patch_operations(FLAG, EntraChange(active=False), set())[0]["value"] is False


def test_patch_requests_add_once_then_replace() -> None:
    changes = [EntraChange({"title": "A"}), EntraChange({"title": "B"})]
    first, second = patch_requests(LEGACY, set(), changes)
    assert first == [{"op": "Add", "path": "title", "value": "A"}]
    assert second == [{"op": "Replace", "path": "title", "value": "B"}]


@FAST
@given(entra_changes(PREFIX, DOMAIN, mapped={"userName", "active", "title"}))
def test_changes_end_with_deactivation_and_stay_in_the_mapping(changes: list[EntraChange]) -> None:
    updates = [c for c in changes if c.active is None]
    assert updates
    assert changes[: len(updates)] == updates  # updates first, then (de)activation
    assert [c.active for c in changes[len(updates) :]] in ([], [False], [False, True])
    for change in updates:
        assert change.changes
        assert set(change.changes) <= {"userName", "title"}
        name = change.changes.get("userName")
        assert name is None or (name.startswith(PREFIX) and not is_exotic(name))


@FAST
@given(patch_operation_lists(FLAG, PREFIX, DOMAIN))
def test_flag_operation_lists_are_lower_case_and_fold_simple_paths(
    requests: list[list[dict[str, Any]]],
) -> None:
    for operations in requests:
        assert all(op["op"] in ("add", "replace") for op in operations)
        pathless = [op for op in operations if "path" not in op]
        assert len(pathless) <= 1  # one path-less replace holds every simple attribute (§5c)


def test_same_seed_same_data() -> None:
    def draw() -> list[str]:
        seen: list[str] = []

        @FAST
        @given(entra_users(PREFIX, DOMAIN))
        def record(user: EntraUser) -> None:
            seen.append(repr(user))

        record()
        # The tag after the prefix is new on every draw (unique in the run); the rest of
        # the data is the same.
        return [re.sub(rf"{PREFIX}-x?[0-9]{{7}}", "TAG", text) for text in seen]

    assert draw() == draw()


def test_generated_names_never_repeat_across_strategies() -> None:
    # --scim-keep deletes nothing: every property test's users must have names of their own.
    seen: list[str] = []
    for _ in range(2):

        @FAST
        @given(entra_users(PREFIX, DOMAIN, exotic=False, plain_names=True))
        def record(user: EntraUser) -> None:
            seen.append(user.spec.user_name.casefold())

        record()
    assert len(seen) == len(set(seen))


def test_flip_case_touches_ascii_letters_only() -> None:
    assert flip_case("Straße.Ab@Example.com") == "sTRAßE.aB@eXAMPLE.COM"
    assert match_rule('"a\\"b"@x.org') is rules.FILTER_ESCAPED_VALUE
    assert match_rule("a+b@x.org") is rules.FILTER_EXACT_MATCH


def test_falsifying_example_goes_into_the_message() -> None:
    finding = Finding(rules.PATCH_RESPONSE_BODY, "Title", "e", "a")
    failure = ConformanceFailure(finding)
    failure.__notes__ = ["Failing test case: prop(\n    user='x',\n)"]
    show_falsifying_example(failure, "again")
    assert "  Falsifying example: prop(\n      user='x',\n  )\n  (again)" in str(failure)
    assert failure.__notes__ == []
    other = AssertionError("plain")
    other.__notes__ = ["Failing test case: prop()"]
    show_falsifying_example(other, "again")
    assert other.__notes__ == ["Falsifying example: prop()"]


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value if v is not None]
    return value


def test_a_lost_connection_stops_the_property() -> None:
    settings_ = offline_settings(run_prefix=PREFIX, user_domain=DOMAIN)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = ScimClient(ClientOptions.of(settings_), transport=httpx.MockTransport(refuse))
    ledger = Ledger(client, run_prefix=PREFIX)
    runner = PropertyRunner("test_x", PropertyOptions(examples=10), ledger)

    def sends(user: EntraUser) -> None:
        runner.create(user, "Create")

    with pytest.raises(TransportFailure) as caught:
        runner.check(sends, user=entra_users(PREFIX, DOMAIN))
    # The create and the lookup that adopts what it may have created; no more examples.
    assert client.request_count == 2
    assert "Falsifying example: sends(" in str(caught.value)
