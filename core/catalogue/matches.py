"""Matches (a work, or the artist's profile, found in a dataset row) and the user's decisions on them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from core.catalogue.db import query, transaction
from core.errors import UsageError
from core.vocabulary import MatchKind, MatchStatus

KINDS = tuple(kind.value for kind in MatchKind)
STATUSES = tuple(status.value for status in MatchStatus)


@dataclass(frozen=True)
class FoundMatch:
    """A match as a matcher or a remote source reports it, before it is stored.

    `work_id` is None for URL and text matches that concern the artist rather than one file. `evidence`
    says in plain words how it was found (e.g. "pHash of the work with its border trimmed, distance 3").
    `published_hash` is the dataset's own hash value (pHash hex or SHA-256) when the row has one.
    """

    work_id: int | None
    dataset: str
    row_id: str
    kind: str
    distance: int | None
    score: float
    url: str | None
    caption: str | None
    published_hash: str | None
    evidence: str
    coverage: str
    source: str
    local_hash: str | None = None  # the work's hash that matched (a variant's pHash, or the SHA-256)
    variant: str | None = None  # for pHash: the variant of the work that matched ("original", "border-2-white", ...)
    published_width: int | None = None  # the size the dataset row publishes for its image, when it does
    published_height: int | None = None
    shard: str | None = None  # the dataset file the row was read from (path or URL), when TrainTrace read it
    shard_row: int | None = None  # the row's position in that file (0-based)
    published: str | None = None  # JSON of the row's id and hash exactly as the file holds them


@dataclass(frozen=True)
class Match:
    """A stored match with its review state. `work_path` is the catalogue's absolute path of the work."""

    id: int
    work_id: int | None
    work_path: str | None
    work_sha256: str | None
    dataset: str
    row_id: str
    kind: str
    distance: int | None
    score: float
    url: str | None
    caption: str | None
    published_hash: str | None
    evidence: str
    coverage: str
    source: str
    found_at: str
    status: str
    note: str
    decided_at: str | None
    local_hash: str | None = None  # the work's hash that matched: for pHash, the variant's, not always the file's
    opted_out: str = "not asked"  # the opt-out registry's last answer for `url`: "yes", "no" or "not asked"
    variant: str | None = None  # for pHash: the variant of the work that matched ("original", "crop-5-right", ...)
    published_width: int | None = None  # the size the dataset row publishes for its image, when it does
    published_height: int | None = None
    shard: str | None = None  # see FoundMatch
    shard_row: int | None = None
    published: str | None = None

    @property
    def published_size(self) -> tuple[int, int] | None:
        w, h = self.published_width, self.published_height
        return (w, h) if w and h and w > 0 and h > 0 else None


_MATCH_FIELDS = tuple(Match.__dataclass_fields__)
_FROM_WORK = {  # every other field is the match column it names
    "work_path": "w.path",
    "work_sha256": "w.sha256",
    "opted_out": "CASE WHEN o.url IS NULL THEN 'not asked' WHEN o.opted_out THEN 'yes' ELSE 'no' END",
}
_SELECT = (
    "SELECT "
    + ", ".join(f"{_FROM_WORK.get(name, f'm.{name}')} AS {name}" for name in _MATCH_FIELDS)
    + " FROM match m LEFT JOIN work w ON w.id = m.work_id LEFT JOIN url_optout o ON o.url = m.url"
)


def _match(row: sqlite3.Row) -> Match:
    return Match(**{name: row[name] for name in _MATCH_FIELDS})


