"""--scim-load: an Entra-like request mix at a fixed rate, to check Microsoft's gallery
requirement of at least 25 requests per second per tenant, each answered within 60 s
(rules gallery-request-rate and http-response).

Open-loop pacing: request i starts at t0 + i/rate whatever earlier requests are doing, so a
slow server shows up as a lower achieved rate and higher latency, not as a slower driver.
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from scim_conformance.config import Settings
from scim_conformance.entra import (
    FLAG,
    EntraPatch,
    UserSpec,
    create_user_body,
    patch_body,
    user_query,
)
from scim_conformance.http.client import ClientOptions, ScimClient, TransportFailure
from scim_conformance.ledger import Ledger

Step = Callable[[ScimClient], int]


@dataclass
class LoadResult:
    """What the server sustained."""

    requested_rate: float
    duration_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # 0 = no response
    leftovers: list[str] = field(default_factory=list)
    throttled: int = 0  # answers of 429 (or 503) the client waited out and sent again

    @property
    def total(self) -> int:
        return len(self.statuses)

    @property
    def achieved_rate(self) -> float:
        """Completed requests per second over the run."""
        return self.total / self.duration_s if self.duration_s else 0.0

    @property
    def error_rate(self) -> float:
        """Share of requests without a 2xx/404 answer (404 is a legal delete race)."""
        bad = sum(1 for status in self.statuses if not (200 <= status < 300 or status == 404))
        return bad / self.total if self.total else 1.0

    def percentile(self, share: float) -> float:
        """Latency percentile in milliseconds (share in 0..1)."""
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[min(98, max(0, round(share * 100) - 1))]

    def summary(self) -> str:
        """One line for the report."""
        return (
            f"{self.total} requests in {self.duration_s:.1f} s: {self.achieved_rate:.1f} req/s "
            f"(asked {self.requested_rate:g}); latency p50 {self.percentile(0.5):.0f} ms, "
            f"p95 {self.percentile(0.95):.0f} ms, p99 {self.percentile(0.99):.0f} ms; "
            f"errors {self.error_rate:.1%}"
        )


class _UserCycle:
    """One user's Entra cycle: match, create, update, deactivate, delete (SCIM tutorial)."""

    def __init__(self, prefix: str, domain: str) -> None:
        tag = uuid.uuid4().hex[:10]
        self.spec = UserSpec(
            f"{prefix}-load-{tag}@{domain}",
            f"{prefix}-{tag}",
            "Load",
            tag,
            f"{prefix} load {tag}",
            None,
        )
        self.user_id: str | None = None
        self.patch = EntraPatch(FLAG)
        self.events = [threading.Event() for _ in self.steps()]

    def steps(self) -> list[Step]:
        return [self._match, self._create, self._update, self._deactivate, self._delete]

    def _match(self, scim: ScimClient) -> int:
        return scim.get("/Users", user_query("userName", self.spec.user_name)).status

    def _create(self, scim: ScimClient) -> int:
        response = scim.post("/Users", create_user_body(self.spec))
        body = response.json_object or {}
        self.user_id = body.get("id") if isinstance(body.get("id"), str) else None
        return response.status

    def _update(self, scim: ScimClient) -> int:
        ops = self.patch.update({"displayName": f"{self.spec.display_name} updated"})
        return self._patch(scim, ops)

    def _deactivate(self, scim: ScimClient) -> int:
        return self._patch(scim, self.patch.set_active(False))

    def _patch(self, scim: ScimClient, ops: list[dict[str, object]]) -> int:
        if self.user_id is None:
            return 0
        return scim.patch(f"/Users/{self.user_id}", patch_body(ops)).status

    def _delete(self, scim: ScimClient) -> int:
        if self.user_id is None:
            return 0
        status = scim.delete(f"/Users/{self.user_id}").status
        if status in (200, 204, 404):
            self.user_id = None
        return status


@dataclass
class _Planned:
    """One request of the mix: which user's cycle, which step, and when it is due."""

    cycle: _UserCycle
    index: int
    due: float


def _plan(rate: float, duration: float, prefix: str, domain: str) -> list[_Planned]:
    """Ticks at 1/rate; five user cycles interleaved round-robin, each in its own order."""
    ticks = int(rate * duration)
    plan: list[_Planned] = []
    cycles: list[tuple[_UserCycle, int]] = []
    for tick in range(ticks):
        if len(cycles) < 5:
            cycles.append((_UserCycle(prefix, domain), 0))
        cycle, index = cycles.pop(0)
        plan.append(_Planned(cycle, index, tick / rate))
        if index + 1 < len(cycle.events):
            cycles.append((cycle, index + 1))
    return plan


def run_load(
    settings: Settings,
    rate: float,
    duration: float,
    *,
    threads: int = 64,
    transport: Callable[[], httpx.BaseTransport] | None = None,
    ledger: Ledger | None = None,
) -> LoadResult:
    """Drive the mix at `rate` requests per second for `duration` seconds, then clean up;
    `ledger` (the run's) sees every request, so an interrupted check is cleaned up."""
    result = LoadResult(rate)
    lock = threading.Lock()
    # One client for all threads: httpx's pool is thread-safe, and one TLS context is
    # built once instead of per thread (which would show up as latency).
    scim = ScimClient(ClientOptions.of(settings), transport() if transport else None)
    unwatch = ledger.watch(scim) if ledger is not None else None

    def fire(planned: _Planned, start: float) -> None:
        cycle, index = planned.cycle, planned.index
        if index:  # a user's steps run in order: wait for the previous one to finish
            cycle.events[index - 1].wait(settings.timeout)
        delay = start + planned.due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        began = time.perf_counter()
        try:
            status = cycle.steps()[index](scim)
        except TransportFailure:
            status = 0
        finally:
            cycle.events[index].set()
        with lock:
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
            result.statuses.append(status)

    plan = _plan(rate, duration, settings.run_prefix, settings.user_domain)
    start = time.perf_counter() + 0.05
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for planned in plan:
            pool.submit(fire, planned, start)
    result.duration_s = time.perf_counter() - start
    for cycle in {id(p.cycle): p.cycle for p in plan}.values():
        if cycle.user_id is not None:  # a cycle the run did not finish: delete its user
            with contextlib.suppress(TransportFailure):
                cycle.steps()[-1](scim)
            if cycle.user_id is not None:
                result.leftovers.append(f"/Users/{cycle.user_id}")
    result.throttled = scim.retries
    if unwatch is not None:
        unwatch()
    scim.close()
    return result
