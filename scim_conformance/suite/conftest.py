"""Fixtures of the conformance suite: the client, Entra's builders, and users with cleanup.

The run's settings, client and ledger come from the plugin (`scim_settings`, `_client`,
`ledger` and `run_exchanges` in plugin/session.py), as does one test per Entra dialect."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from scim_conformance.config import Settings
from scim_conformance.entra import (
    ENTERPRISE,
    Dialect,
    EntraPatch,
    UserSpec,
    create_group_body,
    create_user_body,
)
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.http.together import together
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile
from scim_conformance.suite.member_adds import MemberAdds
from scim_conformance.suite.prerequisites import Fallback, Prerequisites
from scim_conformance.suite.prerequisites import adopting as adopting  # suite modules use it
from scim_conformance.suite.run_fallbacks import TestFallbacks


@dataclass(frozen=True)
class CreatedUser:
    """A user the suite created: its server id, the values sent, and the 201 body."""

    id: str
    spec: UserSpec
    body: dict[str, Any]
    fallback: Fallback | None = None  # how it was created when Entra's create was refused

    def same_shape(self, body: dict[str, Any]) -> dict[str, Any]:
        """Another Entra user body, narrowed as this user's was (a duplicate must differ
        from the first only by what the test is about)."""
        return body if self.fallback is None else self.fallback.narrowing.apply("/Users", body)


@pytest.fixture(scope="session")
def namer(scim_settings: Settings) -> Namer:
    """Names carrying the run prefix (the property strategies add the pytest-xdist worker's
    number to theirs: properties/strategies.py)."""
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


@pytest.fixture(scope="session")
def prerequisites(_client: ScimClient, ledger: Ledger, scim_settings: Settings) -> Prerequisites:
    """Meets tests' prerequisites, by a fallback when Entra's create is refused; remembers
    per process which fallback worked (suite/prerequisites.py)."""
    return Prerequisites(_client, ledger, scim_settings.base_url)


@pytest.fixture
def run_fallbacks(
    request: pytest.FixtureRequest,
    prerequisites: Prerequisites,
    ledger: Ledger,
    namer: Namer,
    profile: Profile,
) -> TestFallbacks:
    """The run's remembered fallback for tests that build their own create bodies
    (properties, cycles, Webex checks): they narrow as new_user does, and say so."""
    return TestFallbacks(request.node, prerequisites, ledger, namer, profile)


@pytest.fixture
def new_user(
    request: pytest.FixtureRequest,
    ledger: Ledger,
    namer: Namer,
    profile: Profile,
    prerequisites: Prerequisites,
) -> Iterator[Callable[..., CreatedUser]]:
    """Create users as Entra does (or by a fallback it reports); deleted when the test ends.

    `needs`: the values the test checks beyond userName and active (None: all Entra sends);
    a fallback body lacking one blocks the test. `exact`: the test is about Entra's body.
    """
    created: list[str] = []

    def make(
        *, work_email: bool = True, needs: Collection[str] | None = None, exact: bool = False
    ) -> CreatedUser:
        spec = namer.user(work_email=work_email)
        sent = create_user_body(spec, profile.user_attributes, profile.user_extension)
        user = prerequisites.create(
            request.node, "/Users", sent, "userName", needs=needs, exact=exact
        )
        created.append(user.id)
        return CreatedUser(user.id, spec, user.body, user.fallback)

    yield make
    ledger.delete_all(created)  # together: at most --scim-concurrency at once


@pytest.fixture
def new_users(
    scim: ScimClient, new_user: Callable[..., CreatedUser]
) -> Callable[..., list[CreatedUser]]:
    """`count` users made as new_user makes them (a group's members): the first alone, as it
    may learn a fallback, the others together (http/together.py); deleted at the end."""

    def make(count: int, **options: Any) -> list[CreatedUser]:
        first = [new_user(**options)] if count else []
        rest = [functools.partial(new_user, **options) for _ in range(count - 1)]
        return first + together(scim, rest)

    return make


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
    fallback: Fallback | None = None  # how it was created when Entra's create was refused
    members: tuple[str, ...] = ()  # the member it was created with (`members` required)

    def same_shape(self, body: dict[str, Any]) -> dict[str, Any]:
        """Another Entra group body, narrowed as this group's was."""
        if self.fallback is None:
            return body
        member = self.members[0] if self.members else None
        return self.fallback.narrowing.apply("/Groups", body, member)


@pytest.fixture
def new_group(
    request: pytest.FixtureRequest,
    ledger: Ledger,
    namer: Namer,
    prerequisites: Prerequisites,
    new_user: Callable[..., CreatedUser],
) -> Iterator[Callable[..., CreatedGroup]]:
    """Create groups as Entra does (empty, ADSCIM schema URI), or by a fallback it reports
    (without the URI; with one member where `members` is required); deleted at the end."""
    created: list[str] = []

    def make() -> CreatedGroup:
        name = namer.group_name()
        external_id = f"{namer.run_prefix}-{uuid.uuid4()}"
        sent = create_group_body(name, external_id)
        group = prerequisites.create(
            request.node, "/Groups", sent, "displayName", seed=lambda: new_user(needs=()).id
        )
        created.append(group.id)
        return CreatedGroup(group.id, name, external_id, group.fallback, group.members)

    yield make
    ledger.delete_all(created)  # together, before new_user's teardown deletes the members


# add_members(entra, group_id, member_ids, title) -> the accepted PATCH
AddMembers = Callable[[EntraPatch, str, Sequence[str], str], ScimResponse]


@pytest.fixture(scope="session")
def member_adds(_client: ScimClient, scim_settings: Settings) -> MemberAdds:
    """Adds members as tests' prerequisite, by a fallback when Entra's add is refused;
    remembers per process and dialect which fallback worked (suite/member_adds.py)."""
    return MemberAdds(_client, scim_settings.base_url)


@pytest.fixture
def add_members(request: pytest.FixtureRequest, member_adds: MemberAdds) -> AddMembers:
    """Add members to a group as a prerequisite: Entra's PATCH in the given dialect, or a
    fallback the test's report names; blocked by the add-member finding if none works."""

    def add(entra: EntraPatch, group_id: str, ids: Sequence[str], title: str) -> ScimResponse:
        return member_adds.add(request.node, entra, group_id, ids, title)

    return add


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
