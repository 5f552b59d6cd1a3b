""" "Act on this": the opt-out routes that apply to the selected match (or to every selected match at once: one
LAION request listing every SAMPLE_ID, one Spawning list with every URL), each with a preview of its text, copy
and save. The routes and their text come from the core (core.letters.routes through the controller); this widget
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

MatchIds = tuple[int, ...]


def as_ids(match_ids: int | Sequence[int] | None) -> MatchIds:
    if match_ids is None:
        return ()
    return (match_ids,) if isinstance(match_ids, int) else tuple(dict.fromkeys(match_ids))


class ActPanel(QGroupBox):
    save_requested = Signal(object, str, object)  # match ids (a tuple), route stem, Path to write

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Act on this", parent)
        self._match_ids: MatchIds = ()
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
        """The match acted on (the first one when several are selected)."""
        return self._match_ids[0] if self._match_ids else None

    @property
    def match_ids(self) -> MatchIds:
        return self._match_ids

    def clear(self, match_ids: int | Sequence[int] | None) -> None:
        """Forget the routes shown; those of `match_ids` are on their way."""
        self._match_ids, self._routes = as_ids(match_ids), []
        count = len(self._match_ids)
        self.setTitle(f"Act on these {count} matches at once" if count > 1 else "Act on this")
        self.routes.clear()
        self.preview.setPlainText("")
        self.state.setText("Looking up the routes…" if self._match_ids else "")
        for button in (self.copy, self.save):
            button.setEnabled(False)

    def show_routes(self, match_ids: int | Sequence[int], routes: Sequence[Route]) -> None:
        if as_ids(match_ids) != self._match_ids:
            return  # the user has moved on to other matches
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
            self.state.setText(empty if self._match_ids else "")
        else:
            done = "already generated (in an opt-out pack you wrote)" if route.generated else "not generated yet"
            many = f" · covers all {len(self._match_ids)} selected matches" if len(self._match_ids) > 1 else ""
            self.state.setText(f"{route.stem}.txt: {done}{many}")
        for button in (self.copy, self.save):
            button.setEnabled(route is not None)

    def _ask_save(self) -> None:
        position = self.routes.currentIndex()
        if not self._match_ids or not 0 <= position < len(self._routes):
            return
        route = self._routes[position]
        chosen, _filter = QFileDialog.getSaveFileName(self, "Save the text", f"{route.stem}.txt")
        if chosen:
            self.save_requested.emit(self._match_ids, route.stem, Path(chosen))
