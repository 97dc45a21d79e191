"""Under pytest-xdist, the longest chains of requests start first, one per worker.

Against a slow tenant a test's time is its number of dependent requests, and a few tests
(the cycle tours, the PATCH-sequence properties) hold ten to twenty times more than the
others. xdist's worksteal (the suite's scheduling, plugin/hooks.py) first hands each worker
an equal slice of the collection in its order, and idle workers later take the *count* of
tests from the busiest, not their length; so when long tests sit together in the
collection, two of them queue on one worker and the run waits for it at the end.

Every worker collects the same tests, so each reorders its collection the same way: the
long tests, longest first, each to the slice with the least long work so far, at the front
of that slice; the other tests keep their order. A different scheduling (a --dist of the
user's) gets a harmless order; only the run's speed depends on the slicing matching.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import pytest

T = TypeVar("T")

# Relative length of a test's chain of dependent requests (measured at 150 ms per request:
# a PATCH-sequence property 14 s, a cycle test 9-13 s, another property 5 s, most tests <1.5 s).
LONGEST, LONG, LONGER_THAN_MOST = 3, 2, 1


def weight(item: pytest.Item) -> int:
    """How long the test's chain of requests is, roughly: 0 for most tests."""
    if item.get_closest_marker("cycles") is not None:
        return LONG
    if item.get_closest_marker("properties") is not None:
        dialects = item.get_closest_marker("dialect_specific") is not None
        return LONGEST if dialects else LONGER_THAN_MOST
    return 0


def slices(count: int, workers: int) -> list[int]:
    """The sizes of the slices worksteal first hands out: the rest divided by the workers
    still without one, in turn (xdist's `check_schedule`)."""
    sizes: list[int] = []
    for index in range(workers):
        size = (count - sum(sizes)) // (workers - index)
        sizes.append(size)
    return sizes


def longest_first(items: Sequence[T], weights: Sequence[int], workers: int) -> list[T]:
    """`items` reordered so each of the `workers` slices starts with its share of the long
    tests (weight > 0), longest first, given to the slice with the least long work so far;
    the other tests fill the slices in their order."""
    sizes = slices(len(items), workers)
    heads: list[list[int]] = [[] for _ in sizes]
    load = [0] * len(sizes)
    long = sorted((i for i, w in enumerate(weights) if w > 0), key=lambda i: -weights[i])
    for index in long:
        open_slices = [s for s, size in enumerate(sizes) if len(heads[s]) < size]
        if not open_slices:
            break
        chosen = min(open_slices, key=lambda s: (load[s], s))
        heads[chosen].append(index)
        load[chosen] += weights[index]
    placed = {index for head in heads for index in head}
    rest = iter(i for i in range(len(items)) if i not in placed)
    order: list[int] = []
    for head, size in zip(heads, sizes, strict=True):
        order += head
        order += [next(rest) for _ in range(size - len(head))]
    order += list(rest)  # none when the slices add up to the count, as they do
    return [items[index] for index in order]


def reorder_for_workers(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a pytest-xdist worker of an xdist run with more than one worker: the long
    chains first (see the module docstring). Anywhere else: nothing."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return
    workers = int(workerinput.get("workercount", 1))
    if workers > 1 and len(items) >= workers:
        items[:] = longest_first(items, [weight(item) for item in items], workers)
