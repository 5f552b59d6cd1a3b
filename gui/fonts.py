"""The bundled fonts (resources/fonts, the same files the evidence PDF embeds) as the app's fallbacks.

A file name or a caption in Chinese, Japanese, Korean or Arabic must not render as empty boxes on a machine
without such fonts (a fresh Linux install, a minimal desktop). The bundled Noto Sans Arabic, Droid Sans Fallback
(Han and kana) and NanumGothic (Hangul) are registered with Qt at start-up and put behind the desktop's own font
in the application font's family list, so Qt takes a glyph from them only when the desktop font lacks it. The
desktop font stays first: the app looks like the rest of the desktop.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QGuiApplication

from core.resources import resource_path

FALLBACK_FILES = ("NotoSansArabic-Regular.ttf", "DroidSansFallbackFull.ttf", "NanumGothic.ttf")
"""In fallback order: Arabic script, then Han and kana, then Hangul (Droid Sans Fallback has no Hangul). The same
files as core.evidence.fonts.BUNDLED_FONTS (not imported here: it would load the PDF library at start-up)."""


@dataclass(frozen=True)
class RegisteredFonts:
    families: tuple[str, ...]  # the fallback families, in order
    failed: tuple[str, ...]  # files Qt could not load (the app still runs; those scripts may show boxes)


_registered: RegisteredFonts | None = None


def register_fallback_fonts() -> RegisteredFonts:
    """Load the bundled fallback fonts into Qt's font database (once per process)."""
    global _registered
    if _registered is not None:
        return _registered
    families: list[str] = []
    failed: list[str] = []
    for file_name in FALLBACK_FILES:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", file_name)))
        loaded = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if not loaded:
            failed.append(file_name)
            continue
        families.extend(family for family in loaded if family not in families)
    _registered = RegisteredFonts(tuple(families), tuple(failed))
    return _registered


def with_fallbacks(font: QFont, fallbacks: tuple[str, ...]) -> QFont:
    """`font` with `fallbacks` after its own families (Qt tries them in order for each missing glyph)."""
    result = QFont(font)
    resolved = QFontInfo(font).family()  # an alias such as "Sans Serif" resolved to the font really used
    own = [family for family in dict.fromkeys([resolved, *(font.families() or [font.family()])]) if family]
    result.setFamilies([family for family in own if family not in fallbacks] + list(fallbacks))
    return result


def install_fonts(app: QGuiApplication) -> RegisteredFonts:
    """Register the bundled fallbacks and make them the application font's fallbacks."""
    registered = register_fallback_fonts()
    if registered.families:
        app.setFont(with_fallbacks(app.font(), registered.families))
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        names = {app.font().family(), QFontInfo(fixed).family(), fixed.family(), "Sans Serif", "Monospace"}
        for family in names:  # widgets that set a font of their own (hashes, paths) fall back the same way
            QFont.insertSubstitutions(family, list(registered.families))
    return registered
