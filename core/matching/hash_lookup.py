"""The pHash and SHA-256 pairs of one added dataset for a portfolio's queries, exactly as a fresh pass would find.

A query is answered from the pairs stored by the import pass (`core.datasets.hash_pairs`) when every shard whose
rows are in the hash runs was done by a search that covered it (same hash, radius at least the one it needs now:
`scoring.query_radii`, its variants' reach). Every other query (a work added after the import, a variant that
changed, a wider threshold, a shard imported in part)
is searched in the built index, or, while the index is not built, by streaming the spilled runs once; a stream's
pairs and cover are then stored, so the next match answers those queries without reading the runs again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.datasets.hash_pairs import PHASH, SHA256, Cover, PhashPair
from core.datasets.store import DatasetStore
from core.index.phash_index import PhashMatches
from core.index.phash_stream import distinct_radii, radius_groups
from core.index.run_scan import PhashRunScan, ShaRunScan, index_state, open_phash_search, open_sha_search
from core.index.runs import read_manifest
from core.index.sha_index import ShaMatches
from core.progress import Progress


def phash_matches(
    store: DatasetStore, queries: npt.NDArray[np.uint64], radii: int | npt.ArrayLike, progress: Progress
) -> PhashMatches:
    """Every (query, row) pair within the query's radius (`radii`: one per query, or one for all; a value held by
    several queries is searched at the widest of theirs, and each of them gets its pairs), `query_idx` indexing
    `queries`, sorted by query, then row."""
    directory = store.phash_dir
    state = index_state(directory, PHASH)
    distinct, needed = distinct_radii(queries, radii)
    if state.state == "none" or not len(distinct):
        return PhashMatches(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint8))
    covered = _covered_phashes(store, distinct, needed)
    values, ordinals, distances = store.pairs.phash_pairs(int(needed.max()))
    at = np.minimum(np.searchsorted(distinct, values), len(distinct) - 1)
    keep = (distinct[at] == values) & covered[at] & (distances <= needed[at])  # what a search at its radius finds
    values, ordinals, distances = values[keep], ordinals[keep], distances[keep]
    missing = np.flatnonzero(~covered)
    if len(missing):
        search = open_phash_search(directory, progress)
        found = search.search(distinct[missing], needed[missing])
        found_values = distinct[missing][found.query_idx]
        if isinstance(search, PhashRunScan):
            covers = [Cover.phash(distinct[missing[group]], radius) for radius, group in radius_groups(needed[missing])]
            _record_phash(store, found_values, found, covers)
        values = np.concatenate([values, found_values])
        ordinals = np.concatenate([ordinals, found.ordinals])
        distances = np.concatenate([distances, found.distances])
    return _expand(np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1), values, ordinals, distances)


def sha_matches(store: DatasetStore, digests: npt.NDArray[np.uint8], progress: Progress) -> ShaMatches:
    """Every (query, row) pair of byte-identical SHA-256s (`query_idx` indexes `digests`' rows)."""
    directory = store.sha256_dir
    queries = [bytes(row) for row in np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, 32)]
    if index_state(directory, SHA256).state == "none" or not queries:
        return ShaMatches(np.zeros(0, np.int64), np.zeros(0, np.int64))
    distinct = sorted(set(queries))
    covered = _covered_digests(store, distinct)
    pairs = [(digest, ordinal) for digest, ordinal in store.pairs.sha_pairs() if digest in covered]
    missing = [digest for digest in distinct if digest not in covered]
    if missing:
        search = open_sha_search(directory, progress)
        found = search.lookup(missing)
        found_pairs = [(missing[q], o) for q, o in zip(found.query_idx.tolist(), found.ordinals.tolist(), strict=True)]
        if isinstance(search, ShaRunScan):
            shard_of = _shard_of(store, [o for _, o in found_pairs])
            store.pairs.add_sha([(d, o, shard_of[o]) for d, o in found_pairs])
            missing_rows = np.frombuffer(b"".join(missing), dtype=np.uint8).reshape(-1, 32)
            store.pairs.add_cover(Cover.sha256(missing_rows), _done_shards_in_runs(store, directory))
        pairs += found_pairs
    owners: dict[bytes, list[int]] = {}
    for index, digest in enumerate(queries):
        owners.setdefault(digest, []).append(index)
    expanded = sorted({(q, o) for digest, o in pairs for q in owners.get(digest, [])})
    return ShaMatches(np.array([q for q, _ in expanded], np.int64), np.array([o for _, o in expanded], np.int64))


