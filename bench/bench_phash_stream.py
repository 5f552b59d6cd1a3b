"""Streaming pHash kernel: rows per CPU-second matching a portfolio against hex pHash batches, parsing included.

Run from the repository root:
    python -m bench.bench_phash_stream [--rows 20000000] [--portfolios 1000x12 200x1] [--radii 8] [--data coyo]
    python -m bench.bench_phash_stream --per-variant --portfolios 1000x38 [--rows 2000000]

TrainTrace: `PhashStreamMatcher.match_hex` on each Arrow batch (hex parsing straight from the Arrow buffer +
substring-table probing + verification), one thread; and the import's path, `parse_phash_column` (the whole
batch's values, for the index) then `match_hashes`. Rates are rows per CPU-second of this process
(`time.process_time`, robust to other jobs on a shared machine), with the wall-clock rate beside.

Data (`--data coyo`, the default): COYO-shaped `image_phash` batches of 16 lowercase hex characters with 0.1 %
nulls (taking no bytes, as a Parquet reader returns them); every hash has exactly 32 of 64 bits set, as real
pHashes do; 22 % of rows repeat an earlier hash (COYO has 579.7M distinct of 747M) and 10 % are near copies
(0-4 bits) of 20,000 popular hashes. `--data uniform`: independent random 64-bit values, no nulls.
Portfolio `WORKSxVARIANTS`: half the works are dataset rows (so there are true matches), half new; each work's
variants are balanced flips of it at the distances TrainTrace's own variants (borders, bars, crops) have from
the plain pHash of generated artworks (median 12 bits, 10th-90th percentile 6-22).

Baselines, measured in the same run on a slice of the rows:
- naive: `int(h, 16)` per row (pyarrow `to_pylist`), then a NumPy XOR + popcount pass per query;
- vectorised brute force: TrainTrace's parser, then a NumPy XOR + popcount pass per query.
The kernel's matches on that slice are checked identical to the brute force's.

`--per-variant`: the import pass's kernel for a portfolio whose queries carry TrainTrace's own variant names
(the 38 of an 800 x 600 work, cycled): every query at the threshold (as before per-query radii), each query at its
own radius (`scoring.query_radii`) with a kernel per radius (session 4), and with one kernel whose tables the radii
share (as `ShardPass` builds it since session 5; skipped on a tree without `radii`), all through
`ChunkedStreamMatcher` and `match_hashes` on parsed batches: build CPU, match CPU per row, table bytes, peak RSS.
It runs on an older tree too, for a baseline of the build: `PYTHONPATH=<tree> python bench/bench_phash_stream.py`.
"""

from __future__ import annotations

import argparse
import inspect
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa

from bench.hexdata import balanced_flips, balanced_hashes, hex_column
from core.index.hexparse import parse_phash_column
from core.index.phash_chunks import ChunkedStreamMatcher
from core.index.phash_stream import PhashStreamMatcher

NULL_SHARE = 0.001
REPEAT_SHARE = 0.22
NEAR_SHARE = 0.10
POPULAR = 20_000


class Clock:
    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def brute_force(hashes: np.ndarray, valid: np.ndarray, queries: np.ndarray, radius: int) -> list[tuple[int, int]]:
    pairs = []
    for q, query in enumerate(queries):
        close = (np.bitwise_count(hashes ^ query) <= radius) & valid
        pairs += [(int(row), q) for row in np.flatnonzero(close)]
    return sorted(pairs)


