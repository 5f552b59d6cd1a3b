"""The datasets the user has added: prepare for adding, list, describe, remove (the import pass itself is the
matching layer's, `core.matching.importer`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.datasets import provenance
from core.datasets.descriptors import Descriptor, resolve_descriptor
from core.datasets.hub import HubApi, HubFile, list_hub_shards, parse_hf_source
from core.datasets.kept_columns import nothing_to_keep
from core.datasets.planning import DatasetPlan, check_room, estimate, footer_totals, kept_columns_estimate, plan
from core.datasets.provenance import ShardProvenance
from core.datasets.shards import HUB_BASE, ShardOpener
from core.datasets.store import REMOVED_PREFIX, DatasetStore, ShardState
from core.errors import UsageError
from core.index.phash_build import PhashIndexBuilder
from core.index.run_scan import IndexState, index_state
from core.index.sha_build import ShaIndexBuilder
from core.net.errors import NetworkError
from core.net.http import HttpClient
from core.progress import Progress
from core.vocabulary import Coverage


@dataclass(frozen=True)
class DatasetInfo:
    descriptor: Descriptor
    shards: tuple[ShardState, ...]
    rows: int  # rows read from the shards (only the hits are kept)
    index_bytes: int  # bytes on disk: compact indexes, kept hits and state
    hits: int = 0  # rows kept because something matched
    notice: str | None = None  # a one-line notice (the dataset was just converted from the old format)
    indexes: tuple[IndexState, ...] = ()  # per hash kind: unsorted runs (streamed) or the built index
    provenance: Mapping[str, ShardProvenance] = field(default_factory=dict)  # shard source -> what is known of it
    kept_bytes: int = 0  # of `index_bytes`: the kept URL/caption columns (`dataset add --keep-columns`)
    keeps_columns: bool = False  # shards imported from now on keep their URL/caption columns

    @property
    def bytes_per_row(self) -> float:
        return self.index_bytes / self.rows if self.rows else 0.0

    @property
    def kept_bytes_per_row(self) -> float:
        return self.kept_bytes / self.rows if self.rows else 0.0

    @property
    def other_bytes_per_row(self) -> float:
        """Bytes a row of everything but the kept columns: hashes, hits and state."""
        return (self.index_bytes - self.kept_bytes) / self.rows if self.rows else 0.0

    @property
    def null_hashes(self) -> int:
        return sum(shard.null_hashes for shard in self.shards)

    @property
    def bad_hashes(self) -> int:
        """Malformed published hash values: counted, never matched."""
        return sum(shard.bad_hashes for shard in self.shards)

    @property
    def coverage(self) -> Coverage:
        return shards_coverage(self.shards)


def shards_coverage(shards: Sequence[ShardState]) -> Coverage:
    """Full once every shard is imported; anything less is labelled partial."""
    done = bool(shards) and all(shard.status == "done" for shard in shards)
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
        return sorted(
            p.name
            for p in self._directory.iterdir()
            if not p.name.startswith(REMOVED_PREFIX) and (p / "descriptor.json").exists()
        )

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
                store.converted, _index_states(store), provenance.load(store.db), store.kept_bytes(),
                store.keeps_columns(),
            )  # fmt: skip
        finally:
            store.close()

    def build_index(self, dataset_id: str, progress: Progress) -> tuple[IndexState, ...]:
        """Sort a dataset's spilled hash runs into its compact indexes (pHash multi-index, SHA-256 prefix index),
        so later searches read a few pages instead of streaming every row; returns the indexes' new states. An
        index already built, or a kind with no rows, is left as it is."""
        store = self.open(dataset_id)
        try:
            if any(shard.status == "importing" for shard in store.shards()):
                raise UsageError(
                    f"dataset {dataset_id!r} is still being added (an import was interrupted): run"
                    f" `traintrace dataset add {dataset_id}` to finish it first"
                )
            todo = [state for state in _index_states(store) if state.state == "runs" and state.rows]
            for state in todo:
                directory = store.phash_dir if state.kind == "phash" else store.sha256_dir
                with progress.step(1 / len(todo), f"Building the {state.kind} index of {dataset_id}") as step:
                    builder = PhashIndexBuilder(directory) if state.kind == "phash" else ShaIndexBuilder(directory)
                    builder.finish(step)
            return _index_states(store)
        finally:
            store.close()

    def prepare(
        self,
        dataset_id: str,
        schema: str | None,
        sources: Sequence[str],
        mappings: dict[str, str],
        keep_columns: bool | None = None,
    ) -> DatasetStore:
        """Create (or reopen) a dataset's state with its shards registered, ready for the import pass; the free
        disk checked for `keep_columns` (None: the dataset's current choice; apply it with `keep_choice`).

        Hub shards are registered at the commit their revision points to now (see core.datasets.hub)."""
        descriptor, already_added = self._descriptor(dataset_id, schema, sources, mappings)
        # Without --from: a dataset added before resumes its own shards; a new one lists its shards on the Hub.
        if sources:
            shard_sources, hub_files = self._pin(dataset_id, sources)
        else:
            listed = [] if already_added else self._hub_shards(descriptor)
            hub_files = {file.source: file for file in listed}
            shard_sources = list(hub_files)
        keeps = keep_columns if keep_columns is not None else already_added and self._keeps_columns(dataset_id)
        self._check_room(descriptor, shard_sources, keeps and nothing_to_keep(descriptor) is None)
        store = DatasetStore.create_or_open(self._directory / dataset_id, descriptor)
        store.register_shards(shard_sources)
        provenance.record_hub(store.db, hub_files)
        return store

    def _keeps_columns(self, dataset_id: str) -> bool:
        store = self.open(dataset_id)
        try:
            return store.keeps_columns()
        finally:
            store.close()

    def _pin(self, dataset_id: str, sources: Sequence[str]) -> tuple[list[str], dict[str, HubFile]]:
        """The shard sources to register for the given ones, and the Hub's description of each pinned one: an
        hf:// source is read at the commit its revision points to now. A file the dataset already holds keeps the
        source it was imported from; when the Hub cannot be asked, a source is read as given (and the report
        says that its commit was not resolved)."""
        registered: dict[tuple[str, str], str] = {}
        if (self._directory / dataset_id / "descriptor.json").exists():
            store = self.open(dataset_id)
            try:
                registered = {(p.repo, p.path): s.source for s in store.shards() if (p := parse_hf_source(s.source))}
            finally:
                store.close()
        chosen: dict[str, str] = {}
        for source in sources:
            parsed = parse_hf_source(source)
            if parsed is not None and not parsed.pinned:
                chosen[source] = registered.get((parsed.repo, parsed.path), "")
        asked = [source for source, known in chosen.items() if not known]
        described: dict[str, HubFile] = {}
        if asked:
            try:
                described = HubApi(self._client_factory(), self._hub_token(), self._hub_base).describe(asked)
            except NetworkError:
                described = {}
        pinned = [chosen.get(s) or (described[s].source if s in described else s) for s in sources]
        return pinned, {file.source: file for file in described.values()}

    def complete_provenance(self, dataset_id: str, progress: Progress) -> None:
        """Record what an import by an older version left out (see core.datasets.provenance.complete)."""
        store = self.open(dataset_id)
        try:
            provenance.complete(store.db, store.shards(), self.opener, store.descriptor, self._now(), progress)
        finally:
            store.close()

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
        return plan(
            descriptor,
            lambda: list(sources) or [file.source for file in self._hub_shards(descriptor)],
            self.opener,
            self._directory,
        )

    def _descriptor(
        self, dataset_id: str, schema: str | None, sources: Sequence[str], mappings: dict[str, str]
    ) -> tuple[Descriptor, bool]:
        already_added = (self._directory / dataset_id / "descriptor.json").exists()
        if already_added and schema is None and not mappings:
            stored = self.open(dataset_id)
            stored.close()
            return dataclasses.replace(stored.descriptor, sources=tuple(sources)), True
        return resolve_descriptor(dataset_id, schema, mappings, sources), already_added

    def _check_room(self, descriptor: Descriptor, sources: list[str], keep_columns: bool = False) -> None:
        """Refuse an import the disk cannot hold: rows from local footers, else the published row count; with
        `keep_columns`, the kept columns' estimate from (a sample of) the shards' footers as well."""
        local = [source for source in sources if "://" not in source]
        rows = (
            footer_totals(self.opener, descriptor, local, skip_unreadable=True)[0]
            if local and len(local) == len(sources)
            else None
        )
        rows = rows if rows is not None else descriptor.rows
        kept = kept_columns_estimate(self.opener, descriptor, sources) if keep_columns else 0
        if rows or kept:
            check_room(descriptor, rows or 0, self._directory, kept)

    def remove(self, dataset_id: str) -> None:
        store = self.open(dataset_id)
        store.close()
        DatasetStore.remove(store.directory)

    def _hub_shards(self, descriptor: Descriptor) -> list[HubFile]:
        """List the dataset's shards on the Hub (files matching the descriptor's pattern), at the current commit."""
        if descriptor.hub is None:
            raise UsageError(f"{descriptor.name} has no known online location; give the shards with --from PATH_OR_URL")
        try:
            return list_hub_shards(HubApi(self._client_factory(), self._hub_token(), self._hub_base), descriptor.hub)
        except NetworkError as exc:
            raise NetworkError(
                f"cannot list the shards of {descriptor.name} on the Hugging Face Hub ({descriptor.hub.repo}): {exc}."
                " Without a connection, download its Parquet files and add them with --from FILE"
            ) from exc


def keep_choice(store: DatasetStore, keep: bool | None) -> str | None:
    """Apply `dataset add --keep-columns` / `--no-keep-columns` (None: leave the choice as it is); the line to
    show about it, if any."""
    if keep is None:
        return None
    reason = nothing_to_keep(store.descriptor)
    if keep:
        if reason is not None:
            return reason
        if not store.keeps_columns():
            store.set_keep_columns(True)
        unkept = [s for s in store.shards() if s.status == "done" and not store.kept_units(s.seq)]
        later = (
            f"; {len(unkept)} shard(s) added before are kept the next time a profile change reads them"
            if unkept
            else ""
        )
        return (
            f"dataset {store.descriptor.id} keeps its URL and caption columns locally (under {store.directory}):"
            f" a profile change is matched from them, without reading the shards again{later}"
        )
    was_keeping, freed = store.keeps_columns(), store.set_keep_columns(False)
    if not was_keeping and not freed:
        return None
    return f"dataset {store.descriptor.id} no longer keeps its URL and caption columns: {freed / 1e6:.1f} MB freed"


def _index_states(store: DatasetStore) -> tuple[IndexState, ...]:
    kinds = store.descriptor.kinds
    states = []
    if "phash" in kinds:
        states.append(index_state(store.phash_dir, "phash"))
    if "sha256" in kinds:
        states.append(index_state(store.sha256_dir, "sha256"))
    return tuple(states)
