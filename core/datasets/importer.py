"""Import a dataset's metadata shards into its local index: streamed, resumable shard by shard.

Each record batch is written at once (rows to SQLite, hashes to the index builders' spill runs, each run
recorded under the id "shard:batch"), so a cancelled or crashed import resumes at the shard it was in, with
the same row ordinals. A shard that fails (unreadable file, missing column, network fault) is recorded with
its error and the import goes on; what was imported stays searchable. The hash indexes are finished at the
end of every import; adding or retrying shards later rebuilds them from all shards (a finished index cannot
be extended in place).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from core.catalogue.db import transaction
from core.datasets.shards import HUB_BASE, ShardReader, locate, open_shard
from core.datasets.store import CAPTION_TABLE, DatasetStore, ShardState
from core.errors import Cancelled, TrainTraceError
from core.index.hexparse import ParsedDigests, ParsedPhashes, parse_phash_hex, parse_sha256_hex
from core.index.phash_build import PhashIndexBuilder
from core.index.phash_index import PhashIndex
from core.index.runs import IndexFormatError
from core.index.sha_build import ShaIndexBuilder
from core.index.sha_index import ShaIndex
from core.matching.text import insert_captions
from core.matching.urls import DomainExtractor
from core.net.http import HttpClient
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


class DatasetImporter:
    def __init__(
        self,
        client: HttpClient | None,
        now: Callable[[], str],
        hub_token: str | None = None,
        hub_base: str = HUB_BASE,
        extractor: DomainExtractor | None = None,
    ) -> None:
        self._client = client
        self._now = now
        self._hub_token = hub_token
        self._hub_base = hub_base
        self._extractor = extractor or DomainExtractor()

    def run(self, store: DatasetStore, progress: Progress) -> ImportReport:
        started = time.monotonic()
        rebuilt = self._needs_rebuild(store)
        if rebuilt:
            store.reset_for_rebuild()
        todo = [shard for shard in store.shards() if shard.status != "done"]
        if not todo:  # everything imported already: the finished index stands as it is
            rows = store.row_count()
            return ImportReport(store.descriptor.id, len(store.shards()), (), 0, rows, 0, 0.0, False)
        builders = _Builders(store)
        added = bytes_read = 0
        failed: list[tuple[str, str]] = []
        with progress.step(0.9, "Importing shards") as importing:
            importing.start(len(todo))
            for shard in todo:
                rows, size, error = self._import_shard(store, shard, builders, importing)
                added, bytes_read = added + rows, bytes_read + size
                if error:
                    failed.append((shard.source, error))
                importing.advance(detail=shard.source)
        with progress.step(0.1, "Building the index") as building:
            builders.finish(building)
        done = sum(1 for shard in store.shards() if shard.status == "done")
        return ImportReport(
            store.descriptor.id, done, tuple(failed), added, store.row_count(), bytes_read,
            time.monotonic() - started, rebuilt,
        )  # fmt: skip

    @staticmethod
    def _needs_rebuild(store: DatasetStore) -> bool:
        """Rebuild from all shards when shards failed, when new shards join a finished index, or when the
        index on disk was written in a format this version cannot read."""
        shards = store.shards()
        if _outdated_index(store):
            return True
        pending = any(shard.status in ("pending", "failed") for shard in shards)
        finished = (store.phash_dir / "manifest.json").exists() or (store.sha256_dir / "manifest.json").exists()
        finished = finished and not _has_unfinished_runs(store)
        return pending and (finished or any(shard.status == "failed" for shard in shards))

    def _import_shard(
        self, store: DatasetStore, shard: ShardState, builders: _Builders, progress: Progress
    ) -> tuple[int, int, str | None]:
        """Import one shard; returns (rows, bytes read, error or None). Cancellation propagates."""
        first = shard.first_ordinal if shard.status == "importing" and shard.first_ordinal is not None else None
        first = store.next_ordinal() if first is None else first
        store.begin_shard(shard.seq, first)
        rows = 0
        reader: ShardReader | None = None
        try:
            location = locate(shard.source, self._hub_token, self._hub_base)
            reader = open_shard(location, store.descriptor, self._client, progress)
            for number, batch in enumerate(reader.batches()):
                progress.check_cancelled()
                self._write_batch(store, shard.seq, first + rows, rows, batch, builders, f"{shard.seq}:{number}")
                rows += batch.num_rows
                progress.advance(0, detail=f"{shard.source}: {rows:,} rows, {reader.bytes_read / 1e6:.1f} MB")
        except Cancelled:
            raise
        except TrainTraceError as exc:  # ShardError, NetworkError: this shard fails, the import goes on
            size = reader.bytes_read if reader else 0
            store.end_shard(shard.seq, rows, size, self._now(), error=str(exc))
            return rows, size, str(exc)
        finally:
            if reader is not None:
                reader.close()
        size = reader.bytes_read if reader else 0
        store.end_shard(shard.seq, rows, size, self._now())
        return rows, size, None

    def _write_batch(
        self,
        store: DatasetStore,
        seq: int,
        first_ordinal: int,
        shard_row: int,
        batch: pa.RecordBatch,
        builders: _Builders,
        chunk_id: str,
    ) -> None:
        count = batch.num_rows
        ordinals = np.arange(first_ordinal, first_ordinal + count, dtype=np.int64)
        columns = {name: batch.column(index) for index, name in enumerate(batch.schema.names)}
        phashes = parse_phash_hex(columns["phash"]) if "phash" in columns else None
        digests = parse_sha256_hex(columns["sha256"]) if "sha256" in columns else None
        builders.add(chunk_id, ordinals, phashes, digests)
        urls = _texts(columns.get("url"), count)
        hosts, domains = self._extractor.of_urls(urls) if "url" in columns else ([None] * count, [None] * count)
        captions = _texts(columns.get("text"), count)
        row_ids = _texts(columns.get("row_id"), count)
        hashes = _signed(phashes.values, phashes.valid) if phashes else [None] * count
        sha_text = _texts(pc.utf8_lower(columns["sha256"].cast(pa.string())), count) if digests else [None] * count
        widths, heights = _integers(columns.get("width"), count), _integers(columns.get("height"), count)
        records = [
            (int(ordinals[i]), seq, shard_row + i, row_ids[i] or f"{seq}:{shard_row + i}", urls[i], hosts[i],
             domains[i], captions[i], hashes[i], sha_text[i], widths[i], heights[i])
            for i in range(count)
        ]  # fmt: skip
        with transaction(store.db):
            store.db.executemany("INSERT INTO row VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
            insert_captions(store.db, CAPTION_TABLE, ((r[0], r[7]) for r in records))


class _Builders:
    """The hash index builders a dataset needs, resumed from their spill runs."""

    def __init__(self, store: DatasetStore) -> None:
        kinds = store.descriptor.kinds
        self.phash = PhashIndexBuilder(store.phash_dir) if "phash" in kinds else None
        self.sha256 = ShaIndexBuilder(store.sha256_dir) if "sha256" in kinds else None

    def add(
        self,
        chunk_id: str,
        ordinals: npt.NDArray[np.int64],
        phashes: ParsedPhashes | None,
        digests: ParsedDigests | None,
    ) -> None:
        """Spill one batch's hashes; a batch recorded by an interrupted attempt is not added twice."""
        if self.phash is not None and phashes is not None and chunk_id not in self.phash.completed_chunks:
            self.phash.add(phashes.values[phashes.valid], ordinals[phashes.valid], chunk_id=chunk_id)
        if self.sha256 is not None and digests is not None and chunk_id not in self.sha256.completed_chunks:
            self.sha256.add(digests.digests[digests.valid], ordinals[digests.valid], chunk_id=chunk_id)

    def finish(self, progress: Progress) -> None:
        for builder in (self.phash, self.sha256):
            if builder is not None and builder.rows:
                builder.finish(progress)


