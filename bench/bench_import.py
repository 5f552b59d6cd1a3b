"""Import: rows/s turning a COYO-shaped Parquet file's `image_phash` column into uint64 values (+ counts).

Run from the repository root:  python -m bench.bench_import [--rows 10000000]

Writes a COYO-shaped file (id int64, url, text, width, height, image_phash as 16 lowercase hex characters,
0.1% nulls) in row groups of 1M rows, then times, in the same run:
- TrainTrace: pyarrow reads the column batch by batch, `parse_phash_column` converts it (values, validity,
  null and malformed counts; no Python loop per row);
- baseline: pandas.read_parquet of the column, then `int(h, 16)` per value into a uint64 array.
Both end to end (read + convert) and convert only; CPU seconds of this process (robust on a shared machine)
with wall seconds beside. pandas is a bench-only dependency.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.hexdata import hex_column
from core.index.hexparse import parse_phash_column

BATCH_ROWS = 1 << 20


class Clock:
    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def write_coyo_like(path: Path, rows: int, seed: int) -> np.ndarray:
    """Write the file; returns the pHash values (0 where null) to check both parsers against."""
    rng = np.random.default_rng(seed)
    writer = None
    expected = []
    for begin in range(0, rows, BATCH_ROWS):
        count = min(BATCH_ROWS, rows - begin)
        ids = np.arange(begin, begin + count, dtype=np.int64) * 7919
        hashes = rng.integers(0, 2**64 - 1, size=count, dtype=np.uint64, endpoint=True)
        nulls = rng.random(count) < 0.001
        hashes[nulls] = 0
        expected.append(hashes)
        id_hex = hex_column(ids.astype(np.uint64))
        table = pa.table(
            {
                "id": ids,
                "url": pc.binary_join_element_wise("https://images.example.org/p/", id_hex, ".jpg", ""),
                "text": pc.binary_join_element_wise("a painting of a quiet harbour, item ", id_hex, ""),
                "width": rng.integers(200, 2000, count, dtype=np.int32),
                "height": rng.integers(200, 2000, count, dtype=np.int32),
                "image_phash": pc.if_else(pa.array(nulls), pa.scalar(None, pa.string()), hex_column(hashes)),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=BATCH_ROWS)
    assert writer is not None
    writer.close()
    return np.concatenate(expected)


def ours(path: Path) -> tuple[np.ndarray, np.ndarray]:
    values, valid = [], []
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=["image_phash"]):
        parsed = parse_phash_column(batch.column(0))
        values.append(parsed.values)
        valid.append(parsed.valid)
    return np.concatenate(values), np.concatenate(valid)


def pandas_parse(series: pd.Series) -> np.ndarray:
    return np.array([int(h, 16) if isinstance(h, str) else 0 for h in series], dtype=np.uint64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tt-import-") as folder:
        path = Path(folder) / "coyo-part-00000.parquet"
        expected = write_coyo_like(path, args.rows, seed=1)
        print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB Parquet (snappy)")
        with Clock() as our_total:
            values, valid = ours(path)
        with Clock() as pandas_total:
            frame = pd.read_parquet(path, columns=["image_phash"])
            baseline = pandas_parse(frame["image_phash"])
        column = pq.read_table(path, columns=["image_phash"]).column(0)
        with Clock() as our_convert:
            parse_phash_column(column)
        with Clock() as pandas_convert:
            pandas_parse(frame["image_phash"])
        assert np.array_equal(values, expected) and np.array_equal(baseline, expected)
        print(f"nulls flagged: {int((~valid).sum()):,}; values equal to the generator's and to pandas': True")
        for label, ours_clock, base_clock in (
            ("read + convert", our_total, pandas_total),
            ("convert only  ", our_convert, pandas_convert),
        ):
            ours_rate, base_rate = args.rows / ours_clock.cpu, args.rows / base_clock.cpu
            print(
                f"{label}: TrainTrace {ours_rate / 1e6:7.1f} M rows per CPU-s ({args.rows / ours_clock.wall / 1e6:.1f}"
                f" wall) | pandas + int(h, 16) {base_rate / 1e6:6.2f} M rows per CPU-s"
                f" ({args.rows / base_clock.wall / 1e6:.2f} wall) -> {ours_rate / base_rate:.0f}x"
                f" (wall {base_clock.wall / ours_clock.wall:.0f}x)"
            )


if __name__ == "__main__":
    main()
