""" "Act on this": the opt-out routes that apply to the selected match, each with a preview of its text, copy and
save. The routes and their text come from the core (core.letters.routes through the controller); this widget
only shows them and passes the user's requests on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.letters.routes import Route


class ActPanel(QGroupBox):
    save_requested = Signal(int, str, object)  # match id, route stem, Path to write

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Act on this", parent)
        self._match_id: int | None = None
        self._routes: list[Route] = []
        self.routes = QComboBox(self)
        self.routes.setAccessibleName("Opt-out routes for this match")
        self.state = QLabel(self)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setAccessibleName("Whether this route was already generated")
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("Text this route would generate")
        self.preview.setMaximumHeight(160)
        self.copy = QPushButton("Copy text", self)
        self.copy.setAccessibleName("Copy the route's text")
        self.save = QPushButton("Save…", self)
        self.save.setAccessibleName("Save the route's text to a file")
        buttons = QHBoxLayout()
        for widget in (self.copy, self.save):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.routes)
        layout.addWidget(self.state)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        self.routes.currentIndexChanged.connect(self._show_route)
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.preview.toPlainText()))
        self.save.clicked.connect(self._ask_save)
        self.clear(None)

    @property
    def match_id(self) -> int | None:
        return self._match_id

    def clear(self, match_id: int | None) -> None:
        """Forget the routes shown; those of `match_id` are on their way."""
        self._match_id, self._routes = match_id, []
        self.routes.clear()
        self.preview.setPlainText("")
        self.state.setText("Looking up the routes…" if match_id is not None else "")
        for button in (self.copy, self.save):
            button.setEnabled(False)

    def show_routes(self, match_id: int, routes: Sequence[Route]) -> None:
        if match_id != self._match_id:
            return  # the user has moved on to another match
        self._routes = list(routes)
        self.routes.blockSignals(True)
        self.routes.clear()
        self.routes.addItems([route.title for route in self._routes])
        self.routes.blockSignals(False)
        self._show_route(0)

    def route_titles(self) -> list[str]:
        return [route.title for route in self._routes]

    def _show_route(self, position: int) -> None:
        route = self._routes[position] if 0 <= position < len(self._routes) else None
        self.preview.setPlainText(route.text if route else "")
        if route is None:
            empty = "No route to show: the letters need at least your name (Profile…)."
            self.state.setText(empty if self._match_id is not None else "")
        else:
            done = "already generated (in an opt-out pack you wrote)" if route.generated else "not generated yet"
            self.state.setText(f"{route.stem}.txt: {done}")
        for button in (self.copy, self.save):
            button.setEnabled(route is not None)

    def _ask_save(self) -> None:
        position = self.routes.currentIndex()
        if self._match_id is None or not 0 <= position < len(self._routes):
            return
        route = self._routes[position]
        chosen, _filter = QFileDialog.getSaveFileName(self, "Save the text", f"{route.stem}.txt")
        if chosen:
            self.save_requested.emit(self._match_id, route.stem, Path(chosen))
