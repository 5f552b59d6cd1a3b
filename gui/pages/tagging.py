"""Tag works with "no AI training": copies of any works (matched or not) with the reservation in their metadata.

The works come from the catalogue (every scanned work, not only matched ones) or from files the user adds. The
copies are written by the core (`tag_copies`, through the tools controller); the originals are never changed.
Each work's rights metadata is shown before (as the original has it) and after (as the copy has it), read back
from the files' bytes by the core, so the user sees what a crawler or a viewer will find.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.catalogue.works import Work
from core.optout.rights_readback import RightsMetadata
from gui.pages.common import FolderRow, heading, paragraph
from gui.theme import accent
from gui.tools_controller import TaggedWork, ToolsController

INTRO = (
    "Writes copies of your works with the IPTC “Data Mining” reservation, your name and a copyright notice in "
    "their metadata, where crawlers and image viewers read it. Your originals are never changed. Any work can "
    "be tagged, matched or not: tag what you are about to publish."
)
DATA_MINING = (
    ("DMI-PROHIBITED-AIMLTRAINING", "AI/ML training prohibited"),
    ("DMI-PROHIBITED-GENAIMLTRAINING", "generative AI/ML training prohibited"),
    ("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "all data mining prohibited except search engine indexing"),
    ("DMI-PROHIBITED", "all data mining prohibited"),
    ("DMI-PROHIBITED-SEECONSTRAINT", "prohibited, see the constraints in the copyright notice"),
)  # the IPTC Photo Metadata "Data Mining" codes that reserve rights (the core checks the value)
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.webp *.tif *.tiff *.gif *.bmp *.heic *.heif *.avif);;All files (*)"


class TaggingPage(QDialog):
    def __init__(self, tools: ToolsController, parent: QWidget | None = None, out_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tag works with “no AI training”")
        self._tools = tools
        self._before: dict[Path, RightsMetadata] = {}
        self.works = QListWidget(self)
        self.works.setAccessibleName("Works to tag (tick them)")
        self.works.setUniformItemSizes(True)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by file name")
        self.filter.setAccessibleName("Filter the works by file name")
        self.filter.textChanged.connect(self._filter)
        self.add_files = QPushButton("Add files…", self)
        self.add_files.setToolTip("Tag images that are not in the catalogue, e.g. new works before you publish them")
        self.select_all = QPushButton("All", self)
        self.select_all.setAccessibleName("Tick every work shown")
        self.select_none = QPushButton("None", self)
        self.select_none.setAccessibleName("Untick every work")
        self.code = QComboBox(self)
        for code, words in DATA_MINING:
            self.code.addItem(f"{words} ({code})", code)
        self.code.setAccessibleName("What the copies reserve (IPTC Data Mining)")
        self.out = FolderRow("A folder for the tagged copies", "Folder for the tagged copies", self)
        if out_dir is not None:
            self.out.set_path(out_dir)
        self.tag = QPushButton("Write tagged copies", self)
        self.tag.setDefault(True)
        self.tag.setEnabled(False)
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setAccessibleName("What tagging did")
        self.metadata = QTreeWidget(self)
        self.metadata.setHeaderLabels(("Work and property", "Before (the original)", "After (the copy)"))
        self.metadata.setAccessibleName("Rights metadata before and after tagging")
        self._lay_out()
        self.add_files.clicked.connect(self._add_files)
        self.select_all.clicked.connect(lambda: self._tick_all(True))
        self.select_none.clicked.connect(lambda: self._tick_all(False))
        self.works.itemChanged.connect(lambda *_: self._ticked_changed())
        self.out.changed.connect(self._update_button)
        self.tag.clicked.connect(self.start)
        tools.works_loaded.connect(self.show_works)
        tools.rights_loaded.connect(self._show_before)
        tools.tagged.connect(self.show_tagged)
        tools.load_works()
        metrics = self.fontMetrics()
        self.resize(160 * metrics.averageCharWidth(), 44 * metrics.lineSpacing())

    def _lay_out(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.works, 1)
        row = QHBoxLayout()
        for button in (self.select_all, self.select_none):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.add_files)
        left_layout.addLayout(row)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.addRow("Reserve:", self.code)
        form.addRow("Copies go to:", self.out)
        right_layout.addLayout(form)
        actions = QHBoxLayout()
        actions.addWidget(self.tag)
        actions.addStretch(1)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.state)
        right_layout.addWidget(self.metadata, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Tag works with “no AI training”", self))
        layout.addWidget(paragraph(INTRO, self))
        layout.addWidget(split, 1)
        layout.addWidget(close)

    # --- the works ----------------------------------------------------------------------------------
    def show_works(self, works: Sequence[Work]) -> None:
        known = set(self._paths(ticked_only=False))
        for work in works:
            if work.ok and Path(work.path) not in known:
                self._add_work(Path(work.path))
        self._update_button()

    def _add_work(self, path: Path, ticked: bool = False) -> None:
        item = QListWidgetItem(path.name)
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        item.setToolTip(str(path))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.works.addItem(item)

    def _add_files(self) -> None:
        files, _filter = QFileDialog.getOpenFileNames(self, "Choose images to tag", "", IMAGE_FILTER)
        known = set(self._paths(ticked_only=False))
        for file in files:
            if Path(file) not in known:
                self._add_work(Path(file), ticked=True)
        self._ticked_changed()

    def add_paths(self, paths: Sequence[Path], ticked: bool = True) -> None:
        """Add works by path (tests, and the files the user picks)."""
        known = set(self._paths(ticked_only=False))
        for path in paths:
            if Path(path) not in known:
                self._add_work(Path(path), ticked)
        self._ticked_changed()

    def _paths(self, ticked_only: bool = True) -> list[Path]:
        found = []
        for row in range(self.works.count()):
            item = self.works.item(row)
            if not ticked_only or item.checkState() == Qt.CheckState.Checked:
                found.append(Path(str(item.data(Qt.ItemDataRole.UserRole))))
        return found

    def ticked(self) -> list[Path]:
        return self._paths()

    def _tick_all(self, ticked: bool) -> None:
        self.works.blockSignals(True)
        for row in range(self.works.count()):
            item = self.works.item(row)
            if not item.isHidden():
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.works.blockSignals(False)
        self._ticked_changed()

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.works.count()):
            item = self.works.item(row)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def _ticked_changed(self) -> None:
        self._update_button()
        paths = self.ticked()
        if paths:
            self._tools.load_rights(paths)
        else:
            self.metadata.clear()

    def _update_button(self) -> None:
        self.tag.setEnabled(bool(self.ticked()) and self.out.path() is not None)

    # --- before and after ---------------------------------------------------------------------------
    def _show_before(self, found: Sequence[RightsMetadata]) -> None:
        self._before = {item.path: item for item in found}
        ticked = self.ticked()
        if [item.path for item in found] != ticked:
            return  # the ticks changed since: a newer read is on its way
        self.metadata.clear()
        for path in ticked:
            before = self._before.get(path)
            self._add_rows(path.name, before, None, "not tagged yet")
        self.metadata.expandAll()
        self._fit_columns()

    def start(self) -> bool:
        out = self.out.path()
        paths = self.ticked()
        if out is None or not paths:
            return False
        self.tag.setEnabled(False)
        self.state.setText(f"Writing {len(paths)} tagged cop{'y' if len(paths) == 1 else 'ies'} into {out} …")
        self._tools.tag(paths, out, str(self.code.currentData()))
        return True

    def show_tagged(self, tagged: Sequence[TaggedWork]) -> None:
        self.metadata.clear()
        done = sum(1 for work in tagged if work.result.output is not None)
        for work in tagged:
            result = work.result
            if result.output is not None:
                status = f"tagged copy written: {result.output.name}"
            else:
                status = f"{result.status.value}: {result.message}"
            item = self._add_rows(work.source.name, work.before, work.after, status)
            item.setToolTip(2, str(result.output) if result.output is not None else result.message)
            item.setExpanded(result.output is not None)
        self._fit_columns()
        left = len(tagged) - done
        self.state.setText(f"{done} tagged cop{'y' if done == 1 else 'ies'} written" + (
            f"; {left} left alone (see below)" if left else "") + ". Your originals were not changed.")  # fmt: skip
        self._update_button()

    def _add_rows(
        self, name: str, before: RightsMetadata | None, after: RightsMetadata | None, status: str
    ) -> QTreeWidgetItem:
        top = QTreeWidgetItem([name, "", status])
        top.setToolTip(2, status)
        self.metadata.addTopLevelItem(top)
        before_lines = _shown(before)
        after_lines = _shown(after)
        labels = [label for label, _value in (before_lines or after_lines)]
        if not labels:
            top.setText(1, "could not read the file")
            return top
        for position, label in enumerate(labels):
            old = before_lines[position][1] if before_lines else "could not read"
            new = after_lines[position][1] if after_lines else "—"
            child = QTreeWidgetItem([label, old, new])
            child.setToolTip(1, old)
            child.setToolTip(2, new)
            if after_lines and new != old:
                child.setForeground(2, QBrush(accent("good")))
            top.addChild(child)
        return top

    def _fit_columns(self) -> None:
        width = self.fontMetrics().averageCharWidth()
        self.metadata.resizeColumnToContents(0)
        self.metadata.setColumnWidth(1, 30 * width)


TECHNICAL = ("XMP packets",)  # for experts: shown in `traintrace optout tag`'s terms, not here


def _shown(metadata: RightsMetadata | None) -> list[tuple[str, str]]:
    return [line for line in metadata.lines() if line[0] not in TECHNICAL] if metadata is not None else []
