"""Webex checks (`--scim-endpoint=webex`, chosen by default for a Webex-style target): what
Webex's developer documentation says beyond RFC 7643/7644, so a Webex-like server behaves as
Webex does (the `webex-*` rules), whichever mapping (`--scim-profile`) Entra sends.

Severity follows the rule: entra-breaking only where Entra's Cisco Webex app would fail,
webex-clients where Webex documents the rule and only Webex's own clients depend on it,
advisory where the behaviour is a SHOULD or inferred. Webex findings are counted on the
verdict's "Webex rules" axis, never as RFC deviations.
Where a check meets a generic SCIM behaviour, it names the generic rule. Where Webex's
docs leave a choice, every choice passes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from scim_conformance.checks import rules, webex
from scim_conformance.checks.expectations import (
    created_id,
    describe,
    expect_list_response,
    expect_schema,
    expect_scim_error,
    expect_status,
)
from scim_conformance.checks.failures import fail, report
from scim_conformance.checks.fallbacks import send_through
from scim_conformance.checks.resource_paths import MISSING, get_key, value_at
from scim_conformance.checks.steps import (
    expect_only,
    expect_values,
    find_users,
    patch_and_verify,
    read_user,
)
from scim_conformance.config import Settings
from scim_conformance.entra import (
    EntraPatch,
    UserSpec,
    create_user_body,
    filter_eq,
    patch_body,
    user_query,
)
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import WEBEX as GALLERY_APP
from scim_conformance.profiles import Profile
from scim_conformance.suite.conftest import AddMembers, CreatedGroup, CreatedUser, adopting
from scim_conformance.suite.prerequisites import Prerequisites
from scim_conformance.suite.run_fallbacks import TestFallbacks

pytestmark = pytest.mark.webex

PostUser = Callable[[dict[str, Any]], ScimResponse]
# post_entra_user(spec, additions=None, mapped=None) -> the create's response
PostEntraUser = Callable[..., ScimResponse]


@pytest.fixture(scope="module", autouse=True)
def webex_rules(scim_settings: Settings) -> None:
    """Webex checks run when the endpoint is held to Webex's rules (--scim-endpoint)."""
    endpoint = scim_settings.endpoint
    if endpoint.name != "webex":
        pytest.skip(
            f"Webex rules apply only to Webex-style endpoints ({endpoint.reason}; "
            "--scim-endpoint=webex applies them)"
        )


@pytest.fixture
def post_user(scim: ScimClient, ledger: Ledger) -> Iterator[PostUser]:
    """POST a user body; whatever it creates is deleted when the test ends."""
    created: list[str] = []

    def post(body: dict[str, Any]) -> ScimResponse:
        with adopting(ledger, "/Users", "userName", body["userName"]):
            response = scim.post("/Users", body)
        rid = webex.register(ledger, response, body["userName"])
        if rid is not None:
            created.append(rid)
        return response

    yield post
    for rid in reversed(created):
        ledger.delete(rid)


def post_shaped(
    post: PostUser,
    fallbacks: TestFallbacks,
    base: dict[str, Any],
    additions: dict[str, Any] | None = None,
) -> tuple[ScimResponse, bool]:
    """POST Entra's `base` body plus Webex `additions`; where Entra's create is refused, the
    base narrowed as the run's other users are (the create test reports the refusal once).
    The response, and whether it was created through that fallback."""
    # Entra's part alone is narrowed: a refusal while Entra's own body is accepted is about
    # what the test adds.
    done = send_through(
        fallbacks, "/Users", base, lambda shaped: post(webex.with_additions(shaped, additions))
    )
    return done.response, done.narrower is not None and created_id(done.response) is not None


@pytest.fixture
def post_entra_user(post_user: PostUser, run_fallbacks: TestFallbacks) -> PostEntraUser:
    """POST Entra's body for a user (`mapped`: the app's mapping; None, every attribute)
    plus Webex additions, through the run's fallback where Entra's create is refused (the
    report says so): for tests whose subject is not Entra's create body itself."""

    def post(
        spec: UserSpec, additions: dict[str, Any] | None = None, mapped: Any = None
    ) -> ScimResponse:
        base = create_user_body(spec, mapped)
        response, fell_back = post_shaped(post_user, run_fallbacks, base, additions)
        if fell_back:
            run_fallbacks.used("/Users")
        return response

    return post


