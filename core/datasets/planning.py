"""What adding a dataset will cost, before it starts: rows, bytes to read, disk, and whether the disk has room.

Only every row's hash and the hits stay on disk, so the disk a dataset takes follows from its row count and its
match kinds: `dataset add` keeps the hashes in unsorted runs (`*_RUN_BYTES` a row); `dataset index` sorts them
into the compact indexes (the pHash index about `PHASH_INDEX_BYTES` a row, the SHA-256 index about
`SHA256_INDEX_BYTES`), with the runs beside the index until it is written. The
bytes to read are the compressed sizes of the mapped columns' chunks, from each shard's Parquet footer (a
remote footer costs two small range requests; nothing else is downloaded). Keeping the URL/caption columns
(`dataset add --keep-columns`) takes about their compressed size in the shards: an estimate from the footers,
since the kept files are written anew (zstd) from the decoded columns.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from core.datasets.descriptors import Descriptor
from core.datasets.kept_columns import nothing_to_keep
from core.datasets.shards import ShardOpener
from core.errors import TrainTraceError, UsageError

PHASH_INDEX_BYTES = 22
# A run row: the hash, its ordinal stored as part of its row group's span (a run of mostly null or malformed
# hashes stores each ordinal: up to 8 bytes more a stored row, core.index.runs).
PHASH_RUN_BYTES = 8
SHA256_INDEX_BYTES = 44
SHA256_RUN_BYTES = 32
STATE_BYTES = 1 << 20  # the state database, descriptor and manifests: small, whatever the row count


@dataclass(frozen=True)
class DatasetPlan:
    descriptor: Descriptor
    shards: int | None  # None when the shards could not be listed
    rows: int | None  # from the footers, or the descriptor's published count
    read_bytes: int | None  # compressed bytes of the needed columns (None: unknown, see `read_error`)
    read_error: str | None
    disk_bytes: int | None  # what stays on disk once added (hash runs and state; hits are few)
    peak_disk_bytes: int | None  # while `dataset index` builds the index
    free_bytes: int
    # Disk the kept URL/caption columns would take with --keep-columns (an estimate from the footers' compressed
    # sizes of the mapped columns); None when unknown or when the dataset has no URL/caption column.
    kept_columns_bytes: int | None = None

    @property
    def fits(self) -> bool | None:
        """Whether the disk has room for adding it (building the index later needs `peak_disk_bytes`)."""
        return None if self.disk_bytes is None else self.disk_bytes <= self.free_bytes


def disk_estimate(descriptor: Descriptor, rows: int) -> tuple[int, int]:
    """(bytes kept once added, peak bytes while `dataset index` builds the index) for `rows` rows of a dataset
    with these match kinds."""
    kept = peak = STATE_BYTES
    if "phash" in descriptor.kinds:
        kept += rows * PHASH_RUN_BYTES
        peak += rows * (PHASH_INDEX_BYTES + PHASH_RUN_BYTES)
    if "sha256" in descriptor.kinds:
        kept += rows * SHA256_RUN_BYTES
        peak += rows * (SHA256_INDEX_BYTES + SHA256_RUN_BYTES)
    return kept, peak


def footer_totals(
    opener: ShardOpener, descriptor: Descriptor, sources: Sequence[str], skip_unreadable: bool = False
) -> tuple[int, int]:
    """(rows, compressed bytes of the mapped columns) summed over the shards' Parquet footers; with
    `skip_unreadable`, a shard whose footer cannot be read counts as empty (the import reports it)."""
    wanted = {column.lower() for column in descriptor.columns.values()}
    rows = size = 0
    for source in sources:
        try:
            rows_here, size_here = _footer_totals(opener, descriptor, source, wanted)
        except TrainTraceError:
            if not skip_unreadable:
                raise
            rows_here = size_here = 0
        rows, size = rows + rows_here, size + size_here
    return rows, size


def _footer_totals(opener: ShardOpener, descriptor: Descriptor, source: str, wanted: set[str]) -> tuple[int, int]:
    reader = opener.open(source, descriptor)
    try:
        if reader.is_csv:
            return 0, reader.size
        return _parquet_totals(reader.parquet_metadata(), wanted)
    finally:
        reader.close()


def _parquet_totals(metadata: pq.FileMetaData, wanted: set[str]) -> tuple[int, int]:
    size = 0
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for index in range(row_group.num_columns):
            column = row_group.column(index)
            if column.path_in_schema.lower() in wanted:
                size += column.total_compressed_size
    return metadata.num_rows, size


def plan(descriptor: Descriptor, sources: Callable[[], list[str]], opener: ShardOpener, directory: Path) -> DatasetPlan:
    """The plan for adding `descriptor` from the shards `sources()` lists (which may need the network)."""
    shards: list[str] | None = None
    rows, read_bytes, error = descriptor.rows, None, None
    try:
        shards = sources()
        rows, read_bytes = footer_totals(opener, descriptor, shards)
    except (TrainTraceError, OSError) as exc:
        error = str(exc)
    kept, peak = disk_estimate(descriptor, rows) if rows is not None else (None, None)
    kept_columns = read_bytes if nothing_to_keep(descriptor) is None else None
    return DatasetPlan(descriptor, len(shards) if shards is not None else None, rows, read_bytes, error, kept, peak,
                       free_space(directory), kept_columns)  # fmt: skip


OFFLINE_NOTE = "not measured: it needs the shards' footers, read over the network"


def estimate(descriptor: Descriptor, directory: Path) -> DatasetPlan:
    """The plan without the network: the published row count and the disk it implies; the bytes to read stay
    unknown (`read_error` says why) until `plan` reads the footers."""
    rows = descriptor.rows
    kept, peak = disk_estimate(descriptor, rows) if rows is not None else (None, None)
    return DatasetPlan(descriptor, None, rows, None, OFFLINE_NOTE, kept, peak, free_space(directory))


def free_space(directory: Path) -> int:
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return shutil.disk_usage(existing).free


KEPT_SAMPLE = 16  # shard footers read for the kept columns' estimate


def kept_columns_estimate(opener: ShardOpener, descriptor: Descriptor, sources: Sequence[str]) -> int:
    """Disk the kept URL/caption columns of `sources` will take (an estimate: the mapped columns' compressed size
    in the footers of up to `KEPT_SAMPLE` shards spread over the list, scaled to all; unreadable ones skipped)."""
    if not sources or nothing_to_keep(descriptor) is not None:
        return 0
    step = max(1, len(sources) // KEPT_SAMPLE)
    sample = list(sources[::step])[:KEPT_SAMPLE]
    wanted = {column.lower() for column in descriptor.columns.values()}
    sizes = []
    for source in sample:
        try:
            sizes.append(_footer_totals(opener, descriptor, source, wanted)[1])
        except TrainTraceError:
            continue
    return int(sum(sizes) / len(sizes) * len(sources)) if sizes else 0


def check_room(descriptor: Descriptor, rows: int, directory: Path, kept_columns: int = 0) -> None:
    """Refuse to start an import the disk cannot hold (`kept_columns`: the estimate for --keep-columns)."""
    kept, _ = disk_estimate(descriptor, rows)
    kept += kept_columns
    free = free_space(directory)
    if kept > free:
        with_kept = (
            f", {kept_columns / 1e9:.1f} GB of it the kept URL/caption columns (estimate)" if kept_columns else ""
        )
        raise UsageError(
            f"adding {descriptor.name} ({rows:,} rows) needs about {kept / 1e9:.1f} GB of free disk{with_kept},"
            f" and {free / 1e9:.1f} GB are free in {directory}; free some space or use --data-dir on a larger disk"
        )
