"""Creates whose answer never arrived are still cleaned up: the ledger records each create's
names before sending it and, at the end of the run, finds by name every one whose id it
never learned (a reset, a 5xx or a timeout after the server committed; quoted userNames too)
and deletes it, touching nothing else."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scim_conformance.http.client import TransportFailure
from scim_conformance.ledger import Ledger
from scim_conformance.reference import Fault, ReferenceApp
from support import loopback
from support.hostile import HostileApp
from support.suite_run import SuiteRun

StartResponse = Callable[..., Any]
PREFIX = "scimconf-1ec0ffee"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
QUOTED = f'"{PREFIX}-q1 o\\"brien"@example.com'  # RFC 5321 quoted local part with `\"`


def user(name: str, external_id: str | None = None) -> dict[str, Any]:
    return {
        "schemas": [CORE_USER],
        "userName": name,
        "externalId": external_id or f"{PREFIX}-{uuid.uuid4()}",
    }


def group(name: str) -> dict[str, Any]:
    return {"schemas": [CORE_GROUP], "displayName": name, "externalId": f"{PREFIX}-g-ext"}


def seed_foreign(app: ReferenceApp) -> list[dict[str, Any]]:
    """Resources the run did not create, some named like the suite's own."""
    app.seed_user(user("alice@customer.example", "alice"))
    app.seed_user(user("scimconf-00000000-u1-abcdef@example.com", "another-run"))
    app.seed_group({"schemas": [CORE_GROUP], "displayName": "Sales"})
    return app.users() + app.groups()


def names_left(app: ReferenceApp) -> list[str]:
    found = [u["userName"] for u in app.users()] + [g["displayName"] for g in app.groups()]
    return [name for name in found if PREFIX in name]


@contextmanager
def ledger_on(app: ReferenceApp, *, timeout: float = 5.0, keep: bool = False) -> Iterator[Ledger]:
    """A client and its observing ledger against `app`, served on loopback."""
    with loopback.ledger_on(app, PREFIX, keep=keep, timeout=timeout) as ledger:
        yield ledger


def post_lost(ledger: Ledger, collection: str, body: dict[str, Any]) -> None:
    """Send a create whose answer is lost (the server committed it)."""
    with pytest.raises(TransportFailure):
        ledger.client.post(collection, body)


def test_a_create_dropped_after_commit_is_found_by_name_and_deleted() -> None:
    app = ReferenceApp("tok-drop", faults=[Fault.CREATE_COMMITS_THEN_DROPS])
    before = seed_foreign(app)
    with ledger_on(app) as ledger:
        post_lost(ledger, "/Users", user(f"{PREFIX}-u1@example.com"))
        post_lost(ledger, "/Users", user(QUOTED))
        post_lost(ledger, "/Groups", group(f"{PREFIX} group 1"))
        assert ledger.remaining() == {}
        assert len(names_left(app)) == 3
        report = ledger.clean_up()
    assert names_left(app) == []
    assert (report.created, report.deleted, report.left, report.unknown) == (3, 3, [], [])
    assert app.users() + app.groups() == before  # foreign resources untouched, unchanged


def test_a_server_ignoring_the_filter_does_not_make_cleanup_delete_others() -> None:
    app = ReferenceApp("tok-ignore", faults=[Fault.CREATE_COMMITS_THEN_DROPS, Fault.FILTER_IGNORED])
    before = seed_foreign(app)
    with ledger_on(app) as ledger:
        post_lost(ledger, "/Users", user(f"{PREFIX}-u1@example.com"))
        report = ledger.clean_up()
    assert names_left(app) == []
    assert report.deleted == 1
    assert app.users() == [u for u in before if "userName" in u]


def test_a_failed_lookup_falls_back_to_the_external_id() -> None:
    # The quoted userName's filter holds `\"`, which this server refuses with a 400.
    faults = [Fault.CREATE_COMMITS_THEN_DROPS, Fault.FILTER_ESCAPED_QUOTE_400]
    app = ReferenceApp("tok-fallback", faults=faults)
    with ledger_on(app) as ledger:
        post_lost(ledger, "/Users", user(QUOTED, f"{PREFIX}-quoted-ext"))
        report = ledger.clean_up()
    assert names_left(app) == []
    assert report.deleted == 1