def dataset(rows: int, batch_rows: int, kind: str, seed: int) -> tuple[list[pa.StringArray], np.ndarray]:
    """The batches, and the first batch's values (0 where null) to pick listed works from."""
    rng = np.random.default_rng(seed)
    popular = balanced_hashes(rng, POPULAR)
    out = []
    first = np.zeros(0, np.uint64)
    previous = popular
    for begin in range(0, rows, batch_rows):
        n = min(batch_rows, rows - begin)
        if kind == "uniform":
            values = rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
            out.append(hex_column(values))
        else:
            values = balanced_hashes(rng, n)
            share = rng.random(n)
            repeat = share < REPEAT_SHARE
            values[repeat] = np.concatenate([previous, values])[rng.integers(0, len(previous) + n, int(repeat.sum()))]
            near = (share >= REPEAT_SHARE) & (share < REPEAT_SHARE + NEAR_SHARE)
            masks = np.zeros(int(near.sum()), np.uint64)
            for _ in range(4):  # up to 4 bits flipped
                masks |= np.where(
                    rng.random(len(masks)) < 0.5,
                    np.uint64(1) << rng.integers(0, 64, len(masks)).astype(np.uint64),
                    np.uint64(0),
                )
            values[near] = popular[rng.integers(0, POPULAR, len(masks))] ^ masks
            nulls = rng.random(n) < NULL_SHARE
            values[nulls] = 0
            out.append(hex_column(values, nulls=nulls))
            previous = values[~nulls]
        if begin == 0:
            first = values
    return out, first


