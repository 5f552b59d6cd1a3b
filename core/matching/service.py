"""Run matching for the catalogue: every readable work and the artist profile against every added dataset."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.catalogue.matches import FoundMatch, MatchRepository
from core.catalogue.works import Work, WorkRepository
from core.datasets.manager import DatasetManager
from core.index.runs import IndexFormatError
from core.matching.engine import DatasetMatcher, WorkQuery
from core.profile import Profile
from core.progress import Progress


@dataclass(frozen=True)
class DatasetOutcome:
    dataset: str
    coverage: str
    found: int
    by_kind: tuple[tuple[str, int], ...]
    error: str = ""  # why this dataset could not be searched (the others still were)


@dataclass(frozen=True)
class MatchSummary:
    datasets: tuple[DatasetOutcome, ...]
    works: int
    max_distance: int
    elapsed_seconds: float

    @property
    def found(self) -> int:
        return sum(outcome.found for outcome in self.datasets)


class MatchService:
    def __init__(
        self, works: WorkRepository, matches: MatchRepository, datasets: DatasetManager, now: Callable[[], str]
    ) -> None:
        self._works = works
        self._matches = matches
        self._datasets = datasets
        self._now = now

    def run(
        self, profile: Profile, max_distance: int, progress: Progress, only: Sequence[Work] | None = None
    ) -> MatchSummary:
        """Match, store every match (decisions kept) and drop undecided matches a full run no longer finds."""
        started = time.monotonic()
        works = [work for work in (only if only is not None else self._works.all()) if work.ok]
        queries = self._queries(works)
        matcher = DatasetMatcher(profile, max_distance)
        outcomes = []
        dataset_ids = self._datasets.ids()
        for dataset_id in dataset_ids:
            with progress.step(1 / max(1, len(dataset_ids)), f"Matching {dataset_id}") as step:
                outcomes.append(self._one(dataset_id, matcher, queries, only is None, step))
        return MatchSummary(tuple(outcomes), len(works), max_distance, time.monotonic() - started)

    def _one(
        self, dataset_id: str, matcher: DatasetMatcher, queries: list[WorkQuery], full_run: bool, progress: Progress
    ) -> DatasetOutcome:
        info = self._datasets.info(dataset_id)
        store = self._datasets.open(dataset_id)
        try:
            found = matcher.match(store, queries, info.coverage, progress)
        except IndexFormatError as exc:
            reason = f"{exc}; run `traintrace dataset add {dataset_id}` again to rebuild its index"
            return DatasetOutcome(dataset_id, info.coverage, 0, (), reason)
        finally:
            store.close()
        self._matches.record(found, self._now())
        if full_run:
            self._matches.forget_candidates(dataset_id, info.descriptor.kinds, self._matches.ids_for(found))
        return DatasetOutcome(dataset_id, info.coverage, len(found), _count_kinds(found))

    def _queries(self, works: list[Work]) -> list[WorkQuery]:
        variants = self._works.variants(work.id for work in works)
        queries = []
        for work in works:
            assert work.sha256 is not None and work.phash is not None
            phashes = (("original", work.phash), *variants.get(work.id, {}).items())
            size = (work.width, work.height) if work.width and work.height else None
            queries.append(WorkQuery(work.id, os.path.basename(work.path), work.sha256, phashes, size))
        return queries


def _count_kinds(found: list[FoundMatch]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for match in found:
        counts[match.kind] = counts.get(match.kind, 0) + 1
    return tuple(sorted(counts.items()))
