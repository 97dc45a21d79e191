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
from scim_conformance.checks.fallbacks import RunFallbacks, dropped, send_through
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
# A user's POST: the answer, Entra's body, and the run's narrower body if that was sent.
Posted = tuple[ScimResponse, dict[str, Any], dict[str, Any] | None]


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
    # The run's fallback where Entra's create is refused (the create tests report that once).
    fallbacks: RunFallbacks | None = None

    def fork(self) -> CycleContext:
        """A context for work running beside this one (a tour part, driver.py): the same
        endpoint, ledger, names, mapping and fallbacks; its own log, trace, examples,
        coverage and stop, so no part's bookkeeping mixes with another's."""
        return replace(
            self, log="", examples=deque(maxlen=64), stopped=None, trace=[], coverage=set()
        )


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
        self.exchanges: list[Exchange] = []
        self.ctx.examples.append(self.exchanges)
        # Open until teardown: every request of the example is recorded, however it ends,
        # and what its requests create is its own (other examples may run beside it).
        self.open = ExitStack()
        self.open.enter_context(self.scim.recording(self.exchanges))
        self.created = self.open.enter_context(self.ctx.ledger.owning())

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
            # Groups first, each kind's deletes together (Ledger.delete_all); exactly what
            # this example's requests created, whatever else is running beside it.
            ledger.delete_all([i for i in ledger.remaining() if i in self.created])
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
        posted = self._post_user(self.steps[-1], spec, title)
        user = self._created_user(spec, title, posted, recreated=user_name is not None)
        if user is not None:
            check.expect_user(self.scim, user, title, posted[0], rules.CREATE_STORED)

    def create_first(self, users: int, members: int | None) -> None:
        """Entra's first cycle: `users` users and (unless None) a group with `members` of
        them. The first user goes alone (it may teach the run a fallback body); the other
        creates do not depend on each other, so their matching queries and POSTs go out
        together, as do the read-backs (http/together.py); the model and the steps follow
        the order given, so labels, logs and findings read as one by one."""
        specs = [self.ctx.namer.user() for _ in range(users)]
        titles = [self.begin("create a user after a matching query that finds none") for _ in specs]
        steps = self.steps[len(self.steps) - users :]
        jobs = list(zip(steps, specs, titles, strict=True))
        made: list[tuple[ModelUser, str, ScimResponse]] = []

        def join(spec: UserSpec, title: str, posted: Posted) -> None:
            user = self._created_user(spec, title, posted, recreated=False)
            if user is not None:
                made.append((user, title, posted[0]))

        if jobs:  # the model holds the first user before the others' matching queries go out
            join(jobs[0][1], jobs[0][2], self._post_user(*jobs[0]))
        rest = [functools.partial(self._post_user, *job) for job in jobs[1:]]
        for (_, spec, title), posted in zip(jobs[1:], together(self.scim, rest), strict=True):
            join(spec, title, posted)
        read = functools.partial(check.expect_user, self.scim, rule=rules.CREATE_STORED)
        together(self.scim, [functools.partial(read, *made_one) for made_one in made])
        if members is not None:
            # After the users: a server requiring `members` on create gets one of them.
            self.create_group(members)

    def _post_user(self, step: Step, spec: UserSpec, title: str) -> Posted:
        """The matching query (finding nothing) and the POST, both logged under `step`:
        the answer, Entra's body, and the narrower body if the run's fallback was sent."""
        query = user_query("userName", spec.user_name)
        self.sent(check.expect_no_match(self.scim, "/Users", query, f"{title}: matching"), step)
        mapped = self.ctx.profile.user_attributes
        body = create_user_body(spec, mapped, self.ctx.profile.user_extension)
        response, narrower = self.post("/Users", body, step=step)
        return response, body, narrower

    def _created_user(
        self, spec: UserSpec, title: str, posted: Posted, *, recreated: bool
    ) -> ModelUser | None:
        """The created user joins the model (None: a 409 on a re-create, reported)."""
        response, body, narrower = posted
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
        if narrower is not None:  # what the narrower body did not send is not expected back
            lost = dropped(values, body, narrower)
            values = {path: value for path, value in values.items() if path not in lost}
            self.used("/Users", lost)
        user = ModelUser(self.model.label("u", user_id), user_id, spec.user_name, values)
        user.recreated = recreated
        self.model.users[user_id] = user
        if recreated:
            self.model.deleted_names.remove(spec.user_name)
        return user

    def create_group(self, members: int) -> None:
        """Match by displayName (nothing found), POST, then add the first members."""
        name = self.ctx.namer.group_name()
        title = self.begin("create a group after a matching query that finds none")
        query = group_query(name)
        self.sent(check.expect_no_match(self.scim, "/Groups", query, f"{title}: matching"))
        external_id = self.ctx.namer.external_id("g")
        chosen = list(self.model.users)[:members]
        seed = chosen[0] if chosen else None  # for a server requiring `members` on create
        response, posted = self.post("/Groups", create_group_body(name, external_id), seed)
        group_id = created_id(response)
        if group_id is None:
            expected, actual = "HTTP 201 with the new group's id", describe(response)
            block(rules.CREATE_ACCEPTED, title, expected=expected, actual=actual, response=response)
        group = ModelGroup(self.model.label("g", group_id), group_id, name)
        self.model.groups[group_id] = group
        if posted is not None:
            self.used("/Groups", [])
            held = {str(m["value"]) for m in posted.get("members", []) if isinstance(m, dict)}
            group.members |= held  # created with a member: the model holds it too
            chosen = [user for user in chosen if user not in held]
        if chosen:
            self.change_members(group, chosen, [])

    def post(
        self,
        collection: str,
        body: dict[str, Any],
        member: str | None = None,
        *,
        step: Step | None = None,
    ) -> tuple[ScimResponse, dict[str, Any] | None]:
        """POST Entra's body, or the run's narrower one where Entra's create is refused (the
        create tests report that once): the response, and the narrower body if it was sent."""

        def send(sent: dict[str, Any]) -> ScimResponse:
            return self.sent(self.scim.post(collection, sent), step)

        done = send_through(self.ctx.fallbacks, collection, body, send, member)
        response, posted = done.response, done.narrower
        return response, posted  # the ledger saw whatever was created (it observes the client)

    def used(self, collection: str, lost: list[str]) -> None:
        """Say once in the test's report that the cycle created through the run's fallback."""
        if self.ctx.fallbacks is not None:
            self.ctx.fallbacks.used(collection, lost)

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