def plain_create(namer: Namer, post_user: PostEntraUser) -> Callable[[], ScimResponse]:
    """A create of a user with nothing a Webex check adds: tells a refusal of what the check
    sends from a refusal of every create (through the run's fallback, as the check's own)."""
    return lambda: post_user(namer.user())


# userName ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["not-an-email", "other-primary-email"])
def test_webex_username_is_the_primary_email(
    scim: ScimClient, namer: Namer, post_user: PostUser, case: str
) -> None:
    """userName must be an email and a primary work email must equal it (webex-username-email)."""
    spec = namer.user()
    if case == "not-an-email":
        spec = replace(spec, user_name=spec.user_name.split("@")[0], work_email=None)
    else:
        spec = replace(spec, work_email=namer.user().user_name)
    response = post_user(webex.user_body(spec))
    if 400 <= response.status < 500:
        return  # refused: any 4xx will do, Webex does not document which
    rid = created_id(response)
    if case == "not-an-email" or rid is None:
        what = "not an email" if case == "not-an-email" else "not the primary work email"
        report(
            rules.WEBEX_USERNAME_EMAIL,
            f"A userName that is {what} was not refused",
            expected="HTTP 4xx",
            actual=describe(response),
            response=response,
        )
        return
    # Accepted: legal only if the server made userName the primary work email.
    read, read_response = read_user(scim, rid, "Read back the user")
    primary = value_at(read, 'emails[type eq "work"].value')
    if isinstance(primary, str) and primary.casefold() != spec.user_name.casefold():
        report(
            rules.WEBEX_USERNAME_EMAIL,
            "A primary work email other than userName was stored",
            expected=f"HTTP 4xx, or the primary work email {spec.user_name}",
            actual=f"primary work email {primary}",
            response=read_response,
            cause=response,
        )


@pytest.mark.severity("entra_breaking")  # its main check is a generic Entra rule
def test_webex_username_is_unique_ignoring_case(
    scim: ScimClient, namer: Namer, post_entra_user: PostEntraUser
) -> None:
    """userName is caseExact false: the same name in upper case → 409 (create-duplicate-409)."""
    spec = namer.user()
    created = post_entra_user(spec)
    webex.expect_accepted(created, "Create a user", rule=rules.CREATE_ACCEPTED)
    upper = replace(spec, user_name=spec.user_name.upper(), work_email=spec.user_name.upper())
    upper = replace(upper, external_id=f"{spec.external_id}-upper")
    response = post_entra_user(upper)
    expect_status(
        response,
        {409},
        "The same userName in upper case was not refused with 409",
        rule=rules.CREATE_DUPLICATE_409,
    )
    expect_scim_error(response, 409, "409 without a SCIM Error body")


# Schemas and input rules ------------------------------------------------------------------


def test_webex_cisco_extension_round_trips(
    scim: ScimClient, namer: Namer, post_entra_user: PostEntraUser
) -> None:
    """The Cisco user extension is accepted and returned as sent (webex-cisco-extension)."""
    spec = namer.user()
    sent = webex.cisco_sample(spec.user_name, spec.external_id[-12:])
    response = post_entra_user(spec, {webex.CISCO_USER: sent})
    title = "Create a user with the Cisco extension"
    plain = plain_create(namer, post_entra_user)
    rid = webex.created_or_report(response, title, rule=rules.WEBEX_CISCO_EXTENSION, plain=plain)
    if rid is None:
        return  # refused: an advisory finding (else report() failed the test)
    read, read_response = read_user(scim, rid, "Read back the user")
    for body, got in ((read, read_response), (response.json_object or {}, response)):
        section = get_key(body, webex.CISCO_USER)
        lost = webex.not_kept(sent, section)
        if lost:
            report(
                rules.WEBEX_CISCO_EXTENSION,
                "The Cisco extension did not round-trip",
                expected="; ".join(f"{k} = {webex.show(v)}" for k, v in sent.items()),
                actual="; ".join(lost),
                response=got,
                cause=response if got is read_response else None,
            )
            return  # one finding: the values are gone, their shape cannot be judged
        expect_schema(
            section,
            "WebexUser",
            "The Cisco extension is malformed",
            got,
            rule=rules.WEBEX_CISCO_EXTENSION,
            where=f".{webex.CISCO_USER}",
        )
        listed = get_key(body, "schemas")
        if not isinstance(listed, list) or webex.CISCO_USER not in listed:
            fail(
                rules.WEBEX_SCHEMAS_LISTED,
                "`schemas` does not list the Cisco extension the user carries",
                expected=f"schemas containing {webex.CISCO_USER}",
                actual=f"schemas {webex.show(listed)}",
                response=got,
            )


