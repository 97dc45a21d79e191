"""Fixtures of the conformance suite: the client, Entra's builders, and users with cleanup."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from scim_conformance.checks import Severity, fail
from scim_conformance.client import ScimClient, TransportFailure
from scim_conformance.entra import (
    ENTERPRISE,
    Dialect,
    EntraPatch,
    UserSpec,
    create_group_body,
    create_user_body,
)
from scim_conformance.plugin import client_of, ledger_of, settings_of
from scim_conformance.profiles import Profile
from scim_conformance.resources import Ledger, Namer
from scim_conformance.settings import Settings


@contextmanager
def adopting(ledger: Ledger, collection: str, attribute: str, value: str) -> Iterator[None]:
    """If the create gets no answer, look the resource up so cleanup still deletes it."""
    try:
        yield
    except TransportFailure:
        ledger.adopt(collection, attribute, value)
        raise


@dataclass(frozen=True)
class CreatedUser:
    """A user the suite created: its server id, the values sent, and the 201 body."""

    id: str
    spec: UserSpec
    body: dict[str, Any]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes `dialect` once per selected Entra dialect."""
    if "dialect" in metafunc.fixturenames:
        dialects = settings_of(metafunc.config).dialects
        metafunc.parametrize("dialect", dialects, ids=list(dialects))


@pytest.fixture(scope="session")
def scim_settings(request: pytest.FixtureRequest) -> Settings:
    """The run's settings (target URL, dialects, run prefix)."""
    return settings_of(request.config)


@pytest.fixture(scope="session")
def _client(request: pytest.FixtureRequest) -> ScimClient:
    return client_of(request.config)


@pytest.fixture(scope="session")
def ledger(request: pytest.FixtureRequest, _client: ScimClient) -> Iterator[Ledger]:
    """Everything the run created; what tests did not delete is deleted at the end
    (also after failures and on Ctrl-C: pytest tears session fixtures down then)."""
    ledger = ledger_of(request.config)
    _client.write_guard = ledger.check_write
    yield ledger
    _client.sink = None
    leftovers = [] if ledger.keep else ledger.delete_all()
    if leftovers:
        warnings.warn(f"could not delete: {', '.join(leftovers)}", stacklevel=1)


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
        with adopting(ledger, "/Users", "userName", spec.user_name):
            response = scim.post("/Users", sent)
        body = response.json_object
        user_id = body.get("id") if body else None
        if response.status in (200, 201) and not (isinstance(user_id, str) and user_id):
            ledger.adopt("/Users", "userName", spec.user_name)  # created, but no id returned
        if response.status not in (200, 201) or not isinstance(user_id, str) or not user_id:
            fail(
                Severity.ENTRA_BREAKING,
                "Blocked: could not create the user this test needs "
                "(see test_create_user_as_entra_does)",
                expected="HTTP 201 with a JSON body carrying the new user's id",
                actual=f"HTTP {response.status}, id {user_id!r}",
                rule="RFC 7644 §3.3; Entra tutorial [S1] (create user)",
                entra="Entra cannot provision users; every create is logged as a failure",
                response=response,
            )
            raise AssertionError("unreachable")  # pragma: no cover
        assert body is not None
        ledger.add("/Users", user_id)
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
        with adopting(ledger, "/Groups", "displayName", name):
            response = scim.post("/Groups", create_group_body(name, external_id))
        body = response.json_object
        group_id = body.get("id") if body else None
        if response.status in (200, 201) and not (isinstance(group_id, str) and group_id):
            ledger.adopt("/Groups", "displayName", name)
        if response.status not in (200, 201) or not isinstance(group_id, str) or not group_id:
            fail(
                Severity.ENTRA_BREAKING,
                "Blocked: could not create the group this test needs "
                "(see test_create_group_as_entra_does)",
                expected="HTTP 201 with a JSON body carrying the new group's id",
                actual=f"HTTP {response.status}, id {group_id!r}",
                rule="RFC 7644 §3.3; Entra tutorial [S1] §8c (create group)",
                entra="Entra cannot provision groups; every group create is logged as a failure",
                response=response,
            )
            raise AssertionError("unreachable")  # pragma: no cover
        ledger.add("/Groups", group_id)
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
    """Skip group sequences on servers without /Groups (groups are optional, [S1] §8)."""
    if not groups_endpoint:
        pytest.skip("the server has no /Groups endpoint; group provisioning is optional in Entra")
