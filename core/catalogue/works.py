"""Reading and writing works (the artist's image files) in the catalogue."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, fields

from core.catalogue.db import query, transaction
from core.hashing import ImageFingerprint
from core.variants import VARIANT_SET

_SIGN = 1 << 63
_WRAP = 1 << 64


def to_sql_int(value: int | None) -> int | None:
    """SQLite integers are signed 64-bit: store an unsigned 64-bit hash in two's complement."""
    if value is None:
        return None
    return value - _WRAP if value >= _SIGN else value


def from_sql_int(value: int | None) -> int | None:
    if value is None:
        return None
    return value + _WRAP if value < 0 else value


@dataclass(frozen=True)
class Work:
    """One file of the artist's, as the catalogue knows it. Hashes are unsigned ints; None when unreadable."""

    id: int
    path: str
    size: int
    mtime_ns: int
    sha256: str | None
    phash: int | None
    dhash: int | None
    whash: int | None
    colorhash: int | None
    width: int | None
    height: int | None
    format: str | None
    status: str
    reason: str | None
    reason_code: str | None
    first_seen: str
    scanned_at: str
    informative_bits: int | None = None  # of the pHash (core.hashing.informative_bits); None: scanned before
    variant_set: int = VARIANT_SET  # the version of core.variants its stored variants were made by

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def stale_variants(self) -> bool:
        """Fingerprinted by an older variant set: its stored variants are not today's (a rescan remakes them)."""
        return self.ok and self.variant_set != VARIANT_SET


@dataclass(frozen=True)
class FileState:
    """What the scanner needs to decide whether a file must be read again."""

    work_id: int
    size: int
    mtime_ns: int
    status: str
    reason_code: str | None
    variant_set: int = VARIANT_SET


_WORK_FIELDS = tuple(field.name for field in fields(Work))  # each is a column of the work table, same name
_COLUMNS = ", ".join(_WORK_FIELDS)
_HASH_FIELDS = ("phash", "dhash", "whash", "colorhash")


def _work(row: sqlite3.Row) -> Work:
    values = {name: row[name] for name in _WORK_FIELDS}
    for name in _HASH_FIELDS:
        values[name] = from_sql_int(values[name])
    return Work(**values)


