"""The dated list of AI crawler user-agent tokens that generated robots.txt files disallow.

The list is data (``resources/optout/ai_crawlers.json``), not code, so it can be refreshed without touching
the generators: it records where every token came from, the revision of each source and the list's date.
That date, not the clock, is what the generated files carry, so the same list always yields the same bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from core.errors import TrainTraceError

_SHIPPED_PACKAGE = "resources.optout"
_SHIPPED_NAME = "ai_crawlers.json"
# Tokens end up on a robots.txt line: anything that could start a new record or directive is refused.
_SAFE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]*")


@dataclass(frozen=True)
class CrawlerSource:
    """Where part of the list came from, pinned to a revision and a retrieval date."""

    id: str
    name: str
    url: str
    revision: str
    retrieved: date


@dataclass(frozen=True)
class ExcludedToken:
    """A token a source lists that TrainTrace deliberately leaves alone, with the reason in plain words."""

    token: str
    reason: str


@dataclass(frozen=True)
class CrawlerList:
    """AI crawler tokens (in file order), the list's date, its sources and the tokens left out on purpose."""

    list_date: date
    tokens: tuple[str, ...]
    sources: tuple[CrawlerSource, ...]
    excluded: tuple[ExcludedToken, ...] = ()

    def source_line(self) -> str:
        """One line naming each source and its revision, for headers of generated files."""
        parts = []
        for source in self.sources:
            revision = f" @ {source.revision[:12]}" if source.revision else ""
            parts.append(f"{source.name}{revision} (retrieved {source.retrieved.isoformat()})")
        return "; ".join(parts)


def load_crawler_list(path: Path | None = None) -> CrawlerList:
    """Read the shipped list, or the file at `path` (a user-updated copy in the same format)."""
    try:
        if path is None:
            text = resources.files(_SHIPPED_PACKAGE).joinpath(_SHIPPED_NAME).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrainTraceError(f"The AI crawler list cannot be read: {exc}") from exc
    try:
        return _parse(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise TrainTraceError(f"The AI crawler list is malformed: {exc}") from exc


def _parse(raw: Any) -> CrawlerList:
    if raw.get("format") != 1:
        raise ValueError(f"unsupported format {raw.get('format')!r}")
    tokens = tuple(_checked_token(str(entry["token"])) for entry in raw["tokens"])
    folded = [token.lower() for token in tokens]
    if len(set(folded)) != len(folded):
        raise ValueError("a token is listed twice")
    if not tokens:
        raise ValueError("the token list is empty")
    sources = tuple(
        CrawlerSource(
            id=str(item["id"]),
            name=str(item["name"]),
            url=str(item["url"]),
            revision=str(item.get("revision", "")),
            retrieved=date.fromisoformat(str(item["retrieved"])),
        )
        for item in raw["sources"]
    )
    excluded = tuple(
        ExcludedToken(token=str(item["token"]), reason=str(item["reason"])) for item in raw.get("excluded", [])
    )
    return CrawlerList(
        list_date=date.fromisoformat(str(raw["list_date"])),
        tokens=tokens,
        sources=sources,
        excluded=excluded,
    )


def _checked_token(token: str) -> str:
    if not _SAFE_TOKEN.fullmatch(token) or token != token.strip():
        raise ValueError(f"{token!r} is not a usable user-agent token")
    return token
