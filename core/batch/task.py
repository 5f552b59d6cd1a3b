"""One batch task: a shard (or a range of its row groups) through the shard pass, against every portfolio.

Runs on a Dask worker (or in-process). Per record batch: `ShardPass` parses the hash columns and finds the
byte-identical rows; the streaming pHash kernel (`PhashStreamMatcher`, the one inside `ShardPass`) runs each
chunk of the broadcast query set over the parsed values; one URL/caption stage for all profiles
(`core.batch.profiles.ProfileUnion`) finds the rows naming an artist, and which artists. The rows that matched
anything are kept (`hit_rows`) and turned into match records
per owner by `core.matching.records`, the code the local path uses, so the records are the same. The task writes
its part file atomically and returns an outcome; a shard that cannot be read is an outcome with the error, never
an exception, so the rest of the batch goes on.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from core.batch.queries import QuerySet
from core.batch.results import SOURCE, result_record, write_part
from core.catalogue.matches import FoundMatch
from core.datasets.descriptors import Descriptor
from core.datasets.shards import ShardOpener
from core.datasets.store import DatasetRow
from core.errors import TrainTraceError
from core.matching.records import MatchRecords, best_phash_pairs, works_by_file_name
from core.matching.shard_pass import PortfolioQueries, ShardPass, hit_rows
from core.net.http import HttpClient
from core.secrets import env_var_name

HUB_TOKEN_ENV = ("HF_TOKEN", env_var_name("huggingface"))


@dataclass(frozen=True)
class TaskSpec:
    key: str  # also the part file's name
    seq: int  # 1-based shard number in the job (row ids of shards without an id column use it)
    source: str
    units: tuple[int, int] | None  # row groups [first, end), or None for the whole shard
    descriptor: Descriptor
    out_dir: str
    rows: int | None = None  # as the shard's footer says (None: unknown before reading, a CSV file)


@dataclass(frozen=True)
class TaskOutcome:
    key: str
    source: str
    rows: int
    matches: int
    error: str | None
    cpu_seconds: float  # the worker process's CPU while the task ran (its task thread and any other)
    bytes_read: int = 0
    # CPU seconds of the task's own thread per phase (`PHASES`): what is fixed per task (open, setup, write) and
    # what grows with its rows (read, match); "setup" holds the per-worker state when this task built it.
    phases: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0


PHASES = ("open", "setup", "read", "match", "write")
Report = Callable[[int], None]  # rows just finished
_Pairs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


class _PhaseClock:
    """CPU time of the calling thread, added up per phase."""

    def __init__(self) -> None:
        self.spent = dict.fromkeys(PHASES, 0.0)
        self._at = time.thread_time()

    def lap(self, phase: str) -> None:
        now = time.thread_time()
        self.spent[phase] += now - self._at
        self._at = now


def run_task(spec: TaskSpec, queries: QuerySet, report: Report | None = None, *, threads: bool = True) -> TaskOutcome:
    """Match the task's rows and write its part; returns what it did (or why the shard failed). `threads=False`
    keeps Arrow's decoding on this thread (a one-thread Dask worker is one core)."""
    started, wall = time.process_time(), time.perf_counter()
    clock = _PhaseClock()
    opener = ShardOpener(lambda: HttpClient(), _hub_token)
    rows = 0
    try:
        reader = opener.open(spec.source, spec.descriptor)
        try:
            unit_rows = reader.unit_rows()
            first, end = spec.units if spec.units is not None else (0, len(unit_rows))
            row = sum(count or 0 for count in unit_rows[:first])
            clock.lap("open")
            matcher = _TaskMatcher(spec, queries)
            clock.lap("setup")
            for unit in range(first, end):
                for batch in reader.batches(unit, threads=threads):
                    clock.lap("read")
                    matcher.match(batch, row)
                    row += batch.num_rows
                    rows += batch.num_rows
                    if report is not None:
                        report(batch.num_rows)
                    clock.lap("match")
            bytes_read = reader.bytes_read
        finally:
            reader.close()
    except TrainTraceError as exc:
        return TaskOutcome(spec.key, spec.source, rows, 0, str(exc), time.process_time() - started)
    metadata = {"shard": spec.source, "units": spec.units, "rows": rows}
    write_part(Path(spec.out_dir), spec.key, matcher.records, metadata)
    clock.lap("write")
    cpu = time.process_time() - started
    return TaskOutcome(
        spec.key, spec.source, rows, len(matcher.records), None, cpu, bytes_read, clock.spent,
        time.perf_counter() - wall,
    )  # fmt: skip


def _hub_token() -> str | None:
    return next((os.environ[name] for name in HUB_TOKEN_ENV if os.environ.get(name, "").strip()), None)


