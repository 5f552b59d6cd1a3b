"""pHash matching for query sets too big for one stream matcher: multi-index hashing over the QUERIES.

`PhashStreamMatcher` indexes at most 65,535 queries; 10,000 portfolios put 2 million query hashes at radius 8,
10 million at 6 and 12 million at 4. A radius group of more than one stream matcher's worth is a `ChunkIndex`:
the 64 bits are cut into chunks (`ChunkPlan`, each at most 26 bits) with probe radii t_j such that sum(t_j + 1)
>= r + 1, so that any row within r of a query is within t_j of it on some chunk (pigeonhole, `core.index.mih_plan`).
Each chunk is searched in one of two ways:
- "query" side: every key within t_j of a query's chunk lists that query, in a direct-address table of 2**bits
  runs (the queries' full values, 8 bytes an entry: N x V(bits, t_j) entries). A row costs one look-up and then
  its run is verified by XOR + popcount, rows of a block side by side, one position of their runs at a time (the
  rows sorted by run length, so each step is a prefix of them);
- "row" side: the queries sorted by their chunk (8 bytes a query); a row looks up every key within t_j of its
  own chunk (V(bits, t_j) look-ups) and verifies the queries there.
Both find exactly the pairs within r (verified on all 64 bits); a pair found through several chunks is kept once.
The pairs are returned in the order the group's stream matchers would give them, so the records are identical.

Cost and memory, measured with bench/bench_batch.py (one core, NumPy 2): a candidate (a query verified against a
row) costs about 10 ns on the query side and 20 ns on the row side, plus about 25 ns per row-side look-up; the
candidates a row gets are N x sum_j V(bits_j, t_j) / 2**bits_j whichever side enumerates. `plan_groups` picks,
for every radius group, the cheapest plan by this model whose tables fit, under one memory budget per worker
for all groups together (`TABLE_BUDGET`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from core.index.mih_plan import ball_volume, flip_masks
from core.index.phash_stream import MAX_STREAM_QUERIES, StreamMatches

TABLE_BUDGET = 12 << 30  # bytes of pHash tables a worker may hold (all radius groups together)
MAX_CHUNK_BITS = 26  # direct-address tables of at most 2**26 runs (512 MB of offsets)
_U64 = np.uint64
_BLOCK_ROWS = 1 << 16  # rows verified side by side (query side)
_PROBE_ROWS = 1 << 12  # rows whose look-ups are expanded at once (row side)

# Cost model, ns a row (bench/bench_batch.py, `--phash-only`): only the choice of plan depends on it.
QUERY_CANDIDATE = 10.5  # one query of a run verified (query side)
ROW_CANDIDATE = 20.0  # one query found by a row-side look-up, verified
ROW_PROBE = 25.0  # one row-side look-up
CHUNK_ROW = 30.0  # per chunk and row: key, look-up, sorting the block by run length

Side = Literal["query", "row"]
_SIDES: tuple[Side, Side] = ("query", "row")


@dataclass(frozen=True)
class ChunkPlan:
    shift: int  # bits [shift, shift + bits) of the hash
    bits: int
    radius: int  # t_j
    side: Side

    def entries(self, queries: int) -> int:
        return queries * (ball_volume(self.bits, self.radius) if self.side == "query" else 1)

    def nbytes(self, queries: int) -> int:
        return 8 * self.entries(queries) + 8 * ((1 << self.bits) + 1)

    def candidates(self, queries: int) -> float:
        """Expected candidates a row gets through this chunk (uniform queries)."""
        return queries * ball_volume(self.bits, self.radius) / 2.0**self.bits

    def cost(self, queries: int) -> float:
        """Expected ns a row."""
        if self.side == "query":
            return CHUNK_ROW + QUERY_CANDIDATE * self.candidates(queries)
        return CHUNK_ROW + ROW_PROBE * ball_volume(self.bits, self.radius) + ROW_CANDIDATE * self.candidates(queries)


@dataclass(frozen=True)
class GroupPlan:
    queries: int
    radius: int
    chunks: tuple[ChunkPlan, ...]

    @property
    def nbytes(self) -> int:
        return sum(chunk.nbytes(self.queries) for chunk in self.chunks)

    @property
    def cost(self) -> float:
        return sum(chunk.cost(self.queries) for chunk in self.chunks)

    @property
    def candidates(self) -> float:
        return sum(chunk.candidates(self.queries) for chunk in self.chunks)

    def describe(self) -> str:
        return " + ".join(f"{c.bits}b/t{c.radius}/{c.side}" for c in self.chunks)


def _widths(count: int, widest: int) -> Iterator[tuple[int, ...]]:
    """Chunk widths summing to 64, each 14 to `widest`, widest first (the pigeonhole does not care where)."""
    for widths in itertools.product(range(14, widest + 1), repeat=count - 1):
        last = 64 - sum(widths)
        if 14 <= last <= widest and list(widths) + [last] == sorted([*widths, last], reverse=True):
            yield (*widths, last)


def _radii(count: int, total: int) -> Iterator[tuple[int, ...]]:
    """Every (t_1 .. t_count), t_j >= -1 (-1: not probed), with sum(t_j + 1) = total."""
    if count == 1:
        yield (total - 1,)
        return
    for first in range(total + 1):
        for rest in _radii(count - 1, total - first):
            yield (first - 1, *rest)


def group_plans(queries: int, radius: int) -> list[GroupPlan]:
    """The plans of a group on the cost/memory frontier: each cheaper than every plan that takes fewer bytes."""
    options: list[GroupPlan] = []
    # Keys beyond 16 a query hardly cut the candidates further, while the 2**bits offsets cost memory and time.
    widest = min(MAX_CHUNK_BITS, max(18, math.ceil(math.log2(max(queries, 2))) + 4))
    for count in (3, 4):
        for widths in _widths(count, widest):
            for radii in _radii(count, radius + 1):
                if any(t >= 0 and ball_volume(b, t) > 1 << 12 for b, t in zip(widths, radii, strict=True)):
                    continue
                shifts = [64 - sum(widths[: i + 1]) for i in range(count)]
                probed = [(s, b, t) for s, b, t in zip(shifts, widths, radii, strict=True) if t >= 0]
                for sides in itertools.product(_SIDES, repeat=len(probed)):
                    chunks = tuple(ChunkPlan(s, b, t, side) for (s, b, t), side in zip(probed, sides, strict=True))
                    options.append(GroupPlan(queries, radius, chunks))
    options.sort(key=lambda plan: (plan.nbytes, plan.cost))
    frontier: list[GroupPlan] = []
    for plan in options:
        if not frontier or plan.cost < frontier[-1].cost:
            frontier.append(plan)
    return frontier


def stream_table_bytes(queries: int, radius: int) -> int:
    """Measured bytes of a group's stream matchers' tables (full 65,535-query matchers hold 360 MB at radius 8,
    280 MB at 6, 63 MB at 4)."""
    per_query = 5_500 if radius >= 7 else 4_250 if radius >= 5 else 960
    return queries * per_query


def stream_cost(queries: int, radius: int) -> float:
    """Model ns a row of a group's stream matchers (bench/bench_batch.py: a full matcher costs about 330 ns a row
    at radius 8, 100 at 6, 53 at 4; they are many small tables, so the cost grows with the queries)."""
    per_matcher = 330.0 if radius >= 7 else 100.0 if radius >= 5 else 53.0
    return per_matcher * max(1.0, queries / MAX_STREAM_QUERIES)


def plan_groups(
    groups: Sequence[tuple[int, int]], budget: int = TABLE_BUDGET, stream_limit: int = MAX_STREAM_QUERIES
) -> list[GroupPlan | None]:
    """For (distinct queries, radius) groups: None where the group is searched by stream matchers (always when it
    has at most `stream_limit` queries: one matcher, the fastest for a few portfolios), else the `ChunkIndex`
    plan; together the cheapest per row by the cost model whose tables fit `budget` bytes (the smallest plans
    when nothing fits)."""
    chosen: list[GroupPlan | None] = [None] * len(groups)
    big = [i for i, (queries, _) in enumerate(groups) if queries > stream_limit]
    # Per group: (cost, bytes, plan) options; None = the group's stream matchers.
    options: dict[int, list[tuple[float, int, GroupPlan | None]]] = {}
    for i in big:
        options[i] = [(plan.cost, plan.nbytes, plan) for plan in group_plans(*groups[i])]
        options[i].append((stream_cost(*groups[i]), stream_table_bytes(*groups[i]), None))
    best: tuple[float, tuple[GroupPlan | None, ...]] | None = None
    for combination in itertools.product(*(options[i] for i in big)):
        if sum(nbytes for _, nbytes, _ in combination) > budget:
            continue
        cost = sum(c for c, _, _ in combination)
        if best is None or cost < best[0]:
            best = (cost, tuple(plan for _, _, plan in combination))
    picks = best[1] if best is not None else tuple(min(options[i], key=lambda o: o[1])[2] for i in big)
    for i, plan in zip(big, picks, strict=True):
        chosen[i] = plan
    return chosen


class ChunkIndex:
    """The distinct query values of one radius group (sorted), searched with row hashes by `plan`."""

    def __init__(self, values: npt.NDArray[np.uint64], radius: int, plan: GroupPlan | None = None) -> None:
        self.values = np.ascontiguousarray(values, dtype=np.uint64)
        self.radius = radius
        self.plan = plan or min(group_plans(len(self.values), radius), key=lambda option: option.cost)
        self._tables = [_build(self.values, chunk) for chunk in self.plan.chunks]
        self.candidates = 0  # candidates verified so far (for the bench)

    @property
    def nbytes(self) -> int:
        return sum(offsets.nbytes + entries.nbytes for offsets, entries in self._tables)

    def match_hashes(self, values: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_]) -> StreamMatches:
        """The (query, row) pairs within the radius, ordered as the group's stream matchers return them."""
        positions = np.flatnonzero(valid)
        hashes = np.ascontiguousarray(values[positions], dtype=np.uint64)
        found_rows: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
        found_values: list[npt.NDArray[np.uint64]] = [np.zeros(0, np.uint64)]
        for chunk, (offsets, entries) in zip(self.plan.chunks, self._tables, strict=True):
            search = _search_query_side if chunk.side == "query" else _search_row_side
            rows, matched, candidates = search(chunk, offsets, entries, hashes, self.radius)
            self.candidates += candidates
            found_rows.append(rows)
            found_values.append(matched)
        rows, matched = np.concatenate(found_rows), np.concatenate(found_values)
        if len(rows):
            order = np.lexsort((matched, rows))
            rows, matched = rows[order], matched[order]
            keep = np.ones(len(rows), bool)
            keep[1:] = (rows[1:] != rows[:-1]) | (matched[1:] != matched[:-1])
            rows, matched = rows[keep], matched[keep]
        query = np.searchsorted(self.values, matched).astype(np.int64)
        distances = np.bitwise_count(hashes[rows] ^ matched).astype(np.uint8)
        rows = positions[rows].astype(np.int64)
        order = np.lexsort((query, rows, query // MAX_STREAM_QUERIES))
        return StreamMatches(query[order], rows[order], distances[order])


def _keys(chunk: ChunkPlan, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    return ((hashes >> _U64(chunk.shift)) & _U64((1 << chunk.bits) - 1)).view(np.intp)


def _build(values: npt.NDArray[np.uint64], chunk: ChunkPlan) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """(offsets, entries): the run of key k is entries[offsets[k]:offsets[k + 1]]. Query side: every query within
    the chunk radius of k; row side: the queries whose chunk is k."""
    keys = _keys(chunk, values)
    order = np.argsort(keys, kind="stable")
    keys, ordered = keys[order], values[order]
    masks = flip_masks(chunk.bits, chunk.radius)[0].view(np.intp) if chunk.side == "query" else np.zeros(1, np.intp)
    counts = np.zeros(1 << chunk.bits, np.int64)
    step = max(1, (1 << 24) // max(1, len(keys)))  # masks counted at once: one bincount over 2**bits per step
    for first_mask in range(0, len(masks), step):
        moved_all = (keys[None, :] ^ masks[first_mask : first_mask + step, None]).reshape(-1)
        counts += np.bincount(moved_all, minlength=1 << chunk.bits)
    offsets = np.zeros((1 << chunk.bits) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    del counts
    entries = np.empty(int(offsets[-1]), np.uint64)
    # Queries sharing a chunk value are adjacent in `keys` and stay so under every mask: place them as a group.
    first = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    sizes = np.diff(np.append(first, len(keys)))
    rank = np.arange(len(keys)) - np.repeat(first, sizes)
    cursor = offsets[:-1].copy()
    for mask in masks:
        moved = keys ^ mask
        entries[cursor[moved] + rank] = ordered
        cursor[moved[first]] += sizes
    return offsets, entries


def _search_query_side(
    chunk: ChunkPlan,
    offsets: npt.NDArray[np.int64],
    entries: npt.NDArray[np.uint64],
    hashes: npt.NDArray[np.uint64],
    radius: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64], int]:
    """(row, query value) pairs within `radius` among the rows' runs, and the candidates verified."""
    rows_out: list[npt.NDArray[np.int64]] = []
    values_out: list[npt.NDArray[np.uint64]] = []
    candidates = 0
    for begin in range(0, len(hashes), _BLOCK_ROWS):
        block = hashes[begin : begin + _BLOCK_ROWS]
        keys = _keys(chunk, block)
        starts = offsets[keys]
        counts = offsets[keys + 1] - starts
        order = np.argsort(-counts, kind="stable")  # longest runs first: step k verifies a prefix of the rows
        starts, counts, sorted_rows = starts[order], counts[order], block[order]
        total = int(counts.sum())
        candidates += total
        if not total:
            continue
        widths = len(counts) - np.searchsorted(counts[::-1], np.arange(int(counts[0])), side="right")
        at = starts.copy()
        taken = np.empty(len(block), np.uint64)
        distance = np.empty(len(block), np.uint8)
        for width in widths.tolist():
            np.take(entries, at[:width], out=taken[:width])
            np.bitwise_xor(taken[:width], sorted_rows[:width], out=taken[:width])
            np.bitwise_count(taken[:width], out=distance[:width])
            near = np.flatnonzero(distance[:width] <= radius)
            if len(near):
                rows_out.append(order[near] + begin)
                values_out.append(entries[at[near]])
            at[:width] += 1
    if not rows_out:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64), candidates
    return np.concatenate(rows_out).astype(np.int64), np.concatenate(values_out), candidates


def _search_row_side(
    chunk: ChunkPlan,
    offsets: npt.NDArray[np.int64],
    entries: npt.NDArray[np.uint64],
    hashes: npt.NDArray[np.uint64],
    radius: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64], int]:
    """(row, query value) pairs within `radius` among the queries at every key within the chunk radius of a
    row's chunk, and the candidates verified."""
    masks = flip_masks(chunk.bits, chunk.radius)[0].view(np.intp)
    rows_out: list[npt.NDArray[np.int64]] = []
    values_out: list[npt.NDArray[np.uint64]] = []
    candidates = 0
    for begin in range(0, len(hashes), _PROBE_ROWS):
        block = hashes[begin : begin + _PROBE_ROWS]
        keys = (_keys(chunk, block)[:, None] ^ masks[None, :]).reshape(-1)
        starts = offsets[keys]
        counts = offsets[keys + 1] - starts
        probed = np.flatnonzero(counts)
        counts, starts = counts[probed], starts[probed]
        total = int(counts.sum())
        candidates += total
        if not total:
            continue
        firsts = np.cumsum(counts) - counts
        taken = entries[np.repeat(starts - firsts, counts) + np.arange(total)]
        rows = np.repeat(probed // len(masks), counts)
        near = np.flatnonzero(np.bitwise_count(taken ^ block[rows]) <= radius)
        rows_out.append(rows[near] + begin)
        values_out.append(taken[near])
    if not rows_out:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64), candidates
    return np.concatenate(rows_out).astype(np.int64), np.concatenate(values_out), candidates


def describe_plans(groups: Sequence[tuple[int, int]], budget: int = TABLE_BUDGET) -> list[str]:
    """One line a group: how `plan_groups` searches it, with the model's cost and bytes."""
    lines = []
    for (queries, radius), plan in zip(groups, plan_groups(groups, budget), strict=True):
        if plan is None:
            lines.append(f"r={radius}, {queries:,} queries: stream matchers")
        else:
            lines.append(
                f"r={radius}, {queries:,} queries: {plan.describe()}; {plan.candidates:,.0f} candidates a row,"
                f" model {plan.cost / 1e3:,.1f} us a row, {plan.nbytes / 1e9:.2f} GB"
            )
    return lines
