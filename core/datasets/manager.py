"""The datasets the user has added: prepare for adding, list, describe, remove (the import pass itself is the
matching layer's, `core.matching.importer`)."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core.datasets.descriptors import Descriptor, HubLocation, resolve_descriptor
from core.datasets.planning import DatasetPlan, check_room, estimate, footer_totals, plan
from core.datasets.shards import HUB_BASE, ShardOpener
from core.datasets.store import DatasetStore, ShardState
from core.errors import UsageError
from core.net.errors import NetworkError
from core.net.http import HttpClient
from core.vocabulary import Coverage


@dataclass(frozen=True)
class DatasetInfo:
    descriptor: Descriptor
    shards: tuple[ShardState, ...]
    rows: int  # rows read from the shards (only the hits are kept)
    index_bytes: int  # bytes on disk: compact indexes, kept hits and state
    hits: int = 0  # rows kept because something matched
    notice: str | None = None  # a one-line notice (the dataset was just converted from the old format)

    @property
    def bytes_per_row(self) -> float:
        return self.index_bytes / self.rows if self.rows else 0.0

    @property
    def null_hashes(self) -> int:
        return sum(shard.null_hashes for shard in self.shards)

    @property
    def bad_hashes(self) -> int:
        """Malformed published hash values: counted, never matched."""
        return sum(shard.bad_hashes for shard in self.shards)

    @property
    def coverage(self) -> Coverage:
        """Full once every shard is imported; anything less is labelled partial."""
        done = self.shards and all(shard.status == "done" for shard in self.shards)
        return Coverage.FULL if done else Coverage.PARTIAL


class DatasetManager:
    def __init__(
        self,
        directory: Path,
        client_factory: Callable[[], HttpClient],
        now: Callable[[], str],
        hub_token: Callable[[], str | None],
        hub_base: str = HUB_BASE,
    ) -> None:
        self._directory = directory
        self._client_factory = client_factory
        self._now = now
        self._hub_token = hub_token
        self._hub_base = hub_base
        self.opener = ShardOpener(client_factory, hub_token, hub_base)

    def ids(self) -> list[str]:
        if not self._directory.exists():
            return []
        return sorted(p.name for p in self._directory.iterdir() if (p / "descriptor.json").exists())

    def open(self, dataset_id: str) -> DatasetStore:
        directory = self._directory / dataset_id
        if not (directory / "descriptor.json").exists():
            raise UsageError(f"no dataset named {dataset_id!r}; `traintrace dataset list` shows the added ones")
        return DatasetStore.open(directory)

    def info(self, dataset_id: str) -> DatasetInfo:
        store = self.open(dataset_id)
        try:
            return DatasetInfo(
                store.descriptor, tuple(store.shards()), store.row_count(), store.bytes_on_disk(), store.hit_count(),
                store.converted,
            )  # fmt: skip
        finally:
            store.close()

    def prepare(
        self, dataset_id: str, schema: str | None, sources: Sequence[str], mappings: dict[str, str]
    ) -> DatasetStore:
        """Create (or reopen) a dataset's state with its shards registered, ready for the import pass."""
        descriptor, already_added = self._descriptor(dataset_id, schema, sources, mappings)
        # Without --from: a dataset added before resumes its own shards; a new one lists its shards on the Hub.
        shard_sources = list(sources) or ([] if already_added else self._hub_shards(descriptor))
        self._check_room(descriptor, shard_sources)
        store = DatasetStore.create_or_open(self._directory / dataset_id, descriptor)
        store.register_shards(shard_sources)
        return store

    def plan(
        self,
        dataset_id: str,
        schema: str | None,
        sources: Sequence[str],
        mappings: dict[str, str],
        online: bool = True,
    ) -> DatasetPlan:
        """What adding the dataset will read and take on disk (reads the shards' footers, online if need be;
        without `online`, the published row count only)."""
        descriptor, _ = self._descriptor(dataset_id, schema, sources, mappings)
        if not online:
            return estimate(descriptor, self._directory)
        return plan(descriptor, lambda: list(sources) or self._hub_shards(descriptor), self.opener, self._directory)

    def _descriptor(
        self, dataset_id: str, schema: str | None, sources: Sequence[str], mappings: dict[str, str]
    ) -> tuple[Descriptor, bool]:
        already_added = (self._directory / dataset_id / "descriptor.json").exists()
        if already_added and schema is None and not mappings:
            stored = self.open(dataset_id)
            stored.close()
            return dataclasses.replace(stored.descriptor, sources=tuple(sources)), True
        return resolve_descriptor(dataset_id, schema, mappings, sources), already_added

    def _check_room(self, descriptor: Descriptor, sources: list[str]) -> None:
        """Refuse an import the disk cannot hold: rows from local footers, else the published row count."""
        local = [source for source in sources if "://" not in source]
        rows = (
            footer_totals(self.opener, descriptor, local, skip_unreadable=True)[0]
            if local and len(local) == len(sources)
            else None
        )
        rows = rows if rows is not None else descriptor.rows
        if rows:
            check_room(descriptor, rows, self._directory)

    def remove(self, dataset_id: str) -> None:
        store = self.open(dataset_id)
        store.close()
        DatasetStore.remove(store.directory)

    def _hub_shards(self, descriptor: Descriptor) -> list[str]:
        """List the dataset's shards on the Hub (files matching the descriptor's pattern)."""
        if descriptor.hub is None:
            raise UsageError(f"{descriptor.name} has no known online location; give the shards with --from PATH_OR_URL")
        try:
            return list_hub_shards(self._client_factory(), descriptor.hub, self._hub_token(), self._hub_base)
        except NetworkError as exc:
            raise NetworkError(
                f"cannot list the shards of {descriptor.name} on the Hugging Face Hub ({descriptor.hub.repo}): {exc}."
                " Without a connection, download its Parquet files and add them with --from FILE"
            ) from exc


def list_hub_shards(client: HttpClient, hub: HubLocation, token: str | None, hub_base: str = HUB_BASE) -> list[str]:
    """The hf:// URLs of the files of a Hub dataset repository that match `hub.pattern`, sorted."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url: str | None = f"{hub_base}/api/datasets/{hub.repo}/tree/{quote(hub.revision, safe='')}?recursive=true"
    paths: list[str] = []
    while url:
        response = client.request("GET", url, headers=headers)
        paths += [entry["path"] for entry in response.json() if entry.get("type") == "file"]
        url = _next_link(response.header("link"))
    matching = sorted(path for path in paths if fnmatch.fnmatch(path, hub.pattern))
    if not matching:
        raise UsageError(f"no file in {hub.repo}@{hub.revision} matches {hub.pattern!r}")
    return [f"hf://datasets/{hub.repo}@{hub.revision}/{path}" for path in matching]


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part and "<" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None
