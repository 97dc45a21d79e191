"""A reference server that answers after a delay and records, server side, when each request
was being handled: whether requests overlapped is read from these windows, never from the
client's wall clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scim_conformance.reference import ReferenceApp

StartResponse = Callable[..., Any]
DELAY_HEADER = "X-Test-Delay-Ms"  # a request may ask for its own delay (ordering tests)


@dataclass(frozen=True)
class Window:
    """One request as the server handled it: what, and from when to when."""

    method: str
    path: str
    query: str
    start: float
    end: float


class WindowedApp(ReferenceApp):
    """The reference server, each answer after `latency_s` (or the request's own delay)."""

    def __init__(self, token: str, latency_s: float = 0.05, **options: Any) -> None:
        super().__init__(token, **options)
        self.latency_s = latency_s
        self.windows: list[Window] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start = time.monotonic()
        asked = environ.get("HTTP_" + DELAY_HEADER.upper().replace("-", "_"))
        time.sleep(int(asked) / 1000 if asked else self.latency_s)
        body = list(super().__call__(environ, start_response))
        window = Window(
            environ["REQUEST_METHOD"],
            environ["PATH_INFO"],
            environ.get("QUERY_STRING", ""),
            start,
            time.monotonic(),
        )
        with self._lock:
            self.windows.append(window)
        return body

    def of(self, method: str) -> list[Window]:
        """The windows of one method, in the order they started."""
        return sorted((w for w in self.windows if w.method == method), key=lambda w: w.start)


def most_at_once(windows: Iterable[Window]) -> int:
    """The largest number of windows open at one instant."""
    spans = list(windows)
    events = sorted([(w.start, 1) for w in spans] + [(w.end, -1) for w in spans])
    open_now = peak = 0
    for _, change in events:  # at a tie the end (-1) sorts first: touching is not overlap
        open_now += change
        peak = max(peak, open_now)
    return peak
