"""Portfolio query against a big pHash index: TrainTrace's index vs faiss IndexBinaryFlat vs a NumPy scan.

Run from the repository root:  python -m bench.bench_phash_query [--rows 100000000] [--distribution both]

For each distribution (bench/phash_data.py) a child process generates the rows chunk by chunk and builds the
index (its peak RSS is the build's peak memory); the parent then opens the index memory-mapped and searches
all queries at each radius (sampling its RSS), and only afterwards loads the rows into faiss for the
baselines, checking that the results are identical. faiss-cpu and psutil are bench-only dependencies.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import faiss
import numpy as np
import psutil

from bench.phash_data import Portfolio, RowSource, artwork_hashes, make_portfolio
from core.index.phash_build import PhashIndexBuilder
from core.index.phash_index import PhashIndex, PhashMatches


class PeakRss:
    """Samples this process's RSS every few milliseconds while active."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        process = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def build(directory: Path, source: RowSource, report: multiprocessing.SimpleQueue) -> None:  # type: ignore[type-arg]
    builder = PhashIndexBuilder(directory)
    for begin, chunk in source.chunks():
        builder.add(chunk, np.arange(begin, begin + len(chunk), dtype=np.int64), chunk_id=str(begin))
    builder.finish()
    report.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def timed_build(directory: Path, source: RowSource) -> tuple[float, int]:
    """Build in a child process; returns (seconds, the child's peak RSS in bytes)."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    report = context.SimpleQueue()
    child = context.Process(target=build, args=(directory, source, report))
    child.start()
    child.join()
    if child.exitcode:
        raise SystemExit(f"build failed with exit code {child.exitcode}")
    return time.perf_counter() - started, int(report.get())


class Clock:
    """Wall seconds and this process's CPU seconds (all threads) of a block: the machine is shared, so CPU
    time shows the work done when other jobs steal the cores."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def faiss_search(index: faiss.IndexBinaryFlat, queries: np.ndarray, radius: int) -> tuple[Clock, PhashMatches]:
    with Clock() as seconds:
        limits, distances, labels = index.range_search(queries.view(np.uint8).reshape(-1, 8), radius + 1)
    query_idx = np.repeat(np.arange(len(queries)), np.diff(limits.astype(np.int64)))
    order = np.lexsort((labels, query_idx))
    return seconds, PhashMatches(query_idx[order], labels[order].astype(np.int64), distances[order].astype(np.uint8))


def numpy_seconds_per_query(rows: np.ndarray, queries: np.ndarray, radius: int) -> Clock:
    with Clock() as seconds:
        for query in queries:
            np.flatnonzero(np.bitwise_count(rows ^ query) <= radius)
    seconds.wall /= len(queries)
    seconds.cpu /= len(queries)
    return seconds


def same(a: PhashMatches, b: PhashMatches) -> bool:
    return (
        np.array_equal(a.query_idx, b.query_idx)
        and np.array_equal(a.ordinals, b.ordinals)
        and np.array_equal(a.distances, b.distances)
    )


