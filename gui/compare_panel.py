"""The work, large, beside the dataset row it was found in, and the buttons to decide.

Everything that comes from a dataset (row id, URL, caption, published hash) is untrusted: it is shown in
read-only plain-text widgets (QLineEdit / QPlainTextEdit, never rich text), can be copied, and a URL opens in the
browser only when the user presses the button and only for http(s). Dataset images are never loaded here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.hashing import is_plain
from core.matching.scoring import SCORE_MEANING, describe_score
from gui.act_panel import ActPanel
from gui.hash_bits import HashBitsView, differing_bits, parse_hash64
from gui.models import KIND_LABELS, ReviewRow
from gui.thumbnails import ThumbnailCache

FETCH_HELP = (
    "Download this one dataset image (size-capped, public addresses only) and compare it with your work. "
    "Nothing of yours is uploaded; dataset images are only ever fetched when you ask for one."
)


OPTED_OUT_TEXT = {
    "yes": "yes — this URL is on Spawning's Do-Not-Train registry",
    "no": "no — Spawning's registry does not list this URL as opted out",
    "not asked": "not asked — Spawning's registry was not asked about this URL yet",
}


def web_url(text: str) -> QUrl | None:
    """The URL if it is an absolute http(s) URL; anything else (file:, javascript:, garbage) is refused."""
    url = QUrl(text.strip(), QUrl.ParsingMode.StrictMode)
    if url.isValid() and url.scheme().lower() in ("http", "https") and url.host():
        return url
    return None


def local_hash_for(match: Match, work: Work | None) -> str:
    """The work's hash that matched: for a pHash match through a variant, the variant's, not the file's."""
    if match.local_hash:
        return match.local_hash
    if match.kind == "sha256":
        return match.work_sha256 or ""
    if work is not None and work.phash is not None:
        return f"{work.phash:016x}"
    return ""


class _CopyField(QWidget):
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


