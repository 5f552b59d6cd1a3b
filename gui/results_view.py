"""The results table view: a thumbnail column, Python-sorted columns, and a hint when there is nothing to show."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from gui.models import Column, ReviewProxy

EMPTY_HINT = (
    "Drop a folder of your works here, or use “Choose folder…” above.\n"
    "Only fingerprints are computed, on this computer; your images are never uploaded."
)
FILTERED_HINT = "No results match the filters."
COLUMN_WIDTHS = ((Column.FILE, 190), (Column.KIND, 96), (Column.MEASURE, 104), (Column.DATASET, 120))


class ResultsView(QTableView):
    def __init__(self, proxy: ReviewProxy, thumbnail_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self.setObjectName("results")
        self.setAccessibleName("Results")
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(Column.KIND, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        size = thumbnail_size
        self.setIconSize(self.iconSize().scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio))
        self.verticalHeader().setDefaultSectionSize(size + 6)  # fixed heights: no per-row size hints to compute
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setObjectName("results-header")
        header.setSectionResizeMode(Column.THUMBNAIL, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(Column.THUMBNAIL, size + 8)
        for column, width in COLUMN_WIDTHS:
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.empty_hint = QLabel(EMPTY_HINT, self.viewport())
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setEnabled(False)  # drawn in the palette's disabled (muted) text colour
        QVBoxLayout(self.viewport()).addWidget(self.empty_hint)
        for signal in (proxy.rowsInserted, proxy.rowsRemoved, proxy.modelReset, proxy.layoutChanged):
            signal.connect(self._update_empty_hint)

    def _update_empty_hint(self) -> None:
        filtered = self._proxy.sourceModel().rowCount() > 0
        self.empty_hint.setText(FILTERED_HINT if filtered else EMPTY_HINT)
        self.empty_hint.setVisible(self._proxy.rowCount() == 0)