class MatchRepository:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def record(self, found: Iterable[FoundMatch], now: str) -> int:
        """Store matches; a match already stored keeps its id and the user's decision. Returns the count."""
        count = 0
        with transaction(self._db):
            for match in found:
                self._db.execute(
                    """
                    INSERT INTO match (work_id, dataset, row_id, kind, distance, score, url, caption, published_hash,
                                       evidence, coverage, source, found_at, local_hash, variant, published_width,
                                       published_height, shard, shard_row, published)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (dataset, row_id, kind, IFNULL(work_id, 0)) DO UPDATE SET
                        distance = excluded.distance, score = excluded.score, url = excluded.url,
                        caption = excluded.caption, published_hash = excluded.published_hash,
                        evidence = excluded.evidence, coverage = excluded.coverage, source = excluded.source,
                        local_hash = excluded.local_hash, variant = excluded.variant,
                        published_width = excluded.published_width, published_height = excluded.published_height,
                        shard = excluded.shard, shard_row = excluded.shard_row, published = excluded.published
                    """,
                    (
                        match.work_id, match.dataset, match.row_id, match.kind, match.distance, match.score,
                        match.url, match.caption, match.published_hash, match.evidence, match.coverage,
                        match.source, now, match.local_hash, match.variant, match.published_width,
                        match.published_height, match.shard, match.shard_row, match.published,
                    ),
                )  # fmt: skip
                count += 1
        return count

    def forget_candidates(self, dataset: str, kinds: Iterable[str], keep_ids: set[int]) -> int:
        """Drop undecided matches of `dataset` a fresh full run no longer finds; decisions are never dropped."""
        kinds = list(kinds)
        marks = ",".join("?" * len(kinds))
        rows = query(
            self._db,
            f"SELECT id FROM match WHERE dataset = ? AND status = 'candidate' AND kind IN ({marks})",
            (dataset, *kinds),
        ).fetchall()
        stale = [row["id"] for row in rows if row["id"] not in keep_ids]
        with transaction(self._db):
            self._db.executemany("DELETE FROM match WHERE id = ?", [(match_id,) for match_id in stale])
        return len(stale)

    def ids_for(self, found: Iterable[FoundMatch]) -> set[int]:
        ids: set[int] = set()
        for match in found:
            row = query(
                self._db,
                "SELECT id FROM match WHERE dataset = ? AND row_id = ? AND kind = ? AND IFNULL(work_id, 0) = ?",
                (match.dataset, match.row_id, match.kind, match.work_id or 0),
            ).fetchone()
            if row:
                ids.add(int(row["id"]))
        return ids

    def find(self, status: str | None = None) -> list[Match]:
        if status is not None and status not in STATUSES:
            raise UsageError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        where, params = ("WHERE m.status = ?", (status,)) if status else ("", ())
        order = "ORDER BY m.kind != 'sha256', m.distance IS NULL, m.distance, m.score DESC, m.id"
        return [_match(row) for row in query(self._db, f"{_SELECT} {where} {order}", params)]

    def get(self, match_id: int) -> Match | None:
        row = query(self._db, f"{_SELECT} WHERE m.id = ?", (match_id,)).fetchone()
        return _match(row) if row else None

    def decide(self, match_ids: Iterable[int], status: str, note: str, now: str) -> list[Match]:
        if status not in STATUSES:
            raise UsageError(f"unknown status {status!r}")
        ids = list(match_ids)
        missing = [match_id for match_id in ids if self.get(match_id) is None]
        if missing:
            raise UsageError(f"no match with id {', '.join(map(str, missing))}")
        with transaction(self._db):
            self._db.executemany(
                "UPDATE match SET status = ?, note = ?, decided_at = ? WHERE id = ?",
                [(status, note, now, match_id) for match_id in ids],
            )
        return [match for match_id in ids if (match := self.get(match_id)) is not None]


def match_as_dict(match: Match) -> dict[str, Any]:
    return {field: getattr(match, field) for field in Match.__dataclass_fields__}


class FetchRepository:
    """Results of "fetch to confirm" and of opt-out registry look-ups, kept as evidence."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def record_fetch(self, result: FetchRecord, now: str) -> None:
        self._db.execute(
            "INSERT INTO match_fetch (match_id, fetched_at, final_url, bytes, sha256, phash, distance, identical,"
            " error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (result.match_id, now, result.final_url, result.bytes, result.sha256, result.phash, result.distance,
             int(result.identical), result.error),
        )  # fmt: skip

    def record_optouts(self, statuses: Iterable[tuple[str, bool, bool]], source: str, now: str) -> None:
        with transaction(self._db):
            self._db.executemany(
                "INSERT INTO url_optout (url, opted_out, opted_in, source, checked_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET opted_out = excluded.opted_out, opted_in = excluded.opted_in,"
                " source = excluded.source, checked_at = excluded.checked_at",
                [(url, int(out), int(opt_in), source, now) for url, out, opt_in in statuses],
            )

    def optout_status(self, url: str) -> tuple[bool, bool, str] | None:
        """(opted out, opted in, checked at) for a URL a registry was asked about, or None."""
        found = query(
            self._db, "SELECT opted_out, opted_in, checked_at FROM url_optout WHERE url = ?", (url,)
        ).fetchone()
        return (bool(found["opted_out"]), bool(found["opted_in"]), str(found["checked_at"])) if found else None


class FetchRecord(Protocol):
    """What a fetch-and-compare result provides (core.sources.compare.FetchComparison)."""

    @property
    def match_id(self) -> int: ...
    @property
    def final_url(self) -> str: ...
    @property
    def bytes(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def phash(self) -> str | None: ...
    @property
    def distance(self) -> int | None: ...
    @property
    def identical(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
