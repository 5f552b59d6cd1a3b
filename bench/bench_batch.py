"""Batch: rows per CPU-second of the batch task against the single-process shard pass, scaling from 1 to 2 Dask
workers, and what 1, 100 and 10,000 portfolios of 200 works cost per row.

Run from the repository root:  python -m bench.bench_batch [--rows 500000] [--shards 4] [--json FILE]
Scaling only (8 shards x 1M rows, 3 pairs of 1- and 2-worker runs, with the breakdown of bench/batch_scaling.py):
    python -m bench.bench_batch --scaling-only [--repeats 3] [--rows 1000000] [--shards 8] [--shard-dir DIR]

Generated COYO-shaped shards (bench_import's writer: id, url, text, width, height, image_phash). Portfolios are
generated hashes: each work a random reference pHash and 11 variants 10-30 bits from it (3 borders and 2 bars,
searched at T-2; 6 crops, at T-4), with a profile (name, handle, domain) each. Measured in the same run:
- baseline: the single-process shard pass as `dataset add` runs it (ShardReader batches + ShardPass.match with
  the portfolio's queries and profile), one portfolio; and pyarrow's bare read of the same columns;
- the batch task in-process (the same pass plus the pHash chunks and the records), one portfolio;
- Dask LocalCluster with 1 and 2 worker processes over all shards (wall clock and the tasks' CPU time);
- portfolios: the pHash part per row with 1, 100 and 10,000 portfolios (stream matchers: one full chunk of each
  radius group is matched and the cost multiplied by the group's chunk count, as the 368 matchers of 10,000
  portfolios would need 65 GB) against the chunk indexes `phash_queries.plan_groups` plans for the groups of
  more than one matcher (built and searched for real in the same run, with their candidates a row), the
  URL/caption part with all profiles in one `ProfileUnion` (and, for reference, one
  ShardPass per profile), the SHA-256 part with 200, 20,000 and 2 million works.
CPU seconds of this process (or of the Dask tasks) are the figures; wall seconds beside (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.batch_scaling import machine_check, print_summary, scaling
from bench.hexdata import digest_hex_column, hex_column
from core.batch.hashlist import HashList
from core.batch.phash_queries import TABLE_BUDGET, ChunkIndex, plan_groups
from core.batch.profiles import ProfileUnion
from core.batch.queries import build_query_set
from core.batch.task import TaskSpec, run_task
from core.datasets.descriptors import resolve_descriptor
from core.datasets.shards import ShardOpener
from core.index.hexparse import parse_phash_hex
from core.index.phash_stream import MAX_STREAM_QUERIES, PhashStreamMatcher
from core.matching.records import WorkQuery
from core.matching.scoring import query_radii
from core.matching.shard_pass import PortfolioQueries, ShardPass
from core.net.http import HttpClient
from core.profile import Profile
from core.variants import BARS, BORDERS, CROPS

T = 8
WORKS = 200
VARIANTS = [g.name for g in (*BORDERS, *BARS["tb"], *CROPS)]  # 11, as for a landscape work


def write_coyo_like(path: Path, rows: int, seed: int) -> None:
    """bench_import's COYO-shaped file (without pandas): id, url, text, width, height, image_phash (0.1% null)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(rows, dtype=np.int64) * 7919 + seed
    hashes = rng.integers(0, 2**64 - 1, size=rows, dtype=np.uint64, endpoint=True)
    nulls = rng.random(rows) < 0.001
    id_hex = hex_column(ids.astype(np.uint64))
    table = pa.table(
        {
            "id": ids,
            "url": pc.binary_join_element_wise("https://images.example.org/p/", id_hex, ".jpg", ""),
            "text": pc.binary_join_element_wise("a painting of a quiet harbour, item ", id_hex, ""),
            "width": rng.integers(200, 2000, rows, dtype=np.int32),
            "height": rng.integers(200, 2000, rows, dtype=np.int32),
            "image_phash": pc.if_else(pa.array(nulls), pa.scalar(None, pa.string()), hex_column(hashes)),
        }
    )
    pq.write_table(table, path, row_group_size=1 << 20, compression="snappy")


