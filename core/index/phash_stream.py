"""Match a small set of query pHashes against a stream of dataset rows, with no index on disk.

For a one-off check of a whole remote shard. The query set is small, so it is the QUERIES that get indexed:
the 64 bits are cut into m substrings (`mih_plan`), and for each probed substring j every key within radius
t_j of some query's substring is written into a direct-address table (CSR: `starts[key] .. starts[key + 1]`
lists the queries). Each dataset row then costs one table lookup per probed substring, all vectorised over
the batch, and the few candidate pairs are verified with XOR + popcount. Results equal a brute-force scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from core.errors import UsageError
from core.index.hexparse import HexColumn, parse_phash_hex
from core.index.mih_plan import ProbePlan, Substring, flip_masks, plan_probes, split_substrings

MAX_STREAM_DISTANCE = 16
# Substring counts tried; 3 is the fewest whose direct-address tables (2**22 entries) stay small.
_SUBSTRING_COUNTS = (3, 4, 5, 6, 8)
# Cost of probing one substring for one row, in units of one candidate verified (both measured in numpy).
_TABLE_COST = 0.75
# Rows per block: the block's temporaries stay in the CPU cache.
_BLOCK_ROWS = 1 << 16
# Run lengths are packed in 16 bits (a key lists each query at most once).
_RUN_LENGTH_MASK = np.uint64(0xFFFF)
MAX_STREAM_QUERIES = 0xFFFF
# The occupancy filter pays off when most keys list no query.
_FILTER_MAX_OCCUPANCY = 0.5
# Keys enumerated per query and substring (a wider ball costs more to build than it saves).
_MAX_KEYS_PER_QUERY = 1 << 15
# At most this many (key, query) entries across the query tables (8 bytes each).
_MAX_TABLE_ENTRIES = 1 << 26


class StreamMatches(NamedTuple):
    """Pairs (query_idx[i], rows[i]) at Hamming distance distances[i] <= the threshold, sorted by row."""

    query_idx: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    distances: npt.NDArray[np.uint8]


@dataclass(frozen=True)
class _QueryTable:
    substring: Substring
    occupied: npt.NDArray[np.bool_] | None  # which keys list any query (a cache-sized filter), if selective
    runs: npt.NDArray[np.uint64]  # per key: start of its run in `query_idx` << 16 | run length
    query_idx: npt.NDArray[np.int32]  # queries whose substring is within the radius of each key


class PhashStreamMatcher:
    """Finds every (query, row) pair within `max_distance`; built once per portfolio, reused for every batch."""

    def __init__(self, queries: npt.ArrayLike, max_distance: int) -> None:
        if not 0 <= max_distance <= MAX_STREAM_DISTANCE:
            raise UsageError(f"max distance must be between 0 and {MAX_STREAM_DISTANCE}, not {max_distance}")
        self.queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1)
        if len(self.queries) > MAX_STREAM_QUERIES:
            raise UsageError(f"at most {MAX_STREAM_QUERIES} query hashes per stream matcher")
        self.max_distance = max_distance
        self.plan = _choose_plan(len(self.queries), max_distance)
        self._tables = [
            _build_query_table(self.queries, sub, radius)
            for sub, radius in zip(self.plan.substrings, self.plan.radii, strict=True)
            if radius >= 0
        ]

    def match_hex(self, column: HexColumn) -> StreamMatches:
        """Parse a batch's hex pHash column (nulls and malformed values never match) and match it."""
        parsed = parse_phash_hex(column)
        return self.match_hashes(parsed.values, parsed.valid)

    def match_hashes(self, hashes: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_] | None = None) -> StreamMatches:
        """Match a batch of uint64 pHashes; `rows` are positions in this batch."""
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64).reshape(-1)
        found_rows: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
        found_queries: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
        for begin in range(0, len(hashes), _BLOCK_ROWS):
            block = hashes[begin : begin + _BLOCK_ROWS]
            for table in self._tables:
                rows, queries = self._probe(table, block)
                found_rows.append(rows + begin)
                found_queries.append(queries)
        rows = np.concatenate(found_rows)
        query_idx = np.concatenate(found_queries)
        if valid is not None:
            keep = np.asarray(valid, dtype=np.bool_)[rows]
            rows, query_idx = rows[keep], query_idx[keep]
        # A pair can be found through several substrings; keep one of each.
        width = max(1, len(self.queries))
        rows, query_idx = np.divmod(np.unique(rows * width + query_idx), width)
        distances = np.bitwise_count(hashes[rows] ^ self.queries[query_idx]).astype(np.uint8)
        return StreamMatches(query_idx=query_idx, rows=rows, distances=distances)

    def _probe(
        self, table: _QueryTable, hashes: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Candidate pairs of one substring table, verified: (rows, query indices) within the threshold."""
        keys = table.substring.key(hashes).view(np.intp)
        if table.occupied is not None:
            hit_rows = np.flatnonzero(table.occupied[keys])
            runs = table.runs[keys[hit_rows]]
        else:
            runs = table.runs[keys]
            hit_rows = np.flatnonzero(runs & _RUN_LENGTH_MASK)
            runs = runs[hit_rows]
        counts = (runs & _RUN_LENGTH_MASK).view(np.int64)
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        # Position of each candidate in the table's query list: its run start plus its rank inside the run.
        run_offsets = np.cumsum(counts) - counts
        positions = np.repeat((runs >> np.uint64(16)).view(np.int64) - run_offsets, counts) + np.arange(total)
        candidate_queries = table.query_idx[positions]
        candidate_hashes = np.repeat(hashes[hit_rows], counts)
        close = np.bitwise_count(candidate_hashes ^ self.queries[candidate_queries]) <= self.max_distance
        return np.repeat(hit_rows, counts)[close], candidate_queries[close].astype(np.int64)


def _choose_plan(query_count: int, max_distance: int) -> ProbePlan:
    """The cheapest substring split per dataset row whose query tables fit in memory."""
    best: ProbePlan | None = None
    for count in _SUBSTRING_COUNTS:
        try:
            plan = plan_probes(
                split_substrings(count), max_distance, query_count, 0.0, _TABLE_COST, _MAX_KEYS_PER_QUERY
            )
        except ValueError:
            continue
        if plan.probes * query_count > _MAX_TABLE_ENTRIES:
            continue
        cost = plan.candidates + _TABLE_COST * sum(1 for r in plan.radii if r >= 0)
        if best is None or cost < best.candidates + _TABLE_COST * sum(1 for r in best.radii if r >= 0):
            best = plan
    if best is None:
        raise UsageError(f"{query_count} queries at distance {max_distance} need too much memory; split them")
    return best


def _build_query_table(queries: npt.NDArray[np.uint64], substring: Substring, radius: int) -> _QueryTable:
    """Direct-address table: for every key within `radius` of some query's substring, which queries."""
    masks, _ = flip_masks(substring.bits, radius)
    keys = (substring.key(queries)[:, None] ^ masks[None, :]).reshape(-1).view(np.intp)
    owners = np.repeat(np.arange(len(queries), dtype=np.uint64), len(masks))
    # Sort (key, query) pairs packed in one uint64: numpy's sort is much faster than an argsort.
    packed = (keys.view(np.uint64) << np.uint64(32)) | owners
    packed.sort()
    query_idx = (packed & np.uint64(0xFFFFFFFF)).astype(np.int32)
    counts = np.bincount(keys, minlength=1 << substring.bits).astype(np.uint64)
    starts = np.cumsum(counts) - counts
    runs = (starts << np.uint64(16)) | counts
    occupied = counts > 0
    selective = np.count_nonzero(occupied) < _FILTER_MAX_OCCUPANCY * len(occupied)
    return _QueryTable(substring, occupied if selective else None, runs, query_idx)
