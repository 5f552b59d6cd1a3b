"""Where a match's caption and URL name the artist: character ranges to highlight, computed from the profile.

Ranges only, never markup: front ends show the dataset's text as plain text and format these ranges themselves,
so nothing a dataset publishes is ever read as rich text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.catalogue.matches import Match
from core.errors import UsageError
from core.matching.text import TextMatcher
from core.matching.urls import UrlMatcher
from core.profile import Profile

Span = tuple[int, int]  # [start, end) in the text as stored


@dataclass(frozen=True)
class Highlights:
    caption: tuple[Span, ...] = ()
    url: tuple[Span, ...] = ()


def highlights_for(matches: Iterable[Match], profile: Profile) -> dict[int, Highlights]:
    """The ranges of each match whose caption names the artist or whose URL is on the artist's site."""
    if profile.is_empty:
        return {}
    text = TextMatcher(profile)
    try:
        urls: UrlMatcher | None = UrlMatcher(profile)
    except UsageError:  # a profile stored before validation: no URL ranges rather than no review
        urls = None
    found: dict[int, Highlights] = {}
    for match in matches:
        caption = tuple(_merged((hit.start, hit.end) for hit in text.find(match.caption or "")))
        address = url_spans(match.url or "", urls, profile) if urls is not None else ()
        if caption or address:
            found[match.id] = Highlights(caption, address)
    return found


def url_spans(url: str, matcher: UrlMatcher, profile: Profile) -> tuple[Span, ...]:
    """The artist's part of `url`: the upload prefix it starts with, or its host when that is the artist's."""
    if not url or matcher.match(url) is None:
        return ()
    prefixes = [prefix for prefix in profile.url_prefixes if prefix and url.startswith(prefix)]
    if prefixes:
        return ((0, len(max(prefixes, key=len))),)
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ()
    start = url.lower().find(host.lower()) if host else -1
    return ((start, start + len(host)),) if start >= 0 else ()


def _merged(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
