"""Edit the artist profile (names, handles, domains, upload URLs, work titles) used for URL and caption matching.

Entries that matching refuses (stop-word or too short names, a shared platform's domain instead of the artist's
own page there: `core.matching.profile_rules`) are explained in the dialog, which stays open until they are fixed;
entries of a profile saved before such a rule existed are listed as not used for matching, and may stay."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.errors import UsageError
from core.matching.profile_rules import describe, new_refusals, notes
from core.profile import Profile

LIST_FIELDS = {
    "aliases": ("Other names", "Other names you publish under, one per line"),
    "handles": ("Handles", "Your handles, one per line, e.g. @okonkwo_art"),
    "domains": ("Your domains", "Websites you own, one per line, e.g. okonkwo-lindqvist.art"),
    "url_prefixes": ("Upload locations", "Where you upload on shared sites, e.g. https://www.artstation.com/you"),
    "titles": ("Work titles", "Titles of your works, one per line: named when one stands beside your name"),
}


def lines(text: str) -> tuple[str, ...]:
    """Non-empty, trimmed lines without duplicates, in the order typed."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return tuple(seen)


INTRO = (
    "TrainTrace looks for these names in dataset captions and these sites in dataset URLs. They stay on this "
    "computer: a remote source you choose to ask gets only what its preview shows."
)


class ProfileForm(QWidget):
    """The profile's fields, for the profile dialog and the set-up guide."""

    changed = Signal()

    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        metrics = self.fontMetrics()
        self.name = QLineEdit(profile.name, self)
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("The name you publish your work under")
        self.email = QLineEdit(profile.email, self)
        self.email.setAccessibleName("E-mail for letters")
        self.email.setPlaceholderText("Only written into the letters TrainTrace drafts for you")
        self.lists: dict[str, QPlainTextEdit] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Name:", self.name)
        for field, (label, hint) in LIST_FIELDS.items():
            edit = QPlainTextEdit("\n".join(getattr(profile, field)), self)
            edit.setPlaceholderText(hint)
            edit.setAccessibleName(label)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(4 * metrics.lineSpacing())
            self.lists[field] = edit
            form.addRow(f"{label}:", edit)
        form.addRow("E-mail:", self.email)
        for line in (self.name, self.email):
            line.textChanged.connect(lambda *_: self.changed.emit())
        for edit in self.lists.values():
            edit.textChanged.connect(self.changed.emit)

    def set_profile(self, profile: Profile) -> None:
        self.name.setText(profile.name)
        self.email.setText(profile.email)
        for field, edit in self.lists.items():
            edit.setPlainText("\n".join(getattr(profile, field)))

    def profile(self) -> Profile:
        values = {field: lines(edit.toPlainText()) for field, edit in self.lists.items()}
        return Profile(name=self.name.text().strip(), email=self.email.text().strip(), **values)


class ProfileDialog(QDialog):
    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your profile")
        self._stored = profile
        intro = QLabel(INTRO, self)
        intro.setWordWrap(True)
        self.skipped = QLabel("\n".join(notes(profile)), self)  # a profile older than the rules refusing them
        self.skipped.setWordWrap(True)
        self.skipped.setAccessibleName("Entries not used for matching")
        self.skipped.setVisible(bool(self.skipped.text()))
        self.form = ProfileForm(profile, self)
        self.name, self.email, self.lists = self.form.name, self.form.email, self.form.lists
        self.problem = QLabel(self)  # why the profile as edited cannot be saved
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Why the profile cannot be saved")
        self.problem.setStyleSheet("color: #b00020")
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.skipped)
        layout.addWidget(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(64 * self.fontMetrics().averageCharWidth(), self.sizeHint().height())

    def profile(self) -> Profile:
        """The profile as edited (call after `exec()` returned Accepted)."""
        return self.form.profile()

    def accept(self) -> None:
        """Close only when the facade will store the profile: otherwise say why, and stay open for the fix."""
        try:
            found = new_refusals(self.profile(), self._stored)
            message = "\n".join(describe(refusal) for refusal in found)
        except UsageError as exc:  # a domain or URL prefix that is no domain or URL at all
            message = str(exc)
        if message:
            self.problem.setText("Not saved: " + message)
            self.problem.show()
            return
        self.problem.hide()
        super().accept()
