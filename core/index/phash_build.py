"""Streamed, resumable build of the pHash index (layout in `phash_layout`).

`add` spills each chunk as a run (8-16 bytes a row on disk, nothing kept in memory). `finish` builds each table
in key-range buckets: a distribution pass splits the runs by the top bits of the rotated hashes into scratch
files of about `SLAB_ROWS / 2` rows, then each bucket is read, sorted and appended to the table file. Each row
is read twice per table whatever the size; peak memory is one bucket plus a directory, far below the final
index for big indexes; the runs are deleted at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.index.mapped import MappedFile
from core.index.phash_layout import (
    FORMAT_VERSION,
    KIND,
    ORDINALS_FILE,
    REST_BYTES,
    REST_PADDING,
    SUBSTRING_COUNT,
    TableLayout,
    directory_dtype,
    ordinal_dtype,
    rotate_left,
    table_layouts,
)
from core.index.runs import READ_ROWS, SCRATCH_DIR, RunStore, bucket_bits, bucketed, read_manifest, write_manifest
from core.progress import Progress

SLAB_ROWS = 1 << 22  # rows a build sorts in memory at once: buckets of about 2M rows keep the peak near 0.1 GB


class PhashIndexBuilder:
    """Collects (pHash, ordinal) chunks into `directory`; `finish()` turns them into a `PhashIndex`.

    Opening a directory with an unfinished build resumes it: `completed_chunks` tells which chunk ids (for
    instance shard names) were already added, so the importer skips them. Opening a finished index turns it
    back into a run, so later shards can be added (the next `finish` rebuilds the tables).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._runs = RunStore.open(self.directory, KIND, np.uint64, 1, _FinishedPhashIndex())

    @property
    def completed_chunks(self) -> frozenset[str]:
        return frozenset(self._runs.chunks)

    @property
    def rows(self) -> int:
        return self._runs.rows

    def add(self, hashes: npt.ArrayLike, ordinals: npt.ArrayLike, chunk_id: str | None = None) -> None:
        """Add one chunk: `hashes[i]` (uint64) is the pHash of dataset row `ordinals[i]` (int64 >= 0)."""
        hash_array = np.ascontiguousarray(hashes, dtype=np.uint64).reshape(-1)
        self._runs.add(KIND, hash_array, ordinals, chunk_id)

    def finish(self, progress: Progress | None = None) -> None:
        """Build the tables from the runs, write the final manifest and delete the runs."""
        progress = progress or Progress()
        layouts = table_layouts(self._runs.rows)
        progress.start(len(layouts), "building the pHash index")
        table_rows = []
        for index, layout in enumerate(layouts):
            progress.check_cancelled()
            table_rows.append(self._build_table(index, layout))
            progress.advance(1)
        ordinals = ordinal_dtype(self._runs.max_ordinal)
        write_manifest(self.directory, _final_manifest(self._runs, layouts, table_rows, ordinals))
        self._runs.remove()

    def _build_table(self, index: int, layout: TableLayout) -> int:
        """Write table `index` slab by slab; returns its row count."""
        keep_ordinals = index == 0
        counts = np.zeros(1 << layout.key_bits, dtype=np.int64)
        written = 0
        with (
            open(self.directory / layout.rest_file(index), "wb") as rest_out,
            open(self.directory / ORDINALS_FILE, "wb") if keep_ordinals else _NoFile() as ordinals_out,
        ):
            for values, ordinals in self._sorted_slabs(layout, keep_ordinals):
                counts += np.bincount((values >> np.uint64(layout.rest_bits)).view(np.intp), minlength=len(counts))
                rest = (values & layout.rest_mask).astype("<u8")
                rest_out.write(rest.view(np.uint8).reshape(-1, 8)[:, :REST_BYTES].tobytes())
                if ordinals is not None:
                    ordinals_out.write(ordinals.astype(ordinal_dtype(self._runs.max_ordinal)).tobytes())
                written += len(values)
            rest_out.write(bytes(REST_PADDING))
        starts = np.zeros(len(counts) + 1, dtype=directory_dtype(written))
        np.cumsum(counts, out=starts[1:])
        starts.tofile(self.directory / layout.directory_file(index))
        return written

    def _sorted_slabs(
        self, layout: TableLayout, keep_ordinals: bool
    ) -> Iterator[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64] | None]]:
        """The rotated hashes in key order, one bucket of the top bits at a time, each sorted (table 0: with
        ordinals, other tables: distinct values only)."""
        bits = bucket_bits(self._runs.rows, SLAB_ROWS)

        def bucket_of(hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
            return (rotate_left(hashes, layout.rotation) >> np.uint64(64 - bits)).view(np.intp)

        for hashes, ordinals in bucketed(self._runs, bucket_of, bits, self.directory / SCRATCH_DIR, keep_ordinals):
            values = rotate_left(hashes, layout.rotation)
            if not keep_ordinals:
                values.sort()
                distinct = np.ones(len(values), dtype=np.bool_)
                distinct[1:] = values[1:] != values[:-1]
                yield values[distinct], None
                continue
            assert ordinals is not None
            order = argsort_uint64(values)
            yield values[order], ordinals[order]


def argsort_uint64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """np.argsort for uint64, several times faster: sort (high bits | row index) packed in one uint64, then
    re-sort by the full value the few runs whose high bits tie (numpy's argsort has no fast path on AVX2)."""
    count = len(values)
    index_bits = max(1, (count - 1).bit_length())
    if index_bits > 32:
        return np.argsort(values)
    index_mask = np.uint64((1 << index_bits) - 1)
    packed = (values & ~index_mask) | np.arange(count, dtype=np.uint64)
    packed.sort()
    order = (packed & index_mask).astype(np.intp)
    high = values[order] >> np.uint64(index_bits)
    tied = np.flatnonzero(high[1:] == high[:-1])
    if len(tied):
        members = np.zeros(count, dtype=np.bool_)
        members[tied] = True
        members[tied + 1] = True
        positions = np.flatnonzero(members)
        rows = order[positions]
        order[positions] = rows[np.lexsort((values[rows], high[positions]))]
    return order


class _FinishedPhashIndex:
    """Reads the rows of a finished index back from table 0 (every row, in hash order, with its ordinal)."""

    files: tuple[str, ...] = (
        *(name for i in range(SUBSTRING_COUNT) for name in (f"table{i}.rest.bin", f"table{i}.dir.bin")),
        ORDINALS_FILE,
    )

    def rows(self, directory: Path) -> Iterator[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]]:
        manifest = read_manifest(directory)
        entry = manifest["tables"][0]
        layout = TableLayout(rotation=int(entry["rotation"]), key_bits=int(entry["key_bits"]))
        count = int(entry["rows"])
        starts = np.fromfile(directory / layout.directory_file(0), dtype=directory_dtype(count))
        rest = MappedFile(directory / layout.rest_file(0)).strided_uint64(count, REST_BYTES)
        ordinals = MappedFile(directory / ORDINALS_FILE).array(np.dtype(manifest["ordinal_dtype"]))
        for begin in range(0, count, READ_ROWS):
            positions = np.arange(begin, min(count, begin + READ_ROWS))
            keys = (np.searchsorted(starts, positions, side="right") - 1).astype(np.uint64)
            values = (keys << np.uint64(layout.rest_bits)) | (rest[positions] & layout.rest_mask)
            yield rotate_left(values, -layout.rotation % 64), ordinals[positions].astype(np.int64)


class _NoFile:
    """Stands in for a file that this table does not write."""

    def __enter__(self) -> Any:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _final_manifest(
    runs: RunStore, layouts: tuple[TableLayout, ...], table_rows: list[int], ordinals: np.dtype[Any]
) -> dict[str, Any]:
    return {
        "kind": KIND,
        "state": "finished",
        "version": FORMAT_VERSION,
        "rows": runs.rows,
        "chunks": runs.chunks,
        "ordinal_dtype": ordinals.str,
        "tables": [
            {"rotation": layout.rotation, "key_bits": layout.key_bits, "rows": rows}
            for layout, rows in zip(layouts, table_rows, strict=True)
        ],
    }