class _TaskMatcher:
    """Matches one batch after another and collects the result records of every owner."""

    def __init__(self, spec: TaskSpec, queries: QuerySet) -> None:
        self._spec = spec
        self._queries = queries
        kinds = spec.descriptor.kinds
        hash_kinds = tuple(kind for kind in kinds if kind in ("phash", "sha256"))
        self._hash_pass = queries._cached(
            f"hashes:{','.join(hash_kinds)}",
            lambda: ShardPass(
                hash_kinds, PortfolioQueries(np.zeros(0, np.uint64), queries.digests, queries.max_distance), None
            ),
        )
        self._phash = queries.matchers() if "phash" in kinds else []
        self._profiles = queries.profile_union(kinds)
        self._records = MatchRecords(spec.descriptor, "full", SOURCE)
        self._found_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._by_name: dict[int, dict[str, int]] = {}
        self.records: list[dict[str, Any]] = []

    def match(self, batch: pa.RecordBatch, first_row: int) -> None:
        result = self._hash_pass.match(batch)
        positions = [result.hit_positions]
        phash_pairs: list[tuple[int, int, int, int]] = []  # (group, value index, row position, distance)
        if result.phashes is not None:
            for group_index, offset, matcher in self._phash:
                found = matcher.match_hashes(result.phashes.values, result.phashes.valid)
                if len(found.rows):
                    phash_pairs += zip(
                        [group_index] * len(found.rows), (found.query_idx + offset).tolist(), found.rows.tolist(),
                        found.distances.tolist(), strict=True,
                    )  # fmt: skip
                    positions.append(found.rows)
        profile_hits = []
        for group_index, hits in self._profiles.match(batch).items():
            group = self._queries.profiles[group_index]
            urls, texts = self._profiles.url_matchers[group_index], self._profiles.text_matcher(group_index)
            profile_hits.append((group, urls, texts, hits))
            positions.append(np.array([position for position, _ in hits], np.int64))
        kept = np.unique(np.concatenate(positions))
        if not len(kept):
            return
        rows = {hit.shard_row - first_row: _row(hit, self._spec.source) for hit in
                hit_rows(batch, kept, self._spec.seq, kept + first_row, 0)}  # fmt: skip
        self._sha(result.sha_pairs, rows)
        self._phashes(phash_pairs, rows)
        for profile, urls, texts, hits in profile_hits:
            for position, kind in hits:
                for owner in profile.owners:
                    if kind == "url" and urls is not None:
                        self._add(owner, self._records.url(rows[position], urls, self._names(owner)), rows[position])
                    elif kind == "text" and texts is not None:
                        self._add(owner, self._records.text(rows[position], texts), rows[position])

    def _sha(
        self, pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None, rows: dict[int, DatasetRow]
    ) -> None:
        if pairs is None:
            return
        entries = self._queries.sha_entries
        for position, query in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            for at in entries.holders(query):
                owner, work = int(entries.owner[at]), self._queries.works[entries.owner[at]][entries.work[at]]
                self._add(owner, self._records.sha256(work, rows[position]), rows[position])

    def _phashes(self, pairs: list[tuple[int, int, int, int]], rows: dict[int, DatasetRow]) -> None:
        by_owner: dict[int, list[tuple[int, int, str, int, int]]] = defaultdict(list)
        names = self._queries.variant_names
        for group_at, value_index, position, distance in pairs:
            group = self._queries.phash_groups[group_at]
            value = int(group.values[value_index])
            entries = group.entries
            for at in entries.holders(value_index):
                work = self._queries.works[entries.owner[at]][entries.work[at]]
                by_owner[int(entries.owner[at])].append(
                    (work.work_id, position, names[entries.variant[at]], value, distance)
                )
        for owner, candidates in by_owner.items():
            works = self._queries.works_by_id(owner)
            sizes = {position: row.size for position, row in rows.items()}
            best = best_phash_pairs(candidates, self._queries.max_distance, works, sizes)
            for (_, position), match in zip(best, self._records.phash(best, works, rows), strict=True):
                self._add(owner, match, rows[position])

    def _names(self, owner: int) -> dict[str, int]:
        if owner not in self._by_name:
            self._by_name[owner] = works_by_file_name(self._queries.works[owner])
        return self._by_name[owner]

    def _add(self, owner: int, match: FoundMatch | None, row: DatasetRow) -> None:
        if match is None:
            return
        found = self._queries.works_by_id(owner).get(match.work_id) if match.work_id is not None else None
        work = (found.file_name, found.sha256) if found is not None else None
        self.records.append(
            result_record(self._queries.owners[owner], match, work, self._found_at, (row.shard, row.shard_row))
        )


def _row(hit: Any, source: str) -> DatasetRow:
    return DatasetRow(hit.ordinal, source, hit.shard_row, hit.row_id, hit.url, hit.caption, hit.phash, hit.sha256,
                      hit.width, hit.height, hit.published)  # fmt: skip