def run_distribution(args: argparse.Namespace, source: RowSource, portfolio: Portfolio, workdir: Path) -> None:
    print(f"\n== {source.distribution}: {source.rows:,} rows, {len(portfolio.queries):,} queries ==")
    directory = workdir / f"index-{source.distribution}"
    build_seconds, build_peak = timed_build(directory, source)
    index = PhashIndex.open(directory)
    size = index.nbytes
    print(f"build: {build_seconds:.1f} s ({source.rows / build_seconds / 1e6:.2f} M rows/s)")
    print(f"index on disk: {size / 1e6:,.0f} MB = {size / source.rows:.2f} bytes/row")
    print(f"build peak RSS: {build_peak / 1e6:,.0f} MB = {build_peak / size:.2f} x index size")
    ours: dict[int, tuple[Clock, PhashMatches]] = {}
    baseline_rss = psutil.Process().memory_info().rss
    for radius in args.radii:
        with PeakRss() as sampler, Clock() as clock:
            matches = index.search(portfolio.queries, radius)
        ours[radius] = (clock, matches)
        extra = sampler.peak - baseline_rss
        print(
            f"r={radius:2d}: TrainTrace {clock.wall:.2f} s wall, {clock.cpu:.2f} s CPU, {len(matches.ordinals):,}"
            " matches; query RSS peak"
            f" {sampler.peak / 1e6:,.0f} MB (+{extra / 1e6:,.0f} MB over the open index) = {sampler.peak / size:.2f}"
            " x index size"
        )
    rows = np.concatenate([chunk for _, chunk in source.chunks()])
    flat = faiss.IndexBinaryFlat(64)
    flat.add(rows.view(np.uint8).reshape(-1, 8))
    print(f"faiss threads: {faiss.omp_get_max_threads()}")
    for radius in args.radii:
        subset = (
            len(portfolio.queries) if radius == args.full_radius else min(args.faiss_queries, len(portfolio.queries))
        )
        faiss_clock, reference = faiss_search(flat, portfolio.queries[:subset], radius)
        scale = len(portfolio.queries) / subset
        our_clock, matches = ours[radius]
        ours_subset = _first_queries(matches, subset)
        numpy_clock = numpy_seconds_per_query(rows, portfolio.queries[: args.numpy_queries], radius)
        scaled = "" if subset == len(portfolio.queries) else f" (timed on {subset} queries, scaled)"
        print(
            f"r={radius:2d} wall: TrainTrace {our_clock.wall:.2f} s | faiss IndexBinaryFlat"
            f" {faiss_clock.wall * scale:.1f} s{scaled} -> {faiss_clock.wall * scale / our_clock.wall:.1f}x | NumPy"
            f" XOR+popcount {numpy_clock.wall * len(portfolio.queries):.0f} s (timed on {args.numpy_queries} queries,"
            f" scaled) -> {numpy_clock.wall * len(portfolio.queries) / our_clock.wall:.0f}x"
        )
        print(
            f"r={radius:2d} CPU:  TrainTrace {our_clock.cpu:.2f} s | faiss {faiss_clock.cpu * scale:.1f} s ->"
            f" {faiss_clock.cpu * scale / our_clock.cpu:.1f}x | NumPy {numpy_clock.cpu * len(portfolio.queries):.0f} s"
            f" -> {numpy_clock.cpu * len(portfolio.queries) / our_clock.cpu:.0f}x | identical to faiss on {subset}"
            f" queries: {same(ours_subset, reference)}"
        )
    del flat, rows


def _first_queries(matches: PhashMatches, count: int) -> PhashMatches:
    keep = matches.query_idx < count
    return PhashMatches(matches.query_idx[keep], matches.ordinals[keep], matches.distances[keep])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--works", type=int, default=1000)
    parser.add_argument("--variants", type=int, default=5)
    parser.add_argument("--radii", type=int, nargs="+", default=[8, 10, 12])
    parser.add_argument("--full-radius", type=int, default=-1, help="faiss runs every query at this radius")
    parser.add_argument("--faiss-queries", type=int, default=500, help="faiss queries at the other radii")
    parser.add_argument("--numpy-queries", type=int, default=4)
    parser.add_argument("--distribution", choices=["uniform", "clustered", "both"], default="both")
    parser.add_argument("--artworks", type=int, default=400, help="artworks whose hashes seed the clusters")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tt-bench-", dir=args.workdir))
    try:
        distributions = ["uniform", "clustered"] if args.distribution == "both" else [args.distribution]
        for distribution in distributions:
            centres = fresh = None
            if distribution == "clustered":
                centres = artwork_hashes(args.artworks, seed=1)
                fresh = artwork_hashes(args.works, seed=2, copies=False)
            source = RowSource(distribution, args.rows, seed=11, centres=centres)
            portfolio = make_portfolio(source, args.works, args.variants, seed=5, fresh=fresh)
            run_distribution(args, source, portfolio, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