class ComparePanel(QWidget):
    decision_requested = Signal(int, str)  # match id, new status
    fetch_requested = Signal(int)  # match id
    url_opened = Signal(str)

    def __init__(self, previews: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._previews = previews
        self._row: ReviewRow | None = None
        self._match: Match | None = None
        self._build()
        previews.ready.connect(self._preview_ready)
        self.show_row(None, None, None)

    def _build(self) -> None:
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.image = QLabel(self)
        self.image.setMinimumSize(self._previews.logical_size // 2, self._previews.logical_size // 2)
        self.image.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.image.setAccessibleName("Your work")
        self.image.setTextFormat(Qt.TextFormat.PlainText)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dataset = self._plain_label("Dataset")
        self.found_by = self._plain_label("How it was found")
        self.measure = self._plain_label("Distance")
        self.measure.setToolTip(f"The score is {SCORE_MEANING}.")
        self.review = self._plain_label("Review status")
        self.opted_out = self._plain_label("Opted out in Spawning's registry")
        self.row_id = _CopyField("Row id", self, monospace=True)
        self.url = _CopyField("URL", self)
        self.caption = QPlainTextEdit(self)
        self.caption.setReadOnly(True)
        self.caption.setAccessibleName("Caption")
        self.caption.setMaximumHeight(90)
        self.copy_caption = QPushButton("Copy caption", self)
        self.copy_caption.setAccessibleName("Copy caption")
        self.copy_caption.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.caption.toPlainText()))
        self.local_hash = _CopyField("Your hash", self, monospace=True)
        self.published_hash = _CopyField("Published hash", self, monospace=True)
        self.bits = HashBitsView(self)
        self.bits_note = self._plain_label("Differing bits")
        self.act = ActPanel(self)
        self._build_buttons()
        self._lay_out()

    def _build_buttons(self) -> None:
        self.confirm = QPushButton("Confirm (C)", self)
        self.confirm.setAccessibleName("Confirm: this is my work")
        self.confirm.setToolTip("This dataset row is my work (shortcut C)")
        self.reject = QPushButton("Not mine (R)", self)
        self.reject.setAccessibleName("Not mine")
        self.reject.setToolTip("This dataset row is not my work (shortcut R or X)")
        self.open_url = QPushButton("Open URL in browser", self)
        self.open_url.setAccessibleName("Open the dataset URL in the web browser")
        self.fetch = QPushButton("Fetch and compare", self)
        self.fetch.setAccessibleName("Fetch the dataset image and compare")
        self.fetch.setEnabled(False)
        self.fetch.setToolTip(FETCH_HELP)
        self.confirm.clicked.connect(lambda: self._decide("confirmed"))
        self.reject.clicked.connect(lambda: self._decide("rejected"))
        self.open_url.clicked.connect(self._open_url)
        self.fetch.clicked.connect(self._request_fetch)

    def _lay_out(self) -> None:
        self.evidence = QWidget(self)  # hidden when the row has no match: nothing to compare
        form = QFormLayout(self.evidence)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Dataset:", self.dataset)
        form.addRow("Row id:", self.row_id)
        form.addRow("Found by:", self.found_by)
        form.addRow("Distance:", self.measure)
        form.addRow("URL:", self.url)
        form.addRow("Opted out:", self.opted_out)
        form.addRow("Caption:", self.caption)
        form.addRow("", self.copy_caption)
        form.addRow("Your hash:", self.local_hash)
        form.addRow("Published:", self.published_hash)
        form.addRow("Bits:", self.bits)
        form.addRow("", self.bits_note)
        form.addRow("Review:", self.review)
        self.fetch_result = self._plain_label("Fetch result")
        form.addRow("Fetched:", self.fetch_result)
        self.action_row = QWidget(self)  # the decision buttons stay at the top, above the fold
        buttons = QHBoxLayout(self.action_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.confirm, self.reject, self.open_url, self.fetch):
            buttons.addWidget(button)
        self.no_match = self._plain_label("About this work")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.action_row)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.no_match)
        layout.addWidget(self.evidence)
        layout.addWidget(self.act)

    def _plain_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setAccessibleName(name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # --- content ------------------------------------------------------------------------------------
    def show_row(self, row: ReviewRow | None, match: Match | None, work: Work | None) -> None:
        """Show a review row: its match evidence if it has one, else just the work (or nothing)."""
        if match is None or self._match is None or match.id != self._match.id:
            self.fetch_result.setText("")  # a fetch result belongs to the match it was fetched for
            self.act.clear(match.id if match is not None else None)
        self._row, self._match = row, match
        self.title.setText(self._title(row))
        self._show_image(row)
        self.dataset.setText(match.dataset if match else "")
        self.row_id.set_text(match.row_id if match else "")
        self.found_by.setText(f"{KIND_LABELS.get(match.kind, match.kind)}: {match.evidence}" if match else "")
        self.measure.setText(self._measure(match))
        self.url.set_text(match.url or "" if match else "")
        self.opted_out.setText(OPTED_OUT_TEXT.get(match.opted_out, match.opted_out) if match and match.url else "")
        self.caption.setPlainText(match.caption or "" if match else "")
        self.copy_caption.setEnabled(bool(match and match.caption))
        self._show_hashes(match, work)
        self.review.setText(self._review(row, match))
        has_match = match is not None
        self.evidence.setVisible(has_match)
        self.action_row.setVisible(has_match)
        self.act.setVisible(has_match)
        self.no_match.setText(self._no_match_text(row, work) if row is not None and not has_match else "")
        self.no_match.setVisible(bool(self.no_match.text()))
        status = match.status if match is not None else ""
        self.confirm.setEnabled(has_match and status != "confirmed")
        self.reject.setEnabled(has_match and status != "rejected")
        self.open_url.setEnabled(match is not None and web_url(match.url or "") is not None)
        self.fetch.setEnabled(self.open_url.isEnabled())

    @property
    def match(self) -> Match | None:
        return self._match

    def _show_hashes(self, match: Match | None, work: Work | None) -> None:
        local = local_hash_for(match, work) if match else (f"{work.phash:016x}" if work and work.phash else "")
        self.local_hash.set_text(local)
        self.published_hash.set_text(match.published_hash or "" if match else "")
        mine = parse_hash64(local) if match and match.kind != "sha256" else None
        theirs = parse_hash64(match.published_hash) if match and match.kind != "sha256" else None
        self.bits.set_hashes(mine, theirs)
        if mine is not None and theirs is not None:
            count = len(differing_bits(mine, theirs))
            self.bits_note.setText(f"Left: yours. Right: published. {count} of 64 bits differ (framed).")
        elif match and match.kind == "sha256" and match.published_hash:
            same = match.published_hash.strip().lower() == (match.work_sha256 or "").lower()
            self.bits_note.setText("Byte-identical file" if same else "The SHA-256 values differ")
        else:
            self.bits_note.setText("")
        self.bits_note.setVisible(bool(self.bits_note.text()))

    @staticmethod
    def _no_match_text(row: ReviewRow, work: Work | None) -> str:
        if work is not None and not work.ok:
            return f"This file could not be read: {work.reason or 'unknown reason'}. It was not checked."
        if work is not None and is_plain(work.informative_bits):
            return (
                "This picture is too plain to match by picture: a blank or flat picture has the pHash of every flat"
                " picture in a dataset, so it is matched by its file (SHA-256) and your names and addresses only."
            )
        text = "No dataset entry matches this work so far."
        if work is not None and work.phash is not None:
            text += f"\nFingerprint (pHash): {work.phash:016x}"
        return text

    @staticmethod
    def _title(row: ReviewRow | None) -> str:
        if row is None:
            return "Select a row to compare your work with the dataset entry."
        return row.path or "A match on your profile (your URL or your name), not on one file"

    @staticmethod
    def _measure(match: Match | None) -> str:
        if match is None:
            return ""
        if match.distance is not None and match.kind == "phash":
            return f"{match.distance} of 64 bits differ (0 = identical); {describe_score(match.score)}"
        if match.distance is not None:
            return f"{match.distance} of 64 bits differ (0 = identical)"
        return f"score {match.score:.3f}, coverage {match.coverage}, via {match.source}"

    @staticmethod
    def _review(row: ReviewRow | None, match: Match | None) -> str:
        if match is not None:
            return match.status + (f" — {match.note}" if match.note else "")
        return row.status if row else ""

    def _show_image(self, row: ReviewRow | None) -> None:
        pixmap = self._previews.get(row.path) if row and row.path and row.thumbnail_ok else None
        self.image.clear()
        if pixmap is not None:
            self.image.setPixmap(pixmap)
        elif row is not None and not row.thumbnail_ok:
            self.image.setText("No preview")

    def _preview_ready(self, path: str) -> None:
        if self._row is not None and self._row.path == path:
            self._show_image(self._row)

    def show_fetch(self, comparison: object) -> None:
        """The outcome of "Fetch and compare" for the match on show (a FetchComparison from the core)."""
        if self._match is None or getattr(comparison, "match_id", None) != self._match.id:
            return
        error = getattr(comparison, "error", None)
        if error:
            self.fetch_result.setText(f"Could not compare: {error}")
            return
        size = getattr(comparison, "bytes", 0)
        verdict = "byte-identical to your file" if getattr(comparison, "identical", False) else "not byte-identical"
        distance = getattr(comparison, "distance", None)
        if distance is not None:
            verdict += f"; pHash distance {distance} of 64"
        self.fetch_result.setText(f"{size:,} bytes from {getattr(comparison, 'final_url', '')}: {verdict}")

    def _request_fetch(self) -> None:
        if self._match is not None:
            self.fetch_requested.emit(self._match.id)

    def _decide(self, status: str) -> None:
        if self._match is not None:
            self.decision_requested.emit(self._match.id, status)

    def _open_url(self) -> None:
        url = web_url(self._match.url or "") if self._match else None
        if url is not None:
            QDesktopServices.openUrl(url)
            self.url_opened.emit(url.toString())