def test_webex_unknown_schema_sections_are_ignored(
    namer: Namer, post_entra_user: PostEntraUser
) -> None:
    """A body naming a schema the server does not know is accepted, the section ignored
    (webex-unknown-schema-ignored)."""
    section = {"favouriteColour": "teal"}
    webex.created_or_report(
        post_entra_user(namer.user(), {webex.UNKNOWN_SCHEMA: section}),
        "A user body with an unknown schema section was refused",
        rule=rules.WEBEX_UNKNOWN_SCHEMA_IGNORED,
        plain=plain_create(namer, post_entra_user),
    )


def test_webex_read_only_input_is_ignored(
    scim: ScimClient, namer: Namer, post_entra_user: PostEntraUser
) -> None:
    """Read-only attributes in a create body (id, groups, Cisco teamsClusterId …) are
    ignored, neither refused nor stored (webex-read-only-ignored)."""
    spec = namer.user()
    bogus = f"{namer.run_prefix}-read-only-{uuid.uuid4().hex[:6]}"
    cisco = {"teamsClusterId": bogus, "toBeConverted": bogus}
    groups = [{"value": str(uuid.uuid4()), "display": bogus}]
    created = post_entra_user(spec, {"id": bogus, "groups": groups, webex.CISCO_USER: cisco})
    title = "A body with read-only attributes was refused"
    plain = plain_create(namer, post_entra_user)
    rid = webex.expect_accepted(created, title, rule=rules.WEBEX_READ_ONLY_IGNORED, plain=plain)
    read, response = read_user(scim, rid, "Read back the user")
    stored = [f"id = {rid}"] if rid == bogus else []
    stored += [
        f"{webex.CISCO_USER}:{k} = {bogus}"
        for k in cisco
        if get_key(get_key(read, webex.CISCO_USER), k) == bogus
    ]
    kept_groups = get_key(read, "groups")
    if isinstance(kept_groups, list) and any(get_key(g, "display") == bogus for g in kept_groups):
        stored.append(f"groups = {webex.show(kept_groups)}")
    if stored:
        fail(
            rules.WEBEX_READ_ONLY_IGNORED,
            "Read-only attributes were taken from the create body",
            expected="server-assigned values only",
            actual="; ".join(stored),
            response=response,
            cause=created,
        )


@pytest.mark.severity("entra_breaking")  # its main check is a generic Entra rule
def test_webex_user_type_defaults_when_absent(
    scim: ScimClient, namer: Namer, post_user: PostUser
) -> None:
    """A create without userType (Entra's Webex app never sends it) works (create-accepted);
    userType then reads `user` (webex-user-type-default)."""
    spec = replace(namer.user(), work_email=None)  # Entra's Webex mapping: no emails either
    body = webex.user_body(spec)
    response = post_user(body)
    rid = created_id(response)
    if rid is None:
        fail(
            rules.CREATE_ACCEPTED,
            "A user without userType was refused",
            expected="HTTP 201 (userType defaulted)",
            actual=describe(response),
            response=response,
        )
    read, read_response = read_user(scim, rid, "Read back the user")
    user_type = get_key(read, "userType")
    if user_type != "user":
        report(
            rules.WEBEX_USER_TYPE_DEFAULT,
            "userType was not defaulted to `user`",
            expected='userType "user"',
            actual=f"userType {webex.show(user_type)}",
            response=read_response,
            cause=response,
        )


