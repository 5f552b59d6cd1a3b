"""The report's page frame (running header, "Page X of Y" footer with the generation time) and its text blocks.

All text goes through `clean` (plain text, every character visible) and is drawn with markdown off: dataset
captions and URLs are data, never markup. Hashes, ids and URLs are drawn in the monospace face and wrapped at any
character.
"""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from core.evidence.fonts import MONO, SANS, covered_text, font_coverage, needs_shaping, register_fonts
from core.evidence.text import plain_text

INK = (20, 20, 20)
MUTED = (95, 95, 95)
ACCENT = (31, 64, 104)
RULE = (180, 188, 198)
MARK = (190, 30, 30)

BODY_SIZE = 9.5
MONO_SIZE = 8.5
LABEL_WIDTH = 36.0
LINE = 4.6


class EvidenceDocument(FPDF):
    """A4 portrait with a running header (from page 2) and a footer on every page."""

    def __init__(self, running_title: str, footer_note: str, fallbacks: Iterable[str]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_note = footer_note
        self.set_margins(18, 20, 18)
        self.set_auto_page_break(True, margin=20)
        register_fonts(self, fallbacks)
        self._coverage = font_coverage(self)
        self._running_title = self.clean(running_title)
        self.alias_nb_pages()

    def clean(self, text: str, keep_newlines: bool = False) -> str:
        """`text` as the report may draw it: inert plain text, every character visible (see core.evidence.fonts)."""
        return covered_text(plain_text(text, keep_newlines), self._coverage)

    def shape_for(self, *texts: str) -> None:
        """Turn HarfBuzz shaping on only when one of `texts` needs it (see core.evidence.fonts)."""
        self.set_text_shaping(any(needs_shaping(text) for text in texts))

    @property
    def content_width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(SANS, "", 7.5)
        self.set_text_color(*MUTED)
        self.set_xy(self.l_margin, 9)
        self.shape_for(self._running_title)
        self.cell(self.content_width, 4, self._running_title, align="L")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, 14, self.w - self.r_margin, 14)
        self.set_y(20)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y() - 1.5, self.w - self.r_margin, self.get_y() - 1.5)
        self.set_font(SANS, "", 7.5)
        self.set_text_color(*MUTED)
        self.set_text_shaping(False)
        self.cell(self.content_width * 0.72, 4, self._footer_note, align="L")
        self.cell(self.content_width * 0.28, 4, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    # --- blocks -------------------------------------------------------------------------------------
    def heading(self, text: str, level: int = 1) -> None:
        size = {0: 20.0, 1: 14.0, 2: 11.0}[level]
        if level == 1 and self.get_y() > self.page_break_trigger - 40:
            self.add_page()
        self.ln(2 if level > 1 else 1)
        self.set_font(SANS, "B", size)
        self.set_text_color(*ACCENT)
        text = self.clean(text)
        self.shape_for(text)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1.5)

    def heading_at(self, x: float, text: str) -> None:
        """A level-2 heading starting at `x` (beside a picture)."""
        self.set_x(x)
        self.set_font(SANS, "B", 11)
        self.set_text_color(*ACCENT)
        self.set_text_shaping(False)
        self.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def paragraph(self, text: str, size: float = BODY_SIZE, muted: bool = False) -> None:
        self.set_font(SANS, "", size)
        self.set_text_color(*(MUTED if muted else INK))
        text = self.clean(text, keep_newlines=True)
        self.shape_for(text)
        self.multi_cell(0, size * 0.48, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1.8)

    def field(self, label: str, value: str, mono: bool = False, x: float | None = None) -> None:
        """One "label: value" line; the value wraps in its own column (at any character when `mono`)."""
        left = self.l_margin if x is None else x
        width = self.w - self.r_margin - left
        if self.get_y() > self.page_break_trigger - LINE:
            self.add_page()
        self.set_x(left)
        self.set_font(SANS, "B", 8.5)
        self.set_text_color(*MUTED)
        self.set_text_shaping(False)
        self.cell(LABEL_WIDTH, LINE, label)
        self.set_text_color(*INK)
        if mono:
            self.set_font(MONO, "", MONO_SIZE)
        else:
            self.set_font(SANS, "", BODY_SIZE)
        value = self.clean(value) or "-"
        self.shape_for(value)
        if self._fits_one_line(value, width - LABEL_WIDTH):
            # fpdf2's line breaking measures the text once per character; one line needs none of it
            self.cell(width - LABEL_WIDTH, LINE, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(0.6)
            return
        self.multi_cell(
            width - LABEL_WIDTH,
            LINE,
            value,
            align="L",
            wrapmode=WrapMode.CHAR if mono else WrapMode.WORD,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(0.6)

    def _fits_one_line(self, text: str, width: float) -> bool:
        """Whether `text` is one line that fits `width` in the current font alone.

        Shaped text and text that needs a fallback font are left to multi_cell, which measures them correctly.
        """
        if "\n" in text or len(text) > 200 or needs_shaping(text):
            return False
        cmap = getattr(self.current_font, "cmap", {})
        if any(ord(char) not in cmap for char in text):
            return False
        return bool(self.get_string_width(text) <= width - 2 * self.c_margin)

    def mono_lines(self, lines: list[tuple[str, tuple[int, int, int]]], size: float = MONO_SIZE) -> None:
        """Preformatted monospace lines, each in its own colour (for the bit-by-bit comparison)."""
        self.set_font(MONO, "", size)
        self.set_text_shaping(False)
        for text, colour in lines:
            self.set_text_color(*colour)
            self.cell(0, size * 0.45, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1.5)
