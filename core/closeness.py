"""How close a match is, in words an artist reads at a glance ("nearly identical", "same picture, re-encoded"), and
what shape of copy the variant that matched stands for ("letterboxed: black bars above and below").

The numbers (Hamming distances, variant names) stay one click away in the front ends; these words are what they
show first. One place for the wording, so the app, `traintrace matches show` and the letters agree.
"""

from __future__ import annotations

from core.variants import GEOMETRIES, Geometry, describe_variant
from core.vocabulary import MatchKind

# Upper bounds (inclusive) of pHash distances and their words, checked in order.
PHASH_WORDS = (
    (0, "same picture, re-encoded or resized"),
    (4, "nearly identical"),
    (8, "very similar: probably the same picture, altered"),
    (14, "similar: compare carefully"),
)
FAR_WORDS = "loosely similar: probably not the same picture"


def closeness(kind: str, distance: int | None, variant: str | None = None, url_names_work: bool = False) -> str:
    """The match's closeness in words: what a look-alike is, or why a URL or caption row is one."""
    if kind == MatchKind.SHA256:
        return "the same file, byte for byte"
    if kind == MatchKind.PHASH:
        words = FAR_WORDS
        for limit, text in PHASH_WORDS:
            if distance is not None and distance <= limit:
                words = text
                break
        shape = variant_words(variant)
        if shape and distance == 0:
            words = "same picture"
        return f"{words}, {shape}" if shape else words
    if kind == MatchKind.URL:
        return "address on your site, names this file" if url_names_work else "address on your site"
    if kind == MatchKind.TEXT:
        return "the caption names you"
    if kind == MatchKind.CLIP:
        return "a text search found it"
    return kind


def variant_words(variant: str | None) -> str:
    """The shape of copy a variant stands for, in words (core.variants says it); "" for the work as it is."""
    if not variant or variant == "original":
        return ""
    return describe_variant(variant)


def variant_geometry(variant: str | None) -> Geometry | None:
    """The pad or crop a variant applies (None for the work as it is and for the transparency variants)."""
    return GEOMETRIES.get(variant or "")


def shape_words(width: int, height: int) -> str:
    """ "landscape 3:2", "portrait 4:5", "square" for a size."""
    if width <= 0 or height <= 0:
        return ""
    ratio = width / height
    if abs(ratio - 1) < 0.02:
        return "square"
    orientation = "landscape" if ratio > 1 else "portrait"
    long, short = max(ratio, 1 / ratio), 1.0
    for a, b in ((4, 3), (3, 2), (16, 9), (5, 4), (2, 1), (16, 10), (21, 9), (1, 1)):
        if abs(long - a / b) < 0.02:
            first, second = (a, b) if ratio > 1 else (b, a)
            return f"{orientation} {first}:{second}"
    return f"{orientation} {long / short:.2f}:1" if ratio > 1 else f"{orientation} 1:{long:.2f}"