def _outdated_index(store: DatasetStore) -> bool:
    for directory, index_type in ((store.phash_dir, PhashIndex), (store.sha256_dir, ShaIndex)):
        if (directory / "manifest.json").exists() and not (directory / "runs").exists():
            try:
                index_type.open(directory)
            except IndexFormatError:
                return True
    return False


def _has_unfinished_runs(store: DatasetStore) -> bool:
    return (store.phash_dir / "runs").exists() or (store.sha256_dir / "runs").exists()


def _texts(column: pa.Array | None, count: int) -> list[str | None]:
    if column is None:
        return [None] * count
    return column.cast(pa.string()).to_pylist()  # type: ignore[no-any-return]


def _integers(column: pa.Array | None, count: int) -> list[int | None]:
    """Width/height columns: integers where the value is a sane one, None otherwise (mirrors store odd types)."""
    if column is None:
        return [None] * count
    values = pc.cast(column, pa.int64(), safe=False) if not pa.types.is_string(column.type) else None
    if values is None:
        return [int(v) if v and v.isdigit() else None for v in column.to_pylist()]
    return values.to_pylist()  # type: ignore[no-any-return]


def _signed(values: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_]) -> list[int | None]:
    signed = values.view(np.int64)
    return [int(value) if ok else None for value, ok in zip(signed.tolist(), valid.tolist(), strict=True)]
