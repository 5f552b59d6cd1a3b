"""Token buckets are plain logic: tested with a hand-driven clock."""

from __future__ import annotations

import pytest

from core.net.ratelimit import HostRateLimiter, RateLimit, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_spacing() -> None:
    clock = Clock()
    bucket = TokenBucket(RateLimit(requests=2, per_seconds=1.0, burst=2), clock)
    assert [bucket.reserve(), bucket.reserve()] == [0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)
    assert bucket.reserve() == pytest.approx(1.0)  # queued behind the previous reservation


def test_tokens_refill_with_time_but_not_beyond_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(RateLimit(requests=1, per_seconds=2.0, burst=1), clock)
    assert bucket.reserve() == 0.0
    clock.now += 1.0
    assert bucket.reserve() == pytest.approx(1.0)
    clock.now += 3600
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(2.0)


def test_refund_returns_an_unused_token() -> None:
    clock = Clock()
    bucket = TokenBucket(RateLimit(requests=1, per_seconds=1.0, burst=1), clock)
    bucket.reserve()
    assert bucket.reserve() == pytest.approx(1.0)
    bucket.refund()
    assert bucket.reserve() == pytest.approx(1.0)


def test_hosts_are_limited_independently() -> None:
    clock = Clock()
    limiter = HostRateLimiter(clock)
    rate = RateLimit(requests=1, per_seconds=1.0, burst=1)
    assert limiter.reserve("a.example", rate) == 0.0
    assert limiter.reserve("b.example", rate) == 0.0
    assert limiter.reserve("a.example", rate) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [dict(requests=0), dict(requests=1, per_seconds=0), dict(requests=1, burst=0)])
def test_invalid_rates_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RateLimit(**bad)  # type: ignore[arg-type]
