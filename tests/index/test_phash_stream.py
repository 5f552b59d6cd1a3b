"""The streaming kernel finds exactly the pairs a brute-force scan finds, from uint64 values or hash columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import UsageError
from core.index import phash_stream
from core.index.mih_plan import flip_masks, split_substrings
from core.index.phash_stream import MAX_STREAM_DISTANCE, PhashStreamMatcher

U64 = st.integers(min_value=0, max_value=2**64 - 1)


def brute_force(queries: np.ndarray, hashes: np.ndarray, radius: int | np.ndarray) -> list[tuple[int, int, int]]:
    """Every (row, query, distance) within the radius (one for all queries, or one per query)."""
    radii = np.broadcast_to(radius, queries.shape)
    found = []
    for q, query in enumerate(queries):
        distances = np.bitwise_count(hashes ^ query)
        found += [(int(row), q, int(distances[row])) for row in np.flatnonzero(distances <= radii[q])]
    return sorted(found)


def triples(result: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[tuple[int, int, int]]:
    query_idx, rows, distances = result
    return sorted(zip(rows.tolist(), query_idx.tolist(), distances.tolist(), strict=True))


def flips(rng: np.random.Generator, count: int, max_bits: int) -> np.ndarray:
    """`count` masks of 0 .. max_bits random bits each."""
    masks = np.zeros(count, np.uint64)
    for i, k in enumerate(rng.integers(0, max_bits + 1, count)):
        for bit in rng.choice(64, size=int(k), replace=False):
            masks[i] |= np.uint64(1) << np.uint64(bit)
    return masks


def workload(seed: int, works: int, variants: int, rows: int, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Clustered queries (a work and variants of it, some repeated) and rows: random, exact and near copies
    of queries at distances around the radius."""
    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 2**64 - 1, size=works, dtype=np.uint64, endpoint=True)
    queries = np.repeat(bases, variants) ^ flips(rng, works * variants, 8)
    queries[:: max(1, variants)] = np.repeat(bases, 1)[: len(queries[:: max(1, variants)])]
    if len(queries) > 2:
        queries[-1] = queries[0]  # the same hash twice: both queries match
    picks = queries[rng.integers(0, len(queries), rows // 2)] if len(queries) else np.zeros(0, np.uint64)
    near = picks ^ flips(rng, len(picks), radius + 2)
    noise = rng.integers(0, 2**64 - 1, size=rows - len(near), dtype=np.uint64, endpoint=True)
    return queries, np.concatenate([near, noise, np.array([0, 2**64 - 1], np.uint64)])


# A clustered workload (`workload`) at any radius.
WORKLOADS = {
    "seed": st.integers(0, 2**32 - 1),
    "works": st.integers(1, 30),
    "variants": st.integers(1, 12),
    "radius": st.integers(0, MAX_STREAM_DISTANCE),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**WORKLOADS)
def test_never_drops_a_pair_brute_force_accepts(seed: int, works: int, variants: int, radius: int) -> None:
    queries, hashes = workload(seed, works, variants, 300, radius)
    matcher = PhashStreamMatcher(queries, radius)
    assert triples(matcher.match_hashes(hashes)) == brute_force(queries, hashes, radius)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    **WORKLOADS,
    narrower=st.integers(0, 6),
    share=st.floats(0, 1),
    layout=st.sampled_from(["chosen", "dense", "sparse", "runs"]),
)
def test_each_query_at_its_own_radius_in_shared_tables(
    seed: int, works: int, variants: int, radius: int, narrower: int, share: float, layout: str
) -> None:
    """Queries at two radii (one kernel, tables shared where the radii's plans probe the same substring): every
    pair within each query's own radius and no other, whatever the table layout; the same hash held by queries of
    both radii gets each its own pairs."""
    queries, hashes = workload(seed, works, variants, 300, radius)
    rng = np.random.default_rng(seed)
    radii = np.where(rng.random(len(queries)) < share, max(0, radius - narrower), radius)
    if len(queries) > 2:
        radii[-1] = max(0, radius - narrower)  # queries[-1] == queries[0], possibly at another radius
    with pytest.MonkeyPatch.context() as patch:
        if layout == "dense":
            patch.setattr(phash_stream, "_SPARSE_OCCUPANCY", 0.0)
        elif layout == "sparse":
            patch.setattr(phash_stream, "_SPARSE_OCCUPANCY", 1.1)
        elif layout == "runs":
            patch.setattr(phash_stream, "_slot_table_fits", lambda substring, max_distance: False)
        matcher = PhashStreamMatcher(queries, radius, radii)
    assert triples(matcher.match_hashes(hashes)) == brute_force(queries, hashes, radii)


def test_radii_must_be_within_the_max_distance() -> None:
    with pytest.raises(UsageError):
        PhashStreamMatcher(np.array([1, 2], np.uint64), 6, [6, 7])
    with pytest.raises(UsageError):
        PhashStreamMatcher(np.array([1, 2], np.uint64), 6, [-1, 6])


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


@pytest.mark.parametrize("layout", ["dense", "sparse", "runs"])
@pytest.mark.parametrize("radius", [0, 3, 8, 12])
def test_every_table_layout_and_long_chains(layout: str, radius: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense and sparse slot tables and run tables give the same pairs, also for keys listing hundreds of
    queries (300 variants of one work: chains of continuation records)."""
    if layout == "dense":
        monkeypatch.setattr(phash_stream, "_SPARSE_OCCUPANCY", 0.0)
    elif layout == "sparse":
        monkeypatch.setattr(phash_stream, "_SPARSE_OCCUPANCY", 1.1)
    else:
        monkeypatch.setattr(phash_stream, "_slot_table_fits", lambda substring, max_distance: False)
    queries, hashes = workload(7, 40, 12, 4000, radius)
    rng = np.random.default_rng(8)
    crowd = np.uint64(0x0123456789ABCDEF) ^ flips(rng, 300, 3)
    queries = np.concatenate([queries, crowd])
    hashes = np.concatenate([hashes, crowd ^ flips(rng, 300, radius + 1)])
    matcher = PhashStreamMatcher(queries, radius)
    kinds = {type(t).__name__ for t in matcher._tables}
    assert kinds == ({"_RunTable"} if layout == "runs" else {"_SlotTable"})
    assert triples(matcher.match_hashes(hashes)) == brute_force(queries, hashes, radius)


def test_a_portfolio_sized_query_set_stays_exact() -> None:
    queries, hashes = workload(11, 1000, 12, 60_000, 8)
    matcher = PhashStreamMatcher(queries, 8)
    assert triples(matcher.match_hashes(hashes)) == brute_force(queries, hashes, 8)


def test_hex_column_with_nulls_and_bad_values_never_matches_them() -> None:
    queries = np.array([0x0123456789ABCDEF, 0], dtype=np.uint64)
    column = pa.array(["0123456789abcdef", None, "0000000000000000", "zz", "0x123456789ABCDEE"])
    result = PhashStreamMatcher(queries, 2).match_hex(column)
    assert triples(result) == [(0, 0, 0), (2, 1, 0), (4, 0, 1)]
    # The same through int64 and chunked columns, and numpy strings (the strict reader).
    signed = pa.array([0x0123456789ABCDEF, None, 0, 5, 0x0123456789ABCDEE], type=pa.int64())
    assert triples(PhashStreamMatcher(queries, 2).match_hex(signed)) == [(0, 0, 0), (2, 1, 0), (3, 1, 2), (4, 0, 1)]
    chunked = pa.chunked_array([column.slice(0, 2), column.slice(2)])
    assert triples(PhashStreamMatcher(queries, 2).match_hex(chunked)) == triples(result)
    assert triples(PhashStreamMatcher(queries, 2).match_hex(np.array(["0123456789abcdef", "x"]))) == [(0, 0, 0)]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), radius=st.integers(0, MAX_STREAM_DISTANCE), null_share=st.floats(0, 0.5))
def test_match_hex_equals_brute_force_on_the_parsed_column(seed: int, radius: int, null_share: float) -> None:
    queries, hashes = workload(seed, 10, 4, 200, radius)
    rng = np.random.default_rng(seed)
    texts: list[str | None] = [format(int(h), "016x") for h in hashes]
    for i in np.flatnonzero(rng.random(len(texts)) < null_share):
        texts[i] = None if i % 2 else "0x" + texts[i]  # type: ignore[operator]
    matcher = PhashStreamMatcher(queries, radius)
    expected = [t for t in brute_force(queries, hashes, radius) if texts[t[0]] is not None]
    assert triples(matcher.match_hex(pa.array(texts))) == expected


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


def test_empty_and_all_null_columns() -> None:
    matcher = PhashStreamMatcher(np.array([5, 6], dtype=np.uint64), 4)
    for column in (
        pa.array([], type=pa.string()),
        pa.array([None, None], type=pa.string()),
        pa.array([None, None]),
        pa.chunked_array([pa.array([], type=pa.string()), pa.array(["0000000000000005"])]),
        pa.array(["0000000000000005", None]).dictionary_encode(),
    ):
        result = matcher.match_hex(column)
        expected = [(0, 0, 0), (0, 1, 2)] if len(column) and column[0].is_valid else []
        assert triples(result) == expected


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 400),
    shared=st.floats(0, 1),
    radius=st.integers(0, 3),
    which=st.integers(0, 2),
)
def test_table_entries_rank_each_keys_queries_0_to_count_minus_1(
    seed: int, count: int, shared: float, radius: int, which: int
) -> None:
    """The unsorted build's counting: whichever loop it takes (queries or masks, substrings shared or not), the
    entries of every key are ranked 0 .. count - 1 and the counts are the keys' entries."""
    rng = np.random.default_rng(seed)
    queries = rng.integers(0, 2**64 - 1, size=count, dtype=np.uint64, endpoint=True)
    queries[rng.random(count) < shared] = queries[0]  # the same substring (and hash) as query 0
    substring = split_substrings(3)[which]
    half = count // 2  # two radius groups share the table: ranks go on from the first to the second
    groups = [(np.arange(half), radius), (np.arange(half, count), max(0, radius - 1))]
    entries = phash_stream._table_entries(queries, substring, groups)
    expected_keys = []
    for block, (_, group_radius) in zip(entries.blocks, groups, strict=True):
        masks, _ = flip_masks(substring.bits, group_radius)
        expected_keys.append((masks[:, None] ^ substring.key(queries)[block.order][None, :]).reshape(-1))
        assert np.array_equal(block.owners(), np.tile(block.order, len(masks)))
    assert np.array_equal(entries.keys.view(np.uint64), np.concatenate(expected_keys))
    assert sorted(np.concatenate([block.order for block in entries.blocks]).tolist()) == list(range(count))
    assert np.array_equal(entries.counts, np.bincount(entries.keys, minlength=1 << substring.bits))
    order = np.lexsort((entries.ranks, entries.keys))
    keys, ranks = entries.keys[order], entries.ranks[order]
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    assert np.array_equal(ranks, np.arange(len(keys)) - np.repeat(first, np.diff(np.r_[first, len(keys)])))
