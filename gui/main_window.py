"""The main window: the verdict, the drop zone, scan panel, filters, the works with their matches and the compare
panel.

It wires widgets to the `Controller` and keeps the latest snapshots of works and matches (immutable
dataclasses from the core) keyed by id. It never calls the facade and never blocks: every call goes through
the controller and comes back as a signal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
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
from core.highlights import Highlights
from core.matching.service import MatchSummary
from core.profile import Profile
from core.progress import ProgressUpdate
from core.scanning.scanner import ScanSummary
from core.searched import NextStep, SearchSummary
from core.workflows import CheckResult
from gui.compare_panel import ComparePanel
from gui.controller import Controller
from gui.decision_history import DecisionHistory
from gui.dialogs.datasets_dialog import DatasetsDialog
from gui.dialogs.error_dialog import ErrorDialog
from gui.dialogs.profile_dialog import ProfileDialog
from gui.dialogs.shortcuts_dialog import ShortcutsDialog
from gui.dialogs.sources_dialog import SourcesDialog
from gui.drop_zone import DropZone, local_paths
from gui.filter_bar import FilterBar
from gui.models import ResultsModel, ReviewProxy
from gui.results_view import ResultsView
from gui.review_rows import ReviewRow, build_groups
from gui.scan_panel import ScanPanel
from gui.shortcuts import BY_NAME
from gui.state import UiState
from gui.thumbnails import ThumbnailCache
from gui.verdict_bar import VerdictBar
from gui.workers import TaskError
from gui.works_grid import WorksGrid

HEADER_STATE = "review-header"  # the works-and-matches header (the flat table's "header" state does not apply)


def about_text() -> str:
    """The About box's text: name, version and what the app does (no project address: there is none yet)."""
    return (
        f"{APP_NAME} {__version__}\nFinds your works in public AI-training datasets. Your images never leave this "
        "computer."
    )


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
        self._summary: SearchSummary | None = None
        self._highlights: dict[int, Highlights] = {}
        self._dialogs: list[QDialog] = []
        self.history = DecisionHistory(self.controller.decide, self)
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
        self.verdict = VerdictBar(self)
        self.drop_zone = DropZone(self)
        self.scan_panel = ScanPanel(self)
        self.filters = FilterBar(self)
        self.table = ResultsView(self.proxy, thumbnails.logical_size, self)
        self.grid = WorksGrid(self.proxy, previews, self)
        self.grid.hide()
        self.works_pane = QSplitter(Qt.Orientation.Vertical, self)  # the grid of works above one work's matches
        self.works_pane.addWidget(self.grid)
        self.works_pane.addWidget(self.table)
        self.compare = ComparePanel(previews, self)
        compare_area = QScrollArea(self)  # small screens scroll the evidence instead of squashing it
        compare_area.setWidget(self.compare)
        compare_area.setWidgetResizable(True)
        compare_area.setFrameShape(QFrame.Shape.NoFrame)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("results-splitter")
        self.splitter.addWidget(self.works_pane)
        self.splitter.addWidget(compare_area)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([720, 520])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        for widget in (self.verdict, self.drop_zone, self.scan_panel, self.filters):
            layout.addWidget(widget)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.counts = QLabel(self)
        self.counts.setAccessibleName("Counts")
        self.statusBar().addPermanentWidget(self.counts)

    def _build_actions(self) -> None:
        bar = self.menuBar()
        self.shortcut_actions: dict[str, QAction] = {}
        file_menu = bar.addMenu("&File")
        self.scan_action = self._action(file_menu, "&Scan a folder…", "scan", self.drop_zone.choose_folder)
        self.cancel_action = self._action(file_menu, "&Cancel the scan", "cancel", self.controller.cancel)
        self.cancel_action.setEnabled(False)
        self.export_hashes_action = self._action(file_menu, "Export &hashes…", None, self._export_hashes)
        self.export_hashes_action.setToolTip("Hashes and file names of your works, for a batch check; never an image")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        review = bar.addMenu("&Review")
        self.confirm_action = self._action(review, "&Confirm: this is my work", "confirm",
                                           lambda: self.decide("confirmed"))  # fmt: skip
        self.reject_action = self._action(review, "&Not mine", "reject", lambda: self.decide("rejected"))
        self._action(review, "&Undecide", "undecide", lambda: self.decide("candidate"))
        review.addSeparator()
        self.undo_action = self.history.createUndoAction(self, "&Undo")
        self.redo_action = self.history.createRedoAction(self, "&Redo")
        for name, action in (("undo", self.undo_action), ("redo", self.redo_action)):
            action.setShortcuts([QKeySequence(key) for key in BY_NAME[name].keys])
            review.addAction(action)
            self.addAction(action)
            self.shortcut_actions[name] = action
        review.addSeparator()
        self._action(review, "Ne&xt", "next", lambda: self.move_selection(1))
        self._action(review, "&Previous", "previous", lambda: self.move_selection(-1))
        self._action(review, "&Search", "search", self.filters.search.setFocus)
        review.addSeparator()
        self.grid_action = self._action(review, "Works as a &grid", None, None)
        self.grid_action.setCheckable(True)
        self.grid_action.setIconText("Grid")  # the filter bar's button
        self.grid_action.setToolTip("Your works as thumbnails; the matches of the one you choose are listed below")
        self.grid_action.toggled.connect(self.set_grid_mode)
        self.filters.grid.setDefaultAction(self.grid_action)
        self.advance_action = self._action(review, "&Advance after deciding", None, None)
        self.advance_action.setCheckable(True)
        self.advance_action.setChecked(self._state.advance_after_deciding)
        self.advance_action.setToolTip("After Confirm or Not mine on one match, move to the next one")
        self.advance_action.toggled.connect(self._state.set_advance_after_deciding)
        datasets = bar.addMenu("&Datasets")
        self.matching_action = self._action(datasets, "&Run matching", "matching", self.run_matching)
        self.feature_actions = {"matching": self.matching_action}
        self.feature_actions["datasets"] = self._action(datasets, "&Manage datasets…", None, self._manage_datasets)
        self.feature_actions["sources"] = self._action(datasets, "&Remote sources…", None, self._manage_sources)
        act = bar.addMenu("&Act")
        self.feature_actions["optout"] = self._action(act, "&Opt-out pack…", None, self._write_optout_pack)
        self.feature_actions["evidence"] = self._action(act, "&Evidence PDF…", None, self._write_evidence_pdf)
        settings = bar.addMenu("&Settings")
        self._action(settings, "Your &profile…", "profile", self.controller.load_profile)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", "shortcuts", self.show_shortcuts)
        self._action(help_menu, f"&About {APP_NAME}", None, self._about)
        self.menus = {"file": file_menu, "review": review, "datasets": datasets, "act": act, "settings": settings,
                      "help": help_menu}  # fmt: skip
        for menu in self.menus.values():
            menu.setToolTipsVisible(True)

    def _action(self, menu: QMenu, text: str, shortcut: object, slot: object) -> QAction:
        """A menu action; `shortcut` is a name in gui.shortcuts (its keys), a standard key, or None."""
        action = QAction(text, self)
        if isinstance(shortcut, str):
            action.setShortcuts([QKeySequence(key) for key in BY_NAME[shortcut].keys])
            self.shortcut_actions[shortcut] = action
        elif shortcut is not None:
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
        c.summary_loaded.connect(self._summary_loaded)
        c.highlights_loaded.connect(self._highlights_loaded)
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
        self.compare.decision_requested.connect(lambda _match_id, status: self.decide(status))
        self.compare.fetch_requested.connect(c.fetch_match)
        self.compare.act.save_requested.connect(c.save_route)
        c.routes_loaded.connect(self.compare.act.show_routes)
        self.verdict.step_requested.connect(self._next_step)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(lambda *_: self._show_current())
        selection.selectionChanged.connect(lambda *_: self._show_current())
        self.grid.selectionModel().currentChanged.connect(lambda current, _previous: self._work_chosen(current))

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
        notes = summary.work_notes()
        message = f"Matching done: {summary.found} entries found in the datasets." + "".join(f" {n}." for n in notes)
        if summary.profile_notes:  # entries of an older profile that matching now refuses: said, never silent
            count = len(summary.profile_notes)
            entries = "entry was" if count == 1 else "entries were"
            message += f" {count} profile {entries} not used (Your profile… says why)."
        self.statusBar().showMessage(message, 20_000 if notes or summary.profile_notes else 10_000)

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
        self.controller.load_summary()  # the verdict counts what is confirmed

    def _summary_loaded(self, summary: SearchSummary) -> None:
        self._summary = summary
        self.verdict.show_summary(summary)
        self.compare.set_summary(summary)
        self._rebuild()

    def _highlights_loaded(self, highlights: dict[int, Highlights]) -> None:
        self._highlights = highlights
        self._rebuild()

    def _rebuild(self) -> None:
        searched = self._summary is not None and self._summary.searched_anything
        groups = build_groups(self._works.values(), self._matches.values(), searched, self._highlights)
        self.model.set_groups(groups)
        self.filters.set_datasets(match.dataset for match in self._matches.values())
        to_review = sum(1 for match in self._matches.values() if match.status == "candidate")
        self.counts.setText(f"{len(self._works)} works · {len(self._matches)} matches · {to_review} to review")
        self._show_current()

    def current_row(self) -> ReviewRow | None:
        return self.table.current_row()

    def selected_rows(self) -> list[ReviewRow]:
        return self.table.selected_rows()

    def selected_match_ids(self) -> list[int]:
        """The selected matches, the current one first (a work row selected on its own stands for none)."""
        ids = [row.match_id for row in self.selected_rows() if row.match_id is not None]
        current = self.current_row()
        if current is not None and current.match_id in ids:
            ids.remove(current.match_id)
            ids.insert(0, current.match_id)
        return ids

    def _show_current(self) -> None:
        row = self.current_row()
        match = self._matches.get(row.match_id) if row and row.match_id is not None else None
        work_id = row.work_id if row is not None else None
        work = self._works.get(work_id) if work_id is not None else None
        self.compare.show_row(row, match, work)
        ids = tuple(self.selected_match_ids()) or ((match.id,) if match is not None else ())
        act = self.compare.act
        if ids and (act.match_ids != ids or not act.route_titles()):
            if act.match_ids != ids:
                act.clear(ids)
                self.controller.load_routes(ids)
        elif not ids and act.match_ids:
            act.clear(None)

    def move_selection(self, step: int) -> None:
        """Next / Previous: to the next match (or work without matches) in the order shown."""
        self.table.step(step)

    def decide(self, status: str) -> None:
        """Apply a verdict to every selected match (undoable). The selection stays where it is, unless the user
        turned on Review > Advance after deciding (then one decided match moves on to the next)."""
        ids = self.selected_match_ids()
        if not ids:
            row = self.current_row()
            hint = "Select a match under the work first" if row is not None and row.matches else "Select a match first"
            self.statusBar().showMessage(f"{hint}: decisions are made on matches, not on works.", 5000)
            return
        before = [self._matches[match_id] for match_id in ids if match_id in self._matches]
        self.history.decide(before, status)
        if len(ids) == 1 and self.advance_action.isChecked() and status != "candidate":
            self.move_selection(1)

    def set_grid_mode(self, on: bool) -> None:
        """Works as a grid, the chosen work's matches listed below it; or every work with its matches in one list."""
        self.grid.setVisible(on)
        self.table.setRootIsDecorated(not on)
        if on:
            if not self.grid.currentIndex().isValid() and self.proxy.rowCount() > 0:
                self.grid.setCurrentIndex(self.proxy.index(0, 0))
            self._work_chosen(self.grid.currentIndex())
        else:
            self.table.setRootIndex(QModelIndex())
            self.table.expandAll()

    def _work_chosen(self, index: QModelIndex) -> None:
        if not self.grid.isVisible():
            return
        self.table.setRootIndex(index)
        self.table.clearSelection()
        row = self.proxy.row_of(index)
        if row is not None:
            work = self._works.get(row.work_id) if row.work_id is not None else None
            self.compare.show_row(row, None, work)
        stops = self.table.stops()
        if stops:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().setCurrentIndex(stops[0], flags)

    def show_shortcuts(self) -> None:
        if not any(isinstance(dialog, ShortcutsDialog) for dialog in self._dialogs):
            self._open(ShortcutsDialog(self))

    def _next_step(self, step: str) -> None:
        """A button of the verdict: what was not searched, and how to search it."""
        if step == NextStep.DATASET:
            self._manage_datasets()
        elif step == NextStep.PROFILE:
            self.controller.load_profile()
        elif step == NextStep.SOURCE:
            self._manage_sources()

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

    # --- hook for gui/features.py (set-up guide, Act pages: branch firstrun) -------------------------
    def open_dialog(self, dialog: QDialog) -> None:
        """Open a dialog the way the window's own are opened (window-modal, listed by open_dialogs)."""
        self._open(dialog)

    def _about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", about_text())

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
            (HEADER_STATE, self.table.header().restoreState),
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
        self._state.set_blob(HEADER_STATE, self.table.header().saveState())
        self._state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.controller.cancel()
        self.save_state()
        super().closeEvent(event)
