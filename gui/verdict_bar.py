"""The verdict first: one line that answers the artist's question, with what it rests on (core.searched), and the
next steps when something was not searched (add a dataset, fill in the profile, ask a source)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.searched import NextStep, SearchSummary

STEP_BUTTONS = {
    NextStep.DATASET: ("Add a dataset…", "Choose which datasets to search (known datasets and the bundled samples)"),
    NextStep.PROFILE: ("Fill in your profile…", "Your names, handles and site: the URL and caption search needs them"),
    NextStep.SOURCE: ("Ask a source…", "Spawning's registry, the Hub's viewer: see what is sent first"),
}
WAITING = "Reading what was searched…"


class VerdictBar(QFrame):
    step_requested = Signal(str)  # a NextStep value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Verdict")
        self.headline = self._label(bold=True)
        self.headline.setAccessibleName("Verdict: what was found")
        self.basis = self._label()
        self.basis.setAccessibleName("What the verdict rests on")
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for step, (text, tip) in STEP_BUTTONS.items():
            button = QPushButton(text, self)
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, step=step: self.step_requested.emit(step))
            button.hide()
            self.buttons[step] = button
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(3)
        layout.addWidget(self.headline)
        layout.addWidget(self.basis)
        layout.addLayout(row)
        self.summary: SearchSummary | None = None
        self.headline.setText(WAITING)

    def _label(self, bold: bool = False) -> QLabel:
        label = QLabel(self)
        label.setTextFormat(Qt.TextFormat.PlainText)  # dataset and source names are shown as they are
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if bold:
            font = QFont(label.font())
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.12)
            label.setFont(font)
        return label

    def show_summary(self, summary: SearchSummary) -> None:
        self.summary = summary
        self.headline.setText(summary.found_part() + ".")
        basis = []
        if summary.searched_anything:
            basis.append(_sentence(summary.searched_part()))
        not_searched = summary.not_searched_part()
        if not_searched:
            basis.append(_sentence(not_searched))
        self.basis.setText("\n".join(basis))
        self.basis.setVisible(bool(basis))
        self.setToolTip(summary.line())
        steps = summary.next_steps()
        for step, button in self.buttons.items():
            button.setVisible(step in steps)

    def line(self) -> str:
        """The verdict as one line (what `traintrace status` prints)."""
        return self.summary.line() if self.summary is not None else WAITING


def _sentence(text: str) -> str:
    """First letter up, the rest as it is (names keep their capitals)."""
    return text[:1].upper() + text[1:]
