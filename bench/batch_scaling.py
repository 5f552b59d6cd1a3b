"""Scaling of `traintrace batch` from 1 to 2 local Dask workers, and what explains it.

Used by `python -m bench.bench_batch --scaling-only` (and by the full run). Each run is a fresh LocalCluster
(1 or 2 single-threaded worker processes) over the same shards and portfolio; runs alternate 1 and 2 workers so
that a change in the machine's load hits both alike. Per run:
- wall seconds of the tasks' phase (first task submitted to last task finished) and the efficiency
  wall(1) / (2 x wall(2)) of each 1/2 pair;
- the tasks' own CPU (their threads) by phase: fixed per task (open the shard and read its footer, set up the
  matcher, which on the first task of a worker builds the per-worker state, write the part) and per row (read =
  Parquet decoding, match);
- the worker processes' CPU beyond their tasks (Dask's event loop, heartbeats, the nanny) and the client's and
  scheduler's CPU (this process) while the tasks ran, and the cores left idle.
Before the runs, a machine check: the same CPU-bound loop (pure Python, in cache) and a memory-bound loop (random
reads from 512 MB) in 1 and then 2 processes at once: what 2 cores of this machine deliver at best.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from core.batch.hashlist import HashList
from core.batch.runner import BatchJob, ClusterSpec, run_batch
from core.batch.task import PHASES, TaskOutcome
from core.datasets.descriptors import resolve_descriptor

FIXED = ("open", "setup", "write")
PER_ROW = ("read", "match")


class _Watch:
    """Batch events that time the tasks' phase and take the processes' CPU at its start and end."""

    def __init__(self) -> None:
        self.outcomes: list[TaskOutcome] = []
        self.me = psutil.Process()

    def dashboard(self, link: str | None) -> None: ...

    def planned(self, shards: Any, done: Any) -> None:
        self.workers = [p for p in self.me.children(recursive=True) if p.is_running()]
        self.cpu_before = (_cpu(self.me), sum(_cpu(p) for p in self.workers))
        self.started = time.perf_counter()

    def rows_done(self, source: str, rows: int) -> None: ...

    def task_done(self, outcome: TaskOutcome) -> None:
        self.finished = time.perf_counter()
        self.cpu_after = (_cpu(self.me), sum(_cpu(p) for p in self.workers))
        self.outcomes.append(outcome)


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def cluster_run(shards: list[Path], hash_lists: list[HashList], out: Path, workers: int) -> dict[str, Any]:
    """One batch on a fresh LocalCluster of `workers`, with the breakdown of where the time went."""
    descriptor = resolve_descriptor("coyo-700m", None, {}, [str(s) for s in shards])
    watch = _Watch()
    load = os.getloadavg()[0]
    report = run_batch(BatchJob(descriptor, tuple(hash_lists), 8, out), ClusterSpec("local", workers), watch)
    assert report.complete, report.failed
    wall = watch.finished - watch.started
    rows = sum(o.rows for o in watch.outcomes)
    phases = {phase: sum(o.phases.get(phase, 0.0) for o in watch.outcomes) for phase in PHASES}
    task_threads = sum(phases.values())
    client_cpu = watch.cpu_after[0] - watch.cpu_before[0]
    workers_cpu = watch.cpu_after[1] - watch.cpu_before[1]
    setups = sorted((o.phases.get("setup", 0.0) for o in watch.outcomes), reverse=True)
    return {
        "workers": workers, "rows": rows, "tasks": len(watch.outcomes), "load_before": load,
        "wall_s": wall, "task_cpu_s": task_threads, "task_process_cpu_s": sum(o.cpu_seconds for o in watch.outcomes),
        "phases_s": phases,
        "fixed_per_task_s": sum(phases[p] for p in FIXED) / len(watch.outcomes),
        "per_worker_build_s": sum(setups[:workers]),  # the first task on each worker builds its state
        "per_row_ns": sum(phases[p] for p in PER_ROW) / rows * 1e9,
        "read_ns": phases["read"] / rows * 1e9, "match_ns": phases["match"] / rows * 1e9,
        "worker_overhead_s": workers_cpu - task_threads, "client_scheduler_s": client_cpu,
        "idle_core_s": workers * wall - workers_cpu,
    }  # fmt: skip


def scaling(shards: list[Path], hash_lists: list[HashList], out: Path, repeats: int) -> dict[str, Any]:
    """`repeats` pairs of runs, alternating 1 and 2 workers; efficiency per pair and the medians."""
    runs: list[dict[str, Any]] = []
    for repeat in range(repeats):
        for workers in (1, 2) if repeat % 2 == 0 else (2, 1):
            run = cluster_run(shards, hash_lists, out / f"run-{repeat}-{workers}", workers)
            runs.append(run)
            print_run(run)
    ones = [r for r in runs if r["workers"] == 1]
    twos = [r for r in runs if r["workers"] == 2]
    pairs = [one["wall_s"] / (2 * two["wall_s"]) for one, two in zip(ones, twos, strict=True)]
    summary = {
        "efficiency_per_pair": pairs,
        "efficiency_median": statistics.median(pairs),
        "efficiency_of_median_walls": statistics.median(r["wall_s"] for r in ones)
        / (2 * statistics.median(r["wall_s"] for r in twos)),
    }
    for key in ("wall_s", "task_cpu_s", "per_row_ns", "read_ns", "match_ns", "fixed_per_task_s",
                "per_worker_build_s", "worker_overhead_s", "client_scheduler_s", "idle_core_s"):  # fmt: skip
        summary[key] = {n: statistics.median(r[key] for r in group) for n, group in ((1, ones), (2, twos))}
    return {"runs": runs, "summary": summary}


def print_run(run: dict[str, Any]) -> None:
    phases = run["phases_s"]
    print(
        f"  {run['workers']} worker(s): tasks' phase {run['wall_s']:.2f} s wall; tasks' CPU {run['task_cpu_s']:.2f} s"
        f" (open {phases['open']:.2f}, setup {phases['setup']:.2f}, read {phases['read']:.2f},"
        f" match {phases['match']:.2f}, write {phases['write']:.2f}); per row {run['per_row_ns']:.0f} ns"
        f" (read {run['read_ns']:.0f} + match {run['match_ns']:.0f}); worker overhead"
        f" {run['worker_overhead_s']:.2f} s, client+scheduler {run['client_scheduler_s']:.2f} s, idle cores"
        f" {run['idle_core_s']:.2f} s; load before {run['load_before']:.1f}",
        flush=True,
    )


def print_summary(result: dict[str, Any], machine: dict[str, Any] | None) -> None:
    s = result["summary"]
    pairs = ", ".join(f"{e:.2f}" for e in s["efficiency_per_pair"])
    print(f"scaling efficiency 1 -> 2 workers: {pairs} (median {s['efficiency_median']:.2f};"
          f" of the median walls {s['efficiency_of_median_walls']:.2f})")  # fmt: skip
    print("  medians, 1 / 2 workers:")
    for key, label, unit in (
        ("wall_s", "tasks' phase, wall", "s"), ("task_cpu_s", "tasks' CPU", "s"),
        ("per_row_ns", "per row (read + match)", "ns"), ("read_ns", "  read (Parquet decoding)", "ns"),
        ("match_ns", "  match", "ns"), ("fixed_per_task_s", "fixed per task (open, setup, write)", "s"),
        ("per_worker_build_s", "per-worker state, built once a worker", "s"),
        ("worker_overhead_s", "worker processes beyond their tasks", "s"),
        ("client_scheduler_s", "client + scheduler (this process)", "s"), ("idle_core_s", "cores left idle", "s"),
    ):  # fmt: skip
        one, two = s[key][1], s[key][2]
        fmt = ".0f" if unit == "ns" else ".3f"
        print(f"    {label:42s} {one:{fmt}} / {two:{fmt}} {unit}")
    if machine:
        print(
            "  machine check (the same work in 1, then 2 processes at once; CPU-s per process, wall): "
            + "; ".join(
                f"{name}: {m['cpu_1']:.2f} s in {m['wall_1']:.2f} s / {m['cpu_2']:.2f} s in {m['wall_2']:.2f} s"
                f" (per-process CPU x{m['cpu_2'] / m['cpu_1']:.2f}, throughput x{2 * m['wall_1'] / m['wall_2']:.2f})"
                for name, m in machine.items()
            )
        )


def _python_loop(queue: Any) -> None:
    started, wall = time.process_time(), time.perf_counter()
    total = 0
    for i in range(15_000_000):
        total += i ^ (i >> 3)
    queue.put((time.process_time() - started, time.perf_counter() - wall))


def _memory_loop(queue: Any) -> None:
    rng = np.random.default_rng(0)
    table = rng.integers(0, 2**63, 1 << 26, dtype=np.int64)  # 512 MB
    index = rng.integers(0, len(table), 1 << 22)
    started, wall = time.process_time(), time.perf_counter()
    for _ in range(20):
        table.take(index).sum()
    queue.put((time.process_time() - started, time.perf_counter() - wall))


def machine_check() -> dict[str, Any]:
    """What 2 processes get from this machine's 2 cores: per-process CPU and throughput of a CPU-bound and a
    memory-bound loop, alone and two at once."""
    context = multiprocessing.get_context("spawn")
    result: dict[str, Any] = {}
    for name, target in (("python loop", _python_loop), ("random reads", _memory_loop)):
        measured: dict[int, list[tuple[float, float]]] = {}
        for count in (1, 2):
            queue = context.Queue()
            processes = [context.Process(target=target, args=(queue,)) for _ in range(count)]
            for process in processes:
                process.start()
            measured[count] = [queue.get() for _ in processes]
            for process in processes:
                process.join()
        result[name] = {
            "cpu_1": measured[1][0][0], "wall_1": measured[1][0][1],
            "cpu_2": statistics.mean(c for c, _ in measured[2]), "wall_2": max(w for _, w in measured[2]),
        }  # fmt: skip
    return result
