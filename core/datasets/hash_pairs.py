"""What a dataset's hash searches already found, and for which queries that is complete.

The import pass matches every row's pHash and SHA-256 against the portfolio in flight. Its pairs (query hash,
row ordinal, distance) are kept here, with its *covers*: the sets of query hashes it searched, each with the
radius it searched them at (a pass searches each query only as far as its variants can be accepted, so it may
have several). A later match answers a query from these pairs when every shard whose rows are in the hash runs
was done by a pass (or a later stream over the runs) that covered that query at a radius at least the one the
query needs now; any other query (a work added later, a wider threshold, a shard imported in part) is searched
in the index or the runs again.

A cover is linked to a shard as *pending* while the shard is imported and *complete* once the shard is done; a
resumed shard keeps only what both attempts searched (the intersection of the sets, the smaller radius). Pairs and
covers of a shard go when the shard is imported again. Covers stored before the per-query radii (one per shard at
the threshold) stay true: that radius is at least what any query of the rule needs at that threshold.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.catalogue.db import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS hash_cover (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('phash', 'sha256')),
    radius  INTEGER NOT NULL,
    digest  TEXT NOT NULL,
    queries BLOB NOT NULL,
    UNIQUE (kind, radius, digest)
);
CREATE TABLE IF NOT EXISTS shard_cover (
    shard_seq INTEGER NOT NULL,
    cover_id  INTEGER NOT NULL,
    complete  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shard_seq, cover_id)
);
CREATE TABLE IF NOT EXISTS phash_pair (
    query     INTEGER NOT NULL,
    ordinal   INTEGER NOT NULL,
    shard_seq INTEGER NOT NULL,
    distance  INTEGER NOT NULL,
    PRIMARY KEY (query, ordinal)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS phash_pair_shard ON phash_pair (shard_seq);
CREATE TABLE IF NOT EXISTS sha_pair (
    digest    BLOB NOT NULL,
    ordinal   INTEGER NOT NULL,
    shard_seq INTEGER NOT NULL,
    PRIMARY KEY (digest, ordinal)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sha_pair_shard ON sha_pair (shard_seq);
"""

PHASH = "phash"
SHA256 = "sha256"


@dataclass(frozen=True)
class Cover:
    """The query hashes one search looked for in every row it read, and within what radius (0 for SHA-256)."""

    kind: str
    radius: int
    values: bytes  # sorted distinct: pHashes as little-endian uint64, or 32-byte digests

    @classmethod
    def phash(cls, queries: npt.ArrayLike, radius: int) -> Cover:
        return cls(PHASH, radius, np.unique(np.asarray(queries, dtype=np.uint64)).astype("<u8").tobytes())

    @classmethod
    def sha256(cls, digests: npt.NDArray[np.uint8]) -> Cover:
        rows = np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, 32)
        return cls(SHA256, 0, b"".join(sorted({bytes(row) for row in rows})))

    def phashes(self) -> npt.NDArray[np.uint64]:
        return np.frombuffer(self.values, dtype="<u8").astype(np.uint64)

    def digests(self) -> list[bytes]:
        return [self.values[i : i + 32] for i in range(0, len(self.values), 32)]

    def intersection(self, other: Cover) -> Cover:
        radius = min(self.radius, other.radius)
        if self.kind == PHASH:
            return Cover.phash(np.intersect1d(self.phashes(), other.phashes()), radius)
        return Cover(SHA256, 0, b"".join(sorted(set(self.digests()) & set(other.digests()))))


@dataclass(frozen=True)
class PhashPair:
    query: int  # the query pHash (unsigned)
    ordinal: int
    shard_seq: int
    distance: int


