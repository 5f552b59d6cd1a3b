"""The report's page frame (running header, "Page X of Y" footer with the generation time) and its text blocks.

All text goes through `clean` (plain text, every character visible) and is drawn with markdown off: dataset
captions and URLs are data, never markup. Hashes, ids, URLs and recipes are drawn in the monospace face and
wrapped at any character.

Line breaking is done here, not by fpdf2's `multi_cell`: fpdf2 measures each candidate line again for every
character it adds (and re-shapes it when shaping is on), which made a report of 1,000 matches take minutes. Here
each character's advance is read once from the font's width table (each word shaped once when the text needs
shaping), lines are broken greedily at spaces (at any character for monospace values), and a line whose
characters the current font has and which needs no shaping is written with fpdf2's plain `text` (one text
operator); other lines go through `cell`, which applies the fallback fonts and HarfBuzz.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from core.evidence.fonts import MONO, SANS, covered_text, font_coverage, needs_shaping, register_fonts
from core.evidence.text import plain_text

INK = (20, 20, 20)
MUTED = (95, 95, 95)
ACCENT = (31, 64, 104)
RULE = (180, 188, 198)
MARK = (190, 30, 30)
SHADE = (242, 244, 247)
WHITE = (255, 255, 255)

BODY_SIZE = 9.5
MONO_SIZE = 8.5
LABEL_WIDTH = 36.0
LINE = 4.6
# The total page count's placeholder: a control character can never survive `clean`, so no dataset text can
# contain it and be replaced by the page count; six characters reserve room for a six-digit count.
PAGE_COUNT = "\x1dpages"


class EvidenceDocument(FPDF):
    """A4 portrait with a running header (from page 2) and a footer on every page."""

    def __init__(self, running_title: str, footer_note: str, fallbacks: Iterable[str]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_note = footer_note
        self.set_margins(18, 20, 18)
        self.set_auto_page_break(True, margin=20)
        register_fonts(self, fallbacks)
        self._coverage = font_coverage(self)
        self._fallbacks = [f for k, f in self.fonts.items() if k in self._fallback_font_ids and isinstance(f, TTFFont)]
        self._running_title = self.clean(running_title)
        self.alias_nb_pages(PAGE_COUNT)

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
        self.cell(self.content_width * 0.28, 4, f"Page {self.page_no()} of {PAGE_COUNT}", align="R")
        self.set_text_color(*INK)

    # --- line breaking ------------------------------------------------------------------------------
    def wrap(self, text: str, width: float, any_character: bool = False) -> list[str]:
        """`text` (already clean) broken into lines that fit `width` in the current font: at spaces, or at any
        character with `any_character`; a word wider than a line is broken at a character."""
        room = width - 2 * self.c_margin
        lines: list[str] = []
        for paragraph in text.split("\n"):
            if any_character:
                lines += self._break_characters(paragraph, room)[0]
            else:
                lines += self._break_words(paragraph, room)
        return lines or [""]

    def _break_words(self, text: str, room: float) -> list[str]:
        space = self._width(" ")
        lines: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in text.split(" "):
            size = self._width(word)
            if current and used + space + size <= room:
                current.append(word)
                used += space + size
                continue
            if current:
                lines.append(" ".join(current))
            if size > room:
                pieces, size = self._break_characters(word, room)
                lines += pieces[:-1]
                word = pieces[-1]
            current, used = [word], size
        lines.append(" ".join(current))
        return lines

    def _break_characters(self, text: str, room: float) -> tuple[list[str], float]:
        """Lines of `text` broken at any character, and the width of the last one."""
        if self.text_shaping:
            widths = [self._width(char) for char in text]
        else:
            widths = [self._advance(char) for char in text]
        lines: list[str] = []
        start, used = 0, 0.0
        for index, size in enumerate(widths):
            if used + size > room and index > start:
                lines.append(text[start:index])
                start, used = index, 0.0
            used += size
        lines.append(text[start:])
        return lines, used

    def _width(self, text: str) -> float:
        if self.text_shaping:
            return float(self.get_string_width(text, normalized=True))
        return sum(self._advance(char) for char in text)

    def _advance(self, char: str) -> float:
        """One character's advance in the current font, or in the first fallback font that has it."""
        code = ord(char)
        font = self._font
        if code not in font.cmap:
            font = next((fallback for fallback in self._fallbacks if code in fallback.cmap), font)
        return float(font.cw[code]) * self.font_size_pt * 0.001 / self.k

    @property
    def _font(self) -> TTFFont:
        font = self.current_font
        assert isinstance(font, TTFFont)  # every font of the report is a bundled TrueType font
        return font

    def draw_lines(self, lines: Sequence[str], x: float, width: float, height: float) -> None:
        """Each line at `x`, one below the other from the current y, breaking the page when one does not fit."""
        for line in lines:
            if self.y + height > self.page_break_trigger:
                self.add_page()
            y = self.y
            if self._plain(line):
                # the text operator alone: no fragment splitting, no shaping, no alignment (left is the default)
                self.text(x + self.c_margin, y + 0.5 * height + 0.3 * self.font_size, line)
            else:
                self.set_xy(x, y)
                self.cell(width, height, line)
            self.set_xy(x, y + height)

    def _plain(self, line: str) -> bool:
        cmap = self._font.cmap
        return not self.text_shaping and all(ord(char) in cmap for char in line)

    # --- blocks -------------------------------------------------------------------------------------
    def heading(self, text: str, level: int = 1) -> None:
        size = {0: 20.0, 1: 14.0, 2: 11.0}[level]
        if level >= 1 and self.get_y() > self.page_break_trigger - (40 if level == 1 else 20):
            self.add_page()
        self.ln(2 if level > 1 else 1)
        self.set_font(SANS, "B", size)
        self.set_text_color(*ACCENT)
        text = self.clean(text)
        self.shape_for(text)
        self.draw_lines(self.wrap(text, self.content_width), self.l_margin, self.content_width, size * 0.5)
        self.set_x(self.l_margin)
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
        self.draw_lines(self.wrap(text, self.content_width), self.l_margin, self.content_width, size * 0.48)
        self.set_x(self.l_margin)
        self.set_text_color(*INK)
        self.ln(1.8)

    def field(self, label: str, value: str, mono: bool = False, x: float | None = None) -> None:
        """One "label: value" line; the value wraps in its own column (at any character when `mono`)."""
        left = self.l_margin if x is None else x
        width = self.w - self.r_margin - left - LABEL_WIDTH
        if self.get_y() > self.page_break_trigger - LINE:
            self.add_page()
        top = self.get_y()
        self.set_font(SANS, "B", 8.5)
        self.set_text_color(*MUTED)
        self.set_text_shaping(False)
        self.draw_lines([self.clean(label)], left, LABEL_WIDTH, LINE)
        self.set_text_color(*INK)
        self.set_font(MONO, "", MONO_SIZE) if mono else self.set_font(SANS, "", BODY_SIZE)
        value = self.clean(value) or "-"
        self.shape_for(value)
        self.set_y(top)
        self.draw_lines(self.wrap(value, width, any_character=mono), left + LABEL_WIDTH, width, LINE)
        self.set_x(self.l_margin)
        self.ln(0.6)

    def code(self, lines: Sequence[str], x: float | None = None, keep_with_next: float = 0.0) -> None:
        """Program text on a light background, each line wrapped at any character, kept on one page when it fits
        (with `keep_with_next` mm of what follows: its explanation), for the recipes."""
        left = self.l_margin if x is None else x
        width = self.w - self.r_margin - left
        self.set_font(MONO, "", 7.5)
        wrapped: list[str] = []
        for line in lines:
            text = self.clean(line)
            self.shape_for(text)
            wrapped += self.wrap(text, width, any_character=True)
        self.shape_for(*wrapped)
        height = 3.6 * len(wrapped) + 1.2
        if self.y + height + keep_with_next > self.page_break_trigger and height < self.page_break_trigger / 2:
            self.add_page()
        self.set_fill_color(*SHADE)
        self.rect(left, self.y, width, min(height, self.page_break_trigger - self.y), style="F")
        self.set_y(self.y + 0.6)
        self.draw_lines(wrapped, left, width, 3.6)
        self.set_xy(self.l_margin, self.y + 0.6)
        self.ln(1.2)

    def mono_lines(self, lines: list[tuple[str, tuple[int, int, int]]], size: float = MONO_SIZE) -> None:
        """Preformatted monospace lines, each in its own colour (for the bit-by-bit comparison)."""
        self.set_font(MONO, "", size)
        self.set_text_shaping(False)
        for text, colour in lines:
            self.set_text_color(*colour)
            self.draw_lines([text], self.l_margin, self.content_width, size * 0.45)
        self.set_text_color(*INK)
        self.set_x(self.l_margin)
        self.ln(1.5)

    def grid(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        mono_last: bool = False,
    ) -> None:
        """A table: a heading row (repeated after a page break), then rows shaded every other one, each cell's
        text wrapped in its column (the last column in monospace, at any character, with `mono_last`)."""
        line, pad = 4.2, 1.0
        if self.y + 4 * line > self.page_break_trigger:  # the heading row and a first row, or neither
            self.add_page()
        self._grid_row([self.clean(h) for h in headings], widths, line, pad, heading=True)
        for index, values in enumerate(rows):
            cells = [self.clean(value) for value in values]
            if self._grid_row(cells, widths, line, pad, shade=index % 2 == 0, mono_last=mono_last, measure=True):
                self._grid_row([self.clean(h) for h in headings], widths, line, pad, heading=True)
            self._grid_row(cells, widths, line, pad, shade=index % 2 == 0, mono_last=mono_last)
        self.set_x(self.l_margin)
        self.ln(3)

    def _grid_row(
        self,
        cells: Sequence[str],
        widths: Sequence[float],
        line: float,
        pad: float,
        *,
        heading: bool = False,
        shade: bool = False,
        mono_last: bool = False,
        measure: bool = False,
    ) -> bool:
        """Draw one row; with `measure`, only break the page if it does not fit and say whether it did."""
        wrapped = []
        for index, (text, width) in enumerate(zip(cells, widths, strict=True)):
            mono = mono_last and index == len(cells) - 1
            self.set_font(MONO if mono else SANS, "B" if heading else "", 7.5 if mono else 8)
            self.shape_for(text)
            wrapped.append((self.wrap(text, width - 2 * pad + 2 * self.c_margin, any_character=mono), mono))
        height = max(len(lines) for lines, _ in wrapped) * line + 2 * pad
        if measure:
            if self.y + height > self.page_break_trigger:
                self.add_page()
                return True
            return False
        top, left = self.y, self.l_margin
        if heading or shade:
            self.set_fill_color(*(ACCENT if heading else SHADE))
            self.rect(left, top, sum(widths), height, style="F")
        self.set_text_color(*(WHITE if heading else INK))
        for (lines, mono), width in zip(wrapped, widths, strict=True):
            self.set_font(MONO if mono else SANS, "B" if heading else "", 7.5 if mono else 8)
            self.shape_for(*lines)
            self.set_y(top + pad)
            self.draw_lines(lines, left + pad - self.c_margin, width - 2 * pad + 2 * self.c_margin, line)
            left += width
        self.set_draw_color(*RULE)
        self.line(self.l_margin, top + height, self.l_margin + sum(widths), top + height)
        self.set_text_color(*INK)
        self.set_xy(self.l_margin, top + height)
        return False
