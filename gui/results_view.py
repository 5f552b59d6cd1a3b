"""The review list: each work (thumbnail and name) with its matches under it, surest first; a hint when there is
nothing to show. Works are expanded as they arrive; a work the user folded stays folded."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTreeView, QVBoxLayout, QWidget

from gui.models import ReviewProxy
from gui.review_rows import Column, ReviewRow
from gui.span_delegate import SpanDelegate

EMPTY_HINT = (
    "Drop a folder of your works here, or use “Choose folder…” above.\n"
    "Only fingerprints are computed, on this computer; your images are never uploaded."
)
FILTERED_HINT = "No results match the filters."
COLUMN_WIDTHS = (
    (Column.MEASURE, 230), (Column.STATUS, 130), (Column.DATASET, 120), (Column.CAPTION, 240), (Column.URL, 220)
)  # fmt: skip
FILE_COLUMN_EXTRA = 150  # the work's name beside its thumbnail


class ResultsView(QTreeView):
    def __init__(self, proxy: ReviewProxy, thumbnail_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._proxy = proxy
        self.setObjectName("results")
        self.setAccessibleName("Results: your works, each with its matches")
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(Column.MEASURE, Qt.SortOrder.AscendingOrder)  # surest first
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setUniformRowHeights(False)
        self.setAnimated(False)
        self.setExpandsOnDoubleClick(True)
        size = thumbnail_size
        self.setIconSize(self.iconSize().scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio))
        self.spans = SpanDelegate(self)
        for column in (Column.CAPTION, Column.URL):
            self.setItemDelegateForColumn(column, self.spans)
        header = self.header()
        header.setObjectName("results-header")
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(Column.FILE, size + FILE_COLUMN_EXTRA)
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
        proxy.rowsInserted.connect(self._expand_new)
        proxy.modelReset.connect(self.expandAll)

    def set_empty_hint(self, text: str) -> None:
        """What to say when there is nothing at all (the first run's next step, for instance)."""
        self._empty_text = text
        self._update_empty_hint()

    def _update_empty_hint(self) -> None:
        filtered = self._proxy.sourceModel().rowCount() > 0
        self.empty_hint.setText(FILTERED_HINT if filtered else getattr(self, "_empty_text", EMPTY_HINT))
        self.empty_hint.setVisible(self._proxy.rowCount() == 0)

    def _expand_new(self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        for row in range(first, last + 1):
            self.expand(self._proxy.index(row, 0))

    # --- rows ---------------------------------------------------------------------------------------
    def current_row(self) -> ReviewRow | None:
        return self._proxy.row_of(self.currentIndex())

    def selected_rows(self) -> list[ReviewRow]:
        rows = [self._proxy.row_of(index) for index in self.selectionModel().selectedRows()]
        return [row for row in rows if row is not None]

    def visible_rows(self) -> list[QModelIndex]:
        """Every row in display order (a work, then its matches when it is expanded), column 0."""
        found: list[QModelIndex] = []
        index = self._proxy.index(0, 0, self.rootIndex())
        while index.isValid():
            found.append(index)
            index = self.indexBelow(index)
        return found

    def stops(self) -> list[QModelIndex]:
        """Where Next / Previous go: every match, and every work that has no match to show under it."""
        rows = self.visible_rows()
        return [index for index in rows if self._proxy.rowCount(index) == 0 or not self.isExpanded(index)]

    def step(self, step: int) -> None:
        """Make the stop `step` places after (or before) the current row current; from a work row, the first stop
        after it (Next) or the last one before it (Previous)."""
        stops = self.stops()
        if not stops:
            return
        rows = self.visible_rows()
        current = self.currentIndex()
        current = current.siblingAtColumn(0) if current.isValid() else current
        if current in stops:
            target = min(max(stops.index(current) + step, 0), len(stops) - 1)
        elif current in rows:
            here = rows.index(current)
            after = [i for i, index in enumerate(stops) if rows.index(index) > here]
            first_after = after[0] if after else len(stops)
            target = min(first_after, len(stops) - 1) if step > 0 else max(first_after - 1, 0)
        else:
            target = 0
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.selectionModel().setCurrentIndex(stops[target], flags)
        self.scrollTo(stops[target])
