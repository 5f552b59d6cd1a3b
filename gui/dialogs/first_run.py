"""The first screen a new user sees: try the bundled sample portfolio, or go straight to their own folder."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from core import APP_NAME


class FirstRunChoice(Enum):
    SAMPLE = "sample"
    OWN_FOLDER = "own"
    SKIP = "skip"


WELCOME = (
    f"{APP_NAME} tells you whether your works are listed in public AI-training datasets. "
    "Your images never leave this computer: only fingerprints are compared, here.\n\n"
    "New here? See the whole flow in a minute with the sample portfolio of an imaginary artist, matched "
    "against small sample datasets in the real LAION, COYO and DataComp formats. It all goes into a separate "
    "demo catalogue, so it never mixes with your own works."
)


class FirstRunDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.choice = FirstRunChoice.SKIP
        text = QLabel(WELCOME, self)
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        text.setMinimumWidth(440)
        self.sample = QPushButton("Try the sample portfolio", self)
        self.sample.setAccessibleName("Try the sample portfolio in a demo catalogue")
        self.own = QPushButton("Check my own folder…", self)
        self.own.setAccessibleName("Check my own folder")
        self.skip = QPushButton("Not now", self)
        self.skip.setAccessibleName("Close the welcome screen")
        self.sample.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        for button, choice in ((self.sample, FirstRunChoice.SAMPLE), (self.own, FirstRunChoice.OWN_FOLDER)):
            layout.addWidget(button)
            button.clicked.connect(lambda _=False, picked=choice: self._pick(picked))
        layout.addWidget(self.skip)
        self.skip.clicked.connect(self.reject)

    def _pick(self, choice: FirstRunChoice) -> None:
        self.choice = choice
        self.accept()
