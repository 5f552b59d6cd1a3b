"""The chunked streaming kernel: any number of queries, the pairs one matcher over all of them would give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.index.phash_chunks import ChunkedStreamMatcher
from tests.index.test_phash_stream import brute_force, flips, triples


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 9), st.integers(1, 40), st.integers(0, 10))
def test_chunks_find_every_pair_a_brute_force_scan_finds(seed: int, chunk: int, count: int, radius: int) -> None:
    rng = np.random.default_rng(seed)
    queries = rng.integers(0, 2**63, count, dtype=np.uint64)
    queries[: count // 3] = queries[0]  # duplicates across chunks
    rows = np.concatenate([queries ^ flips(rng, count, radius + 2), rng.integers(0, 2**63, 50, dtype=np.uint64)])
    valid = rng.random(len(rows)) > 0.1
    found = ChunkedStreamMatcher(queries, radius, chunk=chunk).match_hashes(rows, valid)
    expected = [t for t in brute_force(queries, rows, radius) if valid[t[0]]]
    assert triples(found) == expected
    assert np.all(np.diff(found.rows) >= 0)
