"""Match a small set of query pHashes against a stream of dataset rows, with no index on disk.

For the import pass and for a one-off check of a whole remote shard. The query set is small, so it is the
QUERIES that get indexed: the 64 bits are cut into m substrings (`mih_plan`), and for each probed substring j
every key within radius t_j of some query's substring is listed in a direct-address table. Each dataset row
then costs one table lookup per probed substring, all vectorised over a block of rows, and the result is
exactly the set of pairs a brute-force XOR + popcount scan finds.

Slot tables (every substring at least r + 2 bits wide and listing few queries a key, so always at the default
m = 3, r = 8): each key owns a 16-byte record of two slots, so a row's lookup is one cache line and its
verification two XOR + popcounts on that line, with no candidate list to expand. A slot holds a query as
`q & ~submask` with the popcount w of (query substring XOR key) written in unary into the substring field;
the row's substring field is zeroed before the XOR, so `popcount(slot ^ row)` is exactly the Hamming distance
between the query and the row. The unary code leaves the top bit of the field clear, which frees in-band
markers: an empty slot is the field all ones (at least r + 2 ones: never within the radius), and a key with
more than two queries keeps its first in slot 0 and in slot 1 a marker (field all ones, a flag bit, an index)
to a four-slot continuation record, whose last slot is in turn a marker to a tail list when the key has more
than five. Each step is taken for all the rows of a block that need it at once. A table that most keys miss
is stored sparse: a bitset of the occupied keys (1 bit a key, in L2 cache) skips the others, and records are
kept for the occupied keys only, found by rank in the bitset. A row within the radius of a slot's query is
resolved to the query (or queries sharing those bits) through a sorted copy of the queries' other bits, and
verified once more in full. Memory: 16 bytes a key when dense, 128 MB at 12,000 queries and r = 8.

Why it is fast: a dense table of 2**21-2**22 keys does not fit in cache, so each lookup is a memory access
(~10 ns); a row costs one per probed table (3 at r = 8) plus a few vectorised operations, and the expected
candidates of classic multi-index hashing (3.4 a row at 12,000 queries) are checked inside the record
instead of being expanded into (row, query) lists.

Substrings with many queries a key (large portfolios at r >= 10) or narrower than r + 2 bits (m >= 4 at
large radii) use run tables: `runs[key]` = start and length of the key's list of query indices, each
candidate verified with XOR + popcount.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from core.errors import UsageError
from core.index.hexparse import HexColumn, parse_phash_hex, phash_blocks
from core.index.mih_plan import HASH_BITS, ProbePlan, Substring, ball_volume, flip_masks, plan_probes, split_substrings

MAX_STREAM_DISTANCE = 16
MAX_STREAM_QUERIES = 0xFFFF  # distinct or not; a query's index is packed in 16 bits
# Rows per block: the block's temporaries (keys, records, popcounts) stay in the CPU cache.
_BLOCK_ROWS = 1 << 16
_SLOTS = 2
_CHAIN_SLOTS = 4
_RECORD = np.dtype((np.void, 8 * _SLOTS))
_CHAIN_RECORD = np.dtype((np.void, 8 * _CHAIN_SLOTS))
_U64 = np.uint64
# Run tables: run lengths are packed in 16 bits (a key lists each query at most once).
_RUN_LENGTH_MASK = _U64(0xFFFF)
# Keys enumerated per query and substring (a wider ball costs more to build than it saves).
_MAX_KEYS_PER_QUERY = 1 << 15
# At most this many (key, query) entries across the query tables, and this many bytes of tables.
_MAX_TABLE_ENTRIES = 1 << 26
_MAX_TABLE_BYTES = 3 << 27
# Substring counts tried for run-table plans.
_RUN_SUBSTRING_COUNTS = (4, 5, 6, 8)

# Cost model, in nanoseconds per row (measured with numpy 2 on a 2-core EPYC; only the choice of plan
# depends on it, never the result). A random read costs more as its table outgrows the caches.
_ROW_OPS = 4.0  # key, masking, XOR, popcount, compare per probed slot table
_BIT_TEST = 6.0  # bitset lookup and test per row of a sparse table
_RANK = 10.0  # rank and selection of a present key (sparse tables)
_CHAIN_ROW = 45.0  # a row whose key has more than two queries: its continuation record
_TAIL_ROW = 20.0  # ... more than five: its tail list
_TAIL_CANDIDATE = 15.0  # per query of a tail list
_RUN_TABLE = 20.0  # run-table lookup per row, plus per candidate:
_RUN_CANDIDATE = 15.0
# Above this many queries per key (on average) a substring gets a run table.
_MAX_SLOT_LOAD = 4.0
# A table is stored sparse (bitset + records of occupied keys) below this occupancy.
_SPARSE_OCCUPANCY = 0.4


def distinct_radii(
    queries: npt.ArrayLike, radii: npt.ArrayLike
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The distinct `queries`, sorted, each with the widest of the radii given for it (`radii`: one per query,
    or one for all)."""
    values = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1)
    given = each_radius(radii, len(values))
    distinct, inverse = np.unique(values, return_inverse=True)
    widest = np.full(len(distinct), np.iinfo(np.int64).min, np.int64)
    np.maximum.at(widest, inverse.reshape(-1), given)
    return distinct, widest


