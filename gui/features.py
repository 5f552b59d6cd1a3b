"""The set-up guide and the Act pages, hooked into the main window from outside it.

`Features` adds its menu entries to the window's menus (Settings › Set-up guide, Act › Check my website and
Tag works, Help › Try the sample portfolio), routes the window's own Opt-out pack, Manage datasets and Remote
sources entries to the versions with previews and known datasets, and keeps three promises:
- a source set to be asked on every check whose "what will be sent" changed (or was never accepted) is shown to
  the user again, at start-up and after every change of the profile, the sources or the datasets;
- a check started from the command line while something is missing says what is missing;
- what the guide asks for (datasets to add, then a check) runs one long task after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox

from core.app.sources import SourceConsent
from core.profile import Profile
from gui.controller import Controller
from gui.dialogs.consent_dialog import ConsentFlow
from gui.dialogs.datasets_dialog import DatasetsDialog
from gui.dialogs.setup_guide import PROFILE, WELCOME, SetupGuide
from gui.dialogs.sources_dialog import SourcesDialog
from gui.main_window import MainWindow
from gui.pages.pack_preview import PackPreviewPage
from gui.pages.site_check import SiteCheckPage
from gui.pages.tagging import TaggingPage
from gui.setup_status import SetupStatus
from gui.state import UiState
from gui.tools_controller import ToolsController
from gui.workers import TaskError


class LongTaskQueue(QObject):
    """Long tasks (dataset adds, a check) started one after the other: the controller runs one at a time."""

    def __init__(self, controller: Controller, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._queue: list[tuple[str, Callable[[], bool]]] = []
        controller.busy_changed.connect(lambda busy: None if busy else QTimer.singleShot(0, self._next))
        controller.cancelled.connect(lambda _what: self._queue.clear())  # a cancel stops what was lined up too

    def add(self, what: str, start: Callable[[], bool]) -> None:
        self._queue.append((what, start))
        self._next()

    def waiting(self) -> list[str]:
        return [what for what, _start in self._queue]

    def _next(self) -> None:
        if self._controller.busy or not self._queue:
            return
        _what, start = self._queue.pop(0)
        if not start():
            self._queue.insert(0, (_what, start))


def find_menu(window: MainWindow, title: str) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == title:
            return menu
    return window.menuBar().addMenu(title)


def reroute(action: QAction, slot: Callable[[], object]) -> None:
    """Point a window action at another slot (the window's own one is disconnected)."""
    action.triggered.disconnect()
    action.triggered.connect(lambda _checked=False: slot())


class Features(QObject):
    switch_requested = Signal(bool)  # True: reopen on the demo catalogue (the sample); False: on your own

    def __init__(self, window: MainWindow, controller: Controller, tools: ToolsController, state: UiState) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.tools = tools
        self.state = state
        self.queue = LongTaskQueue(controller, self)
        self.consent = ConsentFlow(tools, window)
        self.guide: SetupGuide | None = None
        self.pack_page: PackPreviewPage | None = None
        self._source_names: dict[str, str] = {}
        self.actions: dict[str, QAction] = {}  # this module's menu entries (the window's own are in feature_actions)
        self._add_menus()
        tools.pending_consents_loaded.connect(self._ask_pending)
        tools.setup_loaded.connect(self._remember_names)
        tools.failed.connect(self._task_failed)
        for changed in (controller.profile_saved, controller.source_configured, controller.dataset_added,
                        controller.dataset_removed):  # fmt: skip
            changed.connect(lambda *_: self._setup_changed())
        controller.exported.connect(self._exported)
        QTimer.singleShot(0, self._setup_changed)  # at start-up: where the set-up stands, acceptances due

    # --- menus --------------------------------------------------------------------------------------
    def _add_menus(self) -> None:
        w = self.window
        actions = self.actions
        settings = find_menu(w, "Settings")
        settings.addSeparator()
        actions["setup"] = self._action(settings, "Set-up &guide…", lambda: self.open_guide(PROFILE))
        actions["setup"].setToolTip("Who you are, where to look, what to check: where each stands, and changes")
        act = find_menu(w, "Act")
        act.addSeparator()
        actions["site-check"] = self._action(act, "Check my &website…", self.open_site_check)
        actions["site-check"].setToolTip("Which opt-out signals your site really serves (fetches your site only)")
        actions["tag"] = self._action(act, "&Tag works with “no AI training”…", self.open_tagging)
        actions["tag"].setToolTip("Copies of any works with the reservation in their metadata; originals untouched")
        window_actions = w.feature_actions
        reroute(window_actions["optout"], self.open_pack)
        window_actions["optout"].setToolTip("Preview every file of the pack, then write it")
        reroute(window_actions["datasets"], self.open_datasets)
        reroute(window_actions["sources"], self.open_sources)
        help_menu = find_menu(w, "Help")
        help_menu.addSeparator()
        if self.tools.is_demo:
            actions["demo"] = self._action(help_menu, "&Leave the demo (open your own catalogue)",
                                           lambda: self.switch_requested.emit(False))  # fmt: skip
        else:
            actions["demo"] = self._action(help_menu, "Try the &sample portfolio (demo catalogue)",
                                           lambda: self.switch_requested.emit(True))  # fmt: skip
        for menu in (settings, act, help_menu):
            menu.setToolTipsVisible(True)

    def _action(self, menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # --- dialogs and pages --------------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> QDialog:
        existing = next((d for d in self.window.open_dialogs() if type(d) is type(dialog)), None)
        if existing is not None:
            dialog.deleteLater()
            existing.raise_()
            existing.activateWindow()
            return existing
        self.window.open_dialog(dialog)
        return dialog

    def open_guide(self, start_at: int = PROFILE, paths: Sequence[Path] = ()) -> SetupGuide:
        if self.guide is not None:
            self.guide.go(start_at)
            self.guide.raise_()
            return self.guide
        guide = SetupGuide(self.tools, self.window, paths, self.state.recent_folders(), start_at)
        guide.profile_submitted.connect(self.controller.save_profile)
        guide.datasets_chosen.connect(self.add_datasets)
        guide.sources_setup_requested.connect(self.open_sources)
        guide.check_requested.connect(self.check)
        guide.sample_requested.connect(lambda: QTimer.singleShot(0, lambda: self.switch_requested.emit(True)))
        guide.finished.connect(lambda _result: self._guide_closed())
        self.guide = guide
        self.window.open_dialog(guide)
        return guide

    def _guide_closed(self) -> None:
        self.guide = None
        self.state.mark_first_run_done()
        self.state.sync()

    def open_datasets(self) -> QDialog:
        return self._open(DatasetsDialog(self.controller, self.window, self.tools))

    def open_sources(self) -> QDialog:
        return self._open(SourcesDialog(self.controller, self.guide or self.window, self.tools))

    def open_site_check(self) -> QDialog:
        profile = self._status.profile if self._status is not None else Profile()
        return self._open(SiteCheckPage(self.tools, profile, self.window))

    def open_tagging(self) -> QDialog:
        return self._open(TaggingPage(self.tools, self.window, self._default_folder("tagged-copies")))

    def open_pack(self) -> QDialog:
        page = PackPreviewPage(self.tools, self.window, self._default_folder("opt-out-pack"))
        opened = self._open(page)
        if opened is page:
            page.write_requested.connect(self._write_pack)
            self.pack_page = page
            page.finished.connect(self._pack_closed)
        return opened

    def _pack_closed(self, _result: int) -> None:
        self.pack_page = None

    def _default_folder(self, name: str) -> Path | None:
        recent = self.state.recent_folders()
        return Path(recent[0]).parent / name if recent else None

    def _write_pack(self, out: Path) -> None:
        if not self.controller.write_optout_pack(out):
            self.queue.add("Writing the opt-out pack", lambda: self.controller.write_optout_pack(out))
            self.window.statusBar().showMessage("The pack is written when the running task has finished.", 8000)

    def _exported(self, what: str, where: object) -> None:
        if what == "Opt-out pack" and self.pack_page is not None:
            self.pack_page.written(where)

    # --- long work the guide asked for --------------------------------------------------------------
    def add_datasets(self, dataset_ids: Sequence[str]) -> None:
        for dataset_id in dataset_ids:
            self.queue.add(f"Adding {dataset_id}", self._adder(dataset_id))

    def _adder(self, dataset_id: str) -> Callable[[], bool]:
        return lambda: self.controller.add_dataset(dataset_id, None, [])

    def check(self, paths: Sequence[Path]) -> None:
        chosen = [Path(path) for path in paths]
        self.queue.add("Checking your works", lambda: self.window.scan(chosen))

    # --- promises -----------------------------------------------------------------------------------
    _status: SetupStatus | None = None

    def _remember_names(self, status: SetupStatus) -> None:
        self._status = status
        self._source_names = {source.id: source.name for source in status.sources}

    def _setup_changed(self) -> None:
        self.tools.load_setup()
        self.tools.load_pending_consents()

    def _ask_pending(self, consents: Sequence[SourceConsent]) -> None:
        if self.guide is not None or any(isinstance(d, SourcesDialog) for d in self.window.open_dialogs()):
            return  # those show the waiting sources themselves
        for consent in consents:
            self.consent.show_consent(consent, self._source_names.get(consent.source_id, consent.source_id), True)

    def notice_missing(self, paths: Sequence[Path]) -> None:
        """A check started from the command line: once the status is read, say what it will not look at."""

        def show(status: SetupStatus) -> None:
            self.tools.setup_loaded.disconnect(show)
            missing = status.missing()
            if missing:
                self.missing_notice(paths, missing)

        self.tools.setup_loaded.connect(show)
        self.tools.load_setup()

    def missing_notice(self, paths: Sequence[Path], missing: Sequence[str]) -> QMessageBox:
        names = ", ".join(Path(path).name or str(path) for path in paths)
        box = QMessageBox(QMessageBox.Icon.Information, "Before you rely on this check", "", parent=self.window)
        box.setText(f"Checking {names} now. It will not look at everything yet:")
        box.setInformativeText("\n".join(f"• {line}" for line in missing))
        guide = box.addButton("Open the set-up guide", QMessageBox.ButtonRole.ActionRole)
        carry_on = box.addButton("Go on checking", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(carry_on)
        box.setEscapeButton(carry_on)  # Esc and the window's close button go on checking
        guide.clicked.connect(lambda: QTimer.singleShot(0, lambda: self.open_guide(PROFILE)))
        self.window.open_dialog(box)
        return box

    def first_run(self) -> SetupGuide:
        return self.open_guide(WELCOME)

    def _task_failed(self, doing: str, error: TaskError) -> None:
        self.window.show_error(doing, error.exception, error.details)
