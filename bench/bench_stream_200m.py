"""A 200M-row streaming pass, generated on the fly and never stored: rows per CPU-second, peak RSS, disk.

Run from the repository root:

    python -m bench.bench_stream_200m [--rows 200000000] [--shapes coyo laion datacomp] [--queries 39000]
        [--tight-share 0.77] [--distance 8] [--build-index] [--out FILE]

The parent process generates row groups of `--group-rows` rows in a dataset's real column schema
(bench/metadata_gen.py: realistic URL and caption lengths), writes each one as a whole Parquet file into an
in-memory buffer (`pa.BufferOutputStream`, snappy) and sends the bytes through a pipe to a child process. The
child reads every buffer back through the same pyarrow path the importer uses (`ParquetFile.iter_batches` of
65,536 rows, only the columns the shape's match kinds need), so Parquet decoding is measured, and hands each
batch to `StreamPass.process_batch(batch)`. Only the child's read + pass is timed (CPU seconds of the child,
all threads: rows per CPU-second is the figure per core; wall beside); its peak RSS is VmHWM (the child's own
high-water mark, not inherited from the generating parent). To keep generation from dominating a 200M run, the
URL and caption columns (the costly part) are generated for `--pool-groups` groups and reused in turn; ids,
hashes and sizes are fresh in every group, and each group is encoded and decoded on its own, so the reuse does
not change what a group costs to read.

`StreamPass` runs TrainTrace's own shard pass over every batch of the shape's mapped columns: hashes parsed and
matched in flight against `--queries` random queries (1,000 works x 39 variants), of which `--tight-share` are
searched at `--distance` - 2 as the acceptance rule searches geometric variants (`scoring.search_radius`) and
the rest at `--distance` (every group also holds 16 planted copies of queries a few bits away, which must all be
found) or the works' SHA-256s, URLs and captions prefiltered and matched against the sample artist's profile,
hashes spilled once per row group as `dataset add` leaves them (unsorted runs); with `--build-index` the sorted
index is built at the end as `traintrace dataset index` does (its CPU is then in the figure). Bytes on disk are
reported either way.

From the rates and the RSS, it prints an estimate for COYO-700M, LAION-2B-en, DataComp-1B and CommonPool-12.8B
on one laptop core (CPU time only: download time is not included; the bytes to download are those of the read
columns at this generator's compression, an approximation).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.hexdata import digest_hex_column, hex_column
from bench.metadata_gen import GROUP_ROWS, SHAPES, RowGenerator, fixed_hex
from core.index.phash_build import PhashIndexBuilder
from core.index.sha_build import ShaIndexBuilder
from core.matching.shard_pass import PortfolioQueries, ShardPass, hit_rows
from core.profile import Profile
from core.resources import sample_profile_file

READ_BATCH_ROWS = 65_536
PLANTED_PER_GROUP = 16
TARGETS = (  # (dataset, rows, shape whose rate applies)
    ("COYO-700M", 746_972_269, "coyo"),
    ("LAION-2B-en", 2_320_000_000, "laion"),
    ("DataComp-1B", 1_400_000_000, "datacomp"),
    ("CommonPool-12.8B", 12_800_000_000, "datacomp"),
)


class StreamPass:
    """The real pass, as `dataset add` runs it per row group: TrainTrace's shard pass (hashes parsed and matched
    in flight against the portfolio, URLs and captions prefiltered then matched exactly against the sample
    artist's profile), the hashes spilled to the compact index builders once per row group, the index built in
    `finish`. The hits are collected as rows (the importer writes them to its state database)."""

    def __init__(
        self,
        shape: str,
        queries: npt.NDArray[np.uint64],
        radii: npt.NDArray[np.int64],
        distance: int,
        works_sha: npt.NDArray[np.uint8],
        build_index: bool,
    ) -> None:
        self.shape = shape
        self.fields = {column: field for field, column in SHAPES[shape].columns.items()}
        self.kinds = SHAPES[shape].kinds
        profile = Profile.from_json(json.loads(sample_profile_file().read_text(encoding="utf-8")))
        self.shard_pass = ShardPass(self.kinds, PortfolioQueries(queries, works_sha, distance, radii), profile)
        self.build_index = build_index
        self.directory = Path(tempfile.mkdtemp(prefix="stream-pass-"))
        self.phash = PhashIndexBuilder(self.directory / "phash") if "phash" in self.kinds else None
        self.sha256 = ShaIndexBuilder(self.directory / "sha256") if "sha256" in self.kinds else None
        self.parts: list[tuple[npt.NDArray[Any], npt.NDArray[np.int64]]] = []
        self.hits = 0
        self.close_hits = 0  # pHash hits within 3 bits, SHA-256 hits: the planted rows (chance: ~0)
        self.profile_hits = 0
        self.rows = 0
        self.groups = 0
        self.index_cpu = 0.0

    def process_batch(self, batch: pa.RecordBatch) -> None:
        batch = batch.rename_columns([self.fields[name] for name in batch.schema.names])
        result = self.shard_pass.match(batch)
        ordinals = np.arange(self.rows, self.rows + batch.num_rows, dtype=np.int64)
        if result.phashes is not None:
            self.parts.append((result.phashes.values[result.phashes.valid], ordinals[result.phashes.valid]))
            if result.phash_pairs is not None:
                self.close_hits += int((result.phash_pairs.distances <= 3).sum())
        if result.digests is not None:
            self.parts.append((result.digests.digests[result.digests.valid], ordinals[result.digests.valid]))
            if result.sha_pairs is not None:
                self.close_hits += len(result.sha_pairs[0])
        positions = result.hit_positions
        self.hits += len(hit_rows(batch, positions, 0, positions + self.rows, 0))
        self.profile_hits += len(result.profile_hits)
        self.rows += batch.num_rows

    def end_group(self) -> None:
        """One run per row group, as the importer spills them."""
        builder = self.phash if self.phash is not None else self.sha256
        if builder is not None and self.parts:
            keys = np.concatenate([k for k, _ in self.parts])
            builder.add(keys, np.concatenate([o for _, o in self.parts]), chunk_id=f"group-{self.groups}")
        self.parts = []
        self.groups += 1

    def finish(self) -> dict[str, Any]:
        """What the pass leaves on disk (the runs; with `build_index`, the sorted index built from them)."""
        started = time.process_time()
        for builder in (self.phash, self.sha256):
            if builder is not None and builder.rows and self.build_index:
                builder.finish()
        self.index_cpu = time.process_time() - started
        size = sum(f.stat().st_size for f in self.directory.rglob("*") if f.is_file())
        shutil.rmtree(self.directory)
        return {"hits": self.hits, "close_hits": self.close_hits, "profile_hits": self.profile_hits,
                "bytes_on_disk": size, "index_build_cpu": self.index_cpu}  # fmt: skip


def _vm_hwm_mb() -> float:
    """This process's own peak RSS (VmHWM: reset at exec, unlike ru_maxrss which a child inherits)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def consume(
    conn: Connection,
    shape: str,
    queries: np.ndarray,
    radii: np.ndarray,
    distance: int,
    works_sha: np.ndarray,
    batch_rows: int,
    build_index: bool,
) -> None:
    """The child: read each Parquet buffer back and run the pass over its batches; sends the figures back."""
    columns = SHAPES[shape].mapped_columns()
    setup_cpu = time.process_time()
    stream = StreamPass(shape, queries, radii, distance, works_sha, build_index)
    setup_cpu = time.process_time() - setup_cpu
    cpu = wall = 0.0
    idle_rss = _vm_hwm_mb()
    while True:
        data = conn.recv_bytes()
        if not data:
            break
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        reader = pq.ParquetFile(pa.BufferReader(pa.py_buffer(data)))
        for batch in reader.iter_batches(batch_size=batch_rows, columns=columns):
            stream.process_batch(batch)
        stream.end_group()
        del reader
        cpu += time.process_time() - cpu_start
        wall += time.perf_counter() - wall_start
        del data
    finish_cpu = time.process_time()
    summary = stream.finish()
    cpu += time.process_time() - finish_cpu
    conn.send({"rows": stream.rows, "cpu": cpu, "wall": wall, "setup_cpu": setup_cpu, "peak_rss_mb": _vm_hwm_mb(),
               "rss_after_setup_mb": idle_rss, **summary})  # fmt: skip
    conn.close()


