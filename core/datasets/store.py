"""One dataset's local index, in `<data dir>/datasets/<id>/`.

- `descriptor.json`: the descriptor it was imported with (revision, columns, where the shards came from);
- `rows.sqlite3`: per row its ordinal, shard and position in the shard, row id, URL with host and registrable
  domain (indexed), caption (FTS5, diacritics-insensitive) and published hash; per shard its import state;
- `phash/`, `sha256/`: the compact hash indexes (memory-mapped at query time).

Row ordinals are assigned shard by shard in import order, so re-importing an interrupted shard gives its rows
the same ordinals again; that is what makes the import resumable.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.catalogue.db import transaction
from core.datasets.descriptors import Descriptor
from core.errors import CatalogueError, UsageError
from core.matching.text import create_caption_fts

CAPTION_TABLE = "caption_fts"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS shard (
    seq           INTEGER PRIMARY KEY,
    source        TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'importing', 'done', 'failed')),
    first_ordinal INTEGER,
    rows          INTEGER NOT NULL DEFAULT 0,
    bytes         INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    imported_at   TEXT
);
CREATE TABLE IF NOT EXISTS row (
    ordinal   INTEGER PRIMARY KEY,
    shard_seq INTEGER NOT NULL,
    shard_row INTEGER NOT NULL,
    row_id    TEXT NOT NULL,
    url       TEXT,
    host      TEXT,
    domain    TEXT,
    caption   TEXT,
    phash     INTEGER,
    sha256    TEXT,
    width     INTEGER,
    height    INTEGER
);
CREATE INDEX IF NOT EXISTS row_domain ON row (domain);
CREATE INDEX IF NOT EXISTS row_row_id ON row (row_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class ShardState:
    seq: int
    source: str
    status: str
    first_ordinal: int | None
    rows: int
    bytes: int
    error: str | None
    imported_at: str | None


@dataclass(frozen=True)
class DatasetRow:
    """One dataset row as shown in the review: everything TrainTrace kept of it."""

    ordinal: int
    shard: str
    shard_row: int
    row_id: str
    url: str | None
    caption: str | None
    phash: int | None
    sha256: str | None
    width: int | None
    height: int | None

    @property
    def size(self) -> tuple[int, int] | None:
        return (self.width, self.height) if self.width and self.height else None


class DatasetStore:
    def __init__(self, directory: Path, descriptor: Descriptor, connection: sqlite3.Connection) -> None:
        self.directory = directory
        self.descriptor = descriptor
        self.db = connection

    # --- lifecycle ----------------------------------------------------------------------------------
    @classmethod
    def create_or_open(cls, directory: Path, descriptor: Descriptor) -> DatasetStore:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor_file = directory / "descriptor.json"
        if descriptor_file.exists():
            stored = Descriptor.from_json(json.loads(descriptor_file.read_text(encoding="utf-8")))
            if dict(stored.columns) != dict(descriptor.columns):
                raise UsageError(
                    f"dataset {descriptor.id!r} was imported with other columns; remove it first to change the mapping"
                )
            sources = tuple(dict.fromkeys((*stored.sources, *descriptor.sources)))
            descriptor = Descriptor.from_json({**stored.to_json(), "sources": list(sources)})
        _write_json(descriptor_file, descriptor.to_json())
        return cls(directory, descriptor, _connect(directory / "rows.sqlite3"))

    @classmethod
    def open(cls, directory: Path) -> DatasetStore:
        descriptor_file = directory / "descriptor.json"
        if not descriptor_file.exists():
            raise UsageError(f"no dataset in {directory}")
        descriptor = Descriptor.from_json(json.loads(descriptor_file.read_text(encoding="utf-8")))
        return cls(directory, descriptor, _connect(directory / "rows.sqlite3"))

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def remove(directory: Path) -> None:
        shutil.rmtree(directory)

    @property
    def phash_dir(self) -> Path:
        return self.directory / "phash"

    @property
    def sha256_dir(self) -> Path:
        return self.directory / "sha256"

    # --- shards -------------------------------------------------------------------------------------
    def register_shards(self, sources: list[str]) -> None:
        with transaction(self.db):
            self.db.executemany(
                "INSERT OR IGNORE INTO shard (source, status) VALUES (?, 'pending')", [(s,) for s in sources]
            )

    def shards(self) -> list[ShardState]:
        return [ShardState(*row) for row in self.db.execute("SELECT * FROM shard ORDER BY seq")]

    def next_ordinal(self) -> int:
        row = self.db.execute("SELECT MAX(first_ordinal + rows) FROM shard WHERE status IN ('done', 'failed')")
        return int(row.fetchone()[0] or 0)

    def begin_shard(self, seq: int, first_ordinal: int) -> None:
        """Start (or restart) a shard: rows a previous, interrupted attempt left behind are dropped."""
        with transaction(self.db):
            self._drop_rows(seq)
            self.db.execute(
                "UPDATE shard SET status = 'importing', first_ordinal = ?, rows = 0, error = NULL WHERE seq = ?",
                (first_ordinal, seq),
            )

    def end_shard(self, seq: int, rows: int, size: int, now: str, error: str | None = None) -> None:
        status = "failed" if error else "done"
        self.db.execute(
            "UPDATE shard SET status = ?, rows = ?, bytes = ?, error = ?, imported_at = ? WHERE seq = ?",
            (status, rows, size, error, now, seq),
        )

    def reset_for_rebuild(self) -> None:
        """Forget every shard's rows and the hash indexes, so all shards import again into fresh indexes."""
        with transaction(self.db):
            self.db.execute("DELETE FROM row")
            self.db.execute(f"DELETE FROM {CAPTION_TABLE}")
            self.db.execute("UPDATE shard SET status = 'pending', first_ordinal = NULL, rows = 0, error = NULL")
        for directory in (self.phash_dir, self.sha256_dir):
            if directory.exists():
                shutil.rmtree(directory)

    def _drop_rows(self, seq: int) -> None:
        ordinals = self.db.execute("SELECT ordinal FROM row WHERE shard_seq = ?", (seq,)).fetchall()
        self.db.executemany(f"DELETE FROM {CAPTION_TABLE} WHERE rowid = ?", ordinals)
        self.db.execute("DELETE FROM row WHERE shard_seq = ?", (seq,))

    # --- rows ---------------------------------------------------------------------------------------
    def rows(self, ordinals: list[int]) -> Iterator[DatasetRow]:
        for start in range(0, len(ordinals), 500):
            chunk = ordinals[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = (
                "SELECT r.ordinal, s.source, r.shard_row, r.row_id, r.url, r.caption, r.phash, r.sha256, "
                "r.width, r.height "
                f"FROM row r JOIN shard s ON s.seq = r.shard_seq WHERE r.ordinal IN ({marks})"
            )
            for ordinal, shard, shard_row, row_id, url, caption, phash, sha256, width, height in self.db.execute(
                query, chunk
            ):
                unsigned = phash + (1 << 64) if phash is not None and phash < 0 else phash
                yield DatasetRow(ordinal, shard, shard_row, row_id, url, caption, unsigned, sha256, width, height)

    def row_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM row").fetchone()[0])


def _connect(path: Path) -> sqlite3.Connection:
    try:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # an index is rebuilt from its shards, never lost data
        connection.executescript(_SCHEMA)
        create_caption_fts(connection, CAPTION_TABLE)
    except sqlite3.Error as exc:
        raise CatalogueError(f"cannot open the dataset index {path}: {exc}") from exc
    return connection


def _write_json(path: Path, data: object) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)
