"""Everything an evidence report states, gathered once from the catalogue into immutable values.

The PDF builder reads nothing from the catalogue: it gets an `EvidenceInput` (and reads the work files only to
draw thumbnails and re-hash them). The generation time is injected, so the same input gives the same bytes.
Local paths never appear in the report: works are named by their file name, and the local dataset paths that
the matcher writes into its "how found" text are cut down to file names here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from core import APP_NAME, __version__
from core.catalogue.matches import Match
from core.catalogue.source_runs import SourceRun
from core.catalogue.works import Work
from core.datasets.manager import DatasetInfo
from core.errors import UsageError
from core.evidence.recipes import HashCode, Recipe, RowPlace, image_shape, row_query, work_code
from core.evidence.searched import DatasetSearched, ShardSearched, describe_dataset, file_name
from core.matching.engine import SOURCE as LOCAL_SOURCE
from core.profile import Profile
from core.settings import DEFAULT_MAX_DISTANCE, Settings
from core.vocabulary import MatchKind


class EvidenceCatalogue(Protocol):
    """What the evidence is read from (the facade is one): a structural type, so this feature never imports the
    facade that uses it."""

    @property
    def settings(self) -> Settings: ...

    def profile(self) -> Profile: ...

    def datasets(self) -> list[DatasetInfo]: ...

    def matches(self, status: str | None = None) -> list[Match]: ...

    def works(self) -> list[Work]: ...


@dataclass(frozen=True)
class SourceQueried:
    """A remote source asked during matching; `error` is the plain reason when it was unavailable."""

    id: str
    status: str
    coverage: str
    error: str | None = None
    asked_at: str = ""  # ISO time of the run, when recorded
    rows: int | None = None  # rows and registry entries returned, when recorded

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SourceQueried:
        error, rows = data.get("error"), data.get("rows")
        return cls(
            id=str(data.get("id") or ""),
            status=str(data.get("status") or ""),
            coverage=str(data.get("coverage") or ""),
            error=None if error in (None, "") else str(error),
            asked_at=str(data.get("asked_at") or ""),
            rows=rows if isinstance(rows, int) else None,
        )


def run_record(run: SourceRun) -> dict[str, object]:
    """A stored source run as the evidence's `sources` entry (every run: "asked, nothing found" included)."""
    return {"id": run.source, "status": run.status, "coverage": run.coverage, "error": run.error,
            "asked_at": run.asked_at, "rows": run.rows}  # fmt: skip


@dataclass(frozen=True)
class EvidenceMatch:
    """A confirmed match with its work (None for matches on the artist's profile), a path-free account, and,
    when TrainTrace read the row from a dataset file, that file, the row's place in it and the recipes."""

    match: Match
    work: Work | None
    how_found: str
    shard: ShardSearched | None = None
    place: RowPlace | None = None
    recipe: Recipe = field(default_factory=lambda: Recipe(None, None))

    @property
    def work_name(self) -> str:
        return file_name(self.work.path) if self.work else ""


@dataclass(frozen=True)
class UnreadableFile:
    name: str
    reason: str


@dataclass(frozen=True)
class EvidenceInput:
    profile: Profile
    generated_at: datetime  # timezone-aware; shown and stored in UTC
    tool_name: str
    tool_version: str
    max_distance: int  # the pHash Hamming threshold in force
    datasets: tuple[DatasetSearched, ...]
    sources: tuple[SourceQueried, ...]
    matches: tuple[EvidenceMatch, ...]
    unreadable: tuple[UnreadableFile, ...]

    def __post_init__(self) -> None:
        if self.generated_at.tzinfo is None:
            raise UsageError("the report time must carry a time zone (UTC)")
        object.__setattr__(self, "generated_at", self.generated_at.astimezone(UTC))

    @property
    def works(self) -> tuple[Work, ...]:
        """The distinct works of the confirmed matches, in the order they first appear."""
        seen: dict[int, Work] = {}
        for item in self.matches:
            if item.work is not None:
                seen.setdefault(item.work.id, item.work)
        return tuple(seen.values())


def utc_text(stamp: str | None) -> str:
    """ISO timestamps as stored ("2026-11-27T00:24:34+00:00") in the report's form ("2026-11-27 00:24:34 UTC")."""
    if not stamp:
        return "-"
    text = stamp.replace("T", " ")
    return text[:-6] + " UTC" if text.endswith("+00:00") else text


def without_local_paths(text: str, paths: Iterable[str]) -> str:
    """`text` with each of `paths` replaced by its file name (longest first, so nested paths cannot clash)."""
    for path in sorted(set(paths), key=len, reverse=True):
        if path and path in text:
            text = text.replace(path, file_name(path))
    return text