def test_an_unanswerable_lookup_is_reported_as_unknown() -> None:
    faults = [
        Fault.CREATE_COMMITS_THEN_DROPS,
        Fault.FILTER_ESCAPED_QUOTE_400,
        Fault.EXTERNALID_FILTER_UNSUPPORTED,
    ]
    app = ReferenceApp("tok-unknown", faults=faults)
    with ledger_on(app) as ledger:
        post_lost(ledger, "/Users", user(QUOTED, f"{PREFIX}-quoted-ext"))
        report = ledger.clean_up()
    assert report.unknown == [f'/Users userName "{QUOTED}"']
    assert (report.created, report.left) == (0, [])


class CommitsThenFails(HostileApp):
    """Commits every create, then answers it badly: too late, or not at all."""

    def __init__(self, token: str, behaviour: str, delay: float = 0.0) -> None:
        rules = [("POST", r"/(Users|Groups)$", behaviour, 0)] if behaviour != "late" else []
        super().__init__(token, rules)
        self.behaviour = behaviour
        self.delay = delay

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.behaviour == "late" and environ["REQUEST_METHOD"] == "POST":
            body, status, headers = self._call_inner(environ)  # committed now
            time.sleep(self.delay)  # the answer comes after the client gave up
            start_response(status, headers)
            return [body]
        return super().__call__(environ, start_response)


@pytest.mark.parametrize(
    ("behaviour", "answer"),
    [("500", 500), ("reset", None), ("late", None)],
    ids=["5xx-after-commit", "reset-after-commit", "timeout-after-commit"],
)
def test_a_create_answered_badly_after_commit_is_cleaned_up(
    behaviour: str, answer: int | None
) -> None:
    app = CommitsThenFails("tok-bad-" + behaviour, behaviour, delay=1.0)
    with ledger_on(app, timeout=0.3) as ledger:
        body = user(f"{PREFIX}-u7@example.com")
        if answer is None:
            post_lost(ledger, "/Users", body)
        else:
            assert ledger.client.post("/Users", body).status == answer
        report = ledger.clean_up()
    assert names_left(app) == []
    assert (report.created, report.deleted, report.left) == (1, 1, [])


class CommitsLate(ReferenceApp):
    """Commits a create only after a pause, and the client has given up by then."""

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST":
            time.sleep(0.5)
        return super().__call__(environ, start_response)


def test_a_create_committed_after_the_client_gave_up_is_still_found() -> None:
    app = CommitsLate("tok-late")
    with ledger_on(app, timeout=0.2) as ledger:
        post_lost(ledger, "/Users", user(f"{PREFIX}-u8@example.com"))
        report = ledger.clean_up()  # waits for the create to settle before looking
    assert names_left(app) == []
    assert report.deleted == 1


def test_a_refused_create_costs_no_lookup_and_keep_only_looks() -> None:
    app = ReferenceApp("tok-refused", faults=[Fault.CREATE_COMMITS_THEN_DROPS])
    with ledger_on(app, keep=True) as ledger:
        sent = app.request_count
        refused = ledger.client.post("/Users", {"schemas": [CORE_USER]})  # no userName: 400
        assert refused.status == 400
        post_lost(ledger, "/Users", user(f"{PREFIX}-u9@example.com"))
        report = ledger.clean_up()
        assert app.request_count - sent == 3  # two POSTs, one lookup, no DELETE (kept)
    assert names_left(app) == [f"{PREFIX}-u9@example.com"]
    assert (report.created, report.deleted, len(report.left)) == (1, 0, 1)


def test_a_suite_run_against_a_server_that_drops_every_create_leaves_nothing(
    run_suite: Callable[..., SuiteRun], workdir: Path
) -> None:
    app = ReferenceApp("tok-drops", faults=[Fault.CREATE_COMMITS_THEN_DROPS])
    before = seed_foreign(app)
    run = run_suite(
        "-k",
        "create or groups or test_filter_finds_generated_user_name",
        "--scim-examples=3",
        "--scim-json=results.json",
        app=app,
        properties=True,
    )
    output = run.output()
    assert "INTERNALERROR" not in output
    assert run.failed, output
    created = app.created("User") + app.created("Group")
    assert len(created) >= 5
    assert [r for r in app.users() + app.groups() if r not in before] == []
    assert app.users() + app.groups() == before
    summary = f"scim-conformance cleanup: created {len(created)}, deleted {len(created)}, left 0"
    assert summary in output
    assert app.token not in output
    results = json.loads((workdir / "results.json").read_text())
    assert results["verdict"] == "Not Entra-ready"
