"""Kept columns (`dataset add --keep-columns`): a local Parquet copy of the columns a URL/caption re-pass reads.

After a profile change the URL/caption hits of every shard are stale and `ProfileRepass` streams the shards
again; for remote shards that is the URL and caption columns downloaded again (LAION-2B: 100+ GB). A dataset
that keeps its columns writes, during the import pass and from the batches that pass reads anyway, one Parquet
file per shard unit (row group) under `<dataset>/kept/`, holding exactly the projected columns the pass read
(row id, URL, caption, published hashes, width, height): a re-pass from them finds the very hits the shard gives.

A unit's file is written under a temporary name and renamed before the unit is committed (`store.finish_unit`
records its rows, bytes and schema), so an interrupted import never trusts a half-written file: the unit is
written again when the import resumes. Before a re-pass uses a shard's files, each is checked against what
was recorded (present, opens, same row count and schema); anything else and the shard itself is read.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core.datasets.descriptors import Descriptor
from core.errors import TrainTraceError

KEPT_DIR = "kept"
TEXT_FIELDS = frozenset({"url", "text"})
# zstd without dictionaries or statistics: for 2M COYO-shaped rows 119 MB written in 1.3-1.4 CPU-s (zstd with
# pyarrow's defaults: 127 MB, 1.7-2.1 CPU-s; snappy: 194-202 MB, 0.9-1.3 CPU-s), and the fastest to read back.
_WRITE_OPTIONS: dict[str, object] = {"compression": "zstd", "use_dictionary": False, "write_statistics": False}
_BATCH_ROWS = 65_536


class KeptColumnsError(TrainTraceError):
    """A kept unit file cannot be written or read."""


@dataclass(frozen=True)
class KeptUnit:
    """A unit's kept file as recorded when it was committed."""

    unit: int
    rows: int
    nbytes: int
    schema: str  # `schema_text` of what was written ("" for a unit without rows: no file)


def nothing_to_keep(descriptor: Descriptor) -> str | None:
    """Why a dataset has nothing to keep (no URL or caption matching, or no such column), or None."""
    if not TEXT_FIELDS & set(descriptor.kinds) or not TEXT_FIELDS & set(descriptor.columns):
        return (
            f"dataset {descriptor.id} has no URL or caption column: its hashes are matched from the local index,"
            " so --keep-columns has nothing to keep"
        )
    return None


def unit_path(directory: Path, seq: int, unit: int) -> Path:
    """Where shard `seq`'s unit `unit` is kept (`directory`: the dataset's)."""
    return directory / KEPT_DIR / f"shard-{seq:06d}" / f"unit-{unit:06d}.parquet"


def schema_text(schema: pa.Schema) -> str:
    return str(schema.to_string(show_field_metadata=False, show_schema_metadata=False))


def drop_shard(directory: Path, seq: int) -> int:
    """Delete shard `seq`'s kept files (written or half-written); returns the bytes freed."""
    return _remove(directory / KEPT_DIR / f"shard-{seq:06d}")


def drop_all(directory: Path) -> int:
    """Delete every kept file of the dataset; returns the bytes freed."""
    return _remove(directory / KEPT_DIR)


def kept_bytes(directory: Path) -> int:
    return _size(directory / KEPT_DIR)


def _size(folder: Path) -> int:
    return files_size(folder) if folder.exists() else 0


def files_size(folder: Path) -> int:
    """Bytes of the files under `folder`; a file renamed or deleted meanwhile (an import writing a unit while the
    app lists its datasets) is skipped."""
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except FileNotFoundError:
            continue
    return total


def _remove(folder: Path) -> int:
    freed = _size(folder)
    if folder.exists():
        shutil.rmtree(folder)
    return freed