def each_radius(radii: npt.ArrayLike, count: int) -> npt.NDArray[np.int64]:
    """One radius per query, from one per query or one for all."""
    return np.broadcast_to(np.asarray(radii, dtype=np.int64), (count,)).copy()


def radius_groups(radii: npt.NDArray[np.int64]) -> list[tuple[int, npt.NDArray[np.int64]]]:
    """(radius, indices of the queries searched at it) per distinct radius, widest first."""
    return [(int(radius), np.flatnonzero(radii == radius)) for radius in np.unique(radii)[::-1]]


def _read_cost(table_bytes: float) -> float:
    """Nanoseconds of one random read from a table of this size (L2, L3, then memory)."""
    if table_bytes <= 1 << 20:
        return 1.3
    if table_bytes <= 1 << 23:
        return 1.3 + 1.5 * math.log2(table_bytes / (1 << 20)) / 3
    return min(10.0, 2.8 + 7.2 * math.log2(table_bytes / (1 << 23)) / 2)


class StreamMatches(NamedTuple):
    """Pairs (query_idx[i], rows[i]) at Hamming distance distances[i] <= the threshold, sorted by row."""

    query_idx: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    distances: npt.NDArray[np.uint8]

    @classmethod
    def merged(cls, parts: list[StreamMatches]) -> StreamMatches:
        """The pairs of several matchers over the same rows as one result (their `query_idx` already mapped into
        one query array), sorted by row, then query."""
        if len(parts) == 1:
            return parts[0]
        query_idx = np.concatenate([found.query_idx for found in parts])
        rows = np.concatenate([found.rows for found in parts])
        distances = np.concatenate([found.distances for found in parts])
        order = np.lexsort((query_idx, rows))
        return cls(query_idx=query_idx[order], rows=rows[order], distances=distances[order])


@dataclass(frozen=True)
class _SlotTable:
    substring: Substring
    radius: int
    notmask: np.uint64  # the bits outside the substring
    flags: np.uint64  # top bit of the substring field | flag bit: a record's slot 1 is an overflow marker
    payload_shift: int
    payload_mask: np.uint64
    occupied: npt.NDArray[np.uint64] | None  # sparse: bitset of keys listing a query, 64 keys a word
    rank: npt.NDArray[np.int64] | None  # sparse: occupied keys before each bitset word
    records: npt.NDArray[np.void]  # per key (dense) or per occupied key (sparse): two slots
    chain: npt.NDArray[np.void]  # continuation records (four slots) of keys with more than two queries
    tail_starts: npt.NDArray[np.int64]  # per key with more than five queries: its tail in `tail`
    tail_counts: npt.NDArray[np.int64]
    tail: npt.NDArray[np.uint64]
    rest_sorted: npt.NDArray[np.uint64]  # the queries' bits outside the substring, sorted
    rest_ids: npt.NDArray[np.int64]  # which query each is

    @property
    def nbytes(self) -> int:
        extra = 0 if self.occupied is None or self.rank is None else self.occupied.nbytes + self.rank.nbytes
        return self.records.nbytes + self.chain.nbytes + self.tail.nbytes + extra


@dataclass(frozen=True)
class _RunTable:
    substring: Substring
    occupied: npt.NDArray[np.bool_] | None  # which keys list any query (a cache-sized filter), if selective
    runs: npt.NDArray[np.uint64]  # per key: start of its run in `query_idx` << 16 | run length
    query_idx: npt.NDArray[np.int32]  # queries whose substring is within the radius of each key

    @property
    def nbytes(self) -> int:
        return self.runs.nbytes + self.query_idx.nbytes + (0 if self.occupied is None else self.occupied.nbytes)