@pytest.mark.parametrize(("attribute", "limit"), [("emails", 10), ("phoneNumbers", 50)])
def test_webex_size_limits_are_enforced(
    namer: Namer, post_user: PostUser, attribute: str, limit: int
) -> None:
    """More values than Webex's documented size (10 emails, 50 phone numbers) → 4xx
    (webex-size-limits)."""
    spec = namer.user()
    local, _, domain = spec.user_name.rpartition("@")
    extra: list[dict[str, Any]]
    if attribute == "emails":
        primary = {"primary": True, "type": "work", "value": spec.user_name}
        extra = [
            primary,
            *({"type": "other", "value": f"{local}+{i}@{domain}"} for i in range(1, limit + 1)),
        ]
    else:
        extra = [{"type": "work", "value": f"+1 555 {i:04d}"} for i in range(limit + 1)]
    response = post_user(webex.user_body(spec, {attribute: extra}))
    if not 400 <= response.status < 500:
        report(
            rules.WEBEX_SIZE_LIMITS,
            f"{limit + 1} {attribute} were not refused",
            expected=f"HTTP 400: {attribute} holds at most {limit} values",
            actual=describe(response),
            response=response,
        )


# Filters and paging -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def _filter_users(
    webex_rules: None,
    _client: ScimClient,
    ledger: Ledger,
    namer: Namer,
    profile: Profile,
    prerequisites: Prerequisites,
) -> Iterator[tuple[list[webex.FilterUser], bool]]:
    """Two users whose every filterable value carries a unique tag (shared by the filter
    checks; deleted when the module ends), and whether the run's fallback created them."""
    users: list[webex.FilterUser] = []
    fallbacks = TestFallbacks(None, prerequisites, ledger, namer, profile)  # tests announce
    fell_back = False

    def post(body: dict[str, Any]) -> ScimResponse:
        with adopting(ledger, "/Users", "userName", body["userName"]):
            response = _client.post("/Users", body)
        webex.register(ledger, response, body["userName"])
        return response

    for _ in range(2):
        tag = f"Wx{uuid.uuid4().hex[:10]}"
        spec = replace(
            namer.user(),
            given_name=f"{tag}Ada",
            family_name=f"{tag}Tester",
        )
        spec = replace(spec, display_name=f"{namer.run_prefix} {tag} Ada Tester")
        response, used = post_shaped(post, fallbacks, create_user_body(spec))
        fell_back |= used
        rid = created_id(response)
        if rid is None:
            fail(
                rules.CREATE_ACCEPTED,
                "Blocked: could not create the users the filter checks need",
                expected="HTTP 201 with the new user's id",
                actual=describe(response),
                response=response,
            )
        values = {
            "id": rid,
            "userName": spec.user_name,
            "name.familyName": spec.family_name,
            "name.givenName": spec.given_name,
            "displayName": spec.display_name,
            "emails.value": spec.user_name,
        }
        users.append(webex.FilterUser(rid, values))
    yield users, fell_back
    for user in users:
        ledger.delete(user.id)


@pytest.fixture
def filter_users(
    _filter_users: tuple[list[webex.FilterUser], bool], run_fallbacks: TestFallbacks
) -> list[webex.FilterUser]:
    """The filter checks' two users; a test using them says so when the run's fallback
    created them."""
    users, fell_back = _filter_users
    if fell_back:
        run_fallbacks.used("/Users")
    return users


MATRIX = [f"{attr} {op}" for attr, ops in webex.FILTER_MATRIX.items() for op in ops]
# Webex's own examples write operators capitalised (`displayName Eq "…" or …`).
KEYWORD_CASE = ["userName Eq", "displayName SW", "name.familyName eW"]


@pytest.mark.parametrize("case", [*MATRIX, *KEYWORD_CASE])
def test_webex_filter_operators(
    scim: ScimClient, filter_users: list[webex.FilterUser], case: str
) -> None:
    """Each documented attribute/operator pair works, keywords in any case (Search users page)."""
    attribute, op = case.split(" ")
    user = filter_users[0]
    clause = (attribute, op, webex.operand(op, user.values[attribute]))
    if attribute == "userName" and op == "eq":  # Entra's matching filter, as it spells it
        refused, wrong = rules.QUERY_LIST_RESPONSE, rules.FILTER_EXACT_MATCH
    elif op != "eq" and op.lower() == "eq":  # only the operator's case is unusual
        refused = wrong = rules.WEBEX_FILTER_OPERATOR_CASE
    else:
        refused = wrong = rules.WEBEX_FILTER_OPERATORS
    webex.expect_filter(scim, [clause], [user], refused=refused, wrong=wrong)


