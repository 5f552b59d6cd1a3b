"""Adding a dataset: one streaming pass over its shards' needed columns, matching in flight.

Each shard is read row group by row group (a CSV file is one unit). Every batch goes through the shard pass
(`shard_pass`): its hashes are spilled to the compact index builders and matched against the portfolio, its
URLs and captions prefiltered and matched against the profile, and only the rows that matched are kept. A
row group's hits, its hash pairs and the shard's progress are committed together, so a cancelled or crashed
import resumes at the row group it was in (index chunks already spilled are not spilled twice). A shard that fails
(unreadable file, missing column, a column that holds no hashes, network fault) is recorded with its error
and the import goes on; what was imported stays searchable, and an import that produced nothing says so.

The hashes stay in their spilled runs, unsorted (8 bytes a row for a pHash, 32 for a SHA-256): the pairs the pass
found, with the queries and radius it searched (`core.datasets.hash_pairs`), answer every later match of the same
works; other queries stream the runs (`core.index.run_scan`) until `traintrace dataset index` sorts them into the
indexes. Adding shards to a dataset whose index was built turns the index back into runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from core.datasets.hash_pairs import Cover, PhashPair
from core.datasets.kept_columns import UnitWriter, nothing_to_keep
from core.datasets.provenance import ShardDigest, record_read
from core.datasets.shards import ShardOpener, ShardReader
from core.datasets.store import DatasetStore, HitRow, ShardState
from core.errors import Cancelled, TrainTraceError
from core.index.phash_build import PhashIndexBuilder
from core.index.phash_index import PhashIndex
from core.index.runs import MANIFEST, IndexFormatError, RunStore, read_manifest
from core.index.sha_build import ShaIndexBuilder
from core.index.sha_index import ShaIndex
from core.matching.shard_pass import BatchResult, ShardPass, hit_rows
from core.progress import Progress


@dataclass(frozen=True)
class ImportReport:
    dataset: str
    shards_done: int
    failed: tuple[tuple[str, str], ...]  # (shard, error)
    rows_added: int
    rows_total: int
    bytes_read: int
    elapsed_seconds: float
    rebuilt: bool
    hits_kept: int = 0  # rows kept because something matched in flight
    bytes_on_disk: int = 0
    converted: bool = False  # the dataset was in the pre-streaming format and was converted
    matches_found: int = 0  # matches recorded for this dataset after the pass
    notes: tuple[str, ...] = ()  # one-line notices (the --keep-columns choice)
    kept_bytes: int = 0  # of `bytes_on_disk`: the kept URL/caption columns

    @property
    def produced_nothing(self) -> bool:
        """Nothing of the dataset is searchable: every shard failed or there was none."""
        return self.shards_done == 0


_Key = TypeVar("_Key", np.uint64, np.uint8)


class DatasetImporter:
    def __init__(self, opener: ShardOpener, shard_pass: ShardPass, fingerprint: str, now: Callable[[], str]) -> None:
        """`fingerprint`: the profile fingerprint the pass's URL/caption matching stands for."""
        self._opener = opener
        self._pass = shard_pass
        self._fingerprint = fingerprint
        self._now = now

    def run(self, store: DatasetStore, progress: Progress) -> ImportReport:
        started = time.monotonic()
        rebuilt = self._needs_rebuild(store)
        if rebuilt:
            store.reset_for_rebuild()
        todo = [shard for shard in store.shards() if shard.status != "done"]
        if not todo:  # everything imported already: the finished index stands as it is
            return self._report(store, 0, 0, (), started, False)
        builders = _Builders(store)
        added = bytes_read = 0
        failed: list[tuple[str, str]] = []
        with progress.step(1.0, "Reading shards") as reading:
            reading.start(len(todo))
            for shard in todo:
                rows, size, error = self._import_shard(store, shard, builders, reading)
                added, bytes_read = added + rows, bytes_read + size
                if error:
                    failed.append((shard.source, error))
                reading.advance(detail=shard.source)
        return self._report(store, added, bytes_read, tuple(failed), started, rebuilt)

    def _covers(self, store: DatasetStore) -> list[Cover]:
        """What this pass searches in every row, per hash kind of the dataset."""
        kinds = store.descriptor.kinds
        covers = []
        if "phash" in kinds:  # one cover per radius searched: each claims only what its kernel looked for
            covers += [Cover.phash(queries, radius) for radius, queries in self._pass.searched_phashes()]
        if "sha256" in kinds:
            digests = np.frombuffer(b"".join(self._pass.sha_queries), dtype=np.uint8).reshape(-1, 32)
            covers.append(Cover.sha256(digests))
        return covers

    @staticmethod
    def _report(
        store: DatasetStore, added: int, size: int, failed: tuple[tuple[str, str], ...], started: float, rebuilt: bool
    ) -> ImportReport:
        done = sum(1 for shard in store.shards() if shard.status == "done")
        return ImportReport(
            store.descriptor.id, done, failed, added, store.row_count(), size, time.monotonic() - started, rebuilt,
            store.hit_count(), store.bytes_on_disk(), kept_bytes=store.kept_bytes(),
        )  # fmt: skip

    @staticmethod
    def _needs_rebuild(store: DatasetStore) -> bool:
        """Rebuild from all shards when shards failed (a failed shard's spilled rows would keep the ordinals of
        its failed attempt), when the index on disk was written in a format this version cannot read, or when
        stored hashes are missing or damaged (a later match cannot search them: adding the dataset again reads
        its shards again). New shards joining a built index only turn it back into runs (`RunStore.open`)."""
        if _outdated_index(store) or _damaged_runs(store):
            return True
        return any(shard.status == "failed" for shard in store.shards())

    def _import_shard(
        self, store: DatasetStore, shard: ShardState, builders: _Builders, progress: Progress
    ) -> tuple[int, int, str | None]:
        """Import one shard; returns (rows read now, bytes read, error or None). Cancellation propagates."""
        reader: ShardReader | None = None
        digest: ShardDigest | None = None
        rows_now = 0
        try:
            reader = self._opener.open(shard.source, store.descriptor, progress)
            resuming = shard.status == "importing" and shard.first_ordinal is not None
            if resuming:
                reader.check_unchanged(shard.size, shard.mtime_ns)
            first = shard.first_ordinal if resuming and shard.first_ordinal is not None else store.next_ordinal()
            if not resuming:
                store.begin_shard(shard.seq, first, reader.size, reader.mtime_ns)
                store.pairs.begin_shard(shard.seq, self._covers(store))
            else:
                store.pairs.resume_shard(shard.seq, self._covers(store))
            done_units = shard.units_done if resuming else 0
            rows = shard.rows if resuming else 0
            digest = ShardDigest.of(reader)  # the file's SHA-256, on a thread beside the pass (for the evidence)
            keep = store.keeps_columns() and nothing_to_keep(store.descriptor) is None
            for unit in range(done_units, len(reader.unit_rows())):
                writer = UnitWriter(store.directory, shard.seq, unit) if keep else None
                try:
                    found = self._unit(
                        reader, unit, shard.seq, first, rows, builders, progress, check=unit == done_units, kept=writer
                    )
                    kept = writer.commit() if writer is not None else None  # in place before the unit is committed
                except BaseException:
                    if writer is not None:
                        writer.abandon()
                    raise
                rows += found.rows
                rows_now += found.rows
                store.finish_unit(
                    shard.seq, unit + 1, rows, found.counts, found.hits, found.profile_hits, found.phash_pairs,
                    found.sha_pairs, kept,
                )  # fmt: skip
                progress.advance(0, detail=f"{shard.source}: {rows:,} rows, {reader.bytes_read / 1e6:.1f} MB")
            record_read(store.db, reader, digest.finish(), rows, self._now())
        except Cancelled:
            raise
        except TrainTraceError as exc:  # ShardError, NetworkError: this shard fails, the import goes on
            size = reader.bytes_read if reader else 0
            store.end_shard(shard.seq, store.shard(shard.seq).rows, size, self._now(), None, error=str(exc))
            return rows_now, size, str(exc)
        finally:
            if digest is not None:
                digest.abandon()  # nothing to do once finished
            if reader is not None:
                reader.close()
        store.end_shard(shard.seq, rows, reader.bytes_read, self._now(), self._fingerprint)
        store.pairs.complete_shard(shard.seq)
        return rows_now, reader.bytes_read, None

    def _unit(
        self,
        reader: ShardReader,
        unit: int,
        seq: int,
        first_ordinal: int,
        first_row: int,
        builders: _Builders,
        progress: Progress,
        check: bool,
        kept: UnitWriter | None = None,
    ) -> _UnitFound:
        """Read and match one row group: its rows, the hits to keep, URL/caption hits, hash pairs and hash value
        counts. With `check`, its first batch must show hash columns that hold hashes (else the shard fails).
        With `kept`, every batch read is also written there (the dataset keeps its URL/caption columns)."""
        row = first_row
        hits: list[HitRow] = []
        profile_hits: list[tuple[int, str]] = []
        phash_pairs: list[PhashPair] = []
        sha_pairs: list[tuple[bytes, int, int]] = []
        nulls = bad = 0
        example: str | None = None
        for batch in reader.batches(unit):
            progress.check_cancelled()
            if check:
                self._pass.check(batch, reader.column_names)
                check = False
            if kept is not None:
                kept.write(batch)
            result = self._pass.match(batch)
            ordinals = np.arange(first_ordinal + row, first_ordinal + row + batch.num_rows, dtype=np.int64)
            builders.add(f"{seq}:{unit}", ordinals, result)
            positions = result.hit_positions
            hits += hit_rows(batch, positions, seq, positions + row, first_ordinal)
            profile_hits += [(first_ordinal + row + position, kind) for position, kind in result.profile_hits]
            phash_pairs += self._phash_pairs(result, seq, first_ordinal + row)
            if result.sha_pairs is not None:
                positions, queries = result.sha_pairs
                sha_pairs += [
                    (self._pass.sha_queries[query], first_ordinal + row + position, seq)
                    for position, query in zip(positions.tolist(), queries.tolist(), strict=True)
                ]
            nulls, bad = nulls + result.counts.nulls, bad + result.counts.malformed
            example = example or result.counts.example
            row += batch.num_rows
        builders.flush(f"{seq}:{unit}")
        return _UnitFound(row - first_row, hits, profile_hits, phash_pairs, sha_pairs, (nulls, bad, example))

    def _phash_pairs(self, result: BatchResult, seq: int, first: int) -> list[PhashPair]:
        """The batch's (query pHash, row, distance) pairs, rows as ordinals (`first`: the batch's first row's)."""
        pairs = result.phash_pairs
        if pairs is None or not len(pairs.rows):
            return []
        values = self._pass.phash_queries[pairs.query_idx].tolist()
        return [
            PhashPair(value, first + position, seq, distance)
            for value, position, distance in zip(values, pairs.rows.tolist(), pairs.distances.tolist(), strict=True)
        ]


