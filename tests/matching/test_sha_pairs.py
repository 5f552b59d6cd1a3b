"""The pass's SHA-256 test narrows the rows by their first two bytes, then their 8-byte prefixes: it never drops a
row whose 32 bytes are a work's digest (an exact comparison of every row decides the same pairs)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.index.hexparse import Sha256Column
from core.matching.shard_pass import PortfolioQueries, ShardPass

digest = st.binary(min_size=32, max_size=32)


def _near(base: bytes, keep: int, tail: bytes) -> bytes:
    """A digest sharing its first `keep` bytes with `base` (a look-alike of a work's digest)."""
    return base[:keep] + tail[keep:]


@settings(max_examples=200, deadline=None)
@given(
    works=st.lists(digest, min_size=0, max_size=40),
    rows=st.lists(
        st.tuples(st.integers(0, 39), st.sampled_from([0, 1, 2, 7, 8, 31, 32]), digest, st.booleans()),
        max_size=300,
    ),
)
def test_the_sha256_pairs_are_those_an_exact_comparison_finds(
    works: list[bytes], rows: list[tuple[int, int, bytes, bool]]
) -> None:
    values, valid = [], []
    for work, keep, tail, ok in rows:  # copies (keep = 32), look-alikes sharing 1-31 bytes, and random digests
        values.append(_near(works[work % len(works)], keep, tail) if works else tail)
        valid.append(ok)
    matrix = np.frombuffer(b"".join(values), np.uint8).reshape(-1, 32)
    column = Sha256Column(digests=matrix, valid=np.array(valid, bool), nulls=0, malformed=0, example_bad=None)
    queries = np.frombuffer(b"".join(works), np.uint8).reshape(-1, 32)
    shard_pass = ShardPass(("sha256",), PortfolioQueries(np.zeros(0, np.uint64), queries, 8), None)
    positions, found = shard_pass._sha_pairs(column)
    index = {work: i for i, work in enumerate(works)}  # a work listed twice answers with its last index, as before
    expected = [(p, index[value]) for p, value in enumerate(values) if valid[p] and value in index]
    assert list(zip(positions.tolist(), found.tolist(), strict=True)) == expected
