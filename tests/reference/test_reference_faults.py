"""Each fault of the reference server changes exactly the behaviour it names, seen over real
HTTP on 127.0.0.1 (what the suite makes of each fault: the table in support/variants.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from scim_conformance.reference import Fault, ReferenceApp, serve
from support.fault_probes import FAULT_PROBES, Probe
from support.reference_http import TOKEN, client_for


@pytest.fixture(scope="module")
def fault_clients() -> Iterator[Callable[[tuple[Fault, ...]], httpx.Client]]:
    """Start (once) a fresh server per fault set; all are stopped at the end of the module."""
    started: dict[tuple[Fault, ...], httpx.Client] = {}
    with ExitStack() as stack:

        def get(faults: tuple[Fault, ...]) -> httpx.Client:
            if faults not in started:
                running = stack.enter_context(serve(ReferenceApp(TOKEN, faults=faults)))
                started[faults] = stack.enter_context(client_for(running))
            return started[faults]

        yield get


def test_every_fault_has_a_probe() -> None:
    assert [f for f, *_ in FAULT_PROBES] == list(Fault)


@pytest.mark.parametrize(
    ("fault", "probe", "good", "bad"), FAULT_PROBES, ids=[f.value for f, *_ in FAULT_PROBES]
)
def test_fault_changes_the_behaviour_it_names(
    fault_clients: Callable[[tuple[Fault, ...]], httpx.Client],
    fault: Fault,
    probe: Probe,
    good: Any,
    bad: Any,
) -> None:
    assert probe(fault_clients(())) == good
    assert probe(fault_clients((fault,))) == bad
