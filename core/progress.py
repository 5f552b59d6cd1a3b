"""Progress reporting and cancellation for long work (scan, import, match, query, export).

Every long call takes a `Progress`. The caller (CLI bar, GUI controller, test) passes a listener and keeps
a handle to `cancel()`; the work calls `check_cancelled()` between items, `advance()` after each one and
splits itself into weighted sub-steps with `step()`. A `Progress()` with no listener does nothing, which
is the default for callers that do not care.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core.errors import Cancelled


@dataclass(frozen=True)
class ProgressUpdate:
    """A snapshot of the work's state, sent to the listener.

    `fraction` covers the whole call (all weighted steps); `done`/`total` count items in the current step.
    `rate` is items per second in the current step and `eta_seconds` its estimated time left (None until
    known).
    """

    fraction: float
    step: str
    detail: str
    done: int
    total: int | None
    rate: float | None
    eta_seconds: float | None


Listener = Callable[[ProgressUpdate], None]


class Progress:
    """Weighted progress with cooperative cancellation; thread-safe for one producer and any cancellers."""

    def __init__(
        self,
        listener: Listener | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        cancel_event: threading.Event | None = None,
    ) -> None:
        self._listener = listener
        self._clock = clock
        self._cancel = cancel_event or threading.Event()
        self._base = 0.0  # fraction of the whole call at which the current step starts
        self._span = 1.0  # share of the whole call the current step covers
        self._step = ""
        self._done = 0
        self._total: int | None = None
        self._started = clock()
        self._consumed = 0.0  # share of this progress used by finished sub-steps

    # --- cancellation -------------------------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise `Cancelled` if someone asked to stop; call it between items, never mid-write."""
        if self._cancel.is_set():
            raise Cancelled("cancelled")

    # --- reporting ----------------------------------------------------------------------------------
    def start(self, total: int | None, detail: str = "") -> None:
        """Begin counting `total` items (None when unknown) in the current step."""
        self._done = 0
        self._total = total
        self._started = self._clock()
        self._emit(detail)

    def advance(self, count: int = 1, detail: str = "") -> None:
        self._done += count
        self._emit(detail)

    def set_total(self, total: int | None) -> None:
        self._total = total
        self._emit("")

    @contextmanager
    def step(self, weight: float, name: str) -> Iterator[Progress]:
        """Run a sub-step that covers `weight` (0..1) of the remaining share of this progress.

        Sub-steps are sequential; their weights should add up to at most 1. The sub-progress shares the
        listener and the cancel flag, so cancelling either cancels both.
        """
        child = Progress(self._listener, clock=self._clock, cancel_event=self._cancel)
        child._base = self._base + self._span * self._consumed
        child._span = self._span * weight
        child._step = name
        child._emit("")
        try:
            yield child
        finally:
            self._consumed = min(1.0, self._consumed + weight)

    def _emit(self, detail: str) -> None:
        if self._listener is None:
            return
        elapsed = max(self._clock() - self._started, 1e-9)
        rate = self._done / elapsed if self._done else None
        eta = None
        if rate and self._total is not None:
            eta = max(self._total - self._done, 0) / rate
        inner = self._done / self._total if self._total else 0.0
        self._listener(
            ProgressUpdate(
                fraction=min(1.0, self._base + self._span * inner),
                step=self._step,
                detail=detail,
                done=self._done,
                total=self._total,
                rate=rate,
                eta_seconds=eta,
            )
        )
