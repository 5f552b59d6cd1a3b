"""Reading an added dataset's shards again, after the import, for what its kept hits do not cover.

- `ProfileRepass`: the profile changed (a new domain, alias, handle), so the URL/caption hits kept for the old
  one no longer stand: stream only the shards whose pass is stale, row group by row group (resumable: each
  finished row group is committed), through the same shard pass as the import, without hash parsing.
- `RowFetcher`: the compact index found rows that were never kept (a work added after the import, a wider
  threshold): read back just those rows, from their row groups only.

A shard whose URL/caption columns were kept (`dataset add --keep-columns`, `core.datasets.kept_columns`) is
re-passed from its kept files, once each is checked, without the shard or the network; a kept file missing,
cut short or unreadable makes the pass read the shard instead, and the progress says so. A shard such a dataset
reads (imported before it kept its columns, or its copy damaged) is kept as it is read.

A local shard is read only if it is still the file that was imported (size and modification time); a changed
or missing shard is reported by name, and what it could not provide is reported as not searched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pyarrow as pa

from core.datasets.kept_columns import KeptColumnsError, KeptShard, UnitWriter, nothing_to_keep
from core.datasets.shards import ShardOpener, ShardReader
from core.datasets.store import DatasetStore, ShardState
from core.errors import Cancelled, TrainTraceError
from core.matching.shard_pass import ShardPass, hit_rows
from core.progress import Progress


class ProfileRepass:
    def __init__(self, opener: ShardOpener, make_pass: Callable[[], ShardPass], fingerprint: str, active: bool) -> None:
        """`make_pass`: builds the URL/caption shard pass, called only if a shard must be read again. `active`:
        whether the profile has anything URL/caption matching could find; if not, a stale shard is settled
        without reading it (no row can match an empty profile)."""
        self._opener = opener
        self._make_pass = make_pass
        self._pass: ShardPass | None = None
        self._fingerprint = fingerprint
        self._active = active

    def stale(self, store: DatasetStore) -> list[ShardState]:
        if not {"url", "text"} & set(store.descriptor.kinds):
            return []
        return [s for s in store.shards() if s.status == "done" and s.text_profile != self._fingerprint]

    def reads(self, store: DatasetStore) -> bool:
        """Whether `run` will read rows: some shard's URL/caption hits are stale and the profile can match some."""
        return self._active and bool(self.stale(store))

    def run(self, store: DatasetStore, progress: Progress) -> list[tuple[str, str]]:
        """Bring every stale shard's URL/caption hits up to date; returns (shard, error) for those that failed."""
        stale = self.stale(store)
        failed: list[tuple[str, str]] = []
        progress.start(len(stale), "URL and caption matching for the changed profile")
        for shard in stale:
            if not self._active:
                store.begin_text_pass(shard.seq, self._fingerprint)
                store.end_text_pass(shard.seq, self._fingerprint)
                progress.advance(detail=shard.source)
                continue
            try:
                self._pass = self._pass or self._make_pass()
                self._one(store, shard, self._pass, progress)
            except Cancelled:
                raise
            except TrainTraceError as exc:
                failed.append((shard.source, str(exc)))
            progress.advance(detail=shard.source)
        return failed

    def _one(self, store: DatasetStore, shard: ShardState, shard_pass: ShardPass, progress: Progress) -> None:
        kept = self._kept(store, shard, progress)
        if kept is not None:
            try:
                self._units(store, shard, shard_pass, kept.unit_rows(), kept.batches, progress)
                store.end_text_pass(shard.seq, self._fingerprint)
                return
            except KeptColumnsError as exc:  # the units it finished stay committed: the shard goes on from there
                progress.advance(0, detail=f"{shard.source}: kept columns unreadable ({exc}); reading the shard")
        reader = _open_unchanged(self._opener, store, shard, progress)
        keep = store.keeps_columns() and nothing_to_keep(store.descriptor) is None
        try:
            self._units(store, shard, shard_pass, reader.unit_rows(), reader.batches, progress, keep)
        finally:
            reader.close()
        store.end_text_pass(shard.seq, self._fingerprint)

    @staticmethod
    def _kept(store: DatasetStore, shard: ShardState, progress: Progress) -> KeptShard | None:
        """The shard's kept columns when every unit's file checks out; else None, said in the progress detail
        (a dataset that never kept columns reads its shards without a word)."""
        units = store.kept_units(shard.seq)
        if not units:
            if store.keeps_columns():
                progress.advance(
                    0, detail=f"{shard.source}: its columns were not kept (imported before --keep-columns);"
                    " reading the shard and keeping them now",
                )  # fmt: skip
            return None
        try:
            # units_done is 0 for a shard converted from the old format and kept by a re-pass since
            count = max(shard.units_done, units[-1].unit + 1)
            return KeptShard.open(store.directory, shard.seq, units, count, shard.rows)
        except KeptColumnsError as exc:
            progress.advance(0, detail=f"{shard.source}: kept columns not usable ({exc}); reading the shard")
            return None

    def _units(
        self,
        store: DatasetStore,
        shard: ShardState,
        shard_pass: ShardPass,
        unit_rows: Sequence[int | None],
        batches: Callable[[int], Iterable[pa.RecordBatch]],
        progress: Progress,
        keep: bool = False,
    ) -> None:
        """Match the units not done yet of the pass, each committed as it finishes; with `keep` (the shard is read
        and the dataset keeps its columns), each unit's columns are kept as well, as an import keeps them."""
        assert shard.first_ordinal is not None
        start = store.begin_text_pass(shard.seq, self._fingerprint)
        row = sum(count or 0 for count in unit_rows[:start])
        for unit in range(start, len(unit_rows)):
            hits, profile_hits = [], []
            writer = UnitWriter(store.directory, shard.seq, unit) if keep else None
            try:
                for batch in batches(unit):
                    progress.check_cancelled()
                    if writer is not None:
                        writer.write(batch)
                    result = shard_pass.match(batch)
                    positions = result.hit_positions
                    hits += hit_rows(batch, positions, shard.seq, positions + row, shard.first_ordinal)
                    profile_hits += [(shard.first_ordinal + row + p, kind) for p, kind in result.profile_hits]
                    row += batch.num_rows
                kept = writer.commit() if writer is not None else None  # in place before the unit is committed
            except BaseException:
                if writer is not None:
                    writer.abandon()
                raise
            store.finish_text_unit(shard.seq, unit + 1, hits, profile_hits, kept)
            progress.advance(0, detail=f"{shard.source}: {row:,} rows")


