"""Everything an evidence report states, gathered once from the catalogue into immutable values.

The PDF builder reads nothing from the catalogue: it gets an `EvidenceInput` (and reads the work files only to
draw thumbnails and re-hash them). The generation time is injected, so the same input gives the same bytes.
Local paths never appear in the report: works are named by their file name, and the local dataset paths that
the matcher writes into its "how found" text are cut down to file names here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from core import APP_NAME, PROJECT_URL, __version__
from core.catalogue.matches import Match
from core.catalogue.source_runs import SourceRun
from core.catalogue.works import Work
from core.datasets.manager import DatasetInfo
from core.errors import UsageError
from core.matching.engine import SOURCE as LOCAL_SOURCE
from core.profile import Profile
from core.settings import DEFAULT_MAX_DISTANCE, Settings


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
class DatasetSearched:
    """One dataset the works were matched against, as it stood when the report was made."""

    id: str
    name: str
    revision: str  # "repo@revision" on the Hugging Face Hub, or a description of the local copy
    coverage: str  # "full" once every shard is imported, else "partial"
    rows: int  # rows searched (read from the shards)
    shards_done: int
    shards_total: int
    homepage: str
    licence: str
    coverage_note: str  # what this dataset's metadata allows matching on (from its descriptor)
    descriptor_sha256: str  # of the descriptor's canonical JSON
    shards_sha256: str  # of the list of imported shards (file name, rows, bytes, status)
    bad_hashes: int = 0  # malformed published hash values, counted and never matched


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
    """A confirmed match with its work (None for matches on the artist's profile) and a path-free account."""

    match: Match
    work: Work | None
    how_found: str

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
    project_url: str
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


def file_name(path: str) -> str:
    return PurePath(path).name or path


def utc_text(stamp: str | None) -> str:
    """ISO timestamps as stored ("2026-11-27T00:24:34+00:00") in the report's form ("2026-11-27 00:24:34 UTC")."""
    if not stamp:
        return "-"
    text = stamp.replace("T", " ")
    return text[:-6] + " UTC" if text.endswith("+00:00") else text


def canonical_json(value: object) -> bytes:
    """The one JSON form that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def describe_dataset(info: DatasetInfo) -> DatasetSearched:
    descriptor = info.descriptor
    shards = info.shards
    done = [shard for shard in shards if shard.status == "done"]
    shard_list = [[file_name(shard.source), shard.rows, shard.bytes, shard.status] for shard in shards]
    return DatasetSearched(
        id=descriptor.id,
        name=descriptor.name,
        revision=_revision(info),
        coverage=info.coverage,
        rows=info.rows,
        shards_done=len(done),
        shards_total=len(shards),
        homepage=descriptor.homepage,
        licence=descriptor.licence,
        coverage_note=descriptor.coverage,
        descriptor_sha256=hashlib.sha256(canonical_json(descriptor.to_json())).hexdigest(),
        shards_sha256=hashlib.sha256(canonical_json(shard_list)).hexdigest(),
        bad_hashes=info.bad_hashes,
    )


def _revision(info: DatasetInfo) -> str:
    """Where the imported shards came from: Hub "repo@revision"s, web hosts, or a dated local copy."""
    origins: dict[str, None] = {}
    local = 0
    for shard in info.shards:
        if shard.source.startswith("hf://datasets/"):
            origins[_hub_repo_revision(shard.source)] = None
        elif "://" in shard.source:
            origins[_web_folder(shard.source)] = None
        else:
            local += 1
    if local:
        imported = max((shard.imported_at or "" for shard in info.shards if shard.status == "done"), default="")
        origins[f"local copy, {local} file(s)" + (f", imported {utc_text(imported)}" if imported else "")] = None
    return "; ".join(origins) or "no files"


def _hub_repo_revision(source: str) -> str:
    """ "owner/name@revision" from hf://datasets/owner/name@revision/path/in/repo."""
    return "/".join(source.removeprefix("hf://datasets/").split("/")[:2])


def _web_folder(url: str) -> str:
    """The folder of a shard URL, without any user:password@ or query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rsplit("/", 1)[0] + "/", "", ""))


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
    matches = tuple(
        EvidenceMatch(
            match=match,
            work=by_id.get(match.work_id) if match.work_id is not None else None,
            how_found=without_local_paths(match.evidence, local_paths),
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
        project_url=PROJECT_URL,
        max_distance=max_distance,
        datasets=tuple(describe_dataset(info) for info in datasets),
        sources=tuple(queried),
        matches=matches,
        unreadable=tuple(UnreadableFile(file_name(w.path), w.reason or w.status) for w in works if not w.ok),
    )


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
