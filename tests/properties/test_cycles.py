"""Entra's cycles (suite/test_cycles.py) against the reference server, and membership read
back when members are hidden (checks/membership.py). The broken variants the cycles catch
are in support/variants.py."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from scim_conformance.checks.membership import (
    FORM_TEXT,
    READ_FORM,
    UNKNOWN,
    manager_listed,
    membership,
)
from scim_conformance.entra import ENTERPRISE, MEMBER_FORMS, Dialect, member_query
from scim_conformance.http.client import ClientOptions, ScimClient
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import ENTRA_DEFAULT
from scim_conformance.properties.cycles.base import CycleContext
from scim_conformance.properties.cycles.coverage import (
    DELETED,
    IN_GROUP,
    READDED,
    reachable,
    table,
)
from scim_conformance.properties.cycles.driver import run_tour
from scim_conformance.reference import Fault, ReferenceApp, serve
from support.settings import loopback_settings
from support.suite_run import CYCLE, CYCLE_FLAG, CYCLE_LEGACY, SuiteRun

FOREIGN_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "someone.else@customer.example",
    "externalId": "not-ours",
}
FOREIGN_GROUP = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "displayName": "Customer admins",
}


def test_cycles_pass_on_the_reference_and_touch_only_their_own(
    run_suite: Callable[..., SuiteRun],
) -> None:
    before: dict[str, object] = {}

    def prepare(app: ReferenceApp) -> None:
        user = app.seed_user(copy.deepcopy(FOREIGN_USER))
        app.seed_group(dict(FOREIGN_GROUP, members=[{"value": user["id"]}]))
        before["users"], before["groups"] = app.users(), app.groups()

    run = run_suite("-k", CYCLE, prepare=prepare, properties=True)
    assert run.result.ret == pytest.ExitCode.OK, run.output()
    assert run.outcomes == {CYCLE_LEGACY: "passed", CYCLE_FLAG: "passed"}
    assert run.server.app.users() == before["users"]
    assert run.server.app.groups() == before["groups"]
    assert "Cycles             2 passed" in run.output()


@pytest.mark.parametrize("dialect", ["legacy", "aadOptscim062020"])
@pytest.mark.parametrize(("manager", "groups"), [(True, True), (False, False)])
def test_the_tour_exercises_every_reachable_pair(dialect: str, manager: bool, groups: bool) -> None:
    """The covering tour, run against the reference, takes every step Entra can take from
    every class of state (coverage.py), on a full mapping and on a users-only endpoint."""
    app = ReferenceApp("tok-tour")
    with client_on(app) as scim:
        ledger = Ledger(scim, run_prefix="scimconf-cafe0001")
        stop = ledger.watch(scim)
        namer = Namer.for_run("scimconf-cafe0001", "example.com")
        entra: Dialect = "legacy" if dialect == "legacy" else "aadOptscim062020"
        ctx = CycleContext(scim, ledger, namer, entra, ENTRA_DEFAULT, manager, groups)
        assert run_tour(ctx) is None, ctx.log
        stop()
    wanted = reachable(manager=manager, groups=groups)
    assert wanted <= ctx.coverage, table(ctx.coverage, wanted)
    assert (app.users(), app.groups()) == ([], [])  # the tour deletes what it made


def test_reachable_pairs_follow_the_endpoint_and_mapping() -> None:
    full = reachable(manager=True, groups=True)
    assert {(READDED, "remove"), (IN_GROUP, "delete"), (DELETED, "re-create")} <= full
    assert (DELETED, "update") not in full  # a deleted user takes no step but its re-create
    bare = reachable(manager=False, groups=False)
    assert not {step for _, step in bare} & {"set manager", "re-add", "add"}
    assert (DELETED, "re-create") in bare


def test_the_coverage_table_marks_pairs_never_exercised() -> None:
    wanted = {(READDED, "remove"), (DELETED, "re-create")}
    text = table({(DELETED, "re-create")}, wanted)
    assert "1 of 2 reachable pairs exercised" in text
    assert f"never exercised: {READDED} / remove" in text
    row = next(line for line in text.splitlines() if line.startswith(DELETED))
    assert "x" in row


def test_scim_cycles_bounds_the_work(run_suite: Callable[..., SuiteRun]) -> None:
    requests = []
    for cycles in (1, 4):
        app = ReferenceApp("tok-cycles")
        run = run_suite("-k", CYCLE_LEGACY, f"--scim-cycles={cycles}", app=app, properties=True)
        assert run.result.ret == pytest.ExitCode.OK, run.output()
        requests.append(app.request_count)
    assert requests[0] < requests[1]


@contextmanager
def client_on(app: ReferenceApp) -> Iterator[ScimClient]:
    """A client of the run's kind against `app`, served on loopback."""
    with serve(app) as server:
        settings = loopback_settings(server.base_url, app.token, "scimconf-cafe0001")
        client = ScimClient(ClientOptions.of(settings))
        try:
            yield client
        finally:
            client.close()


def populated(app: ReferenceApp) -> tuple[str, str, str]:
    """A group whose one member is the first of two users: (group, member, other)."""

    def user(name: str) -> str:
        return app.seed_user({"schemas": FOREIGN_USER["schemas"], "userName": name})["id"]

    member, other = user("member@example.com"), user("other@example.com")
    group = app.seed_group(dict(FOREIGN_GROUP, members=[{"value": member}]))["id"]
    return group, member, other


def test_membership_is_read_from_members_when_the_server_returns_them() -> None:
    app = ReferenceApp("tok-members")
    group, member, other = populated(app)
    with client_on(app) as scim:
        seen = membership(scim, group, {member, other}, "read")
    assert (seen.members, seen.form) == (frozenset({member}), READ_FORM)


def test_membership_falls_back_to_entras_filter_and_says_so() -> None:
    app = ReferenceApp("tok-hidden", faults=[Fault.HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES])
    group, member, other = populated(app)
    with client_on(app) as scim:
        seen = membership(scim, group, {member, other}, "read", expected={member})
    assert seen.among({member, other}) == frozenset({member})
    assert seen.form == FORM_TEXT["members[value eq]"]
    assert 'members[value eq "<user>"]' in seen.form


def test_membership_query_is_the_filter_entra_documents() -> None:
    first, second = (member_query("g1", "u1", form)["filter"] for form in MEMBER_FORMS)
    assert first == 'id eq "g1" and members[value eq "u1"]'
    assert second == 'id eq "g1" and members eq "u1"'
    assert UNKNOWN.startswith("no members attribute")


def test_a_manager_is_confirmed_by_entras_reference_check() -> None:
    app = ReferenceApp("tok-manager")
    _, boss, other = populated(app)
    report = app.seed_user(
        {
            "schemas": FOREIGN_USER["schemas"],
            "userName": "report@example.com",
            ENTERPRISE: {"manager": {"value": boss}},
        }
    )["id"]
    with client_on(app) as scim:
        assert manager_listed(scim, report, boss) is True
        assert manager_listed(scim, report, other) is False
