"""Batch results on disk: one Parquet part per task, the job's manifest, and reading one owner's matches back.

`DIR/manifest.json` says which job the folder holds (dataset, shards, the query set's fingerprint, threshold) and
which tasks are finished or failed; `DIR/parts/TASK.parquet` holds a finished task's matches, one row each, in
the fields of the scan JSON's match records plus `owner`, `work_id`, `shard` and `shard_row`. Each part is
written atomically by its task, so a task run twice (a lost worker) leaves one complete part.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from core.catalogue.matches import FoundMatch
from core.errors import UsageError

MANIFEST = "manifest.json"
PARTS = "parts"
FORMAT = 1
SOURCE = "batch"
RESULT_SCHEMA = pa.schema(
    [
        ("owner", pa.string()), ("work_id", pa.int64()), ("work", pa.string()), ("work_sha256", pa.string()),
        ("dataset", pa.string()), ("row_id", pa.string()), ("kind", pa.string()), ("distance", pa.int32()),
        ("score", pa.float64()), ("url", pa.string()), ("text", pa.string()), ("coverage", pa.string()),
        ("published_hash", pa.string()), ("local_hash", pa.string()), ("evidence", pa.string()),
        ("source", pa.string()), ("found_at", pa.string()), ("status", pa.string()), ("note", pa.string()),
        ("decided_at", pa.string()), ("id", pa.int64()), ("shard", pa.string()), ("shard_row", pa.int64()),
    ]
)  # fmt: skip


@dataclass(frozen=True)
class Manifest:
    job: dict[str, Any]
    done: dict[str, dict[str, Any]]  # task key -> {shard, rows, matches, ...}
    failed: dict[str, dict[str, Any]]  # task key -> {shard, error}

    @property
    def complete(self) -> bool:
        """Every task of the job finished (so the dataset was searched in full)."""
        return not self.failed and len(self.done) == int(self.job.get("tasks", -1))


def result_record(
    owner: str,
    match: FoundMatch,
    work: tuple[str, str] | None,
    found_at: str,
    where: tuple[str, int],
) -> dict[str, Any]:
    """One result row: `work` is the matched work's (file name, SHA-256), `where` the (shard, row in it)."""
    file_name, sha256 = work if work is not None else (None, None)
    shard, shard_row = where
    return {
        "owner": owner, "work_id": match.work_id, "work": file_name, "work_sha256": sha256,
        "dataset": match.dataset, "row_id": match.row_id, "kind": match.kind, "distance": match.distance,
        "score": match.score, "url": match.url, "text": match.caption, "coverage": match.coverage,
        "published_hash": match.published_hash, "local_hash": match.local_hash, "evidence": match.evidence,
        "source": match.source, "found_at": found_at, "status": "candidate", "note": "", "decided_at": None,
        "id": None, "shard": shard, "shard_row": shard_row,
    }  # fmt: skip


def write_part(directory: Path, key: str, records: list[dict[str, Any]], metadata: dict[str, Any]) -> Path:
    """Write one task's matches atomically; returns the part's path."""
    parts = directory / PARTS
    parts.mkdir(parents=True, exist_ok=True)
    records = sorted(records, key=lambda r: (r["owner"], r["shard_row"], r["kind"], r["work_id"] or 0, r["row_id"]))
    table = pa.Table.from_pylist(records, schema=RESULT_SCHEMA)
    table = table.replace_schema_metadata({b"traintrace.batch_part": json.dumps(metadata).encode()})
    path = parts / f"{key}.parquet"
    temp = parts / f".{key}.{os.getpid()}.{id(records)}.tmp"
    pq.write_table(table, temp)
    os.replace(temp, path)
    return path


def part_path(directory: Path, key: str) -> Path:
    return directory / PARTS / f"{key}.parquet"


def load_manifest(directory: Path) -> Manifest | None:
    path = directory / MANIFEST
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise UsageError(f"{path}: batch format {data.get('format')!r}; this version reads format {FORMAT}")
    return Manifest(data["job"], data.get("done", {}), data.get("failed", {}))


def save_manifest(directory: Path, manifest: Manifest) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, "job": manifest.job, "done": manifest.done, "failed": manifest.failed}
    temp = directory / (MANIFEST + ".tmp")
    temp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, directory / MANIFEST)


def read_results(directory: Path, owners: Iterable[str] | None = None) -> pa.Table:
    """The finished tasks' matches (of `owners`, or all), with coverage "partial" unless the job is complete."""
    manifest = load_manifest(directory)
    if manifest is None:
        raise UsageError(f"{directory} holds no batch results (no {MANIFEST})")
    paths = [part_path(directory, key) for key in sorted(manifest.done)]
    tables = [pq.read_table(path, schema=RESULT_SCHEMA) for path in paths if path.exists()]
    table = pa.concat_tables(tables) if tables else RESULT_SCHEMA.empty_table()
    if owners is not None:
        table = table.filter(pa.compute.is_in(table["owner"], pa.array(list(owners), pa.string())))
    if not manifest.complete:
        index = table.schema.get_field_index("coverage")
        table = table.set_column(index, "coverage", pa.array(["partial"] * table.num_rows, pa.string()))
    return table.replace_schema_metadata(None)
