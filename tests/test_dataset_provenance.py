"""What adding a dataset records for the evidence: each local file's SHA-256 (hashed while the import reads it),
its row groups and column names; a Hub file's repository, resolved commit and published SHA-256; and, per kept row,
its id and hash exactly as the file holds them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer

from core.datasets import provenance
from core.datasets.provenance import AT_REPORT, HUB, READ, ShardDigest, file_sha256
from core.net.http import HttpClient
from core.progress import Progress
from tests.test_dataset_import import _coyo_shard, _manager, _range_handler, add

COMMIT = "3f1c0ffee0ddba11ab1ec0de5eed5a1ad0c0ffee"


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient() as http:
        yield http


def test_a_local_shard_is_hashed_while_it_is_read(tmp_path: Path) -> None:
    hashes = _coyo_shard(tmp_path / "a.parquet", 1000, 3000, seed=1)
    manager = _manager(tmp_path)
    add(manager, "coyo-700m", [str(tmp_path / "a.parquet")], phashes=[hashes[2500]])
    known = manager.info("coyo-700m").provenance[str(tmp_path / "a.parquet")]
    assert known.sha256 == hashlib.sha256((tmp_path / "a.parquet").read_bytes()).hexdigest()
    assert known.sha256_how == READ and known.size == (tmp_path / "a.parquet").stat().st_size
    assert known.row_groups == (1000, 1000, 1000) and known.file_format == "parquet"
    assert known.columns is not None and known.columns["phash"] == "image_phash"
    assert known.locate(2500) == (2, 500) and known.locate(3000) is None


def test_kept_rows_carry_their_id_and_hash_exactly_as_published(tmp_path: Path) -> None:
    """A mirror that writes its pHashes in capitals: TrainTrace matches the parsed value and keeps the text."""
    table = pa.table({"id": pa.array([7, 8, 9], pa.int64()), "url": ["u7", "u8", "u9"], "text": ["a", "b", "c"],
                      "image_phash": ["BAC58374982E0FC7", "0000000000000001", "0000000000000002"]})  # fmt: skip
    pq.write_table(table, tmp_path / "caps.parquet")
    manager = _manager(tmp_path)
    add(manager, "coyo-700m", [str(tmp_path / "caps.parquet")], phashes=["bac58374982e0fc7"])
    store = manager.open("coyo-700m")
    (row,) = store.rows([0])
    assert row.phash == 0xBAC58374982E0FC7 and json.loads(row.published or "") == {
        "phash": "BAC58374982E0FC7", "row_id": 7,
    }  # fmt: skip


def test_a_file_changed_while_it_is_hashed_gets_no_digest(tmp_path: Path) -> None:
    path = tmp_path / "moving.parquet"
    path.write_bytes(os.urandom(1 << 20))
    stat = path.stat()
    assert file_sha256(str(path), (stat.st_size, stat.st_mtime_ns)) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_sha256(str(path), (stat.st_size + 1, stat.st_mtime_ns)) is None
    digest = ShardDigest(str(path), stat.st_size, stat.st_mtime_ns + 1)
    assert digest.finish() is None
    assert ShardDigest(None, 0, None).finish() is None  # a remote shard: nothing hashed


def test_an_import_by_an_older_version_is_completed_when_a_report_is_made(tmp_path: Path) -> None:
    _coyo_shard(tmp_path / "a.parquet", 0, 300, seed=2)
    manager = _manager(tmp_path)
    add(manager, "coyo-700m", [str(tmp_path / "a.parquet")])
    store = manager.open("coyo-700m")
    store.db.execute("DELETE FROM shard_provenance")  # as an older version left it: nothing recorded
    store.close()
    manager.complete_provenance("coyo-700m", Progress())
    known = manager.info("coyo-700m").provenance[str(tmp_path / "a.parquet")]
    assert known.sha256 == hashlib.sha256((tmp_path / "a.parquet").read_bytes()).hexdigest()
    assert known.sha256_how == AT_REPORT and known.row_groups == (100, 100, 100)
    (tmp_path / "a.parquet").write_bytes(b"changed")
    store = manager.open("coyo-700m")
    store.db.execute("DELETE FROM shard_provenance")
    store.close()
    manager.complete_provenance("coyo-700m", Progress())
    assert str(tmp_path / "a.parquet") not in manager.info("coyo-700m").provenance  # changed: not vouched for


def _serve_hub(httpserver: HTTPServer, data: bytes, path: str = "data/part.parquet") -> None:
    sha = hashlib.sha256(data).hexdigest()
    httpserver.expect_request("/api/datasets/kakaobrain/coyo-700m/revision/main").respond_with_json({"sha": COMMIT})
    folder = path.rsplit("/", 1)[0]
    entry = {"type": "file", "path": path, "size": len(data), "lfs": {"oid": sha, "size": len(data)}}
    httpserver.expect_request(f"/api/datasets/kakaobrain/coyo-700m/tree/{COMMIT}/{folder}").respond_with_json(
        [{"type": "directory", "path": folder}, entry]
    )
    httpserver.expect_request(f"/api/datasets/kakaobrain/coyo-700m/tree/{COMMIT}").respond_with_json([entry])
    resolve = f"/datasets/kakaobrain/coyo-700m/resolve/{COMMIT}/{path}"
    httpserver.expect_request(resolve).respond_with_handler(_range_handler(data, []))


def test_a_hub_shard_is_read_at_the_commit_its_revision_resolves_to(
    tmp_path: Path, httpserver: HTTPServer, client: HttpClient
) -> None:
    _coyo_shard(tmp_path / "part.parquet", 0, 50, seed=8)
    data = (tmp_path / "part.parquet").read_bytes()
    _serve_hub(httpserver, data)
    manager = _manager(tmp_path, client, hub_base=httpserver.url_for("").rstrip("/"))
    report = add(manager, "coyo-700m", ["hf://datasets/kakaobrain/coyo-700m@main/data/part.parquet"])
    assert report.rows_total == 50 and report.failed == ()
    info = manager.info("coyo-700m")
    pinned = f"hf://datasets/kakaobrain/coyo-700m@{COMMIT}/data/part.parquet"
    assert [shard.source for shard in info.shards] == [pinned]
    known = info.provenance[pinned]
    assert (known.hub_repo, known.hub_revision, known.hub_commit, known.hub_path) == (
        "kakaobrain/coyo-700m", "main", COMMIT, "data/part.parquet",
    )  # fmt: skip
    assert known.sha256 == hashlib.sha256(data).hexdigest() and known.sha256_how == HUB
    assert known.size == len(data) and known.row_groups == (16, 16, 16, 2)
    again = add(manager, "coyo-700m", ["hf://datasets/kakaobrain/coyo-700m/data/part.parquet"])
    assert again.rows_added == 0 and len(manager.info("coyo-700m").shards) == 1  # the same file, not twice


def test_a_listed_hub_dataset_is_pinned_to_one_commit(
    tmp_path: Path, httpserver: HTTPServer, client: HttpClient
) -> None:
    _coyo_shard(tmp_path / "part.parquet", 0, 40, seed=9)
    data = (tmp_path / "part.parquet").read_bytes()
    _serve_hub(httpserver, data)
    manager = _manager(tmp_path, client, hub_base=httpserver.url_for("").rstrip("/"))
    assert add(manager, "coyo-700m", []).rows_total == 40
    ((source, known),) = manager.info("coyo-700m").provenance.items()
    assert source.endswith(f"@{COMMIT}/data/part.parquet") and known.sha256 == hashlib.sha256(data).hexdigest()


def test_without_the_hub_api_a_shard_is_read_as_given_and_says_so(
    tmp_path: Path, httpserver: HTTPServer, client: HttpClient
) -> None:
    _coyo_shard(tmp_path / "part.parquet", 0, 20, seed=10)
    data = (tmp_path / "part.parquet").read_bytes()
    httpserver.expect_request("/api/datasets/kakaobrain/coyo-700m/revision/main").respond_with_data("", status=404)
    httpserver.expect_request("/datasets/kakaobrain/coyo-700m/resolve/main/data/part.parquet").respond_with_handler(
        _range_handler(data, [])
    )
    manager = _manager(tmp_path, client, hub_base=httpserver.url_for("").rstrip("/"))
    source = "hf://datasets/kakaobrain/coyo-700m@main/data/part.parquet"
    assert add(manager, "coyo-700m", [source]).rows_total == 20
    known = manager.info("coyo-700m").provenance[source]
    assert known.hub_commit is None and known.sha256 is None and known.size == len(data)
    assert provenance.load(manager.open("coyo-700m").db)[source].row_groups == (6, 6, 6, 2)
