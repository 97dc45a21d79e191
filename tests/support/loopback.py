"""A client of the run's kind and the ledger watching it, against an app served on loopback:
what tests of the ledger, the cycles and the fallbacks start from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scim_conformance.http.client import ClientOptions, ScimClient
from scim_conformance.ledger import Ledger
from scim_conformance.reference import ReferenceApp, serve
from support.settings import loopback_settings


@contextmanager
def ledger_on(
    app: ReferenceApp, prefix: str, *, keep: bool = False, **changes: Any
) -> Iterator[Ledger]:
    """`app` served on loopback, a client of it (`changes`: Settings fields such as timeout
    or concurrency) and the ledger watching the client; all closed afterwards."""
    with serve(app) as server:
        settings = loopback_settings(server.base_url, app.token, prefix, **changes)
        client = ScimClient(ClientOptions.of(settings))
        ledger = Ledger(client, run_prefix=prefix, keep=keep)
        stop_watching = ledger.watch(client)
        try:
            yield ledger
        finally:
            stop_watching()
            client.close()
