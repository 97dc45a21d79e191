"""How fast to send: the --scim-rate ceiling, Retry-After honoured exactly, and a rate that
is lowered only when that helps.

A tenant's limiter is one of three kinds, and a pause is the right answer to two of them:

* a **fixed window** (N requests per window) says Retry-After until the window ends, and a
  **quota by count** (one request in N refused, whatever the rate) asks for the same pause
  however slowly the client sends: waiting exactly what the server asked is all it takes;
* a **token bucket** with small bursts refuses again soon after each pause, and its
  Retry-After (whole seconds) overshoots what a token needs: only a lower rate helps.

So every throttle holds every request for exactly what the server asked (Retry-After; or
backoff when it gave none, from retry.py), and nothing more. The rate is lowered only when
a throttle *recurs at the same rate* (a second one within RECUR_SECONDS, the rate unchanged
between them): to the fastest rate that has run clean lately, else to just under what the
server let through between the two (answered requests over that stretch and its pause).
If the stretch between throttles did not grow at the lowered rate, the server counts
requests, not time: the rate goes back up at once and is left alone while that holds.
A rate raised after a clean spell that is throttled goes back at once to the one that ran
clean.
A throttle without Retry-After gives no measure: the rate halves (bounded below by a
quarter of the fastest the run has sent).

A lowered rate is restored quickly: doubled after RESTORE_SUCCESSES successes or
RESTORE_SECONDS without a throttle, up to --scim-rate (or to unlimited), but only to just
under a rate at which throttles recurred in the last BAD_MEMORY seconds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MIN_RATE = 0.5  # requests per second: pacing alone never spaces requests more than 2 s apart
RECUR_SECONDS = 10.0  # a second throttle this soon, at the same rate, is a recurrence
UNDER_ALLOWED = 0.95  # lowered to just under what the server let through
SAME_STRETCH = 1.5  # a stretch no longer than this times the last: lowering did not help
BY_COUNT_MEMORY = 60.0  # a quota by count is remembered this long after its last throttle
RESTORE_SUCCESSES = 20  # a lowered rate doubles after this many successes …
RESTORE_SECONDS = 2.0  # … or this long without a throttle
GOOD_SECONDS = 1.0  # a rate that ran clean this long is more than a bucket's burst
BAD_MEMORY = 30.0  # growth stays under a rate that recurred this recently …
NEAR_BAD = 0.85  # … and stops at this fraction of it
WITHOUT_RETRY_AFTER = 0.5  # no measure from the server: halve
PEAK_FLOOR = 4.0  # … but never below a quarter of the fastest the run has sent
SAMPLE = 6  # the latest starts that measure the sending rate
QUIET_NOTICE_SECONDS = 30.0  # a further notice after this long, or when the rate halves


class Pacer:
    """Spaces request starts: the --scim-rate ceiling, Retry-After, and the rate lowered
    when throttles recur. Thread-safe (the load check shares one client between threads)."""

    def __init__(
        self,
        rate: float | None,
        max_wait: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_wait = max_wait
        self._cap = rate  # --scim-rate (this process's share); None: unlimited
        self._ceiling = rate  # the current rate; None: unlimited
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_start = -math.inf
        self._latest: deque[float] = deque(maxlen=SAMPLE)  # the latest starts
        self._peak = math.inf  # the fastest the run has sent (once measured)
        self._epoch = 0  # bumped whenever the rate changes: "at the same rate"
        self._throttle: tuple[float, int] | None = None  # (when, epoch) of the last throttle
        self._resumed = -math.inf  # when the last throttle's pause ended
        self._stretch = 0  # successes since the last throttle
        self._since_change = 0  # successes since the rate last changed or a throttle
        self._changed = -math.inf
        self._good = 0.0  # the fastest lowered rate that has run clean
        self._bad: tuple[float, float] | None = None  # (rate that recurred, when)
        self._lowering: tuple[float | None, int] | None = None  # (from, stretch before)
        self._by_count_until = -math.inf
        self._probing = False  # the rate was raised since the last throttle
        self._notices: list[str] = []
        self._announced: tuple[float, float] | None = None  # (rate, when) last told

    @property
    def rate(self) -> float | None:
        """The current ceiling in requests per second (None: unlimited)."""
        return self._ceiling

    def wait_turn(self) -> None:
        """Block until this request may start, and book the next start."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            gap = 0.0 if self._ceiling is None else min(1.0 / self._ceiling, self.max_wait)
            self._next_start = start + gap
            self._latest.append(start)
            sending = self._sending()
            if sending is not None and len(self._latest) == SAMPLE:
                self._peak = sending if math.isinf(self._peak) else max(self._peak, sending)
        if start > now:
            self._sleep(start - now)

    def succeeded(self) -> None:
        """A request went through: a lowered rate is restored after a clean spell."""
        with self._lock:
            now = self._clock()
            self._stretch += 1
            self._since_change += 1
            if self._ceiling is None or (self._cap is not None and self._ceiling >= self._cap):
                return
            quiet = now - max(self._changed, self._resumed)
            if self._since_change >= RESTORE_SUCCESSES or quiet >= RESTORE_SECONDS:
                self._restore(now)

    def throttled(self, what: str, status: int, retry_after: float | None, wait: float) -> None:
        """A 429/503 for `what` ("GET /Users") that asks for `wait` seconds: hold every
        request exactly that long, and lower the rate if throttles recur at this rate."""
        with self._lock:
            now = self._clock()
            resume = now + wait
            sending = self._ceiling if self._ceiling is not None else self._sending()
            stretch, span = self._stretch, resume - max(self._resumed, now - RECUR_SECONDS)
            last = self._throttle
            recurs = last is not None and last[1] == self._epoch and now - last[0] <= RECUR_SECONDS
            told = self._ceiling
            why = f"HTTP {status} " + (
                f"with Retry-After: {retry_after:g} s" if retry_after is not None else ""
            )
            lowering = self._lowering
            if retry_after is None:
                why += "without Retry-After"
                self._halve()
            elif lowering is not None and stretch <= SAME_STRETCH * lowering[1]:
                # No more answered between throttles since the rate was lowered: the server
                # counts requests, and pausing as asked is all that helps.
                self._set(lowering[0], now)
                self._by_count_until = now + BY_COUNT_MEMORY
                self._bad, self._good, self._lowering = None, 0.0, None
                why += " again after as many requests at a lower rate (a quota by count)"
            elif self._probing and sending is not None and 0 < self._good < sending:
                # A rate raised past one that ran clean is throttled: back to that one.
                self._bad = (sending, now)
                self._set(self._good, now)
                why += f" at {sending:.3g} requests/s, raised after a clean spell"
            elif recurs and now < self._by_count_until:
                self._by_count_until = now + BY_COUNT_MEMORY
            elif recurs and sending is not None:
                self._bad = (sending, now)
                allowed = UNDER_ALLOWED * stretch / span if span > 0 else sending / 2
                target = self._good if 0 < self._good < sending else min(allowed, sending)
                self._lowering = (self._ceiling, stretch)
                self._set(target, now)
                why += f" again at {sending:.3g} requests/s"
            if self._lowering is lowering:
                self._lowering = None  # judged: lowering lengthened the stretch
            self._throttle = (now, self._epoch)
            self._probing = False
            self._stretch = self._since_change = 0
            self._next_start = max(self._next_start, resume)
            self._resumed = resume  # the sending rate is measured from here on
            self._announce(now, f"{why} on {what}", wait, told)

    def _halve(self) -> None:
        """No Retry-After: half of what was sent, not below a quarter of the peak."""
        known = [rate for rate in (self._ceiling, self._sending()) if rate is not None]
        if known:
            floor = 0.0 if math.isinf(self._peak) else self._peak / PEAK_FLOOR
            self._set(WITHOUT_RETRY_AFTER * max(min(known), floor), self._clock())

    def _restore(self, now: float) -> None:
        """Double a lowered rate, up to --scim-rate (or unlimited), and to just under a
        rate at which throttles recurred lately."""
        rate = self._ceiling
        assert rate is not None
        if now - max(self._changed, self._resumed) >= GOOD_SECONDS:
            self._good = max(self._good, rate)  # clean long enough to be more than a burst
        target: float | None = 2 * rate
        if self._bad is not None and now - self._bad[1] <= BAD_MEMORY:
            if rate >= NEAR_BAD * self._bad[0]:
                self._since_change = 0
                self._changed = now
                return  # as close as it gets until that rate is forgotten
            target = min(2 * rate, NEAR_BAD * self._bad[0])
        if self._cap is None and (math.isinf(self._peak) or 2 * rate >= self._peak):
            target = None
        self._set(target, now)
        self._probing = True

    def _set(self, rate: float | None, now: float) -> None:
        """A new ceiling, bounded by MIN_RATE and --scim-rate."""
        if rate is not None:
            rate = max(MIN_RATE, rate)
            rate = rate if self._cap is None else min(rate, self._cap)
        if self._cap is not None and rate is None:
            rate = self._cap
        if rate != self._ceiling:
            self._ceiling = rate
            self._epoch += 1
            self._changed = now
            self._since_change = 0

    def _sending(self) -> float | None:
        """Requests per second over the latest starts since the last throttle's pause."""
        starts = [start for start in self._latest if start >= self._resumed]
        span = starts[-1] - starts[0] if len(starts) > 1 else 0.0
        return (len(starts) - 1) / span if span > 0 else None

    def notices(self) -> list[str]:
        """What the pacer did since the last call, one line each (then forgotten)."""
        with self._lock:
            taken, self._notices = self._notices, []
        return taken

    def _announce(self, now: float, why: str, wait: float, before: float | None) -> None:
        """Tell the user on the first throttle, then when the rate halves again or after a
        quiet spell (a server throttling every 20th request would otherwise flood the log)."""
        rate = self._ceiling
        if self._announced is not None:
            told, when = self._announced
            if (rate is None or rate > told / 2) and now - when < QUIET_NOTICE_SECONDS:
                return
        self._announced = (rate if rate is not None else math.inf, now)
        if rate is not None and rate != before:
            then = f", then sending at most {rate:.3g} requests/s (growing back while requests "
            then += "succeed)"
        else:
            then = " as asked (the rate is lowered only if throttles recur at it)"
        self._notices.append(f"{why}: waiting {wait:g} s{then}")
