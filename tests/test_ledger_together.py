"""Cleanup's deletes go out together (groups, then users) and the ledger stays exact; creates
sent together are covered by their intents, also when their answers are lost."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from scim_conformance.http.client import ScimClient, TransportFailure
from scim_conformance.http.together import together
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.reference import Fault
from support import loopback
from support.windows import WindowedApp, most_at_once

PREFIX = "scimconf-70937e7e"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@contextmanager
def ledger_on(app: WindowedApp, concurrency: int = 4, keep: bool = False) -> Iterator[Ledger]:
    """A client of `app` on loopback and the ledger watching it."""
    with loopback.ledger_on(app, PREFIX, keep=keep, concurrency=concurrency) as ledger:
        yield ledger


def user(index: int) -> dict[str, Any]:
    return {"schemas": [CORE_USER], "userName": f"{PREFIX}-u{index}@example.com"}


def group(index: int, members: list[str]) -> dict[str, Any]:
    return {
        "schemas": [CORE_GROUP],
        "displayName": f"{PREFIX} group {index}",
        "members": [{"value": member} for member in members],
    }


def created(client: ScimClient, collection: str, body: dict[str, Any]) -> str:
    """POST and the new id."""
    response = client.post(collection, body)
    assert response.status == 201, response.text
    found = (response.json_object or {})["id"]
    assert isinstance(found, str)
    return found


def ours(app: WindowedApp) -> list[str]:
    names = [u["userName"] for u in app.users()] + [g["displayName"] for g in app.groups()]
    return [name for name in names if PREFIX in name]


def test_cleanup_together_deletes_groups_then_users_and_leaves_the_ledger_exact() -> None:
    app = WindowedApp("tok-cleanup", latency_s=0.03)
    sink: list[Exchange] = []
    with ledger_on(app) as ledger, ledger.client.recording(sink):
        client = ledger.client
        users = together(
            client, [functools.partial(created, client, "/Users", user(i)) for i in range(6)]
        )
        groups = [created(client, "/Groups", group(i, users[i::3])) for i in range(3)]
        assert set(ledger.remaining()) == {*users, *groups}
        report = ledger.clean_up()
        assert ledger.remaining() == {}
    assert ours(app) == []
    assert (report.created, report.deleted, report.left, report.unknown) == (9, 9, [], [])
    deletes = app.of("DELETE")
    assert len(deletes) == 9  # each resource deleted exactly once
    group_deletes = [w for w in deletes if "/Groups/" in w.path]
    user_deletes = [w for w in deletes if "/Users/" in w.path]
    assert max(w.end for w in group_deletes) <= min(w.start for w in user_deletes)
    assert most_at_once(user_deletes) > 1  # they did go out together
    # The transcript has every delete, the groups' first, as they were submitted.
    recorded = [e for e in sink if e.method == "DELETE"]
    assert [e.status for e in recorded] == [204] * 9
    assert [("/Groups/" in e.url) for e in recorded] == [True] * 3 + [False] * 6


def test_a_concurrency_of_one_cleans_up_strictly_one_at_a_time() -> None:
    app = WindowedApp("tok-cleanup-serial", latency_s=0.02)
    with ledger_on(app, concurrency=1) as ledger:
        for i in range(4):
            created(ledger.client, "/Users", user(i))
        report = ledger.clean_up()
    assert (report.created, report.deleted, report.left) == (4, 4, [])
    assert most_at_once(app.windows) == 1
    assert ours(app) == []


def test_delete_all_deletes_what_a_test_made_and_nothing_twice() -> None:
    app = WindowedApp("tok-delete-all", latency_s=0.01)
    with ledger_on(app) as ledger:
        client = ledger.client
        ids = together(
            client, [functools.partial(created, client, "/Users", user(i)) for i in range(5)]
        )
        ledger.delete_all([*ids[:3], ids[0]])  # a repeated id is deleted once
        assert set(ledger.remaining()) == set(ids[3:])
        ledger.delete_all(ids)
        assert ledger.remaining() == {}
        assert ledger.report().deleted == 5
    assert len(app.of("DELETE")) == 5


def test_creates_sent_together_whose_answers_are_lost_are_found_and_deleted() -> None:
    app = WindowedApp("tok-lost", latency_s=0.01, faults=[Fault.CREATE_COMMITS_THEN_DROPS])
    with ledger_on(app) as ledger:
        client = ledger.client
        calls = [functools.partial(client.post, "/Users", user(i)) for i in range(5)]
        with pytest.raises(TransportFailure):
            together(client, calls)
        assert ledger.remaining() == {}
        assert len(ours(app)) == 5  # the server committed every one
        report = ledger.clean_up()
    assert ours(app) == []
    assert (report.created, report.deleted, report.left, report.unknown) == (5, 5, [], [])


def test_keep_deletes_nothing_even_together() -> None:
    app = WindowedApp("tok-keep", latency_s=0.0)
    with ledger_on(app, keep=True) as ledger:
        ids = [created(ledger.client, "/Users", user(i)) for i in range(3)]
        ledger.delete_all(ids)
        report = ledger.clean_up()
    assert app.of("DELETE") == []
    assert (report.created, report.deleted, len(report.left)) == (3, 0, 3)