def test_webex_filter_or(scim: ScimClient, filter_users: list[webex.FilterUser]) -> None:
    """`userName Eq "a" or userName Eq "b"` finds both users (webex-filter-operators)."""
    clauses = [("userName", "Eq", user.values["userName"]) for user in filter_users]
    operators = rules.WEBEX_FILTER_OPERATORS
    webex.expect_filter(scim, clauses, filter_users, refused=operators, wrong=operators)


def test_webex_pages_with_string_start_index_and_count(
    scim: ScimClient, namer: Namer, post_entra_user: PostEntraUser
) -> None:
    """startIndex/count sent as decimal strings page a result set the way Webex clients do:
    `startIndex += itemsPerPage` until past totalResults (webex-paging)."""
    # Three users share a unique family name: `eq` on it is in Webex's filter matrix.
    family = f"Wxpage{uuid.uuid4().hex[:10]}"
    wanted = []
    for _ in range(3):
        created = post_entra_user(replace(namer.user(), family_name=family))
        wanted.append(webex.expect_accepted(created, "Create a user", rule=rules.CREATE_ACCEPTED))
    query = {"filter": filter_eq("name.familyName", family)}
    seen: list[str] = []
    start, problems = 1, []
    response: ScimResponse | None = None
    for _ in range(10):  # three users at one per page: a bound against servers that loop
        response = scim.get("/Users", {**query, "startIndex": str(start), "count": "1"})
        body = expect_list_response(response, f"Page startIndex={start}, count=1")
        resources = [r for r in get_key(body, "Resources") or [] if isinstance(r, dict)]
        per_page, total = get_key(body, "itemsPerPage"), get_key(body, "totalResults")
        if len(resources) > 1:
            problems.append(f"{len(resources)} resources at startIndex={start} for count=1")
        if per_page not in (MISSING, len(resources)):
            problems.append(f"itemsPerPage {per_page!r} with {len(resources)} resources")
        if total != 3:
            problems.append(f"totalResults {total!r} at startIndex={start} (3 users match)")
        seen += [str(r.get("id")) for r in resources]
        step = per_page if isinstance(per_page, int) and per_page > 0 else len(resources)
        if problems or not step or not isinstance(total, int) or start + step > total:
            break
        start += step
    if sorted(seen) != sorted(wanted):
        problems.append(f"the pages held {seen}, not each of {wanted} once")
    if problems:
        fail(
            rules.WEBEX_PAGING,
            "Paging with startIndex/count does not walk the result set",
            expected="one user per page, itemsPerPage = users on the page, totalResults 3, "
            "each user on exactly one page",
            actual="; ".join(problems),
            response=response,
        )


# PATCH and errors -------------------------------------------------------------------------


@pytest.mark.parametrize("case", webex.NO_TARGET_CASES)
def test_webex_patch_without_target_is_no_target(
    scim: ScimClient, namer: Namer, post_entra_user: PostEntraUser, case: str
) -> None:
    """PATCH remove without path, and replace on a value filter matching nothing, → 400
    noTarget (webex-patch-no-target)."""
    spec = namer.user()
    created = post_entra_user(spec)
    rid = webex.expect_accepted(created, "Create a user", rule=rules.CREATE_ACCEPTED)
    response = scim.patch(
        f"/Users/{rid}", patch_body(webex.no_target_operations(case, spec.user_name))
    )
    expect_status(
        response, {400}, f"PATCH {case} was not refused", rule=rules.WEBEX_PATCH_NO_TARGET
    )
    expect_scim_error(response, 400, "400 without a SCIM Error body")
    scim_type = get_key(response.json_object, "scimType")
    if scim_type != "noTarget":
        fail(
            rules.WEBEX_PATCH_NO_TARGET,
            f"PATCH {case}: the 400 does not say noTarget",
            expected='"scimType": "noTarget"',
            actual=f"scimType {webex.show(scim_type)}",
            response=response,
        )


