"""The batch task in-process (no cluster): the same records as the local path, from the same kernel."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core.app import TrainTrace
from core.batch.hashlist import read_hash_lists
from core.batch.queries import build_query_set
from core.batch.results import Manifest, read_results, save_manifest
from core.batch.runner import plan_shard
from core.batch.task import run_task
from core.datasets.descriptors import resolve_descriptor
from core.paths import AppPaths
from tests.batch.conftest import PROFILE, Portfolio, comparable


def test_tasks_find_exactly_what_the_local_path_finds(
    tmp_path: Path, portfolio: Portfolio, shards: list[Path], local_matches: set[tuple]
) -> None:
    descriptor = resolve_descriptor("coyo-700m", None, {}, [str(s) for s in shards])
    queries = build_query_set(read_hash_lists([portfolio.hash_list]), 8)
    out = str(tmp_path)
    specs = [spec for seq, s in enumerate(shards, 1) for spec in plan_shard(seq, str(s), descriptor, 4_000, out)]
    assert len(specs) == 6  # 3 row groups of 3,000 rows: two tasks a shard
    outcomes = [run_task(spec, queries) for spec in specs]
    assert all(o.error is None for o in outcomes) and sum(o.rows for o in outcomes) == 27_000
    done = {spec.key: {"shard": spec.source} for spec in specs}
    save_manifest(tmp_path, Manifest({"tasks": len(specs)}, done, {}))
    found = comparable(read_results(tmp_path))
    assert found == local_matches
    kinds = [t[3] for t in local_matches]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {"phash": 24, "url": 9, "text": 6}


def test_byte_identical_rows_of_a_datacomp_shard_match_as_locally(tmp_path: Path, portfolio: Portfolio) -> None:
    rows = 5_000
    digests = [f"{n:064x}" for n in range(rows)]
    digests[17] = digests[4_321] = portfolio.works[2].sha256 or ""
    digests[99] = "zz" * 32
    urls = [f"https://example.com/{n}.jpg" for n in range(rows)]
    urls[5] = "https://okonkwo-lindqvist.art/work-3.png"
    shard = tmp_path / "datacomp.parquet"
    uids = [f"{n:032x}" for n in range(rows)]
    pq.write_table(pa.table({"uid": uids, "url": urls, "text": ["x"] * rows, "sha256": digests}), shard)
    with TrainTrace.open(AppPaths.resolve(tmp_path / "local")) as app:
        app.set_profile(PROFILE)
        app.scan([portfolio.folder])
        app.add_dataset("datacomp-small", sources=[str(shard)])
        local = {
            (os.path.basename(m.work_path) if m.work_path else None, m.dataset, m.row_id, m.kind, m.distance, m.score,
             m.url, m.caption, m.published_hash, m.local_hash, m.evidence, m.coverage)
            for m in app.matches()
        }  # fmt: skip
    descriptor = resolve_descriptor("datacomp-small", None, {}, [str(shard)])
    queries = build_query_set(read_hash_lists([portfolio.hash_list]), 8)
    (spec,) = plan_shard(1, str(shard), descriptor, 1_000_000, str(tmp_path / "out"))
    assert run_task(spec, queries).error is None
    save_manifest(tmp_path / "out", Manifest({"tasks": 1}, {spec.key: {"shard": str(shard)}}, {}))
    found = comparable(read_results(tmp_path / "out"))
    assert found == local
    assert sorted(t[3] for t in found) == ["sha256", "sha256", "url"]
