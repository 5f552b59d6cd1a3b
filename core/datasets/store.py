"""One added dataset's local state, in `<data dir>/datasets/<id>/`. The dataset's own shards are its row store.

- `descriptor.json`: the descriptor it was added with (revision, columns, where the shards are);
- `state.sqlite3`: per shard where it is (path or URL), the size and modification time it had when it was
  read (a local shard is kept by reference and checked before it is read again), its import state down to the
  row group, its counts of null and malformed hash values, and which profile its URL/caption pass covered;
  the *hits*: the few rows a match was found in, with everything the review and the evidence need (row id,
  URL, caption, published hash, size, shard and row); which rows the URL/caption pass accepted; and the hash
  pairs the passes found, with the queries they searched (`hash_pairs`);
- `kept/` (only with `dataset add --keep-columns`): a Parquet copy of each shard unit's projected URL/caption
  columns, so a re-pass after a profile change reads neither the shard nor the network (`kept_columns`);
- `phash/`, `sha256/`: every row's hash, as unsorted runs after `dataset add` and as the compact indexes
  (memory-mapped at query time) after `dataset index`, so works added later are matched without reading the
  dataset again.

Nothing else of a row is copied (unless the dataset keeps its URL/caption columns). Row ordinals are assigned
shard by shard in import order (a shard's rows are `first_ordinal .. first_ordinal + rows - 1`), so
re-importing an interrupted shard gives its rows the same ordinals again; that is what makes the import
resumable.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.catalogue.db import transaction
from core.datasets import hash_pairs, kept_columns
from core.datasets.descriptors import Descriptor
from core.datasets.hash_pairs import HashPairs
from core.datasets.kept_columns import KeptUnit
from core.errors import CatalogueError, UsageError

STATE_FILE = "state.sqlite3"
LEGACY_ROWS_FILE = "rows.sqlite3"  # the format before streaming: every row copied into SQLite
REMOVED_PREFIX = ".removed-"  # a dataset being deleted (see DatasetStore.remove); never listed
_SCHEMA = """
CREATE TABLE IF NOT EXISTS shard (
    seq              INTEGER PRIMARY KEY,
    source           TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'importing', 'done', 'failed')),
    first_ordinal    INTEGER,
    rows             INTEGER NOT NULL DEFAULT 0,
    bytes            INTEGER NOT NULL DEFAULT 0,
    error            TEXT,
    imported_at      TEXT,
    size             INTEGER,
    mtime_ns         INTEGER,
    units_done       INTEGER NOT NULL DEFAULT 0,
    null_hashes      INTEGER NOT NULL DEFAULT 0,
    bad_hashes       INTEGER NOT NULL DEFAULT 0,
    bad_example      TEXT,
    text_profile     TEXT,
    text_pending     TEXT,
    text_units_done  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS hit (
    ordinal   INTEGER PRIMARY KEY,
    shard_seq INTEGER NOT NULL,
    shard_row INTEGER NOT NULL,
    row_id    TEXT NOT NULL,
    url       TEXT,
    caption   TEXT,
    phash     INTEGER,
    sha256    TEXT,
    width     INTEGER,
    height    INTEGER,
    published TEXT
);
CREATE TABLE IF NOT EXISTS profile_hit (
    ordinal   INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('url', 'text')),
    shard_seq INTEGER NOT NULL,
    PRIMARY KEY (ordinal, kind)
);
CREATE INDEX IF NOT EXISTS profile_hit_shard ON profile_hit (shard_seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kept_unit (
    shard_seq INTEGER NOT NULL,
    unit      INTEGER NOT NULL,
    rows      INTEGER NOT NULL,
    bytes     INTEGER NOT NULL,
    schema    TEXT NOT NULL,
    PRIMARY KEY (shard_seq, unit)
);
"""
_SHARD_COLUMNS = (
    "seq, source, status, first_ordinal, rows, bytes, error, imported_at, size, mtime_ns, units_done, "
    "null_hashes, bad_hashes, bad_example, text_profile, text_pending, text_units_done"
)


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
    size: int | None = None  # bytes of the shard file when it was read
    mtime_ns: int | None = None  # a local shard's modification time when it was read
    units_done: int = 0  # row groups (one unit for a CSV file) of an interrupted import already stored
    null_hashes: int = 0
    bad_hashes: int = 0  # malformed hash values: counted, never matched
    bad_example: str | None = None
    text_profile: str | None = None  # the profile fingerprint whose URL/caption pass covered this whole shard
    text_pending: str | None = None  # the fingerprint of an interrupted URL/caption pass ...
    text_units_done: int = 0  # ... and the row groups it finished


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
    published: str | None = None  # JSON of the row's id and hash values exactly as the shard holds them

    @property
    def size(self) -> tuple[int, int] | None:
        return (self.width, self.height) if self.width and self.height else None


@dataclass(frozen=True)
class HitRow:
    """A row to keep, as the shard pass found it (ordinal and position known, values as published)."""

    ordinal: int
    shard_seq: int
    shard_row: int
    row_id: str
    url: str | None
    caption: str | None
    phash: int | None
    sha256: str | None
    width: int | None
    height: int | None
    published: str | None = None  # JSON of the row's id and hash values exactly as the shard holds them


class DatasetStore:
    def __init__(
        self, directory: Path, descriptor: Descriptor, connection: sqlite3.Connection, converted: str | None = None
    ) -> None:
        self.directory = directory
        self.descriptor = descriptor
        self.db = connection
        self.converted = converted  # a one-line notice when this open converted the dataset from the old format
        self.pairs = HashPairs(connection)  # what the hash searches found, and for which queries that is complete

    # --- lifecycle ----------------------------------------------------------------------------------
    @classmethod
    def create_or_open(cls, directory: Path, descriptor: Descriptor) -> DatasetStore:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor_file = directory / "descriptor.json"
        if descriptor_file.exists():
            stored = Descriptor.from_json(json.loads(descriptor_file.read_text(encoding="utf-8")))
            if dict(stored.columns) != dict(descriptor.columns):
                raise UsageError(
                    f"dataset {descriptor.id!r} was added with other columns; remove it first to change the mapping"
                )
            sources = tuple(dict.fromkeys((*stored.sources, *descriptor.sources)))
            descriptor = Descriptor.from_json({**stored.to_json(), "sources": list(sources)})
        _write_json(descriptor_file, descriptor.to_json())
        converted = _convert_legacy(directory)
        return cls(directory, descriptor, _connect(directory / STATE_FILE), converted)

    @classmethod
    def open(cls, directory: Path) -> DatasetStore:
        descriptor_file = directory / "descriptor.json"
        if not descriptor_file.exists():
            raise UsageError(f"no dataset in {directory}")
        descriptor = Descriptor.from_json(json.loads(descriptor_file.read_text(encoding="utf-8")))
        converted = _convert_legacy(directory)
        return cls(directory, descriptor, _connect(directory / STATE_FILE), converted)

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def remove(directory: Path) -> None:
        """Take the dataset away at once, then delete its files. The rename is atomic: a reader on another thread
        (the app lists datasets while it removes one) finds either the whole dataset or none, and the SQLite files
        it may still create while closing land in the renamed folder, which this or the next removal sweeps."""
        trash = directory.with_name(f"{REMOVED_PREFIX}{directory.name}-{os.getpid()}-{id(directory):x}")
        directory.rename(trash)
        (trash / "descriptor.json").unlink(missing_ok=True)
        for left in directory.parent.glob(f"{REMOVED_PREFIX}*"):
            shutil.rmtree(left, ignore_errors=True)

    @property
    def phash_dir(self) -> Path:
        return self.directory / "phash"

    @property
    def sha256_dir(self) -> Path:
        return self.directory / "sha256"

    def bytes_on_disk(self) -> int:
        """Everything the dataset takes on disk, kept columns included (see `kept_bytes`)."""
        return kept_columns.files_size(self.directory)

    # --- kept URL/caption columns (`kept_columns`) ------------------------------------------------------
    def keeps_columns(self) -> bool:
        """Whether shards imported from now on keep a local copy of their URL/caption columns."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'keep_columns'").fetchone()
        return row is not None and row[0] == "1"

    def set_keep_columns(self, keep: bool) -> int:
        """Remember the choice; stopping deletes every kept file. Returns the bytes freed."""
        with transaction(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('keep_columns', ?)", ("1" if keep else "0",)
            )
            if not keep:
                self.db.execute("DELETE FROM kept_unit")
        return 0 if keep else kept_columns.drop_all(self.directory)

    def kept_units(self, seq: int) -> list[KeptUnit]:
        query = "SELECT unit, rows, bytes, schema FROM kept_unit WHERE shard_seq = ? ORDER BY unit"
        return [KeptUnit(*row) for row in self.db.execute(query, (seq,))]

    def kept_bytes(self) -> int:
        """Bytes on disk of the kept URL/caption columns (part of `bytes_on_disk`)."""
        return kept_columns.kept_bytes(self.directory)

    def _record_kept(self, seq: int, kept: KeptUnit) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO kept_unit VALUES (?, ?, ?, ?, ?)",
            (seq, kept.unit, kept.rows, kept.nbytes, kept.schema),
        )

    def _drop_kept(self, seq: int | None) -> None:
        """Forget and delete the kept files of shard `seq` (of every shard with None)."""
        if seq is None:
            self.db.execute("DELETE FROM kept_unit")
            kept_columns.drop_all(self.directory)
        else:
            self.db.execute("DELETE FROM kept_unit WHERE shard_seq = ?", (seq,))
            kept_columns.drop_shard(self.directory, seq)

    # --- shards -------------------------------------------------------------------------------------
    def register_shards(self, sources: list[str]) -> None:
        with transaction(self.db):
            self.db.executemany(
                "INSERT OR IGNORE INTO shard (source, status) VALUES (?, 'pending')", [(s,) for s in sources]
            )

    def shards(self) -> list[ShardState]:
        return [ShardState(*row) for row in self.db.execute(f"SELECT {_SHARD_COLUMNS} FROM shard ORDER BY seq")]

    def shard(self, seq: int) -> ShardState:
        row = self.db.execute(f"SELECT {_SHARD_COLUMNS} FROM shard WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            raise UsageError(f"dataset {self.descriptor.id!r} has no shard number {seq}")
        return ShardState(*row)

    def next_ordinal(self) -> int:
        row = self.db.execute("SELECT MAX(first_ordinal + rows) FROM shard WHERE status IN ('done', 'failed')")
        return int(row.fetchone()[0] or 0)

    def begin_shard(self, seq: int, first_ordinal: int, size: int | None, mtime_ns: int | None) -> None:
        """Start a shard from its first row group: whatever an earlier attempt stored of it is dropped."""
        with transaction(self.db):
            self._drop_shard_rows(seq)
            self._drop_kept(seq)
            self.db.execute(
                "UPDATE shard SET status = 'importing', first_ordinal = ?, rows = 0, error = NULL, size = ?,"
                " mtime_ns = ?, units_done = 0, null_hashes = 0, bad_hashes = 0, bad_example = NULL,"
                " text_profile = NULL, text_pending = NULL, text_units_done = 0 WHERE seq = ?",
                (first_ordinal, size, mtime_ns, seq),
            )

    def finish_unit(
        self,
        seq: int,
        units_done: int,
        rows: int,
        counts: tuple[int, int, str | None],
        hits: Iterable[HitRow],
        profile_hits: Iterable[tuple[int, str]],
        phash_pairs: Iterable[hash_pairs.PhashPair] = (),
        sha_pairs: Iterable[tuple[bytes, int, int]] = (),
        kept: KeptUnit | None = None,
    ) -> None:
        """Store one finished row group of an import at once: its hits, its hash pairs, its kept columns' file
        (already in place) and how far the shard got."""
        nulls, bad, example = counts
        with transaction(self.db):
            self._insert_hits(hits, seq, profile_hits)
            if kept is not None:
                self._record_kept(seq, kept)
            self.pairs.add_phash(phash_pairs)
            self.pairs.add_sha(sha_pairs)
            self.db.execute(
                "UPDATE shard SET units_done = ?, rows = ?, null_hashes = null_hashes + ?,"
                " bad_hashes = bad_hashes + ?, bad_example = COALESCE(bad_example, ?) WHERE seq = ?",
                (units_done, rows, nulls, bad, example, seq),
            )

    def end_shard(
        self, seq: int, rows: int, size: int, now: str, text_profile: str | None, error: str | None = None
    ) -> None:
        status = "failed" if error else "done"
        with transaction(self.db):
            if error:  # a failed shard is imported again from its first row group: nothing of it is kept
                self._drop_kept(seq)
            self.db.execute(
                "UPDATE shard SET status = ?, rows = ?, bytes = ?, error = ?, imported_at = ?, text_profile = ?,"
                " text_pending = NULL, text_units_done = 0 WHERE seq = ?",
                (status, rows, size, error, now, None if error else text_profile, seq),
            )

    def reset_for_rebuild(self) -> None:
        """Forget every shard's import and the hash indexes, so all shards import again into fresh indexes."""
        with transaction(self.db):
            self.db.execute("DELETE FROM hit")
            self.db.execute("DELETE FROM profile_hit")
            self.pairs.drop_all()
            self._drop_kept(None)
            self.db.execute(
                "UPDATE shard SET status = 'pending', first_ordinal = NULL, rows = 0, error = NULL, units_done = 0,"
                " null_hashes = 0, bad_hashes = 0, bad_example = NULL, text_profile = NULL, text_pending = NULL,"
                " text_units_done = 0"
            )
        for directory in (self.phash_dir, self.sha256_dir):
            if directory.exists():
                shutil.rmtree(directory)

    def _drop_shard_rows(self, seq: int) -> None:
        self.db.execute("DELETE FROM hit WHERE shard_seq = ?", (seq,))
        self.db.execute("DELETE FROM profile_hit WHERE shard_seq = ?", (seq,))
        self.pairs.drop_shard(seq)

    # --- the URL/caption pass of a changed profile ----------------------------------------------------
    def begin_text_pass(self, seq: int, fingerprint: str) -> int:
        """Start (or resume) the URL/caption pass of `fingerprint` over a shard; returns the row groups done."""
        shard = self.shard(seq)
        if shard.text_pending == fingerprint:
            return shard.text_units_done
        with transaction(self.db):
            self.db.execute("DELETE FROM profile_hit WHERE shard_seq = ?", (seq,))
            self.db.execute(
                "UPDATE shard SET text_profile = NULL, text_pending = ?, text_units_done = 0 WHERE seq = ?",
                (fingerprint, seq),
            )
        return 0

    def finish_text_unit(
        self,
        seq: int,
        units_done: int,
        hits: Iterable[HitRow],
        profile_hits: Iterable[tuple[int, str]],
        kept: KeptUnit | None = None,
    ) -> None:
        with transaction(self.db):
            self._insert_hits(hits, seq, profile_hits)
            if kept is not None:
                self._record_kept(seq, kept)
            self.db.execute("UPDATE shard SET text_units_done = ? WHERE seq = ?", (units_done, seq))

    def end_text_pass(self, seq: int, fingerprint: str) -> None:
        self.db.execute(
            "UPDATE shard SET text_profile = ?, text_pending = NULL, text_units_done = 0 WHERE seq = ?",
            (fingerprint, seq),
        )

    # --- hits ---------------------------------------------------------------------------------------
    def _insert_hits(self, hits: Iterable[HitRow], seq: int, profile_hits: Iterable[tuple[int, str]]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO hit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (h.ordinal, h.shard_seq, h.shard_row, h.row_id, h.url, h.caption, _signed(h.phash), h.sha256,
                 h.width, h.height, h.published)
                for h in hits
            ],
        )  # fmt: skip
        self.db.executemany(
            "INSERT OR IGNORE INTO profile_hit VALUES (?, ?, ?)", [(o, kind, seq) for o, kind in profile_hits]
        )

    def add_hits(self, hits: Iterable[HitRow]) -> None:
        """Keep rows read back from their shards (for hash matches of works added after the import)."""
        with transaction(self.db):
            self._insert_hits(hits, 0, ())

    def rows(self, ordinals: Iterable[int]) -> Iterator[DatasetRow]:
        """The kept rows among `ordinals` (rows that were never a hit are not here: see `missing`)."""
        wanted = list(ordinals)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = (
                "SELECT h.ordinal, s.source, h.shard_row, h.row_id, h.url, h.caption, h.phash, h.sha256, "
                "h.width, h.height, h.published "
                f"FROM hit h JOIN shard s ON s.seq = h.shard_seq WHERE h.ordinal IN ({marks})"
            )
            for row in self.db.execute(query, chunk):
                ordinal, shard, shard_row, row_id, url, caption, phash, sha256, width, height, published = row
                unsigned = phash + (1 << 64) if phash is not None and phash < 0 else phash
                yield DatasetRow(ordinal, shard, shard_row, row_id, url, caption, unsigned, sha256, width, height,
                                 published)  # fmt: skip

    def missing(self, ordinals: Iterable[int]) -> list[int]:
        """Which of `ordinals` have no kept row yet."""
        wanted = sorted(set(ordinals))
        kept: set[int] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            kept.update(o for (o,) in self.db.execute(f"SELECT ordinal FROM hit WHERE ordinal IN ({marks})", chunk))
        return [ordinal for ordinal in wanted if ordinal not in kept]

    def profile_hits(self, kind: str) -> list[int]:
        """Ordinals of the rows the URL (or caption) pass accepted for the profile it ran with."""
        query = "SELECT ordinal FROM profile_hit WHERE kind = ? ORDER BY ordinal"
        return [int(ordinal) for (ordinal,) in self.db.execute(query, (kind,))]

    def hit_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM hit").fetchone()[0])

    def row_count(self) -> int:
        """Rows of the dataset read so far (stored or not: only the hits are kept)."""
        return int(self.db.execute("SELECT COALESCE(SUM(rows), 0) FROM shard").fetchone()[0])

    def locate(self, ordinal: int) -> tuple[ShardState, int] | None:
        """The shard holding row `ordinal`, and its position there."""
        for shard in self.shards():
            if shard.first_ordinal is not None and shard.first_ordinal <= ordinal < shard.first_ordinal + shard.rows:
                return shard, ordinal - shard.first_ordinal
        return None


