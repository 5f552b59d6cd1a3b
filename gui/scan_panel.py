"""Shows a running scan (or matching): current file, count, rate, time left, and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from core.progress import ProgressUpdate


def describe(update: ProgressUpdate) -> str:
    """ "12 of 340 files · 35.2 files/s · about 10 s left" — the parts that are known so far."""
    parts = [f"{update.done} of {update.total} files" if update.total is not None else f"{update.done} files"]
    if update.rate:
        parts.append(f"{update.rate:.1f} files/s")
    if update.eta_seconds is not None and update.total:
        parts.append(f"about {format_duration(update.eta_seconds)} left")
    return " · ".join(parts)


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ScanPanel(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = QLabel(self)
        self.current = QLabel(self)
        self.current.setTextFormat(Qt.TextFormat.PlainText)
        self.current.setAccessibleName("File being read")
        self.counts = QLabel(self)
        self.counts.setAccessibleName("Scan progress")
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Scan progress bar")
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setAccessibleName("Cancel the scan (finished files are kept)")
        self.cancel.setToolTip("Stop now; every file finished so far is kept (Esc)")
        self.cancel.clicked.connect(self._cancel_clicked)
        layout = QGridLayout(self)
        layout.addWidget(self.step, 0, 0)
        layout.addWidget(self.current, 0, 1)
        layout.addWidget(self.bar, 1, 0, 1, 2)
        layout.addWidget(self.counts, 2, 0, 1, 2)
        layout.addWidget(self.cancel, 1, 2)
        layout.setColumnStretch(1, 1)
        self.setVisible(False)

    def start(self, what: str) -> None:
        self.step.setText(what)
        self.current.setText("")
        self.counts.setText("Starting…")
        self.bar.setValue(0)
        self.cancel.setEnabled(True)
        self.setVisible(True)

    def show_update(self, update: ProgressUpdate) -> None:
        self.step.setText(update.step or self.step.text())
        if update.detail:
            self.current.setText(update.detail)
        self.counts.setText(describe(update))
        self.bar.setValue(round(update.fraction * 1000))

    def finish(self) -> None:
        self.setVisible(False)

    def _cancel_clicked(self) -> None:
        self.cancel.setEnabled(False)
        self.counts.setText("Cancelling… files already finished are kept.")
        self.cancel_requested.emit()