class PhashStreamMatcher:
    """Finds every (query, row) pair within the query's radius; built once per portfolio, reused for every batch.

    `radii`: each query's radius (default: `max_distance` for all), at most `max_distance`. Each radius gets its
    own probe plan; the tables of plans that probe the same substring are one table, holding each query at its own
    radius on that substring, so a row costs one lookup per substring whatever the number of radii (a portfolio's
    queries come at two radii, `scoring.search_radius`, and the substrings of their plans are the same)."""

    def __init__(self, queries: npt.ArrayLike, max_distance: int, radii: npt.ArrayLike | None = None) -> None:
        if not 0 <= max_distance <= MAX_STREAM_DISTANCE:
            raise UsageError(f"max distance must be between 0 and {MAX_STREAM_DISTANCE}, not {max_distance}")
        self.queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1)
        if len(self.queries) > MAX_STREAM_QUERIES:
            raise UsageError(f"at most {MAX_STREAM_QUERIES} query hashes per stream matcher")
        self.max_distance = max_distance
        self.radii = each_radius(max_distance if radii is None else radii, len(self.queries))
        if len(self.radii) and not (0 <= int(self.radii.min()) and int(self.radii.max()) <= max_distance):
            raise UsageError(f"each query's radius must be between 0 and the max distance {max_distance}")
        # Tables list each distinct hash once, at the widest radius of the queries holding it; a match is
        # reported for every query holding it that it is within the radius of.
        self._distinct, self._distinct_radii = distinct_radii(self.queries, self.radii)
        inverse = np.searchsorted(self._distinct, self.queries)
        self._owner_order = np.argsort(inverse, kind="stable").astype(np.int64)
        self._owner_starts = np.searchsorted(inverse[self._owner_order], np.arange(len(self._distinct) + 1))
        self.plans: dict[int, ProbePlan] = {}
        groups: dict[Substring, list[tuple[npt.NDArray[np.intp], int]]] = {}
        for radius, members in radius_groups(self._distinct_radii):
            plan = self.plans[radius] = _choose_plan(len(members), radius)
            for sub, probe_radius in zip(plan.substrings, plan.radii, strict=True):
                if probe_radius >= 0:
                    groups.setdefault(sub, []).append((members, probe_radius))
        self._tables = [self._table(sub, members) for sub, members in groups.items()]

    def _table(self, sub: Substring, groups: list[tuple[npt.NDArray[np.intp], int]]) -> _SlotTable | _RunTable:
        per_key = sum(len(members) * ball_volume(sub.bits, radius) for members, radius in groups) / 2.0**sub.bits
        if _use_slots(sub, per_key, self.max_distance):
            try:
                return _build_slot_table(self._distinct, sub, groups)
            except _NoRoomError:
                pass
        return _build_run_table(self._distinct, sub, groups)

    @property
    def nbytes(self) -> int:
        """Bytes of the matcher's tables."""
        return sum(table.nbytes for table in self._tables)

    def match_hex(self, column: HexColumn) -> StreamMatches:
        """Match a batch's pHash column, parsed block by block straight from the Arrow buffers: any encoding
        `parse_phash_column` accepts (nulls and malformed values never match). Numpy string arrays and Python
        sequences are read as by `parse_phash_hex` (exactly 16 hex characters)."""
        if not isinstance(column, pa.Array | pa.ChunkedArray):
            parsed = parse_phash_hex(column)
            return self.match_hashes(parsed.values, parsed.valid)
        found = _Found()
        for block in phash_blocks(column, _BLOCK_ROWS):
            rows, ids = self._match_block(block.values)
            if len(rows):
                found.add(block.begin + (rows if block.good is None else block.good[rows]), ids, block.values[rows])
        return self._result(found)

    def match_hashes(self, hashes: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_] | None = None) -> StreamMatches:
        """Match a batch of uint64 pHashes (rows where `valid` is False never match); `rows` are positions in
        this batch."""
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64).reshape(-1)
        found = _Found()
        for begin in range(0, len(hashes), _BLOCK_ROWS):
            block = hashes[begin : begin + _BLOCK_ROWS]
            rows, ids = self._match_block(block)
            if len(rows):
                found.add(rows + begin, ids, block[rows])
        if valid is not None:
            found.keep(np.asarray(valid, dtype=np.bool_)[found.rows()])
        return self._result(found)

    def _match_block(self, block: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(row in block, distinct query index) pairs within the radius, possibly repeated."""
        rows: list[npt.NDArray[np.int64]] = []
        ids: list[npt.NDArray[np.int64]] = []
        for table in self._tables:
            if isinstance(table, _SlotTable):
                r, i = _probe_slots(table, block, self._distinct, self._distinct_radii, self.max_distance)
            else:
                r, i = _probe_runs(table, block, self._distinct, self._distinct_radii)
            if len(r):
                rows.append(r)
                ids.append(i)
        if not rows:
            return _EMPTY, _EMPTY
        return np.concatenate(rows), np.concatenate(ids)

    def _result(self, found: _Found) -> StreamMatches:
        # A pair can be found through several substrings; keep one of each.
        width = max(1, len(self._distinct))
        pairs, first = np.unique(found.rows() * width + found.ids(), return_index=True)
        rows, ids = np.divmod(pairs, width)
        row_hashes = found.hashes()[first]
        # Each distinct hash stands for every query holding it.
        counts = self._owner_starts[ids + 1] - self._owner_starts[ids]
        total = int(counts.sum())
        offsets = np.cumsum(counts) - counts
        positions = np.repeat(self._owner_starts[ids] - offsets, counts) + np.arange(total)
        query_idx = self._owner_order[positions]
        rows = np.repeat(rows, counts)
        row_hashes = np.repeat(row_hashes, counts)
        order = np.lexsort((query_idx, rows))
        rows, query_idx, row_hashes = rows[order], query_idx[order], row_hashes[order]
        distances = np.bitwise_count(row_hashes ^ self.queries[query_idx]).astype(np.uint8)
        within = distances <= self.radii[query_idx]  # a query sharing its hash with one of a wider radius
        return StreamMatches(query_idx=query_idx[within], rows=rows[within], distances=distances[within])


_EMPTY = np.zeros(0, np.int64)


class _Found:
    """Pairs (row, distinct query) collected block by block, with the row's hash."""

    def __init__(self) -> None:
        self._rows: list[npt.NDArray[np.int64]] = [_EMPTY]
        self._ids: list[npt.NDArray[np.int64]] = [_EMPTY]
        self._hashes: list[npt.NDArray[np.uint64]] = [np.zeros(0, np.uint64)]

    def add(self, rows: npt.NDArray[np.integer], ids: npt.NDArray[np.int64], hashes: npt.NDArray[np.uint64]) -> None:
        self._rows.append(rows.astype(np.int64, copy=False))
        self._ids.append(ids)
        self._hashes.append(hashes)

    def keep(self, mask: npt.NDArray[np.bool_]) -> None:
        self._rows, self._ids, self._hashes = [self.rows()[mask]], [self.ids()[mask]], [self.hashes()[mask]]

    def rows(self) -> npt.NDArray[np.int64]:
        return np.concatenate(self._rows)

    def ids(self) -> npt.NDArray[np.int64]:
        return np.concatenate(self._ids)

    def hashes(self) -> npt.NDArray[np.uint64]:
        return np.concatenate(self._hashes)


# ---------------------------------------------------------------------------------------------------- plans


def _slot_table_fits(substring: Substring, max_distance: int) -> bool:
    """In-band markers need a substring field of at least r + 2 bits (empty = r + 2 ones > r; unary <= r)."""
    return substring.bits >= max_distance + 2


def _use_slots(substring: Substring, per_key: float, max_distance: int) -> bool:
    """Slot tables where they fit and keys list few queries (`per_key` on average); above that a run table is
    as fast and holds a query in 4 bytes instead of 8."""
    return _slot_table_fits(substring, max_distance) and per_key <= _MAX_SLOT_LOAD


@dataclass(frozen=True)
class _Estimate:
    plan: ProbePlan
    cost: float  # ns per row
    nbytes: float
    entries: float


def _estimate(
    substrings: tuple[Substring, ...], radii: tuple[int, ...], query_count: int, max_distance: int
) -> _Estimate:
    cost = 0.0
    nbytes = 0.0
    entries = 0.0
    candidates = 0.0
    probes = 0
    for sub, radius in zip(substrings, radii, strict=True):
        if radius < 0:
            continue
        volume = ball_volume(sub.bits, radius)
        keys = 2.0**sub.bits
        per_key = query_count * volume / keys  # expected queries a key lists (uniform queries)
        entries += query_count * volume
        candidates += per_key
        probes += volume
        if _use_slots(sub, per_key, max_distance):
            occupancy = -math.expm1(-per_key)
            cost += _slot_overflow_cost(per_key)
            sparse = occupancy < _SPARSE_OCCUPANCY
            records = 16.0 * (keys * occupancy if sparse else keys)
            nbytes += records + keys * _slot_chain_bytes(per_key) + (keys / 8.0 * 1.5 if sparse else 0.0)
            read = _read_cost(records)
            cost += _BIT_TEST + occupancy * (_RANK + read + _ROW_OPS) if sparse else read + _ROW_OPS
        else:
            nbytes += 8.0 * keys + 4.0 * query_count * volume
            cost += _RUN_TABLE + _RUN_CANDIDATE * per_key
    plan = ProbePlan(substrings=substrings, radii=radii, candidates=candidates, probes=probes)
    return _Estimate(plan, cost, nbytes, entries)


def _key_loads(per_key: float) -> tuple[float, float, float]:
    """For Poisson key loads: P(more than two queries), P(more than five), E(queries beyond the fifth)."""
    p = [math.exp(-per_key)]
    for k in range(1, _CHAIN_SLOTS + 2):
        p.append(p[-1] * per_key / k)
    tail = per_key - (_CHAIN_SLOTS + 1) + sum((_CHAIN_SLOTS + 1 - k) * pk for k, pk in enumerate(p))
    return 1.0 - sum(p[: _SLOTS + 1]), 1.0 - sum(p), max(0.0, tail)


def _slot_overflow_cost(per_key: float) -> float:
    """Expected cost per row of the keys listing more than two queries."""
    over_two, over_five, tail = _key_loads(per_key)
    return over_two * _CHAIN_ROW + over_five * _TAIL_ROW + tail * _TAIL_CANDIDATE


def _slot_chain_bytes(per_key: float) -> float:
    """Expected bytes per key of continuation records and tails."""
    over_two, _, tail = _key_loads(per_key)
    return over_two * 8.0 * _CHAIN_SLOTS + tail * 8.0


def _radius_vectors(count: int, total: int) -> Iterator[tuple[int, ...]]:
    """Every (t_1 .. t_count), t_j >= -1, with sum(t_j + 1) = total."""
    if count == 1:
        yield (total - 1,)
        return
    for first in range(total + 1):
        for rest in _radius_vectors(count - 1, total - first):
            yield (first - 1, *rest)


def _choose_plan(query_count: int, max_distance: int) -> ProbePlan:
    """The cheapest plan per dataset row (by the cost model) whose query tables fit in memory."""
    options: list[_Estimate] = []
    substrings = split_substrings(3)
    for radii in _radius_vectors(3, max_distance + 1):
        if any(r >= 0 and ball_volume(s.bits, r) > _MAX_KEYS_PER_QUERY for s, r in zip(substrings, radii, strict=True)):
            continue
        options.append(_estimate(substrings, radii, query_count, max_distance))
    for count in _RUN_SUBSTRING_COUNTS:
        try:
            greedy = plan_probes(
                split_substrings(count), max_distance, query_count, 0.0, _RUN_TABLE / _RUN_CANDIDATE,
                _MAX_KEYS_PER_QUERY,
            )  # fmt: skip
        except ValueError:
            continue
        options.append(_estimate(greedy.substrings, greedy.radii, query_count, max_distance))
    feasible = [o for o in options if o.entries <= _MAX_TABLE_ENTRIES and o.nbytes <= _MAX_TABLE_BYTES]
    if not feasible:
        raise UsageError(f"{query_count} queries at distance {max_distance} need too much memory; split them")
    return min(feasible, key=lambda o: o.cost).plan


# ---------------------------------------------------------------------------------------------------- slot tables


@dataclass(frozen=True)
class _EntryBlock:
    """The entries of one radius group of a table's queries: each of its queries (`order`, indices into the
    matcher's distinct hashes, in the order of their substrings) with each flip mask of the group's radius."""

    order: npt.NDArray[np.intp]
    weights: npt.NDArray[np.uint8]  # per mask: its popcount, the key's distance from the query's substring

    def owners(self) -> npt.NDArray[np.int32]:
        return np.tile(self.order.astype(np.int32), len(self.weights))

    def slots(self, unary: npt.NDArray[np.uint64], rest: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        """Each entry's slot: its query's bits outside the substring (`rest`), its key's distance in unary."""
        return np.bitwise_or(unary[self.weights][:, None], rest[self.order][None, :]).reshape(-1)


@dataclass(frozen=True)
class _Entries:
    """Every (key, query) with the key within the radius of the query's substring, unsorted, block by block
    (`_EntryBlock`): in a block, entry (m, j) is query order[j]'s substring XOR flip mask m (`m * queries + j`
    flat), so each mask's keys are nearly in order and the tables are filled almost sequentially. Each entry has
    its rank among its key's entries (in an order of their own: which of a key's queries comes first decides
    nothing), and every key its count: `starts[key] + rank` places each entry in key order, a counting sort
    without the sort."""

    keys: npt.NDArray[np.intp]  # (sum of masks * queries over the blocks,)
    ranks: npt.NDArray[np.int32]
    counts: npt.NDArray[np.int32]  # per key of the substring
    blocks: list[_EntryBlock]

    def owners(self) -> npt.NDArray[np.int32]:
        return np.concatenate([block.owners() for block in self.blocks])

    def slots(self, unary: npt.NDArray[np.uint64], rest: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        return np.concatenate([block.slots(unary, rest) for block in self.blocks])


def _table_entries(
    queries: npt.NDArray[np.uint64], substring: Substring, groups: list[tuple[npt.NDArray[np.intp], int]]
) -> _Entries:
    """The (key, query) entries of a substring's table (`_Entries`), for each group (members of `queries`, radius
    on this substring). Ranks are counted one query at a time (a query's keys are distinct) or one mask at a time
    (keys repeat only between queries of the same substring, counted as a group), whichever loop is shorter, and
    go on from group to group; each step is vectorised over the other dimension, so no entry is sorted (a sort of
    every entry cost about as much as the rest of the build)."""
    fill = np.zeros(1 << substring.bits, np.int32)
    keys_parts: list[npt.NDArray[np.intp]] = [np.zeros(0, np.intp)]
    rank_parts: list[npt.NDArray[np.int32]] = [np.zeros(0, np.int32)]
    blocks = []
    for members, radius in groups:
        masks, weights = flip_masks(substring.bits, radius)
        own = substring.key(queries[members]).view(np.intp)
        order = np.argsort(own, kind="stable")
        own = own[order]
        flips = masks.view(np.intp)
        keys = np.bitwise_xor(flips[:, None], own[None, :])
        ranks = np.empty(keys.shape, np.int32)
        if len(own) <= len(masks):
            for query in range(len(own)):
                column = keys[:, query]
                ranks[:, query] = fill[column]
                fill[column] += 1
        else:
            distinct, first, sizes = np.unique(own, return_index=True, return_counts=True)
            within = np.arange(len(own), dtype=np.int32) - np.repeat(first, sizes).astype(np.int32)
            sizes32 = sizes.astype(np.int32)
            for mask in range(len(masks)):
                ranks[mask] = fill[keys[mask]] + within
                fill[distinct ^ flips[mask]] += sizes32
        keys_parts.append(keys.reshape(-1))
        rank_parts.append(ranks.reshape(-1))
        blocks.append(_EntryBlock(np.asarray(members, np.intp)[order], weights))
    return _Entries(np.concatenate(keys_parts), np.concatenate(rank_parts), fill, blocks)


class _NoRoomError(Exception):
    """The overflow index does not fit beside this substring: use a run table for it."""


def _marker_layout(substring: Substring, payload_bits: int) -> tuple[np.uint64, int]:
    """The flag bit and the payload shift of overflow markers: both outside the substring field."""
    below = substring.shift  # bits [0, shift)
    above = HASH_BITS - substring.shift - substring.bits  # bits [shift + bits, 64)
    if below:
        flag = 0
        low_region = (1, below - 1)
    else:
        flag = substring.bits
        low_region = (0, 0)
    high_region = (substring.shift + substring.bits + (0 if below else 1), above - (0 if below else 1))
    start, size = max(low_region, high_region, key=lambda region: region[1])
    if size < payload_bits:
        raise _NoRoomError(f"no room for a {payload_bits}-bit overflow index beside {substring}")
    return _U64(1 << flag), start


def _build_slot_table(
    queries: npt.NDArray[np.uint64], substring: Substring, groups: list[tuple[npt.NDArray[np.intp], int]]
) -> _SlotTable:
    """Two-slot records per key (see the module docstring), sparse when most keys list no query; a key with
    more than two queries continues in a four-slot record, and one with more than five in a tail list.

    The entries are first placed in key order (`ordered`: each key's slots together, one scatter of nearly
    sequential positions); records, continuations and tails are then gathered from it key by key, each step
    sized by the keys it concerns rather than by every entry."""
    bits, shift = substring.bits, substring.shift
    submask = _U64(((1 << bits) - 1) << shift)
    notmask = ~submask
    top = _U64(1 << (shift + bits - 1))
    radius = max(group_radius for _, group_radius in groups)
    entries = _table_entries(queries, substring, groups)
    counts = entries.counts
    starts = np.cumsum(counts, dtype=np.int64) - counts  # each key's first entry in `ordered`
    # A slot: the query's bits outside the substring, and the key's distance from its substring in unary.
    unary = ((_U64(1) << np.arange(radius + 1, dtype=np.uint64)) - _U64(1)) << _U64(shift)
    slots = entries.slots(unary, queries & notmask)
    position = starts.take(entries.keys)
    position += entries.ranks
    ordered = np.empty_like(slots)
    ordered[position] = slots
    del entries, slots, position

    occupied_keys = np.flatnonzero(counts)
    first = starts[occupied_keys]
    per_key = counts[occupied_keys]
    overflowing = per_key > _SLOTS  # keys with a continuation record, in key order
    long_keys = per_key > _CHAIN_SLOTS + 1  # ... and with a tail
    chain_first, chain_counts = first[overflowing], per_key[overflowing]
    index_bits = max(1, max(len(chain_first), int(np.count_nonzero(long_keys))).bit_length())
    flag, payload_shift = _marker_layout(substring, index_bits)

    def marker(count: int) -> npt.NDArray[np.uint64]:
        return submask | flag | (np.arange(count, dtype=np.uint64) << _U64(payload_shift))

    key_count = 1 << bits
    sparse = len(occupied_keys) < _SPARSE_OCCUPANCY * key_count
    records = np.full((len(occupied_keys) if sparse else key_count, _SLOTS), submask, dtype=np.uint64)
    record_rows = np.arange(len(occupied_keys)) if sparse else occupied_keys
    records[record_rows, 0] = ordered[first]
    pair = per_key == _SLOTS
    records[record_rows[pair], 1] = ordered[first[pair] + 1]
    records[record_rows[overflowing], 1] = marker(len(chain_first))
    del record_rows

    # A continuation record holds entries 1 .. 4 of its key, or 1 .. 3 and a marker to the key's tail (entries
    # 4 .. c-1) when it has more than five.
    chain = np.full((len(chain_first), _CHAIN_SLOTS), submask, dtype=np.uint64)
    for slot in range(_CHAIN_SLOTS):
        held = chain_counts > slot + 1
        chain[held, slot] = ordered[chain_first[held] + slot + 1]
    tailed = chain_counts > _CHAIN_SLOTS + 1
    chain[tailed, _CHAIN_SLOTS - 1] = marker(int(np.count_nonzero(tailed)))
    tail_counts = chain_counts[tailed].astype(np.int64) - _CHAIN_SLOTS
    tail_starts = np.cumsum(tail_counts) - tail_counts
    total = int(tail_counts.sum())
    tail = ordered[np.repeat(chain_first[tailed] + _CHAIN_SLOTS - tail_starts, tail_counts) + np.arange(total)]

    occupied = rank = None
    if sparse:
        present = np.zeros(key_count, dtype=np.bool_)
        present[occupied_keys] = True
        occupied = np.packbits(present, bitorder="little").view("<u8").astype(np.uint64)
        per_word = np.bitwise_count(occupied).astype(np.int64)
        rank = np.cumsum(per_word) - per_word
    rest = queries & notmask
    rest_order = np.argsort(rest, kind="stable")
    return _SlotTable(
        substring=substring,
        radius=radius,
        notmask=notmask,
        flags=top | flag,
        payload_shift=payload_shift,
        payload_mask=_U64((1 << index_bits) - 1),
        occupied=occupied,
        rank=rank,
        records=records.view(_RECORD).reshape(-1),
        chain=chain.view(_CHAIN_RECORD).reshape(-1),
        tail_starts=tail_starts,
        tail_counts=tail_counts,
        tail=tail,
        rest_sorted=rest[rest_order],
        rest_ids=rest_order.astype(np.int64),
    )


def _keys(substring: Substring, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    if substring.shift + substring.bits == HASH_BITS:
        return hashes >> _U64(substring.shift)
    if substring.shift == 0:
        return hashes & _U64((1 << substring.bits) - 1)
    return (hashes >> _U64(substring.shift)) & _U64((1 << substring.bits) - 1)


def _probe_slots(
    table: _SlotTable,
    hashes: npt.NDArray[np.uint64],
    queries: npt.NDArray[np.uint64],
    radii: npt.NDArray[np.int64],
    max_distance: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(row, query) pairs within the query's radius (`radii`) found through one slot table; its slots are tested
    against the widest radius, `max_distance`."""
    keys = _keys(table.substring, hashes)
    rows: npt.NDArray[np.intp] | None = None
    if table.occupied is not None and table.rank is not None:
        words = table.occupied.take((keys >> _U64(6)).view(np.intp))
        bit = keys & _U64(63)
        rows = np.flatnonzero((words >> bit) & _U64(1))
        if not len(rows):
            return _EMPTY, _EMPTY
        keys = keys[rows]
        below = words[rows] & ((_U64(1) << bit[rows]) - _U64(1))
        index = table.rank.take((keys >> _U64(6)).view(np.intp)) + np.bitwise_count(below)
        hashes = hashes[rows]
    else:
        index = keys.view(np.intp)
    record = table.records.take(index).view(np.uint64).reshape(-1, _SLOTS)
    masked = hashes & table.notmask
    second = record[:, 1]
    differences = np.empty((_SLOTS, len(masked)), dtype=np.uint64)
    np.bitwise_xor(record[:, 0], masked, out=differences[0])
    np.bitwise_xor(second, masked, out=differences[1])
    near = np.flatnonzero(np.bitwise_count(differences) <= max_distance)
    found_rows: list[npt.NDArray[np.intp]] = []
    found_slots: list[npt.NDArray[np.uint64]] = []
    if len(near):
        slot_of, row_of = np.divmod(near, len(masked))
        found_rows.append(row_of)
        found_slots.append(record[row_of, slot_of])
    if len(table.chain):
        # Keys with more queries: their continuation records, then the tails of the longest, for every such
        # row at once.
        pending = np.flatnonzero((second & table.flags) == table.flags)
        if len(pending):
            index = ((second[pending] >> _U64(table.payload_shift)) & table.payload_mask).view(np.intp)
            chained = table.chain.take(index).view(np.uint64).reshape(-1, _CHAIN_SLOTS)
            pending_masked = masked[pending]
            differences = np.empty((_CHAIN_SLOTS, len(pending)), dtype=np.uint64)
            for slot in range(_CHAIN_SLOTS):
                np.bitwise_xor(chained[:, slot], pending_masked, out=differences[slot])
            near = np.flatnonzero(np.bitwise_count(differences) <= max_distance)
            if len(near):
                slot_of, row_of = np.divmod(near, len(pending))
                found_rows.append(pending[row_of])
                found_slots.append(chained[row_of, slot_of])
            last = chained[:, _CHAIN_SLOTS - 1]
            more = np.flatnonzero((last & table.flags) == table.flags)
            if len(more):
                which = ((last[more] >> _U64(table.payload_shift)) & table.payload_mask).view(np.intp)
                counts = table.tail_counts[which]
                total = int(counts.sum())
                offsets = np.cumsum(counts) - counts
                candidates = table.tail[np.repeat(table.tail_starts[which] - offsets, counts) + np.arange(total)]
                candidate_rows = np.repeat(pending[more], counts)
                near = np.flatnonzero(np.bitwise_count(candidates ^ masked[candidate_rows]) <= max_distance)
                found_rows.append(candidate_rows[near])
                found_slots.append(candidates[near])
    if not found_rows:
        return _EMPTY, _EMPTY
    block_rows = np.concatenate(found_rows)
    if not len(block_rows):
        return _EMPTY, _EMPTY
    rest = np.concatenate(found_slots) & table.notmask
    # The query (or queries) with those bits outside the substring; verified in full.
    lo = np.searchsorted(table.rest_sorted, rest, side="left")
    hi = np.searchsorted(table.rest_sorted, rest, side="right")
    counts = hi - lo
    total = int(counts.sum())
    offsets = np.cumsum(counts) - counts
    ids = table.rest_ids[np.repeat(lo - offsets, counts) + np.arange(total)]
    block_rows = np.repeat(block_rows, counts)
    close = np.bitwise_count(hashes[block_rows] ^ queries[ids]) <= radii[ids]
    rows_out = block_rows[close] if rows is None else rows[block_rows[close]]
    return rows_out.astype(np.int64), ids[close]


# ---------------------------------------------------------------------------------------------------- run tables


def _build_run_table(
    queries: npt.NDArray[np.uint64], substring: Substring, groups: list[tuple[npt.NDArray[np.intp], int]]
) -> _RunTable:
    """Direct-address table: for every key within the radius of some query's substring, which queries."""
    entries = _table_entries(queries, substring, groups)
    counts = entries.counts.astype(np.uint64)
    starts = np.cumsum(counts) - counts
    query_idx = np.empty(len(entries.keys), np.int32)  # each key's queries together, in key order
    query_idx[starts.view(np.int64)[entries.keys] + entries.ranks] = entries.owners()
    runs = (starts << _U64(16)) | counts
    occupied = counts > 0
    selective = np.count_nonzero(occupied) < 0.5 * len(occupied)
    return _RunTable(substring, occupied if selective else None, runs, query_idx)


def _probe_runs(
    table: _RunTable, hashes: npt.NDArray[np.uint64], queries: npt.NDArray[np.uint64], radii: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Candidate pairs of one run table, verified: (rows, query indices) within the query's radius."""
    keys = table.substring.key(hashes).view(np.intp)
    if table.occupied is not None:
        hit_rows = np.flatnonzero(table.occupied[keys])
        runs = table.runs.take(keys[hit_rows])
    else:
        runs = table.runs.take(keys)
        hit_rows = np.flatnonzero(runs & _RUN_LENGTH_MASK)
        runs = runs[hit_rows]
    counts = (runs & _RUN_LENGTH_MASK).view(np.int64)
    total = int(counts.sum())
    if total == 0:
        return _EMPTY, _EMPTY
    # Position of each candidate in the table's query list: its run start plus its rank inside the run.
    run_offsets = np.cumsum(counts) - counts
    positions = np.repeat((runs >> _U64(16)).view(np.int64) - run_offsets, counts) + np.arange(total)
    candidate_queries = table.query_idx[positions]
    candidate_hashes = np.repeat(hashes[hit_rows], counts)
    close = np.bitwise_count(candidate_hashes ^ queries[candidate_queries]) <= radii[candidate_queries]
    return np.repeat(hit_rows, counts)[close].astype(np.int64), candidate_queries[close].astype(np.int64)
