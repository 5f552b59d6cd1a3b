"""Turning untrusted dataset text (captions, URLs) into inert plain text for the report and the letters.

Control characters are dropped, and the invisible bidirectional controls that can make a caption *display*
differently from what it *contains* ("Trojan Source") are shown as visible code points instead, so what a
reader sees is what the dataset holds.
"""

from __future__ import annotations

import unicodedata

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def plain_text(value: str | None, keep_newlines: bool = False) -> str:
    """`value` as one safe line (or lines, with `keep_newlines`): no control or bidi-override characters."""
    if not value:
        return ""
    out: list[str] = []
    for char in value:
        if char in _BIDI_CONTROLS:
            out.append(f"[U+{ord(char):04X}]")
        elif char in "\r\n\t":
            out.append("\n" if keep_newlines and char == "\n" else " ")
        elif unicodedata.category(char) in ("Cc", "Cs", "Co"):
            out.append(f"[U+{ord(char):04X}]")
        else:
            out.append(char)
    return "".join(out)
