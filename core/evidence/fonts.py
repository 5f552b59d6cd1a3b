"""The fonts bundled in resources/fonts (see LICENSES.md there) and their registration with an fpdf2 document.

Text is drawn in Noto Sans; characters it lacks are taken, glyph by glyph, from the fallback fonts (Arabic, CJK,
Hangul), and runs that need it are shaped with HarfBuzz so Arabic joins and reads right to left. Hashes, row ids
and URLs use a monospace face so that columns of hex digits line up.

Cost, measured on the sample report: fpdf2's line breaking with shaping on re-shapes every candidate line and is
about 4x slower than without, and parsing the 4 MB CJK font takes over a second. So shaping is switched on only
for text that needs it (`needs_shaping`: right-to-left and complex scripts, combining marks), and the fallback
fonts are registered only when the document's text contains their scripts (`fallbacks_needed`).
A character no bundled font has (emoji, Devanagari, Hebrew, Thai...) would silently vanish from the page, so
`covered_text` writes it as a visible code point instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from core.resources import resource_path

SANS = "sans"
MONO = "mono"
ARABIC = "arabic"
CJK = "cjk"
HANGUL = "hangul"


@dataclass(frozen=True)
class FontFile:
    family: str
    style: str  # "" regular, "B" bold
    file_name: str

    @property
    def path(self) -> Path:
        return resource_path("fonts", self.file_name)


BUNDLED_FONTS = (
    FontFile(SANS, "", "NotoSans-Regular.ttf"),
    FontFile(SANS, "B", "NotoSans-Bold.ttf"),
    FontFile(MONO, "", "NotoSansMono-Regular.ttf"),
    FontFile(ARABIC, "", "NotoSansArabic-Regular.ttf"),
    FontFile(ARABIC, "B", "NotoSansArabic-Bold.ttf"),
    FontFile(CJK, "", "DroidSansFallbackFull.ttf"),
    FontFile(HANGUL, "", "NanumGothic.ttf"),  # Droid Sans Fallback has no Hangul
)

_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_EAST_ASIAN_RANGES = _HANGUL_RANGES + _CJK_RANGES


def _in(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def needs_shaping(text: str) -> bool:
    """Whether HarfBuzz must shape `text`: combining marks, or any script from Hebrew on except CJK/Hangul."""
    for char in text:
        code = ord(char)
        if 0x0300 <= code <= 0x036F or (code >= 0x0590 and not _in(char, _EAST_ASIAN_RANGES)):
            return True
    return False


def fallbacks_needed(texts: Iterable[str]) -> tuple[str, ...]:
    """The fallback families the given texts need, in fallback order."""
    arabic = cjk = hangul = False
    for text in texts:
        for char in text:
            if ord(char) < 0x0600:
                continue
            arabic = arabic or _in(char, _ARABIC_RANGES)
            cjk = cjk or _in(char, _CJK_RANGES)
            hangul = hangul or _in(char, _HANGUL_RANGES)
    return tuple(family for family, needed in ((ARABIC, arabic), (CJK, cjk), (HANGUL, hangul)) if needed)


def font_coverage(pdf: FPDF) -> frozenset[int]:
    """The code points some font registered in `pdf` has a glyph for."""
    covered: set[int] = set()
    for font in pdf.fonts.values():
        covered.update(getattr(font, "cmap", {}).keys())
    return frozenset(covered)


def covered_text(text: str, coverage: frozenset[int]) -> str:
    """`text` with each character no font can draw written as "[U+XXXX]" (whitespace is always fine)."""
    if all(ord(char) in coverage or char.isspace() for char in text):
        return text
    return "".join(char if ord(char) in coverage or char.isspace() else f"[U+{ord(char):04X}]" for char in text)


def register_fonts(pdf: FPDF, fallbacks: Iterable[str] = (ARABIC, CJK, HANGUL)) -> None:
    """Add the base fonts and the wanted fallback families to `pdf`, and set the fallback order."""
    wanted = tuple(fallbacks)
    for font in BUNDLED_FONTS:
        if font.family in (SANS, MONO) or font.family in wanted:
            pdf.add_font(font.family, font.style, str(font.path))
    if wanted:
        # exact_match=False: a bold run falls back to the regular CJK/Hangul faces, which have no bold.
        pdf.set_fallback_fonts(list(wanted), exact_match=False)
