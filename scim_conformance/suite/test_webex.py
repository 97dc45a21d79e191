"""Webex checks (`--scim-profile=webex`): what Cisco documents or was seen doing beyond
RFC 7643/7644, so a Webex-like server behaves as Webex does (webex-scim.md §9).

Evidence decides severity: documented by Cisco [D] or Microsoft [M], or observed [O],
fails the test (entra-breaking when Entra's Webex provisioning would break, else rfc);
inferred [I] is advisory. Where Webex's docs leave a choice, every choice passes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from scim_conformance.checks import webex
from scim_conformance.checks.expectations import (
    describe,
    expect_list_response,
    expect_schema,
    expect_scim_error,
    expect_status,
)
from scim_conformance.checks.failures import Severity, fail
from scim_conformance.checks.paths import MISSING, get_key, value_at
from scim_conformance.checks.steps import patch_and_verify, read_user
from scim_conformance.entra import EntraPatch, filter_eq, patch_body
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.plugin.hooks import EXCHANGES_KEY
from scim_conformance.plugin.settings import Settings
from scim_conformance.suite.conftest import CreatedGroup, CreatedUser, adopting

pytestmark = pytest.mark.webex

DOC = webex.DOC
NOT_SENT = "Entra's Webex mapping does not send this (§12b [M]); Webex clients rely on it"
PostUser = Callable[[dict[str, Any]], ScimResponse]


@pytest.fixture(scope="module", autouse=True)
def webex_profile(scim_settings: Settings) -> None:
    """Webex checks run only with --scim-profile=webex."""
    if scim_settings.profile.name != "webex":
        pytest.skip("Webex checks run only with --scim-profile=webex")


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


# userName ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["not-an-email", "other-primary-email"])
def test_webex_username_is_the_primary_email(
    scim: ScimClient, namer: Namer, post_user: PostUser, case: str
) -> None:
    """userName must be an email and a primary work email must equal it (§4.1, §9.5 [D])."""
    spec = namer.user()
    if case == "not-an-email":
        spec = replace(spec, user_name=spec.user_name.split("@")[0], work_email=None)
    else:
        spec = replace(spec, work_email=namer.user().user_name)
    response = post_user(webex.user_body(spec))
    rule = f"{DOC} §4.1 [D]: userName is the user's primary email; a primary work email equals it"
    entra = "none for Entra (it sends the UPN, an email); the user cannot sign in to Webex"
    if 400 <= response.status < 500:
        return  # refused: any 4xx will do, Webex does not document which
    rid = webex.created_id(response)
    if case == "not-an-email" or rid is None:
        what = "not an email" if case == "not-an-email" else "not the primary work email"
        fail(
            Severity.RFC,
            f"A userName that is {what} was not refused",
            expected="HTTP 4xx",
            actual=describe(response),
            rule=rule,
            entra=entra,
            response=response,
        )
        return
    # Accepted: legal only if the server made userName the primary work email.
    read, read_response = read_user(scim, rid, "Read back the user")
    primary = value_at(read, 'emails[type eq "work"].value')
    if isinstance(primary, str) and primary.casefold() != spec.user_name.casefold():
        fail(
            Severity.RFC,
            "A primary work email other than userName was stored",
            expected=f"HTTP 4xx, or the primary work email {spec.user_name}",
            actual=f"primary work email {primary}",
            rule=rule,
            entra=entra,
            response=read_response,
        )


def test_webex_username_is_unique_ignoring_case(
    scim: ScimClient, namer: Namer, post_user: PostUser
) -> None:
    """userName is caseExact false: the same name in upper case → 409 (§4.1, §9.5 [D])."""
    spec = namer.user()
    rule = f"{DOC} §4.1 [D] (userName caseExact false, unique across Webex), §5 (409)"
    entra = "Entra creates a second account for the same person; its next match logs "
    entra += "DuplicateTargetEntries and the user stops syncing [S9]"
    webex.expect_created(post_user(webex.user_body(spec)), "Create a user", rule=rule, entra=entra)
    upper = replace(spec, user_name=spec.user_name.upper(), work_email=spec.user_name.upper())
    upper = replace(upper, external_id=f"{spec.external_id}-upper")
    response = post_user(webex.user_body(upper))
    expect_status(
        response,
        {409},
        "The same userName in upper case was not refused with 409",
        rule=rule,
        entra=entra,
    )
    expect_scim_error(response, 409, "409 without a SCIM Error body")


# Schemas and input rules ------------------------------------------------------------------


def test_webex_cisco_extension_round_trips(
    scim: ScimClient, namer: Namer, post_user: PostUser
) -> None:
    """The Cisco user extension is accepted and returned as sent (§4.3, §9.8 [D])."""
    spec = namer.user()
    sent = webex.cisco_sample(spec.user_name, spec.external_id[-12:])
    response = post_user(webex.user_body(spec, {webex.CISCO_USER: sent}))
    rule = f"{DOC} §4.3, §9.8 [D]: {webex.CISCO_USER} attributes are readWrite"
    rid = webex.expect_created(
        response, "Create a user with the Cisco extension", rule=rule, entra=NOT_SENT
    )
    read, read_response = read_user(scim, rid, "Read back the user")
    for body, got in ((read, read_response), (response.json_object or {}, response)):
        section = get_key(body, webex.CISCO_USER)
        lost = webex.not_kept(sent, section)
        if lost:
            fail(
                Severity.RFC,
                "The Cisco extension did not round-trip",
                expected="; ".join(f"{k} = {webex.show(v)}" for k, v in sent.items()),
                actual="; ".join(lost),
                rule=rule,
                entra=NOT_SENT,
                response=got,
            )
        expect_schema(
            section,
            "WebexUser",
            "The Cisco extension is malformed",
            got,
            rule=rule,
            entra=NOT_SENT,
            where=f".{webex.CISCO_USER}",
        )
        listed = get_key(body, "schemas")
        if not isinstance(listed, list) or webex.CISCO_USER not in listed:
            fail(
                Severity.RFC,
                "`schemas` does not list the Cisco extension the user carries",
                expected=f"schemas containing {webex.CISCO_USER}",
                actual=f"schemas {webex.show(listed)}",
                rule=f"RFC 7643 §3 (schemas lists every schema a resource uses); {DOC} §9.7 [D]",
                entra=NOT_SENT,
                response=got,
            )


def test_webex_unknown_schema_sections_are_ignored(namer: Namer, post_user: PostUser) -> None:
    """A body naming a schema the server does not know is accepted, the section ignored
    (§4, §9.3 [D])."""
    section = {"favouriteColour": "teal"}
    body = webex.user_body(namer.user(), {webex.UNKNOWN_SCHEMA: section})
    webex.expect_created(
        post_user(body),
        "A user body with an unknown schema section was refused",
        rule=f"{DOC} §4 [D]: unrecognised schemas (URN sections) are ignored, not rejected",
        entra="Entra adds schema URIs of its own (e.g. ADSCIM on groups, §8c); a server that "
        "refuses unknown ones fails those creates",
    )


def test_webex_read_only_input_is_ignored(
    scim: ScimClient, namer: Namer, post_user: PostUser
) -> None:
    """Read-only attributes in a create body (id, groups, Cisco teamsClusterId …) are
    ignored, neither refused nor stored (§4, §9.4 [D])."""
    spec = namer.user()
    bogus = f"{namer.run_prefix}-read-only-{uuid.uuid4().hex[:6]}"
    cisco = {"teamsClusterId": bogus, "toBeConverted": bogus}
    groups = [{"value": str(uuid.uuid4()), "display": bogus}]
    body = webex.user_body(spec, {"id": bogus, "groups": groups, webex.CISCO_USER: cisco})
    rule = f"{DOC} §4, §9.4 [D]: read-only attributes in POST/PUT input are ignored"
    entra = "Entra sends meta (read-only) on every create (§3); it fails where input is refused"
    rid = webex.expect_created(
        post_user(body), "A body with read-only attributes was refused", rule=rule, entra=entra
    )
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
            Severity.RFC,
            "Read-only attributes were taken from the create body",
            expected="server-assigned values only",
            actual="; ".join(stored),
            rule=rule,
            entra="none for Entra; other clients can forge ids and group memberships",
            response=response,
        )


def test_webex_user_type_defaults_when_absent(
    scim: ScimClient, namer: Namer, post_user: PostUser
) -> None:
    """A create without userType (Entra never sends it, §12b [M]) works; userType then
    reads `user` (§4.1: defaulting is [I], so only advisory)."""
    spec = replace(namer.user(), work_email=None)  # Entra's Webex mapping: no emails either
    body = webex.user_body(spec)
    response = post_user(body)
    if webex.created_id(response) is None:
        fail(
            Severity.ENTRA_BREAKING,
            "A user without userType was refused",
            expected="HTTP 201 (userType defaulted)",
            actual=describe(response),
            rule=f"{DOC} §4.1: Webex's OpenAPI model requires userType [D], but Entra's Webex "
            "mapping has no userType [M] and provisions users",
            entra="every create fails; Entra logs it and retries each cycle: no user arrives",
            response=response,
        )
        return
    read, read_response = read_user(scim, str(webex.created_id(response)), "Read back the user")
    user_type = get_key(read, "userType")
    if user_type != "user":
        fail(
            Severity.ADVISORY,
            "userType was not defaulted to `user`",
            expected='userType "user"',
            actual=f"userType {webex.show(user_type)}",
            rule=f"{DOC} §4.1 [I]: Webex treats a missing userType as `user`",
            entra="none for Entra; Webex clients may not know what the account is",
            response=read_response,
        )


@pytest.mark.parametrize(("attribute", "limit"), [("emails", 10), ("phoneNumbers", 50)])
def test_webex_size_limits_are_enforced(
    namer: Namer, post_user: PostUser, attribute: str, limit: int
) -> None:
    """More values than Webex's documented size (10 emails, 50 phone numbers) → 4xx
    (§4.1 [D] sizes; the refusal is [I], so only advisory)."""
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
        fail(
            Severity.ADVISORY,
            f"{limit + 1} {attribute} were not refused",
            expected=f"HTTP 400: {attribute} holds at most {limit} values",
            actual=describe(response),
            rule=f"{DOC} §4.1 [D] (size {limit}), §9.33 [I] (refused with 400)",
            entra="none for Entra (it sends at most a few); the stored user differs from Webex",
            response=response,
        )


# Filters and paging -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def filter_users(
    webex_profile: None, _client: ScimClient, ledger: Ledger, namer: Namer
) -> Iterator[list[webex.FilterUser]]:
    """Two users whose every filterable value carries a unique tag (shared by the filter
    checks; deleted when the module ends)."""
    users: list[webex.FilterUser] = []
    for _ in range(2):
        tag = f"Wx{uuid.uuid4().hex[:10]}"
        spec = replace(
            namer.user(),
            given_name=f"{tag}Ada",
            family_name=f"{tag}Tester",
        )
        spec = replace(spec, display_name=f"{namer.run_prefix} {tag} Ada Tester")
        with adopting(ledger, "/Users", "userName", spec.user_name):
            response = _client.post("/Users", webex.user_body(spec))
        rid = webex.register(ledger, response, spec.user_name)
        if rid is None:
            fail(
                Severity.ENTRA_BREAKING,
                "Blocked: could not create the users the filter checks need",
                expected="HTTP 201 with the new user's id",
                actual=describe(response),
                rule="RFC 7644 §3.3",
                entra="Entra cannot provision users",
                response=response,
            )
            raise AssertionError("unreachable")  # pragma: no cover
        values = {
            "id": rid,
            "userName": spec.user_name,
            "name.familyName": spec.family_name,
            "name.givenName": spec.given_name,
            "displayName": spec.display_name,
            "emails.value": spec.user_name,
        }
        users.append(webex.FilterUser(rid, values))
    yield users
    for user in users:
        ledger.delete(user.id)


MATRIX = [f"{attr} {op}" for attr, ops in webex.FILTER_MATRIX.items() for op in ops]
# The spec writes operators capitalised (`userName Eq "…" or …`, §2.2 [D]).
KEYWORD_CASE = ["userName Eq", "displayName SW", "name.familyName eW"]


@pytest.mark.parametrize("case", [*MATRIX, *KEYWORD_CASE])
def test_webex_filter_operators(
    scim: ScimClient, filter_users: list[webex.FilterUser], case: str
) -> None:
    """Each documented attribute/operator pair works, keywords in any case (§2.2 [D])."""
    attribute, op = case.split(" ")
    user = filter_users[0]
    clause = (attribute, op, webex.operand(op, user.values[attribute]))
    breaking = attribute == "userName" and op == "eq"  # Entra's matching filter, as it spells it
    webex.expect_filter(
        scim, [clause], [user], Severity.ENTRA_BREAKING if breaking else Severity.RFC
    )


def test_webex_filter_or(scim: ScimClient, filter_users: list[webex.FilterUser]) -> None:
    """`userName Eq "a" or userName Eq "b"` finds both users (§2.2, §9.11 [D])."""
    clauses = [("userName", "Eq", user.values["userName"]) for user in filter_users]
    webex.expect_filter(scim, clauses, filter_users, Severity.RFC)


def test_webex_pages_with_string_start_index_and_count(
    scim: ScimClient, namer: Namer, post_user: PostUser
) -> None:
    """startIndex/count sent as decimal strings page a result set the way Webex clients do:
    `startIndex += itemsPerPage` until past totalResults (§2.1 [D], §9.14 [D/O])."""
    # Three users share a unique family name: `eq` on it is in Webex's matrix (§2.2).
    family = f"Wxpage{uuid.uuid4().hex[:10]}"
    wanted = []
    for _ in range(3):
        body = webex.user_body(replace(namer.user(), family_name=family))
        created = post_user(body)
        wanted.append(
            webex.expect_created(created, "Create a user", rule="RFC 7644 §3.3", entra=NOT_SENT)
        )
    query = {"filter": filter_eq("name.familyName", family)}
    rule = f"{DOC} §2.1 [D] (startIndex, count: strings), §9.14 [D/O]; RFC 7644 §3.4.2.4"
    entra = "Webex clients (wxc_sdk) page this way; pages that do not add up lose or repeat users"
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
            Severity.RFC,
            "Paging with startIndex/count does not walk the result set",
            expected="one user per page, itemsPerPage = users on the page, totalResults 3, "
            "each user on exactly one page",
            actual="; ".join(problems),
            rule=rule,
            entra=entra,
            response=response,
        )


# PATCH and errors -------------------------------------------------------------------------


@pytest.mark.parametrize("case", webex.NO_TARGET_CASES)
def test_webex_patch_without_target_is_no_target(
    scim: ScimClient, namer: Namer, post_user: PostUser, case: str
) -> None:
    """PATCH remove without path, and replace on a value filter matching nothing, → 400
    noTarget (§5, §9.21 [D])."""
    spec = namer.user()
    rid = webex.expect_created(
        post_user(webex.user_body(spec)), "Create a user", rule="RFC 7644 §3.3", entra=NOT_SENT
    )
    response = scim.patch(
        f"/Users/{rid}", patch_body(webex.no_target_operations(case, spec.user_name))
    )
    rule = f"{DOC} §5 [D]; RFC 7644 §3.5.2.2-3: 400 with scimType noTarget"
    entra = "none for Entra; a client is told its change went nowhere instead of a false 200"
    expect_status(
        response,
        {400},
        f"PATCH {case} was not refused",
        rule=rule,
        entra=entra,
        severity=Severity.RFC,
    )
    expect_scim_error(response, 400, "400 without a SCIM Error body")
    scim_type = get_key(response.json_object, "scimType")
    if scim_type != "noTarget":
        fail(
            Severity.RFC,
            f"PATCH {case}: the 400 does not say noTarget",
            expected='"scimType": "noTarget"',
            actual=f"scimType {webex.show(scim_type)}",
            rule=rule,
            entra=entra,
            response=response,
        )


def test_webex_error_bodies_with_or_without_cisco_extension(scim: ScimClient) -> None:
    """Errors are SCIM Error bodies; Cisco's error extension (trackingId, §6 [O]) is
    optional, and well-formed when present."""
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
            fail(
                Severity.ADVISORY,
                f"The Cisco error extension for {what} has no trackingId",
                expected=f"{webex.CISCO_ERROR}.trackingId, a non-empty string",
                actual=f"{webex.show(extension)}",
                rule=f"{DOC} §6 [O]: Webex errors carry trackingId, errorCode, details",
                entra="none; Cisco support asks for the trackingId",
                response=response,
            )


# Lifecycle and groups ---------------------------------------------------------------------


@pytest.mark.dialect_specific
def test_webex_deactivated_user_stays_listed(
    scim: ScimClient, entra: EntraPatch, new_user: Callable[..., CreatedUser]
) -> None:
    """A deactivated user is still on the unfiltered /Users pages, `active` false
    (§5 Cisco help: the user is marked inactive; §9.28 [D])."""
    user = new_user()
    path = f"/Users/{user.id}"
    patch_and_verify(scim, path, entra.set_active(False), {"active": False}, "Deactivate")
    rule = f"{DOC} §5, §9.28 [D]: active=false deactivates; the user stays listable"
    entra_impact = "Entra's Webex flow reactivates by userName; listings lose inactive users"
    start, total, response = 1, 0, None
    for _ in range(10):  # up to 1,000 users
        response = scim.get("/Users", {"startIndex": str(start), "count": "100"})
        body = expect_list_response(response, f"List users from startIndex={start}")
        resources = [r for r in get_key(body, "Resources") or [] if isinstance(r, dict)]
        listed = [r for r in resources if r.get("id") == user.id]
        if listed:
            if get_key(listed[0], "active") is not False:
                fail(
                    Severity.RFC,
                    "The list shows the deactivated user as active",
                    expected="active false",
                    actual=f"active {webex.show(get_key(listed[0], 'active'))}",
                    rule=rule,
                    entra=entra_impact,
                    response=response,
                )
            return
        total = get_key(body, "totalResults")
        start += len(resources)
        if not resources or not isinstance(total, int) or start > total:
            break
    else:
        pytest.skip("more than 1,000 users: the unfiltered list was not paged to the end")
    fail(
        Severity.RFC,
        "The deactivated user is missing from the unfiltered user list",
        expected=f"user {user.id} on one of the pages",
        actual=f"{start - 1} of {total!r} users listed, not this one",
        rule=rule,
        entra=entra_impact,
        response=response,
    )


@pytest.mark.usefixtures("groups_supported")
def test_webex_group_list_members_only_when_asked(
    scim: ScimClient,
    scim_settings: Settings,
    new_group: Callable[..., CreatedGroup],
    new_user: Callable[..., CreatedUser],
) -> None:
    """/Groups lists omit members unless `includeMembers=true` (§2.1, §9.17 [D])."""
    group, user = new_group(), new_user()
    add = webex.entra_for(scim_settings).add_members([user.id])
    response = scim.patch(f"/Groups/{group.id}", patch_body(add))
    expect_status(
        response,
        {200, 204},
        "Add a member",
        rule="RFC 7644 §3.5.2",
        entra="Entra cannot manage Webex group membership",
    )
    rule = f"{DOC} §2.1 [D]: includeMembers (default false) on GET /Groups"
    entra_impact = "Entra asks with excludedAttributes=members; Webex clients rely on the default"
    query = {"filter": filter_eq("displayName", group.display_name)}
    for extra, wanted in (({}, False), ({"includeMembers": "true"}, True)):
        title = f"List the group{' with includeMembers=true' if wanted else ''}"
        response = scim.get("/Groups", {**query, **extra})
        body = expect_list_response(response, title)
        resources = get_key(body, "Resources") or []
        members = get_key(resources[0], "members") if resources else MISSING
        ids = {get_key(m, "value") for m in members} if isinstance(members, list) else set()
        if (user.id in ids) != wanted:
            fail(
                Severity.RFC,
                f"{title}: members {'missing' if wanted else 'listed without includeMembers'}",
                expected=f"members {'with' if wanted else 'without'} {user.id}",
                actual=f"members {webex.show(members)}",
                rule=rule,
                entra=entra_impact,
                response=response,
            )


# Rate limits: last, so it sees what the run's other tests were answered -------------------


def test_webex_rate_limits_carry_retry_after(request: pytest.FixtureRequest) -> None:
    """Every 429 this run got carried a usable Retry-After (§6, §9.26 [D]; a SHOULD)."""
    exchanges = [
        exchange
        for item in request.session.items
        for exchange in item.stash.get(EXCHANGES_KEY, None) or []
    ]
    throttled = [e for e in exchanges if e.status == 429]
    if not throttled:
        pytest.skip("the server sent no 429 during this run: nothing to check")
    bad = webex.throttled_badly(throttled)
    if bad:
        exchange, problem = bad[0]
        fail(
            Severity.ADVISORY,
            f"A 429 without a usable Retry-After ({problem})",
            expected="Retry-After: <seconds> on every 429",
            actual=f"{len(bad)} of {len(throttled)} 429 answers, e.g. {exchange.method} "
            f"{exchange.url} → HTTP 429, {problem}",
            rule=f"{DOC} §6 [D]: Retry-After (seconds) should be present on 429; RFC 6585 §4 (MAY)",
            entra="Entra and Webex clients then guess a backoff (wxc_sdk waits 5 s): retries "
            "come too early or too late",
        )
