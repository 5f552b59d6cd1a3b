"""The pHash index returns exactly what a brute-force scan returns, across builds, reopenings and edge values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import UsageError
from core.index import phash_build
from core.index.phash_build import PhashIndexBuilder, argsort_uint64
from core.index.phash_index import PhashIndex
from core.index.runs import IndexFormatError

U64 = st.integers(min_value=0, max_value=2**64 - 1)
EDGES = [0, 2**64 - 1, 1, 2**63, 0x5555555555555555]


def brute_force(
    hashes: np.ndarray, ordinals: np.ndarray, queries: np.ndarray, radius: int
) -> list[tuple[int, int, int]]:
    found = []
    for q, query in enumerate(queries):
        distances = np.bitwise_count(hashes ^ query)
        for row in np.flatnonzero(distances <= radius):
            found.append((q, int(ordinals[row]), int(distances[row])))
    return sorted(found)


def as_triples(result: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[tuple[int, int, int]]:
    query_idx, ordinals, distances = result
    return list(zip(query_idx.tolist(), ordinals.tolist(), distances.tolist(), strict=True))


def build(directory: Path, hashes: np.ndarray, ordinals: np.ndarray, chunks: int) -> PhashIndex:
    builder = PhashIndexBuilder(directory)
    for number, part in enumerate(np.array_split(np.arange(len(hashes)), chunks)):
        builder.add(hashes[part], ordinals[part], chunk_id=f"shard-{number}")
    builder.finish()
    return PhashIndex.open(directory)


def near(rng: np.random.Generator, values: np.ndarray, max_flips: int) -> np.ndarray:
    out = values.copy()
    for i in range(len(out)):
        for bit in rng.choice(64, size=int(rng.integers(0, max_flips + 1)), replace=False):
            out[i] ^= np.uint64(1) << np.uint64(bit)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(U64, max_size=300),
    extra_queries=st.lists(U64, max_size=5),
    seed=st.integers(0, 2**32 - 1),
    chunks=st.integers(1, 4),
)
def test_search_equals_brute_force(
    tmp_path_factory: pytest.TempPathFactory, rows: list[int], extra_queries: list[int], seed: int, chunks: int
) -> None:
    rng = np.random.default_rng(seed)
    hashes = np.array(rows + EDGES + rows[:10], dtype=np.uint64)  # duplicates and edge values
    ordinals = rng.permutation(len(hashes)).astype(np.int64) * 3
    index = build(tmp_path_factory.mktemp("idx"), hashes, ordinals, chunks)
    queries = np.concatenate([near(rng, hashes[:20], 8), np.array(extra_queries + EDGES, dtype=np.uint64)])
    for radius in range(13):
        assert as_triples(index.search(queries, radius)) == brute_force(hashes, ordinals, queries, radius)


def test_clustered_rows_across_many_chunks_and_reopen(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    centres = rng.integers(0, 2**64 - 1, size=20, dtype=np.uint64, endpoint=True)
    hashes = near(rng, np.repeat(centres, 150), 10)
    ordinals = np.arange(len(hashes), dtype=np.int64) + 10**10  # ordinals beyond 32 bits
    build(tmp_path, hashes, ordinals, chunks=7)
    index = PhashIndex.open(tmp_path)  # a fresh open reads only what is on disk
    queries = near(rng, centres, 3)
    for radius in (0, 4, 10, 12):
        assert as_triples(index.search(queries, radius)) == brute_force(hashes, ordinals, queries, radius)
    assert not (tmp_path / "runs").exists()


def test_empty_index_and_empty_queries(tmp_path: Path) -> None:
    builder = PhashIndexBuilder(tmp_path)
    builder.add(np.zeros(0, np.uint64), np.zeros(0, np.int64), chunk_id="empty")
    builder.finish()
    index = PhashIndex.open(tmp_path)
    assert index.rows == 0
    assert len(index.search(np.array([0, 2**64 - 1], dtype=np.uint64), 12).ordinals) == 0
    other = build(tmp_path / "other", np.array([5], np.uint64), np.array([0], np.int64), 1)
    assert len(other.search(np.zeros(0, np.uint64), 3).ordinals) == 0


def test_build_resumes_by_chunk_and_ignores_unrecorded_runs(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 2**64 - 1, size=1000, dtype=np.uint64, endpoint=True)
    ordinals = np.arange(1000, dtype=np.int64)
    first = PhashIndexBuilder(tmp_path)
    first.add(hashes[:500], ordinals[:500], chunk_id="a")
    (tmp_path / "runs" / "000099.keys.npy").write_bytes(b"half-written run of a crash")
    resumed = PhashIndexBuilder(tmp_path)  # a new process after an interruption
    assert resumed.completed_chunks == {"a"}
    assert not (tmp_path / "runs" / "000099.keys.npy").exists()
    with pytest.raises(UsageError):
        resumed.add(hashes[:500], ordinals[:500], chunk_id="a")
    resumed.add(hashes[500:], ordinals[500:], chunk_id="b")
    resumed.finish()
    index = PhashIndex.open(tmp_path)
    assert index.rows == 1000
    queries = hashes[::50]
    assert as_triples(index.search(queries, 6)) == brute_force(hashes, ordinals, queries, 6)


def test_invalid_arguments_and_unfinished_index(tmp_path: Path) -> None:
    builder = PhashIndexBuilder(tmp_path)
    with pytest.raises(UsageError):
        builder.add(np.zeros(2, np.uint64), np.zeros(3, np.int64))
    with pytest.raises(UsageError):
        builder.add(np.zeros(1, np.uint64), np.array([-1]))
    with pytest.raises(IndexFormatError):
        PhashIndex.open(tmp_path)
    builder.finish()
    with pytest.raises(UsageError):
        PhashIndex.open(tmp_path).search(np.zeros(1, np.uint64), 99)


def test_index_stays_within_24_bytes_a_row_at_scale_of_directory(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 2**64 - 1, size=300_000, dtype=np.uint64, endpoint=True)
    index = build(tmp_path, hashes, np.arange(len(hashes), dtype=np.int64), 2)
    rows_bytes = 3 * 6 + 4  # three 6-byte tables and a uint32 ordinal
    directories = index.nbytes - rows_bytes * len(hashes)
    assert directories < 0.5 * index.nbytes  # small indexes pay for directories of at least 2**16 entries
    assert as_triples(index.search(hashes[:30], 10)) == brute_force(hashes, np.arange(len(hashes)), hashes[:30], 10)


@settings(deadline=None)
@given(st.lists(U64, max_size=2000))
def test_fast_argsort_sorts(values: list[int]) -> None:
    array = np.array(values, dtype=np.uint64)
    order = argsort_uint64(array)
    assert np.array_equal(array[order], np.sort(array))
    assert np.array_equal(np.sort(order), np.arange(len(array)))


def test_a_build_split_into_many_buckets_equals_brute_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Big indexes are built bucket by bucket through scratch files; the result is the same index."""
    monkeypatch.setattr(phash_build, "SLAB_ROWS", 64)
    rng = np.random.default_rng(11)
    centres = rng.integers(0, 2**64 - 1, size=30, dtype=np.uint64, endpoint=True)
    hashes = np.concatenate([near(rng, np.repeat(centres, 40), 6), np.array(EDGES, dtype=np.uint64)])
    ordinals = rng.permutation(len(hashes)).astype(np.int64)
    index = build(tmp_path, hashes, ordinals, chunks=5)
    queries = near(rng, centres, 2)
    for radius in (0, 3, 8):
        assert as_triples(index.search(queries, radius)) == brute_force(hashes, ordinals, queries, radius)
    assert not (tmp_path / "scratch").exists() and not (tmp_path / "runs").exists()
