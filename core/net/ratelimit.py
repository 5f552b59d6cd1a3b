"""Per-host rate limits as token buckets: plain logic over an injected clock, no sleeping here.

The HTTP client asks `HostRateLimiter.reserve(host, rate)` how long to wait before a request and does the
waiting itself (so that a cancel or the call's deadline can cut the wait short).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` per `per_seconds` on average, with bursts of up to `burst` back-to-back requests."""

    requests: float
    per_seconds: float = 1.0
    burst: int = 1

    def __post_init__(self) -> None:
        if self.requests <= 0 or self.per_seconds <= 0 or self.burst < 1:
            raise ValueError(f"invalid rate limit: {self}")

    @property
    def tokens_per_second(self) -> float:
        return self.requests / self.per_seconds


class TokenBucket:
    """A bucket of `rate.burst` tokens refilled at `rate.tokens_per_second`; each request takes one.

    `reserve()` always takes the token (the bucket may go negative) and returns how long the caller must
    wait before using it, so concurrent callers queue up fairly instead of all waking at once.
    """

    def __init__(self, rate: RateLimit, clock: Callable[[], float]) -> None:
        self.rate = rate
        self._clock = clock
        self._tokens = float(rate.burst)
        self._updated = clock()

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before the request may go (0.0 = now)."""
        now = self._clock()
        refill = (now - self._updated) * self.rate.tokens_per_second
        self._tokens = min(float(self.rate.burst), self._tokens + refill)
        self._updated = now
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.rate.tokens_per_second

    def refund(self) -> None:
        """Give back a token taken by `reserve()` for a request that was never sent (cancel, deadline)."""
        self._tokens = min(float(self.rate.burst), self._tokens + 1.0)


class HostRateLimiter:
    """One token bucket per host; thread-safe. A host's bucket follows the latest rate declared for it."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def reserve(self, host: str, rate: RateLimit) -> float:
        with self._lock:
            bucket = self._buckets.get(host)
            if bucket is None or bucket.rate != rate:
                bucket = TokenBucket(rate, self._clock)
                self._buckets[host] = bucket
            return bucket.reserve()

    def refund(self, host: str) -> None:
        with self._lock:
            bucket = self._buckets.get(host)
            if bucket is not None:
                bucket.refund()
