"""The streaming kernel for any number of queries: one `PhashStreamMatcher` per `MAX_STREAM_QUERIES` of them.

A matcher packs a query's index in 16 bits, so it takes at most 65,535 queries; a portfolio of more than about
1,700 works (each with its variants) has more. The pairs are those one matcher over all the queries would give:
every (query, row) within the radius, `query_idx` into the whole query array, sorted by row, then query.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from core.index.phash_stream import MAX_STREAM_QUERIES, PhashStreamMatcher, StreamMatches, each_radius


class ChunkedStreamMatcher:
    """`PhashStreamMatcher`'s `match_hashes` over chunks of at most MAX_STREAM_QUERIES queries (`radii`: each
    query's radius, at most `max_distance`; default `max_distance` for all)."""

    def __init__(
        self,
        queries: npt.ArrayLike,
        max_distance: int,
        chunk: int = MAX_STREAM_QUERIES,
        radii: npt.ArrayLike | None = None,
    ) -> None:
        self.queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1)
        self.max_distance = max_distance
        each = each_radius(max_distance if radii is None else radii, len(self.queries))
        self._chunks = [
            (begin, PhashStreamMatcher(self.queries[begin : begin + chunk], max_distance, each[begin : begin + chunk]))
            for begin in range(0, max(1, len(self.queries)), chunk)
        ]

    def match_hashes(self, hashes: npt.NDArray[np.uint64], valid: npt.NDArray[np.bool_] | None = None) -> StreamMatches:
        parts = []
        for begin, matcher in self._chunks:
            found = matcher.match_hashes(hashes, valid)
            parts.append(found._replace(query_idx=found.query_idx + begin))
        return StreamMatches.merged(parts)
