"""Turning untrusted dataset text (captions, URLs) into inert, bounded plain text for the report and the letters.

Control characters are dropped, and the invisible bidirectional controls that can make a caption *display*
differently from what it *contains* ("Trojan Source") are shown as visible code points instead, so what a
reader sees is what the dataset holds.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

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


# What the report and the letters show of one dataset value at most: a caption or a URL can be megabytes long
# (seen: 50 MB). The full value stays in the catalogue; the manifest records its SHA-256.
CAPTION_LIMIT = 1_000
URL_LIMIT = 2_048
SHORT_LIMIT = 300  # row ids, published hashes, "how found" texts


@dataclass(frozen=True)
class Shown:
    """The part of an untrusted value that is shown, and what is needed to say that (and how much) was cut."""

    text: str
    cut: bool
    length: int  # characters in the full value
    sha256: str  # of the full value's UTF-8 bytes

    @property
    def with_note(self) -> str:
        """The shown text, followed by a note saying it was cut (when it was)."""
        if not self.cut:
            return self.text
        return (
            f"{self.text}… [cut by TrainTrace: {self.length:,} characters in all, the first {len(self.text):,} "
            f"shown; the full text is in the catalogue, SHA-256 {self.sha256}]"
        )


def shown(value: str | None, limit: int) -> Shown:
    """At most `limit` characters of `value` (never splitting a surrogate pair; Python strings have none)."""
    text = value or ""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if len(text) <= limit:
        return Shown(text, False, len(text), digest)
    return Shown(text[:limit], True, len(text), digest)


def capped(value: str | None, limit: int) -> str:
    """`value` cut to `limit` characters, with the note when it was cut."""
    return shown(value, limit).with_note
