"""The covering tour of the directory's state space (coverage.py), in independent parts.

The tour takes every step Entra can take from every class of state, each spelling of a step
in turn, in an order Entra's cycles could take. It is split into parts that share nothing:
each part is a whole tour of its own from an empty directory (it starts with Entra's initial
cycle, so its users and groups are its own) and owns a share of the reachable pairs, the
pairs of its classes. Parts are independent units: pytest-xdist workers run them as separate
tests, and one process runs them together (driver.py), so the longest chain of dependent
requests is a part's, not the whole tour's.

`tests/properties/test_cycles.py` checks that each part exercises its whole share, and the
parts together every reachable pair, on a full mapping and on a users-only endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim_conformance.properties.cycles.base import Call
from scim_conformance.properties.cycles.coverage import GROUP_CLASSES, USER_CLASSES, Pair

# After the initial cycle the users are u1..u3 and the group g1 (members u1, u2); steps
# name their user or group by label. Each comment says which pair the step exists for.

# Members, re-adds, group renames, a member deleted while in its groups, group deletes.
GROUP_STEPS: tuple[Call, ...] = (
    ("initial_cycle", {}),  # g1: add several to an empty group
    ("new_group", {}),  # g2 with u1: add to an empty group
    ("members", {"pick": "g2", "mode": "add", "count": 1}),  # g2: u1, u2
    ("members", {"pick": "g1", "mode": "add", "count": 1}),  # g1: u1, u2, u3
    ("readd_member", {"pick": "g1", "who": "u1"}),  # u1 added again to several
    ("members", {"pick": "g1", "mode": "remove", "leaving": 1}),  # u1 out (re-added)
    ("members", {"pick": "g2", "mode": "both", "count": 1, "leaving": 1}),  # u3 in, u1 out
    ("members", {"pick": "g2", "mode": "remove", "leaving": 1, "spelling": 1}),  # g2: u3
    ("readd_member", {"pick": "g2", "who": "u3"}),  # u3 added again to one
    ("rename_group", {"pick": "g2"}),  # one member, re-added
    ("members", {"pick": "g2", "mode": "both", "count": 1, "leaving": 1}),  # u1 in, u3 out
    ("members", {"pick": "g2", "mode": "remove", "leaving": 1}),  # renamed g2 emptied
    ("rename_group", {"pick": "g2"}),  # empty, renamed
    ("members", {"pick": "g2", "mode": "add", "count": 1}),  # renamed: u1
    ("members", {"pick": "g2", "mode": "add", "count": 2}),  # g2: u1, u2, u3
    ("rename_group", {"pick": "g1"}),  # several members (u2, u3)
    ("delete_user", {"pick": "u3"}),  # in g1 and g2: a member deleted while in them
    ("members", {"pick": "g1", "mode": "add", "count": 1}),  # a member was deleted in it
    ("rename_group", {"pick": "g1"}),  # ... and renamed
    ("delete_group", {"pick": "g2"}),  # several members, one deleted while in it
    ("members", {"pick": "g1", "mode": "remove", "leaving": 2}),
    ("delete_group", {"pick": "g1"}),  # empty
)

# Updates, clears, renames, the manager, deactivate/reactivate, deletes and a re-create;
# u1 and u2 are in g1 (where the endpoint has groups), so every step meets a user in a group.
USER_STEPS: tuple[Call, ...] = (
    ("initial_cycle", {}),
    ("update_user", {"pick": "u1", "which": 2}),  # add a title u1 had none of
    ("clear_attribute", {"pick": "u1"}),
    ("rename_user", {"pick": "u2"}),
    ("rename_user", {"pick": "u2"}),  # renamed again
    ("update_user", {"pick": "u2", "which": 2}),
    ("clear_attribute", {"pick": "u2", "spelling": 1}),
    ("set_manager", {"pick": "u1", "boss": "u3"}),
    ("set_manager", {"pick": "u1", "boss": "u2"}),  # changed
    ("update_user", {"pick": "u1", "which": 0}),
    ("rename_user", {"pick": "u1"}),
    ("flip_active", {"pick": "u1"}),  # deactivate: renamed, with manager, in a group
    ("set_manager", {"pick": "u1", "boss": "u3"}),  # changed while deactivated
    ("unset_manager", {"pick": "u1"}),
    ("set_manager", {"pick": "u1", "boss": "u2", "spelling": 1}),  # set while deactivated
    ("flip_active", {"pick": "u1", "spelling": 1}),  # reactivate
    ("unset_manager", {"pick": "u1", "spelling": 1}),
    ("flip_active", {"pick": "u3"}),  # deactivate: without manager
    ("update_user", {"pick": "u3", "which": 2}),  # deactivated
    ("clear_attribute", {"pick": "u3"}),  # deactivated
    ("flip_active", {"pick": "u3", "spelling": 1}),  # reactivate: without manager
    ("flip_active", {"pick": "u2", "spelling": 1}),  # deactivate: renamed
    ("reactivate_changed", {"pick": "u2"}),
    ("delete_user", {"pick": "u2"}),  # active, renamed, in g1
    ("recreate_user", {"pick": 0}),  # u2's userName: u4
    ("update_user", {"pick": "u4", "which": 1}),
    ("rename_user", {"pick": "u4"}),
    ("set_manager", {"pick": "u4", "boss": "u1", "spelling": 2}),
    ("flip_active", {"pick": "u4"}),  # deactivate: re-created, with manager
    ("unset_manager", {"pick": "u4", "spelling": 2}),
    ("set_manager", {"pick": "u4", "boss": "u1"}),
    ("delete_user", {"pick": "u4"}),  # deactivated, re-created, renamed, with manager
)


@dataclass(frozen=True)
class TourPart:
    """One independent part of the tour: its name (the test id under pytest-xdist), its
    steps, and its share of the reachable pairs (those of its classes)."""

    name: str
    steps: tuple[Call, ...]
    classes: frozenset[str]
    kind: str  # "group" or "user": what its share is, in the coverage table

    def share(self, reachable: set[Pair]) -> set[Pair]:
        """The reachable pairs this part must exercise (possibly none: a users-only
        endpoint takes no group steps, and the group part then does not run)."""
        return {pair for pair in reachable if pair[0] in self.classes}


GROUPS = TourPart("tour-groups", GROUP_STEPS, frozenset(GROUP_CLASSES), "group")
USERS = TourPart("tour-users", USER_STEPS, frozenset(USER_CLASSES), "user")
# In this order a run reports the first failing part, and joins their transcripts.
PARTS: tuple[TourPart, ...] = (GROUPS, USERS)