def _covered_phashes(
    store: DatasetStore, distinct: npt.NDArray[np.uint64], needed: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Which of `distinct` every shard in the runs covered at a radius of at least the one each needs (`needed`)."""
    shards = _shards_in_runs(store.phash_dir)
    if shards is None:
        return np.zeros(len(distinct), np.bool_)
    covers = store.pairs.complete_covers(PHASH)
    done = {shard.seq for shard in store.shards() if shard.status == "done"}
    covered = np.ones(len(distinct), np.bool_)
    for seq in shards:
        widest = np.full(len(distinct), -1, np.int64)  # the widest radius this shard searched each at
        if seq in done:
            for cover in covers.get(seq, []):
                inside = np.isin(distinct, cover.phashes())
                widest[inside] = np.maximum(widest[inside], cover.radius)
        covered &= widest >= needed
    return covered


def _covered_digests(store: DatasetStore, distinct: list[bytes]) -> set[bytes]:
    shards = _shards_in_runs(store.sha256_dir)
    if shards is None:
        return set()
    covers = store.pairs.complete_covers(SHA256)
    done = {shard.seq for shard in store.shards() if shard.status == "done"}
    covered = set(distinct)
    for seq in shards:
        here: set[bytes] = set()
        if seq in done:
            for cover in covers.get(seq, []):
                here |= set(cover.digests())
        covered &= here
    return covered


def _shards_in_runs(directory: Path) -> set[int] | None:
    """The shards whose rows are in the index or its runs (from their chunk ids "seq:unit[:piece]"); None if the
    chunk ids do not say (an index written before chunk ids named row groups)."""
    manifest = read_manifest(directory)
    shards = set()
    for chunk in manifest.get("chunks", []):
        head = str(chunk).split(":")[0]
        if not head.isdigit():
            return None
        shards.add(int(head))
    return shards


def _done_shards_in_runs(store: DatasetStore, directory: Path) -> list[int]:
    shards = _shards_in_runs(directory) or set()
    return sorted(shard.seq for shard in store.shards() if shard.status == "done" and shard.seq in shards)


def _shard_of(store: DatasetStore, ordinals: list[int]) -> dict[int, int]:
    """The shard holding each ordinal (-1 if none does)."""
    ranges = sorted(
        (shard.first_ordinal, shard.first_ordinal + shard.rows, shard.seq)
        for shard in store.shards()
        if shard.first_ordinal is not None
    )
    starts = [begin for begin, _, _ in ranges]
    found = {}
    for ordinal in ordinals:
        at = int(np.searchsorted(starts, ordinal, side="right")) - 1
        found[ordinal] = ranges[at][2] if at >= 0 and ordinal < ranges[at][1] else -1
    return found


def _record_phash(
    store: DatasetStore, values: npt.NDArray[np.uint64], found: PhashMatches, covers: list[Cover]
) -> None:
    """Keep what a stream over the runs found, and that it searched every row of the done shards in them."""
    shard_of = _shard_of(store, found.ordinals.tolist())
    store.pairs.add_phash(
        PhashPair(value, ordinal, shard_of[ordinal], distance)
        for value, ordinal, distance in zip(values.tolist(), found.ordinals.tolist(), found.distances.tolist(),
                                            strict=True)
    )  # fmt: skip
    shards = _done_shards_in_runs(store, store.phash_dir)
    for cover in covers:
        store.pairs.add_cover(cover, shards)


def _expand(
    queries: npt.NDArray[np.uint64],
    values: npt.NDArray[np.uint64],
    ordinals: npt.NDArray[np.int64],
    distances: npt.NDArray[np.uint8],
) -> PhashMatches:
    """Pairs of distinct query values -> pairs of every query holding that value, distinct, sorted."""
    order = np.argsort(queries, kind="stable")
    sorted_queries = queries[order]
    low = np.searchsorted(sorted_queries, values, side="left")
    high = np.searchsorted(sorted_queries, values, side="right")
    counts = high - low
    positions = np.repeat(low - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
    query_idx = order[positions].astype(np.int64)
    pair_ordinals = np.repeat(ordinals, counts)
    pair_distances = np.repeat(distances, counts)
    keys = np.unique(np.stack([query_idx, pair_ordinals]), axis=1, return_index=True)[1]
    query_idx, pair_ordinals, pair_distances = query_idx[keys], pair_ordinals[keys], pair_distances[keys]
    final = np.lexsort((pair_ordinals, query_idx))
    return PhashMatches(query_idx[final], pair_ordinals[final], pair_distances[final])
