"""What the suite creates: unique names, intents recorded before each create, and a ledger
that deletes each resource once, however the run ends.

docs/design.md, Safe on a real tenant: the suite writes only to ids it got from its own
creates, records what a create is about to make before sending it, and deletes everything
it created, groups before users. A create whose answer never arrived (Ctrl-C or SIGTERM
mid-request, a reset or a timeout after the server committed, a 5xx) is found at cleanup
by the names it was sent with, and deleted.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from scim_conformance.entra import UserSpec, filter_eq
from scim_conformance.http.client import (
    OutgoingRequest,
    ScimClient,
    ScimResponse,
    TransportFailure,
    answer_of,
    outgoing,
)
from scim_conformance.http.together import together

# Attributes a create is looked up by when its id is unknown, in order (Entra's matching
# attribute first; RFC 7643 §4.1.1, §4.2).
LOOKUP_ATTRIBUTES = {"/Users": ("userName", "externalId"), "/Groups": ("displayName", "externalId")}
# A create cut off mid-request may still be committed by the server a moment later:
# look for it no sooner than this after it was sent.
SETTLE_SECONDS = 1.0
GONE = frozenset({200, 204, 404})  # a DELETE answered so: the resource no longer exists
# The ids created by requests sent in this context (Ledger.owning). A context, not a thread:
# http/together.py runs each call in a copy of its caller's context, so a create sent
# together with others still counts for the work that asked for it.
_OWNER: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "scim_conformance_ledger_owner", default=None
)


class ForeignWriteRefused(RuntimeError):
    """The suite tried to change something it did not create: a bug in the suite."""


@dataclass(frozen=True)
class Namer:
    """Generates names that carry the run prefix, so leftovers are recognisable."""

    run_prefix: str
    domain: str
    _counter: itertools.count[int]

    @classmethod
    def for_run(cls, run_prefix: str, domain: str) -> Namer:
        """A namer for one run."""
        return cls(run_prefix, domain, itertools.count(1))

    def user(self, *, work_email: bool = True) -> UserSpec:
        """A fresh Entra-like user; userName is an email, as Entra's UPN is."""
        n = next(self._counter)
        tag = uuid.uuid4().hex[:6]
        user_name = f"{self.run_prefix}-u{n}-{tag}@{self.domain}"
        return UserSpec(
            user_name=user_name,
            external_id=f"{self.run_prefix}-{uuid.uuid4()}",
            given_name="Ada",
            family_name=f"Tester{n}",
            display_name=f"{self.run_prefix} Ada Tester{n}",
            work_email=user_name if work_email else None,
        )

    def group_name(self) -> str:
        """A fresh group displayName."""
        return f"{self.run_prefix} group {next(self._counter)}-{uuid.uuid4().hex[:6]}"

    def external_id(self, kind: str) -> str:
        """A fresh externalId: unique in the run even when nothing is deleted (--scim-keep)."""
        return f"{self.run_prefix}-{kind}{next(self._counter)}-{uuid.uuid4().hex[:6]}"


@dataclass
class Intent:
    """A create about to be sent: where, and the run-prefixed names it can be found by."""

    collection: str
    names: list[tuple[str, str]]  # (attribute, value), in LOOKUP_ATTRIBUTES order
    sent_at: float
    answered: bool = False  # an HTTP answer came (a 5xx, or a 2xx without an id)

    def label(self) -> str:
        """'/Users userName "…"' for the summary."""
        attribute, value = self.names[0] if self.names else ("name", "?")
        return f'{self.collection} {attribute} "{value}"'


