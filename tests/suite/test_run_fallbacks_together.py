"""The run's fallback (suite/run_fallbacks.py) asked from several threads at once, as the
cycle tour's parts do when they run together: learned once, never seen half-learned."""

from __future__ import annotations

import threading

from scim_conformance.checks.fallbacks import Narrowing
from scim_conformance.ledger import Namer
from scim_conformance.profiles import ENTRA_DEFAULT
from scim_conformance.reference import Fault, ReferenceApp
from scim_conformance.suite.prerequisites import Prerequisites
from scim_conformance.suite.run_fallbacks import TestFallbacks
from support import loopback

PREFIX = "scimconf-cafe0003"


def test_two_parts_meeting_a_refused_create_learn_the_fallback_once() -> None:
    app = ReferenceApp("tok-learn", faults=[Fault.REFUSES_EMAIL_PRIMARY])
    with loopback.ledger_on(app, PREFIX) as ledger:
        prerequisites = Prerequisites(ledger.client, ledger, ledger.client.base_url)
        namer = Namer.for_run(PREFIX, "example.com")
        fallbacks = TestFallbacks(None, prerequisites, ledger, namer, ENTRA_DEFAULT)
        start = threading.Barrier(3)
        learned: list[Narrowing | None] = []
        errors: list[BaseException] = []

        def part() -> None:
            start.wait()
            try:
                learned.append(fallbacks.learn("/Users"))
            except BaseException as exc:  # a part reading the run's knowledge half-learned
                errors.append(exc)

        def reader() -> None:
            start.wait()
            for _ in range(50):  # asks while the others learn: never blocked by a refusal
                try:
                    fallbacks.known("/Users")
                except BaseException as exc:
                    errors.append(exc)
                    return

        threads = [threading.Thread(target=part) for _ in range(2)]
        threads.append(threading.Thread(target=reader))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(learned) == 2
    assert learned[0] is not None
    assert learned[0] == learned[1]
    # One refused create, one narrower create, its delete: learned by one part only.
    assert app.request_count == 3
    assert app.users() == []
