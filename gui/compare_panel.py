"""See, not read: the artist's work beside a drawing of what the dataset row says (its published size and shape,
the variant that matched drawn as the work padded or cropped that way), the distance in words, and the buttons
to decide. The fingerprints and their bits are one click away ("Show the fingerprints").

Everything that comes from a dataset (row id, URL, caption, published hash) is untrusted: it is shown in
read-only plain-text widgets (QLineEdit / QPlainTextEdit, never rich text), the artist's name and site are
highlighted by formatting character ranges of that plain text, it can be copied, and a URL opens in the browser
only when the user presses the button and only for http(s). Dataset images are never loaded here: "Fetch and
compare" downloads one through the core's guard, only when the user asks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.closeness import shape_words, variant_words
from core.hashing import is_plain
from core.matching.scoring import SCORE_MEANING, describe_score
from core.searched import SearchSummary
from gui.act_panel import ActPanel
from gui.hash_bits import HashBitsView, differing_bits, parse_hash64
from gui.match_picture import MatchPicture, Rendering
from gui.review_rows import KIND_LABELS, PROFILE_TITLE, ReviewRow
from gui.text_fields import CopyField, SpanField
from gui.thumbnails import ThumbnailCache

FETCH_HELP = (
    "Download this one dataset image (size-capped, public addresses only) and compare it with your work. "
    "Nothing of yours is uploaded; dataset images are only ever fetched when you ask for one."
)
SHOW_BITS = "Show the fingerprints (bits)"
HIDE_BITS = "Hide the fingerprints"

OPTED_OUT_TEXT = {
    "yes": "yes — this URL is on Spawning's Do-Not-Train registry",
    "no": "no — Spawning's registry does not list this URL as opted out",
    "not asked": "not asked — Spawning's registry was not asked about this URL yet",
}
Span = tuple[int, int]


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


def size_words(size: tuple[int, int] | None) -> str:
    if size is None:
        return ""
    shape = shape_words(*size)
    return f"{size[0]:,} × {size[1]:,}" + (f" ({shape})" if shape else "")


class ComparePanel(QWidget):
    decision_requested = Signal(int, str)  # match id, new status
    fetch_requested = Signal(int)  # match id
    url_opened = Signal(str)

    def __init__(self, previews: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._previews = previews
        self._row: ReviewRow | None = None
        self._match: Match | None = None
        self._work: Work | None = None
        self._summary: SearchSummary | None = None
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
        self.closeness = self._plain_label("How close")
        big = QFont(self.closeness.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        big.setBold(True)
        self.closeness.setFont(big)
        self.image = QLabel(self)
        self.image.setMinimumSize(self._previews.logical_size // 2, self._previews.logical_size // 2)
        self.image.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.image.setAccessibleName("Your work")
        self.image.setTextFormat(Qt.TextFormat.PlainText)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture = MatchPicture(self)
        self.work_note = self._plain_label("About your work")
        self.picture_note = self._plain_label("What the dataset row says")
        for label in (self.work_note, self.picture_note):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.dataset = self._plain_label("Dataset")
        self.found_by = self._plain_label("How it was found")
        self.measure = self._plain_label("Distance")
        self.measure.setToolTip(f"The score is {SCORE_MEANING}.")
        self.review = self._plain_label("Review status")
        self.opted_out = self._plain_label("Opted out in Spawning's registry")
        self.row_id = CopyField("Row id", self, monospace=True)
        self.url = SpanField("URL", 2, self)
        self.caption_field = SpanField("Caption", 4, self)
        self.caption = self.caption_field.edit
        self.copy_caption = self.caption_field.copy
        self.copy_caption.setText("Copy")
        self.copy_caption.setAccessibleName("Copy caption")
        self.local_hash = CopyField("Your hash", self, monospace=True)
        self.published_hash = CopyField("Published hash", self, monospace=True)
        self.bits = HashBitsView(self)
        self.bits_note = self._plain_label("Differing bits")
        self.show_bits = QToolButton(self)
        self.show_bits.setText(SHOW_BITS)
        self.show_bits.setCheckable(True)
        self.show_bits.setAccessibleName("Show the fingerprints and their differing bits")
        self.show_bits.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.show_bits.setArrowType(Qt.ArrowType.RightArrow)
        self.show_bits.toggled.connect(self._toggle_bits)
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
        self.pictures = QWidget(self)  # the work beside the drawing of what the row says
        grid = QGridLayout(self.pictures)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.image, 0, 0)
        grid.addWidget(self.picture, 0, 1)
        grid.addWidget(self.work_note, 1, 0)
        grid.addWidget(self.picture_note, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.evidence = QWidget(self)  # hidden when the row has no match: nothing to compare
        form = QFormLayout(self.evidence)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Dataset:", self.dataset)
        form.addRow("Row id:", self.row_id)
        form.addRow("Found by:", self.found_by)
        form.addRow("URL:", self.url)
        form.addRow("Opted out:", self.opted_out)
        form.addRow("Caption:", self.caption_field)
        form.addRow("Review:", self.review)
        self.fetch_result = self._plain_label("Fetch result")
        form.addRow("Fetched:", self.fetch_result)
        form.addRow("", self.show_bits)
        self.bits_box = QWidget(self)
        bits_form = QFormLayout(self.bits_box)
        bits_form.setContentsMargins(0, 0, 0, 0)
        bits_form.addRow("Distance:", self.measure)
        bits_form.addRow("Your hash:", self.local_hash)
        bits_form.addRow("Published:", self.published_hash)
        bits_form.addRow("Bits:", self.bits)
        bits_form.addRow("", self.bits_note)
        self.bits_box.hide()
        form.addRow(self.bits_box)
        self.action_row = QWidget(self)  # the decision buttons stay at the top, above the fold
        buttons = QHBoxLayout(self.action_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.confirm, self.reject, self.open_url, self.fetch):
            buttons.addWidget(button)
        self.no_match = self._plain_label("About this work")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.action_row)
        layout.addWidget(self.closeness)
        layout.addWidget(self.pictures, 1)
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

    def _toggle_bits(self, shown: bool) -> None:
        self.bits_box.setVisible(shown)
        self.show_bits.setText(HIDE_BITS if shown else SHOW_BITS)
        self.show_bits.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    # --- content ------------------------------------------------------------------------------------
    def set_summary(self, summary: SearchSummary) -> None:
        """What was searched, so a work without a match is described honestly."""
        self._summary = summary
        if self._row is not None and self._match is None:
            self.show_row(self._row, None, self._work)

    def show_row(self, row: ReviewRow | None, match: Match | None, work: Work | None) -> None:
        """Show a review row: its match evidence if it has one, else just the work (or nothing)."""
        if match is None or self._match is None or match.id != self._match.id:
            self.fetch_result.setText("")  # a fetch result belongs to the match it was fetched for
        self._row, self._match, self._work = row, match, work
        self.title.setText(self._title(row))
        self.closeness.setText(self._closeness(row, match))
        self.closeness.setVisible(bool(self.closeness.text()))
        self._show_pictures()
        self.dataset.setText(match.dataset if match else "")
        self.row_id.set_text(match.row_id if match else "")
        self.found_by.setText(f"{KIND_LABELS.get(match.kind, match.kind)}: {match.evidence}" if match else "")
        self.measure.setText(self._measure(match))
        self.url.set_text(match.url or "" if match else "", row.url_spans if row and match else ())
        self.opted_out.setText(OPTED_OUT_TEXT.get(match.opted_out, match.opted_out) if match and match.url else "")
        self.caption_field.set_text(match.caption or "" if match else "", row.caption_spans if row and match else ())
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
        has_bits = bool(match and (match.published_hash or local))
        self.show_bits.setVisible(has_bits)
        if not has_bits and self.show_bits.isChecked():
            self.show_bits.setChecked(False)

    def _no_match_text(self, row: ReviewRow, work: Work | None) -> str:
        if work is not None and not work.ok:
            return f"This file could not be read: {work.reason or 'unknown reason'}. It was not checked."
        if work is not None and is_plain(work.informative_bits):
            return (
                "This picture is too plain to match by picture: a blank or flat picture has the pHash of every flat"
                " picture in a dataset, so it is matched by its file (SHA-256) and your names and addresses only."
            )
        if row.matches:
            return f"{row.summary} found; select one below the work to compare it."
        summary = self._summary
        if summary is None or summary.nothing_searched:
            text = "Not searched yet: no dataset is added and no source was asked, so nothing can be said about this"
            text += " work. Add a dataset (Datasets > Manage datasets…) to search for it."
        else:
            searched = ", ".join(dataset.label() for dataset in summary.searched) or "no dataset"
            text = f"Not found in what was searched: {searched}."
            if summary.not_added:
                text += f" Datasets not added were not searched ({len(summary.not_added)} known ones)."
        if work is not None and work.phash is not None:
            text += f"\nFingerprint (pHash): {work.phash:016x}"
        return text

    @staticmethod
    def _title(row: ReviewRow | None) -> str:
        if row is None:
            return "Select a work or a match to compare your work with the dataset entry."
        return row.path or f"{PROFILE_TITLE}: matches on your site or your name, not on one file"

    @staticmethod
    def _closeness(row: ReviewRow | None, match: Match | None) -> str:
        if match is None or row is None:
            return ""
        return row.closeness[:1].upper() + row.closeness[1:]

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

    def _show_pictures(self) -> None:
        row, match, work = self._row, self._match, self._work
        pixmap = self._previews.get(row.path) if row and row.path and row.thumbnail_ok else None
        self.image.clear()
        if pixmap is not None:
            self.image.setPixmap(pixmap)
        elif row is not None and row.path is not None and not row.thumbnail_ok:
            self.image.setText("No preview")
        self.image.setVisible(row is not None and row.path is not None)
        work_size = (work.width, work.height) if work and work.width and work.height else None
        self.work_note.setText(f"Your work: {size_words(work_size)}" if work_size else "")
        self.work_note.setVisible(self.image.isVisible())
        rendering = self._rendering(match, work_size)
        self.picture.set_rendering(rendering, pixmap)
        self.picture.setVisible(rendering is not None)
        self.picture_note.setText(self._picture_note(match) if rendering is not None else "")
        self.picture_note.setVisible(rendering is not None)
        self.pictures.setVisible(self.image.isVisible() or rendering is not None)

    @staticmethod
    def _rendering(match: Match | None, work_size: tuple[int, int] | None) -> Rendering | None:
        if match is None:
            return None
        published = match.published_size
        if match.work_id is None or work_size is None:
            if published is None:
                return None
            return Rendering(None, None, published, "The row's own image is not shown: “Fetch and compare” gets it")
        variant = match.variant if match.kind == "phash" else None
        return Rendering(work_size, variant, published)

    @staticmethod
    def _picture_note(match: Match | None) -> str:
        if match is None:
            return ""
        published = match.published_size
        said = f"The row publishes {size_words(published)}" if published else "The row gives no size"
        if match.kind == "sha256":
            return f"{said}: the same file as yours. A drawing made from your work, not the row's image."
        shape = variant_words(match.variant) if match.kind == "phash" else ""
        drawn = f"drawn as your work {shape}" if shape else "drawn from your work"
        if match.work_id is None:
            return f"{said}."
        return f"{said}; {drawn}. A drawing, not the row's image."

    def _preview_ready(self, path: str) -> None:
        if self._row is not None and self._row.path == path:
            self._show_pictures()

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
