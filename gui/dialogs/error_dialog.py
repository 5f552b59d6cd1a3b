"""Errors as a dialog: one plain sentence, the technical details folded away with a copy button — never a crash.

A `TrainTraceError` is something the user can act on: its message is shown as is. Anything else is a bug: the
dialog says so and offers the traceback (folded away until asked for) to copy into a report.
`install_excepthook` routes uncaught exceptions of the GUI thread here instead of letting them end the process.
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
    QToolButton,
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
    """The sentence first; the technical details (a traceback, the version) folded away behind "Show details"."""

    def __init__(self, doing: str, exception: BaseException, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("TrainTrace — something went wrong")
        self.message = QLabel(user_message(doing, exception), self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Error message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        width = self.message.fontMetrics().averageCharWidth()
        self.message.setMinimumWidth(72 * width)
        self.details = QPlainTextEdit(f"TrainTrace {__version__}\n{details}", self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        self.details.setMinimumSize(64 * width, 12 * self.message.fontMetrics().lineSpacing())
        self.details.setVisible(False)
        self.toggle = QToolButton(self)
        self.toggle.setText("Show details")
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setAccessibleName("Show the technical details")
        self.toggle.toggled.connect(self._show_details)
        self.copy = QPushButton("Copy details", self)
        self.copy.setAccessibleName("Copy the error details")
        self.copy.setToolTip("Copy the technical details, e.g. to paste them into a bug report")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.details.toPlainText()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.toggle.setText("Hide details" if shown else "Show details")
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.adjustSize()


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
