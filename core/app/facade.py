"""The facade: the one entry point the CLI and the GUI call.

Plain methods that take a `Progress` (default: a silent one) and return immutable dataclasses. The object is
built by a composition root (`core.cli.main`, `gui.app`) from its dependencies; nothing here is global.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.app.base import HUB_TOKEN_ID
from core.app.optout import OptOutFacade
from core.app.sources import SourcesFacade
from core.batch.hashlist import HashList, check_owner, public_profile, read_hash_lists, write_hash_list
from core.batch.runner import DEFAULT_ROWS_PER_TASK, BatchEvents, BatchJob, BatchReport, ClusterSpec, run_batch
from core.batch.service import BatchImport, batch_descriptor, hub_lister, import_batch
from core.catalogue.matches import Match
from core.datasets.manager import DatasetInfo
from core.datasets.planning import DatasetPlan
from core.errors import UsageError
from core.highlights import Highlights, highlights_for
from core.index.run_scan import IndexState
from core.matching.importer import ImportReport
from core.matching.profile_rules import check_new_entries, notes
from core.matching.service import MatchService, MatchSummary, work_queries
from core.paths import make_tree_private
from core.profile import Profile
from core.progress import Progress
from core.scanning.scanner import Scanner, ScanSummary
from core.searched import SearchSummary, summarise
from core.workflows import CheckResult, DemoResult, run_check, run_demo


@dataclass(frozen=True)
class KnownDataset:
    """A dataset the app can offer: what adding it takes (`plan`, offline) and, once added, `added`."""

    plan: DatasetPlan
    added: DatasetInfo | None = None

    @property
    def id(self) -> str:
        return self.plan.descriptor.id


class TrainTrace(SourcesFacade, OptOutFacade):
    """Scanning, datasets, matching, batch runs and review; remote sources and the opt-out outputs come from the
    two parts it is made of (core.app.sources, core.app.optout), which share FacadeBase's state."""

    def scan(self, roots: Sequence[Path], progress: Progress | None = None) -> ScanSummary:
        """Fingerprint every image under `roots` into the catalogue; unchanged files are not read again."""
        if not roots:
            raise UsageError("nothing to scan: give at least one folder or image file")
        missing = [str(root) for root in roots if not Path(root).exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        scanner = Scanner(self._works, self.settings.scan, self._timestamp)
        return scanner.scan([Path(root) for root in roots], progress or Progress())

    def hash_list(self, owner: str | None = None, work_ids: Sequence[int] | None = None) -> HashList:
        """The portable hash list of the readable works (all, or those of `work_ids`) and the public profile:
        hashes, file names and sizes only. `owner` defaults to the profile's name."""
        profile = self.profile()
        wanted = set(work_ids) if work_ids is not None else None
        works = [work for work in self._works.all() if work.ok and (wanted is None or work.id in wanted)]
        label = check_owner(owner if owner is not None else profile.name or "artist")
        return HashList(label, public_profile(profile), tuple(work_queries(self._works, works)))

    def export_hashes(self, path: Path, owner: str | None = None, work_ids: Sequence[int] | None = None) -> HashList:
        """Write the hash list (`hash_list`) to `path` as Parquet (format in README.md) and return it."""
        hash_list = self.hash_list(owner, work_ids)
        write_hash_list(path, hash_list)
        return hash_list

    def run_batch(
        self,
        hashes: Sequence[Path],
        dataset_id: str,
        out_dir: Path,
        events: BatchEvents,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
        cluster: ClusterSpec | None = None,
        max_distance: int | None = None,
        rows_per_task: int = DEFAULT_ROWS_PER_TASK,
        progress: Progress | None = None,
    ) -> BatchReport:
        """Match every hash list against every shard of a dataset on Dask; results and manifest in `out_dir`
        (a stopped batch resumes there). Nothing is written to this catalogue."""
        hash_lists = tuple(read_hash_lists(hashes))
        lister = hub_lister(self._http_client, lambda: self._secrets.get(HUB_TOKEN_ID))
        descriptor = batch_descriptor(dataset_id, schema, sources, mappings or {}, lister)
        distance = self.settings.matching.max_distance if max_distance is None else max_distance
        job = BatchJob(descriptor, hash_lists, distance, out_dir, rows_per_task)
        report = run_batch(job, cluster or ClusterSpec(), events, progress)
        skipped = tuple(f"{hash_list.owner}: {line}" for hash_list in hash_lists for line in notes(hash_list.profile))
        return dataclasses.replace(report, profile_notes=skipped)

    def import_batch(self, directory: Path, owner: str) -> BatchImport:
        """Load one owner's batch results as matches (source "batch") to review like local ones."""
        return import_batch(directory, owner, self._works, self._matches, self._timestamp())

    def set_profile(self, profile: Profile, command_line: bool = False) -> Profile:
        """Validate and store the profile. Raises UsageError naming a domain or URL prefix that is none, and every
        entry matching would refuse (stop-word or too short names, shared hosting platforms: `profile_rules`) that
        the stored profile does not hold already; `command_line` words the reasons with the CLI's options."""
        check_new_entries(profile, self.profile(), command_line)
        self._profiles.save(profile)
        return profile

    def dataset_info(self, dataset_id: str) -> DatasetInfo:
        return self._datasets.info(dataset_id)

    def add_dataset(
        self,
        dataset_id: str,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
        progress: Progress | None = None,
        keep_columns: bool | None = None,
    ) -> ImportReport:
        """Add (or resume adding) a dataset: one streaming pass over its shards that matches the catalogue's works
        and the profile in flight, keeps only the hits and spills every row's hash for later searches; its matches
        are recorded. A report whose `produced_nothing` is set left no dataset behind. `keep_columns`: keep a
        local copy of the URL/caption columns of the shards imported from now on, so a profile change is matched
        without reading the shards again (False: stop keeping and delete the copy; None: as chosen before)."""
        try:
            report, summary = self._match_service().add_dataset(
                dataset_id, schema, sources, mappings or {}, self.profile(), self.settings.matching.max_distance,
                progress or Progress(), keep_columns,
            )  # fmt: skip
        finally:
            make_tree_private(self.paths.datasets_dir)  # index files are written with the umask's mode
        return report if summary is None else dataclasses.replace(report, matches_found=summary.found)

    def build_dataset_index(self, dataset_id: str, progress: Progress | None = None) -> tuple[IndexState, ...]:
        """Sort a dataset's stored hashes into its compact indexes (`traintrace dataset index`)."""
        try:
            return self._datasets.build_index(dataset_id, progress or Progress())
        finally:
            make_tree_private(self.paths.datasets_dir)

    def plan_dataset(
        self,
        dataset_id: str,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
        online: bool = True,
    ) -> DatasetPlan:
        """What adding a dataset (added or not) will read and take on disk, and whether the disk has room.
        Without `online`, nothing is fetched: the published row count and the disk it implies only."""
        return self._datasets.plan(dataset_id, schema, sources, mappings or {}, online)

    def known_datasets(self) -> list[KnownDataset]:
        """Every dataset TrainTrace knows (resources/datasets/descriptors.toml) and every one added, each with its
        offline plan (rows, disk) and, when added, what is searched of it. No network."""
        from core.datasets.descriptors import builtin_descriptors

        added = {info.descriptor.id: info for info in self.datasets()}
        known = builtin_descriptors()
        found = [KnownDataset(self.plan_dataset(d_id, online=False), added.get(d_id)) for d_id in known]
        found += [KnownDataset(self.plan_dataset(d_id, online=False), info) for d_id, info in added.items()
                  if d_id not in known]  # fmt: skip
        return found

    def is_added(self, dataset_id: str) -> bool:
        return dataset_id in self._datasets.ids()

    def remove_dataset(self, dataset_id: str) -> None:
        self._datasets.remove(dataset_id)

    def run_matching(self, max_distance: int | None = None, progress: Progress | None = None) -> MatchSummary:
        """Match every readable work and the profile against every added dataset; matches are stored."""
        distance = self.settings.matching.max_distance if max_distance is None else max_distance
        return self._match_service().run(self.profile(), distance, progress or Progress())

    def _match_service(self) -> MatchService:
        return MatchService(self._works, self._matches, self._datasets, self._timestamp)

    def check(
        self,
        roots: Sequence[Path],
        *,
        source_ids: Sequence[str] = (),
        max_distance: int | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> CheckResult:
        """Scan, match locally, then ask `source_ids` about this check's fresh matches (core.workflows)."""
        return run_check(
            self, roots, source_ids=source_ids, max_distance=max_distance, dry_run=dry_run, progress=progress
        )

    def demo(self, progress: Progress | None = None) -> DemoResult:
        """The sample artist and datasets, then a check of the sample portfolio (use a demo catalogue)."""
        return run_demo(self, progress)

    def search_summary(self) -> SearchSummary:
        """What the results rest on, for the one-line verdict (core.searched): the datasets added and how much of
        each was searched, the known datasets not added, the sources asked (their last run), the profile."""
        from core.datasets.descriptors import builtin_descriptors

        statuses = self._remote.statuses()
        usable = {s.id: s.name for s in statuses if not s.problem}
        return summarise(
            self._works.all(), self._matches.find(), self.datasets(), builtin_descriptors(),
            self._source_runs.history(), usable, {s.id: s.name for s in statuses}, self.profile(),
        )  # fmt: skip

    def highlights(self, matches: Sequence[Match] | None = None) -> dict[int, Highlights]:
        """Where each match's caption names the artist and its URL is the artist's (character ranges, by match id)."""
        return highlights_for(self._matches.find() if matches is None else matches, self.profile())

    def has_datasets(self) -> bool:
        return bool(self._datasets.ids())

    def decide(self, match_ids: Sequence[int], status: str, note: str = "") -> list[Match]:
        """Record the user's verdict (confirmed / rejected / back to candidate) with time and note."""
        return self._matches.decide(match_ids, status, note, self._timestamp())