def test_webex_error_bodies_with_or_without_cisco_extension(scim: ScimClient) -> None:
    """Errors are SCIM Error bodies; Cisco's error extension (trackingId) is optional, and
    well-formed when present (webex-error-tracking-id)."""
    probes = {
        "GET an unknown user": scim.get(f"/Users/{uuid.uuid4()}"),
        "an invalid filter": scim.get("/Users", {"filter": "userName eq"}),
    }
    for what, response in probes.items():
        if response.status < 400:
            continue  # not an error: other checks judge that
        expect_scim_error(response, response.status, f"Error body for {what}")
        extension = get_key(response.json_object, webex.CISCO_ERROR)
        tracking = get_key(extension, "trackingId")
        if extension is not MISSING and not (isinstance(tracking, str) and tracking):
            report(
                rules.WEBEX_ERROR_TRACKING_ID,
                f"The Cisco error extension for {what} has no trackingId",
                expected=f"{webex.CISCO_ERROR}.trackingId, a non-empty string",
                actual=f"{webex.show(extension)}",
                response=response,
            )


# Entra's Cisco Webex gallery app, end to end ----------------------------------------------

# Microsoft's Cisco Webex provisioning tutorial: the admin enters the tenant URL and the
# secret token and tests the connection; the app's mapping sends userName (its matching
# attribute), the name parts, displayName, externalId and active; it creates, updates and
# disables users, and does not delete them (the run's cleanup does). Each finding's title
# names the step and what it costs the admin.
TUTORIAL = "Cisco Webex tutorial"


@pytest.mark.severity("entra_breaking")  # its main check is a generic Entra rule
@pytest.mark.dialect_specific
def test_webex_gallery_app_provisions_as_the_tutorial_configures_it(
    scim: ScimClient, entra: EntraPatch, namer: Namer, post_entra_user: PostEntraUser
) -> None:
    """Test Connection, match, create, update and disable with the gallery app's mapping,
    whatever --scim-profile says (filter-exact-match, create-accepted, patch-applied,
    soft-delete-readable)."""
    step = f"{TUTORIAL}, Test Connection (the admin cannot save the configuration)"
    probe, response = find_users(scim, user_query("userName", str(uuid.uuid4())), step)
    if probe:
        fail(
            rules.FILTER_EXACT_MATCH,
            f"{step}: a random GUID matched users",
            expected="an empty ListResponse",
            actual=f"{len(probe)} user(s)",
            response=response,
        )
    spec = namer.user()
    mapped = GALLERY_APP.user_attributes
    step = f"{TUTORIAL}, first cycle: match (a user Entra cannot match is created twice)"
    found, response = find_users(scim, user_query("userName", spec.user_name), step)
    if found:
        fail(
            rules.FILTER_EXACT_MATCH,
            f"{step}: a user not created yet matched",
            expected="no user",
            actual=f"{len(found)} user(s)",
            response=response,
        )
    created = post_entra_user(spec, mapped=mapped)  # the run's fallback if Entra's is refused
    step = f"{TUTORIAL}, first cycle: create (the user never reaches Webex)"
    rid = webex.expect_accepted(created, step, rule=rules.CREATE_ACCEPTED)
    step = f"{TUTORIAL}, next cycle: match the created user (Entra creates it again: 409)"
    found, response = find_users(scim, user_query("userName", spec.user_name), step)
    expect_only(found, rid, step, response)
    changes = {
        "displayName": f"{spec.display_name} (updated)",
        "name.givenName": f"{spec.given_name}-updated",
        "name.familyName": f"{spec.family_name}-updated",
        "externalId": f"{spec.external_id}-updated",
    }
    changes = {path: value for path, value in changes.items() if GALLERY_APP.maps(path)}
    patch_and_verify(
        scim,
        f"/Users/{rid}",
        entra.update(changes),
        changes,
        f"{TUTORIAL}, attribute change (the Webex user keeps stale values)",
    )
    patch_and_verify(
        scim,
        f"/Users/{rid}",
        entra.set_active(False),
        {"active": False},
        f"{TUTORIAL}, unassign or block sign-in (the user can still sign in to Webex)",
    )
    step = f"{TUTORIAL}, next cycle: match the disabled user (Entra loses track of it)"
    found, response = find_users(scim, user_query("userName", spec.user_name), step)
    expect_only(found, rid, step, response, deactivated=True)
    expect_values(
        found[0],
        {"active": False, "userName": spec.user_name},
        f"{step}: not shown as disabled, under its userName",
        response,
        rule=rules.SOFT_DELETE_READABLE,
    )


