"""Entra's incremental cycles as a Hypothesis state machine, checked against a model.

Every fixed check acts once on a fresh, empty resource; Entra spends its life on populated
ones. Each example starts with Entra's initial cycle (matching queries, creates, a group
with members) and then takes bounded, derandomised steps of its incremental cycles in the
dialect under test: attribute updates (`Add` for a value that had none) and clears,
userName renames matched on the new name, manager set/change/remove, members added and
removed (one or several per request, adds and removes in one, a member added again),
group renames, deactivate/reactivate (and a reactivation with attribute changes in one
PATCH), deletes, re-creates of a deleted userName and group deletes (their member users
survive). Each step records the state classes it starts from (coverage.py) and is sent in
one of Entra's spellings for it (properties/spellings.py). After each step the endpoint is
read back as Entra reads it (readback.py); everything an example creates is deleted when
it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import expect_status
from scim_conformance.checks.steps import acceptance_rule
from scim_conformance.properties import spellings
from scim_conformance.properties.cycles import readback as check
from scim_conformance.properties.cycles.base import CycleBase, Pick, guarded
from scim_conformance.properties.cycles.coverage import group_classes, user_classes
from scim_conformance.variants import titled

MAX_USERS, MAX_GROUPS = 5, 2
PICK = st.integers(min_value=0, max_value=7)  # an index in creation order, modulo the count
SOME = st.integers(min_value=1, max_value=2)  # members per request: one, or several
SPELLING = st.integers(min_value=0, max_value=5)  # a step's request variant, modulo its count
UPDATABLE = ("displayName", "name.familyName", "title")  # title: created without, so `Add`
CLEARABLE = "title"

F = TypeVar("F", bound=Callable[..., None])
Condition = Callable[[Any], Any]
# Each step's precondition by the step's name, where a replay of a fixed cycle (the tour,
# a shorter cycle while shrinking) reads it: Hypothesis keeps its own out of sight.
CONDITIONS: dict[str, Condition] = {}


def when(condition: Condition) -> Callable[[F], F]:
    """Hypothesis's `precondition` for a step, also kept in CONDITIONS for replays."""

    def mark(step: F) -> F:
        CONDITIONS[step.__name__] = condition
        return precondition(condition)(step)

    return mark


def applicable(cycle: CycleBase, step: str) -> bool:
    """Whether a step may run now, as Hypothesis would decide (its precondition holds)."""
    condition = CONDITIONS.get(step)
    return condition is None or bool(condition(cycle))