class WorkRepository:
    """All SQL about works lives here. Each write is its own committed transaction (crash-safe)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def file_states(self) -> dict[str, FileState]:
        rows = query(self._db, "SELECT path, id, size, mtime_ns, status, reason_code, variant_set FROM work")
        return {
            row["path"]: FileState(
                work_id=row["id"], size=row["size"], mtime_ns=row["mtime_ns"], status=row["status"],
                reason_code=row["reason_code"], variant_set=row["variant_set"],
            )
            for row in rows
        }  # fmt: skip

    def ok_paths_by_sha256(self, current_only: bool = False) -> dict[str, list[tuple[int, str]]]:
        """SHA-256 -> (work id, path) of every readable work (`current_only`: those whose variants are today's)."""
        found: dict[str, list[tuple[int, str]]] = {}
        sql = "SELECT id, path, sha256 FROM work WHERE status = 'ok'" + (" AND variant_set = ?" if current_only else "")
        for row in query(self._db, sql, (VARIANT_SET,) if current_only else ()):
            found.setdefault(row["sha256"], []).append((row["id"], row["path"]))
        return found

    def get(self, work_id: int) -> Work | None:
        row = query(self._db, f"SELECT {_COLUMNS} FROM work WHERE id = ?", (work_id,)).fetchone()
        return _work(row) if row else None

    def by_paths(self, paths: Iterable[str]) -> dict[str, Work]:
        wanted = list(paths)
        found: dict[str, Work] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in query(self._db, f"SELECT {_COLUMNS} FROM work WHERE path IN ({marks})", chunk):
                work = _work(row)
                found[work.path] = work
        return found

    def all(self) -> list[Work]:
        return [_work(row) for row in query(self._db, f"SELECT {_COLUMNS} FROM work ORDER BY path")]

    def save_fingerprint(self, path: str, size: int, mtime_ns: int, fp: ImageFingerprint, now: str) -> int:
        """Insert or update the work at `path` with a fresh fingerprint; returns its id."""
        values = (
            size, mtime_ns, fp.sha256, *(to_sql_int(getattr(fp, name)) for name in _HASH_FIELDS),
            fp.width, fp.height, fp.format, "ok", None, None, fp.informative_bits, fp.variant_set, now,
        )  # fmt: skip
        with transaction(self._db):
            work_id = self._upsert(path, values, now)
            self._replace_variants(work_id, fp.variants)
        return work_id

    def save_unreadable(
        self, path: str, size: int, mtime_ns: int, sha256: str | None, reason: str, code: str, now: str
    ) -> int:
        values = (
            size, mtime_ns, sha256, None, None, None, None, None, None, None, "unreadable", reason, code, None,
            VARIANT_SET, now,
        )  # fmt: skip
        with transaction(self._db):
            work_id = self._upsert(path, values, now)
            self._replace_variants(work_id, ())
        return work_id

    def copy_content(self, source_id: int, path: str, size: int, mtime_ns: int, now: str) -> int:
        """Record a file whose bytes equal an already fingerprinted work's (a copy): no decoding needed."""
        source = self.get(source_id)
        if source is None or source.sha256 is None:
            raise KeyError(source_id)
        values = (
            size, mtime_ns, source.sha256, *(to_sql_int(getattr(source, name)) for name in _HASH_FIELDS),
            source.width, source.height, source.format, "ok", None, None, source.informative_bits, source.variant_set,
            now,
        )  # fmt: skip
        with transaction(self._db):
            work_id = self._upsert(path, values, now)
            if work_id != source_id:
                self._replace_variants(work_id, tuple(self.variants([source_id]).get(source_id, {}).items()))
        return work_id

    def variants(self, work_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """The canonical-variant pHashes of each work (unsigned), by work id then variant name."""
        found: dict[int, dict[str, int]] = {}
        ids = list(work_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT work_id, variant, phash FROM work_variant WHERE work_id IN ({marks}) ORDER BY rowid"
            for row in query(self._db, sql, chunk):
                phash = int(row["phash"])  # NOT NULL
                found.setdefault(row["work_id"], {})[row["variant"]] = phash + _WRAP if phash < 0 else phash
        return found

    def _replace_variants(self, work_id: int, variants: tuple[tuple[str, int], ...]) -> None:
        self._db.execute("DELETE FROM work_variant WHERE work_id = ?", (work_id,))
        self._db.executemany(
            "INSERT INTO work_variant (work_id, variant, phash) VALUES (?, ?, ?)",
            [(work_id, name, to_sql_int(value)) for name, value in variants],
        )

    def move(self, work_id: int, new_path: str, size: int, mtime_ns: int, now: str) -> None:
        """A file was renamed or moved: keep its id (and everything attached to it), change where it is."""
        with transaction(self._db):
            self._db.execute("DELETE FROM work WHERE path = ? AND id != ?", (new_path, work_id))
            self._db.execute(
                "UPDATE work SET path = ?, size = ?, mtime_ns = ?, scanned_at = ? WHERE id = ?",
                (new_path, size, mtime_ns, now, work_id),
            )

    def _upsert(self, path: str, values: tuple[object, ...], now: str) -> int:
        row = query(
            self._db,
            """
            INSERT INTO work (path, size, mtime_ns, sha256, phash, dhash, whash, colorhash, width, height, format,
                              status, reason, reason_code, informative_bits, variant_set, scanned_at, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (path) DO UPDATE SET
                size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
                phash = excluded.phash, dhash = excluded.dhash, whash = excluded.whash,
                colorhash = excluded.colorhash, width = excluded.width, height = excluded.height,
                format = excluded.format, status = excluded.status, reason = excluded.reason,
                reason_code = excluded.reason_code, informative_bits = excluded.informative_bits,
                variant_set = excluded.variant_set, scanned_at = excluded.scanned_at
            RETURNING id
            """,
            (path, *values, now),
        ).fetchone()
        return int(row["id"])
