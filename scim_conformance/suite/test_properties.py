"""Property-based checks: users as a real directory holds them, and PATCH sequences.

Fixed payloads like `Test_User_1` pass on servers that break on the first customer
named `José O'Brien-Łukasiewicz` or `a+b@example.com`. Each test below runs
`--scim-examples` generated examples (default 10; the same data on every run unless
`--scim-seed` varies it), and a failure shows the smallest example Hypothesis found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import describe
from scim_conformance.checks.failures import fail
from scim_conformance.checks.steps import read_user
from scim_conformance.config import Settings
from scim_conformance.entra import Dialect, create_user_body
from scim_conformance.http.client import ScimClient
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.properties.graded_steps import (
    expect_created_values,
    expect_user_name_finds,
    flip_case,
    patch_step,
    without_derived,
)
from scim_conformance.properties.hypothesis_runner import (
    PropertyOptions,
    PropertyRunner,
    mapped_paths,
)
from scim_conformance.properties.strategies import (
    ENTRA,
    EntraChange,
    EntraUser,
    active_spelling,
    counter_tags,
    entra_changes,
    entra_users,
    limits_for,
    patch_operations,
)
from scim_conformance.suite.conftest import CreatedUser
from scim_conformance.suite.run_fallbacks import TestFallbacks

pytestmark = pytest.mark.properties


@pytest.fixture
def prop(
    request: pytest.FixtureRequest,
    scim: ScimClient,
    ledger: Ledger,
    scim_settings: Settings,
    _enterprise_declared: bool,
    run_fallbacks: TestFallbacks,
) -> PropertyRunner:
    """Runs one property over the run's generated examples, cleaning up after each; creates
    through the run's fallback where Entra's create is refused."""
    options = PropertyOptions(scim_settings.examples, scim_settings.seed)
    profile = scim_settings.profile
    mapped = mapped_paths(profile, enterprise=_enterprise_declared)
    return PropertyRunner(
        request.node.name,
        options,
        ledger,
        mapped=mapped,
        extension=profile.user_extension,
        limits=limits_for(profile.name),
        fallbacks=run_fallbacks,
    )


@pytest.mark.create
def test_created_user_reads_back_as_sent(
    prop: PropertyRunner, scim: ScimClient, namer: Namer, scim_settings: Settings
) -> None:
    """Create → GET returns every value sent, exactly (create-stored; value-normalised)."""

    def created_user_reads_back_as_sent(user: EntraUser) -> None:
        created = prop.create(user, "Create a generated Entra user")
        if created is None:
            return  # refused for a reason Entra never meets (reported as advisory)
        read, response = read_user(scim, created.id, "Read back the generated user")
        sent = created.expected(without_derived(prop.sent(user)))  # as the body posted
        expect_created_values(read, response, sent, created)

    domain, limits = scim_settings.user_domain, prop.limits  # within the profile's limits
    users = entra_users(namer.run_prefix, domain, limits=limits, mapped=prop.mapped)
    prop.check(created_user_reads_back_as_sent, user=users)


@pytest.mark.matching
def test_filter_finds_generated_user_name(
    prop: PropertyRunner,
    scim: ScimClient,
    namer: Namer,
    scim_settings: Settings,
    new_user: Callable[..., CreatedUser],
) -> None:
    """`userName eq "<any valid address>"`, `"` and `\\` escaped, finds just that user."""
    new_user(needs=())  # a second user: a server ignoring the filter answers with both

    def filter_finds_exactly_the_user(user: EntraUser) -> None:
        created = prop.create(user, "Blocked: create the user to match")
        if created is not None:
            title = "Matching by a generated userName"
            expect_user_name_finds(scim, user.spec.user_name, created.id, title)

    users = entra_users(namer.run_prefix, scim_settings.user_domain, plain_names=True)
    prop.check(filter_finds_exactly_the_user, user=users)


@pytest.mark.update
@pytest.mark.dialect_specific
def test_patch_sequence_matches_model(
    prop: PropertyRunner, scim: ScimClient, namer: Namer, scim_settings: Settings, dialect: Dialect
) -> None:
    """Generated Entra updates leave the user as a model predicts (RFC 7644 §3.5.2)."""

    def patch_sequence_matches_model(user: EntraUser, changes: list[EntraChange]) -> None:
        created = prop.create(user, "Blocked: create the user to update")
        if created is None:
            return  # refused for a reason Entra never meets (reported as advisory)
        # The create is judged first, so a value it changed is never blamed on a PATCH.
        read, response = read_user(scim, created.id, "Read back the generated user")
        sent = created.expected(without_derived(prop.sent(user)))
        model = expect_created_values(read, response, sent, created)
        path = f"/Users/{created.id}"
        for step, change in enumerate(changes, 1):
            operations = patch_operations(dialect, change, set(model))
            apply(model, change)
            what = "active" if change.active is not None else ", ".join(change.changes)
            title = f"PATCH {step} of {len(changes)} ({what})"
            applied = rules.PATCH_APPLIED
            if change.active is not None:  # names the variant: [variant <id>, <dialect>]
                spelling = active_spelling(dialect, change)
                title, applied = spelling.title(dialect, title), spelling.rule
            model.update(patch_step(scim, path, operations, model, title, applied))

    prefix, domain, mapped = namer.run_prefix, scim_settings.user_domain, prop.mapped
    tags = counter_tags(prefix)  # one counter: created and renamed userNames never collide
    prop.check(
        patch_sequence_matches_model,
        user=entra_users(prefix, domain, limits=ENTRA, exotic=False, mapped=mapped, tags=tags),
        changes=entra_changes(prefix, domain, mapped=mapped, tags=tags),
    )


def apply(model: dict[str, Any], change: EntraChange) -> None:
    """The model: each change sets what it names; nothing else moves. A deactivated user
    keeps its userName (soft-delete-readable): Webex renames only a user deleted in Entra,
    not one Entra disables with active false (Webex Help Center, rules.md)."""
    if change.active is not None:
        model["active"] = change.active
    model.update(change.changes)


@pytest.mark.matching
def test_filter_ignores_generated_user_name_case(
    prop: PropertyRunner,
    scim: ScimClient,
    namer: Namer,
    scim_settings: Settings,
    new_user: Callable[..., CreatedUser],
) -> None:
    """The userName filter in another case still matches (RFC 7643 §4.1.1; filter-exact-match)."""
    new_user(needs=())  # a second user: a server ignoring the filter answers with both

    def case_changed_filter_matches(user: EntraUser) -> None:
        created = prop.create(user, "Blocked: create the user to match")
        if created is not None:
            name = flip_case(user.spec.user_name)
            title = "Matching a generated userName in another case"
            expect_user_name_finds(scim, name, created.id, title)

    # Names Entra sends: escaping is test_filter_finds_generated_user_name's matter.
    domain = scim_settings.user_domain
    users = entra_users(namer.run_prefix, domain, exotic=False, plain_names=True)
    prop.check(case_changed_filter_matches, user=users)


@pytest.mark.create
def test_case_changed_user_name_conflicts(
    prop: PropertyRunner, scim: ScimClient, ledger: Ledger, namer: Namer, scim_settings: Settings
) -> None:
    """A create of the same userName in another case answers 409 (create-duplicate-409)."""

    def case_changed_create_conflicts(user: EntraUser) -> None:
        first = prop.create(user, "Blocked: create the first user")
        if first is None:
            return
        name = flip_case(user.spec.user_name)
        twin = replace(user.spec, user_name=name, external_id=user.spec.external_id + "-twin")
        # Shaped as the first was: a refusal must be about the name, not Entra's body.
        body = first.same_shape(create_user_body(twin, prop.mapped, prop.extension))
        response = scim.post("/Users", body)
        body = response.json_object or {}
        if response.status in (200, 201) and isinstance(body.get("id"), str):
            ledger.add("/Users", body["id"])  # a duplicate was created: clean it up too
        if response.status != 409:
            fail(
                rules.CREATE_DUPLICATE_409,
                "A generated userName in another case was not refused with 409",
                expected="HTTP 409 (scimType uniqueness)",
                actual=describe(response),
                response=response,
            )

    # Names Entra sends: a name Entra never sends cannot make it create a duplicate.
    domain = scim_settings.user_domain
    users = entra_users(namer.run_prefix, domain, exotic=False, plain_names=True)
    prop.check(case_changed_create_conflicts, user=users)