class EntraCycle(CycleBase):
    """Entra's actions on a small directory, as its sync engine sends them."""

    @initialize()
    @guarded
    def initial_cycle(self) -> None:
        """Entra's first cycle: users matched and created, then a group with two members."""
        self.create_first(3, 2 if self.ctx.groups else None)

    # Users -----------------------------------------------------------------------------------

    @when(lambda self: len(self.model.users) < MAX_USERS)
    @rule()
    @guarded
    def new_user(self) -> None:
        """A user newly in scope."""
        self.create_user()

    @when(lambda self: self.model.deleted_names and len(self.model.users) < MAX_USERS)
    @rule(pick=PICK)
    @guarded
    def recreate_user(self, pick: int) -> None:
        """A deleted userName provisioned again (a new user with the old name)."""
        names = self.model.deleted_names
        self.create_user(names[pick % len(names)])

    @when(lambda self: self.model.users)
    @rule(pick=PICK, which=PICK)
    @guarded
    def update_user(self, pick: Pick, which: int) -> None:
        """An incremental attribute update; `Add` when the attribute had no value."""
        updates = [path for path in UPDATABLE if self.ctx.profile.maps(path)]
        user = self.user(list(self.model.users), pick)
        if not updates or user is None:
            return
        self.cover("update", user_classes(self.model, user))
        path = updates[which % len(updates)]
        added = set() if path in user.values else {path}
        title = self.begin(f"{'add' if added else 'change'} {path} of {user.label}")
        value = f"{self.ctx.namer.run_prefix} {path.split('.')[-1]} {len(self.steps)}"
        ops = self.entra.update({path: value}, added)
        response = self.patch(f"/Users/{user.id}", ops, title, acceptance_rule(ops))
        user.values[path] = value
        check.expect_user(self.scim, user, title, response, rules.PATCH_APPLIED)

    @when(lambda self: any(CLEARABLE in u.values for u in self.model.users.values()))
    @rule(pick=PICK, spelling=SPELLING)
    @guarded
    def clear_attribute(self, pick: Pick, spelling: int | str = 0) -> None:
        """An attribute cleared: `replace` with null or "" (by dialect), or removed by path."""
        user = self.user([i for i, u in self.model.users.items() if CLEARABLE in u.values], pick)
        if user is None:
            return
        self.cover("clear", user_classes(self.model, user))
        how = spellings.pick(spellings.CLEAR, self.ctx.dialect, spelling)
        title = how.title(self.ctx.dialect, self.begin(f"clear {CLEARABLE} of {user.label}"))
        ops = how.build(self.entra, CLEARABLE)
        response = self.patch(f"/Users/{user.id}", ops, title, rules.PATCH_CLEAR_ATTRIBUTE)
        del user.values[CLEARABLE]
        check.expect_user(self.scim, user, title, response, how.rule)

    @when(lambda self: any(u.active for u in self.model.users.values()))
    @rule(pick=PICK)
    @guarded
    def rename_user(self, pick: Pick) -> None:
        """A userName (UPN) change, then Entra matches on the new name."""
        user = self.user([i for i, u in self.model.users.items() if u.active], pick)
        if user is None:
            return
        self.cover("rename", user_classes(self.model, user))
        title = self.begin(f"rename {user.label} (userName), then match on the new name")
        new_name = self.ctx.namer.user().user_name
        ops = self.entra.update({"userName": new_name})
        response = self.patch(f"/Users/{user.id}", ops, title, rules.PATCH_STATUS)
        user.user_name, user.renamed = new_name, True
        check.expect_user(self.scim, user, title, response, rules.PATCH_APPLIED)
        check.expect_user_match(self.scim, user, title, response)

    @when(lambda self: self.ctx.manager and len(self.model.users) >= 2)
    @rule(pick=PICK, boss=PICK)
    @guarded
    def set_manager(self, pick: Pick, boss: Pick, spelling: int = 0) -> None:
        """Set or change a manager: the bare id string with `Add`/`add` (a change `Replace`)."""
        report = self.user(list(self.model.users), pick)
        if report is None:
            return
        others = [i for i in self.model.users if i not in (report.id, report.manager)]
        manager = self.user(others, boss)
        if manager is None:
            return
        change = report.manager is not None
        self.cover("change manager" if change else "set manager", user_classes(self.model, report))
        title = self.begin(f"{'change' if change else 'set'} the manager of {report.label}")
        ops = self.entra.set_manager_string(manager.id, change=change)
        if change and self.legacy:
            title = titled("manager-change-replace", self.ctx.dialect, title)
        response = self.patch(f"/Users/{report.id}", ops, title, rules.MANAGER_SET)
        report.manager = manager.id
        check.expect_user(self.scim, report, title, response, rules.PATCH_APPLIED)

    @when(lambda self: any(u.manager for u in self.model.users.values()))
    @rule(pick=PICK, spelling=SPELLING)
    @guarded
    def unset_manager(self, pick: Pick, spelling: int | str = 0) -> None:
        """Remove a manager, in each shape Entra is seen removing one with."""
        report = self.user([i for i, u in self.model.users.items() if u.manager], pick)
        if report is None:
            return
        self.cover("remove manager", user_classes(self.model, report))
        how = spellings.pick(spellings.UNSET_MANAGER, self.ctx.dialect, spelling)
        title = how.title(self.ctx.dialect, self.begin(f"remove the manager of {report.label}"))
        ops = how.build(self.entra, str(report.manager))
        response = self.patch(f"/Users/{report.id}", ops, title, rules.MANAGER_REMOVE)
        report.manager = None
        check.expect_user(self.scim, report, title, response, how.rule)

    @when(lambda self: self.model.users)
    @rule(pick=PICK, spelling=SPELLING)
    @guarded
    def flip_active(self, pick: Pick, spelling: int | str = 0) -> None:
        """Deactivate (soft delete) an active user, or reactivate an inactive one."""
        user = self.user(list(self.model.users), pick)
        if user is None:
            return
        self.cover("deactivate" if user.active else "reactivate", user_classes(self.model, user))
        how = spellings.pick(spellings.ACTIVE, self.ctx.dialect, spelling)
        verb = "deactivate" if user.active else "reactivate"
        title = how.title(self.ctx.dialect, self.begin(f"{verb} {user.label}"))
        ops = how.build(self.entra, not user.active)
        response = self.patch(f"/Users/{user.id}", ops, title, rules.PATCH_STATUS)
        user.active = not user.active
        check.expect_user(self.scim, user, title, response, how.rule)
        # As test_deactivate_keeps_user_readable: one defect, one finding.
        check.expect_user_match(self.scim, user, title, None, rules.SOFT_DELETE_READABLE)

    @when(lambda self: any(not u.active for u in self.model.users.values()))
    @rule(pick=PICK)
    @guarded
    def reactivate_changed(self, pick: Pick) -> None:
        """A user back in scope with changed attributes: the reactivation and the changes in
        one PATCH, as Entra sends every change of a user at once."""
        user = self.user([i for i, u in self.model.users.items() if not u.active], pick)
        if user is None:
            return
        self.cover("reactivate + changes", user_classes(self.model, user))
        how = spellings.REACTIVATE_CHANGED
        title = self.begin(f"reactivate {user.label} with a changed displayName")
        title = how.title(self.ctx.dialect, title)
        changes = {}
        if self.ctx.profile.maps("displayName"):
            changes["displayName"] = f"{self.ctx.namer.run_prefix} back {len(self.steps)}"
        ops = how.build(self.entra, changes)
        response = self.patch(f"/Users/{user.id}", ops, title, rules.PATCH_STATUS)
        user.active = True
        user.values.update(changes)
        check.expect_user(self.scim, user, title, response, how.rule)

    @when(lambda self: set(self.model.users) - self.model.managers())
    @rule(pick=PICK)
    @guarded
    def delete_user(self, pick: Pick) -> None:
        """Hard delete of a user that manages nobody; its groups no longer count it."""
        user = self.user([i for i in self.model.users if i not in self.model.managers()], pick)
        if user is None:
            return
        self.cover("delete", user_classes(self.model, user))
        title = self.begin(f"delete {user.label}")
        response = self.sent(self.scim.delete(f"/Users/{user.id}"))
        expect_status(response, {200, 202, 204}, title, rule=rules.DELETE_ACCEPTED)
        del self.model.users[user.id]
        after = self.scim.get(f"/Users/{user.id}")
        gone = f"{title}: the deleted user can still be read"
        expect_status(after, {404}, gone, rule=rules.DELETE_APPLIED, cause=response)
        for group in self.model.groups.values():
            if user.id in group.members:
                group.lost.add(user.id)
            group.members.discard(user.id)
        self.model.deleted_names.append(user.user_name)

    # Groups ----------------------------------------------------------------------------------

    @when(lambda self: self.ctx.groups and len(self.model.groups) < MAX_GROUPS)
    @rule()
    @guarded
    def new_group(self) -> None:
        """A group newly in scope, created and given its first member."""
        self.create_group(1)

    @when(lambda self: self.model.groups)
    @rule(
        pick=PICK,
        mode=st.sampled_from(("add", "remove", "both")),
        count=SOME,
        leaving=SOME,
        spelling=SPELLING,
    )
    @guarded
    def members(
        self, pick: Pick, mode: str, count: int = 1, leaving: int = 1, spelling: int | str = 0
    ) -> None:
        """Members join or leave a group: adds, removes, or both in one request."""
        group = self.group(pick)
        if group is None:
            return
        outside = [i for i in self.model.users if i not in group.members]
        inside = [i for i in self.model.users if i in group.members]
        add = outside[:count] if mode != "remove" or not inside else []
        remove = inside[:leaving] if mode != "add" or not add else []
        if add or remove:
            self.change_members(group, add, remove, spelling)

    @when(lambda self: any(g.members for g in self.model.groups.values()))
    @rule(pick=PICK, who=PICK)
    @guarded
    def readd_member(self, pick: Pick, who: Pick) -> None:
        """A member added again, as Entra re-sends adds after a restart or a retry."""
        group = self.group(pick)
        if group is None:
            return
        member = self.user([i for i in self.model.users if i in group.members], who)
        if member is not None:
            self.change_members(group, [member.id], [], step="re-add")

    @when(lambda self: self.model.groups)
    @rule(pick=PICK)
    @guarded
    def rename_group(self, pick: Pick) -> None:
        """A group rename: members stay, and Entra matches the group by its new name."""
        group = self.group(pick)
        if group is None or not self.ctx.profile.maps_group("displayName"):
            return
        self.cover("rename", group_classes(group))
        title = self.begin(f"rename {group.label}, which has {len(group.members)} member(s)")
        new_name = self.ctx.namer.group_name()
        ops = self.entra.rename_group({"displayName": new_name})
        response = self.patch(f"/Groups/{group.id}", ops, title, rules.PATCH_STATUS)
        group.display_name, group.renamed = new_name, True
        check.expect_group_match(self.scim, group, title, response)
        rule_ = rules.GROUP_RENAME_KEEPS_MEMBERS
        check.expect_members(self.scim, self.model, group, title, response, rule=rule_)

    @when(lambda self: self.model.groups)
    @rule(pick=PICK)
    @guarded
    def delete_group(self, pick: Pick) -> None:
        """A group deleted: it is gone, and every member user is still there."""
        group = self.group(pick)
        if group is None:
            return
        self.cover("delete", group_classes(group))
        title = self.begin(f"delete {group.label}, which has {len(group.members)} member(s)")
        response = self.sent(self.scim.delete(f"/Groups/{group.id}"))
        expect_status(response, {200, 202, 204}, title, rule=rules.DELETE_ACCEPTED)
        del self.model.groups[group.id]
        after = self.scim.get(f"/Groups/{group.id}")
        gone = f"{title}: the deleted group can still be read"
        expect_status(after, {404}, gone, rule=rules.DELETE_APPLIED, cause=response)
        for user_id in sorted(group.members, key=list(self.model.users).index):
            read = self.scim.get(f"/Users/{user_id}")
            lost = f"{title}: member {self.model.labels[user_id]} was deleted with it"
            expect_status(read, {200}, lost, rule=rules.GROUP_DELETE_KEEPS_USERS, cause=response)
