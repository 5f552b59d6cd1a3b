"""The chunk index (multi-index hashing over the queries) gives exactly the stream matchers' pairs, in their order,
whatever its plan, and the same records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.batch.hashlist import read_hash_lists
from core.batch.phash_queries import ChunkIndex, ChunkPlan, GroupPlan, group_plans, plan_groups
from core.batch.queries import build_query_set
from core.batch.results import Manifest, read_results, save_manifest
from core.batch.runner import plan_shard
from core.batch.task import run_task
from core.datasets.descriptors import resolve_descriptor
from core.index.phash_stream import MAX_STREAM_QUERIES, PhashStreamMatcher
from tests.batch.conftest import Portfolio, comparable


def _stream(values: np.ndarray, radius: int, rows: np.ndarray, valid: np.ndarray) -> list[tuple[int, int, int]]:
    pairs: list[tuple[int, int, int]] = []
    for offset in range(0, len(values), MAX_STREAM_QUERIES):
        found = PhashStreamMatcher(values[offset : offset + MAX_STREAM_QUERIES], radius).match_hashes(rows, valid)
        pairs += zip((found.query_idx + offset).tolist(), found.rows.tolist(), found.distances.tolist(), strict=True)
    return pairs


def _near_rows(rng: np.random.Generator, values: np.ndarray, count: int, spread: int) -> np.ndarray:
    """Random rows, every eighth a query with up to `spread` bits flipped (some rows near several queries)."""
    rows = rng.integers(0, 2**64 - 1, count, dtype=np.uint64, endpoint=True)
    for i in range(0, count, 8):
        flips = rng.choice(64, int(rng.integers(0, spread + 1)), replace=False)
        rows[i] = values[int(rng.integers(len(values)))] ^ np.uint64(sum(1 << int(b) for b in flips))
    if count > 9 and len(values) > 3:
        rows[1] = rows[9] = values[3] ^ np.uint64(1)
    return rows


def _pairs(found: object) -> list[tuple[int, int, int]]:
    return list(zip(found.query_idx.tolist(), found.rows.tolist(), found.distances.tolist(), strict=True))  # type: ignore[attr-defined]


def test_chunk_index_pairs_equal_the_stream_matchers_for_every_frontier_plan() -> None:
    rng = np.random.default_rng(7)
    values = np.unique(rng.integers(0, 2**64 - 1, 70_000, dtype=np.uint64, endpoint=True))  # two stream chunks
    rows = _near_rows(rng, values, 5_000, 7)
    valid = rng.random(len(rows)) > 0.02
    for radius in (2, 4, 6, 8):
        expected = _stream(values, radius, rows, valid)
        assert len(expected) > 100
        plans = group_plans(len(values), radius)
        for plan in (plans[0], plans[len(plans) // 2], plans[-1]):  # all row side ... all query side
            assert _pairs(ChunkIndex(values, radius, plan).match_hashes(rows, valid)) == expected, plan.describe()


@st.composite
def _plans(draw: st.DrawFn) -> GroupPlan:
    """Any chunking of the 64 bits into 3 or 4 chunks with radii meeting the pigeonhole bound, sides mixed."""
    radius = draw(st.integers(0, 8))
    count = draw(st.sampled_from((3, 4)))
    widths = [16, 16, 16, 16] if count == 4 else draw(st.sampled_from(([22, 21, 21], [24, 20, 20], [18, 23, 23])))
    radii = [-1] * count
    for _ in range(radius + 1):  # radius + 1 units over the chunks: sum(t_j + 1) = radius + 1
        radii[draw(st.integers(0, count - 1))] += 1
    chunks, top = [], 64
    for bits, t in zip(widths, radii, strict=True):
        top -= bits
        if t >= 0:
            chunks.append(ChunkPlan(top, bits, min(t, 3), draw(st.sampled_from(("query", "row")))))
    # A chunk capped below its share weakens the bound: give the cap's loss to no one and lower the radius.
    searched = sum(c.radius + 1 for c in chunks) - 1
    return GroupPlan(0, min(radius, searched), tuple(chunks))


@settings(max_examples=25, deadline=None)
@given(plan=_plans(), seed=st.integers(0, 2**32 - 1), size=st.integers(1, 1_500))
def test_any_chunk_plan_finds_exactly_the_stream_matchers_pairs(plan: GroupPlan, seed: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.unique(rng.integers(0, 2**64 - 1, size, dtype=np.uint64, endpoint=True))
    if rng.random() < 0.5:  # clustered queries: many share chunks (long runs, repeated keys)
        values = np.unique(values[:1] ^ (values & np.uint64(0xFFFF)))
    rows = _near_rows(rng, values, 600, plan.radius + 2)
    valid = rng.random(len(rows)) > 0.05
    found = ChunkIndex(values, plan.radius, GroupPlan(len(values), plan.radius, plan.chunks)).match_hashes(rows, valid)
    assert _pairs(found) == _stream(values, plan.radius, rows, valid)


def test_plans_fit_the_budget_and_small_groups_stay_stream_matchers() -> None:
    assert plan_groups([(2_400, 8), (12_000, 6), (14_400, 4)]) == [None, None, None]  # one portfolio
    ten_thousand = [(2_000_000, 8), (10_000_000, 6), (12_000_000, 4)]
    for budget in (1 << 30, 12 << 30, 40 << 30):
        plans = plan_groups(ten_thousand, budget)
        assert all(plan is not None for plan in plans)
        assert sum(plan.nbytes for plan in plans if plan is not None) <= budget
    costs = [sum(p.cost for p in plan_groups(ten_thousand, b) if p is not None) for b in (1 << 30, 12 << 30, 40 << 30)]
    assert costs[0] > costs[1] > costs[2]  # more memory, fewer ns a row
    for plan in group_plans(2_000_000, 8):  # every plan meets the pigeonhole bound
        assert sum(chunk.radius + 1 for chunk in plan.chunks) >= 9


def test_tasks_through_chunk_indexes_find_what_the_local_path_finds(
    tmp_path: Path, portfolio: Portfolio, shards: list[Path], local_matches: set[tuple]
) -> None:
    descriptor = resolve_descriptor("coyo-700m", None, {}, [str(s) for s in shards])
    queries = build_query_set(read_hash_lists([portfolio.hash_list]), 8)
    queries.stream_limit = 0  # every radius group as a chunk index
    assert all(isinstance(matcher, ChunkIndex) for _, _, matcher in queries.matchers())
    out = str(tmp_path)
    specs = [spec for seq, s in enumerate(shards, 1) for spec in plan_shard(seq, str(s), descriptor, 4_000, out)]
    outcomes = [run_task(spec, queries) for spec in specs]
    assert all(o.error is None for o in outcomes)
    save_manifest(tmp_path, Manifest({"tasks": len(specs)}, {spec.key: {"shard": spec.source} for spec in specs}, {}))
    assert comparable(read_results(tmp_path)) == local_matches
