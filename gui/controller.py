"""The GUI's only door to the core: one method per facade call, run on a worker pool, results as typed signals.

Widgets never call the facade. Each method submits the call to the right pool (`Workers`), and the outcome
comes back on the GUI thread as a signal carrying the facade's immutable dataclasses. Long calls get a
`Progress` whose updates are throttled to about ten a second before they cross threads; `cancel()` stops the
running one (finished items are already stored by the core).

Capabilities the core is still growing (dataset manager, matching, sources, opt-out, evidence) are probed with
`supports()`, so the window can show their actions disabled with an explanation until the facade offers them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.app import TrainTrace
from core.catalogue.works import Work
from core.errors import Cancelled
from core.profile import Profile
from core.progress import Progress, ProgressUpdate
from core.scanning.scanner import ScanSummary
from gui.workers import MainThreadPost, Pool, TaskError, Workers

PROGRESS_INTERVAL = 0.1  # seconds between progress updates sent to the GUI thread (~10 a second)
POLL_INTERVAL = 0.5  # seconds between catalogue reads while a scan runs, so results appear as they are stored

# Facade methods a GUI feature needs; the feature's action stays disabled until all of them exist.
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "matching": ("run_matching",),
    "datasets": ("datasets", "add_dataset", "remove_dataset"),
    "sources": ("sources",),
    "fetch": ("fetch_row_image",),
    "optout": ("optout_pack",),
    "evidence": ("evidence_pdf",),
}


class ThrottledListener:
    """A `Progress` listener (called on the worker thread) that forwards at most one update per interval.

    The last update before a quiet period is not lost: the final state is always sent by `flush()`.
    """

    def __init__(
        self,
        forward: Callable[[ProgressUpdate], None],
        interval: float = PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._forward = forward
        self._interval = interval
        self._clock = clock
        self._last_sent = float("-inf")
        self._latest: ProgressUpdate | None = None
        self._latest_sent = True

    def __call__(self, update: ProgressUpdate) -> None:
        self._latest, self._latest_sent = update, False
        now = self._clock()
        if now - self._last_sent >= self._interval:
            self._last_sent = now
            self._latest_sent = True
            self._forward(update)

    def flush(self) -> None:
        if self._latest is not None and not self._latest_sent:
            self._latest_sent = True
            self._forward(self._latest)


class Controller(QObject):
    works_loaded = Signal(list)  # list[Work], a full snapshot
    matches_loaded = Signal(list)  # list[Match], a full snapshot
    scan_started = Signal(list)  # list[Path]
    scan_progress = Signal(object)  # ProgressUpdate
    scan_finished = Signal(object)  # ScanSummary
    cancelled = Signal(str)  # what was cancelled ("Scanning", "Matching")
    matching_finished = Signal(object)  # whatever the facade's run_matching returns
    decided = Signal(list)  # list[Match] with their new status
    profile_loaded = Signal(object)  # Profile
    profile_saved = Signal(object)  # Profile
    busy_changed = Signal(bool)
    failed = Signal(str, object)  # what was being done, TaskError

    def __init__(self, facade: TrainTrace, workers: Workers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self._workers = workers
        self._progress: Progress | None = None
        self._polling = False
        self._last_poll = 0.0
        self._post_progress = MainThreadPost(self._on_progress, self)

    @property
    def busy(self) -> bool:
        """True while a long call (scan, matching) runs; only one runs at a time."""
        return self._progress is not None

    def supports(self, capability: str) -> bool:
        return all(callable(getattr(self._facade, name, None)) for name in CAPABILITIES[capability])

    # --- reads --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload works and matches (both snapshots arrive as signals)."""
        self._read(self._facade.works, self.works_loaded.emit, "Reading the catalogue")
        self._read(self._facade.matches, self.matches_loaded.emit, "Reading the matches")

    def load_profile(self) -> None:
        self._read(self._facade.profile, self.profile_loaded.emit, "Reading your profile")

    # --- writes -------------------------------------------------------------------------------------
    def decide(self, match_ids: Sequence[int], status: str, note: str = "") -> None:
        ids = list(match_ids)
        self._write(lambda: self._facade.decide(ids, status, note), self.decided.emit, "Saving your decision")

    def save_profile(self, profile: Profile) -> None:
        self._write(lambda: self._facade.set_profile(profile), self.profile_saved.emit, "Saving your profile")

    # --- long work ----------------------------------------------------------------------------------
    def scan(self, roots: Sequence[Path]) -> bool:
        """Start scanning `roots`; False (and nothing happens) if a long call is already running."""
        paths = [Path(root) for root in roots]
        started = self._start_long(lambda progress: self._facade.scan(paths, progress), self._scan_done, "Scanning")
        if started:
            self.scan_started.emit(paths)
        return started

    def run_matching(self) -> bool:
        """Match every work and the profile against the added datasets (the core's default threshold)."""
        if not self.supports("matching"):
            return False
        facade: Any = self._facade  # run_matching arrives with the dataset layer; probed by supports()
        return self._start_long(
            lambda progress: facade.run_matching(progress=progress), self._matching_done, "Matching"
        )

    def cancel(self) -> None:
        if self._progress is not None:
            self._progress.cancel()

    # --- plumbing -----------------------------------------------------------------------------------
    def _read(self, call: Callable[[], object], deliver: Callable[[Any], None], doing: str) -> None:
        self._workers.submit(Pool.READS, call, deliver, lambda error: self.failed.emit(doing, error))

    def _write(self, call: Callable[[], object], deliver: Callable[[Any], None], doing: str) -> None:
        self._workers.submit(Pool.WRITER, call, deliver, lambda error: self.failed.emit(doing, error))

    def _start_long(self, call: Callable[[Progress], object], deliver: Callable[[Any], None], doing: str) -> bool:
        if self._progress is not None:
            return False
        listener = ThrottledListener(self._post_progress)
        progress = Progress(listener)
        self._progress = progress

        def work() -> object:
            try:
                return call(progress)
            finally:
                listener.flush()

        self._workers.submit(Pool.WRITER, work, deliver, lambda error: self._long_failed(doing, error))
        self.busy_changed.emit(True)
        return True

    def _finish_long(self) -> None:
        self._progress = None
        self.busy_changed.emit(False)
        self.refresh()

    def _scan_done(self, summary: ScanSummary) -> None:
        self._finish_long()
        self.scan_finished.emit(summary)

    def _matching_done(self, result: object) -> None:
        self._finish_long()
        self.matching_finished.emit(result)

    def _long_failed(self, doing: str, error: TaskError) -> None:
        self._finish_long()
        if isinstance(error.exception, Cancelled):
            self.cancelled.emit(doing)
        else:
            self.failed.emit(doing, error)

    def _on_progress(self, update: ProgressUpdate) -> None:
        if self._progress is None:
            return  # a late update after the call ended
        self.scan_progress.emit(update)
        self._poll_works()

    def _poll_works(self) -> None:
        """While a scan runs, re-read the works now and then so finished ones appear at once."""
        now = time.monotonic()
        if self._polling or now - self._last_poll < POLL_INTERVAL:
            return
        self._polling, self._last_poll = True, now

        def delivered(works: list[Work]) -> None:
            self._polling = False
            self.works_loaded.emit(works)

        def failed(error: TaskError) -> None:
            self._polling = False
            self.failed.emit("Reading the catalogue", error)

        self._workers.submit(Pool.READS, self._facade.works, delivered, failed)