def portfolio(owner: int, rng: np.random.Generator, works: int = WORKS) -> HashList:
    queries = []
    for index in range(works):
        original = int(rng.integers(0, 2**63)) * 2 + int(rng.integers(0, 2))
        variants = []
        for name in VARIANTS:
            value = original
            for bit in rng.choice(64, int(rng.integers(10, 31)), replace=False):
                value ^= 1 << int(bit)
            variants.append((name, value))
        queries.append(WorkQuery(owner * 1000 + index, f"work-{index}.jpg", f"{owner:032x}{index:032x}",
                                 (("original", original), *variants), (4000, 3000)))  # fmt: skip
    profile = Profile(name=f"Artist{owner} Example", handles=(f"@artist{owner}",), domains=(f"artist{owner}.art",))
    return HashList(f"owner-{owner}", profile, tuple(queries))


class Clock:
    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def single_process_pass(shards: list[Path], hash_list: HashList) -> Clock:
    descriptor = resolve_descriptor("coyo-700m", None, {}, [str(s) for s in shards])
    phashes, radii = query_radii(((name, v) for w in hash_list.works for name, v in w.phashes), T)  # as the app
    digests = np.frombuffer(b"".join(bytes.fromhex(w.sha256) for w in hash_list.works), np.uint8).reshape(-1, 32)
    opener = ShardOpener(lambda: HttpClient(), lambda: None)
    with Clock() as clock:
        shard_pass = ShardPass(descriptor.kinds, PortfolioQueries(phashes, digests, T, radii), hash_list.profile)
        for shard in shards:
            reader = opener.open(str(shard), descriptor)
            for unit in range(len(reader.unit_rows())):
                for batch in reader.batches(unit):
                    shard_pass.match(batch)
            reader.close()
    return clock


def bare_read(shards: list[Path]) -> Clock:
    with Clock() as clock:
        for shard in shards:
            for _ in pq.ParquetFile(shard).iter_batches(65_536, columns=["id", "url", "text", "width", "height",
                                                                         "image_phash"]):  # fmt: skip
                pass
    return clock


def task_in_process(shards: list[Path], hash_lists: list[HashList], out: Path) -> tuple[Clock, int]:
    descriptor = resolve_descriptor("coyo-700m", None, {}, [str(s) for s in shards])
    matches = 0
    with Clock() as clock:
        queries = build_query_set(hash_lists, T)
        for seq, shard in enumerate(shards, 1):
            matches += run_task(TaskSpec(f"{seq:05d}", seq, str(shard), None, descriptor, str(out)), queries).matches
    return clock, matches


