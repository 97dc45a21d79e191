"""The ledger: writes only to what the run created, each resource deleted once, groups first."""

from __future__ import annotations

import httpx
import pytest

from scim_conformance.http.client import ClientOptions, ScimClient
from scim_conformance.ledger import ForeignWriteRefused, Ledger, Namer
from support.settings import offline_settings


def make(responses: dict[str, int]) -> tuple[Ledger, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(responses.get(request.url.path, 204))

    settings = offline_settings()
    client = ScimClient(ClientOptions.of(settings), transport=httpx.MockTransport(handler))
    ledger = Ledger(client, run_prefix=settings.run_prefix)
    ledger.watch(client)  # for the client's whole (short) life
    return ledger, seen


def test_writes_to_foreign_ids_are_refused_before_sending() -> None:
    ledger, seen = make({})
    ledger.add("/Users", "mine")
    ledger.client.patch("/Users/mine", {"Operations": []})
    for method in ("PATCH", "DELETE", "PUT"):
        with pytest.raises(ForeignWriteRefused, match="not created by this run"):
            ledger.client.request(method, "/Users/someone-else")
    assert seen == ["PATCH /v2/Users/mine"]


def test_reads_and_creates_are_always_allowed() -> None:
    ledger, seen = make({})
    ledger.client.get("/Users/anyone")
    ledger.client.post("/Users", {"userName": "x"})
    assert seen == ["GET /v2/Users/anyone", "POST /v2/Users"]


def test_a_deleted_resource_may_be_deleted_again() -> None:
    ledger, seen = make({})
    ledger.add("/Users", "u1")
    ledger.delete("u1")
    ledger.client.delete("/Users/u1")  # the delete test's second DELETE
    assert seen == ["DELETE /v2/Users/u1", "DELETE /v2/Users/u1"]


def test_clean_up_removes_groups_before_users_once_each() -> None:
    ledger, seen = make({})
    ledger.add("/Users", "u1")
    ledger.add("/Groups", "g1")
    ledger.add("/Users", "u2")
    assert ledger.clean_up().left == []
    assert seen == ["DELETE /v2/Groups/g1", "DELETE /v2/Users/u1", "DELETE /v2/Users/u2"]
    assert ledger.clean_up().left == []
    assert len(seen) == 3


def test_undeletable_resources_are_reported_and_kept() -> None:
    ledger, _ = make({"/v2/Users/stuck": 500})
    ledger.add("/Users", "stuck")
    assert ledger.clean_up().left == ["/Users/stuck"]
    assert ledger.owns("stuck")


def test_names_carry_the_run_prefix_and_are_unique() -> None:
    namer = Namer.for_run("scimconf-0000beef", "example.test")
    users = [namer.user() for _ in range(3)]
    names = {user.user_name for user in users}
    assert len(names) == 3
    for user in users:
        assert user.user_name.startswith("scimconf-0000beef-")
        assert user.user_name.endswith("@example.test")
        assert user.external_id.startswith("scimconf-0000beef-")
        assert user.work_email == user.user_name
    assert namer.user(work_email=False).work_email is None
    assert namer.group_name().startswith("scimconf-0000beef group ")