@dataclass(frozen=True)
class _UnitFound:
    """What one row group of an import found, stored at once with the shard's progress."""

    rows: int
    hits: list[HitRow]
    profile_hits: list[tuple[int, str]]
    phash_pairs: list[PhashPair]
    sha_pairs: list[tuple[bytes, int, int]]
    counts: tuple[int, int, str | None]


class _Builders:
    """The hash index builders a dataset needs, resumed from their spill runs.

    A row group's hashes are spilled as one run (chunk "seq:unit", or "seq:unit:k" for the k-th piece of a unit
    bigger than `SPILL_ROWS`, such as a whole CSV file): few, large runs cost far fewer file syncs than one per
    batch, and a run recorded by an interrupted attempt is never added twice."""

    SPILL_ROWS = 1 << 21

    def __init__(self, store: DatasetStore) -> None:
        kinds = store.descriptor.kinds
        self.phash = PhashIndexBuilder(store.phash_dir) if "phash" in kinds else None
        self.sha256 = ShaIndexBuilder(store.sha256_dir) if "sha256" in kinds else None
        self._phash_parts: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = []
        self._sha_parts: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]] = []
        self._pending_rows = 0
        self._pieces = 0
        self._scratch: dict[str, npt.NDArray[Any]] = {}  # a run's rows joined, reused run after run

    def add(self, unit_id: str, ordinals: npt.NDArray[np.int64], result: BatchResult) -> None:
        """Collect one batch's valid hashes; spill a piece once `SPILL_ROWS` are waiting."""
        phashes, digests = result.phashes, result.digests
        if self.phash is not None and phashes is not None:
            self._phash_parts.append(_valid_rows(phashes.values, ordinals, phashes.valid))
        if self.sha256 is not None and digests is not None:
            self._sha_parts.append(_valid_rows(digests.digests, ordinals, digests.valid))
        self._pending_rows += len(ordinals)
        if self._pending_rows >= self.SPILL_ROWS:
            self._spill(f"{unit_id}:{self._pieces}")
            self._pieces += 1

    def flush(self, unit_id: str) -> None:
        """Spill what the unit left waiting (its only run, unless it was big enough to be split)."""
        self._spill(unit_id if self._pieces == 0 else f"{unit_id}:{self._pieces}")
        self._pieces = 0

    def _spill(self, chunk_id: str) -> None:
        if self.phash is not None and self._phash_parts and chunk_id not in self.phash.completed_chunks:
            self.phash.add(*self._joined("phash", self._phash_parts), chunk_id=chunk_id)
        if self.sha256 is not None and self._sha_parts and chunk_id not in self.sha256.completed_chunks:
            self.sha256.add(*self._joined("sha256", self._sha_parts), chunk_id=chunk_id)
        self._phash_parts, self._sha_parts, self._pending_rows = [], [], 0

    def _joined(
        self, kind: str, parts: list[tuple[npt.NDArray[_Key], npt.NDArray[np.int64]]]
    ) -> tuple[npt.NDArray[_Key], npt.NDArray[np.int64]]:
        """The parts' keys and ordinals, each joined into a buffer kept for the next run (a fresh one would be
        paged in anew for every run: a third of the joining's CPU for 32-byte SHA-256 rows)."""
        keys = self._join(f"{kind} keys", [keys for keys, _ in parts])
        return keys, self._join(f"{kind} ordinals", [ordinals for _, ordinals in parts])

    def _join(self, name: str, arrays: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
        rows = sum(len(array) for array in arrays)
        row_shape, dtype = arrays[0].shape[1:], arrays[0].dtype
        buffer = self._scratch.get(name)
        if buffer is None or buffer.dtype != dtype or buffer.shape[1:] != row_shape or len(buffer) < rows:
            buffer = self._scratch[name] = np.empty((max(rows, self.SPILL_ROWS), *row_shape), dtype)
        return np.concatenate(arrays, out=buffer[:rows])


def _valid_rows(
    keys: npt.NDArray[_Key], ordinals: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[_Key], npt.NDArray[np.int64]]:
    """The rows whose hash parsed; the batch's own arrays when all did (the usual case: a masked copy of a
    batch's 32-byte digests cost 0.3 CPU-s of a 20M-row DataComp add)."""
    if valid.all():
        return keys, ordinals
    return keys[valid], ordinals[valid]


def _outdated_index(store: DatasetStore) -> bool:
    for directory, index_type in ((store.phash_dir, PhashIndex), (store.sha256_dir, ShaIndex)):
        if (directory / "manifest.json").exists() and not (directory / "runs").exists():
            try:
                index_type.open(directory)
            except (IndexFormatError, OSError, ValueError):  # another format, or a file of it missing or cut short
                return True
    return False


def _damaged_runs(store: DatasetStore) -> bool:
    """Some recorded run file of the stored hashes (not sorted into an index yet) is missing or cut short."""
    for directory, kind, dtype, width in (
        (store.phash_dir, "phash", np.uint64, 1),
        (store.sha256_dir, "sha256", np.uint8, 32),
    ):
        if not (directory / MANIFEST).exists():
            continue
        try:
            manifest = read_manifest(directory)
        except IndexFormatError:
            return True
        if manifest.get("state") == "building" and RunStore.read(directory, kind, dtype, width).unreadable():
            return True
    return False
