"""The main window: drop zone, scan panel, filters, results table and compare panel.

It wires widgets to the `Controller` and keeps the latest snapshots of works and matches (immutable
dataclasses from the core) keyed by id. It never calls the facade and never blocks: every call goes through
the controller and comes back as a signal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME, __version__
from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.matching.service import MatchSummary
from core.profile import Profile
from core.progress import ProgressUpdate
from core.scanning.scanner import ScanSummary
from core.workflows import CheckResult
from gui.compare_panel import ComparePanel
from gui.controller import Controller
from gui.dialogs.datasets_dialog import DatasetsDialog
from gui.dialogs.error_dialog import ErrorDialog
from gui.dialogs.profile_dialog import ProfileDialog
from gui.dialogs.sources_dialog import SourcesDialog
from gui.drop_zone import DropZone, local_paths
from gui.filter_bar import FilterBar
from gui.models import Column, ResultsModel, ReviewProxy, ReviewRow, build_rows
from gui.results_view import ResultsView
from gui.scan_panel import ScanPanel
from gui.state import UiState
from gui.thumbnails import ThumbnailCache
from gui.workers import TaskError


class MainWindow(QMainWindow):
    def __init__(
        self,
        controller: Controller,
        state: UiState,
        thumbnails: ThumbnailCache,
        previews: ThumbnailCache,
        title_suffix: str = "",
    ) -> None:
        super().__init__()
        self.controller = controller
        self._state = state
        self._works: dict[int, Work] = {}
        self._matches: dict[int, Match] = {}
        self._dialogs: list[QDialog] = []
        self.setWindowTitle(f"{APP_NAME}{title_suffix}")
        self.setAcceptDrops(True)
        self.model = ResultsModel(thumbnails.get, self)
        thumbnails.ready.connect(self.model.thumbnail_ready)
        self.proxy = ReviewProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build_widgets(thumbnails, previews)
        self._build_actions()
        self._connect()
        self._restore_state()
        self.drop_zone.set_recent(state.recent_folders())

    # --- construction -------------------------------------------------------------------------------
    def _build_widgets(self, thumbnails: ThumbnailCache, previews: ThumbnailCache) -> None:
        self.drop_zone = DropZone(self)
        self.scan_panel = ScanPanel(self)
        self.filters = FilterBar(self)
        self.table = ResultsView(self.proxy, thumbnails.logical_size, self)
        self.compare = ComparePanel(previews, self)
        compare_area = QScrollArea(self)  # small screens scroll the evidence instead of squashing it
        compare_area.setWidget(self.compare)
        compare_area.setWidgetResizable(True)
        compare_area.setFrameShape(QFrame.Shape.NoFrame)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("results-splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(compare_area)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([720, 520])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        for widget in (self.drop_zone, self.scan_panel, self.filters):
            layout.addWidget(widget)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.counts = QLabel(self)
        self.counts.setAccessibleName("Counts")
        self.statusBar().addPermanentWidget(self.counts)

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.scan_action = self._action(file_menu, "&Scan a folder…", "Ctrl+O", self.drop_zone.choose_folder)
        self.cancel_action = self._action(file_menu, "&Cancel the scan", "Esc", self.controller.cancel)
        self.cancel_action.setEnabled(False)
        self.export_hashes_action = self._action(file_menu, "Export &hashes…", None, self._export_hashes)
        self.export_hashes_action.setToolTip("Hashes and file names of your works, for a batch check; never an image")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        review = bar.addMenu("&Review")
        self.confirm_action = self._action(review, "&Confirm: this is my work", "C", lambda: self.decide("confirmed"))
        self.reject_action = self._action(review, "&Not mine", "R", lambda: self.decide("rejected"))
        self.reject_action.setShortcuts([QKeySequence("R"), QKeySequence("X")])
        self._action(review, "&Undecide", "U", lambda: self.decide("candidate"))
        review.addSeparator()
        self._action(review, "Ne&xt", "J", lambda: self.move_selection(1))
        self._action(review, "&Previous", "K", lambda: self.move_selection(-1))
        self._action(review, "&Search", QKeySequence.StandardKey.Find, self.filters.search.setFocus)
        datasets = bar.addMenu("&Datasets")
        self.matching_action = self._action(datasets, "&Run matching", "Ctrl+M", self.run_matching)
        self.feature_actions = {"matching": self.matching_action}
        self.feature_actions["datasets"] = self._action(datasets, "&Manage datasets…", None, self._manage_datasets)
        self.feature_actions["sources"] = self._action(datasets, "&Remote sources…", None, self._manage_sources)
        act = bar.addMenu("&Act")
        self.feature_actions["optout"] = self._action(act, "&Opt-out pack…", None, self._write_optout_pack)
        self.feature_actions["evidence"] = self._action(act, "&Evidence PDF…", None, self._write_evidence_pdf)
        settings = bar.addMenu("&Settings")
        self._action(settings, "Your &profile…", QKeySequence.StandardKey.Preferences, self.controller.load_profile)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, f"&About {APP_NAME}", None, self._about)
        for menu in (file_menu, review, datasets, act, settings, help_menu):
            menu.setToolTipsVisible(True)

    def _action(self, menu: QMenu, text: str, shortcut: object, slot: object) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))  # type: ignore[call-overload]
        if slot is not None:
            action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work wherever the focus is in the window
        return action

    def _connect(self) -> None:
        c = self.controller
        c.works_loaded.connect(self._works_loaded)
        c.matches_loaded.connect(self._matches_loaded)
        c.decided.connect(self._decided)
        c.scan_progress.connect(self._progress)
        c.scan_finished.connect(self._scan_finished)
        c.matching_finished.connect(self._matching_finished)
        c.check_finished.connect(self._check_finished)
        c.long_started.connect(self.scan_panel.start)
        c.fetched.connect(self.compare.show_fetch)
        c.cancelled.connect(self._cancelled)
        c.busy_changed.connect(self._busy_changed)
        c.profile_loaded.connect(self._edit_profile)
        c.profile_saved.connect(lambda _profile: self.statusBar().showMessage("Profile saved", 4000))
        c.exported.connect(self._exported)
        c.failed.connect(self._task_failed)
        self.drop_zone.paths_chosen.connect(self.scan)
        self.scan_panel.cancel_requested.connect(c.cancel)
        self.filters.changed.connect(self.proxy.set_row_filter)
        self.compare.decision_requested.connect(lambda match_id, status: c.decide([match_id], status))
        self.compare.fetch_requested.connect(c.fetch_match)
        self.compare.act.save_requested.connect(c.save_route)
        c.routes_loaded.connect(self.compare.act.show_routes)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())

    # --- scanning -----------------------------------------------------------------------------------
    def scan(self, paths: list[Path]) -> bool:
        if not paths:
            return False
        if not self.controller.scan(paths):
            self.statusBar().showMessage("A scan is already running; wait for it or cancel it.", 5000)
            return False
        for path in paths:
            if path.is_dir():
                self.drop_zone.set_recent(self._state.add_recent_folder(path))
        return True

    def start_demo(self) -> bool:
        """The first-run tour: the sample artist's works matched against the sample datasets (core's demo)."""
        return self.controller.run_demo()

    def run_matching(self) -> None:
        if not self.controller.run_matching():
            self.statusBar().showMessage("Wait for the running task to finish, or cancel it.", 5000)

    def _progress(self, update: ProgressUpdate) -> None:
        self.scan_panel.show_update(update)

    def _scan_finished(self, summary: ScanSummary) -> None:
        self.scan_panel.finish()
        unreadable = len(summary.unreadable)
        message = f"Scan done: {len(summary.works)} files ({summary.new} new, {summary.unchanged} unchanged"
        message += f", {unreadable} unreadable)" if unreadable else ")"
        self.statusBar().showMessage(f"{message} in {summary.elapsed_seconds:.1f} s", 10_000)

    def _matching_finished(self, summary: MatchSummary) -> None:
        message = f"Matching done: {summary.found} entries found in the datasets."
        if summary.profile_notes:  # entries of an older profile that matching now refuses: said, never silent
            count = len(summary.profile_notes)
            entries = "entry was" if count == 1 else "entries were"
            message += f" {count} profile {entries} not used (Your profile… says why)."
        self.statusBar().showMessage(message, 10_000)

    def _check_finished(self, result: CheckResult) -> None:
        """After a check that asked remote sources, say what each one did (asked, skipped and why, unavailable)."""
        if result.sources:
            verdicts = "; ".join(f"{source.source_id}: {source.verdict()}" for source in result.sources)
            self.statusBar().showMessage(f"Check done. Sources — {verdicts}", 20_000)

    def _cancelled(self, what: str) -> None:
        self.scan_panel.finish()
        self.statusBar().showMessage(f"{what} cancelled; everything finished before is kept.", 10_000)

    def _busy_changed(self, busy: bool) -> None:
        self.cancel_action.setEnabled(busy)
        self.matching_action.setEnabled(not busy)
        if not busy:
            self.scan_panel.finish()

    # --- results ------------------------------------------------------------------------------------
    def _works_loaded(self, works: list[Work]) -> None:
        self._works = {work.id: work for work in works}
        self._rebuild()

    def _matches_loaded(self, matches: list[Match]) -> None:
        self._matches = {match.id: match for match in matches}
        self._rebuild()

    def _decided(self, matches: list[Match]) -> None:
        self._matches.update((match.id, match) for match in matches)
        self._rebuild()

    def _rebuild(self) -> None:
        self.model.set_rows(build_rows(self._works.values(), self._matches.values()))
        self.filters.set_datasets(match.dataset for match in self._matches.values())
        to_review = sum(1 for match in self._matches.values() if match.status == "candidate")
        self.counts.setText(f"{len(self._works)} works · {len(self._matches)} matches · {to_review} to review")
        self._show_current()

    def current_row(self) -> ReviewRow | None:
        index = self.table.currentIndex()
        return self.proxy.row_at(index.row()) if index.isValid() else None

    def selected_rows(self) -> list[ReviewRow]:
        rows = [self.proxy.row_at(index.row()) for index in self.table.selectionModel().selectedRows()]
        return [row for row in rows if row is not None]

    def _show_current(self) -> None:
        row = self.current_row()
        match = self._matches.get(row.match_id) if row and row.match_id is not None else None
        work = self._works.get(row.work_id) if row and row.work_id is not None else None
        known = self.compare.act.match_id
        self.compare.show_row(row, match, work)
        if match is not None and (known != match.id or not self.compare.act.route_titles()):
            self.controller.load_routes(match.id)

    def move_selection(self, step: int) -> None:
        count = self.proxy.rowCount()
        if count == 0:
            return
        current = self.table.currentIndex().row()
        target = 0 if current < 0 else min(max(current + step, 0), count - 1)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(self.proxy.index(target, Column.FILE), flags)

    def decide(self, status: str) -> None:
        """Apply a verdict to the selected match rows (several at once is fine), then move on to the next row."""
        ids = [row.match_id for row in self.selected_rows() if row.match_id is not None]
        if not ids:
            self.statusBar().showMessage("Select a match first (rows without a match have nothing to decide).", 5000)
            return
        self.controller.decide(ids, status)
        if len(ids) == 1:
            self.move_selection(1)

    # --- dialogs ------------------------------------------------------------------------------------
    def _edit_profile(self, profile: Profile) -> None:
        dialog = ProfileDialog(profile, self)
        dialog.accepted.connect(lambda: self.controller.save_profile(dialog.profile()))
        self._open(dialog)

    def _write_optout_pack(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Write the opt-out pack into")
        if folder and not self.controller.write_optout_pack(Path(folder)):
            self.statusBar().showMessage("Wait for the running task to finish, or cancel it.", 5000)

    def _export_hashes(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "Export the hash list", "hashes.parquet", "Parquet (*.parquet)")
        if target and not self.controller.export_hashes(Path(target)):
            self.statusBar().showMessage("Wait for the running task to finish, or cancel it.", 5000)

    def _write_evidence_pdf(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "Save the evidence PDF", "evidence.pdf", "PDF (*.pdf)")
        if target and not self.controller.write_evidence_pdf(Path(target)):
            self.statusBar().showMessage("Wait for the running task to finish, or cancel it.", 5000)

    def _exported(self, what: str, where: object) -> None:
        self.statusBar().showMessage(f"{what} written to {where}", 15_000)

    def _manage_datasets(self) -> None:
        if not any(isinstance(dialog, DatasetsDialog) for dialog in self._dialogs):
            self._open(DatasetsDialog(self.controller, self))

    def _manage_sources(self) -> None:
        if not any(isinstance(dialog, SourcesDialog) for dialog in self._dialogs):
            self._open(SourcesDialog(self.controller, self))

    def _task_failed(self, doing: str, error: TaskError) -> None:
        self.show_error(doing, error.exception, error.details)

    def show_error(self, doing: str, exception: BaseException, details: str) -> None:
        self._open(ErrorDialog(doing, exception, details, self))

    def _open(self, dialog: QDialog) -> None:
        """Window-modal and non-blocking: the event loop (and a running scan's progress) keeps going."""
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _result: self._dialogs.remove(dialog))
        dialog.open()

    def open_dialogs(self) -> list[QDialog]:
        return list(self._dialogs)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"{APP_NAME} {__version__}\nFinds your works in public AI-training datasets. Your images never leave "
            "this computer.",
        )

    # --- drag and drop onto the whole window --------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.scan(paths)

    # --- state --------------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        restorers = (
            ("geometry", self.restoreGeometry),
            ("window", self.restoreState),
            ("splitter", self.splitter.restoreState),
            ("header", self.table.horizontalHeader().restoreState),
        )
        for name, restore in restorers:
            blob = self._state.blob(name)
            if blob is not None:
                restore(blob)
        if self._state.blob("geometry") is None:
            self.resize(1280, 800)

    def save_state(self) -> None:
        self._state.set_blob("geometry", self.saveGeometry())
        self._state.set_blob("window", self.saveState())
        self._state.set_blob("splitter", self.splitter.saveState())
        self._state.set_blob("header", self.table.horizontalHeader().saveState())
        self._state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.controller.cancel()
        self.save_state()
        super().closeEvent(event)