class RowFetcher:
    def __init__(self, opener: ShardOpener) -> None:
        self._opener = opener

    def fetch(self, store: DatasetStore, ordinals: Iterable[int], progress: Progress) -> list[tuple[str, str]]:
        """Keep the rows at `ordinals` that are not kept yet; returns (shard, error) for shards that failed."""
        by_shard: dict[int, list[int]] = defaultdict(list)
        shards = {shard.seq: shard for shard in store.shards()}
        for ordinal in store.missing(ordinals):
            found = store.locate(ordinal)
            if found is not None:
                by_shard[found[0].seq].append(found[1])
        failed: list[tuple[str, str]] = []
        for seq, positions in sorted(by_shard.items()):
            shard = shards[seq]
            assert shard.first_ordinal is not None
            progress.check_cancelled()
            try:
                reader = _open_unchanged(self._opener, store, shard, progress)
                try:
                    table = reader.read_rows(positions)
                finally:
                    reader.close()
            except TrainTraceError as exc:
                failed.append((shard.source, str(exc)))
                continue
            everything = np.arange(table.num_rows, dtype=np.int64)
            store.add_hits(hit_rows(table, everything, seq, np.array(positions, np.int64), shard.first_ordinal))
        return failed


def _open_unchanged(opener: ShardOpener, store: DatasetStore, shard: ShardState, progress: Progress) -> ShardReader:
    reader = opener.open(shard.source, store.descriptor, progress)
    try:
        reader.check_unchanged(shard.size, shard.mtime_ns)
    except TrainTraceError:
        reader.close()
        raise
    return reader
