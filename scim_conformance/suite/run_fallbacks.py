"""The run's remembered fallback, for one test that builds its own create bodies.

The properties, the cycles and the Webex checks build their bodies themselves (generated
users, a cycle's directory, Webex additions), so they cannot go through `new_user`. When
Entra's create is refused they still create the way the fixed tests do: they ask this
object for the narrowing the run learned (suite/prerequisites.py), learning it once with
a fixed Entra user if no test has yet, apply it to their own body, and say so in their
report. A refusal of their body while Entra's fixed body is accepted is about the data
(generated names, Webex additions): no fallback then, the test judges it as before.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import pytest

from scim_conformance.checks.fallbacks import Narrowing
from scim_conformance.entra import create_group_body, create_user_body
from scim_conformance.ledger import Ledger, Namer
from scim_conformance.profiles import Profile
from scim_conformance.suite.prerequisites import Prerequisites, announce

_ATTRIBUTE = {"/Users": "userName", "/Groups": "displayName"}


@dataclass
class TestFallbacks:
    """`checks.fallbacks.RunFallbacks` for one test: the run's prerequisites, the test's
    report, and Entra's fixed bodies (the shape the run's fallback is learned on)."""

    __test__ = False  # not a pytest test class, whatever its name

    item: pytest.Item | None  # None: a fixture shared by several tests (they announce)
    prerequisites: Prerequisites
    ledger: Ledger
    namer: Namer
    profile: Profile
    # The cycles' tour parts create at once (properties/cycles/driver.py): two may meet a
    # refused create together. One learns while the other waits, then finds it learned
    # (`settled`); and no part reads the run's knowledge halfway through a learning, when
    # Prerequisites holds the refusal as if no fallback worked.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def known(self, collection: str) -> Narrowing | None:
        """The narrowing learned for Entra's create into `collection`, without a request."""
        with self._lock:
            fallback = self.prerequisites.known(collection, self._entra(collection))
        return None if fallback is None else fallback.narrowing

    def learn(self, collection: str) -> Narrowing | None:
        """The narrowing to use, creating (then deleting) one fixed Entra resource to learn it
        when no test of this process has; None when Entra's create is accepted."""
        with self._lock:
            sent = self._entra(collection)
            if self.prerequisites.settled(collection, sent):
                return self.known(collection)
            created = self.prerequisites.create(
                self.item, collection, sent, _ATTRIBUTE[collection], needs=(), seed=self._seed
            )
            for resource_id in (created.id, *created.members):
                self.ledger.delete(resource_id)  # only learning: the test creates its own
            return None if created.fallback is None else created.fallback.narrowing

    def used(self, collection: str, lost: Collection[str] = ()) -> None:
        """Put the fallback line (and what is not expected back) in the test's report."""
        with self._lock:  # once per test, also when tour parts say it at the same moment
            fallback = self.prerequisites.known(collection, self._entra(collection))
            if fallback is None:
                return
            line = fallback.line(self.prerequisites.base_url)
            if lost:
                line += (
                    f"; not expected back, the narrower body did not send them: {', '.join(lost)}"
                )
            announce(self.item, line, fallback.fingerprint(self.prerequisites.base_url))

    def _entra(self, collection: str) -> dict[str, Any]:
        """A fresh fixed body of Entra's for `collection`, as new_user and new_group send."""
        if collection == "/Users":
            spec = self.namer.user()
            return create_user_body(spec, self.profile.user_attributes, self.profile.user_extension)
        external_id = f"{self.namer.run_prefix}-{uuid.uuid4()}"
        return create_group_body(self.namer.group_name(), external_id)

    def _seed(self) -> str:
        """A member for a group that can only be created with one."""
        return self.prerequisites.create(
            self.item, "/Users", self._entra("/Users"), "userName", needs=()
        ).id
