"""Filters above the results: kind, dataset, review status, a distance threshold and free text."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QSlider, QToolButton, QWidget

from core.catalogue.matches import KINDS, STATUSES
from gui.models import RowFilter
from gui.review_rows import KIND_LABELS, NO_MATCH, TOO_PLAIN, UNREADABLE

ANY = "Any"
MAX_DISTANCE = 32  # the slider's top position means "no limit"


class FilterBar(QWidget):
    changed = Signal(object)  # RowFilter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = self._combo("Filter by how it was found", [(KIND_LABELS[kind], kind) for kind in KINDS])
        self.dataset = self._combo("Filter by dataset", [])
        statuses = [(status, status) for status in (*STATUSES, NO_MATCH)] + [
            ("too plain", TOO_PLAIN),
            (UNREADABLE, UNREADABLE),
        ]
        self.status = self._combo("Filter by review status", statuses)
        self.distance = QSlider(Qt.Orientation.Horizontal, self)
        self.distance.setRange(0, MAX_DISTANCE)
        self.distance.setValue(MAX_DISTANCE)
        self.distance.setAccessibleName("Largest distance to show")
        self.distance.setToolTip("Hide look-alikes whose hash differs in more bits than this")
        self.distance.setFixedWidth(84)
        self.distance_label = QLabel(self)
        self.distance_label.setMinimumWidth(64)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search file, dataset, URL, caption (Ctrl+F)")
        self.search.setAccessibleName("Search the results")
        self.search.setClearButtonEnabled(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Found by", self.kind), ("Dataset", self.dataset), ("Review", self.status)):
            text = QLabel(f"{label}:", self)
            text.setBuddy(widget)
            layout.addWidget(text)
            layout.addWidget(widget)
        layout.addWidget(QLabel("Distance:", self))
        layout.addWidget(self.distance)
        layout.addWidget(self.distance_label)
        layout.addWidget(self.search, 1)
        self.grid = QToolButton(self)  # the window gives it its "Works as a grid" action
        self.grid.setAccessibleName("Show the works as a grid")
        layout.addWidget(self.grid)
        for combo in (self.kind, self.dataset, self.status):
            combo.currentIndexChanged.connect(self._emit)
        self.distance.valueChanged.connect(self._emit)
        self.search.textChanged.connect(self._emit)
        self._emit()

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.addItem(ANY, None)
        for label, value in items:
            combo.addItem(label, value)
        return combo

    def set_datasets(self, names: Iterable[str]) -> None:
        """Offer the datasets present in the results, keeping the current choice if it is still there."""
        wanted = sorted(set(names))
        present = [self.dataset.itemData(position) for position in range(1, self.dataset.count())]
        if wanted == present:
            return
        current = self.dataset.currentData()
        self.dataset.blockSignals(True)
        self.dataset.clear()
        self.dataset.addItem(ANY, None)
        for name in wanted:
            self.dataset.addItem(name, name)
        position = self.dataset.findData(current) if current is not None else 0
        self.dataset.setCurrentIndex(max(position, 0))
        self.dataset.blockSignals(False)
        if current is not None and position < 0:
            self._emit()

    def row_filter(self) -> RowFilter:
        limit = self.distance.value()
        return RowFilter(
            kind=self.kind.currentData(),
            dataset=self.dataset.currentData(),
            status=self.status.currentData(),
            max_distance=None if limit >= MAX_DISTANCE else limit,
            text=self.search.text(),
        )

    def _emit(self) -> None:
        limit = self.distance.value()
        self.distance_label.setText("any distance" if limit >= MAX_DISTANCE else f"≤ {limit} bits")
        self.changed.emit(self.row_filter())
