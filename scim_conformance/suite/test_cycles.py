"""Entra's incremental cycles on a populated directory, checked against a model.

Every other check acts once on a fresh, empty resource; Entra spends its life in cycles on
populated ones, where a PATCH add that replaces the member list, or a legacy removal that
empties a group whose members are hidden, loses data. Each test runs a tour covering the
directory's state space (every step Entra can take from every class of state: a renamed
user, a deactivated one, a member added again, a group that lost a member to a delete...),
then `--scim-cycles` generated cycles (default 2; the same on every run unless
`--scim-seed` varies them), in one dialect, each step in the request variants Entra sends
for it. A failure names the Entra step and the variant, and shows the shortest failing cycle
as the requests to replay; the test's report holds the table of the pairs exercised.
"""

from __future__ import annotations

import pytest

from scim_conformance.config import Settings
from scim_conformance.entra import ENTERPRISE, Dialect
from scim_conformance.http.client import ScimClient
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.properties.cycles import tour
from scim_conformance.properties.cycles.base import CycleContext
from scim_conformance.properties.cycles.coverage import reachable, table
from scim_conformance.properties.cycles.driver import ALL, GENERATED, PARTS, run_cycles
from scim_conformance.properties.hypothesis_runner import PropertyOptions
from scim_conformance.suite.run_fallbacks import TestFallbacks

pytestmark = pytest.mark.cycles


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Under pytest-xdist, each part of the tour and the generated cycles are separate tests,
    so workers run them at once (the longest chains of requests set an xdist run's floor)."""
    if "cycle_part" in metafunc.fixturenames and hasattr(metafunc.config, "workerinput"):
        metafunc.parametrize("cycle_part", PARTS)


@pytest.fixture
def cycle_part() -> str:
    """What the test runs: the tour (its parts together), then the generated cycles; split
    under pytest-xdist."""
    return ALL


@pytest.fixture
def cycle(
    scim: ScimClient,
    ledger: Ledger,
    namer: Namer,
    scim_settings: Settings,
    dialect: Dialect,
    groups_endpoint: bool,
    _enterprise_declared: bool,
    run_fallbacks: TestFallbacks,
) -> CycleContext:
    """The endpoint, the ledger and the app's mapping, for cycles in this dialect; creates
    through the run's fallback where Entra's create is refused."""
    profile = scim_settings.profile
    return CycleContext(
        scim,
        ledger,
        namer,
        dialect,
        profile,
        manager=_enterprise_declared and profile.maps(f"{ENTERPRISE}:manager"),
        groups=groups_endpoint and profile.maps_group("members"),
        fallbacks=run_fallbacks,
    )


@pytest.mark.dialect_specific
def test_entra_cycle_matches_model(
    request: pytest.FixtureRequest,
    cycle: CycleContext,
    scim_settings: Settings,
    dialect: Dialect,
    cycle_part: str,
) -> None:
    """Creates, updates, renames, manager, members, deactivate, deletes: as the model says."""
    options = PropertyOptions(scim_settings.cycles, scim_settings.seed)
    # Seeded by the unsplit test's name: a split run generates the same cycles.
    name = f"{request.node.originalname}[{dialect}]"
    try:
        run_cycles(name, cycle, options, cycle_part)
    finally:
        request.node.add_report_section("call", COVERAGE_SECTION, coverage(cycle, cycle_part))


def coverage(cycle: CycleContext, part: str) -> str:
    """The table of the pairs this test exercised: against every reachable pair, or, for one
    part of a split run, against that part's share (what the other parts cover is theirs)."""
    wanted = reachable(manager=cycle.manager, groups=cycle.groups)
    if part == ALL:
        return table(cycle.coverage, wanted)
    if part == GENERATED:
        scope = "The generated cycles alone: the tour's parts run as tests of their own."
        return table(cycle.coverage, wanted, scope)
    tour_part = next(p for p in tour.PARTS if p.name == part)
    share = tour_part.share(wanted)
    if not share:
        return f"This endpoint and mapping take no step of the tour's {tour_part.kind} part."
    scope = (
        f"The tour's {tour_part.kind} part alone: its share is every reachable pair of a "
        f"{tour_part.kind} class (x outside it: exercised on the way); the other parts of "
        "the tour, tests of their own, cover the rest."
    )
    return table(cycle.coverage, share, scope)


COVERAGE_SECTION = "cycle coverage (state class by step)"