def phash_part(values: np.ndarray, valid: np.ndarray, portfolios: int) -> dict[str, Any]:
    """CPU seconds a row of the pHash part costs with `portfolios` portfolios: every chunk of every radius group
    (for many portfolios one full chunk per group, times the group's chunk count)."""
    per_group = {T: 1, T - 2: 5, T - 4: 6}  # queries per work in each radius group
    total = 0.0
    build = 0.0
    groups = {}
    rng = np.random.default_rng(portfolios)
    for radius, per_work in per_group.items():
        queries = portfolios * WORKS * per_work
        chunks = -(-queries // MAX_STREAM_QUERIES)
        size = min(queries, MAX_STREAM_QUERIES)
        with Clock() as built:
            matcher = PhashStreamMatcher(rng.integers(0, 2**64, size, dtype=np.uint64, endpoint=False), radius)
        with Clock() as matched:
            matcher.match_hashes(values, valid)
        last = queries - (chunks - 1) * MAX_STREAM_QUERIES
        scale = chunks if last == size else (chunks - 1) + last / size  # the last chunk is smaller
        total += matched.cpu * scale
        build += built.cpu * scale
        tables = sum(_array_bytes(t) for t in matcher._tables)
        groups[radius] = {"queries": queries, "chunks": chunks, "ns_per_row_per_chunk": matched.cpu / len(values) * 1e9,
                          "build_seconds_per_chunk": built.cpu, "table_mb_per_chunk": tables / 1e6}  # fmt: skip
    return {"portfolios": portfolios, "ns_per_row": total / len(values) * 1e9, "build_cpu_seconds": build,
            "groups": groups}  # fmt: skip


def _array_bytes(table: object) -> int:
    """Bytes of the NumPy arrays a stream matcher's table holds."""
    return sum(value.nbytes for value in vars(table).values() if isinstance(value, np.ndarray))


def chunk_part(values: np.ndarray, valid: np.ndarray, portfolios: int, budget: int = TABLE_BUDGET) -> dict[str, Any]:
    """CPU a row of the pHash part as the task runs it (`plan_groups` under `budget`): every radius group of more
    than one stream matcher's worth as a `ChunkIndex` over random query values in the group's size, built and
    searched for real, with its candidates a row; groups of one matcher's worth are left to `phash_part`."""
    per_group = {T: 1, T - 2: 5, T - 4: 6}
    sizes = [(portfolios * WORKS * per_work, radius) for radius, per_work in per_group.items()]
    plans = plan_groups(sizes, budget)
    rng = np.random.default_rng(portfolios + 1)
    groups: dict[int, Any] = {}
    for (queries, radius), plan in zip(sizes, plans, strict=True):
        if plan is None:
            continue
        distinct = np.unique(rng.integers(0, 2**64, queries, dtype=np.uint64, endpoint=False))
        with Clock() as built:
            index = ChunkIndex(distinct, radius, plan)
        with Clock() as matched:
            index.match_hashes(values, valid)
        rows = int(np.count_nonzero(valid))
        groups[radius] = {
            "queries": queries, "plan": plan.describe(), "ns_per_row": matched.cpu / len(values) * 1e9,
            "candidates_per_row": index.candidates / rows, "model_candidates": plan.candidates,
            "model_ns_per_row": plan.cost, "ns_per_candidate": matched.cpu / max(1, index.candidates) * 1e9,
            "build_cpu_seconds": built.cpu, "gb": index.nbytes / 1e9,
        }  # fmt: skip
        del index, distinct
    return {"portfolios": portfolios, "budget_gb": budget / 2**30, "groups": groups}


def _chunk_note(radius: int, chunk: dict[str, Any], stream: dict[str, Any]) -> str:
    """One radius group's chunk index beside its stream matchers, as measured in the same run."""
    return (
        f"\n          r={radius}: chunk index {chunk['plan']}, {chunk['gb']:.2f} GB, built in"
        f" {chunk['build_cpu_seconds']:.0f} CPU-s: {chunk['candidates_per_row']:,.0f} candidates a row (model"
        f" {chunk['model_candidates']:,.0f}), {chunk['ns_per_row']:,.0f} ns a row = {chunk['ns_per_candidate']:.1f} ns"
        f" a candidate (model {chunk['model_ns_per_row']:,.0f}); stream matchers"
        f" {stream['ns_per_row_per_chunk'] * stream['chunks']:,.0f} ns a row in {stream['chunks']} x"
        f" {stream['table_mb_per_chunk']:,.0f} MB"
    )


def profile_part(shard: Path, profiles: int) -> dict[str, float]:
    """CPU ns a row of the URL/caption part with `profiles` distinct profiles: the batch's one stage for all
    (`ProfileUnion`), and for reference one ShardPass per profile (measured on at most 5, per profile)."""
    descriptor = resolve_descriptor("coyo-700m", None, {}, [str(shard)])
    batches = list(ShardOpener(lambda: HttpClient(), lambda: None).open(str(shard), descriptor).batches())
    rows = sum(b.num_rows for b in batches)
    rng = np.random.default_rng(0)
    chosen = [portfolio(n, rng, 1).profile for n in range(profiles)]
    with Clock() as built:
        union = ProfileUnion(chosen, ("url", "text"))
        union.match(batches[0])  # the needles' anchors are chosen on the first batch
    with Clock() as clock:
        for batch in batches:
            union.match(batch)
    passes = [ShardPass(("url", "text"), PortfolioQueries.empty(T), profile, hashes=False) for profile in chosen[:5]]
    with Clock() as separate:
        for shard_pass in passes:
            for batch in batches:
                shard_pass.match(batch)
    return {"union_ns_per_row": clock.cpu / rows * 1e9, "union_build_cpu_s": built.cpu,
            "separate_ns_per_row_per_profile": separate.cpu / rows / len(passes) * 1e9}  # fmt: skip


def sha_part(rows: int, works: int) -> float:
    """CPU ns a row of the SHA-256 part costs with `works` works' digests (DataComp-shaped column)."""
    rng = np.random.default_rng(1)
    digests = rng.integers(0, 256, (works, 32), dtype=np.uint8)
    column = digest_hex_column(rng.integers(0, 256, (rows, 32), dtype=np.uint8))
    shard_pass = ShardPass(("sha256",), PortfolioQueries(np.zeros(0, np.uint64), digests, T), None)
    batches = [pa.RecordBatch.from_arrays([column.slice(i, 65_536)], names=["sha256"]) for i in range(0, rows, 65_536)]
    with Clock() as clock:
        for batch in batches:
            shard_pass.match(batch)
    return clock.cpu / rows * 1e9


def shard_files(folder: Path, shards: int, rows: int) -> list[Path]:
    """COYO-shaped shards in `folder`, written unless they are there already."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"part-{n}-r{rows}.parquet" for n in range(shards)]
    for n, path in enumerate(paths):
        if not path.exists():
            write_coyo_like(path, rows, seed=n)
    return paths


def run_scaling(args: argparse.Namespace, portfolios: list[HashList]) -> None:
    """Scaling 1 -> 2 workers only, with the machine check and the breakdown (see bench/batch_scaling.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        shards = shard_files(args.shard_dir or Path(tmp) / "shards", args.shards, args.rows)
        print(f"{args.shards} COYO-shaped shards x {args.rows:,} rows, one portfolio of {WORKS} works + profile;"
              f" {args.repeats} pairs of runs, alternating 1 and 2 workers; load {os.getloadavg()[0]:.1f}")  # fmt: skip
        machine = machine_check()
        scaled = scaling(shards, portfolios, Path(tmp) / "out", args.repeats)
        print_summary(scaled, machine)
    if args.json:
        args.json.write_text(json.dumps({"rows_per_shard": args.rows, "shards": args.shards, "machine": machine,
                                         "scaling": scaled}, indent=2))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, help="rows per shard (500,000; 1,000,000 with --scaling-only)")
    parser.add_argument("--shards", type=int, help="shards (4; 8 with --scaling-only)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-cluster", action="store_true", help="skip the Dask LocalCluster runs")
    parser.add_argument(
        "--scaling-only", action="store_true", help="only the 1 -> 2 worker scaling (runs alternating 1 and 2)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="pairs of 1- and 2-worker runs")
    parser.add_argument("--shard-dir", type=Path, help="keep the generated shards here and reuse them")
    args = parser.parse_args()
    args.rows = args.rows or (1_000_000 if args.scaling_only else 500_000)
    args.shards = args.shards or (8 if args.scaling_only else 4)
    rng = np.random.default_rng(7)
    random.seed(7)
    one = [portfolio(0, rng)]
    if args.scaling_only:
        run_scaling(args, one)
        return
    hundred = [portfolio(n, rng) for n in range(100)]
    results: dict[str, Any] = {"rows_per_shard": args.rows, "shards": args.shards}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shards = shard_files(args.shard_dir or folder, args.shards, args.rows)
        rows = args.rows * args.shards
        bare = bare_read(shards)
        base = single_process_pass(shards, one[0])
        task, _ = task_in_process(shards, one, folder / "out-task")
        results["bare_read_rows_per_cpu_s"] = rows / bare.cpu
        results["single_process_rows_per_cpu_s"] = rows / base.cpu
        results["batch_task_rows_per_cpu_s"] = rows / task.cpu
        print(
            f"{rows:,} rows in {args.shards} COYO-shaped shards; one portfolio of {WORKS} works x 12 hashes + profile"
        )
        print(f"  pyarrow bare read of the columns:      {rows / bare.cpu:12,.0f} rows/CPU-s ({bare.wall:.1f} s wall)")
        print(f"  single-process shard pass (baseline):  {rows / base.cpu:12,.0f} rows/CPU-s ({base.wall:.1f} s wall)")
        print(f"  batch task, in-process:                {rows / task.cpu:12,.0f} rows/CPU-s ({task.wall:.1f} s wall)"
              f"  = {base.cpu / task.cpu:.2f} x the baseline's rate")  # fmt: skip
        if not args.no_cluster:
            print("  Dask LocalCluster, 1 and 2 workers, alternating:")
            scaled = scaling(shards, one, folder / "scaling", args.repeats)
            results["scaling"] = scaled
            print_summary(scaled, None)
        small = folder / "small.parquet"
        write_coyo_like(small, 50_000, seed=99)
        task1, _ = task_in_process([small], one, folder / "out-1s")
        task100, _ = task_in_process([small], hundred, folder / "out-100")
        results["batch_task_1_portfolio_rows_per_cpu_s_50k"] = 50_000 / task1.cpu
        results["batch_task_100_portfolios_rows_per_cpu_s_50k"] = 50_000 / task100.cpu
        print(f"  batch task in-process on 50,000 rows: 1 portfolio {50_000 / task1.cpu:,.0f} rows/CPU-s,"
              f" 100 portfolios {50_000 / task100.cpu:,.0f} rows/CPU-s (query set build included)")  # fmt: skip
        table = pq.read_table(shards[0], columns=["image_phash"])
        parsed = parse_phash_hex(table.column(0).combine_chunks())
        sha = {count: sha_part(args.rows, count * WORKS) for count in (1, 100, 10_000)}
        results["sha_ns_per_row"] = sha
        decode_ns = bare.cpu / rows * 1e9
        results["decode_ns_per_row"] = decode_ns
        print(
            f"  SHA-256 part: {sha[1]:.0f} / {sha[100]:.0f} / {sha[10_000]:.0f} ns a row, 1 / 100 / 10,000 portfolios"
        )
        print("portfolios of 200 works: CPU a row (decode + pHash + URL/caption + SHA-256), ratio to one portfolio")
        ratios = {}
        for count in (1, 100, 10_000):
            stream = phash_part(parsed.values, parsed.valid, count)
            results[f"phash_{count}"] = stream
            profiles = profile_part(shards[0], count)
            results[f"url_text_{count}"] = profiles
            phash_ns, note = stream["ns_per_row"], ""
            part = chunk_part(parsed.values, parsed.valid, count)
            if part["groups"]:
                results[f"phash_chunks_{count}"] = part
                phash_ns = sum(
                    part["groups"][r]["ns_per_row"] if r in part["groups"] else g["ns_per_row_per_chunk"] * g["chunks"]
                    for r, g in stream["groups"].items()
                )
                note = "".join(_chunk_note(r, g, stream["groups"][r]) for r, g in part["groups"].items())
            union, separate = profiles["union_ns_per_row"], profiles["separate_ns_per_row_per_profile"]
            total = decode_ns + phash_ns + union + sha[count]
            ratios[count] = total
            gb = sum(g["chunks"] * g["table_mb_per_chunk"] for g in stream["groups"].values()) / 1e3
            print(f"  {count:6,}: pHash {phash_ns:9,.0f} + URL/caption {union:5,.0f} (separately {separate:,.0f} a"
                  f" profile) + SHA {sha[count]:4,.0f} + decode {decode_ns:.0f} = {total:9,.0f} ns a row"
                  f" ({total / ratios[1]:6,.1f} x); stream matchers: {stream['ns_per_row']:,.0f} ns, {gb:.1f} GB"
                  + note)  # fmt: skip
        results["ns_per_row"] = ratios
        results["cost_ratio_10000_to_1"] = ratios[10_000] / ratios[1]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
