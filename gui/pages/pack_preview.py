"""The opt-out pack, previewed before it is written: every file with its text and what will happen to it.

The preview is the core's (`preview_optout_pack`): the pack is generated in a temporary folder beside copies of
the artist's files already in the chosen folder, so it says exactly what writing would do there (new, updated,
already up to date, merged into your robots.txt, or written beside a file you edited as NAME.new) without
touching that folder. "Write the pack" then asks the window to write it (progress in the main window).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.app.optout import PackPreview, PlannedFile
from gui.pages.common import FolderRow, heading, paragraph
from gui.tools_controller import ToolsController

INTRO = (
    "Everything you need to opt out, in one folder: files for your website (robots.txt, ai.txt, TDMRep, server "
    "headers), letters and lists for the datasets and hosts where your works were found, and tagged copies of "
    "the works you confirmed. Look at what will be written before writing it: a file you edited is never "
    "overwritten (the new version goes beside it)."
)
PARTS = {
    "website": "Website files",
    "letters": "Letters and lists",
    "tagged copies": "Tagged copies",
    "pack": "What the pack holds",
}


class PackPreviewPage(QDialog):
    write_requested = Signal(object)  # Path: the folder to write the pack into

    def __init__(self, tools: ToolsController, parent: QWidget | None = None, out_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Opt-out pack")
        self._tools = tools
        self._preview: PackPreview | None = None
        self._files: dict[int, PlannedFile] = {}
        self._written = ""
        self.out = FolderRow("The folder to write the pack into", "Folder for the opt-out pack", self)
        if out_dir is not None:
            self.out.set_path(out_dir)
        self.preview = QPushButton("Preview", self)
        self.preview.setDefault(True)
        self.preview.setAccessibleName("Preview what the pack will write")
        self.write = QPushButton("Write the pack", self)
        self.write.setEnabled(False)
        self.write.setToolTip("Available once you have looked at the preview for this folder")
        self.state = QLabel(self)
        self.state.setWordWrap(True)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setAccessibleName("What the pack will hold")
        self.files = QTreeWidget(self)
        self.files.setHeaderLabels(("File", "What will happen"))
        self.files.setAccessibleName("Files the pack will write")
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Text of the selected file")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._lay_out()
        self.preview.clicked.connect(self.ask_preview)
        self.write.clicked.connect(self._write)
        self.out.changed.connect(self._folder_changed)
        self.files.currentItemChanged.connect(lambda *_: self._show_selected())
        tools.pack_previewed.connect(self.show_preview)
        metrics = self.fontMetrics()
        self.resize(160 * metrics.averageCharWidth(), 44 * metrics.lineSpacing())

    def _lay_out(self) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.out, 1)
        actions.addWidget(self.preview)
        actions.addWidget(self.write)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.files)
        split.addWidget(self.text)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Opt-out pack", self))
        layout.addWidget(paragraph(INTRO, self))
        layout.addLayout(actions)
        layout.addWidget(self.state)
        layout.addWidget(split, 1)
        layout.addWidget(close)

    def _folder_changed(self) -> None:
        self.write.setEnabled(False)
        self._written = ""

    def ask_preview(self) -> bool:
        out = self.out.path()
        if out is None:
            self.state.setText("Choose the folder the pack goes into first.")
            return False
        self.state.setText(f"Preparing the preview for {out} … nothing is written yet.")
        self.write.setEnabled(False)
        self._tools.preview_pack(out)
        return True

    def show_preview(self, preview: PackPreview) -> None:
        if preview.out_dir != self.out.path():
            return  # the folder changed since it was asked
        self._preview = preview
        self._files = {}
        self.files.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for position, planned in enumerate(preview.files):
            group = groups.get(planned.part)
            if group is None:
                group = QTreeWidgetItem([PARTS.get(planned.part, planned.part), ""])
                groups[planned.part] = group
                self.files.addTopLevelItem(group)
            shown = planned.relative.split("/", 1)[-1] if planned.part != "tagged copies" else Path(planned.source).name
            item = QTreeWidgetItem([shown, planned.outcome])
            item.setData(0, Qt.ItemDataRole.UserRole, position)
            item.setToolTip(0, planned.source or planned.relative)
            group.addChild(item)
            self._files[position] = planned
        for part, group in groups.items():
            count = group.childCount()
            group.setText(1, f"{count} file{'s' if count != 1 else ''}" if part != "tagged copies" else
                          f"{count} work{'s' if count != 1 else ''}")  # fmt: skip
        self.files.expandAll()
        self.files.resizeColumnToContents(0)
        written = sum(1 for f in preview.files if not f.outcome.startswith("already up to date"))
        if self._written:
            lines = [self._written, f"Writing again now would write {written} of {len(preview.files)} items."]
        else:
            lines = [f"{len(preview.files)} items, {written} to write into {preview.out_dir}. Nothing is written yet."]
        lines += preview.notes
        self.state.setText("\n".join(lines))
        self.write.setEnabled(bool(preview.files))
        first = groups[next(iter(groups))].child(0) if groups else None
        if first is not None:
            self.files.setCurrentItem(first)

    def _show_selected(self) -> None:
        item = self.files.currentItem()
        position = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        planned = self._files.get(position) if isinstance(position, int) else None
        if planned is None:
            self.text.setPlainText("")
        elif planned.part == "tagged copies":
            self.text.setPlainText(
                f"A copy of {planned.source}\nwith the IPTC “no AI training” reservation, your name and a copyright "
                "notice in its metadata. The original is not changed. (Tag any other works from Act › Tag works.)"
            )
        else:
            notes = "".join(f"\nNote: {note}" for note in planned.notes)
            self.text.setPlainText(planned.text + (f"\n{notes}" if notes else ""))

    def _write(self) -> None:
        out = self.out.path()
        if out is not None and self._preview is not None and self._preview.out_dir == out:
            self.write.setEnabled(False)
            self.state.setText(f"Writing the pack into {out} … (progress in the main window)")
            self.write_requested.emit(out)

    def written(self, where: object) -> None:
        """The window wrote the pack: say so, and preview again (everything now reads "already up to date")."""
        self._written = f"The opt-out pack was written to {where}."
        self.state.setText(self._written)
        out = self.out.path()
        if out is not None:
            self._tools.preview_pack(out)