# Lifecycle and groups ---------------------------------------------------------------------


@pytest.mark.dialect_specific
def test_webex_deactivated_user_stays_listed(
    scim: ScimClient, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """A deactivated user is still on the unfiltered /Users pages, `active` false
    (webex-inactive-listed)."""
    user = new_user()
    path = f"/Users/{user.id}"
    patch_and_verify(scim, path, entra.set_active(False), {"active": False}, "Deactivate")
    start, total, response = 1, 0, None
    for _ in range(10):  # up to 1,000 users
        response = scim.get("/Users", {"startIndex": str(start), "count": "100"})
        body = expect_list_response(response, f"List users from startIndex={start}")
        resources = [r for r in get_key(body, "Resources") or [] if isinstance(r, dict)]
        listed = [r for r in resources if r.get("id") == user.id]
        if listed:
            shown = {"active": get_key(listed[0], "active")}
            shown["userName"] = get_key(listed[0], "userName")
            name = shown["userName"]
            renamed = isinstance(name, str) and name.casefold() != user.spec.user_name.casefold()
            if shown["active"] is not False or renamed:
                report(
                    rules.WEBEX_INACTIVE_LISTED,
                    "The list shows the deactivated user as active, or renamed",
                    expected=f"active false, userName {user.spec.user_name}",
                    actual=", ".join(f"{k} {webex.show(v)}" for k, v in shown.items()),
                    response=response,
                )
            return
        total = get_key(body, "totalResults")
        start += len(resources)
        if not resources or not isinstance(total, int) or start > total:
            break
    else:
        pytest.skip("more than 1,000 users: the unfiltered list was not paged to the end")
    report(
        rules.WEBEX_INACTIVE_LISTED,
        "The deactivated user is missing from the unfiltered user list",
        expected=f"user {user.id} on one of the pages",
        actual=f"{start - 1} of {total!r} users listed, not this one",
        response=response,
    )


@pytest.mark.usefixtures("groups_supported")
def test_webex_group_list_members_only_when_asked(
    scim: ScimClient,
    scim_settings: Settings,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
    add_members: AddMembers,
) -> None:
    """/Groups lists omit members unless `includeMembers=true` (webex-include-members)."""
    group, user = new_group(), new_user(needs=())
    add_members(webex.entra_for(scim_settings), group.id, [user.id], "Add a member")
    query = {"filter": filter_eq("displayName", group.display_name)}
    for extra, wanted in (({}, False), ({"includeMembers": "true"}, True)):
        title = f"List the group{' with includeMembers=true' if wanted else ''}"
        response = scim.get("/Groups", {**query, **extra})
        body = expect_list_response(response, title)
        resources = get_key(body, "Resources") or []
        members = get_key(resources[0], "members") if resources else MISSING
        ids = {get_key(m, "value") for m in members} if isinstance(members, list) else set()
        if (user.id in ids) != wanted:
            report(
                rules.WEBEX_INCLUDE_MEMBERS,
                f"{title}: members {'missing' if wanted else 'listed without includeMembers'}",
                expected=f"members {'with' if wanted else 'without'} {user.id}",
                actual=f"members {webex.show(members)}",
                response=response,
            )


# Rate limits: last, so it sees what the run's other tests were answered -------------------


def test_webex_rate_limits_carry_retry_after(run_exchanges: list[Exchange]) -> None:
    """Every 429 this run got carried a usable Retry-After (webex-retry-after; a SHOULD);
    a run without a 429 passes. Under pytest-xdist this sees its worker's exchanges, and
    the controller judges every worker's at the end of the run (one finding either way)."""
    exchanges = run_exchanges
    finding = webex.throttling_finding(exchanges)
    if finding is not None:
        report(
            rules.WEBEX_RETRY_AFTER,
            finding.title,
            expected=finding.expected,
            actual=finding.actual,
        )