def _signed(value: int | None) -> int | None:
    """SQLite integers are signed 64-bit: a pHash with its top bit set is stored as its two's complement."""
    return value - (1 << 64) if value is not None and value >= 1 << 63 else value


def _convert_legacy(directory: Path) -> str | None:
    """Convert a dataset added before streaming (every row copied into `rows.sqlite3`): its shard states and
    hash indexes are kept, the row copy goes. Matches and decisions live in the catalogue and are untouched;
    the URL/caption pass reads the shards again on the next match. Returns the notice to show, or None."""
    legacy = directory / LEGACY_ROWS_FILE
    if not legacy.exists():
        return None
    freed = sum(p.stat().st_size for p in directory.glob(LEGACY_ROWS_FILE + "*"))
    try:
        old = sqlite3.connect(f"file:{legacy}?mode=ro", uri=True)
        try:
            shards = old.execute(
                "SELECT seq, source, status, first_ordinal, rows, bytes, error, imported_at FROM shard"
            ).fetchall()
        finally:
            old.close()
    except sqlite3.Error as exc:
        raise CatalogueError(f"cannot read the old dataset index {legacy}: {exc}") from exc
    state = _connect(directory / STATE_FILE)
    try:
        with transaction(state):
            state.executemany(
                "INSERT OR REPLACE INTO shard (seq, source, status, first_ordinal, rows, bytes, error, imported_at,"
                " units_done) VALUES (?, ?, CASE WHEN ? = 'importing' THEN 'failed' ELSE ? END, ?, ?, ?, ?, ?, 0)",
                [(seq, source, status, status, first, rows, size, error, at)
                 for seq, source, status, first, rows, size, error, at in shards],
            )  # fmt: skip
    finally:
        state.close()
    for path in directory.glob(LEGACY_ROWS_FILE + "*"):
        path.unlink()
    return (
        f"dataset {directory.name} was converted to the streaming format ({freed / 1e6:.1f} MB of copied rows freed);"
        " its URL and caption matching reads the shards again on the next match"
    )


def _connect(path: Path) -> sqlite3.Connection:
    try:
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(_SCHEMA + hash_pairs.SCHEMA)
        if "published" not in {row[1] for row in connection.execute("PRAGMA table_info(hit)")}:
            connection.execute("ALTER TABLE hit ADD COLUMN published TEXT")  # kept rows of an older version: none
    except sqlite3.Error as exc:
        raise CatalogueError(f"cannot open the dataset state {path}: {exc}") from exc
    return connection


def _write_json(path: Path, data: object) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)
