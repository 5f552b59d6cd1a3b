"""Adding dataset shards: local Parquet and TSV, remote by range requests, bad shards, resume; only hits kept."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.datasets.manager import DatasetManager
from core.errors import Cancelled, UsageError
from core.index.run_scan import open_phash_search
from core.matching.importer import DatasetImporter, ImportReport
from core.matching.shard_pass import PortfolioQueries, ShardPass
from core.net.http import HttpClient
from core.profile import Profile
from core.progress import Progress, ProgressUpdate


def _coyo_shard(path: Path, first_id: int, rows: int, seed: int, url_column: str = "url") -> list[str]:
    rng = random.Random(seed)
    hashes = [f"{rng.getrandbits(64):016x}" for _ in range(rows)]
    table = pa.table(
        {
            "id": pa.array(range(first_id, first_id + rows), pa.int64()),
            url_column: [f"https://img{i % 7}.example.com/p/{first_id + i}.jpg" for i in range(rows)],
            "text": [f"picture number {first_id + i}" for i in range(rows)],
            "width": pa.array([640] * rows, pa.int32()),
            "height": pa.array([480] * rows, pa.int32()),
            "image_phash": hashes,
            "aesthetic_score_laion_v2": pa.array([5.0] * rows, pa.float32()),
        }
    )
    pq.write_table(table, path, row_group_size=max(1, rows // 3))
    return hashes


def _manager(tmp_path: Path, client: HttpClient | None = None, hub_base: str = "https://hub.invalid") -> DatasetManager:
    def no_client() -> HttpClient:
        raise AssertionError("a local import must not touch the network")

    return DatasetManager(tmp_path / "datasets", (lambda: client) if client else no_client, lambda: "t", lambda: None,
                          hub_base)  # fmt: skip


def add(
    manager: DatasetManager,
    dataset_id: str,
    sources: list[str],
    mappings: dict[str, str] | None = None,
    progress: Progress | None = None,
    phashes: Sequence[str] = (),
    digests: Sequence[str] = (),
    profile: Profile | None = None,
) -> ImportReport:
    """Add a dataset the way the app does, matching in flight against these hashes and this profile."""
    store = manager.prepare(dataset_id, None, sources, mappings or {})
    try:
        queries = PortfolioQueries(
            np.array([int(h, 16) for h in phashes], dtype=np.uint64),
            np.frombuffer(b"".join(bytes.fromhex(d) for d in digests), dtype=np.uint8).reshape(-1, 32),
            8,
        )
        shard_pass = ShardPass(store.descriptor.kinds, queries, profile or Profile())
        return DatasetImporter(manager.opener, shard_pass, "fingerprint", lambda: "t").run(
            store, progress or Progress()
        )
    finally:
        store.close()


def test_local_shards_are_imported_with_case_insensitive_columns(tmp_path: Path) -> None:
    first = _coyo_shard(tmp_path / "a.parquet", 1000, 3000, seed=1)
    _coyo_shard(tmp_path / "b.parquet", 9000, 2000, seed=2, url_column="URL")
    manager = _manager(tmp_path)
    report = add(manager, "coyo-700m", [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")], phashes=[first[17]])
    assert report.failed == () and report.rows_total == 5000 and report.shards_done == 2
    store = manager.open("coyo-700m")
    assert store.hit_count() == report.hits_kept == 1, "only the row that matched in flight is kept"
    index = open_phash_search(store.phash_dir)
    result = index.search(np.array([int(first[17], 16)], dtype=np.uint64), 0)
    (row,) = store.rows(result.ordinals.tolist())
    assert row.row_id == "1017" and row.shard_row == 17 and row.shard.endswith("a.parquet")
    assert row.url == "https://img3.example.com/p/1017.jpg" and row.size == (640, 480)
    assert manager.info("coyo-700m").coverage == "full"


def test_a_missing_column_names_the_shard_and_the_column_and_the_rest_stays_usable(tmp_path: Path) -> None:
    _coyo_shard(tmp_path / "good.parquet", 1, 100, seed=3)
    pq.write_table(pa.table({"id": [1], "url": ["https://x.example/1.jpg"], "text": ["t"]}), tmp_path / "thin.parquet")
    (tmp_path / "broken.parquet").write_bytes(os.urandom(2048))
    manager = _manager(tmp_path)
    sources = [str(tmp_path / name) for name in ("good.parquet", "thin.parquet", "broken.parquet")]
    report = add(manager, "coyo-700m", sources)
    errors = dict(report.failed)
    assert "image_phash" in errors[str(tmp_path / "thin.parquet")] and "thin.parquet" in errors[sources[1]]
    assert "broken.parquet" in errors[sources[2]]
    assert report.rows_total == 100 and manager.info("coyo-700m").coverage == "partial"
    assert open_phash_search(manager.open("coyo-700m").phash_dir).rows == 100


def test_an_interrupted_import_resumes_without_duplicates(tmp_path: Path) -> None:
    hashes = _coyo_shard(tmp_path / "a.parquet", 0, 200_000, seed=4)
    _coyo_shard(tmp_path / "b.parquet", 500_000, 1000, seed=5)
    sources = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    manager = _manager(tmp_path)

    def cancel_after_first_batch(update: ProgressUpdate) -> None:
        if "rows" in update.detail:
            progress.cancel()

    progress = Progress(cancel_after_first_batch)
    with pytest.raises(Cancelled):
        add(manager, "coyo-700m", sources, progress=progress, phashes=[hashes[123_456]])
    partial = manager.open("coyo-700m")
    assert 0 < partial.row_count() < 200_000
    partial.close()
    report = add(manager, "coyo-700m", sources, phashes=[hashes[123_456]])
    assert report.rows_total == 201_000 and report.failed == ()
    store = manager.open("coyo-700m")
    index = open_phash_search(store.phash_dir)
    assert index.rows == 201_000, "no row group spilled twice into the index"
    found = index.search(np.array([int(hashes[123_456], 16)], dtype=np.uint64), 0)
    assert [row.row_id for row in store.rows(found.ordinals.tolist())] == ["123456"]


def test_a_tab_separated_hash_list_without_header(tmp_path: Path) -> None:
    digest = "ab" * 32
    lines = [f"https://a.example/{i}.jpg\t{digest if i == 5 else f'{i:064x}'}\t{i:032x}" for i in range(20)]
    (tmp_path / "cc12m.tsv").write_text("\n".join(lines) + "\n")
    manager = _manager(tmp_path)
    report = add(manager, "cc12m", [str(tmp_path / "cc12m.tsv")], digests=[digest])
    assert report.rows_total == 20 and report.failed == () and report.hits_kept == 1
    store = manager.open("cc12m")
    (row,) = store.rows([5])
    assert row.url == "https://a.example/5.jpg" and row.sha256 == digest


def test_unknown_names_need_a_schema_or_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--schema or --map"):
        add(_manager(tmp_path), "my-scrape", [str(tmp_path / "x.parquet")])


def _range_handler(data: bytes, log: list[str]) -> object:
    def handle(request: Request) -> Response:
        log.append(request.headers.get("Range", ""))
        response = Response(data, mimetype="application/octet-stream")
        return response.make_conditional(request, accept_ranges=True, complete_length=len(data))

    return handle


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient() as http:
        yield http


def test_remote_shards_are_read_by_range_requests_fetching_only_needed_columns(
    tmp_path: Path, httpserver: HTTPServer, client: HttpClient
) -> None:
    rows = 100_000
    wide = {f"padding_{i}": np.random.default_rng(i).random(rows) for i in range(12)}
    rng = random.Random(7)
    table = pa.table({"id": list(range(rows)), "image_phash": [f"{rng.getrandbits(64):016x}" for _ in range(rows)],
                      **wide})  # fmt: skip
    pq.write_table(table, tmp_path / "remote.parquet", row_group_size=50_000)
    data = (tmp_path / "remote.parquet").read_bytes()
    log: list[str] = []
    httpserver.expect_request("/shards/remote.parquet").respond_with_handler(_range_handler(data, log))
    manager = _manager(tmp_path, client)
    url = httpserver.url_for("/shards/remote.parquet")
    report = add(manager, "mine", [url], {"phash": "image_phash", "row_id": "id"})
    assert report.rows_total == rows and report.failed == ()
    assert all(entry.startswith("bytes=") for entry in log)
    assert report.bytes_read < len(data) / 3, "only the two mapped columns should have been fetched"


def test_hf_urls_resolve_to_the_hub_with_the_token(tmp_path: Path, httpserver: HTTPServer, client: HttpClient) -> None:
    _coyo_shard(tmp_path / "part.parquet", 0, 50, seed=8)
    data = (tmp_path / "part.parquet").read_bytes()
    log: list[str] = []
    path = "/datasets/kakaobrain/coyo-700m/resolve/main/data/part.parquet"
    httpserver.expect_request(path).respond_with_handler(_range_handler(data, log))
    manager = _manager(tmp_path, client, hub_base=httpserver.url_for("").rstrip("/"))
    report = add(manager, "coyo-700m", ["hf://datasets/kakaobrain/coyo-700m@main/data/part.parquet"])
    assert report.rows_total == 50 and report.failed == ()


def test_a_dataset_can_be_removed(tmp_path: Path) -> None:
    _coyo_shard(tmp_path / "a.parquet", 0, 10, seed=9)
    manager = _manager(tmp_path)
    add(manager, "coyo-700m", [str(tmp_path / "a.parquet")])
    manager.remove("coyo-700m")
    assert manager.ids() == []
    with pytest.raises(UsageError):
        manager.open("coyo-700m")


def test_adding_an_imported_dataset_again_changes_nothing(tmp_path: Path) -> None:
    _coyo_shard(tmp_path / "a.parquet", 0, 10, seed=10)
    manager = _manager(tmp_path)
    add(manager, "coyo-700m", [str(tmp_path / "a.parquet")])
    again = add(manager, "coyo-700m", [str(tmp_path / "a.parquet")])
    assert again.rows_added == 0 and again.rows_total == 10 and again.shards_done == 1


def test_an_index_in_an_outdated_format_is_rebuilt_on_the_next_add(tmp_path: Path) -> None:
    import json

    _coyo_shard(tmp_path / "a.parquet", 0, 50, seed=11)
    manager = _manager(tmp_path)
    add(manager, "coyo-700m", [str(tmp_path / "a.parquet")])
    manager.build_index("coyo-700m", Progress())
    manifest_file = tmp_path / "datasets" / "coyo-700m" / "phash" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest_file.write_text(json.dumps({**manifest, "version": -1}))
    report = add(manager, "coyo-700m", [])
    assert report.rebuilt and report.rows_total == 50
    assert open_phash_search(manager.open("coyo-700m").phash_dir).rows == 50


def test_a_custom_dataset_resumes_with_its_stored_mapping(tmp_path: Path) -> None:
    _coyo_shard(tmp_path / "a.parquet", 0, 20, seed=12)
    manager = _manager(tmp_path)
    add(manager, "my-scrape", [str(tmp_path / "a.parquet")], {"phash": "image_phash", "url": "url"})
    again = add(manager, "my-scrape", [])
    assert again.rows_total == 20 and again.failed == ()


def test_a_dataset_removed_while_a_reader_has_it_open_is_gone_at_once_and_never_listed_half(tmp_path: Path) -> None:
    _coyo_shard(tmp_path / "a.parquet", 1, 300, seed=7)
    manager = _manager(tmp_path)
    add(manager, "coyo-700m", [str(tmp_path / "a.parquet")])
    reader = manager.open("coyo-700m")  # the app lists datasets on another thread while one is removed
    reader.shards()
    manager.remove("coyo-700m")
    assert manager.ids() == []
    with pytest.raises(UsageError, match="no dataset named"):
        manager.open("coyo-700m")
    reader.close()  # SQLite may write its -wal/-shm files while closing: into the removed folder, never the dataset's
    add(manager, "coyo-700m", [str(tmp_path / "a.parquet")])  # added again, and removed again: leftovers are swept
    manager.remove("coyo-700m")
    assert manager.ids() == [] and list((tmp_path / "datasets").iterdir()) == []
