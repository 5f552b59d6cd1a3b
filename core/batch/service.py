"""The batch jobs behind the facade: resolve a dataset's shards, run the batch, import one owner's results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.batch.hashlist import check_owner
from core.batch.results import SOURCE, load_manifest, read_results
from core.catalogue.matches import FoundMatch, MatchRepository
from core.catalogue.works import WorkRepository
from core.datasets.descriptors import Descriptor, resolve_descriptor
from core.datasets.hub import HubApi, list_hub_shards
from core.errors import UsageError
from core.net.http import HttpClient

SHARD_SUFFIXES = (".parquet", ".csv", ".tsv")


@dataclass(frozen=True)
class BatchImport:
    owner: str
    datasets: tuple[str, ...]
    recorded: int
    coverage: str
    unmatched_works: int  # results naming a work (by SHA-256) that is not in this catalogue: not recorded


def batch_descriptor(
    dataset_id: str,
    schema: str | None,
    sources: Sequence[str],
    mappings: dict[str, str],
    hub_shards: Callable[[Descriptor], list[str]],
) -> Descriptor:
    """The dataset a batch reads: shards as given (a folder stands for its shard files), else the Hub's."""
    expanded: list[str] = []
    for source in sources:
        path = Path(source)
        if "://" not in source and path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in SHARD_SUFFIXES)
            if not found:
                raise UsageError(f"no shard (*.parquet, *.csv, *.tsv) in the folder {source}")
            expanded += found
        else:
            expanded.append(source)
    descriptor = resolve_descriptor(dataset_id, schema, mappings, expanded)
    if expanded:
        return descriptor
    if descriptor.hub is None:
        raise UsageError(f"{descriptor.name} has no known online location; give its shards with --from PATH_OR_URL")
    return resolve_descriptor(dataset_id, schema, mappings, hub_shards(descriptor))


def hub_lister(client: Callable[[], HttpClient], token: Callable[[], str | None]) -> Callable[[Descriptor], list[str]]:
    def shards(descriptor: Descriptor) -> list[str]:
        assert descriptor.hub is not None
        return [file.source for file in list_hub_shards(HubApi(client(), token()), descriptor.hub)]

    return shards


def import_batch(directory: Path, owner: str, works: WorkRepository, matches: MatchRepository, now: str) -> BatchImport:
    """Record one owner's batch results as matches (source "batch"), each work found by its SHA-256."""
    label = check_owner(owner)
    manifest = load_manifest(directory)
    if manifest is None:
        raise UsageError(f"{directory} holds no batch results (no manifest.json)")
    if label not in manifest.job.get("owners", []):
        known = ", ".join(manifest.job.get("owners", [])[:10])
        raise UsageError(f"no owner {label!r} in the batch in {directory}; its owners include: {known}")
    table = read_results(directory, [label])
    by_sha = works.ok_paths_by_sha256()
    found: list[FoundMatch] = []
    unmatched = 0
    for row in table.to_pylist():
        work_id = None
        if row["work_sha256"] is not None:
            holders = by_sha.get(row["work_sha256"])
            if not holders:
                unmatched += 1
                continue
            work_id = holders[0][0]
        found.append(
            FoundMatch(
                work_id=work_id, dataset=row["dataset"], row_id=row["row_id"], kind=row["kind"],
                distance=row["distance"], score=row["score"], url=row["url"], caption=row["text"],
                published_hash=row["published_hash"], evidence=row["evidence"], coverage=row["coverage"],
                source=SOURCE, local_hash=row["local_hash"], shard=row["shard"], shard_row=row["shard_row"],
            )
        )  # fmt: skip
    matches.record(found, now)
    coverage = "full" if manifest.complete else "partial"
    datasets = tuple(sorted({match.dataset for match in found}))
    return BatchImport(label, datasets, len(found), coverage, unmatched)