def portfolio(works: int, variants: int, first: np.ndarray, kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    listed = works // 2
    present = first[first != 0]
    if kind == "uniform":
        new = rng.integers(0, 2**64 - 1, size=works - listed, dtype=np.uint64, endpoint=True)
    else:
        new = balanced_hashes(rng, works - listed)
    bases = np.concatenate([present[rng.integers(0, len(present), listed)], new])
    pairs = np.clip(np.rint(rng.normal(6, 3, size=works * variants)), 1, 12).astype(np.int64)
    pairs[::variants] = 0  # the work itself
    return balanced_flips(rng, np.repeat(bases, variants), pairs)


def run(args: argparse.Namespace, spec: str, radius: int, data: list[pa.StringArray], first: np.ndarray) -> None:
    works, variants = (int(x) for x in spec.split("x"))
    queries = portfolio(works, variants, first, args.data, seed=works * 31 + variants)
    with Clock() as setup:
        matcher = PhashStreamMatcher(queries, radius)
    rows = sum(len(batch) for batch in data)
    with Clock() as fused:
        found = sum(len(matcher.match_hex(batch).rows) for batch in data)
    with Clock() as import_path:
        for batch in data:
            parsed = parse_phash_column(batch)
            matcher.match_hashes(parsed.values, parsed.valid)

    sample = data[0][: args.baseline_rows]
    with Clock() as naive_parse:
        texts = sample.to_pylist()
        values = np.array([int(t, 16) if t is not None else 0 for t in texts], dtype=np.uint64)
        valid = np.array([t is not None for t in texts])
    with Clock() as scan:
        expected = brute_force(values, valid, queries, radius)
    with Clock() as fast_parse:
        parse_phash_column(sample)
    naive = len(sample) / (naive_parse.cpu + scan.cpu)
    vectorised = len(sample) / (fast_parse.cpu + scan.cpu)
    result = matcher.match_hex(sample)
    same = sorted(zip(result.rows.tolist(), result.query_idx.tolist(), strict=True)) == expected
    ours, ours_import = rows / fused.cpu, rows / import_path.cpu
    print(
        f"{len(queries):6,d} queries ({spec}), r={radius:2d}: TrainTrace {ours / 1e6:6.2f} M rows per CPU-s"
        f" ({rows / fused.wall / 1e6:.2f} wall); import path (parse_phash_column + match_hashes)"
        f" {ours_import / 1e6:6.2f} ({rows / import_path.wall / 1e6:.2f} wall) | naive parse + scan"
        f" {naive / 1e6:7.4f} -> {ours / naive:6.0f}x | vectorised parse + brute scan {vectorised / 1e6:7.3f} ->"
        f" {ours / vectorised:5.1f}x | plan radii {matcher.plans[radius].radii}, setup {setup.cpu:.2f} CPU-s,"
        f" {found:,} matches; identical to brute force on {len(sample):,} rows: {same}"
    )


def variant_names() -> list[str]:
    """The variant names TrainTrace gives an 800 x 600 work without transparency, its own pHash first."""
    from PIL import Image

    from core.variants import phash_variants

    pixels = (np.random.default_rng(1).random((600, 800, 3)) * 255).astype(np.uint8)
    return ["original", *(name for name, _ in phash_variants(Image.fromarray(pixels)))]


def run_per_variant(spec: str, radius: int, data: list[pa.StringArray], first: np.ndarray, kind: str) -> None:
    """The import pass's kernels, every query at `radius` against each at its own radius (same queries)."""
    import resource

    from core.matching.scoring import margin

    works, variants = (int(x) for x in spec.split("x"))
    queries = portfolio(works, variants, first, kind, seed=works * 31 + variants)
    names = variant_names()
    # `scoring.query_radii`'s rule, from `margin` (so that this runs on a tree from before it, for a baseline):
    # each distinct value at the widest of its variants' radii.
    each = np.array([min(16, max(0, radius - margin(names[i % variants % len(names)]))) for i in range(len(queries))])
    values = np.unique(queries)
    radii = np.full(len(values), -1)
    np.maximum.at(radii, np.searchsorted(values, queries), each)
    parsed = [parse_phash_column(batch) for batch in data]
    rows = sum(len(batch) for batch in data)
    groups = [(int(r), values[radii == r]) for r in np.unique(radii)[::-1]]
    layouts: dict[str, Callable[[], list[ChunkedStreamMatcher]]] = {
        "all at T": lambda: [ChunkedStreamMatcher(values, radius)],
        "kernel per radius": lambda: [ChunkedStreamMatcher(group, r) for r, group in groups],
    }
    if "radii" in inspect.signature(ChunkedStreamMatcher).parameters:
        layouts["shared tables"] = lambda: [ChunkedStreamMatcher(values, radius, radii=radii)]  # type: ignore[call-arg]
    for label, build_matchers in layouts.items():
        with Clock() as build:
            matchers = build_matchers()
        with Clock() as match:
            found = sum(len(m.match_hashes(p.values, p.valid).rows) for p in parsed for m in matchers)
        nbytes = sum(c.nbytes for m in matchers for _, c in m._chunks)
        sizes = ", ".join(f"{len(group):,} at r={r}" for r, group in groups) if label != "all at T" else "all"
        print(
            f"{len(values):6,d} distinct queries ({spec}, T={radius}) {label:16s} [{sizes}]: build {build.cpu:5.2f}"
            f" CPU-s, match {match.cpu / rows * 1e9:6.1f} ns/row ({match.cpu:.2f} CPU-s for {rows:,} rows),"
            f" tables {nbytes / 2**20:.0f} MiB, {found:,} pairs; peak RSS"
            f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
        del matchers


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--batch-rows", type=int, default=1 << 20, help="rows per Arrow batch")
    parser.add_argument("--portfolios", nargs="+", default=["1000x12", "200x1"], help="WORKSxVARIANTS")
    parser.add_argument("--radii", type=int, nargs="+", default=[8])
    parser.add_argument("--data", choices=["coyo", "uniform"], default="coyo")
    parser.add_argument("--baseline-rows", type=int, default=100_000, help="rows the baselines are timed on")
    parser.add_argument("--per-variant", action="store_true", help="all queries at T vs each at its own radius")
    args = parser.parse_args()
    data, first = dataset(args.rows, args.batch_rows, args.data, seed=3)
    print(f"{args.rows:,} rows ({args.data}) in batches of {args.batch_rows:,}; one thread")
    for spec in args.portfolios:
        for radius in args.radii:
            if args.per_variant:
                run_per_variant(spec, radius, data, first, args.data)
            else:
                run(args, spec, radius, data, first)


if __name__ == "__main__":
    main()