class UnitWriter:
    """Writes one unit's batches to its temporary file; `commit` renames it into place once complete."""

    def __init__(self, directory: Path, seq: int, unit: int) -> None:
        self._final = unit_path(directory, seq, unit)
        self._temp = self._final.with_name(self._final.name + ".tmp")
        self._unit = unit
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        try:
            if self._writer is None:
                self._final.parent.parent.mkdir(exist_ok=True, mode=0o700)  # private, like the rest of the data
                self._final.parent.mkdir(exist_ok=True, mode=0o700)
                self._schema = batch.schema
                self._writer = pq.ParquetWriter(self._temp, batch.schema, **_WRITE_OPTIONS)
            self._writer.write_batch(batch)
        except (OSError, pa.ArrowException) as exc:
            self.abandon()
            raise KeptColumnsError(f"cannot keep the columns in {self._temp}: {exc}") from exc
        self._rows += batch.num_rows

    def commit(self) -> KeptUnit:
        """Close, sync and rename the file into place; returns what to record with the unit."""
        if self._writer is None or self._schema is None:  # a unit without rows: nothing to read back
            self._final.unlink(missing_ok=True)
            return KeptUnit(self._unit, 0, 0, "")
        try:
            self._writer.close()
            self._writer = None
            with open(self._temp, "rb") as written:
                os.fchmod(written.fileno(), 0o600)
                os.fsync(written.fileno())
            os.replace(self._temp, self._final)
            size = self._final.stat().st_size
        except OSError as exc:
            self.abandon()
            raise KeptColumnsError(f"cannot keep the columns in {self._final}: {exc}") from exc
        return KeptUnit(self._unit, self._rows, size, schema_text(self._schema))

    def abandon(self) -> None:
        """Drop the half-written file (cancelled, or the shard failed)."""
        if self._writer is not None:
            try:
                self._writer.close()
            except (OSError, pa.ArrowException):
                pass
            self._writer = None
        self._temp.unlink(missing_ok=True)


class KeptShard:
    """A shard's kept units, read instead of the shard by a URL/caption re-pass (same batches' columns)."""

    def __init__(self, directory: Path, seq: int, units: list[KeptUnit]) -> None:
        self._directory = directory
        self._seq = seq
        self._units = units

    @classmethod
    def open(cls, directory: Path, seq: int, units: list[KeptUnit], unit_count: int, rows: int) -> KeptShard:
        """The shard's kept files, once each is checked against its record: all `unit_count` units recorded, the
        files present, opening, with the recorded schema and row count, `rows` in all. Raises KeptColumnsError
        saying what is wrong."""
        by_unit = {unit.unit: unit for unit in units}
        missing = [unit for unit in range(unit_count) if unit not in by_unit]
        if missing:
            raise KeptColumnsError(f"{len(missing)} of its {unit_count} row group(s) were not kept")
        ordered = [by_unit[unit] for unit in range(unit_count)]
        if sum(unit.rows for unit in ordered) != rows:
            raise KeptColumnsError(f"the kept row groups hold {sum(u.rows for u in ordered):,} rows, not {rows:,}")
        for unit in ordered:
            if unit.rows == 0:
                continue
            path = unit_path(directory, seq, unit.unit)
            try:
                metadata = pq.read_metadata(path)
                schema = metadata.schema.to_arrow_schema()
            except FileNotFoundError as exc:
                raise KeptColumnsError(f"row group {unit.unit}'s file is missing") from exc
            except (OSError, pa.ArrowException) as exc:
                raise KeptColumnsError(f"row group {unit.unit}'s file is unreadable ({exc})") from exc
            if schema_text(schema) != unit.schema:
                raise KeptColumnsError(f"row group {unit.unit}'s file holds columns of another layout than written")
            if metadata.num_rows != unit.rows:
                raise KeptColumnsError(
                    f"row group {unit.unit}'s file holds {metadata.num_rows:,} rows, not {unit.rows:,}"
                )
        return cls(directory, seq, ordered)

    def unit_rows(self) -> list[int]:
        return [unit.rows for unit in self._units]

    def batches(self, unit: int) -> Iterator[pa.RecordBatch]:
        if self._units[unit].rows == 0:
            return
        path = unit_path(self._directory, self._seq, unit)
        try:
            parquet = pq.ParquetFile(path)
            try:
                yield from parquet.iter_batches(batch_size=_BATCH_ROWS, use_threads=False)
            finally:
                parquet.close()
        except (OSError, pa.ArrowException) as exc:
            raise KeptColumnsError(f"row group {unit}'s file is unreadable ({exc})") from exc
