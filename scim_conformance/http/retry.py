"""When to retry, how long to wait, and how fast to send: a client that is kind to a tenant.

* A 429 or 503 is retried after its Retry-After (seconds or an HTTP date: RFC 6585 §4,
  RFC 9110 §10.2.3), or after backoff of 1, 2, 4 … s when it gives none; five times at most.
* A POST is never resent after a 503: a gateway may answer 503 after the backend created
  the resource. A 429 says the request was not processed, so it is resent.
* Every throttle also lowers the request rate for the rest of the run: with Retry-After to
  90 % of what the server allowed over the last seconds (its answers over that time plus
  the wait it asks for); without, to half the rate that was being sent. The rate then grows
  back while requests succeed (1 % or 5 % per request), never beyond twice the fastest the
  run has sent, so a server that throttles by count rather than by rate cannot pin the run
  to a crawl.
* `--scim-rate` (this process's share of it) is a ceiling the rate never exceeds.

Every wait (Retry-After, backoff, pacing gap) is capped by `--scim-max-retry-wait`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

MAX_RETRIES = 5
BACKOFF_BASE = 1.0  # seconds; doubled per retry when the server gives no Retry-After
BACKOFF_MAX = 30.0
THROTTLE_STATUSES = frozenset({429, 503})
MIN_RATE = 0.5  # requests per second: pacing alone never spaces requests more than 2 s apart
# With Retry-After the server says how long its quota needs: stay just under what it allowed
# and grow back slowly. Without it, halve and grow back faster (the server gave no measure).
UNDER_ALLOWED = 0.9
WITHOUT_RETRY_AFTER = 0.5
GROWTH_WITH_RETRY_AFTER = 0.01  # per successful request
GROWTH_WITHOUT_RETRY_AFTER = 0.05
# Growth stops at twice the fastest the run has sent: enough to find out whether it can go
# faster, never a jump to a speed the server has not seen.
PEAK_HEADROOM = 2.0
PEAK_FLOOR = 4.0  # without Retry-After, never halved from below a quarter of the fastest
WINDOW_SECONDS = 5.0  # requests answered this recently measure what the server allows
MIN_SAMPLE = 5  # fewer requests than this measure nothing
QUIET_NOTICE_SECONDS = 30.0  # a further slow-down is announced after this long, or if big


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds from now (delay-seconds or an HTTP date), else None."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    return None


def retry_wait(status: int, headers: Mapping[str, str], attempt: int, cap: float) -> float | None:
    """Seconds to wait before retrying a 429/503, else None.

    Retry-After is honoured; without it, backoff of 1, 2, 4 … s. Both are capped by `cap`
    (--scim-max-retry-wait). Webex answers 429 with Retry-After under load
    (https://developer.webex.com/docs/rate-limiting).
    """
    if status not in THROTTLE_STATUSES:
        return None
    wait = retry_after_seconds(headers)
    if wait is None:
        wait = min(BACKOFF_BASE * 2**attempt, BACKOFF_MAX)
    return min(wait, cap)


def may_resend(method: str, status: int) -> bool:
    """A throttled request may be sent again, except a POST answered 503 (see module doc)."""
    return status == 429 or (status == 503 and method != "POST")


def share_of_rate(rate: float | None, workers: int) -> float | None:
    """--scim-rate is the total of the run: each of `workers` processes gets its share."""
    return None if rate is None else rate / max(workers, 1)


class Pacer:
    """Spaces request starts: the --scim-rate ceiling, Retry-After, and the rate lowered
    after throttling. Thread-safe (the load check shares one client between threads)."""

    def __init__(
        self,
        rate: float | None,
        max_wait: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_wait = max_wait
        self._ceiling = rate  # requests per second this process may send; None: unlimited
        self._cap = rate  # --scim-rate (this process's share): growth never goes beyond
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start = -math.inf
        self._resumed = -math.inf  # when the last throttle's wait ended
        self._answered: deque[float] = deque()  # when requests went through, in the window
        self._growth = 0.0  # per successful request, while the rate is lowered
        self._latest: deque[float] = deque(maxlen=MIN_SAMPLE + 1)  # the latest starts
        self._peak = math.inf  # the fastest the run has sent over them
        self._notices: list[str] = []
        self._announced: tuple[float, float] | None = None  # (rate, when) last told the user

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
            if sending is not None and len(self._latest) == self._latest.maxlen:
                self._peak = sending if math.isinf(self._peak) else max(self._peak, sending)
        if start > now:
            self._sleep(start - now)

    def succeeded(self) -> None:
        """A request went through: a lowered rate grows back, up to --scim-rate and to
        PEAK_HEADROOM times the fastest rate the run has sent."""
        with self._lock:
            now = self._clock()
            self._answered.append(now)
            while self._answered[0] < now - WINDOW_SECONDS:
                self._answered.popleft()
            if self._growth and self._ceiling is not None:
                cap = PEAK_HEADROOM * self._peak
                cap = cap if self._cap is None else min(cap, self._cap)
                self._ceiling = max(self._ceiling, min(self._ceiling * (1.0 + self._growth), cap))

    def throttled(self, what: str, status: int, retry_after: float | None, wait: float) -> None:
        """A 429/503 for `what` ("GET /Users") that asks for `wait` seconds: hold every
        request that long, and lower the rate for the rest of the run."""
        with self._lock:
            now = self._clock()
            while self._answered and self._answered[0] < now - WINDOW_SECONDS:
                self._answered.popleft()
            if retry_after is not None and len(self._answered) >= MIN_SAMPLE:
                # What the server allowed lately: the requests it answered in the window,
                # over the window and the wait it asks for now.
                allowed = len(self._answered) / (now + wait - self._answered[0])
                lowered: float | None = UNDER_ALLOWED * allowed
                self._growth = GROWTH_WITH_RETRY_AFTER
            else:
                # Halve what was sent, but not below a fraction of the fastest the run has
                # sent: a client busy between requests (generating examples) sends slowly,
                # and a server throttling by count would otherwise pin it there.
                known = [rate for rate in (self._ceiling, self._sending()) if rate is not None]
                floor = 0.0 if math.isinf(self._peak) else self._peak / PEAK_FLOOR
                lowered = WITHOUT_RETRY_AFTER * max(min(known), floor) if known else None
                self._growth = GROWTH_WITHOUT_RETRY_AFTER
            if lowered is not None:
                lowered = max(MIN_RATE, lowered)
                lowered = lowered if self._cap is None else min(lowered, self._cap)
                self._ceiling = lowered if self._ceiling is None else min(self._ceiling, lowered)
            self._next_start = max(self._next_start, now + wait)
            self._resumed = now + wait  # the sending rate is measured from here on
            said = "with" if retry_after is not None else "without"
            seconds = f": {retry_after:g} s" if retry_after is not None else ""
            self._announce(now, f"HTTP {status} {said} Retry-After{seconds} on {what}", wait)

    def _sending(self) -> float | None:
        """Requests per second over the latest starts since the last throttle's wait."""
        starts = [start for start in self._latest if start >= self._resumed]
        span = starts[-1] - starts[0] if len(starts) > 1 else 0.0
        return (len(starts) - 1) / span if span > 0 else None

    def notices(self) -> list[str]:
        """What the pacer did since the last call, one line each (then forgotten)."""
        with self._lock:
            taken, self._notices = self._notices, []
        return taken

    def _announce(self, now: float, why: str, wait: float) -> None:
        """Tell the user on the first throttle, then when the rate halves again or after a
        quiet spell (a server throttling every 20th request would otherwise flood the log)."""
        rate = self._ceiling
        if self._announced is not None:
            told, when = self._announced
            if (rate is None or rate > told / 2) and now - when < QUIET_NOTICE_SECONDS:
                return
        self._announced = (rate if rate is not None else math.inf, now)
        then = "" if rate is None else f", then sending at most {rate:.3g} requests/s"
        self._notices.append(
            f"{why}: waiting {wait:g} s{then} (growing back while requests succeed)"
        )