class GroupSource:
    """Row groups of one shape: URL/caption pool reused in turn, everything else fresh; planted pHash copies."""

    def __init__(
        self, shape: str, group_rows: int, pool_groups: int, queries: np.ndarray, works_sha: np.ndarray, seed: int
    ) -> None:
        self.shape = shape
        self.works_sha = works_sha
        self.group_rows = group_rows
        self.generator = RowGenerator(shape, seed)
        self.queries = queries
        self.seed = seed
        self.pool = [self.generator.group(i * group_rows, group_rows) for i in range(pool_groups)]
        self.planted = 0

    def group(self, number: int, count: int) -> pa.Table:
        base = self.pool[number % len(self.pool)].slice(0, count)
        rng = np.random.default_rng([self.seed, number, 11])
        rows = np.arange(number * self.group_rows, number * self.group_rows + count, dtype=np.int64)
        columns = {name: base.column(name) for name in base.column_names}
        id_column = SHAPES[self.shape].id_column
        if self.shape == "coyo":
            columns[id_column] = pa.array(10**12 + rows * 9973 + rng.integers(0, 9973, count))
            values = rng.integers(0, 2**64 - 1, count, dtype=np.uint64, endpoint=True)
            positions = rng.choice(count, size=min(PLANTED_PER_GROUP, count), replace=False)
            flips = np.uint64(1) << rng.integers(0, 64, (len(positions), 3)).astype(np.uint64)
            picked = self.queries[rng.integers(0, len(self.queries), len(positions))]
            values[positions] = picked ^ flips[:, 0] ^ flips[:, 1] ^ flips[:, 2]  # at most 3 bits away
            self.planted += len(positions)
            nulls = rng.random(count) < 0.001
            nulls[positions] = False
            columns["image_phash"] = pc.if_else(pa.array(nulls), pa.scalar(None, pa.string()), hex_column(values))
        elif self.shape == "laion":
            columns[id_column] = pa.array(10**8 + rows * 293 + rng.integers(0, 293, count))
        else:
            columns["uid"] = fixed_hex(rng.integers(0, 256, (count, 16), dtype=np.uint8))
            digests = rng.integers(0, 256, (count, 32), dtype=np.uint8)
            positions = rng.choice(count, size=min(PLANTED_PER_GROUP, count), replace=False)
            digests[positions] = self.works_sha[rng.integers(0, len(self.works_sha), len(positions))]
            self.planted += len(positions)
            columns["sha256"] = digest_hex_column(digests)
        for name in ("width", "height", "WIDTH", "HEIGHT", "original_width", "original_height"):
            if name in columns:
                columns[name] = pa.array(rng.integers(200, 4000, count).astype(columns[name].type.to_pandas_dtype()))
        return pa.table(columns)


