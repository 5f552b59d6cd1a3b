"""The input every source gets: hex hashes, the artist's public identity, URLs, titles, Hub datasets.

Never a path, never a pixel: `SourceQuery` refuses anything that is not a well-formed hex hash or an
http(s) URL, so a mistake upstream cannot turn into an upload.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from core.profile import Profile

_PHASH = re.compile(r"[0-9a-f]{16}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]{0,63}")


@dataclass(frozen=True)
class HubDataset:
    """A dataset on the Hugging Face Hub and which of its columns hold what (names vary between mirrors)."""

    repo: str
    config: str = "default"
    split: str = "train"
    phash_column: str | None = None
    sha256_column: str | None = None
    url_column: str | None = None
    text_column: str | None = None
    id_column: str | None = None
    gated: bool = False

    def __post_init__(self) -> None:
        for column in (self.phash_column, self.sha256_column, self.url_column, self.text_column, self.id_column):
            if column is not None and not _COLUMN.fullmatch(column):
                raise ValueError(f"invalid column name {column!r} for {self.repo}")

    @property
    def label(self) -> str:
        return f"{self.repo} ({self.config}/{self.split})"


@dataclass(frozen=True)
class SourceQuery:
    """Everything a source may use. Hashes are hex strings: a source never sees a path or a pixel.

    `phashes`: 16 lowercase hex chars (ImageHash `str(phash)`); `sha256s`: 64 lowercase hex chars;
    `candidate_urls`: dataset URLs of candidate/confirmed matches (for opt-out status); `titles`: work titles
    the user typed; `hub_datasets`: Hub datasets to query with the HF viewer.
    """

    phashes: tuple[str, ...] = ()
    sha256s: tuple[str, ...] = ()
    profile: Profile = field(default_factory=Profile)
    candidate_urls: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    hub_datasets: tuple[HubDataset, ...] = ()

    def __post_init__(self) -> None:
        for value in self.phashes:
            if not _PHASH.fullmatch(value):
                raise ValueError(f"not a 16-hex-digit pHash: {value[:20]!r}")
        for value in self.sha256s:
            if not _SHA256.fullmatch(value):
                raise ValueError(f"not a 64-hex-digit SHA-256: {value[:20]!r}")
        for url in self.candidate_urls:
            if urlsplit(url).scheme not in ("http", "https") or any(ch.isspace() for ch in url):
                raise ValueError(f"not an http(s) URL: {url[:60]!r}")

    @property
    def text_terms(self) -> tuple[str, ...]:
        """The profile's name, aliases and handles, de-duplicated, in that order."""
        terms = (self.profile.name, *self.profile.aliases, *self.profile.handles)
        return _unique(term.strip() for term in terms)

    @property
    def domains(self) -> tuple[str, ...]:
        return _unique(domain.strip().lower() for domain in self.profile.domains)

    @property
    def url_prefixes(self) -> tuple[str, ...]:
        return _unique(prefix.strip() for prefix in self.profile.url_prefixes)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return tuple(seen)
