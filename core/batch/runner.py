"""Running a batch on Dask: plan tasks from the shards' footers, broadcast the query set once, run the tasks,
record each finished one in the manifest at once (a stopped batch resumes), report failed shards by name.

`dask.distributed` is the optional extra `cluster` (`pip install 'traintrace[cluster]'`): the desktop app and
`scan` never need it, and it is imported only here, when a batch runs. A LocalCluster (worker processes on this
machine) by default; any running cluster by its scheduler address (dask-jobqueue, dask-kubernetes, a cloud
service), whose workers have TrainTrace installed. Dask reruns the task of a worker that dies; a task writes
only its own part file, atomically, so a rerun replaces it with identical content.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from core.batch.hashlist import HashList
from core.batch.queries import QuerySet, build_query_set
from core.batch.results import Manifest, load_manifest, part_path, save_manifest
from core.batch.task import TaskOutcome, TaskSpec, run_task
from core.datasets.descriptors import Descriptor
from core.datasets.shards import ShardOpener
from core.errors import Cancelled, TrainTraceError, UsageError
from core.net.http import HttpClient
from core.progress import Progress

TOPIC = "traintrace-batch"
DEFAULT_ROWS_PER_TASK = 8_000_000  # a COYO part (5.8M rows) is one task; a LAION part (~18M) two or three
MISSING_DASK = "traintrace batch needs Dask distributed: pip install 'traintrace[cluster]'"


@dataclass(frozen=True)
class ClusterSpec:
    scheduler: str = "local"  # "local" or a scheduler address (tcp://HOST:PORT)
    workers: int = 2  # LocalCluster worker processes (one thread each)
    processes: bool = True


@dataclass(frozen=True)
class BatchJob:
    descriptor: Descriptor  # with its shards in `sources`
    hash_lists: tuple[HashList, ...]
    max_distance: int
    out_dir: Path
    rows_per_task: int = DEFAULT_ROWS_PER_TASK


@dataclass(frozen=True)
class BatchReport:
    out_dir: Path
    tasks: int
    resumed: int  # tasks finished by an earlier run
    failed: tuple[tuple[str, str], ...]  # (shard, error)
    rows: int  # rows matched by this run
    matches: int  # matches found by this run
    cpu_seconds: float  # in the tasks of this run
    wall_seconds: float
    dashboard: str | None
    profile_notes: tuple[str, ...] = ()  # "owner: entry not used for matching: why" (`profile_rules.notes`)

    @property
    def complete(self) -> bool:
        return not self.failed


class BatchEvents(Protocol):
    """What the runner tells its caller (the CLI's progress bars) while it runs."""

    def dashboard(self, link: str | None) -> None: ...
    def planned(self, shards: Sequence[tuple[str, int | None]], done: Sequence[str]) -> None: ...
    def rows_done(self, source: str, rows: int) -> None:
        """`rows` of the shard matched so far (a task that reruns after a lost worker is counted once)."""

    def task_done(self, outcome: TaskOutcome) -> None: ...


def require_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise UsageError(MISSING_DASK) from exc
    return distributed


def run_batch(
    job: BatchJob, cluster: ClusterSpec, events: BatchEvents, progress: Progress | None = None
) -> BatchReport:
    distributed = require_distributed()
    progress = progress or Progress()
    started = time.monotonic()
    queries = build_query_set(job.hash_lists, job.max_distance)
    queries.ship_small_matchers()
    manifest = _start_manifest(job, queries)
    with _client(distributed, cluster) as client:
        link = getattr(client, "dashboard_link", None)
        events.dashboard(link)
        specs = manifest_specs(manifest, job) if "plan" in manifest.job else None
        if specs is None:
            specs, failed_plan = _plan(client, job)
            manifest = Manifest({**manifest.job, "plan": [_spec_json(s) for s in specs], "tasks": len(specs)},
                                manifest.done, dict(failed_plan))  # fmt: skip
            save_manifest(job.out_dir, manifest)
        done = {k for k in manifest.done if part_path(job.out_dir, k).exists()}
        manifest = Manifest(manifest.job, {k: v for k, v in manifest.done.items() if k in done}, manifest.failed)
        _announce(events, specs, manifest, done)
        todo = [spec for spec in specs if spec.key not in done]
        outcomes = _run(distributed, client, todo, queries, manifest, job, events, progress) if todo else []
    final = load_manifest(job.out_dir) or manifest
    failed = tuple((entry["shard"], entry["error"]) for entry in final.failed.values())
    return BatchReport(
        job.out_dir, len(specs), len(done), failed, sum(o.rows for o in outcomes), sum(o.matches for o in outcomes),
        sum(o.cpu_seconds for o in outcomes), time.monotonic() - started, link,
    )  # fmt: skip


class _client:  # noqa: N801 - a context manager used like a function
    def __init__(self, distributed: Any, spec: ClusterSpec) -> None:
        self._distributed, self._spec = distributed, spec
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> Any:
        d, spec = self._distributed, self._spec
        if spec.scheduler == "local":
            self._cluster = d.LocalCluster(
                n_workers=spec.workers, threads_per_worker=1, processes=spec.processes, dashboard_address=":0",
                silence_logs=logging.ERROR,
            )  # fmt: skip
            self._client = d.Client(self._cluster)
        else:
            try:
                self._client = d.Client(spec.scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"no Dask scheduler answers at {spec.scheduler}: {exc}") from exc
        return self._client

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _start_manifest(job: BatchJob, queries: QuerySet) -> Manifest:
    wanted = {
        "dataset": job.descriptor.id, "descriptor": job.descriptor.to_json(), "shards": list(job.descriptor.sources),
        "queries": queries.fingerprint, "max_distance": job.max_distance, "owners": queries.owners,
        "rows_per_task": job.rows_per_task,
    }  # fmt: skip
    wanted = json.loads(json.dumps(wanted))  # as the manifest holds it (tuples become lists)
    existing = load_manifest(job.out_dir)
    if existing is None:
        manifest = Manifest(wanted, {}, {})
        save_manifest(job.out_dir, manifest)
        return manifest
    if any(existing.job.get(key) != value for key, value in wanted.items()):
        raise UsageError(
            f"{job.out_dir} holds a batch of other hash lists, shards or settings;"
            " give another --out to start a new one"
        )
    return Manifest({**wanted, **{k: v for k, v in existing.job.items() if k in ("plan", "tasks")}}, existing.done, {})


def _spec_json(spec: TaskSpec) -> dict[str, Any]:
    return {"key": spec.key, "seq": spec.seq, "source": spec.source, "units": spec.units, "rows": spec.rows}


def manifest_specs(manifest: Manifest, job: BatchJob) -> list[TaskSpec]:
    return [
        TaskSpec(entry["key"], entry["seq"], entry["source"], tuple(entry["units"]) if entry["units"] else None,
                 job.descriptor, str(job.out_dir), entry.get("rows"))
        for entry in manifest.job["plan"]
    ]  # fmt: skip


def plan_shard(seq: int, source: str, descriptor: Descriptor, rows_per_task: int, out_dir: str) -> list[TaskSpec]:
    """The tasks of one shard: all of it, or ranges of its row groups of about `rows_per_task` rows each."""
    reader = ShardOpener(lambda: HttpClient(), lambda: None).open(source, descriptor)
    try:
        counts = reader.unit_rows()
    finally:
        reader.close()
    ranges: list[tuple[int, int]] = []
    first, rows = 0, 0
    for unit, count in enumerate(counts):
        rows += count or 0
        if rows >= rows_per_task and unit + 1 < len(counts):
            ranges.append((first, unit + 1))
            first, rows = unit + 1, 0
    known = None if any(count is None for count in counts) else sum(count or 0 for count in counts)
    if not ranges:
        return [TaskSpec(f"{seq:05d}", seq, source, None, descriptor, out_dir, known)]
    ranges.append((first, len(counts)))
    return [
        TaskSpec(f"{seq:05d}-{a:05d}-{b:05d}", seq, source, (a, b), descriptor, out_dir, sum(counts[a:b]))  # type: ignore[arg-type]
        for a, b in ranges
    ]


def _plan_or_error(seq: int, source: str, descriptor: Descriptor, rows_per_task: int, out_dir: str) -> Any:
    try:
        return plan_shard(seq, source, descriptor, rows_per_task, out_dir)
    except TrainTraceError as exc:
        return str(exc)


def _plan(client: Any, job: BatchJob) -> tuple[list[TaskSpec], list[tuple[str, dict[str, str]]]]:
    sources = list(job.descriptor.sources)
    futures = [
        client.submit(_plan_or_error, seq, source, job.descriptor, job.rows_per_task, str(job.out_dir), pure=False)
        for seq, source in enumerate(sources, start=1)
    ]
    specs: list[TaskSpec] = []
    failed: list[tuple[str, dict[str, str]]] = []
    for seq, (source, planned) in enumerate(zip(sources, client.gather(futures), strict=True), start=1):
        if isinstance(planned, str):
            failed.append((f"{seq:05d}", {"shard": source, "error": planned}))
        else:
            specs += planned
    return specs, failed


def _announce(events: BatchEvents, specs: list[TaskSpec], manifest: Manifest, done: set[str]) -> None:
    shards: dict[str, int | None] = {}
    for spec in specs:
        before = shards.get(spec.source, 0)
        shards[spec.source] = None if before is None or spec.rows is None else before + spec.rows
    for entry in manifest.failed.values():
        shards.setdefault(entry["shard"], None)
    events.planned(list(shards.items()), [manifest.done[k]["shard"] for k in done])


_FINISHED = "finished"
EVENT_INTERVAL = 0.25  # seconds between a task's progress events (each goes through the scheduler)


def _on_worker(spec: TaskSpec, queries: QuerySet) -> TaskOutcome:
    """The task as a worker runs it: progress goes to the client as worker events (the task's key, this attempt
    and its rows so far), decoding stays on the task's thread (a worker thread is one core)."""
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:
        return run_task(spec, queries)
    attempt = uuid.uuid4().hex
    rows, last = 0, 0.0

    def report(batch_rows: int) -> None:
        nonlocal rows, last
        rows += batch_rows
        now = time.monotonic()
        if now - last >= EVENT_INTERVAL:
            last = now
            worker.log_event(TOPIC, {"source": spec.source, "key": spec.key, "attempt": attempt, "rows": rows})

    return run_task(spec, queries, report, threads=False)


class ShardRows:
    """Rows matched per shard from the tasks' progress events. A task that reruns (its worker was lost) reports
    under a new attempt, whose rows replace the lost attempt's instead of adding to them."""

    def __init__(self) -> None:
        self._tasks: dict[str, tuple[str, str, int]] = {}  # key -> (source, attempt, rows)
        self._retired: set[tuple[str, str]] = set()  # (key, attempt) replaced by a later attempt
        self._lock = threading.Lock()

    def update(self, source: str, key: str, attempt: str, rows: int) -> int:
        """The shard's rows so far after this event."""
        with self._lock:
            known = self._tasks.get(key)
            if (key, attempt) in self._retired or (known is not None and known[1] == _FINISHED):
                pass  # a late event of a lost attempt, or of a task already counted in full
            elif known is None or known[1] != attempt or rows > known[2]:
                if known is not None and known[1] != attempt:
                    self._retired.add((key, known[1]))
                self._tasks[key] = (source, attempt, rows)
            return sum(count for shard, _, count in self._tasks.values() if shard == source)

    def finished(self, source: str, key: str, rows: int) -> int:
        """The shard's rows once task `key` finished with `rows`."""
        with self._lock:
            self._tasks[key] = (source, _FINISHED, rows)
            return sum(count for shard, _, count in self._tasks.values() if shard == source)


def _run(
    distributed: Any,
    client: Any,
    todo: list[TaskSpec],
    queries: QuerySet,
    manifest: Manifest,
    job: BatchJob,
    events: BatchEvents,
    progress: Progress,
) -> list[TaskOutcome]:
    tracker = ShardRows()

    def on_event(event: tuple[float, dict[str, Any]]) -> None:
        message = event[1]
        events.rows_done(message["source"], tracker.update(message["source"], message["key"], message["attempt"],
                                                           message["rows"]))  # fmt: skip

    client.subscribe_topic(TOPIC, on_event)
    shared = client.scatter(queries, broadcast=True, hash=False)
    futures = {
        client.submit(_on_worker, spec, shared, key=f"traintrace-{queries.fingerprint[:12]}-{spec.key}", pure=False,
                      retries=1): spec
        for spec in todo
    }  # fmt: skip
    outcomes: list[TaskOutcome] = []
    pending = set(futures)
    done, failed = dict(manifest.done), dict(manifest.failed)
    try:
        while pending:
            progress.check_cancelled()
            try:
                finished, pending = distributed.wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            for future in finished:
                spec = futures[future]
                outcome = _outcome(future, spec)
                outcomes.append(outcome)
                if outcome.error is None:
                    events.rows_done(spec.source, tracker.finished(spec.source, spec.key, outcome.rows))
                    done[spec.key] = _done_entry(spec, outcome)
                    failed.pop(spec.key, None)
                else:
                    failed[spec.key] = {"shard": spec.source, "error": outcome.error}
                save_manifest(job.out_dir, Manifest(manifest.job, done, failed))
                events.task_done(outcome)
    except (Cancelled, KeyboardInterrupt):
        client.cancel(list(pending))
        raise
    finally:
        client.unsubscribe_topic(TOPIC)
    return outcomes


def _done_entry(spec: TaskSpec, outcome: TaskOutcome) -> dict[str, Any]:
    cpu = round(outcome.cpu_seconds, 3)
    return {"shard": spec.source, "units": spec.units, "rows": outcome.rows, "matches": outcome.matches, "cpu": cpu}


def _outcome(future: Any, spec: TaskSpec) -> TaskOutcome:
    try:
        result: TaskOutcome = future.result()
        return result
    except Exception as exc:  # noqa: BLE001 - a task's unexpected failure fails its shard, not the batch
        return TaskOutcome(spec.key, spec.source, 0, 0, f"shard {spec.source}: {type(exc).__name__}: {exc}", 0.0)
