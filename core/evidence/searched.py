"""What the report states about each dataset searched and each of its files: name, size, SHA-256 and how that
digest was obtained, where a reader gets the same bytes (for a Hub file: the repository at the resolved commit),
and the row groups and column names the recipes need (from core.datasets.provenance).

Local paths never appear: a local file is named by its file name; a URL loses any user:password@ and query.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath
from urllib.parse import urlsplit, urlunsplit

from core.datasets.descriptors import CsvOptions
from core.datasets.hub import HubFile, parse_hf_source
from core.datasets.manager import DatasetInfo
from core.datasets.provenance import AT_REPORT, HUB, READ, ShardProvenance
from core.datasets.shards import HUB_BASE

DIGEST_SOURCES = {
    READ: "computed by TrainTrace over the whole file while it read it",
    AT_REPORT: "computed by TrainTrace when this report was made; the file had the size and modification time it "
    "had when it was read",
    HUB: "published by the Hugging Face Hub for the file at this commit (its Git LFS object id)",
}


def file_name(path: str) -> str:
    return PurePath(path).name or path


def canonical_json(value: object) -> bytes:
    """The one JSON form that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class ShardSearched:
    """One file of a dataset, as the report names it."""

    source: str  # as the dataset state holds it (a local path is never shown: see `shown`)
    name: str  # the file's name (what the recipes call it)
    shown: str  # the file name (local) or its address (remote, without credentials or query)
    status: str  # "done", "failed", "pending", "importing"
    rows: int
    size: int | None
    sha256: str | None
    sha256_how: str | None  # core.datasets.provenance.READ, AT_REPORT or HUB; None when there is no digest
    download: str | None  # where a reader gets the same bytes (None for the user's own local copy)
    hub: HubFile | None  # the Hub file at its commit, for a Hub shard whose commit was resolved
    provenance: ShardProvenance | None

    @property
    def digest_note(self) -> str:
        if self.sha256 is None:
            if self.download and self.hub is None:
                return "no SHA-256: only the needed columns' byte ranges were downloaded"
            return "no SHA-256 recorded (read by an older version, or the file changed while it was hashed)"
        return DIGEST_SOURCES.get(self.sha256_how or "", "")

    def manifest(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "file": self.name, "address": self.shown, "status": self.status, "rows": self.rows, "bytes": self.size,
            "sha256": self.sha256, "sha256_source": self.sha256_how, "download": self.download,
        }  # fmt: skip
        known = self.provenance
        if known is not None:
            entry["row_groups"] = list(known.row_groups) if known.row_groups is not None else None
            entry["columns"] = dict(known.columns) if known.columns is not None else None
            if known.etag or known.last_modified:
                entry["server_validators"] = {"etag": known.etag, "last_modified": known.last_modified}
        if self.hub is not None:
            entry["hub"] = {"repo": self.hub.repo, "revision": self.hub.revision, "commit": self.hub.commit,
                            "path": self.hub.path}  # fmt: skip
        return entry


@dataclass(frozen=True)
class DatasetSearched:
    """One dataset the works were matched against, as it stood when the report was made."""

    id: str
    name: str
    revision: str  # Hub repository, revision and resolved commit; web folders; or "local files"
    coverage: str  # "full" once every shard is imported, else "partial"
    rows: int  # rows searched (read from the shards)
    shards_done: int
    shards_total: int
    homepage: str
    licence: str
    coverage_note: str  # what this dataset's metadata allows matching on (from its descriptor)
    descriptor_sha256: str  # of the descriptor's canonical JSON
    bad_hashes: int = 0  # malformed published hash values, counted and never matched
    shards: tuple[ShardSearched, ...] = ()
    columns: Mapping[str, str] | None = None  # the descriptor's mapping (field -> column), for old imports
    csv: CsvOptions | None = None

    def shard(self, source: str) -> ShardSearched | None:
        return self._by_source.get(source)

    @cached_property
    def _by_source(self) -> dict[str, ShardSearched]:
        return {shard.source: shard for shard in self.shards}


def describe_dataset(info: DatasetInfo, hub_base: str = HUB_BASE) -> DatasetSearched:
    descriptor = info.descriptor
    shards = tuple(_shard(state.source, state.status, state.rows, state.size, info.provenance.get(state.source),
                          hub_base) for state in info.shards)  # fmt: skip
    return DatasetSearched(
        id=descriptor.id,
        name=descriptor.name,
        revision=_revision(shards),
        coverage=info.coverage,
        rows=info.rows,
        shards_done=sum(1 for state in info.shards if state.status == "done"),
        shards_total=len(info.shards),
        homepage=descriptor.homepage,
        licence=descriptor.licence,
        coverage_note=descriptor.coverage,
        descriptor_sha256=hashlib.sha256(canonical_json(descriptor.to_json())).hexdigest(),
        bad_hashes=info.bad_hashes,
        shards=shards,
        columns=dict(descriptor.columns),
        csv=descriptor.csv,
    )


def _shard(
    source: str, status: str, rows: int, size: int | None, known: ShardProvenance | None, hub_base: str
) -> ShardSearched:
    hub = None
    if known is not None and known.hub_repo and known.hub_commit and known.hub_path:
        hub = HubFile(known.hub_repo, known.hub_revision or "", known.hub_commit, known.hub_path, None, None)
    remote = "://" in source
    asked = parse_hf_source(source)
    if hub is None and asked is not None:  # read at a revision that was not resolved to a commit
        hub_at = HubFile(asked.repo, asked.revision, asked.revision, asked.path, None, None)
        shown, download = clean_url(source), hub_at.download_url(hub_base)
    elif hub is not None:
        shown, download = hub.source, hub.download_url(hub_base)
    elif remote:
        shown = download = clean_url(source)
    else:
        shown, download = file_name(source), None
    name = file_name(urlsplit(source).path) if remote else file_name(source)
    return ShardSearched(
        source=source, name=name, shown=shown, status=status, rows=rows,
        size=known.size if known is not None and known.size is not None else size,
        sha256=known.sha256 if known else None, sha256_how=known.sha256_how if known else None,
        download=download, hub=hub, provenance=known,
    )  # fmt: skip


def _revision(shards: tuple[ShardSearched, ...]) -> str:
    """Where the files came from: Hub repository, revision and commit; web folders; or local files."""
    origins: dict[str, None] = {}
    local = 0
    for shard in shards:
        if shard.hub is not None:
            origins[f"{shard.hub.repo}, revision {shard.hub.revision} = commit {shard.hub.commit}"] = None
        elif (asked := parse_hf_source(shard.source)) is not None:
            origins[f"{asked.repo}, revision {asked.revision} (commit not resolved)"] = None
        elif shard.download is not None:
            origins[shard.download.rsplit("/", 1)[0] + "/"] = None
        else:
            local += 1
    if local:
        origins[f"the user's local copy ({local} file(s); name, size and SHA-256 in 'Dataset files')"] = None
    return "; ".join(origins) or "no files"


def clean_url(url: str) -> str:
    """`url` without any user:password@ or query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
