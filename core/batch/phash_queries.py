"""pHash matching for query sets too big for the streaming kernel's tables: the queries as a compact index.

`PhashStreamMatcher` indexes at most 65,535 queries per matcher, in tables of 360 MB (radius 8), 280 MB (6) or
63 MB (4) when full; 10,000 portfolios (25 million query hashes in three radius groups) need 368 of them, 65 GB,
which no worker holds. `plan_groups` keeps the stream matchers of the widest-radius groups while their tables fit
`STREAM_TABLE_BUDGET` (per worker) and turns every other group into a `QueryIndex`: the dataset-side
multi-index (`PhashIndexBuilder`, 23 bytes a query: 0.55 GB for all 25 million) built over the group's distinct
values once per worker, in a temporary directory, and searched with each batch's row hashes by
`PhashIndex.search` (the rows are its "queries"). The pairs are the same, returned in the order the stream
matchers give them (chunk by chunk, by row, by query), so the records are identical.

CPU, measured with bench/bench_batch.py (one core, 100,000 random rows), per row, 10,000 portfolios:
- radius 8, 2 M queries: 31 stream matchers 10.6 us (11 GB of tables); index 91.6 us (46 MB);
- radius 6, 10 M queries: 153 stream matchers 12.7 us (42 GB); index 56.1 us (233 MB);
- radius 4, 12 M queries: 184 stream matchers 8.9 us (11.5 GB); index 10.4 us (277 MB).
The index is chosen for memory, never for speed; the wider the radius, the more the stream matchers save
(8.6x at radius 8, 4.4x at 6, 1.2x at 4), hence widest first.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.index.phash_build import PhashIndexBuilder
from core.index.phash_index import PhashIndex
from core.index.phash_stream import MAX_STREAM_QUERIES, StreamMatches

STREAM_TABLE_BUDGET = 12 << 30  # bytes of stream matcher tables a worker may hold


def stream_table_bytes(queries: int, radius: int) -> int:
    """Measured bytes of the stream matchers' tables for a group (bench/bench_batch.py: full 65,535-query chunks
    hold 360 MB at radius 8, 280 MB at 6, 63 MB at 4)."""
    per_query = 5_500 if radius >= 7 else 4_250 if radius >= 5 else 960
    return queries * per_query


def plan_groups(groups: Sequence[tuple[int, int]], budget: int = STREAM_TABLE_BUDGET) -> list[bool]:
    """For (distinct queries, radius) groups: True where the group is searched as a `QueryIndex`. Stream matchers
    are kept for the widest radii first while their tables fit the budget."""
    indexed = [True] * len(groups)
    left = budget
    for at in sorted(range(len(groups)), key=lambda i: -groups[i][1]):
        size = stream_table_bytes(*groups[at])
        if size <= left:
            indexed[at], left = False, left - size
    return indexed


class QueryIndex:
    """The distinct query values of one radius group, as a memory-mapped pHash index searched with row hashes."""

    def __init__(self, values: npt.NDArray[np.uint64], radius: int) -> None:
        self.radius = radius
        self._directory = Path(tempfile.mkdtemp(prefix="traintrace-queries-"))
        weakref.finalize(self, shutil.rmtree, self._directory, True)
        builder = PhashIndexBuilder(self._directory / "index")
        builder.add(np.ascontiguousarray(values, np.uint64), np.arange(len(values), dtype=np.int64))
        builder.finish()
        self._index = PhashIndex.open(self._directory / "index")

    def match_hashes(self, values: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_]) -> StreamMatches:
        """The (query, row) pairs within the radius, ordered as the group's stream matchers return them."""
        positions = np.flatnonzero(valid)
        found = self._index.search(values[positions], self.radius, threads=1)
        rows = positions[found.query_idx]
        query = found.ordinals.astype(np.int64)
        order = np.lexsort((query, rows, query // MAX_STREAM_QUERIES))
        return StreamMatches(query[order], rows[order].astype(np.int64), found.distances[order])
