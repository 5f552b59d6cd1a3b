"""What the evidence report says about each shard a dataset was read from: its size, its SHA-256 and how that
digest was obtained, where a Hub shard came from (repository, revision, commit), its row groups and the names of
its columns (for the report's reproduce-it recipes).

Kept in the dataset's `state.sqlite3`, table `shard_provenance`, one row per shard source, apart from the import
state so that the import and its evidence evolve separately.

How each digest is obtained, and what it costs:
- A local file is hashed whole while the import reads it: `ShardDigest` reads the file sequentially in 8 MiB
  blocks on its own thread, beside the pass (hashlib releases the GIL, so it runs on another core), and the
  digest is kept only if the file kept the size and modification time the import saw. The pass itself reads
  only the needed columns, so the hash reads the rest of the file too (from the page cache for the columns the
  pass just read). Measured in bench/bench_dataset_add.py (see its note).
- A Hub file is not downloaded whole (only the needed columns' byte ranges are), so its digest cannot be
  computed in flight; the Hub publishes it instead (its Git LFS object id at the pinned commit: see
  core.datasets.hub), and it is labelled as published by the Hub.
- A file on another web server or object store gets no digest for the same reason; its size and the server's
  validators (ETag, Last-Modified) are kept.
- A local shard imported by an older version is hashed when a report is made (`complete`), if it still has the
  size and modification time it had when it was imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from core.catalogue.db import transaction
from core.datasets.descriptors import Descriptor
from core.datasets.hub import HubFile
from core.datasets.shards import ShardOpener, ShardReader
from core.datasets.store import ShardState
from core.errors import TrainTraceError
from core.progress import Progress

READ = "read"  # hashed whole by TrainTrace while the import read the file
AT_REPORT = "report"  # hashed by TrainTrace when a report was made; the file had its import-time size and mtime
HUB = "hub"  # published by the Hugging Face Hub (Git LFS object id) for the file at the pinned commit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shard_provenance (
    source        TEXT PRIMARY KEY,
    size          INTEGER,
    mtime_ns      INTEGER,
    sha256        TEXT,
    sha256_how    TEXT,
    row_groups    TEXT,
    columns       TEXT,
    file_format   TEXT,
    hub_repo      TEXT,
    hub_revision  TEXT,
    hub_commit    TEXT,
    hub_path      TEXT,
    etag          TEXT,
    last_modified TEXT,
    recorded_at   TEXT
)
"""
_COLUMNS = (
    "source", "size", "mtime_ns", "sha256", "sha256_how", "row_groups", "columns", "file_format", "hub_repo",
    "hub_revision", "hub_commit", "hub_path", "etag", "last_modified", "recorded_at",
)  # fmt: skip


@dataclass(frozen=True)
class ShardProvenance:
    source: str
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    sha256_how: str | None = None  # READ, AT_REPORT or HUB
    row_groups: tuple[int, ...] | None = None  # rows per Parquet row group (one unit for a CSV file)
    columns: Mapping[str, str] | None = None  # TrainTrace field -> the column as the shard names it
    file_format: str | None = None  # "parquet" or "csv"
    hub_repo: str | None = None
    hub_revision: str | None = None  # what was asked for ("main")
    hub_commit: str | None = None  # what it pointed to when the dataset was added
    hub_path: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    recorded_at: str | None = None

    def locate(self, row: int) -> tuple[int, int] | None:
        """(row group, row inside it) of the shard's `row` (0-based), or None when the row groups are unknown."""
        if self.row_groups is None:
            return None
        ends = list(accumulate(self.row_groups))
        group = bisect_right(ends, row)
        if group >= len(ends):
            return None
        return group, row - (ends[group - 1] if group else 0)


def ensure_table(db: sqlite3.Connection) -> None:
    db.execute(_SCHEMA)


def load(db: sqlite3.Connection) -> dict[str, ShardProvenance]:
    ensure_table(db)
    found = {}
    for row in db.execute(f"SELECT {', '.join(_COLUMNS)} FROM shard_provenance"):
        values = dict(zip(_COLUMNS, row, strict=True))
        values["row_groups"] = tuple(json.loads(values["row_groups"])) if values["row_groups"] else None
        values["columns"] = json.loads(values["columns"]) if values["columns"] else None
        found[values["source"]] = ShardProvenance(**values)
    return found


def _upsert(db: sqlite3.Connection, source: str, values: Mapping[str, object]) -> None:
    names = ", ".join(values)
    marks = ", ".join("?" * len(values))
    updates = ", ".join(f"{name} = excluded.{name}" for name in values)
    db.execute(
        f"INSERT INTO shard_provenance (source, {names}) VALUES (?, {marks})"
        f" ON CONFLICT (source) DO UPDATE SET {updates}",
        (source, *values.values()),
    )


def record_hub(db: sqlite3.Connection, files: Mapping[str, HubFile]) -> None:
    """What the Hub says of each shard (source -> its file at the pinned commit)."""
    ensure_table(db)
    with transaction(db):
        for source, file in files.items():
            values = {"hub_repo": file.repo, "hub_revision": file.revision, "hub_commit": file.commit,
                      "hub_path": file.path}  # fmt: skip
            if file.sha256:
                values |= {"sha256": file.sha256, "sha256_how": HUB}
            _upsert(db, source, values)


