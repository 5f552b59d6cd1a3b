"""Where a scan starts: drop a folder or images here (or anywhere on the window), or choose a folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QComboBox, QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

RECENT_PLACEHOLDER = "Recent folders"


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files and folders in a drag (remote URLs are ignored: nothing is downloaded)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


class DropZone(QFrame):
    paths_chosen = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Drop zone: drop a folder or images to scan them")
        self.hint = QLabel("Drop a folder or images here to check them — nothing leaves this computer.", self)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.choose = QPushButton("Choose folder…", self)
        self.choose.setAccessibleName("Choose a folder to scan")
        self.choose.setToolTip("Pick a folder of your works to scan (Ctrl+O)")
        self.recent = QComboBox(self)
        self.recent.setAccessibleName("Recent folders")
        self.recent.setToolTip("Scan a folder you scanned before")
        self.recent.setMinimumContentsLength(16)
        self.recent.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        layout = QHBoxLayout(self)
        layout.addWidget(self.hint, 1)
        layout.addWidget(self.recent)
        layout.addWidget(self.choose)
        self.choose.clicked.connect(self.choose_folder)
        self.recent.activated.connect(self._recent_activated)
        self.set_recent([])

    def set_recent(self, folders: Sequence[str]) -> None:
        self.recent.clear()
        self.recent.addItem(RECENT_PLACEHOLDER)
        for folder in folders:
            self.recent.addItem(Path(folder).name or folder, folder)
            self.recent.setItemData(self.recent.count() - 1, folder, Qt.ItemDataRole.ToolTipRole)
        self.recent.setEnabled(bool(folders))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of your works")
        if folder:
            self.paths_chosen.emit([Path(folder)])

    def _recent_activated(self, position: int) -> None:
        folder = self.recent.itemData(position)
        self.recent.setCurrentIndex(0)
        if isinstance(folder, str):
            self.paths_chosen.emit([Path(folder)])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.paths_chosen.emit(paths)