def run_shape(args: argparse.Namespace, shape: str) -> dict[str, Any]:
    rng = np.random.default_rng([args.seed, 5])
    queries = rng.integers(0, 2**64 - 1, args.queries, dtype=np.uint64, endpoint=True)
    radii = np.where(rng.random(args.queries) < args.tight_share, args.distance - 2, args.distance).astype(np.int64)
    works_sha = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    print(f"{shape}: preparing {args.pool_groups} pool groups ...", flush=True)
    source = GroupSource(shape, args.group_rows, args.pool_groups, queries, works_sha, args.seed)
    context = multiprocessing.get_context("spawn")
    parent_conn, child_conn = context.Pipe()
    child = context.Process(
        target=consume,
        args=(child_conn, shape, queries, radii, args.distance, works_sha, args.read_batch_rows, args.build_index),
    )
    child.start()
    child_conn.close()
    columns = SHAPES[shape].mapped_columns()
    gen_cpu = encode_cpu = 0.0
    parquet_bytes = read_column_bytes = 0
    started = time.perf_counter()
    groups = -(-args.rows // args.group_rows)
    for number in range(groups):
        count = min(args.group_rows, args.rows - number * args.group_rows)
        cpu = time.process_time()
        table = source.group(number, count)
        gen_cpu += time.process_time() - cpu
        cpu = time.process_time()
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, row_group_size=args.group_rows, compression="snappy")
        buffer = sink.getvalue()
        encode_cpu += time.process_time() - cpu
        meta = pq.read_metadata(pa.BufferReader(buffer)).row_group(0)
        parquet_bytes += buffer.size
        read_column_bytes += sum(
            meta.column(i).total_compressed_size
            for i in range(meta.num_columns)
            if meta.column(i).path_in_schema in columns
        )
        parent_conn.send_bytes(buffer)
        done = number * args.group_rows + count
        elapsed = time.perf_counter() - started
        if sys.stdout.isatty() or done == args.rows:
            print(f"\r  {done:,} / {args.rows:,} rows sent ({elapsed:.0f} s)", end="", flush=True)
    parent_conn.send_bytes(b"")
    result = parent_conn.recv()
    child.join()
    print()
    if result["rows"] != args.rows:
        raise SystemExit(f"the pass saw {result['rows']:,} rows of {args.rows:,}")
    result.update({
        "shape": shape, "columns_read": columns, "parquet_bytes_per_row": parquet_bytes / args.rows,
        "read_columns_bytes_per_row": read_column_bytes / args.rows, "generate_cpu": gen_cpu,
        "encode_cpu": encode_cpu, "rows_per_cpu_s": args.rows / result["cpu"],
        "rows_per_wall_s": args.rows / result["wall"],
        "planted": source.planted, "parent_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })  # fmt: skip
    if result["close_hits"] != source.planted:
        raise SystemExit(f"{result['close_hits']} hits within 3 bits or by SHA-256 for {source.planted} planted rows")
    return result


def estimates(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name, rows, shape in TARGETS:
        if shape not in results:
            continue
        r = results[shape]
        out.append({
            "dataset": name, "rows": rows, "shape": shape, "cpu_hours_one_core": rows / r["rows_per_cpu_s"] / 3600,
            "disk_gb": rows * r["bytes_on_disk"] / r["rows"] / 1e9, "download_gb_read_columns":
            rows * r["read_columns_bytes_per_row"] / 1e9, "peak_rss_mb": r["peak_rss_mb"],
        })  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000_000)
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=["coyo", "laion", "datacomp"])
    parser.add_argument("--queries", type=int, default=39_000, help="pHash queries (1,000 works x 39 variants)")
    parser.add_argument(
        "--tight-share", type=float, default=30 / 39, help="share of the queries searched at --distance - 2"
    )
    parser.add_argument("--distance", type=int, default=8)
    parser.add_argument("--build-index", action="store_true", help="build the sorted index at the end")
    parser.add_argument("--group-rows", type=int, default=GROUP_ROWS)
    parser.add_argument("--read-batch-rows", type=int, default=READ_BATCH_ROWS)
    parser.add_argument("--pool-groups", type=int, default=3, help="distinct URL/caption groups, reused in turn")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the figures as JSON")
    args = parser.parse_args()
    print(f"{args.rows:,} rows per shape, row groups of {args.group_rows:,}, batches of {args.read_batch_rows:,};"
          f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    results = {shape: run_shape(args, shape) for shape in args.shapes}
    print(f"\n{'shape':9} {'columns read':28} {'M rows/CPU-s':>12} {'M rows/s wall':>13} {'peak RSS':>9}"
          f" {'read col. B/row':>15} {'hits':>7} {'planted':>7}")  # fmt: skip
    for shape, r in results.items():
        print(f"{shape:9} {','.join(r['columns_read'])[:28]:28} {r['rows_per_cpu_s'] / 1e6:12.2f}"
              f" {r['rows_per_wall_s'] / 1e6:13.2f} {r['peak_rss_mb']:7.0f}MB {r['read_columns_bytes_per_row']:15.1f}"
              f" {r['hits']:7,} {r['planted']:7,}")  # fmt: skip
    table = estimates(results)
    built = "with the sorted index built" if args.build_index else "as `dataset add` leaves it (unsorted runs)"
    print(f"\nOne laptop core, CPU time of the whole pass, {built} (no download time)")
    print(
        f"{'dataset':18} {'rows':>15} {'shape':9} {'CPU hours':>9} {'disk GB':>8} {'download GB':>11} {'peak RSS':>9}"
    )
    for e in table:
        print(f"{e['dataset']:18} {e['rows']:15,} {e['shape']:9} {e['cpu_hours_one_core']:9.2f} {e['disk_gb']:8.1f}"
              f" {e['download_gb_read_columns']:11.0f} {e['peak_rss_mb']:7.0f}MB")  # fmt: skip
    if args.out:
        with open(args.out, "w") as out:
            json.dump({"rows": args.rows, "args": vars(args), "results": results, "estimates": table}, out, indent=1)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
