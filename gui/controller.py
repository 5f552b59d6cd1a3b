"""The GUI's only door to the core: one method per facade call, run on a worker pool, results as typed signals.

Widgets never call the facade. Each method submits the call to the right pool (`Workers`), and the outcome
comes back on the GUI thread as a signal carrying the facade's immutable dataclasses. Long calls get a
`Progress` whose updates are throttled to about ten a second before they cross threads; `cancel()` stops the
running one (finished items are already stored by the core).

Every facade method is called by name in the code (never looked up by a string), so a renamed or removed facade
method fails the type check.
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
from core.matching.importer import ImportReport
from core.profile import Profile
from core.progress import Progress, ProgressUpdate
from core.sources import source_type
from core.sources.base import SettingSpec, SourceResult
from core.sources.compare import FetchComparison
from core.workflows import CheckResult
from gui.workers import MainThreadPost, Pool, TaskError, Workers

PROGRESS_INTERVAL = 0.1  # seconds between progress updates sent to the GUI thread (~10 a second)
POLL_INTERVAL = 0.5  # seconds between catalogue reads while a scan runs, so results appear as they are stored


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
    check_finished = Signal(object)  # CheckResult: the whole check (scan, matching, sources asked)
    cancelled = Signal(str)  # what was cancelled ("Scanning", "Matching")
    long_started = Signal(str)  # what is running (shown in the progress panel)
    datasets_loaded = Signal(list)  # list[DatasetInfo]
    dataset_added = Signal(object)  # ImportReport
    dataset_removed = Signal(str)  # dataset id
    fetched = Signal(object)  # FetchComparison
    routes_loaded = Signal(object, list)  # match ids (a tuple), list[Route]: how to act on those matches at once
    summary_loaded = Signal(object)  # SearchSummary: what the results rest on (the verdict)
    highlights_loaded = Signal(object)  # match id -> Highlights: where captions and URLs name the artist
    exported = Signal(str, object)  # what was written ("Opt-out pack", "Evidence PDF") and where (Path)
    sources_loaded = Signal(list)  # list[SourceStatus]
    source_configured = Signal(object)  # SourceStatus
    plan_ready = Signal(list)  # list[OutgoingRequest]: exactly what would be sent
    sources_queried = Signal(list)  # list[SourceResult]
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

    # --- reads --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload works and matches (both snapshots arrive as signals)."""
        self._read(self._facade.works, self.works_loaded.emit, "Reading the catalogue")
        self._read(self._facade.matches, self.matches_loaded.emit, "Reading the matches")
        self.load_summary()

    def load_summary(self) -> None:
        """The verdict's facts (core.searched) and where captions and URLs name the artist (core.highlights)."""
        self._read(self._facade.search_summary, self.summary_loaded.emit, "Reading what was searched")
        self._read(self._facade.highlights, self.highlights_loaded.emit, "Reading the profile")

    def load_profile(self) -> None:
        self._read(self._facade.profile, self.profile_loaded.emit, "Reading your profile")

    def load_datasets(self) -> None:
        self._read(self._facade.datasets, self.datasets_loaded.emit, "Reading the datasets")

    def load_sources(self) -> None:
        self._read(self._facade.sources, self.sources_loaded.emit, "Reading the remote sources")

    def source_form(self, source_id: str) -> tuple[tuple[SettingSpec, ...], dict[str, str]]:
        """A source's setting specs and its current non-secret values (in memory: no I/O)."""
        return source_type(source_id).settings, dict(self._facade.settings.sources.get(source_id, {}))

    def set_auto_sources(self, source_ids: Sequence[str]) -> None:
        """Which sources every check asks (the dialog allows it only after their preview was shown)."""
        chosen = list(source_ids)
        self._write(lambda: self._facade.set_auto_sources(chosen), lambda _ids: self.load_sources(),
                    "Saving which sources every check asks")  # fmt: skip

    def load_routes(self, match_ids: int | Sequence[int]) -> None:
        """The opt-out routes of one match or of several at once, with their text (core.letters.routes)."""
        ids = (match_ids,) if isinstance(match_ids, int) else tuple(match_ids)

        def deliver(routes: list[object]) -> None:
            self.routes_loaded.emit(ids, routes)

        self._read(lambda: self._facade.routes_for(*ids), deliver, "Preparing the routes")

    def save_route(self, match_ids: int | Sequence[int], stem: str, path: Path) -> None:
        ids = (match_ids,) if isinstance(match_ids, int) else tuple(match_ids)

        def saved(written: object) -> None:
            self.exported.emit("Route text", written)
            self.load_routes(ids)

        self._write(lambda: self._facade.save_route(list(ids), stem, path), saved, "Saving the text")

    def plan_sources(self, source_ids: Sequence[str]) -> None:
        """Build the "what will be sent" list (hashes, URLs, names; never an image); nothing is sent."""
        chosen = list(source_ids)
        self._read(lambda: self._facade.plan_sources(chosen), self.plan_ready.emit, "Preparing the preview")

    # --- writes -------------------------------------------------------------------------------------
    def decide(self, match_ids: Sequence[int], status: str, note: str = "") -> None:
        ids = list(match_ids)
        self._write(lambda: self._facade.decide(ids, status, note), self.decided.emit, "Saving your decision")

    def save_profile(self, profile: Profile) -> None:
        def saved(stored: object) -> None:
            self.profile_saved.emit(stored)
            self.load_summary()

        self._write(lambda: self._facade.set_profile(profile), saved, "Saving your profile")

    def remove_dataset(self, dataset_id: str) -> None:
        def remove() -> str:
            self._facade.remove_dataset(dataset_id)
            return dataset_id

        self._write(remove, self._dataset_removed, "Removing the dataset")

    def configure_source(self, source_id: str, values: dict[str, str], token: str | None) -> None:
        """Store a source's settings; a token goes to the keyring only (None keeps the stored one)."""

        def configure() -> object:
            return self._facade.configure_source(source_id, values, token)

        self._write(configure, self._source_configured, "Saving the source settings")

    # --- long work (one at a time, on the writer thread, cancellable) -------------------------------
    def scan(self, roots: Sequence[Path]) -> bool:
        """Start the check of `roots` (the core's flow: scan, match, ask the automatic sources); False (and
        nothing happens) if a long call is running."""
        paths, facade = [Path(root) for root in roots], self._facade

        def check(progress: Progress) -> CheckResult:
            return facade.check(paths, source_ids=facade.auto_sources(), progress=progress)

        started = self._start_long(check, self._check_done, "Scanning")
        if started:
            self.scan_started.emit(paths)
        return started

    def run_matching(self) -> bool:
        """Match every work and the profile against the added datasets (the core's default threshold)."""
        return self._start_long(
            lambda progress: self._facade.run_matching(progress=progress), self._matching_done, "Matching"
        )

    def add_dataset(
        self, dataset_id: str, schema: str | None, sources: Sequence[str], keep_columns: bool | None = None
    ) -> bool:
        """Add (or resume adding) a dataset on a worker thread; `keep_columns`: keep its URL/caption columns
        locally (None: as the dataset was added before)."""
        chosen = list(sources)

        def add(progress: Progress) -> ImportReport:
            return self._facade.add_dataset(
                dataset_id, schema=schema, sources=chosen, keep_columns=keep_columns, progress=progress
            )

        return self._start_long(add, self._dataset_added, f"Importing {dataset_id}")

    def fetch_match(self, match_id: int) -> bool:
        """Download one match's dataset image through the core's guarded fetcher (only when the user asks)."""

        def fetch(progress: Progress) -> FetchComparison:
            return self._facade.fetch_match(match_id, progress=progress)

        return self._start_long(fetch, self._fetched, "Fetching the dataset image")

    def write_optout_pack(self, out_dir: Path) -> bool:
        """Website files, letters and tagged copies of the works with confirmed matches, into `out_dir`."""

        def write(progress: Progress) -> Path:
            return self._facade.write_optout_pack(out_dir, progress).out_dir

        return self._start_long(write, lambda where: self._exported("Opt-out pack", where), "Writing the opt-out pack")

    def export_hashes(self, path: Path) -> bool:
        """The portfolio's hash list (hashes, file names and the public profile; never an image) for a batch."""

        def write(progress: Progress) -> Path:
            self._facade.export_hashes(path)
            return path

        return self._start_long(write, lambda where: self._exported("Hash list", where), "Writing the hash list")

    def write_evidence_pdf(self, pdf: Path) -> bool:
        def write(progress: Progress) -> Path:
            return self._facade.write_evidence_report(pdf, progress=progress).pdf_path

        return self._start_long(write, lambda where: self._exported("Evidence PDF", where), "Writing the evidence PDF")

    def query_sources(self, source_ids: Sequence[str]) -> bool:
        chosen = list(source_ids)

        def query(progress: Progress) -> list[SourceResult]:
            return self._facade.query_sources(chosen, progress=progress)

        return self._start_long(query, self._sources_queried, "Asking the remote sources")

    def run_demo(self) -> bool:
        """The whole flow on sample data (the core's demo: sample artist and datasets, then the check)."""
        facade = self._facade

        def demo(progress: Progress) -> CheckResult:
            return facade.demo(progress).check

        return self._start_long(demo, self._check_done, "Preparing the demo")

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
        self.long_started.emit(doing)
        return True

    def _finish_long(self) -> None:
        self._progress = None
        self.busy_changed.emit(False)
        self.refresh()

    def _check_done(self, result: CheckResult) -> None:
        self._finish_long()
        self.scan_finished.emit(result.scan)
        if result.matching is not None:
            self.matching_finished.emit(result.matching)
        if result.sources:
            self.sources_queried.emit(list(result.sources))
        self.check_finished.emit(result)

    def _dataset_added(self, report: object) -> None:
        self._finish_long()
        self.dataset_added.emit(report)
        self.load_datasets()

    def _dataset_removed(self, dataset_id: str) -> None:
        self.dataset_removed.emit(dataset_id)
        self.load_datasets()
        self.refresh()

    def _source_configured(self, status: object) -> None:
        self.source_configured.emit(status)
        self.load_sources()
        self.load_summary()

    def _sources_queried(self, results: list[object]) -> None:
        self._finish_long()
        self.sources_queried.emit(results)

    def _exported(self, what: str, where: object) -> None:
        self._finish_long()
        self.exported.emit(what, where)

    def _fetched(self, comparison: object) -> None:
        self._finish_long()
        self.fetched.emit(comparison)

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
