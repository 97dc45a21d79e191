"""Under pytest-xdist the long chains of requests start first, one per worker
(plugin/xdist_order.py), judged against xdist's own worksteal scheduler."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from scim_conformance.plugin.xdist_order import (
    LONG,
    LONGER_THAN_MOST,
    LONGEST,
    longest_first,
    slices,
    weight,
)

xdist_scheduler = pytest.importorskip("xdist.scheduler")


class FakeWorker:
    """What the scheduler needs of a worker: what it was sent, in order."""

    shutting_down = False

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def first_hand_out(collection: list[str], workers: int) -> list[list[int]]:
    """What worksteal sends each worker when the run starts (indices into `collection`)."""
    config: Any = SimpleNamespace(getvalue=lambda name: [f"{workers}*popen"])
    scheduler = xdist_scheduler.WorkStealingScheduling(config)
    nodes = [FakeWorker(f"gw{index}") for index in range(workers)]
    for node in nodes:
        scheduler.add_node(node)
    for node in nodes:
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    return [node.sent for node in nodes]


@pytest.mark.parametrize(("count", "workers"), [(133, 8), (131, 8), (20, 3), (9, 2), (8, 8)])
def test_slices_are_what_worksteal_hands_out(count: int, workers: int) -> None:
    sent = first_hand_out([f"t{i}" for i in range(count)], workers)
    assert [len(indices) for indices in sent] == slices(count, workers)


def suite_like(count: int) -> list[int]:
    """Weights laid out as the suite collects them: the cycle tests together, the property
    tests together (two of them, per dialect, the longest), the rest short."""
    weights = [0] * count
    for index in range(10, 16):
        weights[index] = LONG
    for index in range(70, 76):
        weights[index] = LONGER_THAN_MOST
    weights[74] = weights[75] = LONGEST
    return weights


def test_every_worker_starts_on_a_long_chain_and_none_gets_two_before_all_have_one() -> None:
    weights = suite_like(131)
    items = [f"t{i}" for i in range(131)]
    ordered = longest_first(items, weights, 8)
    sent = first_hand_out(ordered, 8)
    firsts = [weights[int(ordered[indices[0]][1:])] for indices in sent]
    assert all(first > 0 for first in firsts), firsts
    assert sorted(firsts, reverse=True)[:2] == [LONGEST, LONGEST]
    long_per_worker = [sum(weights[int(ordered[i][1:])] > 0 for i in indices) for indices in sent]
    assert max(long_per_worker) - min(long_per_worker) <= 1
    # The longest chains share no worker with another long one.
    for indices in sent:
        held = [weights[int(ordered[i][1:])] for i in indices if weights[int(ordered[i][1:])]]
        assert LONGEST not in held or len(held) == 1, held


def test_reordering_keeps_every_test_once_and_the_short_ones_in_order() -> None:
    weights = suite_like(131)
    items = list(range(131))
    ordered = longest_first(items, weights, 8)
    assert sorted(ordered) == items
    short = [item for item in ordered if weights[item] == 0]
    assert short == [item for item in items if weights[item] == 0]


def test_without_long_tests_the_order_is_unchanged() -> None:
    items = list(range(40))
    assert longest_first(items, [0] * 40, 4) == items


def marked(*names: str) -> Any:
    """A stand-in for a collected test carrying these markers."""
    return SimpleNamespace(
        get_closest_marker=lambda name: SimpleNamespace(name=name) if name in names else None
    )


@pytest.mark.parametrize(
    ("markers", "expected"),
    [
        (("cycles", "dialect_specific"), LONG),
        (("properties", "dialect_specific"), LONGEST),
        (("properties",), LONGER_THAN_MOST),
        (("update", "dialect_specific"), 0),
        ((), 0),
    ],
)
def test_weight_follows_the_markers(markers: tuple[str, ...], expected: int) -> None:
    assert weight(marked(*markers)) == expected
