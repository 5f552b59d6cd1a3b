"""Errors as a dialog with the details and a copy button — never a crash.

A `TrainTraceError` is something the user can act on: its message is shown as is. Anything else is a bug: the
dialog says so and offers the traceback to copy into a report. `install_excepthook` routes uncaught exceptions
of the GUI thread here instead of letting them end the process.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import __version__
from core.errors import TrainTraceError


def user_message(doing: str, exception: BaseException) -> str:
    if isinstance(exception, TrainTraceError):
        return f"{doing} failed: {exception}"
    return f"{doing} failed because of a bug in TrainTrace ({type(exception).__name__}). Nothing you did caused it."


class ErrorDialog(QDialog):
    def __init__(self, doing: str, exception: BaseException, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("TrainTrace — something went wrong")
        self.message = QLabel(user_message(doing, exception), self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Error message")
        self.details = QPlainTextEdit(f"TrainTrace {__version__}\n{details}", self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        self.details.setMinimumSize(520, 160)
        self.copy = QPushButton("Copy details", self)
        self.copy.setAccessibleName("Copy the error details")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.details.toPlainText()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)


ShowError = Callable[[str, BaseException, str], None]


def install_excepthook(show: ShowError) -> Callable[[], None]:
    """Show uncaught exceptions with `show` instead of crashing; returns a function that restores the hook."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(details)
        show("An action", value, details)

    sys.excepthook = hook

    def restore() -> None:
        sys.excepthook = previous

    return restore
