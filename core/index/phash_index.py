"""Exact Hamming range search over a memory-mapped pHash index (built by `phash_build`).

A search plans per-table probe radii (`mih_plan`: sum(t_j + 1) = r + 1, so every neighbour is found), and for
each table enumerates every key within t_j of each query's key, reads the directory runs of those keys, and
verifies each stored row by XOR + popcount on the bits the key does not cover. Matches from tables 1 and 2
are hash values; all are resolved to row ordinals by a vectorised binary search in table 0. The result equals
a brute-force scan. Queries are handled in groups that bound the temporary arrays, and the pages each table
touched are released after it, so resident memory stays a fraction of the index.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from core.errors import UsageError
from core.index.mapped import MappedFile
from core.index.mih_plan import Substring, ball_volume, flip_masks, plan_probes
from core.index.phash_layout import (
    FORMAT_VERSION,
    KIND,
    ORDINALS_FILE,
    REST_BYTES,
    TableLayout,
    directory_dtype,
    rotate_left,
    rotate_right,
)
from core.index.phash_stream import radius_groups
from core.index.runs import read_finished_manifest

MAX_DISTANCE = 16
# Probe keys per group, candidates per verification piece (both bound the temporary arrays).
_PROBES_PER_GROUP = 1 << 20
_CANDIDATES_PER_PIECE = 1 << 17
# One probed key costs about as much as this many verified candidates (two directory reads, bookkeeping).
_KEY_COST = 4.0


class PhashMatches(NamedTuple):
    """Rows within the distance: query `query_idx[i]` matches dataset row `ordinals[i]` at `distances[i]`.

    Sorted by query, then ordinal."""

    query_idx: npt.NDArray[np.int64]
    ordinals: npt.NDArray[np.int64]
    distances: npt.NDArray[np.uint8]


@dataclass
class _Table:
    layout: TableLayout
    rows: int
    directory: npt.NDArray[np.unsignedinteger[Any]]
    rest: npt.NDArray[np.uint64]  # strided 8-byte reads of the 6-byte rows: mask with layout.rest_mask
    files: tuple[MappedFile, MappedFile]


class PhashIndex:
    """A finished pHash index, memory-mapped read-only."""

    def __init__(self, directory: Path, rows: int, tables: list[_Table], ordinals: MappedFile, dtype: str) -> None:
        self.directory = directory
        self.rows = rows
        self._tables = tables
        self._ordinal_file = ordinals
        self._ordinals = ordinals.array(np.dtype(dtype))

    @classmethod
    def open(cls, directory: Path) -> PhashIndex:
        directory = Path(directory)
        manifest = read_finished_manifest(directory, KIND, FORMAT_VERSION, "pHash")
        tables = []
        for index, entry in enumerate(manifest["tables"]):
            layout = TableLayout(rotation=int(entry["rotation"]), key_bits=int(entry["key_bits"]))
            rows = int(entry["rows"])
            dir_file = MappedFile(directory / layout.directory_file(index))
            rest_file = MappedFile(directory / layout.rest_file(index))
            tables.append(
                _Table(
                    layout,
                    rows,
                    dir_file.array(directory_dtype(rows)),
                    rest_file.strided_uint64(rows, REST_BYTES),
                    (dir_file, rest_file),
                )
            )
        ordinals = MappedFile(directory / ORDINALS_FILE)
        return cls(directory, int(manifest["rows"]), tables, ordinals, str(manifest["ordinal_dtype"]))

    @property
    def nbytes(self) -> int:
        """Bytes on disk of the index files."""
        return self._ordinal_file.size + sum(f.size for table in self._tables for f in table.files)

    def search(
        self, queries: npt.ArrayLike, max_distance: int | npt.ArrayLike, threads: int | None = None
    ) -> PhashMatches:
        """Every (query, row) pair with Hamming distance <= `max_distance` (one radius, or one per query: each
        distinct radius is searched as one group), exactly; groups of queries run on `threads` threads (default:
        one per CPU), numpy releasing the GIL in its loops."""
        if not isinstance(max_distance, int | np.integer):
            return self._search_radii(queries, np.asarray(max_distance, np.int64), threads)
        return self._search(queries, int(max_distance), threads)

    def _search_radii(self, queries: npt.ArrayLike, radii: npt.NDArray[np.int64], threads: int | None) -> PhashMatches:
        query_array = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1)
        radii = np.broadcast_to(radii, query_array.shape)
        parts = []
        for radius, indices in radius_groups(radii):
            found = self._search(query_array[indices], radius, threads)
            parts.append(found._replace(query_idx=indices[found.query_idx]))
        if not parts:
            return _no_matches()
        query_idx = np.concatenate([found.query_idx for found in parts])
        ordinals = np.concatenate([found.ordinals for found in parts])
        distances = np.concatenate([found.distances for found in parts])
        order = np.lexsort((ordinals, query_idx))
        return PhashMatches(query_idx[order], ordinals[order], distances[order])

    def _search(self, queries: npt.ArrayLike, max_distance: int, threads: int | None) -> PhashMatches:
        if not 0 <= max_distance <= MAX_DISTANCE:
            raise UsageError(f"max distance must be between 0 and {MAX_DISTANCE}, not {max_distance}")
        query_array = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1)
        if self.rows == 0 or len(query_array) == 0:
            return _no_matches()
        substrings = tuple(Substring(0, t.layout.key_bits) for t in self._tables)
        plan = plan_probes(substrings, max_distance, self.rows, key_cost=_KEY_COST)
        found_queries = []
        found_values = []
        with ThreadPoolExecutor(max_workers=threads or _default_threads()) as pool:
            for table, radius in zip(self._tables, plan.radii, strict=True):
                if radius < 0:
                    continue
                group = max(1, _PROBES_PER_GROUP // ball_volume(table.layout.key_bits, radius))
                work = partial(_probe_group, table, query_array, group, radius, max_distance)
                for found in pool.map(work, range(0, len(query_array), group)):
                    for query_idx, values in found:
                        found_queries.append(query_idx)
                        found_values.append(values)
                table.files[1].release()
        if not found_queries:
            return _no_matches()
        query_idx, values = _unique_pairs(np.concatenate(found_queries), np.concatenate(found_values))
        return self._resolve(query_array, query_idx, values)

    def _resolve(
        self, queries: npt.NDArray[np.uint64], query_idx: npt.NDArray[np.int64], values: npt.NDArray[np.uint64]
    ) -> PhashMatches:
        """Expand matched hash values to every table-0 row holding them, with the row ordinals."""
        table = self._tables[0]
        keys = (values >> np.uint64(table.layout.rest_bits)).view(np.intp)
        rests = values & table.layout.rest_mask
        first = table.directory[keys].astype(np.int64)
        end = table.directory[keys + 1].astype(np.int64)
        low = _bisect(table, rests, first, end, strict=True)
        high = _bisect(table, rests, low, end, strict=False)
        counts = high - low
        positions = np.repeat(low - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        result_queries = np.repeat(query_idx, counts)
        ordinals = self._ordinals[positions].astype(np.int64)
        distances = np.bitwise_count(np.repeat(values, counts) ^ queries[result_queries]).astype(np.uint8)
        order = np.lexsort((ordinals, result_queries))
        table.files[1].release()
        self._ordinal_file.release()
        return PhashMatches(result_queries[order], ordinals[order], distances[order])


def _probe_group(
    table: _Table, all_queries: npt.NDArray[np.uint64], group: int, radius: int, max_distance: int, begin: int
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]]:
    """(query indices, matched hash values) found through one table for queries [begin, begin + group)."""
    queries = all_queries[begin : begin + group]
    layout = table.layout
    masks, weights = flip_masks(layout.key_bits, radius)
    # The key's own flips are charged as set bits above the 48 rest bits, so one popcount gives the distance.
    charges = ((np.uint64(1) << weights.astype(np.uint64)) - np.uint64(1)) << np.uint64(48)
    rotated = rotate_left(queries, layout.rotation)
    probe_keys = ((rotated >> np.uint64(layout.rest_bits))[:, None] ^ masks[None, :]).reshape(-1).view(np.intp)
    first = table.directory[probe_keys].astype(np.int64)
    counts = table.directory[probe_keys + 1].astype(np.int64) - first
    live = np.flatnonzero(counts)
    probe_query = live // len(masks)
    probes = _Probes(
        keys=probe_keys[live].view(np.uint64),
        query=probe_query + begin,
        target=(rotated & layout.rest_mask)[probe_query] | charges[live % len(masks)],
        first=first[live],
        counts=counts[live],
    )
    return _verify(table, probes, max_distance)


@dataclass(frozen=True)
class _Probes:
    keys: npt.NDArray[np.uint64]
    query: npt.NDArray[np.int64]
    target: npt.NDArray[np.uint64]  # the query's rest bits, plus one high bit per flip in the probed key
    first: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]


def _verify(
    table: _Table, probes: _Probes, max_distance: int
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]]:
    """Check every row of the probed runs, in pieces of about `_CANDIDATES_PER_PIECE` candidates."""
    layout = table.layout
    ends = np.cumsum(probes.counts)
    found = []
    piece_begin = 0
    while piece_begin < len(ends):
        already = int(ends[piece_begin - 1]) if piece_begin else 0
        piece_end = max(piece_begin + 1, int(np.searchsorted(ends, already + _CANDIDATES_PER_PIECE, "right")))
        piece = slice(piece_begin, piece_end)
        counts = probes.counts[piece]
        positions = _run_positions(probes.first[piece], counts)
        rest = table.rest[positions] & layout.rest_mask
        distance = np.bitwise_count(rest ^ np.repeat(probes.target[piece], counts))
        hits = np.flatnonzero(distance <= max_distance)
        if len(hits):
            probe = piece_begin + np.searchsorted(ends[piece] - already, hits, side="right")
            rotated = (probes.keys[probe] << np.uint64(layout.rest_bits)) | rest[hits]
            found.append((probes.query[probe], rotate_right(rotated, layout.rotation)))
        piece_begin = piece_end
    return found


def _run_positions(first: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """first[0], first[0] + 1, ..., first[0] + counts[0] - 1, first[1], ...: one cumulative sum of steps."""
    steps = np.ones(int(counts.sum()), dtype=np.int64)
    run_starts = np.cumsum(counts) - counts
    steps[0] = first[0]
    steps[run_starts[1:]] = first[1:] - (first[:-1] + counts[:-1] - 1)
    return np.cumsum(steps, out=steps)


def _default_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _bisect(
    table: _Table,
    targets: npt.NDArray[np.uint64],
    low: npt.NDArray[np.int64],
    high: npt.NDArray[np.int64],
    strict: bool,
) -> npt.NDArray[np.int64]:
    """Per target, the first position in [low, high) of table 0 whose rest is >= target (> target if not
    strict), all targets at once."""
    low = low.copy()
    high = high.copy()
    mask = table.layout.rest_mask
    while True:
        open_ranges = np.flatnonzero(low < high)
        if not len(open_ranges):
            return low
        middle = (low[open_ranges] + high[open_ranges]) // 2
        stored = table.rest[middle] & mask
        target = targets[open_ranges]
        go_right = stored < target if strict else stored <= target
        low[open_ranges] = np.where(go_right, middle + 1, low[open_ranges])
        high[open_ranges] = np.where(go_right, high[open_ranges], middle)


def _unique_pairs(
    query_idx: npt.NDArray[np.int64], values: npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    order = np.lexsort((values, query_idx))
    query_idx, values = query_idx[order], values[order]
    keep = np.ones(len(values), dtype=np.bool_)
    keep[1:] = (query_idx[1:] != query_idx[:-1]) | (values[1:] != values[:-1])
    return query_idx[keep], values[keep]


def _no_matches() -> PhashMatches:
    return PhashMatches(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint8))
