"""Read-only plain-text fields with a Copy button, for values that come from a dataset (never rich text); the
ranges naming the artist are highlighted by formatting characters of the plain text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from gui.span_delegate import highlight_format

Span = tuple[int, int]


def set_highlighted(edit: QPlainTextEdit, text: str, spans: Sequence[Span]) -> None:
    """Put `text` in `edit` as plain text, then format the character ranges `spans` (never markup)."""
    edit.setPlainText(text)
    fmt = highlight_format(edit.palette())
    for start, end in spans:
        if 0 <= start < end <= len(text):
            cursor = QTextCursor(edit.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)
    edit.moveCursor(QTextCursor.MoveOperation.Start)


class CopyField(QWidget):
    """A read-only plain-text line with a Copy button."""

    def __init__(self, name: str, parent: QWidget | None = None, monospace: bool = False) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setReadOnly(True)
        self.edit.setAccessibleName(name)
        if monospace:
            self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy = QPushButton("Copy", self)
        self.copy.setAccessibleName(f"Copy {name.lower()}")
        self.copy.setToolTip(f"Copy the {name.lower()} to the clipboard")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.edit.text()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.copy)

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        self.edit.setCursorPosition(0)
        self.copy.setEnabled(bool(text))


class SpanField(QWidget):
    """A read-only plain-text box whose ranges naming the artist are highlighted, with a Copy button."""

    def __init__(self, name: str, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit(self)
        self.edit.setReadOnly(True)
        self.edit.setAccessibleName(name)
        self.edit.setTabChangesFocus(True)
        height = self.edit.fontMetrics().lineSpacing() * lines + 12
        self.edit.setFixedHeight(height)
        self.copy = QPushButton("Copy", self)
        self.copy.setAccessibleName(f"Copy {name.lower()}")
        self.copy.setToolTip(f"Copy the {name.lower()} to the clipboard")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.edit.toPlainText()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.copy, 0, Qt.AlignmentFlag.AlignTop)

    def set_text(self, text: str, spans: Sequence[Span] = ()) -> None:
        set_highlighted(self.edit, text, spans)
        self.copy.setEnabled(bool(text))

    def text(self) -> str:
        return self.edit.toPlainText()
