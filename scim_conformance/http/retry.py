"""When to retry and how long to wait: a client that is kind to a tenant.

* A 429 or 503 is retried after its Retry-After (seconds or an HTTP date: RFC 6585 §4,
  RFC 9110 §10.2.3), exactly, or after backoff of 1, 2, 4 … s when it gives none; five
  times at most.
* A POST is never resent after a 503: a gateway may answer 503 after the backend created
  the resource. A 429 says the request was not processed, so it is resent.
* How fast to send, and when to send slower, is the `Pacer`'s (http/pacer.py).
* `--scim-rate` (this process's share of it) is a ceiling the rate never exceeds.

Every wait (Retry-After, backoff, pacing gap) is capped by `--scim-max-retry-wait`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from .pacer import MIN_RATE, Pacer

__all__ = ["MIN_RATE", "Pacer", "may_resend", "retry_after_seconds", "retry_wait", "share_of_rate"]

MAX_RETRIES = 5
BACKOFF_BASE = 1.0  # seconds; doubled per retry when the server gives no Retry-After
BACKOFF_MAX = 30.0
THROTTLE_STATUSES = frozenset({429, 503})


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
