"""The query-side pHash index gives exactly the stream matchers' pairs, in their order, and the same records."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.batch.hashlist import read_hash_lists
from core.batch.phash_queries import QueryIndex, plan_groups
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


def test_query_index_pairs_equal_the_stream_matchers() -> None:
    rng = np.random.default_rng(7)
    values = np.unique(rng.integers(0, 2**64 - 1, 70_000, dtype=np.uint64, endpoint=True))  # two stream chunks
    rows = rng.integers(0, 2**64 - 1, 5_000, dtype=np.uint64, endpoint=True)
    picks = rng.choice(len(values), 600)
    for i, pick in enumerate(picks):  # near copies of queries of both chunks, some within several queries' reach
        flips = rng.choice(64, int(rng.integers(0, 7)), replace=False)
        rows[i * 8] = values[pick] ^ np.uint64(sum(1 << int(b) for b in flips))
    rows[1] = rows[9] = values[3] ^ np.uint64(1)
    valid = rng.random(len(rows)) > 0.02
    for radius in (2, 4, 6):
        found = QueryIndex(values, radius).match_hashes(rows, valid)
        pairs = list(zip(found.query_idx.tolist(), found.rows.tolist(), found.distances.tolist(), strict=True))
        expected = _stream(values, radius, rows, valid)
        assert len(expected) > 100
        assert pairs == expected


def test_the_widest_groups_keep_stream_matchers_while_they_fit() -> None:
    assert plan_groups([(2_400, 8), (12_000, 6), (14_400, 4)]) == [False, False, False]  # one portfolio
    # 10,000 portfolios: radius 8 (11 GB of tables) stays, radius 6 (42 GB) and 4 (11.5 GB, over what is left) do not
    assert plan_groups([(2_000_000, 8), (10_000_000, 6), (12_000_000, 4)]) == [False, True, True]
    assert plan_groups([(2_000_000, 8), (10_000_000, 6), (12_000_000, 4)], budget=25 << 30) == [False, True, False]
    assert plan_groups([(10, 8)], budget=0) == [True]


def test_tasks_through_query_indexes_find_what_the_local_path_finds(
    tmp_path: Path, portfolio: Portfolio, shards: list[Path], local_matches: set[tuple]
) -> None:
    descriptor = resolve_descriptor("coyo-700m", None, {}, [str(s) for s in shards])
    queries = build_query_set(read_hash_lists([portfolio.hash_list]), 8)
    queries.stream_budget = 0  # every radius group as a query index
    assert all(isinstance(matcher, QueryIndex) for _, _, matcher in queries.matchers())
    out = str(tmp_path)
    specs = [spec for seq, s in enumerate(shards, 1) for spec in plan_shard(seq, str(s), descriptor, 4_000, out)]
    outcomes = [run_task(spec, queries) for spec in specs]
    assert all(o.error is None for o in outcomes)
    save_manifest(tmp_path, Manifest({"tasks": len(specs)}, {spec.key: {"shard": spec.source} for spec in specs}, {}))
    assert comparable(read_results(tmp_path)) == local_matches
