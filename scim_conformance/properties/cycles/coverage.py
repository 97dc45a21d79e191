"""The directory's state space as the cycles cover it: the classes of state a server must
handle (a deactivated user, a renamed group, a member added again, ...), Entra's steps,
which step Entra can take from which class, and the table of the pairs a run exercised.

A pair (class, step) is exercised when a step acts on a user or group that is in that
class as the step starts (a user is in several classes at once: renamed, with a manager and
in a group). `reachable()` is the set the fixed tour must cover (a project test runs it; each
part of the tour, tour.py, covers its share); the cycle test puts the table of what its run
exercised into its report.
"""

from __future__ import annotations

from collections.abc import Iterable

from scim_conformance.properties.cycles.model import Directory, ModelGroup, ModelUser

Pair = tuple[str, str]  # (state class, step)

# Users ---------------------------------------------------------------------------------------
ACTIVE, DEACTIVATED, RENAMED, RECREATED = "active", "deactivated", "renamed", "re-created"
WITH_MANAGER, WITHOUT_MANAGER = "with manager", "without manager"
IN_GROUP, DELETED = "in a group", "deleted (its userName)"
USER_CLASSES: tuple[str, ...] = (ACTIVE, DEACTIVATED, RENAMED, RECREATED, WITH_MANAGER)
USER_CLASSES += (WITHOUT_MANAGER, IN_GROUP, DELETED)

# Groups --------------------------------------------------------------------------------------
EMPTY, ONE, SEVERAL, GROUP_RENAMED = "empty", "one member", "several members", "renamed group"
READDED = "a member added again"  # Entra re-sends adds after a restart or a retry
LOST_MEMBER = "a member deleted while in it"
GROUP_CLASSES = (EMPTY, ONE, SEVERAL, GROUP_RENAMED, READDED, LOST_MEMBER)

MANAGER_CLASSES = {WITH_MANAGER}
GROUP_ONLY_CLASSES = {IN_GROUP, *GROUP_CLASSES}

# Steps, and the classes Entra can take each from. Renames start from an active user: a
# userName changed while inactive is what Webex itself does (Webex Help Center), so the
# read-back could not tell the two apart. A manager is set on users without one.
ANY_USER = (ACTIVE, DEACTIVATED, RENAMED, RECREATED, WITH_MANAGER, WITHOUT_MANAGER, IN_GROUP)
LIVE_USER = (ACTIVE, RENAMED, RECREATED, WITH_MANAGER, WITHOUT_MANAGER, IN_GROUP)
USER_STEPS: dict[str, tuple[str, ...]] = {
    "update": ANY_USER,
    "clear": (ACTIVE, DEACTIVATED, RENAMED),
    "rename": LIVE_USER,
    "set manager": (ACTIVE, DEACTIVATED, RENAMED, RECREATED, WITHOUT_MANAGER),
    "change manager": (ACTIVE, DEACTIVATED, WITH_MANAGER),
    "remove manager": (ACTIVE, DEACTIVATED, WITH_MANAGER),
    "deactivate": LIVE_USER,
    "reactivate": (DEACTIVATED, WITH_MANAGER, WITHOUT_MANAGER, IN_GROUP),
    "reactivate + changes": (DEACTIVATED, RENAMED, WITHOUT_MANAGER),
    "delete": ANY_USER,
    "re-create": (DELETED,),
}
GROUP_STEPS: dict[str, tuple[str, ...]] = {
    "add": (EMPTY, ONE, SEVERAL, GROUP_RENAMED, LOST_MEMBER),
    "add several": (EMPTY, ONE),
    "remove": (ONE, SEVERAL, GROUP_RENAMED, READDED),
    "add + remove": (ONE, SEVERAL),
    "re-add": (ONE, SEVERAL),
    "rename": (EMPTY, ONE, SEVERAL, GROUP_RENAMED, READDED, LOST_MEMBER),
    "delete": (EMPTY, SEVERAL, LOST_MEMBER),
}
MANAGER_STEPS = {"set manager", "change manager", "remove manager"}


def reachable(*, manager: bool, groups: bool) -> set[Pair]:
    """Every pair Entra can take on this endpoint and mapping (manager, groups)."""
    pairs = {(c, step) for step, classes in USER_STEPS.items() for c in classes}
    pairs |= {(c, step) for step, classes in GROUP_STEPS.items() for c in classes}
    if not manager:
        pairs = {(c, s) for c, s in pairs if c not in MANAGER_CLASSES and s not in MANAGER_STEPS}
    if not groups:
        pairs = {(c, s) for c, s in pairs if c not in GROUP_ONLY_CLASSES and s not in GROUP_STEPS}
    return pairs


def user_classes(directory: Directory, user: ModelUser) -> set[str]:
    """The classes a user is in, as a step starts."""
    classes = {ACTIVE if user.active else DEACTIVATED}
    classes |= {RENAMED} if user.renamed else set()
    classes |= {RECREATED} if user.recreated else set()
    classes.add(WITH_MANAGER if user.manager is not None else WITHOUT_MANAGER)
    if any(user.id in group.members for group in directory.groups.values()):
        classes.add(IN_GROUP)
    return classes


def group_classes(group: ModelGroup) -> set[str]:
    """The classes a group is in, as a step starts."""
    count = len(group.members)
    classes = {EMPTY if count == 0 else ONE if count == 1 else SEVERAL}
    classes |= {GROUP_RENAMED} if group.renamed else set()
    classes |= {READDED} if group.readded & group.members else set()
    classes |= {LOST_MEMBER} if group.lost else set()
    return classes


def pairs(classes: Iterable[str], step: str) -> set[Pair]:
    """The pairs one step exercises."""
    return {(c, step) for c in classes}


def table(exercised: set[Pair], wanted: set[Pair], scope: str | None = None) -> str:
    """State class by step: `x` exercised, `-` reachable but never exercised, blank where
    Entra cannot take the step (or the endpoint and mapping rule it out). `scope`: this test
    runs one part of the cycles (pytest-xdist), and `wanted` is that part's share; it says
    so, so a pair left to another part is not read as never exercised."""
    lines = [scope, ""] if scope else []
    for kind, classes, steps in (
        ("user", USER_CLASSES, USER_STEPS),
        ("group", GROUP_CLASSES, GROUP_STEPS),
    ):
        shown = [s for s in steps if any((c, s) in wanted | exercised for c in classes)]
        if not shown:
            continue
        width = max(len(c) for c in classes) + 2
        lines.append(f"{kind + ' class':<{width}}" + " | ".join(shown))
        for c in classes:
            cells = []
            for s in shown:
                mark = "x" if (c, s) in exercised else "-" if (c, s) in wanted else ""
                cells.append(f"{mark:^{len(s)}}")
            lines.append(f"{c:<{width}}" + " | ".join(cells))
        lines.append("")
    missing = sorted(wanted - exercised)
    done = len(wanted & exercised)
    of = "pairs of this test's share" if scope else "reachable pairs"
    lines.append(f"{done} of {len(wanted)} {of} exercised")
    if missing:
        never = "not exercised by this test" if scope else "never exercised"
        lines.append(f"{never}: " + "; ".join(f"{c} / {s}" for c, s in missing))
    return "\n".join(lines)
