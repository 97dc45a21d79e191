"""The bookkeeping of an Entra cycle: its context, its steps and their requests, cleanup
after every example, and the creates and member changes several steps share."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar

from hypothesis.stateful import RuleBasedStateMachine

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import created_id, describe, expect_status
from scim_conformance.checks.failures import Blocked, block, fail, report
from scim_conformance.checks.rules import Rule
from scim_conformance.entra import (
    LEGACY,
    Dialect,
    EntraPatch,
    Op,
    UserSpec,
    create_group_body,
    create_user_body,
    group_query,
    patch_body,
    user_query,
)
from scim_conformance.http.client import ScimClient, ScimResponse, TransportFailure
from scim_conformance.http.together import together
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile
from scim_conformance.properties.cycles import coverage
from scim_conformance.properties.cycles import readback as check
from scim_conformance.properties.cycles.coverage import Pair, group_classes
from scim_conformance.properties.cycles.model import Directory, ModelGroup, ModelUser, Step, render
from scim_conformance.properties.spellings import REMOVE_MEMBERS, Spelling, pick

F = TypeVar("F", bound=Callable[..., None])
Call = tuple[str, dict[str, Any]]  # a step as its rule's name and arguments
Pick = int | str  # an index in creation order (Hypothesis), or a label ("u3") in the tour


@dataclass
class CycleContext:
    """What a cycle needs from its test: the endpoint, the ledger, names and the mapping."""

    scim: ScimClient
    ledger: Ledger
    namer: Namer
    dialect: Dialect
    profile: Profile
    manager: bool  # the mapping sends the manager and the server has the extension
    groups: bool  # the server provisions groups and the mapping sends members
    log: str = ""  # the last example's steps, as Entra's requests
    # The exchanges of the latest examples (Hypothesis may run many while it shrinks).
    examples: deque[list[Exchange]] = field(default_factory=lambda: deque(maxlen=64))
    stopped: TransportFailure | Blocked | None = None
    trace: list[Call] = field(default_factory=list)  # the last example's steps, as calls
    coverage: set[Pair] = field(default_factory=set)  # (state class, step) pairs exercised


def guarded(step: F) -> F:
    """Stop the whole run after a lost connection or a broken prerequisite: the server, not
    the data, decides what follows, and shrinking would only resend it."""

    @functools.wraps(step)
    def run(self: CycleBase, **kwargs: Any) -> None:
        self.trace.append((step.__name__, dict(kwargs)))  # what a replay calls again
        try:
            step(self, **kwargs)
        except (TransportFailure, Blocked) as exc:
            self.ctx.stopped = exc
            raise

    return run  # type: ignore[return-value]


class CycleBase(RuleBasedStateMachine):
    """The directory as Entra provisions it; a subclass per test sets `ctx`."""

    ctx: ClassVar[CycleContext]

    def __init__(self) -> None:
        if self.ctx.stopped is not None:
            raise self.ctx.stopped
        super().__init__()
        self.model = Directory()
        self.entra = EntraPatch(self.ctx.dialect)
        self.scim = self.ctx.scim
        self.legacy = self.ctx.dialect == LEGACY
        self.steps: list[Step] = []
        self.trace: list[Call] = []
        self.owned = set(self.ctx.ledger.remaining())
        self.exchanges: list[Exchange] = []
        self.ctx.examples.append(self.exchanges)
        # Open until teardown: every request of the example is recorded, however it ends.
        self.open = ExitStack()
        self.open.enter_context(self.scim.recording(self.exchanges))

    def begin(self, title: str) -> str:
        """Start a step; its title as findings name it."""
        self.steps.append(Step(len(self.steps) + 1, title))
        return f"Cycle step {len(self.steps)}: {title}"

    def cover(self, step: str, classes: set[str]) -> None:
        """Count the pairs (state class, step) this step exercises (coverage.py)."""
        self.ctx.coverage |= coverage.pairs(classes, step)

    def sent(self, response: ScimResponse, step: Step | None = None) -> ScimResponse:
        """Log one of Entra's requests under `step` (by default the current one)."""
        (step or self.steps[-1]).requests.append(response.exchange)
        return response

    def patch(self, path: str, ops: list[Op], title: str, rule: Rule) -> ScimResponse:
        """PATCH as Entra does; anything but 200/204 breaks `rule`."""
        response = self.sent(self.scim.patch(path, patch_body(ops)))
        expect_status(response, {200, 204}, title, rule=rule)
        return response

    def teardown(self) -> None:
        """Delete what this example created (groups first) and keep its log."""
        try:
            ledger = self.ctx.ledger
            # Groups first, each kind's deletes together (Ledger.delete_all).
            ledger.delete_all([i for i in ledger.remaining() if i not in self.owned])
        finally:
            self.open.close()
            self.ctx.trace = list(self.trace)
            self.ctx.log = render(self.steps, self.scim.base_url, self.model.labels)

    # Shared steps ----------------------------------------------------------------------------

    def create_user(self, user_name: str | None = None) -> None:
        """Match by userName (nothing found), then POST as Entra does; read it back."""
        spec = self.ctx.namer.user()
        if user_name is not None:
            spec = replace(spec, user_name=user_name, work_email=user_name)
            self.cover("re-create", {coverage.DELETED})
        again = " again, after it was deleted" if user_name else ""
        title = self.begin(f"create a user{again} after a matching query that finds none")
        response = self._post_user(self.steps[-1], spec, title)
        user = self._created_user(spec, title, response, recreated=user_name is not None)
        if user is not None:
            check.expect_user(self.scim, user, title, response, rules.CREATE_STORED)

    def create_first(self, users: int, members: int | None) -> None:
        """Entra's first cycle: `users` users and (unless None) a group with `members` of
        them. The creates do not depend on each other, so their matching queries and POSTs
        go out together, as do the read-backs (http/together.py); the model and the steps
        follow the order given, so labels, logs and findings read as one by one."""
        specs = [self.ctx.namer.user() for _ in range(users)]
        titles = [self.begin("create a user after a matching query that finds none") for _ in specs]
        steps = self.steps[len(self.steps) - users :]
        calls: list[Callable[[], Any]] = [
            functools.partial(self._post_user, step, spec, title)
            for step, spec, title in zip(steps, specs, titles, strict=True)
        ]
        if members is not None:
            name, external_id = self.ctx.namer.group_name(), self.ctx.namer.external_id("g")
            group_title = self.begin("create a group after a matching query that finds none")
            step = self.steps[-1]
            calls.append(functools.partial(self._post_group, step, name, external_id, group_title))
        answers = together(self.scim, calls)
        made = [
            (user, title, response)
            for spec, title, response in zip(specs, titles, answers, strict=False)  # + the group
            if (user := self._created_user(spec, title, response, recreated=False)) is not None
        ]
        read = functools.partial(check.expect_user, self.scim, rule=rules.CREATE_STORED)
        together(self.scim, [functools.partial(read, *made_one) for made_one in made])
        if members is not None:
            first, group_id = answers[-1]
            self._created_group(name, group_id, first, group_title, members)

    def _post_user(self, step: Step, spec: UserSpec, title: str) -> ScimResponse:
        """The matching query (finding nothing) and the POST; both logged under `step`."""
        query = user_query("userName", spec.user_name)
        self.sent(check.expect_no_match(self.scim, "/Users", query, f"{title}: matching"), step)
        mapped = self.ctx.profile.user_attributes
        body = create_user_body(spec, mapped, self.ctx.profile.user_extension)
        return self.sent(self.scim.post("/Users", body), step)

    def _created_user(
        self, spec: UserSpec, title: str, response: ScimResponse, *, recreated: bool
    ) -> ModelUser | None:
        """The created user joins the model (None: a 409 on a re-create, reported)."""
        user_id = created_id(response)
        if user_id is None:
            expected, actual = "HTTP 201 with the new user's id", describe(response)
            if not recreated:  # test_create_user_as_entra_does reports it
                block(
                    rules.CREATE_ACCEPTED,
                    title,
                    expected=expected,
                    actual=actual,
                    response=response,
                )
            if response.status == 409:
                # The deleted user's userName is still taken: the gallery's restore test meets
                # the same tombstone, so it is judged by the same rule, graded by its evidence.
                report(
                    rules.RECREATE_AFTER_DELETE,
                    title,
                    expected=f"{expected}: the user that held the name was deleted",
                    actual=actual,
                    response=response,
                )
                return None
            fail(rules.CREATE_ACCEPTED, title, expected=expected, actual=actual, response=response)
        mapped = self.ctx.profile.user_attributes
        sent = {"displayName": spec.display_name, "name.familyName": spec.family_name}
        values = {path: value for path, value in sent.items() if path in mapped}
        user = ModelUser(self.model.label("u", user_id), user_id, spec.user_name, values)
        user.recreated = recreated
        self.model.users[user_id] = user
        if recreated:
            self.model.deleted_names.remove(spec.user_name)
        return user

    def create_group(self, members: int) -> None:
        """Match by displayName (nothing found), POST, then add the first members."""
        name, external_id = self.ctx.namer.group_name(), self.ctx.namer.external_id("g")
        title = self.begin("create a group after a matching query that finds none")
        first, group_id = self._post_group(self.steps[-1], name, external_id, title)
        self._created_group(name, group_id, first, title, members)

    def _post_group(
        self, step: Step, name: str, external_id: str, title: str
    ) -> tuple[ScimResponse, str | None]:
        """The matching query (finding nothing) and the POST: Entra's answer, and the id."""
        query = group_query(name)
        self.sent(check.expect_no_match(self.scim, "/Groups", query, f"{title}: matching"), step)
        first = self.sent(self.scim.post("/Groups", create_group_body(name, external_id)), step)
        group_id = created_id(first)
        if group_id is None:
            # Refused, perhaps for Entra's extra schema URI (test_create_group_as_entra_does
            # reports that): without it, as the new_group fixture does, cycles still run.
            fallback = create_group_body(name, external_id, adscim=False)
            group_id = created_id(self.sent(self.scim.post("/Groups", fallback), step))
        return first, group_id

    def _created_group(
        self, name: str, group_id: str | None, first: ScimResponse, title: str, members: int
    ) -> None:
        """The created group joins the model; its first members are added."""
        if group_id is None:
            expected, actual = "HTTP 201 with the new group's id", describe(first)
            block(rules.CREATE_ACCEPTED, title, expected=expected, actual=actual, response=first)
        group = ModelGroup(self.model.label("g", group_id), group_id, name)
        self.model.groups[group_id] = group
        if members:
            self.change_members(group, list(self.model.users)[:members], [])

    def change_members(
        self,
        group: ModelGroup,
        add: list[str],
        remove: list[str],
        which: int | str = 0,
        step: str | None = None,
    ) -> None:
        """One PATCH adding and/or removing members (the removal in spelling `which`);
        then the members are read back."""
        kinds = ["add several" if len(add) > 1 else "add"] if add else []
        self.cover(step or " + ".join(kinds + (["remove"] if remove else [])), group_classes(group))
        spelling: Spelling | None = None

        def count(ids: list[str] | set[str]) -> str:
            return f"{len(ids)} member{'' if len(ids) == 1 else 's'}"

        what = [f"add {count(add)} to"] if add else []
        what += [f"remove {count(remove)} from"] if remove else []
        held = count(group.members)
        title = self.begin(f"{' and '.join(what)} {group.label}, which has {held}")
        ops = self.entra.add_members(add) if add else []
        if remove:
            spelling = pick(REMOVE_MEMBERS, self.ctx.dialect, which)
            ops += spelling.build(self.entra, remove)
            title = spelling.title(self.ctx.dialect, title)
        with_value = spelling is not None and spelling.rule is rules.REMOVE_MEMBERS_WITH_VALUE
        status_rule = rules.REMOVE_MEMBERS_WITH_VALUE if with_value else rules.PATCH_STATUS
        response = self.patch(f"/Groups/{group.id}", ops, title, status_rule)
        before = set(group.members)
        group.readded |= set(add) & before  # Entra adding a member again (a restart, a retry)
        group.members = (before | set(add)) - set(remove)
        change = (before, set(add), set(remove), with_value)
        check.expect_members(self.scim, self.model, group, title, response, change)

    def user(self, ids: list[str], pick: Pick) -> ModelUser | None:
        """One of `ids` (in creation order: server ids differ between replays), by index, or
        by label (None when that user is not among `ids`: the tour's step does not apply)."""
        if isinstance(pick, str):
            found = self.model.by_label(pick)
            return self.model.users[found] if found in ids and found is not None else None
        return self.model.users[ids[pick % len(ids)]] if ids else None

    def group(self, pick: Pick) -> ModelGroup | None:
        """One of the model's groups, by index in creation order, or by label."""
        if isinstance(pick, str):
            found = self.model.by_label(pick)
            return self.model.groups.get(found) if found is not None else None
        ids = list(self.model.groups)
        return self.model.groups[ids[pick % len(ids)]] if ids else None
