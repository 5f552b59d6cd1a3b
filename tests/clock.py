"""A hand-driven monotonic clock: time moves only when the code under test sleeps on it or the test moves it.

Code that takes a `clock` (and a `sleep`) is tested with this instead of the wall clock, so a test means the
same on a fast machine, a slow one and a busy one: "waited 0.5 s" is read off the clock, not measured.
"""

from __future__ import annotations

import threading
import time


class ManualClock:
    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._slept = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    @property
    def slept(self) -> float:
        """Seconds the code under test asked to sleep, in total."""
        with self._lock:
            return self._slept

    def sleep(self, seconds: float) -> None:
        """What the code under test calls instead of `time.sleep`: the clock jumps, no real time passes."""
        with self._lock:
            self._now += max(0.0, seconds)
            self._slept += max(0.0, seconds)
        time.sleep(0)  # still give other threads their turn, as a real sleep would

    def advance(self, seconds: float) -> None:
        """Move time on, as if `seconds` had passed while the code under test was blocked elsewhere."""
        with self._lock:
            self._now += seconds
