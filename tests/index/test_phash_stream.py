"""The streaming kernel finds exactly the pairs a brute-force scan finds, from uint64 values or hex columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import UsageError
from core.index.phash_stream import PhashStreamMatcher

U64 = st.integers(min_value=0, max_value=2**64 - 1)


def brute_force(queries: np.ndarray, hashes: np.ndarray, radius: int) -> list[tuple[int, int, int]]:
    found = []
    for q, query in enumerate(queries):
        distances = np.bitwise_count(hashes ^ query)
        found += [(int(row), q, int(distances[row])) for row in np.flatnonzero(distances <= radius)]
    return sorted(found)


def triples(result: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[tuple[int, int, int]]:
    query_idx, rows, distances = result
    return sorted(zip(rows.tolist(), query_idx.tolist(), distances.tolist(), strict=True))


@settings(max_examples=15, deadline=None)
@given(
    queries=st.lists(U64, min_size=1, max_size=40),
    noise=st.lists(U64, max_size=200),
    seed=st.integers(0, 2**32 - 1),
    radius=st.integers(0, 12),
)
def test_matches_equal_brute_force(queries: list[int], noise: list[int], seed: int, radius: int) -> None:
    rng = np.random.default_rng(seed)
    query_array = np.array(queries + [0, 2**64 - 1], dtype=np.uint64)
    flips = rng.integers(0, 2**64 - 1, size=len(query_array), dtype=np.uint64, endpoint=True)
    close = query_array ^ (flips & rng.integers(0, 2**64 - 1, size=len(flips), dtype=np.uint64, endpoint=True) & flips)
    hashes = np.concatenate([np.array(noise, dtype=np.uint64), close, query_array, query_array[:3]])
    matcher = PhashStreamMatcher(query_array, radius)
    assert triples(matcher.match_hashes(hashes)) == brute_force(query_array, hashes, radius)


def test_hex_column_with_nulls_and_bad_values_never_matches_them() -> None:
    queries = np.array([0x0123456789ABCDEF, 0], dtype=np.uint64)
    column = pa.array(["0123456789abcdef", None, "0000000000000000", "zz", "0123456789ABCDEE"])
    result = PhashStreamMatcher(queries, 2).match_hex(column)
    assert triples(result) == [(0, 0, 0), (2, 1, 0), (4, 0, 1)]


def test_blocks_larger_than_one_internal_block() -> None:
    rng = np.random.default_rng(5)
    queries = rng.integers(0, 2**64 - 1, size=30, dtype=np.uint64, endpoint=True)
    hashes = rng.integers(0, 2**64 - 1, size=200_000, dtype=np.uint64, endpoint=True)
    hashes[150_000:150_030] = queries ^ np.uint64(0b111)
    valid = np.ones(len(hashes), dtype=np.bool_)
    valid[150_000] = False
    result = PhashStreamMatcher(queries, 8).match_hashes(hashes, valid)
    assert triples(result) == [t for t in brute_force(queries, hashes, 8) if t[0] != 150_000]


def test_limits() -> None:
    with pytest.raises(UsageError):
        PhashStreamMatcher(np.zeros(1, np.uint64), 17)
    empty = PhashStreamMatcher(np.zeros(0, np.uint64), 4).match_hashes(np.arange(10, dtype=np.uint64))
    assert len(empty.rows) == 0
