"""pHash matching for query sets too big for the streaming kernel's tables: the queries as a compact index.

`PhashStreamMatcher` indexes at most 65,535 queries per matcher in tables of about 128 MB; 10,000 portfolios
(25 million query hashes in three radius groups) need 368 of them, 47 GB, which no worker holds. For a radius
group whose stream matchers would exceed `STREAM_TABLE_BUDGET`, `QueryIndex` instead builds the dataset-side
multi-index (`PhashIndexBuilder`, 23 bytes a query: 0.55 GB for all 25 million) over the group's distinct
values once per worker, in a temporary directory, and searches each batch's row hashes against it with
`PhashIndex.search` (the rows are its "queries"). The pairs are the same, returned in the order the stream
matchers give them (chunk by chunk, by row, by query), so the records are identical.

CPU, measured on this machine (bench/bench_batch.py, one core, 65,536 random rows a batch), per row:
- radius 4, 12 M queries: index 10.9 us; 184 stream matchers 9.0 us (0.049 us each);
- radius 6, 10 M queries: index 62 us; 153 stream matchers 14.7 us (0.096 us each);
- radius 8, 2 M queries: index 113 us; 31 stream matchers 10 us (0.32 us each).
So the index is chosen for memory, never for speed: below the budget the stream matchers are faster.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.index.phash_build import PhashIndexBuilder
from core.index.phash_index import PhashIndex
from core.index.phash_stream import MAX_STREAM_QUERIES, StreamMatches

STREAM_TABLE_BYTES = 128 << 20  # one full stream matcher's tables (47 GB / 368 measured)
STREAM_TABLE_BUDGET = 4 << 30  # per radius group and worker: beyond this, the group is searched as an index


def use_index(queries: int, budget: int = STREAM_TABLE_BUDGET) -> bool:
    """Whether a radius group of `queries` distinct values is matched through a `QueryIndex`."""
    chunks = -(-queries // MAX_STREAM_QUERIES)
    return chunks * STREAM_TABLE_BYTES > budget


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
