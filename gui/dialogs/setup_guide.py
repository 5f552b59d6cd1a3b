"""The guided first run: the three things a check needs, one step each, every step skippable.

Welcome (set up, or try the sample portfolio in a demo catalogue), then who you are (the profile), where to
look (the datasets, with what adding each one takes, and the remote sources, each asked automatically only once
its "what will be sent" preview is accepted) and what to check (a folder). The step list on the left shows where
each step really stands (read from the catalogue and the settings, not from what was clicked), so the guide
reopened later from the menu says what is set up and what is not.

The guide only asks: saving the profile, adding datasets and starting the check are the window's work
(gui.features), requested through the signals below.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCommandLinkButton,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME
from core.datasets.planning import DatasetPlan
from core.profile import Profile
from core.sources.service import SourceStatus
from gui.dialogs.consent_dialog import ConsentFlow
from gui.dialogs.datasets_dialog import KnownDatasetsTable, describe_plan
from gui.dialogs.profile_dialog import INTRO as PROFILE_INTRO
from gui.dialogs.profile_dialog import ProfileForm
from gui.pages.common import heading, paragraph
from gui.setup_status import SetupStatus, StepState
from gui.theme import accent
from gui.tools_controller import ToolsController

WELCOME, PROFILE, DATASETS, SOURCES, FOLDER = range(5)
STEP_TITLES = ("Welcome", "Who you are", "Where to look: datasets", "Where to look: sources", "What to check")

WELCOME_TEXT = (
    f"{APP_NAME} tells you whether your works are listed in public AI-training datasets such as LAION, COYO "
    "and DataComp, and helps you act on what it finds. Your images never leave this computer: only their "
    "fingerprints are compared with the datasets' published metadata, here.\n\n"
    "A check needs three things: who you are (so your names and sites can be found in captions and URLs), "
    "where to look (datasets, and optionally remote sources) and what to check (a folder of your works)."
)
DATASETS_TEXT = (
    "A dataset is searched once it is added: TrainTrace reads the columns matching needs (URLs, captions, "
    "published image hashes) in one pass and keeps a small index. Tick the ones to add; they are added one "
    "after the other, with their progress in the main window, and can be cancelled. The rows and disk below "
    "are from the datasets' published sizes; “Measure the download” reads the real size online."
)
SOURCES_TEXT = (
    "Optional. Remote sources answer what is not on this computer, e.g. whether a matched URL is already "
    "opted out at Spawning. A source is asked on every check only after you have seen exactly what it will "
    "be sent and accepted it; if that changes later, you are asked again."
)
FOLDER_TEXT = (
    "Choose the folder of your works (sub-folders included). Each image is read here, on this computer; "
    "unchanged files are never read twice, and a check stopped half way resumes."
)


def step_title(index: int) -> str:
    return f"{index}. {STEP_TITLES[index]}" if index else STEP_TITLES[0]


def step_state_text(state: StepState | None) -> str:
    if state is None:
        return ""
    mark = "–" if state.optional else ("✓" if state.done else "○")
    return f"{mark} {state.text}"


class StepRow(QFrame):
    """One step in the list: its title, and below it where it stands (done, missing, optional)."""

    clicked = Signal(int)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.state: StepState | None = None
        self.current = False
        self.title = QLabel(step_title(index), self)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.detail = QLabel("", self)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setVisible(index != WELCOME)
        layout = QVBoxLayout(self)
        spacing = self.fontMetrics().averageCharWidth()
        layout.setContentsMargins(spacing, spacing // 2 + 2, spacing, spacing // 2 + 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        self.setAutoFillBackground(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(STEP_TITLES[index])
        self.refresh()

    def set_state(self, state: StepState | None) -> None:
        self.state = state
        self.detail.setText(step_state_text(state))
        self.setAccessibleDescription(self.detail.text())
        self.refresh()

    def set_current(self, current: bool) -> None:
        self.current = current
        self.refresh()

    def refresh(self) -> None:
        palette = self.palette()
        base = QApplication.palette()
        background = base.color(QPalette.ColorRole.Highlight) if self.current else base.color(QPalette.ColorRole.Base)
        palette.setColor(QPalette.ColorRole.Window, background)
        self.setPalette(palette)
        for label in (self.title, self.detail):
            label_palette = label.palette()
            if self.current:
                colour = base.color(QPalette.ColorRole.HighlightedText)
            elif label is self.detail and self.state is not None:
                colour = accent("good" if self.state.done and not self.state.optional else "muted")
            else:
                colour = base.color(QPalette.ColorRole.Text)
            label_palette.setColor(QPalette.ColorRole.WindowText, colour)
            label.setPalette(label_palette)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        self.clicked.emit(self.index)
        super().mousePressEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.ApplicationPaletteChange:  # the desktop switched light/dark
            self.refresh()


class StepList(QFrame):
    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QApplication.palette().color(QPalette.ColorRole.Base))
        self.setPalette(palette)
        self.setAccessibleName("Set-up steps and where each stands")
        self.setAccessibleDescription("Click a step to go to it")
        self.rows = [StepRow(index, self) for index in range(len(STEP_TITLES))]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        for row in self.rows:
            row.clicked.connect(self.chosen.emit)
            layout.addWidget(row)
        layout.addStretch(1)

    def set_current(self, index: int) -> None:
        for row in self.rows:
            row.set_current(row.index == index)

    def set_states(self, states: Sequence[StepState | None]) -> None:
        for row, state in zip(self.rows, states, strict=True):
            row.set_state(state)

    def text(self, index: int) -> str:
        return f"{self.rows[index].title.text()}\n{self.rows[index].detail.text()}"


def describe_check(status: SetupStatus) -> str:
    """What a check started now will do, and what it will not look at yet."""
    names = {source.id: source.name for source in status.sources}
    lines = ["A check started now:", "• reads and fingerprints your images here (nothing is uploaded);"]
    if status.datasets:
        searched = ", ".join(info.descriptor.name for info in status.datasets)
        what = "your works" if status.profile.is_empty else "your works, and your names and sites in captions and URLs,"
        lines.append(f"• looks for {what} in {searched};")
    if status.asked:
        lines.append("• then asks " + ", ".join(names.get(s, s) for s in status.asked) + " about the fresh matches.")
    missing = status.missing()
    if missing:
        lines += ["", "It will not look at everything yet:", *(f"• {line}" for line in missing)]
    return "\n".join(lines)


class SetupGuide(QDialog):
    sample_requested = Signal()
    profile_submitted = Signal(object)  # Profile
    datasets_chosen = Signal(list)  # list[str]: dataset ids to add, in order
    sources_setup_requested = Signal()
    check_requested = Signal(list)  # list[Path]

    def __init__(
        self,
        tools: ToolsController,
        parent: QWidget | None = None,
        paths: Sequence[Path] = (),
        recent: Sequence[str] = (),
        start_at: int = WELCOME,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} — set-up guide")
        self._tools = tools
        self._status: SetupStatus | None = None
        self._profile_loaded: Profile | None = None
        self._paths: list[Path] = [Path(path) for path in paths]
        self.steps = StepList(self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._welcome_page())
        self.pages.addWidget(self._profile_page())
        self.pages.addWidget(self._datasets_page())
        self.pages.addWidget(self._sources_page())
        self.pages.addWidget(self._folder_page(recent))
        self.back = QPushButton("Back", self)
        self.skip = QPushButton("Skip this step", self)
        self.skip.setToolTip("Leave this as it is and go on; you can come back from Settings › Set-up guide")
        self.next = QPushButton("Continue", self)
        self.next.setDefault(True)
        self.close_button = QPushButton("Not now", self)
        self.close_button.setAccessibleName("Close the set-up guide")
        buttons = QHBoxLayout()
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        for button in (self.back, self.skip, self.next):
            buttons.addWidget(button)
        right = QVBoxLayout()
        right.addWidget(self.pages, 1)
        right.addLayout(buttons)
        body = QHBoxLayout(self)
        body.addWidget(self.steps)
        body.addLayout(right, 1)
        metrics = self.fontMetrics()
        self.steps.setFixedWidth(34 * metrics.averageCharWidth())
        self.resize(150 * metrics.averageCharWidth(), 44 * metrics.lineSpacing())
        self.back.clicked.connect(lambda: self.go(self.pages.currentIndex() - 1))
        self.skip.clicked.connect(self._skip)
        self.next.clicked.connect(self._primary)
        self.close_button.clicked.connect(self.reject)
        self.steps.chosen.connect(self.go)
        self.consent = ConsentFlow(tools, self)
        self.consent.finished.connect(lambda _source, _accepted: tools.load_setup())
        tools.setup_loaded.connect(self.show_status)
        tools.known_datasets_loaded.connect(self.known.show_known)
        tools.dataset_measured.connect(self._measured)
        self.go(start_at)
        tools.load_setup()
        tools.load_known_datasets()

    # --- pages --------------------------------------------------------------------------------------
    def _page(self, title: str, text: str, with_icon: bool = False) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        title_row = QHBoxLayout()
        if with_icon:
            icon = QLabel(page)
            side = 3 * self.fontMetrics().lineSpacing()
            icon.setPixmap(QApplication.windowIcon().pixmap(side, side))
            icon.setAccessibleName(f"{APP_NAME} icon")
            title_row.addWidget(icon)
        title_row.addWidget(heading(title, page), 1)
        layout.addLayout(title_row)
        layout.addWidget(paragraph(text, page))
        return page, layout

    def _welcome_page(self) -> QWidget:
        page, layout = self._page(f"Welcome to {APP_NAME}", WELCOME_TEXT, with_icon=True)
        self.set_up = QCommandLinkButton(
            "Set up my check",
            "Four short steps: who you are, which datasets and sources to search, and which folder to check. "
            "Each can be skipped and changed later.",
            page,
        )
        self.set_up.setAccessibleName("Set up my check")
        self.sample = QCommandLinkButton(
            "Try the sample portfolio first",
            "An imaginary artist's works matched against small sample datasets in the real LAION, COYO and "
            "DataComp formats, in a separate demo catalogue that never mixes with your own works.",
            page,
        )
        self.sample.setAccessibleName("Try the sample portfolio in a demo catalogue")
        self.set_up.clicked.connect(lambda: self.go(PROFILE))
        self.sample.clicked.connect(self._sample)
        layout.addSpacing(self.fontMetrics().lineSpacing())
        layout.addWidget(self.set_up)
        layout.addWidget(self.sample)
        layout.addStretch(1)
        return page

    def _profile_page(self) -> QWidget:
        page, layout = self._page("Who you are", PROFILE_INTRO)
        self.profile_form = ProfileForm(Profile(), page)
        self.profile_form.changed.connect(self._update_buttons)
        layout.addWidget(self.profile_form)
        layout.addStretch(1)
        return page

    def _datasets_page(self) -> QWidget:
        page, layout = self._page("Where to look: datasets", DATASETS_TEXT)
        self.added = paragraph("", page)
        self.added.setAccessibleName("Datasets searched now")
        self.known = KnownDatasetsTable(page, checkable=True)
        self.known.itemChanged.connect(lambda *_: self._update_buttons())
        self.known.currentItemChanged.connect(lambda *_: self._show_known())
        self.dataset_details = QPlainTextEdit(page)
        self.dataset_details.setReadOnly(True)
        self.dataset_details.setAccessibleName("What adding the selected dataset takes")
        self.dataset_details.setMaximumHeight(8 * self.fontMetrics().lineSpacing())
        self.measure = QPushButton("Measure the download", page)
        self.measure.setToolTip("Reads the size of the needed columns from the dataset's files (small requests)")
        self.measure.setEnabled(False)
        self.measure.clicked.connect(self._measure)
        sample = QPushButton("Not ready to download? Try the sample portfolio", page)
        sample.setFlat(True)
        sample.setAccessibleName("Try the sample portfolio in a demo catalogue")
        sample.clicked.connect(self._sample)
        row = QHBoxLayout()
        row.addWidget(self.measure)
        row.addStretch(1)
        row.addWidget(sample)
        layout.addWidget(self.added)
        layout.addWidget(self.known, 2)
        layout.addWidget(self.dataset_details, 1)
        layout.addLayout(row)
        return page

    def _sources_page(self) -> QWidget:
        page, layout = self._page("Where to look: sources", SOURCES_TEXT)
        self.sources = QTreeWidget(page)
        self.sources.setHeaderLabels(("Source", "Asked on every check", "Set up"))
        self.sources.setRootIsDecorated(False)
        self.sources.setAccessibleName("Remote sources and whether each is asked on every check")
        self.sources.currentItemChanged.connect(lambda *_: self._update_source_buttons())
        self.ask_always = QPushButton("Ask on every check…", page)
        self.ask_always.setToolTip("Shows what every check will send it; it is asked only if you accept")
        self.stop_asking = QPushButton("Stop asking", page)
        configure = QPushButton("Set up sources…", page)
        configure.setToolTip("Addresses and API keys (keys go to the system keyring)")
        self.ask_always.clicked.connect(self._ask_always)
        self.stop_asking.clicked.connect(self._stop_asking)
        configure.clicked.connect(self.sources_setup_requested.emit)
        row = QHBoxLayout()
        for button in (self.ask_always, self.stop_asking):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(configure)
        layout.addWidget(self.sources, 1)
        layout.addLayout(row)
        return page

    def _folder_page(self, recent: Sequence[str]) -> QWidget:
        page, layout = self._page("What to check", FOLDER_TEXT)
        self.folder = QLineEdit(page)
        self.folder.setAccessibleName("Folder of your works")
        self.folder.setPlaceholderText("A folder of your works")
        self.folder.textChanged.connect(lambda *_: self._update_buttons())
        choose = QPushButton("Choose folder…", page)
        choose.clicked.connect(self._choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        layout.addLayout(row)
        self.recent = QListWidget(page)
        self.recent.setAccessibleName("Folders checked before")
        for folder in recent:
            item = QListWidgetItem(folder)
            item.setToolTip(folder)
            self.recent.addItem(item)
        self.recent.itemClicked.connect(lambda item: self.folder.setText(item.text()))
        if recent:
            layout.addWidget(paragraph("Checked before:", page))
            layout.addWidget(self.recent, 1)
        else:
            self.recent.hide()
            layout.addStretch(1)
        self.missing = paragraph("", page)
        self.missing.setAccessibleName("What this check will look at, and what not")
        self.missing.setFrameShape(QFrame.Shape.StyledPanel)
        self.missing.setMargin(self.fontMetrics().averageCharWidth())
        layout.insertWidget(3, self.missing)
        if self._paths:
            self.folder.setText("; ".join(str(path) for path in self._paths))
        return page

    # --- navigation ---------------------------------------------------------------------------------
    def go(self, index: int) -> None:
        index = max(WELCOME, min(index, FOLDER))
        self.pages.setCurrentIndex(index)
        self.steps.set_current(index)
        self._update_buttons()

    def _update_buttons(self) -> None:
        index = self.pages.currentIndex()
        on_welcome = index == WELCOME
        for button in (self.back, self.skip, self.next):
            button.setVisible(not on_welcome)
        self.close_button.setText("Not now" if on_welcome or index < FOLDER else "Close")
        if index == PROFILE:
            changed = self._profile_loaded is None or self.profile_form.profile() != self._profile_loaded
            self.next.setText("Save and continue" if changed else "Continue")
        elif index == DATASETS:
            ticked = len(self.known.checked_ids())
            self.next.setText(f"Add {ticked} and continue" if ticked else "Continue")
        elif index == FOLDER:
            self.next.setText("Check this folder" if self.chosen_paths() else "Finish")
            self.skip.setText("Finish without checking")
        else:
            self.next.setText("Continue")
        if index != FOLDER:
            self.skip.setText("Skip this step")

    def _skip(self) -> None:
        if self.pages.currentIndex() == FOLDER:
            self.accept()
        else:
            self.go(self.pages.currentIndex() + 1)

    def _primary(self) -> None:
        index = self.pages.currentIndex()
        if index == PROFILE:
            profile = self.profile_form.profile()
            if profile != self._profile_loaded:
                self._profile_loaded = profile
                self.profile_submitted.emit(profile)
        elif index == DATASETS:
            chosen = self.known.checked_ids()
            if chosen:
                self.datasets_chosen.emit(chosen)
        elif index == FOLDER:
            paths = self.chosen_paths()
            if paths:
                self.check_requested.emit(paths)
            self.accept()
            return
        self.go(index + 1)

    def _sample(self) -> None:
        self.sample_requested.emit()
        self.accept()

    def chosen_paths(self) -> list[Path]:
        return [Path(part.strip()) for part in self.folder.text().split(";") if part.strip()]

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of your works")
        if folder:
            self.folder.setText(folder)

    # --- state --------------------------------------------------------------------------------------
    def show_status(self, status: SetupStatus) -> None:
        """Show where every step stands (called whenever the catalogue or settings changed)."""
        self._status = status
        self.steps.set_states((None, status.profile_step, status.datasets_step, status.sources_step, status.works_step))
        if self._profile_loaded is None or self._profile_loaded == status.profile:
            self._profile_loaded = status.profile
            if self.profile_form.profile() != status.profile:
                self.profile_form.set_profile(status.profile)
        added = [f"{info.descriptor.name} ({info.coverage}, {info.rows:,} rows)" for info in status.datasets]
        self.added.setText("Searched now: " + ("; ".join(added) if added else "none yet."))
        self._show_sources(status)
        self.missing.setText(describe_check(status))
        self._update_buttons()

    def _show_sources(self, status: SetupStatus) -> None:
        selected = self._selected_source()
        self.sources.clear()
        for source in status.sources:
            if source.id in status.pending:
                asked = "waits for you to accept what it sends"
            elif source.id in status.asked:
                asked = "yes (what it is sent was accepted)"
            else:
                asked = "no"
            item = QTreeWidgetItem([source.name, asked, source.problem or "ready"])
            item.setData(0, Qt.ItemDataRole.UserRole, source.id)
            item.setToolTip(0, source.sends)
            self.sources.addTopLevelItem(item)
            if source.id == selected:
                self.sources.setCurrentItem(item)
        for column in range(3):
            self.sources.resizeColumnToContents(column)
        self._update_source_buttons()

    def _selected_source(self) -> str | None:
        item = self.sources.currentItem()
        value = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, str) else None

    def _selected_status(self) -> SourceStatus | None:
        source_id = self._selected_source()
        sources = self._status.sources if self._status is not None else ()
        return next((source for source in sources if source.id == source_id), None)

    def _update_source_buttons(self) -> None:
        source = self._selected_status()
        asked = self._status.asked if self._status is not None else ()
        self.ask_always.setEnabled(source is not None and not source.problem and source.id not in asked)
        self.stop_asking.setEnabled(source is not None and source.automatic)

    def _ask_always(self) -> None:
        source = self._selected_status()
        if source is not None:
            self.consent.ask(source.id, source.name)

    def _stop_asking(self) -> None:
        source_id = self._selected_source()
        if source_id is not None:
            self._tools.stop_asking(source_id)

    def _show_known(self) -> None:
        plan = self.known.plan(self.known.selected_id())
        self.measure.setEnabled(plan is not None and plan.read_bytes is None)
        self.dataset_details.setPlainText(describe_plan(plan) if plan is not None else "")

    def _measure(self) -> None:
        dataset_id = self.known.selected_id()
        if dataset_id is not None:
            self.measure.setEnabled(False)
            self.dataset_details.setPlainText(f"Measuring {dataset_id}: reading its files' footers online…")
            self._tools.measure_dataset(dataset_id)

    def _measured(self, plan: DatasetPlan) -> None:
        self.known.set_measured(plan)
        if self.known.selected_id() == plan.descriptor.id:
            self.dataset_details.setPlainText(describe_plan(plan))