@dataclass(frozen=True)
class CleanupReport:
    """How many resources the run created and deleted, and what it left."""

    created: int
    deleted: int
    left: list[str] = field(default_factory=list)  # "/Users/{id}  name"
    unknown: list[str] = field(default_factory=list)  # creates that could not be looked up

    def merged(self, other: CleanupReport) -> CleanupReport:
        """The sum of two reports (pytest-xdist workers)."""
        return CleanupReport(
            self.created + other.created,
            self.deleted + other.deleted,
            [*self.left, *other.left],
            [*self.unknown, *other.unknown],
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly, for the trip from a pytest-xdist worker to the controller."""
        return dict(self.__dict__)


class Ledger:
    """Every resource this run created, to be deleted exactly once; it watches the run's
    client through httpx's event hooks (every request before it is sent, and its answer).
    Thread-safe: requests sent together (http/together.py) are observed from their threads."""

    def __init__(
        self,
        client: ScimClient,
        *,
        run_prefix: str,
        keep: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.run_prefix = run_prefix
        self.keep = keep  # --scim-keep: nothing is deleted; the ids are printed instead
        self._clock = clock
        self._sleep = sleep
        self._created: dict[str, str] = {}  # id -> "/Users" or "/Groups", in creation order
        self._ever_created: dict[str, str] = {}
        self._names: dict[str, str] = {}  # id -> the name it was created with
        self._deleted: set[str] = set()
        # Accepted DELETEs by the (casefolded) name their resource was created with: a
        # later create of the same name that conflicts is that DELETE's defect.
        self._deletions: dict[str, ScimResponse] = {}
        self._intents: dict[OutgoingRequest, Intent] = {}
        self._deferring = False  # cleanup has begun: per-test deletes wait for clean_up()
        # Guards the bookkeeping above (never held while a request is sent).
        self._lock = threading.RLock()

    # Observing the client -------------------------------------------------------------------

    def watch(self, client: ScimClient) -> Callable[[], None]:
        """See every request `client` sends from now on; returns what stops watching."""
        client.event_hooks["request"].append(self.before_send)
        client.event_hooks["response"].append(self.answered)

        def stop() -> None:
            client.event_hooks["request"].remove(self.before_send)
            client.event_hooks["response"].remove(self.answered)

        return stop

    def before_send(self, sent: httpx.Request) -> None:
        """Refuse foreign writes; record the intent of a create before it is sent (an httpx
        request hook: before each attempt, so a create retried after a 429 is intended
        again)."""
        request = outgoing(sent)
        self.check_write(request.method, request.path)
        lookups = LOOKUP_ATTRIBUTES.get(request.path)
        if request.method == "POST" and lookups and request.body is not None:
            names = [
                (attribute, value)
                for attribute in lookups
                if isinstance(value := request.body.get(attribute), str) and self._ours(value)
            ]
            with self._lock:
                self._intents[request] = Intent(request.path, names, self._clock())

    def answered(self, answer: httpx.Response) -> None:
        """A create's answer: its id is recorded; a 4xx means nothing was created. A delete's
        answer: the resource is gone (a 404 too), whoever sent it (an httpx response hook)."""
        request, response = outgoing(answer.request), answer_of(answer)
        with self._lock:
            self._answered(request, response)

    def _answered(self, request: OutgoingRequest, response: ScimResponse) -> None:
        parts = request.path.strip("/").split("/")
        if request.method == "DELETE" and len(parts) == 2 and response.status in GONE:
            self.forget(parts[1])
            name = self._names.get(parts[1])
            if name is not None and 200 <= response.status < 300:
                self._deletions[name.casefold()] = response
        intent = self._intents.get(request)
        if intent is None:
            return
        body = response.json_object or {}
        found = body.get("id")
        if 200 <= response.status < 300 and isinstance(found, str) and found:
            self._learn(intent.collection, found, intent)
            del self._intents[request]
        elif 400 <= response.status < 500:
            del self._intents[request]  # refused (a 429 after every retry too): not created
        else:
            intent.answered = True  # a 5xx or an id-less 2xx: found by name at cleanup

    def check_write(self, method: str, path: str) -> None:
        """Refuse a write to a resource this run did not create (docs/design.md, Safe on a
        real tenant)."""
        parts = path.strip("/").split("/")
        if method in {"POST", "GET"} or len(parts) < 2:
            return
        with self._lock:
            known = parts[1] in self._ever_created
        if not known:
            raise ForeignWriteRefused(f"refusing {method} {path}: not created by this run")

    # What tests call ------------------------------------------------------------------------

    def add(self, collection: str, resource_id: str) -> None:
        """Remember a resource the suite created (and, inside `owning`, whose it is)."""
        with self._lock:
            self._created[resource_id] = collection
            self._ever_created[resource_id] = collection
        owner = _OWNER.get()
        if owner is not None:
            owner.add(resource_id)

    @contextmanager
    def owning(self) -> Iterator[set[str]]:
        """Collect into the set yielded the ids of what the requests sent inside the block
        create (in this context: see _OWNER), so work running beside other work (a cycle's
        tour parts, run together) deletes exactly what it created and nothing of theirs."""
        owned: set[str] = set()
        previous = _OWNER.get()
        _OWNER.set(owned)
        try:
            yield owned
        finally:
            _OWNER.set(previous)

    def forget(self, resource_id: str) -> None:
        """It is gone: deleted by a test, or a DELETE through the client was answered so."""
        with self._lock:
            if self._created.pop(resource_id, None) is not None:
                self._deleted.add(resource_id)

    def owns(self, resource_id: str) -> bool:
        """True if the suite created this resource and has not deleted it."""
        return resource_id in self._created

    def remaining(self) -> dict[str, str]:
        """A copy of what is still recorded as created: id -> collection."""
        with self._lock:
            return dict(self._created)

    def deletion_of(self, name: str) -> ScimResponse | None:
        """The accepted DELETE of a resource this run created with this name, if any."""
        return self._deletions.get(name.casefold())

    def delete(self, resource_id: str) -> None:
        """Delete one created resource (a 404 counts as gone); once cleanup has begun, the
        end-of-run cleanup does it instead."""
        self.delete_all([resource_id])

    def delete_all(self, resource_ids: list[str]) -> None:
        """Delete created resources as `delete` does, groups first; the deletes of each kind
        go out together (at most --scim-concurrency at once: http/together.py)."""
        if self.keep or self._deferring:
            return
        remaining = self.remaining()
        unique = dict.fromkeys(i for i in resource_ids if i in remaining)  # each one once
        self._send_deletes([(remaining[i], i) for i in unique])

    def adopt(self, collection: str, attribute: str, value: str) -> None:
        """After a create whose answer was lost or had no id, find what it created by its
        unique name so cleanup covers it now; never retry the POST blindly."""
        if self._ours(value) and self._look_up(collection, attribute, value):
            with self._lock:
                for request, intent in list(self._intents.items()):
                    if (attribute, value) in intent.names:
                        del self._intents[request]

    # End of run -----------------------------------------------------------------------------

    def begin_cleanup(self) -> None:
        """From now on, deletes wait for `clean_up` (one place, one order, one summary)."""
        self._deferring = True

    def clean_up(self) -> CleanupReport:
        """Delete what is left, groups before users; find and delete every create whose id
        was never learned. With --scim-keep, only find them."""
        self.begin_cleanup()
        self._delete_known()
        self._resolve_intents()
        self._delete_known()
        return self.report()

    def report(self) -> CleanupReport:
        """Created, deleted and left so far (also after an interrupted cleanup)."""
        with self._lock:
            return self._report()

    def _report(self) -> CleanupReport:
        return CleanupReport(
            created=len(self._ever_created),
            deleted=len(self._deleted),
            left=[
                f"{collection}/{rid}  {self._names.get(rid, '')}".rstrip()
                for rid, collection in self._created.items()
            ],
            unknown=[intent.label() for intent in self._intents.values()],
        )

    # Internals ------------------------------------------------------------------------------

    def _ours(self, value: str) -> bool:
        # Contained, not only leading: quoted userNames start with `"` (RFC 5321 §4.1.2).
        return self.run_prefix in value

    def _learn(self, collection: str, resource_id: str, intent: Intent | None = None) -> None:
        with self._lock:
            if resource_id not in self._deleted:
                self.add(collection, resource_id)
            if intent is not None and intent.names:
                self._names.setdefault(resource_id, intent.names[0][1])

    def _delete_known(self) -> None:
        if self.keep:
            return
        self._send_deletes([(c, i) for i, c in self.remaining().items()])

    def _send_deletes(self, targets: list[tuple[str, str]]) -> None:
        """(collection, id) deleted groups first: a group's members stay valid until it is
        gone. The deletes of one kind are independent, so they go out together."""
        for kind in ("/Groups", None):
            batch = [t for t in targets if (t[0] == "/Groups") == (kind is not None)]
            together(self.client, [functools.partial(self._send_delete, *t) for t in batch])

    def _send_delete(self, collection: str, resource_id: str) -> None:
        try:
            response = self.client.delete(f"{collection}/{resource_id}", note="cleanup")
        except TransportFailure:
            return  # kept in the ledger: the end-of-run cleanup tries again
        if response.status in GONE:
            self.forget(resource_id)

    def _resolve_intents(self) -> None:
        """Look every unresolved create up by its names; what is found joins the ledger."""
        cut_off = [i.sent_at for i in self._intents.values() if not i.answered]
        if cut_off:
            self._sleep(max(0.0, max(cut_off) + SETTLE_SECONDS - self._clock()))
        for request, intent in list(self._intents.items()):
            looked_up = False
            for attribute, value in intent.names:
                found = self._look_up(intent.collection, attribute, value, intent)
                looked_up |= found is not None
                if found:
                    break
            if looked_up:  # found and recorded, or confirmed absent: resolved
                del self._intents[request]

    def _look_up(
        self, collection: str, attribute: str, value: str, intent: Intent | None = None
    ) -> list[str] | None:
        """Ids of the resources whose `attribute` is exactly `value` (recorded as created),
        or None when the server could not answer the lookup."""
        query = {"filter": filter_eq(attribute, value)}
        if collection == "/Groups":
            query = {"excludedAttributes": "members", **query}
        try:
            response = self.client.get(collection, query, note="cleanup lookup")
        except TransportFailure:
            return None
        body = response.json_object
        resources = body.get("Resources", []) if body is not None else None
        if response.status != 200 or not isinstance(resources, list):
            return None
        found = [
            resource["id"]
            for resource in resources
            if isinstance(resource, Mapping)
            and isinstance(resource.get("id"), str)
            and _same(attribute, resource.get(attribute), value)
        ]
        for resource_id in found:
            self._learn(collection, resource_id, intent)
        return found


def _same(attribute: str, held: object, sent: str) -> bool:
    """The value a server holds is the one sent; userName ignores case (RFC 7643 §4.1.1).
    A server ignoring the filter thus never makes cleanup touch anything else."""
    if not isinstance(held, str):
        return False
    return held.casefold() == sent.casefold() if attribute == "userName" else held == sent
