"""A hash index's state on disk, and searching one that is not built yet by streaming its spilled runs.

`dataset add` spills every row's hash with its ordinal as unsorted runs (`runs`: 8 bytes a row for a pHash,
32 for a SHA-256) and leaves sorting them into the index (`phash_build`, `sha_build`) to an explicit, later
step. Until then, queries the import pass did not search are answered by reading the runs once: pHashes through
the streaming kernel (`phash_stream`), SHA-256 digests by a sorted-prefix test and a full 32-byte comparison.
Both are exact and answer in the index's own form (`PhashMatches`, `ShaMatches`), so a caller cannot tell which
one it asked except by the cost: a stream reads every row, an index search a few pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from core.index import phash_layout, sha_index
from core.index.hexparse import SHA256_BYTES, sha256_prefixes
from core.index.phash_chunks import ChunkedStreamMatcher
from core.index.phash_index import PhashIndex, PhashMatches
from core.index.phash_stream import distinct_radii
from core.index.runs import MANIFEST, IndexFormatError, RunStore, read_manifest
from core.index.sha_index import Digests, ShaIndex, ShaMatches, as_digest_rows
from core.progress import Progress

State = Literal["none", "runs", "index"]


@dataclass(frozen=True)
class IndexState:
    """What a hash index directory holds: nothing, unsorted runs (searched by streaming) or the built index."""

    kind: str  # "phash" | "sha256"
    state: State
    rows: int
    nbytes: int  # bytes on disk of the runs or the index files


def index_state(directory: Path, kind: str) -> IndexState:
    """The state of `directory` (an index directory of `kind`); an unreadable manifest counts as nothing."""
    if not (directory / MANIFEST).exists():
        return IndexState(kind, "none", 0, 0)
    try:
        manifest = read_manifest(directory)
    except IndexFormatError:
        return IndexState(kind, "none", 0, 0)
    if manifest.get("state") == "finished":
        files = [path for path in directory.iterdir() if path.is_file() and path.name != MANIFEST]
        return IndexState(kind, "index", int(manifest.get("rows", 0)), sum(path.stat().st_size for path in files))
    dtype, width = _KEYS[kind]
    runs = RunStore.read(directory, kind, dtype, width)
    return IndexState(kind, "runs", runs.rows, runs.nbytes())


_KEYS: dict[str, tuple[npt.DTypeLike, int]] = {phash_layout.KIND: (np.uint64, 1), sha_index.KIND: (np.uint8, 32)}


class PhashSearch(Protocol):
    rows: int

    def search(self, queries: npt.ArrayLike, max_distance: int | npt.ArrayLike) -> PhashMatches:
        """`max_distance`: one radius for all queries, or one per query."""
        ...


class ShaSearch(Protocol):
    rows: int

    def lookup(self, digests: Digests) -> ShaMatches: ...


def open_phash_search(directory: Path, progress: Progress | None = None) -> PhashSearch:
    """The built pHash index of `directory`, or a stream over its runs when it is not built yet."""
    if index_state(directory, phash_layout.KIND).state == "runs":
        return PhashRunScan(directory, progress)
    return PhashIndex.open(directory)


def open_sha_search(directory: Path, progress: Progress | None = None) -> ShaSearch:
    """The built SHA-256 index of `directory`, or a stream over its runs when it is not built yet."""
    if index_state(directory, sha_index.KIND).state == "runs":
        return ShaRunScan(directory, progress)
    return ShaIndex.open(directory)


class PhashRunScan:
    """Exact Hamming range search by streaming every spilled (pHash, ordinal) run through the streaming kernel."""

    def __init__(self, directory: Path, progress: Progress | None = None) -> None:
        self._runs = RunStore.read(directory, phash_layout.KIND, np.uint64, 1)
        self._progress = progress or Progress()
        self.rows = self._runs.rows

    def search(self, queries: npt.ArrayLike, max_distance: int | npt.ArrayLike) -> PhashMatches:
        """Every (query, row) pair within the query's radius (`max_distance`: one for all, or one per query; a
        value held by several queries is searched at the widest of theirs), in one read of the runs."""
        query_array = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1)
        if not len(query_array) or not self.rows:
            return _no_phash_matches()
        distinct, radii = distinct_radii(query_array, max_distance)
        inverse = np.searchsorted(distinct, query_array)
        matcher = ChunkedStreamMatcher(distinct, int(radii.max()), radii=radii)
        found_ids, found_ordinals, found_distances = [], [], []
        self._progress.start(self.rows, "streaming the stored pHashes")
        for hashes, ordinals in _pieces(self._runs):
            self._progress.check_cancelled()
            assert ordinals is not None
            pairs = matcher.match_hashes(hashes)
            found_ids.append(pairs.query_idx)
            found_ordinals.append(ordinals[pairs.rows])
            found_distances.append(pairs.distances)
            self._progress.advance(len(hashes))
        ids = np.concatenate(found_ids)
        ordinals_found = np.concatenate(found_ordinals)
        distances = np.concatenate(found_distances)
        # Every query holding a matched distinct value gets the pair.
        order = np.argsort(inverse, kind="stable")
        starts = np.searchsorted(inverse[order], np.arange(len(distinct) + 1))
        counts = starts[ids + 1] - starts[ids]
        positions = np.repeat(starts[ids] - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        query_idx = order[positions].astype(np.int64)
        ordinals_all = np.repeat(ordinals_found, counts)
        distances_all = np.repeat(distances, counts)
        final = np.lexsort((ordinals_all, query_idx))
        return PhashMatches(query_idx[final], ordinals_all[final], distances_all[final])


class ShaRunScan:
    """Exact SHA-256 lookup by streaming every spilled (digest, ordinal) run: a prefix test, then all 32 bytes."""

    def __init__(self, directory: Path, progress: Progress | None = None) -> None:
        self._runs = RunStore.read(directory, sha_index.KIND, np.uint8, SHA256_BYTES)
        self._progress = progress or Progress()
        self.rows = self._runs.rows

    def lookup(self, digests: Digests) -> ShaMatches:
        queries = as_digest_rows(digests)
        if not len(queries) or not self.rows:
            return ShaMatches(np.zeros(0, np.int64), np.zeros(0, np.int64))
        prefixes = sha256_prefixes(queries)
        order = np.argsort(prefixes, kind="stable")
        sorted_prefixes = prefixes[order]
        found_queries, found_ordinals = [], []
        self._progress.start(self.rows, "streaming the stored SHA-256 digests")
        for rows, ordinals in _pieces(self._runs):
            self._progress.check_cancelled()
            assert ordinals is not None
            row_prefixes = sha256_prefixes(rows)
            low = np.searchsorted(sorted_prefixes, row_prefixes, side="left")
            high = np.searchsorted(sorted_prefixes, row_prefixes, side="right")
            candidates = np.flatnonzero(high > low)
            for row in candidates.tolist():
                for position in range(int(low[row]), int(high[row])):
                    query = int(order[position])
                    if np.array_equal(rows[row], queries[query]):
                        found_queries.append(query)
                        found_ordinals.append(int(ordinals[row]))
            self._progress.advance(len(rows))
        query_idx = np.array(found_queries, dtype=np.int64)
        ordinals_found = np.array(found_ordinals, dtype=np.int64)
        final = np.lexsort((ordinals_found, query_idx))
        return ShaMatches(query_idx[final], ordinals_found[final])


def _pieces(runs: RunStore) -> Iterator[tuple[npt.NDArray[Any], npt.NDArray[np.int64] | None]]:
    """The runs' rows piece by piece; a run file that cannot be read is an IndexFormatError (the search is then
    reported as not done, never as done with nothing found)."""
    try:
        yield from runs.pieces(with_ordinals=True)
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"the stored hashes in {runs.directory} cannot be read: {exc}") from exc


def _no_phash_matches() -> PhashMatches:
    return PhashMatches(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint8))
