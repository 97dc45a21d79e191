"""Running the Entra cycle state machine like the other properties: bounded, derandomised
(a seed made of the test id, plus --scim-seed), no example database, Hypothesis's caches
kept out of the vendor's directory, and a failure shown as the Entra requests to replay.

Two things differ, because every step costs real requests on a real tenant:

* a fixed tour of every kind of Entra step runs first (like an explicit example), so each
  kind is exercised however few cycles are generated; its parts (tour.py) are independent,
  so one process runs them together (http/together.py, each in its own machine and context,
  joined afterwards in part order) and pytest-xdist workers run them as separate tests;
* Hypothesis's shrinker (hundreds of replays) is replaced by a bounded one: replay the
  failing cycle without each step in turn, keeping a removal when the same rule still
  breaks on the same kind of request, at most one replay per step.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from hypothesis import Phase, seed, settings
from hypothesis.stateful import get_state_machine_test

from scim_conformance.checks.failures import AdvisoryFinding, Blocked, ConformanceFailure
from scim_conformance.http.client import TransportFailure
from scim_conformance.http.together import interrupted, together
from scim_conformance.http.transcript import Exchange
from scim_conformance.properties.cycles import tour
from scim_conformance.properties.cycles.base import Call, CycleContext
from scim_conformance.properties.cycles.coverage import reachable
from scim_conformance.properties.cycles.machine import EntraCycle, applicable
from scim_conformance.properties.hypothesis_runner import (
    FALSIFYING,
    PropertyOptions,
    hypothesis_settings,
    private_storage,
    warn_once,
)

STEPS_PER_EXAMPLE = 12  # Entra actions per generated cycle, the initial cycle included
# What one test runs: all of it (the tour's parts together, then the generated cycles, which
# run only when the tour passed), or, spread over pytest-xdist workers, one part of the tour
# or the generated cycles alone (independent: each example starts from an empty directory
# and deletes exactly what it made).
ALL, GENERATED = "all", "generated"
PARTS = (*(part.name for part in tour.PARTS), GENERATED)
Finding = ConformanceFailure | AdvisoryFinding


@dataclass(frozen=True)
class Failed:
    """A failing cycle: what broke, the steps that led there, its log, its exchanges and its
    context."""

    error: Finding
    trace: list[Call]
    log: str
    exchanges: list[Exchange]
    ctx: CycleContext  # the context it ran in (a tour part's own): shrinking replays there

    def key(self) -> tuple[str, str]:
        """The finding a shorter cycle must reproduce: its rule and kind of request."""
        finding = self.error.finding
        evidence = finding.cause or finding.exchange
        return finding.rule.id, evidence.method if evidence else ""


def run_cycles(name: str, ctx: CycleContext, options: PropertyOptions, part: str = ALL) -> None:
    """The tour, then `options.examples` generated cycles (or one `part` of them alone: see
    PARTS); a failure is shrunk and raised."""
    machine = machine_for(ctx)
    outer = ctx.scim.sink
    kept: list[Exchange] = []
    seen: list[warnings.WarningMessage] = []
    try:
        with private_storage(), warnings.catch_warnings(record=True) as seen:
            parts = [p for p in tour.PARTS if part in (ALL, p.name)]
            failed = _tour(ctx, parts, kept)
            if failed is None and part in (ALL, GENERATED):
                failed = _generate(machine, ctx, name, options)
                kept += [e for exchanges in ctx.examples for e in exchanges]
            if failed is not None:
                failed = _shrink(failed)
                kept = failed.exchanges
                _show_cycle(failed, options.seed)
                raise failed.error
    finally:
        if outer is not None:
            outer.extend(kept)
        warn_once(seen)  # outside catch_warnings, so pytest records them


def run_tour(ctx: CycleContext, parts: Sequence[tour.TourPart] = tour.PARTS) -> Finding | None:
    """The covering tour alone, its parts together (what a project test checks covers every
    reachable pair); the finding it stops on, if any, unshrunk. Its exchanges join the
    client's sink, if one is recording, in part order."""
    kept: list[Exchange] = []
    try:
        failed = _tour(ctx, parts, kept)
    finally:
        if ctx.scim.sink is not None:
            ctx.scim.sink.extend(kept)
    return None if failed is None else failed.error


def machine_for(ctx: CycleContext) -> type[EntraCycle]:
    """The state machine of one test (or one tour part): EntraCycle bound to `ctx`."""
    return cast(type[EntraCycle], type("EntraCycle", (EntraCycle,), {"ctx": ctx}))


