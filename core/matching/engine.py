"""Match the artist's works and profile against one imported dataset, every kind the dataset supports.

- `sha256`: byte-identical files, by exact lookup of the works' SHA-256s;
- `phash`: the reference pHash of each work *and of its canonical variants* (flattened on white, bordered,
  cropped, padded or centre-cropped to a standard shape, mirrored: what scraped copies look like) within the
  Hamming threshold; every candidate the acceptance rule admits (`records.best_phash_pairs`: its distance, and for
  a shaped variant the row's published width and height) is kept, ranked by `scoring.phash_score`. A work too
  plain to match by picture (`WorkQuery.matchable_by_picture`) is not searched by pHash at all;
- `url`: rows whose URL is on the artist's domains or under their upload URL prefixes (look-alike-proof);
  when the URL's file name is a work's file name, the match names that work too;
- `text`: captions naming the artist (names, aliases, handles, hashtags).

pHash and SHA-256 take the pairs the import pass found for the works it searched, and search the compact index
(or, until it is built, stream the spilled hashes) for the others (`hash_lookup`); URL and caption read the rows
the shard pass kept; a row found that was never kept is read back from its shard. Nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.catalogue.matches import FoundMatch
from core.datasets.store import DatasetRow, DatasetStore
from core.matching.hash_lookup import phash_matches, sha_matches
from core.matching.records import MatchRecords, WorkQuery, attribute_rows, best_phash_pairs, works_by_file_name
from core.matching.reread import RowFetcher
from core.matching.scoring import query_radii, within_reach
from core.matching.text import TextMatcher
from core.matching.urls import UrlMatcher
from core.profile import Profile
from core.progress import Progress
from core.vocabulary import MatchKind

SOURCE = "local index"
__all__ = ["SOURCE", "DatasetMatcher", "DatasetSearch", "WorkQuery", "attribute_rows"]


@dataclass(frozen=True)
class DatasetSearch:
    """What matching one dataset found, and what it could not search (the reason, per kind)."""

    found: list[FoundMatch]
    searched: frozenset[str]  # the kinds searched completely
    problems: tuple[str, ...]  # what was not (fully) searched, and why


class DatasetMatcher:
    """Builds the matches of one added dataset from its compact indexes and kept hits.

    pHash and SHA-256 cover every row of the dataset (`hash_lookup`); a row found that was never kept is read back
    from its shard by `fetcher`. URL and caption matches are the rows the shard pass
    accepted for the current profile (`ProfileRepass` brings them up to date first)."""

    def __init__(self, profile: Profile, max_distance: int, fetcher: RowFetcher) -> None:
        self._profile = profile
        self._max_distance = max_distance
        self._fetcher = fetcher
        self._urls = UrlMatcher(profile) if profile.domains or profile.url_prefixes else None
        self._text = TextMatcher(profile) if profile.name or profile.aliases or profile.handles else None
        self._kinds: dict[MatchKind, _KindMatcher] = {
            MatchKind.SHA256: self._by_sha256,
            MatchKind.PHASH: self._by_phash,
            MatchKind.URL: self._by_url,
            MatchKind.TEXT: self._by_text,
        }

    def match(
        self, store: DatasetStore, works: Sequence[WorkQuery], coverage: str, progress: Progress
    ) -> DatasetSearch:
        steps = [kind for kind in self._kinds if kind in store.descriptor.kinds]
        found: list[FoundMatch] = []
        searched: set[str] = set()
        problems: list[str] = []
        for kind in steps:
            progress.check_cancelled()
            with progress.step(1 / len(steps), f"{store.descriptor.name}: {kind}") as step:
                step.start(None)
                matches, failed = self._kinds[kind](store, works, coverage, step)
                found += matches
                if failed:
                    problems += [
                        f"{kind}: rows of shard {shard} could not be read back: {error}" for shard, error in failed
                    ]
                else:
                    searched.add(kind)
                step.advance()
        return DatasetSearch(found, frozenset(searched), tuple(problems))

    def _rows(
        self, store: DatasetStore, ordinals: list[int], progress: Progress
    ) -> tuple[dict[int, DatasetRow], list[tuple[str, str]]]:
        failed = self._fetcher.fetch(store, ordinals, progress)
        return {row.ordinal: row for row in store.rows(ordinals)}, failed

    def _by_sha256(
        self, store: DatasetStore, works: Sequence[WorkQuery], coverage: str, progress: Progress
    ) -> _KindResult:
        if not works:
            return [], []
        digests = np.frombuffer(b"".join(bytes.fromhex(work.sha256) for work in works), dtype=np.uint8).reshape(-1, 32)
        query_idx, ordinals = sha_matches(store, digests, progress)
        rows, failed = self._rows(store, [int(o) for o in ordinals], progress)
        records = MatchRecords(store.descriptor, coverage, SOURCE)
        found = [
            records.sha256(works[index], rows[ordinal])
            for index, ordinal in zip(query_idx.tolist(), ordinals.tolist(), strict=True)
            if ordinal in rows
        ]
        return found, failed

    def _by_phash(
        self, store: DatasetStore, works: Sequence[WorkQuery], coverage: str, progress: Progress
    ) -> _KindResult:
        if not works:
            return [], []
        owners = [(work, variant, value) for work in works if work.matchable_by_picture
                  for variant, value in work.phashes]  # fmt: skip
        if not owners:
            return [], []
        queries = np.array([value for _, _, value in owners], dtype=np.uint64)
        values, radii = query_radii(((variant, value) for _, variant, value in owners), self._max_distance)
        result = phash_matches(store, queries, radii[np.searchsorted(values, queries)], progress)
        candidates = [
            (owners[index][0].work_id, ordinal, owners[index][1], owners[index][2], distance)
            for index, ordinal, distance in zip(result.query_idx.tolist(), result.ordinals.tolist(),
                                                result.distances.tolist(), strict=True)
            if within_reach(distance, owners[index][1], self._max_distance)
        ]  # fmt: skip
        # The rows come first: whether a shaped variant counts depends on the row's published width and height.
        rows, failed = self._rows(store, sorted({candidate[1] for candidate in candidates}), progress)
        by_id = {work.work_id: work for work in works}
        best = best_phash_pairs(candidates, self._max_distance, by_id, {o: row.size for o, row in rows.items()})
        records = MatchRecords(store.descriptor, coverage, SOURCE)
        return records.phash(best, by_id, rows), failed

    def _by_url(
        self, store: DatasetStore, works: Sequence[WorkQuery], coverage: str, progress: Progress
    ) -> _KindResult:
        if self._urls is None:
            return [], []
        records, by_name = MatchRecords(store.descriptor, coverage, SOURCE), works_by_file_name(works)
        found = [records.url(row, self._urls, by_name) for row in store.rows(store.profile_hits("url"))]
        return [match for match in found if match is not None], []

    def _by_text(
        self, store: DatasetStore, works: Sequence[WorkQuery], coverage: str, progress: Progress
    ) -> _KindResult:
        if self._text is None:
            return [], []
        records = MatchRecords(store.descriptor, coverage, SOURCE)
        found = [records.text(row, self._text) for row in store.rows(store.profile_hits("text"))]
        return [match for match in found if match is not None], []


_KindResult = tuple[list[FoundMatch], list[tuple[str, str]]]
_KindMatcher = Callable[[DatasetStore, Sequence[WorkQuery], str, Progress], _KindResult]
