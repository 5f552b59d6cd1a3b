"""Matching the catalogue against the added datasets: every readable work and the artist profile.

Adding a dataset and matching it is one streaming pass (`importer`); matching again later reads the hash pairs
that pass found, searches the compact indexes (or the stored hashes) only for works it did not search, reads the
kept hits, and streams a dataset's URL/caption columns again only when the profile changed (`reread`). Every
outcome says what was searched, completely or not, and why not.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.catalogue.matches import FoundMatch, MatchRepository
from core.catalogue.works import Work, WorkRepository
from core.datasets.manager import DatasetManager, keep_choice, shards_coverage
from core.index.runs import IndexFormatError
from core.matching.engine import DatasetMatcher, WorkQuery
from core.matching.importer import DatasetImporter, ImportReport
from core.matching.profile_rules import notes, rules_fingerprint
from core.matching.reread import ProfileRepass, RowFetcher
from core.matching.scoring import query_radii
from core.matching.shard_pass import PortfolioQueries, ShardPass, profile_fingerprint
from core.profile import Profile
from core.progress import Progress
from core.vocabulary import Coverage, MatchKind


@dataclass(frozen=True)
class DatasetOutcome:
    dataset: str
    coverage: str
    found: int
    by_kind: tuple[tuple[str, int], ...]
    error: str = ""  # why this dataset could not be searched at all (the others still were)
    problems: tuple[str, ...] = ()  # what of it was not fully searched, and why
    notes: tuple[str, ...] = ()  # one-line notices (a dataset converted from the old format)


@dataclass(frozen=True)
class MatchSummary:
    datasets: tuple[DatasetOutcome, ...]
    works: int
    max_distance: int
    elapsed_seconds: float
    plain_works: tuple[str, ...] = ()  # file names of works too plain to match by picture (file and names only)
    stale_works: tuple[str, ...] = ()  # file names of works matched without variants (made by an older version)
    profile_notes: tuple[str, ...] = ()  # profile entries matching skipped, and why (`profile_rules.notes`)

    @property
    def found(self) -> int:
        return sum(outcome.found for outcome in self.datasets)

    def work_notes(self) -> list[str]:
        """What the summary should tell the artist about works that were not searched in every way."""
        notes = []
        if self.plain_works:
            notes.append(
                f"{len(self.plain_works)} work(s) too plain to match by picture (blank, flat or almost: their"
                f" pHash is every flat picture's); matched by file and name only: {_names(self.plain_works)}"
            )
        if self.stale_works:
            notes.append(
                f"{len(self.stale_works)} work(s) were fingerprinted by an older TrainTrace and matched by their"
                f" own pHash only, not their padded, cropped or mirrored copies: scan them again to search those"
                f" too: {_names(self.stale_works)}"
            )
        return notes


def _names(names: tuple[str, ...], shown: int = 5) -> str:
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


class MatchService:
    def __init__(
        self, works: WorkRepository, matches: MatchRepository, datasets: DatasetManager, now: Callable[[], str]
    ) -> None:
        self._works = works
        self._matches = matches
        self._datasets = datasets
        self._now = now

    def add_dataset(
        self,
        dataset_id: str,
        schema: str | None,
        sources: Sequence[str],
        mappings: dict[str, str],
        profile: Profile,
        max_distance: int,
        progress: Progress,
        keep_columns: bool | None = None,
    ) -> tuple[ImportReport, MatchSummary | None]:
        """Import a dataset's shards in one pass matching in flight, then record its matches. An import that
        left nothing searchable removes the dataset again (its report says why) and records nothing.
        `keep_columns`: keep (or stop keeping) a local copy of the URL/caption columns (None: as chosen before)."""
        store = self._datasets.prepare(dataset_id, schema, sources, mappings, keep_columns)
        try:
            keep_note = keep_choice(store, keep_columns)
            works = self._readable_works()
            shard_pass = ShardPass(store.descriptor.kinds, _portfolio(self._queries(works), max_distance), profile)
            importer = DatasetImporter(self._datasets.opener, shard_pass, _fingerprint(profile), self._now)
            with progress.step(0.9, f"Adding {dataset_id}") as adding:
                report = importer.run(store, adding)
            if store.converted:
                report = dataclasses.replace(report, converted=True)
            if keep_note:
                report = dataclasses.replace(report, notes=(*report.notes, keep_note))
        finally:
            store.close()
        if report.produced_nothing:
            self._datasets.remove(dataset_id)
            return report, None
        with progress.step(0.1, f"Matching {dataset_id}") as matching:
            summary = self.run(profile, max_distance, matching, dataset_ids=[dataset_id])
        return report, summary

    def run(
        self,
        profile: Profile,
        max_distance: int,
        progress: Progress,
        only: Sequence[Work] | None = None,
        dataset_ids: Sequence[str] | None = None,
    ) -> MatchSummary:
        """Match, store every match (decisions kept) and drop undecided matches a full run no longer finds."""
        started = time.monotonic()
        works = [work for work in only if work.ok] if only is not None else self._readable_works()
        ids = list(dataset_ids) if dataset_ids is not None else self._datasets.ids()
        skipped = notes(profile)
        queries = self._queries(works)
        plain = tuple(query.file_name for query in queries if not query.matchable_by_picture)
        stale = tuple(os.path.basename(work.path) for work in works if work.stale_variants)
        if not ids:
            return MatchSummary((), len(works), max_distance, time.monotonic() - started, plain, stale, skipped)
        matcher = DatasetMatcher(profile, max_distance, RowFetcher(self._datasets.opener))
        repass = ProfileRepass(
            self._datasets.opener,
            lambda: ShardPass(("url", "text"), PortfolioQueries.empty(max_distance), profile, hashes=False),
            _fingerprint(profile),
            bool(profile.domains or profile.url_prefixes or profile.name or profile.aliases or profile.handles),
        )
        outcomes = []
        for dataset_id in ids:
            with progress.step(1 / max(1, len(ids)), f"Matching {dataset_id}") as step:
                outcomes.append(self._one(dataset_id, matcher, repass, queries, only is None, step))
        return MatchSummary(
            tuple(outcomes), len(works), max_distance, time.monotonic() - started, plain, stale, skipped
        )

    def _one(
        self,
        dataset_id: str,
        matcher: DatasetMatcher,
        repass: ProfileRepass,
        queries: list[WorkQuery],
        full_run: bool,
        progress: Progress,
    ) -> DatasetOutcome:
        store = self._datasets.open(dataset_id)
        notes = (store.converted,) if store.converted else ()
        try:
            coverage = shards_coverage(store.shards())
            if not any(shard.status == "done" for shard in store.shards()):
                reason = "nothing of it was imported (every shard failed); add it again"
                return DatasetOutcome(dataset_id, coverage, 0, (), reason, notes=notes)
            rereads = repass.reads(store)
            if rereads:  # the step shows only when shards are really read again
                with progress.step(0.5, "URL and caption pass") as passing:
                    repass_failed = repass.run(store, passing)
            else:  # nothing stale, or a profile that cannot match: stale shards are settled without a read
                repass_failed = repass.run(store, Progress())
            with progress.step(0.5 if rereads else 1.0, "Matching") as matching:
                search = matcher.match(store, queries, coverage, matching)
        except IndexFormatError as exc:
            reason = f"{exc}; run `traintrace dataset add {dataset_id}` again to read its shards again"
            return DatasetOutcome(dataset_id, Coverage.PARTIAL, 0, (), reason, notes=notes)
        finally:
            store.close()
        searched = set(search.searched)
        problems = list(search.problems)
        for shard, error in repass_failed:
            searched -= {MatchKind.URL, MatchKind.TEXT}
            problems.append(f"url, text: shard {shard} could not be read again for the changed profile: {error}")
        self._matches.record(search.found, self._now())
        if full_run and searched:
            self._matches.forget_candidates(dataset_id, sorted(searched), self._matches.ids_for(search.found))
        return DatasetOutcome(
            dataset_id, coverage, len(search.found), _count_kinds(search.found), problems=tuple(problems), notes=notes
        )

    def _readable_works(self) -> list[Work]:
        return [work for work in self._works.all() if work.ok]

    def _queries(self, works: list[Work]) -> list[WorkQuery]:
        return work_queries(self._works, works)


def work_queries(repository: WorkRepository, works: Sequence[Work]) -> list[WorkQuery]:
    """What matching knows of each readable work: its hashes (variants included), file name, size and how much of
    its pHash a copy keeps. Variants made by an older variant set are left out (never matched stale): such a work
    is matched by its own pHash until a scan makes its variants again (`Work.stale_variants`)."""
    variants = repository.variants(work.id for work in works if not work.stale_variants)
    queries = []
    for work in works:
        assert work.sha256 is not None and work.phash is not None
        phashes = (("original", work.phash), *variants.get(work.id, {}).items())
        size = (work.width, work.height) if work.width and work.height else None
        name = os.path.basename(work.path)
        queries.append(WorkQuery(work.id, name, work.sha256, phashes, size, work.informative_bits))
    return queries


def _portfolio(queries: list[WorkQuery], max_distance: int) -> PortfolioQueries:
    """The works' hashes, each pHash with the radius its variants can be accepted at (`scoring.query_radii`)."""
    phashes, radii = query_radii(
        ((variant, value) for query in queries if query.matchable_by_picture for variant, value in query.phashes),
        max_distance,
    )
    digests = np.frombuffer(b"".join(bytes.fromhex(query.sha256) for query in queries), dtype=np.uint8)
    return PortfolioQueries(phashes, digests.reshape(-1, 32), max_distance, radii)


def _fingerprint(profile: Profile) -> str:
    return profile_fingerprint(profile, rules_fingerprint())


def _count_kinds(found: list[FoundMatch]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for match in found:
        counts[match.kind] = counts.get(match.kind, 0) + 1
    return tuple(sorted(counts.items()))