def build_evidence_input(
    profile: Profile,
    generated_at: datetime,
    datasets: Sequence[DatasetInfo],
    confirmed: Sequence[Match],
    works: Sequence[Work],
    sources: Sequence[Mapping[str, object]] = (),
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> EvidenceInput:
    """Assemble the input from plain values (what `gather_evidence` reads from the facade)."""
    by_id = {work.id: work for work in works}
    matched_paths = [by_id[m.work_id].path for m in confirmed if m.work_id is not None and m.work_id in by_id]
    local_paths = [shard.source for info in datasets for shard in info.shards if "://" not in shard.source]
    local_paths += matched_paths
    searched = tuple(describe_dataset(info) for info in datasets)
    by_dataset = {dataset.id: dataset for dataset in searched}
    matches = tuple(
        _evidence_match(
            match,
            by_id.get(match.work_id) if match.work_id is not None else None,
            without_local_paths(match.evidence, local_paths),
            by_dataset.get(match.dataset),
        )
        for match in confirmed
        if match.status == "confirmed"
    )
    queried = [SourceQueried.from_mapping(source) for source in sources] or _sources_in(confirmed)
    return EvidenceInput(
        profile=profile,
        generated_at=generated_at,
        tool_name=APP_NAME,
        tool_version=__version__,
        max_distance=max_distance,
        datasets=searched,
        sources=tuple(queried),
        matches=matches,
        unreadable=tuple(UnreadableFile(file_name(w.path), w.reason or w.status) for w in works if not w.ok),
    )


def _evidence_match(match: Match, work: Work | None, how_found: str, dataset: DatasetSearched | None) -> EvidenceMatch:
    shard = dataset.shard(match.shard) if dataset is not None and match.shard else None
    place = None
    row = None
    if dataset is not None and shard is not None and match.shard_row is not None:
        place = _place(dataset, shard, match.shard_row)
        row = row_query(place, match.row_id, match.url, match.caption, match.published, match.published_hash)
    return EvidenceMatch(match, work, how_found, shard, place, Recipe(row, _work_code(match, work)))


def _place(dataset: DatasetSearched, shard: ShardSearched, row: int) -> RowPlace:
    known = shard.provenance
    columns = known.columns if known is not None and known.columns else dataset.columns or {}
    csv_name = shard.name.lower().endswith((".csv", ".tsv", ".txt"))
    fmt = (
        known.file_format
        if known is not None and known.file_format
        else "csv"
        if dataset.csv or csv_name
        else "parquet"
    )
    group, in_group = (known.locate(row) if known is not None else None) or (None, None)
    return RowPlace(shard.name, fmt, columns, row, group, in_group, dataset.csv)


def _work_code(match: Match, work: Work | None) -> HashCode | None:
    """The work's hash recipe. A pHash match recorded before variants were recorded, whose compared hash is
    not the work's own, gets none: which variant it was is not known."""
    if work is None or not work.ok:
        return None
    own = format(work.phash, "016x") if work.phash is not None else None
    variant = match.variant or ("original" if match.local_hash in (None, own) else None)
    if match.kind == MatchKind.PHASH and variant is None:
        return None
    shape = image_shape(Path(work.path)) if match.kind == MatchKind.PHASH and variant != "original" else None
    return work_code(
        match.kind, file_name(work.path), shape, sha256=work.sha256, phash=match.local_hash or own, variant=variant,
        published_hash=match.published_hash, distance=match.distance, file_format=work.format,
    )  # fmt: skip


def _sources_in(matches: Sequence[Match]) -> list[SourceQueried]:
    """Remote sources that contributed a match, when the caller has no fuller record of the queries."""
    seen: dict[str, SourceQueried] = {}
    for match in matches:
        if match.source != LOCAL_SOURCE:
            seen.setdefault(match.source, SourceQueried(match.source, "ok", match.coverage))
    return list(seen.values())


def gather_evidence(
    app: EvidenceCatalogue, generated_at: datetime, sources: Sequence[Mapping[str, object]] = ()
) -> EvidenceInput:
    """The evidence input from the app's catalogue: profile, datasets, confirmed matches, unreadable works.

    `sources` lists the remote sources queried ({id, status, coverage, error}); when empty, the sources named by
    matches are listed instead.
    """
    return build_evidence_input(
        profile=app.profile(),
        generated_at=generated_at,
        datasets=app.datasets(),
        confirmed=app.matches("confirmed"),
        works=app.works(),
        sources=sources,
        max_distance=app.settings.matching.max_distance,
    )