def record_read(db: sqlite3.Connection, reader: ShardReader, sha256: str | None, rows: int, now: str) -> None:
    """What one import of a shard saw: its size (and mtime), units, column names, digest and validators
    (`rows`: the shard's rows, which a CSV file, one unit, tells only once read)."""
    ensure_table(db)
    values: dict[str, object] = {
        "size": reader.size, "mtime_ns": reader.mtime_ns, "file_format": "csv" if reader.is_csv else "parquet",
        "row_groups": json.dumps([rows] if reader.is_csv else reader.unit_rows()),
        "columns": json.dumps(reader.column_names, sort_keys=True), "recorded_at": now,
        **reader.validators,
    }  # fmt: skip
    if reader.mtime_ns is not None:  # a local file: this read's digest replaces any earlier one, even with none
        values |= {"sha256": sha256, "sha256_how": READ if sha256 else None}
    with transaction(db):
        _upsert(db, reader.location.source, values)


class ShardDigest:
    """The SHA-256 of a local shard file, computed on a thread while the import reads the file.

    `finish()` returns the digest, or None when the file changed (size or modification time) while it was
    hashed, could not be read, or the shard is not a local file."""

    BLOCK = 8 << 20

    def __init__(self, path: str | None, size: int, mtime_ns: int | None) -> None:
        self._stop = threading.Event()
        self._result: str | None = None
        self._thread: threading.Thread | None = None
        if path is not None and mtime_ns is not None:
            self._thread = threading.Thread(
                target=self._run, args=(path, size, mtime_ns), name="shard-sha256", daemon=True
            )
            self._thread.start()

    @classmethod
    def of(cls, reader: ShardReader) -> ShardDigest:
        local = reader.location.url is None and reader.mtime_ns is not None
        return cls(reader.location.source if local else None, reader.size, reader.mtime_ns)

    def _run(self, path: str, size: int, mtime_ns: int) -> None:
        self._result = file_sha256(path, (size, mtime_ns), self._stop.is_set)

    def finish(self) -> str | None:
        if self._thread is not None:
            self._thread.join()
        return self._result

    def abandon(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def file_sha256(path: str, expected: tuple[int, int], stop: Callable[[], bool] = lambda: False) -> str | None:
    """SHA-256 of the file at `path` if it has, before and after, the (size, mtime_ns) `expected`; else None."""
    try:
        with open(path, "rb", buffering=0) as handle:
            if _identity(handle) != expected:
                return None
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            digest = hashlib.sha256()
            buffer = bytearray(ShardDigest.BLOCK)
            view = memoryview(buffer)
            total = 0
            while not stop():
                count = handle.readinto(buffer)
                if not count:
                    break
                digest.update(view[:count])
                total += count
            if stop() or total != expected[0] or _identity(handle) != expected:
                return None
            return digest.hexdigest()
    except OSError:
        return None


def _identity(handle: object) -> tuple[int, int]:
    stat = os.fstat(handle.fileno())  # type: ignore[attr-defined]
    return stat.st_size, stat.st_mtime_ns


def complete(
    db: sqlite3.Connection,
    shards: list[ShardState],
    opener: ShardOpener,
    descriptor: Descriptor,
    now: str,
    progress: Progress,
) -> None:
    """Fill in what an import by an older version did not record, for local shards still as they were imported:
    the SHA-256 (labelled as computed when the report was made), row groups and column names."""
    known = load(db)
    todo = [
        shard for shard in shards
        if shard.status == "done" and "://" not in shard.source and shard.size is not None and shard.mtime_ns
        and _incomplete(known.get(shard.source))
    ]  # fmt: skip
    progress.start(len(todo), "Recording the dataset files' SHA-256")
    for shard in todo:
        progress.check_cancelled()
        assert shard.size is not None and shard.mtime_ns is not None
        digest = file_sha256(shard.source, (shard.size, shard.mtime_ns), lambda: progress.cancelled)
        if digest is not None:
            _complete_one(db, shard, opener, descriptor, digest, now)
        progress.advance(detail=Path(shard.source).name)


def _incomplete(provenance: ShardProvenance | None) -> bool:
    return provenance is None or provenance.sha256 is None or provenance.columns is None


def _complete_one(
    db: sqlite3.Connection, shard: ShardState, opener: ShardOpener, descriptor: Descriptor, digest: str, now: str
) -> None:
    try:
        reader = opener.open(shard.source, descriptor)
    except TrainTraceError:
        return
    try:
        for _ in reader.batches(0, batch_rows=1):  # the first batch names the shard's own columns
            break
        record_read(db, reader, None, shard.rows, now)
    except TrainTraceError:
        return
    finally:
        reader.close()
    with transaction(db):
        _upsert(db, shard.source, {"sha256": digest, "sha256_how": AT_REPORT})
