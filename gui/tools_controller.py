"""The second door to the core, for the set-up guide and the Act pages: one method per facade call, on the
same worker pools as `Controller`, results as typed signals.

Kept apart from `Controller` (the review window's door) so each can grow without the other; the rules are the
same: widgets never call the facade, every call runs on a worker, catalogue writes go to the writer thread.
The site check is the one network call here: it runs on the reads pool and `cancel_site_check()` stops it
(the HTTP client stops the request under way).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.app import TrainTrace
from core.app.sources import SourceConsent
from core.errors import Cancelled
from core.optout.rights_readback import RightsMetadata
from core.progress import Progress
from gui.setup_status import read_setup
from gui.workers import Pool, TaskError, Workers

if TYPE_CHECKING:  # the type of what the facade's tag_copies returns; the GUI never calls the tagging code
    from core.optout.tagging import TagResult


@dataclass(frozen=True)
class TaggedWork:
    """One work through tagging: its metadata before, what tagging did, and the copy's metadata after."""

    source: Path
    before: RightsMetadata | None
    result: TagResult
    after: RightsMetadata | None


class ToolsController(QObject):
    setup_loaded = Signal(object)  # SetupStatus
    known_datasets_loaded = Signal(list)  # list[KnownDataset]
    dataset_measured = Signal(object)  # DatasetPlan, read online
    consent_loaded = Signal(object)  # SourceConsent (with the preview's requests)
    consent_accepted = Signal(object)  # SourceConsent, accepted
    pending_consents_loaded = Signal(list)  # list[SourceConsent] that wait for the user
    site_checked = Signal(object)  # SiteReport
    site_check_cancelled = Signal()
    site_check_running = Signal(bool)
    works_loaded = Signal(list)  # list[Work]: the catalogue's works (for tagging any of them)
    rights_loaded = Signal(object)  # list[RightsMetadata] for the works chosen to tag
    tagged = Signal(list)  # list[TaggedWork]
    pack_previewed = Signal(object)  # PackPreview
    failed = Signal(str, object)  # what was being done, TaskError

    def __init__(self, facade: TrainTrace, workers: Workers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self._workers = workers
        self._site_progress: Progress | None = None

    @property
    def is_demo(self) -> bool:
        return self._facade.paths.is_demo

    # --- set-up -------------------------------------------------------------------------------------
    def load_setup(self) -> None:
        facade = self._facade
        self._read(lambda: read_setup(facade), self.setup_loaded.emit, "Reading where the set-up stands")

    def load_known_datasets(self) -> None:
        self._read(self._facade.known_datasets, self.known_datasets_loaded.emit, "Reading the known datasets")

    def measure_dataset(self, dataset_id: str) -> None:
        """What adding `dataset_id` will download, read from its shards' footers (online, a few small requests)."""
        self._read(lambda: self._facade.plan_dataset(dataset_id), self.dataset_measured.emit,
                   f"Measuring {dataset_id}")  # fmt: skip

    def load_consent(self, source_id: str) -> None:
        self._read(lambda: self._facade.source_consent(source_id), self.consent_loaded.emit,
                   "Preparing what will be sent")  # fmt: skip

    def load_pending_consents(self) -> None:
        self._read(self._facade.pending_consents, self.pending_consents_loaded.emit, "Reading the sources")

    def accept_consent(self, consent: SourceConsent, ask_on_every_check: bool = True) -> None:
        """Remember that the user accepted `consent` (as shown) and, by default, ask that source on every check."""
        facade = self._facade

        def accept() -> SourceConsent:
            accepted = facade.accept_source_preview(consent.source_id, consent.fingerprint)
            if ask_on_every_check:
                wanted = [s.id for s in facade.sources() if s.automatic and s.id != consent.source_id]
                facade.set_auto_sources([*wanted, consent.source_id])
            return accepted

        self._write(accept, self.consent_accepted.emit, "Saving your acceptance")

    def stop_asking(self, source_id: str) -> None:
        """Stop asking `source_id` on every check (its acceptance is kept for a later return)."""
        facade = self._facade

        def stop() -> list[str]:
            return facade.set_auto_sources([s.id for s in facade.sources() if s.automatic and s.id != source_id])

        self._write(stop, lambda _ids: self.load_setup(), "Saving which sources every check asks")

    # --- act ----------------------------------------------------------------------------------------
    def check_site(self, url: str, images: Sequence[str] = (), include_other_hosts: bool = False) -> bool:
        """Fetch the site's opt-out signals (network, guarded); False if a site check is already running."""
        if self._site_progress is not None:
            return False
        progress = Progress()
        self._site_progress = progress
        chosen = list(images)

        def check() -> object:
            return self._facade.check_site(url, images=chosen, include_other_hosts=include_other_hosts,
                                           progress=progress)  # fmt: skip

        def done(report: object) -> None:
            self._site_done()
            self.site_checked.emit(report)

        def failed(error: TaskError) -> None:
            self._site_done()
            if isinstance(error.exception, Cancelled):
                self.site_check_cancelled.emit()
            else:
                self.failed.emit("Checking the website", error)

        self._workers.submit(Pool.READS, check, done, failed)
        self.site_check_running.emit(True)
        return True

    def cancel_site_check(self) -> None:
        if self._site_progress is not None:
            self._site_progress.cancel()

    def _site_done(self) -> None:
        self._site_progress = None
        self.site_check_running.emit(False)

    def load_works(self) -> None:
        self._read(self._facade.works, self.works_loaded.emit, "Reading your works")

    def load_rights(self, paths: Sequence[Path]) -> None:
        chosen = [Path(path) for path in paths]
        facade = self._facade

        def read() -> list[RightsMetadata]:
            return [facade.rights_metadata(path) for path in chosen]

        self._read(read, self.rights_loaded.emit, "Reading the works' metadata")

    def tag(self, paths: Sequence[Path], out_dir: Path, data_mining: str) -> None:
        """Tagged copies of `paths` in `out_dir` (originals untouched), each with its metadata before and after."""
        chosen = [Path(path) for path in paths]
        facade = self._facade

        def tag() -> list[TaggedWork]:
            before = {path: _read_or_none(facade.rights_metadata, path) for path in chosen}
            results = facade.tag_copies(chosen, out_dir, data_mining)
            return [
                TaggedWork(result.source, before.get(result.source), result,
                           _read_or_none(facade.rights_metadata, result.output) if result.output else None)
                for result in results
            ]  # fmt: skip

        self._write(tag, self.tagged.emit, "Tagging the copies")

    def preview_pack(self, out_dir: Path) -> None:
        self._read(lambda: self._facade.preview_optout_pack(out_dir), self.pack_previewed.emit,
                   "Preparing the opt-out pack's preview")  # fmt: skip

    # --- plumbing -----------------------------------------------------------------------------------
    def _read(self, call: Callable[[], object], deliver: Callable[[Any], None], doing: str) -> None:
        self._workers.submit(Pool.READS, call, deliver, lambda error: self.failed.emit(doing, error))

    def _write(self, call: Callable[[], object], deliver: Callable[[Any], None], doing: str) -> None:
        self._workers.submit(Pool.WRITER, call, deliver, lambda error: self.failed.emit(doing, error))


def _read_or_none(read: Callable[[Path], RightsMetadata], path: Path) -> RightsMetadata | None:
    try:
        return read(path)
    except Exception:  # noqa: BLE001 - an unreadable file shows "could not read" in the view, it does not stop tagging
        return None
