"""Fixtures of the conformance suite: the client, Entra's builders, and users with cleanup.

The run's settings, client and ledger come from the plugin (`scim_settings`, `_client`,
`ledger` and `run_exchanges` in plugin/session.py), as does one test per Entra dialect."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import describe
from scim_conformance.checks.failures import block
from scim_conformance.config import Settings
from scim_conformance.entra import (
    ENTERPRISE,
    Dialect,
    EntraPatch,
    UserSpec,
    create_group_body,
    create_user_body,
)
from scim_conformance.http.client import ScimClient, ScimResponse, TransportFailure
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile


@contextmanager
def adopting(ledger: Ledger, collection: str, attribute: str, value: str) -> Iterator[None]:
    """If the create gets no answer, look the resource up so cleanup still deletes it."""
    try:
        yield
    except TransportFailure:
        ledger.adopt(collection, attribute, value)
        raise


def create_for_test(
    scim: ScimClient,
    ledger: Ledger,
    collection: str,
    sent: dict[str, Any],
    attribute: str,
    name: str,
    *,
    fallback: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """POST a resource a test needs and register it for cleanup; the id and the body.

    A create that fails blocks the test, as blocked by the create finding (its own create
    test reports it), unless `fallback` (a body without what the endpoint may refuse)
    succeeds. One whose answer was lost, or came back without an id, is looked up by name
    so cleanup still covers it.
    """
    kind = collection.strip("/").lower()[:-1]  # "user" or "group"
    first, first_id = _create(scim, ledger, collection, sent, attribute, name)
    response, resource_id = first, first_id
    if not (first_id and first.status in (200, 201)) and fallback is not None:
        response, resource_id = _create(scim, ledger, collection, fallback, attribute, name)
    if not resource_id or response.status not in (200, 201):
        block(
            rules.CREATE_ACCEPTED,
            f"Could not create the {kind} this test needs (see test_create_{kind}_as_entra_does)",
            expected=f"HTTP 201 with a JSON body carrying the new {kind}'s id",
            actual=describe(first),
            response=first,
        )
    return resource_id, response.json_object or {}


def _create(
    scim: ScimClient,
    ledger: Ledger,
    collection: str,
    sent: dict[str, Any],
    attribute: str,
    name: str,
) -> tuple[ScimResponse, str]:
    """POST once; register whatever was created for cleanup. The response and the id."""
    with adopting(ledger, collection, attribute, name):
        response = scim.post(collection, sent)
    found = (response.json_object or {}).get("id")
    resource_id = found if isinstance(found, str) else ""
    if resource_id:
        ledger.add(collection, resource_id)  # whatever the status said: clean it up
    elif response.status in (200, 201):
        ledger.adopt(collection, attribute, name)  # created, but no id came back
    return response, resource_id


@dataclass(frozen=True)
class CreatedUser:
    """A user the suite created: its server id, the values sent, and the 201 body."""

    id: str
    spec: UserSpec
    body: dict[str, Any]


@pytest.fixture(scope="session")
def namer(scim_settings: Settings) -> Namer:
    """Names carrying the run prefix."""
    return Namer.for_run(scim_settings.run_prefix, scim_settings.user_domain)


@pytest.fixture
def scim(_client: ScimClient, ledger: Ledger) -> ScimClient:
    """The run's client; it records into the running test's transcript and refuses
    writes to anything the ledger did not see created."""
    return _client


@pytest.fixture
def entra(dialect: Dialect) -> EntraPatch:
    """Entra's PATCH builders for this test's dialect."""
    return EntraPatch(dialect)


@pytest.fixture(scope="session")
def profile(scim_settings: Settings) -> Profile:
    """The attribute mapping of the app under test (--scim-profile)."""
    return scim_settings.profile


def requires(profile: Profile, *paths: str) -> None:
    """Skip a test whose attributes the app's mapping does not send (Entra never would)."""
    missing = [path for path in paths if not profile.maps(path)]
    if missing:
        pytest.skip(f"profile {profile.name} does not map {', '.join(missing)}")


@pytest.fixture
def new_user(
    scim: ScimClient, ledger: Ledger, namer: Namer, profile: Profile
) -> Iterator[Callable[..., CreatedUser]]:
    """Create users as Entra does; each is deleted when the test ends."""
    created: list[str] = []

    def make(*, work_email: bool = True) -> CreatedUser:
        spec = namer.user(work_email=work_email)
        sent = create_user_body(spec, profile.user_attributes, profile.user_extension)
        user_id, body = create_for_test(scim, ledger, "/Users", sent, "userName", spec.user_name)
        created.append(user_id)
        return CreatedUser(user_id, spec, body)

    yield make
    for user_id in reversed(created):
        ledger.delete(user_id)


@pytest.fixture(scope="session")
def _enterprise_declared(_client: ScimClient) -> bool:
    """False only when /ResourceTypes clearly lists User without the enterprise extension."""
    response = _client.get(
        "/ResourceTypes", note="discovery: is the enterprise extension supported?"
    )
    body = response.json_object if response.status == 200 else None
    resources = body.get("Resources") if body else None
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and resource.get("name") == "User":
            extensions = resource.get("schemaExtensions") or []
            return any(
                isinstance(ext, dict) and ext.get("schema") == ENTERPRISE for ext in extensions
            )
    return True  # no usable discovery: assume Entra's default mapping applies


@pytest.fixture
def enterprise_supported(_enterprise_declared: bool) -> None:
    """Skip tests of the enterprise extension on servers that declare they lack it."""
    if not _enterprise_declared:
        pytest.skip("the server's /ResourceTypes declares no enterprise extension for User")


@dataclass(frozen=True)
class CreatedGroup:
    """A group the suite created: its server id, displayName and externalId as sent."""

    id: str
    display_name: str
    external_id: str


@pytest.fixture
def new_group(
    scim: ScimClient, ledger: Ledger, namer: Namer
) -> Iterator[Callable[..., CreatedGroup]]:
    """Create groups as Entra does (empty, ADSCIM schema URI); deleted when the test ends."""
    created: list[str] = []

    def make() -> CreatedGroup:
        name = namer.group_name()
        external_id = f"{namer.run_prefix}-{uuid.uuid4()}"
        sent = create_group_body(name, external_id)
        # An endpoint refusing Entra's extra schema URI fails test_create_group_as_entra_does
        # once; the group tests still test membership with a group created without it.
        fallback = create_group_body(name, external_id, adscim=False)
        group_id, _ = create_for_test(
            scim, ledger, "/Groups", sent, "displayName", name, fallback=fallback
        )
        created.append(group_id)
        return CreatedGroup(group_id, name, external_id)

    yield make
    for group_id in reversed(created):
        ledger.delete(group_id)


@pytest.fixture(scope="session")
def groups_endpoint(_client: ScimClient) -> bool:
    """False when GET /Groups answers 404/501: the server does not provision groups."""
    response = _client.get("/Groups", {"count": "1"}, note="does the server support groups?")
    return response.status not in (404, 405, 501)


@pytest.fixture
def groups_supported(groups_endpoint: bool) -> None:
    """Skip group sequences on servers without /Groups (groups are optional in the tutorial)."""
    if not groups_endpoint:
        pytest.skip("the server has no /Groups endpoint; group provisioning is optional in Entra")