def _tour(ctx: CycleContext, parts: Sequence[tour.TourPart], kept: list[Exchange]) -> Failed | None:
    """Run the tour's `parts` that apply to this endpoint and mapping together, each in its
    own machine and context (CycleContext.fork); then join their coverage into `ctx` and
    their exchanges into `kept` in part order, so the report reads the same however their
    answers raced. The first failing part in order is the failure (deterministic however
    many fail); a stop (a lost connection, a broken prerequisite) is raised the same way."""
    wanted = reachable(manager=ctx.manager, groups=ctx.groups)
    running = [p for p in parts if p.share(wanted)]  # a users-only endpoint: no group part
    forks = [ctx.fork() for _ in running]
    halt = threading.Event()  # one part stopped (see `guarded`): the others stop too
    replays = [
        functools.partial(_replay, machine_for(fork), fork, p.steps, halt)
        for p, fork in zip(running, forks, strict=True)
    ]
    try:
        results = together(ctx.scim, replays)
    finally:
        for fork in forks:
            ctx.coverage |= fork.coverage
            kept += [e for exchanges in fork.examples for e in exchanges]
            ctx.stopped = ctx.stopped or fork.stopped
        # Every part's steps, in part order (a failure shows its own part's, shrunk).
        ctx.log = "\n".join(f"{p.name}:\n{f.log}" for p, f in zip(running, forks, strict=True))
    return next((found for found in results if found is not None), None)


def _generate(
    machine: type[EntraCycle], ctx: CycleContext, name: str, options: PropertyOptions
) -> Failed | None:
    """Hypothesis's generated cycles (not shrunk by Hypothesis: see the module docstring)."""
    base = hypothesis_settings(options)
    bounded = settings(
        base, stateful_step_count=STEPS_PER_EXAMPLE, phases=(Phase.explicit, Phase.generate)
    )
    material = " ".join(filter(None, ("scim-conformance", name, options.seed)))
    test = seeded_machine_test(machine, bounded, material)
    ctx.examples.clear()
    try:
        test()
    except (ConformanceFailure, AdvisoryFinding) as exc:
        # Hypothesis replays the failing example last: the context holds its steps.
        return Failed(exc, ctx.trace, ctx.log, ctx.examples[-1] if ctx.examples else [], ctx)
    return None


def seeded_machine_test(
    machine: type[EntraCycle], bounded: settings, material: str
) -> Callable[..., None]:
    """The state machine as a Hypothesis test seeded with `material` (the test id, plus
    --scim-seed), so each test and seed draws its own cycles, the same on every run."""
    # The one name outside Hypothesis's documented API: `run_state_machine_as_test` runs
    # the test it builds at once, leaving no test function for `seed` to decorate, and
    # derandomize alone would hash that inner function, the same for every test. This is
    # the builder it calls (kept public for HypoFuzz), so the seed can be applied first.
    return cast(
        Callable[[], None], seed(material)(get_state_machine_test(machine, settings=bounded))
    )


def _replay(
    machine: type[EntraCycle],
    ctx: CycleContext,
    calls: Sequence[Call],
    halt: threading.Event | None = None,
) -> Failed | None:
    """Run these steps in a fresh example (steps whose precondition fails are skipped). Run
    together with other parts: end early (cleaning up all the same) on an interrupt, or when
    another part stopped on a lost connection or a blocked prerequisite (`halt`), which the
    server, not the data, decides: that stop is what the test reports."""
    cycle = machine()
    try:
        for step, arguments in calls:
            if interrupted(ctx.scim):
                raise KeyboardInterrupt  # the run's interrupt, met in this part's thread
            if halt is not None and halt.is_set():
                break
            if applicable(cycle, step):
                getattr(cycle, step)(**arguments)
    except (ConformanceFailure, AdvisoryFinding) as exc:
        error: Finding | None = exc
    except (TransportFailure, Blocked):
        if halt is not None:
            halt.set()
        raise
    else:
        error = None
    finally:
        cycle.teardown()
    if error is None:
        return None
    return Failed(error, ctx.trace, ctx.log, ctx.examples[-1], ctx)


def _shrink(failed: Failed) -> Failed:
    """A shorter cycle breaking the same rule on the same kind of request, if one is found
    (replayed one by one, in the failing part's own machine and context)."""
    wanted = failed.key()
    machine, ctx = machine_for(failed.ctx), failed.ctx

    def still(calls: list[Call]) -> Failed | None:
        found = _replay(machine, ctx, calls)
        return found if found is not None and found.key() == wanted else None

    best = failed
    if len(best.trace) > 2:  # the initial cycle and the failing step alone, first
        best = still([best.trace[0], best.trace[-1]]) or best
    index = len(best.trace) - 2
    while index >= 1:
        shorter = still(best.trace[:index] + best.trace[index + 1 :])
        best = shorter or best
        index = min(index, len(best.trace) - 1) - 1
    return best


def _show_cycle(failed: Failed, seed_text: str | None) -> None:
    """Put the shortest failing cycle, as Entra's requests, into the failure message."""
    error = failed.error
    again = f" with --scim-seed={seed_text}" if seed_text else ""
    steps = "\n".join("    " + line for line in failed.log.splitlines())
    shown = f"  {FALSIFYING}: the shortest failing cycle, as the Entra requests to replay:"
    note = f"  (sent again by every run of this suite{again})"
    error.args = (f"{error.args[0]}\n{shown}\n{steps}\n{note}", *error.args[1:])
