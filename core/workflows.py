"""The product's main flow, owned by the core: scan, match locally, then ask the remote sources, record.

Every front end (`traintrace scan`, `traintrace demo`, a drop on the window, the first-run sample, the app's
self-test) runs this one order, so the remote sources are always asked with a query built from *this* check's
fresh matches and works (Spawning sees the URLs just found), never from whatever was stored before.

The steps are the facade's own methods, reached through `CheckSteps`, so this module does not import the facade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.catalogue.matches import Match
from core.matching.importer import ImportReport
from core.matching.service import MatchSummary
from core.profile import Profile
from core.progress import Progress
from core.scanning.scanner import ScanSummary
from core.sources import OutgoingRequest, SourceQuery, SourceResult

SCAN_WEIGHT, MATCH_WEIGHT, SOURCES_WEIGHT = 0.5, 0.3, 0.2


@dataclass(frozen=True)
class CheckResult:
    """What one check did: the scan, the local matching (None without datasets), the matches of this check's
    works and of the profile, and each source asked (or, for a dry run, the requests that would be sent)."""

    scan: ScanSummary
    matching: MatchSummary | None
    matches: tuple[Match, ...]
    sources: tuple[SourceResult, ...] = ()
    plan: tuple[OutgoingRequest, ...] = ()
    dry_run: bool = False

    @property
    def work_ids(self) -> list[int]:
        return [item.work.id for item in self.scan.works]


@dataclass(frozen=True)
class DemoResult:
    profile: Profile
    imports: tuple[ImportReport, ...]
    check: CheckResult


class CheckSteps(Protocol):
    """The facade methods the flow is made of."""

    def scan(self, roots: Sequence[Path], progress: Progress | None = None) -> ScanSummary: ...

    def has_datasets(self) -> bool: ...

    def run_matching(self, max_distance: int | None = None, progress: Progress | None = None) -> MatchSummary: ...

    def matches(self, status: str | None = None) -> list[Match]: ...

    def source_query(self, work_ids: Sequence[int] | None = None) -> SourceQuery: ...

    def plan_sources(self, source_ids: Sequence[str], query: SourceQuery | None = None) -> list[OutgoingRequest]: ...

    def query_sources(
        self, source_ids: Sequence[str], progress: Progress | None = None, query: SourceQuery | None = None
    ) -> list[SourceResult]: ...


def run_check(
    steps: CheckSteps,
    roots: Sequence[Path],
    *,
    source_ids: Sequence[str] = (),
    max_distance: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CheckResult:
    """Scan `roots`, match against the added datasets, then ask `source_ids` about this check's matches."""
    progress = progress or Progress()
    with progress.step(SCAN_WEIGHT, "Scanning") as step:
        summary = steps.scan(roots, step)
    matching = None
    if steps.has_datasets():
        with progress.step(MATCH_WEIGHT, "Matching") as step:
            matching = steps.run_matching(max_distance, step)
    work_ids = [item.work.id for item in summary.works]
    sources: list[SourceResult] = []
    plan: list[OutgoingRequest] = []
    if source_ids:
        query = steps.source_query(work_ids)  # built after matching: the fresh matches' URLs are in it
        if dry_run:
            plan = steps.plan_sources(source_ids, query)
        else:
            with progress.step(SOURCES_WEIGHT, "Asking the remote sources") as step:
                sources = steps.query_sources(source_ids, step, query)
    scanned = set(work_ids)
    fresh = tuple(m for m in steps.matches() if m.work_id is None or m.work_id in scanned)
    return CheckResult(summary, matching, fresh, tuple(sources), tuple(plan), dry_run)


class DemoSteps(CheckSteps, Protocol):
    def set_profile(self, profile: Profile) -> Profile: ...

    def add_dataset(
        self,
        dataset_id: str,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> ImportReport: ...


def run_demo(steps: DemoSteps, progress: Progress | None = None) -> DemoResult:
    """The sample artist, the sample datasets added, then the same check on the sample portfolio."""
    import json

    from core.resources import sample_datasets, sample_portfolio_dir, sample_profile_file

    progress = progress or Progress()
    profile = steps.set_profile(Profile.from_json(json.loads(sample_profile_file().read_text(encoding="utf-8"))))
    samples = sample_datasets()
    imports = []
    for dataset_id, schema, file in samples:
        with progress.step(0.4 / max(len(samples), 1), f"Importing {dataset_id}") as step:
            imports.append(steps.add_dataset(dataset_id, schema=schema, sources=[str(file)], progress=step))
    with progress.step(0.6, "Checking the sample portfolio") as step:
        check = run_check(steps, [sample_portfolio_dir()], progress=step)
    return DemoResult(profile, tuple(imports), check)