class HashPairs:
    """The pairs and covers of one dataset, in its state database."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    # --- covers -------------------------------------------------------------------------------------------
    def cover_id(self, cover: Cover) -> int:
        """The id of `cover`, stored once whatever the number of shards it covers."""
        digest = hashlib.sha256(cover.values).hexdigest()
        self.db.execute(
            "INSERT OR IGNORE INTO hash_cover (kind, radius, digest, queries) VALUES (?, ?, ?, ?)",
            (cover.kind, cover.radius, digest, cover.values),
        )
        row = self.db.execute(
            "SELECT id FROM hash_cover WHERE kind = ? AND radius = ? AND digest = ?", (cover.kind, cover.radius, digest)
        ).fetchone()
        return int(row[0])

    def cover(self, cover_id: int) -> Cover:
        kind, radius, values = self.db.execute(
            "SELECT kind, radius, queries FROM hash_cover WHERE id = ?", (cover_id,)
        ).fetchone()
        return Cover(kind, int(radius), bytes(values))

    def begin_shard(self, seq: int, covers: Sequence[Cover]) -> None:
        """A shard's import starts from its first row: what it will have searched once done (pending)."""
        ids = [self.cover_id(cover) for cover in covers]
        with transaction(self.db):
            self.db.execute("DELETE FROM shard_cover WHERE shard_seq = ?", (seq,))
            self.db.executemany("INSERT INTO shard_cover (shard_seq, cover_id) VALUES (?, ?)", [(seq, i) for i in ids])

    def resume_shard(self, seq: int, covers: Sequence[Cover]) -> None:
        """A shard's import resumes with these covers: it has searched, for every kind, only what both attempts
        searched (nothing of a kind the first attempt recorded no cover for)."""
        pending = [self.cover(cover_id) for (cover_id,) in self.db.execute(
            "SELECT cover_id FROM shard_cover WHERE shard_seq = ? AND complete = 0", (seq,)
        ).fetchall()]  # fmt: skip
        kept = []
        for cover in covers:  # a query both searched, at the narrower of the two radii
            both = [old.intersection(cover) for old in pending if old.kind == cover.kind]
            kept += [found for found in both if found.values]
        self.begin_shard(seq, kept)

    def complete_shard(self, seq: int) -> None:
        self.db.execute("UPDATE shard_cover SET complete = 1 WHERE shard_seq = ?", (seq,))

    def add_cover(self, cover: Cover, shards: Iterable[int]) -> None:
        """A later search of every row of these (done) shards looked for `cover`'s queries."""
        cover_id = self.cover_id(cover)
        self.db.executemany(
            "INSERT OR REPLACE INTO shard_cover (shard_seq, cover_id, complete) VALUES (?, ?, 1)",
            [(seq, cover_id) for seq in shards],
        )

    def complete_covers(self, kind: str) -> dict[int, list[Cover]]:
        """Per shard, the complete covers of `kind`."""
        found: dict[int, list[Cover]] = {}
        query = (
            "SELECT s.shard_seq, c.kind, c.radius, c.queries FROM shard_cover s JOIN hash_cover c ON c.id = s.cover_id"
            " WHERE s.complete = 1 AND c.kind = ?"
        )
        for seq, cover_kind, radius, values in self.db.execute(query, (kind,)):
            found.setdefault(int(seq), []).append(Cover(cover_kind, int(radius), bytes(values)))
        return found

    # --- pairs --------------------------------------------------------------------------------------------
    def add_phash(self, pairs: Iterable[PhashPair]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO phash_pair VALUES (?, ?, ?, ?)",
            [(_signed(p.query), p.ordinal, p.shard_seq, p.distance) for p in pairs],
        )

    def add_sha(self, pairs: Iterable[tuple[bytes, int, int]]) -> None:
        """(digest, ordinal, shard) of byte-identical rows."""
        self.db.executemany("INSERT OR IGNORE INTO sha_pair VALUES (?, ?, ?)", list(pairs))

    def phash_pairs(
        self, max_distance: int
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        """(query, ordinal, distance) of every stored pHash pair within `max_distance`."""
        rows = self.db.execute(
            "SELECT query, ordinal, distance FROM phash_pair WHERE distance <= ?", (max_distance,)
        ).fetchall()
        queries = np.array([q for q, _, _ in rows], dtype=np.int64).view(np.uint64)
        return queries, np.array([o for _, o, _ in rows], np.int64), np.array([d for _, _, d in rows], np.uint8)

    def sha_pairs(self) -> list[tuple[bytes, int]]:
        return [
            (bytes(digest), int(ordinal)) for digest, ordinal in self.db.execute("SELECT digest, ordinal FROM sha_pair")
        ]

    def counts(self) -> tuple[int, int]:
        """(pHash pairs, SHA-256 pairs) stored."""
        phash = int(self.db.execute("SELECT COUNT(*) FROM phash_pair").fetchone()[0])
        return phash, int(self.db.execute("SELECT COUNT(*) FROM sha_pair").fetchone()[0])

    # --- forgetting ---------------------------------------------------------------------------------------
    def drop_shard(self, seq: int) -> None:
        """Forget what was found in a shard (inside the caller's transaction)."""
        for table in ("phash_pair", "sha_pair", "shard_cover"):
            self.db.execute(f"DELETE FROM {table} WHERE shard_seq = ?", (seq,))

    def drop_all(self) -> None:
        for table in ("phash_pair", "sha_pair", "shard_cover", "hash_cover"):
            self.db.execute(f"DELETE FROM {table}")


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit: a pHash with its top bit set is stored as its two's complement."""
    return value - (1 << 64) if value >= 1 << 63 else value
