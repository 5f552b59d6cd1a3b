"""The datasets the user has added: add (import), list, describe, remove."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core.datasets.descriptors import Descriptor, HubLocation, resolve_descriptor
from core.datasets.importer import DatasetImporter, ImportReport
from core.datasets.shards import HUB_BASE
from core.datasets.store import DatasetStore, ShardState
from core.errors import UsageError
from core.net.http import HttpClient
from core.progress import Progress


@dataclass(frozen=True)
class DatasetInfo:
    descriptor: Descriptor
    shards: tuple[ShardState, ...]
    rows: int
    index_bytes: int

    @property
    def coverage(self) -> str:
        """'full' once every shard is imported; anything less is labelled partial."""
        done = self.shards and all(shard.status == "done" for shard in self.shards)
        return "full" if done else "partial"


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
            size = sum(f.stat().st_size for f in store.directory.rglob("*") if f.is_file())
            return DatasetInfo(store.descriptor, tuple(store.shards()), store.row_count(), size)
        finally:
            store.close()

    def add(
        self,
        dataset_id: str,
        schema: str | None,
        sources: Sequence[str],
        mappings: dict[str, str],
        progress: Progress,
    ) -> ImportReport:
        already_added = (self._directory / dataset_id / "descriptor.json").exists()
        if already_added and schema is None and not mappings:
            stored = self.open(dataset_id)
            stored.close()
            descriptor = dataclasses.replace(stored.descriptor, sources=tuple(sources))
        else:
            descriptor = resolve_descriptor(dataset_id, schema, mappings, sources)
        # Without --from: a dataset added before resumes its own shards; a new one lists its shards on the Hub.
        shard_sources = list(sources) or ([] if already_added else self._hub_shards(descriptor))
        store = DatasetStore.create_or_open(self._directory / dataset_id, descriptor)
        try:
            store.register_shards(shard_sources)
            token = self._hub_token()
            needs_network = any("://" in shard.source for shard in store.shards() if shard.status != "done")
            client = self._client_factory() if needs_network else None
            return DatasetImporter(client, self._now, token, self._hub_base).run(store, progress)
        finally:
            store.close()

    def remove(self, dataset_id: str) -> None:
        store = self.open(dataset_id)
        store.close()
        DatasetStore.remove(store.directory)

    def _hub_shards(self, descriptor: Descriptor) -> list[str]:
        """List the dataset's shards on the Hub (files matching the descriptor's pattern)."""
        if descriptor.hub is None:
            raise UsageError(f"{descriptor.name} has no known online location; give the shards with --from PATH_OR_URL")
        return list_hub_shards(self._client_factory(), descriptor.hub, self._hub_token(), self._hub_base)


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
