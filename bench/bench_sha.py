"""SHA-256 lookup: 10,000 digests against 100 million rows, TrainTrace's index vs in-memory baselines.

Run from the repository root:  python -m bench.bench_sha [--rows 100000000] [--queries 10000]

A child process generates random digests chunk by chunk and builds the memory-mapped index (its peak RSS is
the build's peak memory). Half of the queries are rows of the dataset, half are not. Baselines, in the same run:
- sorted NumPy: all digests as an 'S32' array in memory, sorted, then `np.searchsorted` + equality;
- Python dict of bytes -> ordinal, built on `--dict-rows` rows (100M would need ~15 GB) and scaled linearly
  for its build time and memory; its lookups are O(1) and timed as they are.
The matches of the index and of the sorted baseline are checked to be equal.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from core.index.sha_build import ShaIndexBuilder
from core.index.sha_index import ShaIndex

CHUNK_ROWS = 1 << 22


class Clock:
    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def chunk(begin: int, rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, begin])
    return rng.integers(0, 256, size=(min(CHUNK_ROWS, rows - begin), 32), dtype=np.uint8)


def build(directory: Path, rows: int, seed: int, report: multiprocessing.SimpleQueue) -> None:  # type: ignore[type-arg]
    builder = ShaIndexBuilder(directory)
    for begin in range(0, rows, CHUNK_ROWS):
        digests = chunk(begin, rows, seed)
        builder.add(digests, np.arange(begin, begin + len(digests)), chunk_id=str(begin))
    builder.finish()
    report.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def make_queries(rows: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    listed = []
    starts = rng.choice(np.arange(0, rows, CHUNK_ROWS), size=min(4, -(-rows // CHUNK_ROWS)), replace=False)
    for begin in starts:
        data = chunk(int(begin), rows, seed)
        listed.append(data[rng.choice(len(data), count // 2 // len(starts) + 1, replace=False)])
    hits = np.concatenate(listed)[: count // 2]
    misses = rng.integers(0, 256, size=(count - len(hits), 32), dtype=np.uint8)
    return np.concatenate([hits, misses])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--dict-rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    seed = 17
    workdir = Path(tempfile.mkdtemp(prefix="tt-sha-", dir=args.workdir))
    try:
        context = multiprocessing.get_context("fork")
        report = context.SimpleQueue()
        with Clock() as build_clock:
            child = context.Process(target=build, args=(workdir / "sha", args.rows, seed, report))
            child.start()
            child.join()
        build_peak = int(report.get())
        index = ShaIndex.open(workdir / "sha")
        print(f"{args.rows:,} rows; index {index.nbytes / 1e6:,.0f} MB on disk ({index.nbytes / args.rows:.0f} B/row)")
        print(f"build: {build_clock.wall:.0f} s wall (generation included), peak RSS {build_peak / 1e6:,.0f} MB")
        queries = make_queries(args.rows, args.queries, seed)
        before = psutil.Process().memory_info().rss
        with Clock() as ours:
            found = index.lookup(queries)
        after = psutil.Process().memory_info().rss
        print(
            f"TrainTrace lookup of {len(queries):,} digests: {ours.wall * 1e3:.0f} ms wall, {ours.cpu * 1e3:.0f} ms"
            f" CPU, {len(found.ordinals):,} matches; RSS {after / 1e6:,.0f} MB (+{(after - before) / 1e6:,.0f} MB)"
        )

        with Clock() as load_clock:
            everything = np.concatenate([chunk(b, args.rows, seed) for b in range(0, args.rows, CHUNK_ROWS)])
            keys = np.ascontiguousarray(everything).view("S32").reshape(-1)
            del everything
            order = np.argsort(keys)
            sorted_keys = keys[order]
            del keys
        query_keys = np.ascontiguousarray(queries).view("S32").reshape(-1)
        with Clock() as sorted_clock:
            positions = np.searchsorted(sorted_keys, query_keys)
            positions = np.minimum(positions, len(sorted_keys) - 1)
            hit = sorted_keys[positions] == query_keys
        same = sorted(order[positions[hit]].tolist()) == sorted(found.ordinals.tolist())
        print(
            f"sorted NumPy baseline: build (load + sort in memory) {load_clock.wall:.0f} s, memory"
            f" {(sorted_keys.nbytes + order.nbytes) / 1e6:,.0f} MB resident; lookup {sorted_clock.wall * 1e3:.0f} ms"
            f" wall, {sorted_clock.cpu * 1e3:.0f} ms CPU -> TrainTrace is {sorted_clock.cpu / ours.cpu:.2f}x on CPU"
            f" per lookup batch; same matches: {same}"
        )
        del sorted_keys, order

        subset = min(args.dict_rows, args.rows)
        rss_before = psutil.Process().memory_info().rss
        with Clock() as dict_build:
            table: dict[bytes, int] = {}
            for begin in range(0, subset, CHUNK_ROWS):
                data = chunk(begin, subset, seed)
                table.update(zip(map(bytes, data), range(begin, begin + len(data)), strict=True))
        dict_memory = psutil.Process().memory_info().rss - rss_before
        query_bytes = [bytes(q) for q in queries]
        with Clock() as dict_lookup:
            hits = [table[q] for q in query_bytes if q in table]
        scale = args.rows / subset
        print(
            f"dict baseline on {subset:,} rows: build {dict_build.wall:.0f} s, memory {dict_memory / 1e6:,.0f} MB"
            f" -> scaled to {args.rows:,} rows: {dict_build.wall * scale:.0f} s, {dict_memory * scale / 1e9:.1f} GB;"
            f" lookup {dict_lookup.wall * 1e3:.1f} ms ({len(hits)} hits in the subset); TrainTrace needs"
            f" {ours.wall * 1e3:.0f} ms from disk with {(after - before) / 1e6:,.0f} MB extra RSS"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
