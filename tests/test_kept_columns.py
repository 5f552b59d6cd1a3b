"""`dataset add --keep-columns`: the URL/caption re-pass after a profile change reads a local copy of the projected
columns instead of the shard, finds exactly what the shard gives, falls back to the shard (saying so) when the
copy is damaged, and the copy's disk is shown, freed and never left stale."""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from core.app import TrainTrace
from core.cli.main import main
from core.datasets import kept_columns, planning
from core.datasets.kept_columns import KeptShard, UnitWriter
from core.datasets.manager import DatasetManager, keep_choice
from core.errors import Cancelled, UsageError
from core.matching.importer import DatasetImporter
from core.matching.reread import ProfileRepass
from core.matching.shard_pass import PortfolioQueries, ShardPass
from core.net.http import HttpClient
from core.paths import AppPaths
from core.profile import Profile
from core.progress import Progress, ProgressUpdate

PROFILE = Profile(name="Ada Okonkwo-Lindqvist", domains=("okonkwo-lindqvist.art",))
# The changed profile: a new domain and alias that rows carry which the first profile did not match.
CHANGED = Profile(
    name="Ada Okonkwo-Lindqvist",
    aliases=("Studio Marguerite Oyelaran",),
    domains=("okonkwo-lindqvist.art", "oyelaran-studio.net"),
)
ROWS, GROUP = 12_000, 5_000  # three row groups: 5,000, 5,000 and 2,000 rows
UNITS = 3


def _shard(path: Path, seed: int = 3) -> None:
    rng = random.Random(seed)
    urls = [f"https://cdn{i % 5}.example.com/img/{i}.jpg" for i in range(ROWS)]
    texts: list[str | None] = [f"a landscape, number {i}" for i in range(ROWS)]
    planted = rng.sample(range(ROWS), 12)
    for n, row in enumerate(planted[:4]):
        urls[row] = f"https://okonkwo-lindqvist.art/works/{n}.png"
    for n, row in enumerate(planted[4:8]):
        urls[row] = f"https://www.oyelaran-studio.net/portfolio/{n}.jpg"
    for row in planted[8:11]:
        texts[row] = "Harbour at dusk, Studio Marguerite Oyelaran, 2021"
    texts[planted[11]] = None
    table = pa.table(
        {
            "id": pa.array(range(50_000, 50_000 + ROWS), pa.int64()),
            "url": urls,
            "text": texts,
            "width": pa.array([rng.randrange(100, 2000) for _ in range(ROWS)], pa.int32()),
            "height": pa.array([rng.randrange(100, 2000) for _ in range(ROWS)], pa.int32()),
            "image_phash": [f"{rng.getrandbits(64):016x}" for _ in range(ROWS)],
            "aesthetic_score": pa.array([5.0] * ROWS, pa.float32()),  # not mapped: neither read nor kept
        }
    )
    pq.write_table(table, path, row_group_size=GROUP)


@pytest.fixture
def shard(tmp_path: Path) -> Path:
    path = tmp_path / "shards" / "coyo-part.parquet"
    path.parent.mkdir()
    _shard(path)
    return path


def _open(home: Path) -> TrainTrace:
    app = TrainTrace.open(AppPaths.resolve(home))
    app.set_profile(PROFILE)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[TrainTrace]:
    with _open(tmp_path / "home") as opened:
        yield opened


def _kept_dir(app: TrainTrace, dataset: str = "coyo-700m") -> Path:
    return app.paths.datasets_dir / dataset / kept_columns.KEPT_DIR


def _kept_files(app: TrainTrace) -> list[str]:
    folder = _kept_dir(app)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _hits(app: TrainTrace, dataset: str = "coyo-700m") -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The dataset's kept hit rows and URL/caption hits, as stored."""
    state = sqlite3.connect(app.paths.datasets_dir / dataset / "state.sqlite3")
    try:
        hits = state.execute("SELECT * FROM hit ORDER BY ordinal").fetchall()
        profile_hits = state.execute("SELECT * FROM profile_hit ORDER BY ordinal, kind").fetchall()
    finally:
        state.close()
    return hits, profile_hits


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed, its lines as wrapped to the terminal joined again."""
    return " ".join(capsys.readouterr().out.split())


def _details(updates: list[str]) -> Progress:
    return Progress(lambda update: updates.append(update.detail))


def _matches(app: TrainTrace) -> set[tuple[str, str, str | None, str | None]]:
    return {(m.row_id, m.kind, m.url, m.caption) for m in app.matches()}


def _repass_from_the_shard(tmp_path: Path, shard: Path) -> tuple[object, set[tuple[str, str, str | None, str | None]]]:
    """The hits and matches a plain add (no kept columns) finds after the same profile change, from the shard."""
    with _open(tmp_path / "plain-home") as plain:
        plain.add_dataset("coyo-700m", sources=[str(shard)])
        plain.set_profile(CHANGED)
        (outcome,) = plain.run_matching().datasets
        assert outcome.problems == ()
        return _hits(plain), _matches(plain)


def test_the_repass_reads_the_kept_columns_without_the_shard_and_finds_the_same(
    tmp_path: Path, app: TrainTrace, shard: Path
) -> None:
    report = app.add_dataset("coyo-700m", sources=[str(shard)], keep_columns=True)
    assert any("keeps its URL and caption columns" in note for note in report.notes)
    assert _kept_files(app) == [f"shard-000001/unit-{unit:06d}.parquet" for unit in range(UNITS)]
    kept = pq.read_table(_kept_dir(app) / "shard-000001" / "unit-000000.parquet")
    assert kept.num_rows == GROUP and set(kept.schema.names) == {"row_id", "url", "text", "width", "height", "phash"}
    before = _matches(app)
    assert {kind for _, kind, _, _ in before} == {"url"}
    away = shard.with_name("elsewhere.parquet")
    shard.rename(away)  # the shard is gone (deleted, moved, or a remote one offline)
    app.set_profile(CHANGED)
    updates: list[str] = []
    (outcome,) = app.run_matching(progress=_details(updates)).datasets
    assert outcome.problems == () and not outcome.error
    assert not any("reading the shard" in detail for detail in updates)
    found = _matches(app)
    assert {kind for _, kind, _, _ in found} == {"url", "text"} and len(found) == len(before) + 4 + 3
    hits = _hits(app)
    away.rename(shard)  # the same file back (same size and time): a re-pass from it finds the very same hits
    assert (hits, found) == _repass_from_the_shard(tmp_path, shard)


def test_without_kept_columns_a_missing_shard_is_not_searched(app: TrainTrace, shard: Path) -> None:
    app.add_dataset("coyo-700m", sources=[str(shard)])
    assert _kept_files(app) == []
    shard.unlink()
    app.set_profile(CHANGED)
    (outcome,) = app.run_matching().datasets
    assert any("coyo-part.parquet" in problem and "could not be read again" in problem for problem in outcome.problems)


@pytest.mark.parametrize("damage", ["cut short", "deleted", "garbage"])
def test_a_damaged_kept_file_falls_back_to_the_shard_and_says_so(
    tmp_path: Path, app: TrainTrace, shard: Path, damage: str
) -> None:
    app.add_dataset("coyo-700m", sources=[str(shard)], keep_columns=True)
    damaged = _kept_dir(app) / "shard-000001" / "unit-000001.parquet"
    if damage == "cut short":
        damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    elif damage == "deleted":
        damaged.unlink()
    else:
        damaged.write_bytes(os.urandom(damaged.stat().st_size))
    app.set_profile(CHANGED)
    updates: list[str] = []
    (outcome,) = app.run_matching(progress=_details(updates)).datasets
    assert outcome.problems == ()
    assert any("kept columns not usable" in d and "row group 1" in d and "reading the shard" in d for d in updates)
    assert pq.read_metadata(damaged).num_rows == GROUP, "the shard's read kept its columns again"
    assert (_hits(app), _matches(app)) == _repass_from_the_shard(tmp_path, shard)


def test_a_damaged_kept_file_and_no_shard_is_reported_as_not_searched(app: TrainTrace, shard: Path) -> None:
    app.add_dataset("coyo-700m", sources=[str(shard)], keep_columns=True)
    (_kept_dir(app) / "shard-000001" / "unit-000002.parquet").unlink()
    shard.unlink()
    app.set_profile(CHANGED)
    (outcome,) = app.run_matching().datasets
    assert any("coyo-part.parquet" in problem and "could not be read again" in problem for problem in outcome.problems)


def test_a_resumed_import_leaves_one_complete_file_per_finished_unit(app: TrainTrace, shard: Path) -> None:
    def cancel_after_first_unit(update: ProgressUpdate) -> None:
        if "rows" in update.detail:
            progress.cancel()

    progress = Progress(cancel_after_first_unit)
    with pytest.raises(Cancelled):
        app.add_dataset("coyo-700m", sources=[str(shard)], keep_columns=True, progress=progress)
    assert _kept_files(app) == ["shard-000001/unit-000000.parquet"], "no half-written file of the unit cancelled"
    # A crash between writing and committing leaves a file of a unit not committed, and a temporary one.
    unit_one = _kept_dir(app) / "shard-000001" / "unit-000001.parquet"
    unit_one.write_bytes(b"half a file")
    unit_one.with_name("unit-000002.parquet.tmp").write_bytes(b"less")
    app.add_dataset("coyo-700m")  # resumes, keeping columns as chosen
    assert _kept_files(app) == [f"shard-000001/unit-{unit:06d}.parquet" for unit in range(UNITS)]
    rows = [pq.read_metadata(_kept_dir(app) / name).num_rows for name in _kept_files(app)]
    assert rows == [GROUP, GROUP, ROWS - 2 * GROUP]
    ids = pa.concat_tables(pq.read_table(_kept_dir(app) / name) for name in _kept_files(app)).column("row_id")
    assert ids.to_pylist() == list(range(50_000, 50_000 + ROWS))


def test_info_and_list_show_the_kept_bytes_and_no_keep_columns_frees_them(
    tmp_path: Path, app: TrainTrace, shard: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = ["--data-dir", str(tmp_path / "home")]
    assert main([*home, "dataset", "add", "coyo-700m", "--from", str(shard), "--keep-columns"]) == 0
    out = _out(capsys)
    assert "keeps its URL and caption columns" in out and "of kept URL/caption columns" in out
    info = app.dataset_info("coyo-700m")
    on_disk = sum(p.stat().st_size for p in _kept_dir(app).rglob("*") if p.is_file())
    assert info.keeps_columns and info.kept_bytes == on_disk > 0 and info.index_bytes > info.kept_bytes
    assert main([*home, "dataset", "info", "coyo-700m"]) == 0
    out = _out(capsys)
    assert f"kept URL/caption columns: {on_disk / 1e6:.1f} MB ({on_disk / ROWS:.1f} bytes a row)" in out
    assert "hashes, hits and state:" in out
    assert main([*home, "dataset", "list"]) == 0
    assert f"({on_disk / 1e6:.1f} MB of it kept URL/caption columns)" in _out(capsys)
    assert main([*home, "dataset", "add", "coyo-700m", "--no-keep-columns"]) == 0
    out = _out(capsys)
    assert f"no longer keeps its URL and caption columns: {on_disk / 1e6:.1f} MB freed" in out
    assert not _kept_dir(app).exists()
    info = app.dataset_info("coyo-700m")
    assert not info.keeps_columns and info.kept_bytes == 0
    assert main([*home, "dataset", "info", "coyo-700m"]) == 0
    assert "URL/caption columns not kept" in _out(capsys)


def test_later_shards_are_kept_too_and_remove_leaves_nothing(app: TrainTrace, shard: Path, tmp_path: Path) -> None:
    app.add_dataset("coyo-700m", sources=[str(shard)], keep_columns=True)
    second = tmp_path / "shards" / "coyo-part-2.parquet"
    _shard(second, seed=4)
    app.add_dataset("coyo-700m", sources=[str(second)])  # the choice is the dataset's
    assert len(_kept_files(app)) == 2 * UNITS and any(name.startswith("shard-000002/") for name in _kept_files(app))
    app.remove_dataset("coyo-700m")
    assert not any(app.paths.datasets_dir.iterdir()), "nothing of the dataset is left"


def test_a_rebuild_and_a_failed_shard_leave_no_stale_kept_file(app: TrainTrace, shard: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "shards" / "garbage.parquet"
    garbage.write_bytes(os.urandom(4096))
    report = app.add_dataset("coyo-700m", sources=[str(shard), str(garbage)], keep_columns=True)
    assert len(report.failed) == 1
    assert [name.split("/")[0] for name in _kept_files(app)] == ["shard-000001"] * UNITS
    stale = _kept_dir(app) / "shard-000002" / "unit-000000.parquet"  # as a crashed attempt of it could leave
    stale.parent.mkdir()
    stale.write_bytes(b"stale")
    garbage.unlink()
    _shard(garbage, seed=5)  # the failed shard fixed: the dataset is rebuilt from all its shards
    report = app.add_dataset("coyo-700m")
    assert report.rebuilt and report.failed == ()
    assert _kept_files(app) == [f"shard-{seq:06d}/unit-{unit:06d}.parquet" for seq in (1, 2) for unit in range(UNITS)]
    assert all(pq.read_metadata(_kept_dir(app) / name).num_rows for name in _kept_files(app))


def test_a_dataset_without_url_or_caption_column_says_there_is_nothing_to_keep(app: TrainTrace, shard: Path) -> None:
    report = app.add_dataset(
        "mine", sources=[str(shard)], mappings={"row_id": "id", "phash": "image_phash"}, keep_columns=True
    )
    assert any("nothing to keep" in note for note in report.notes)
    assert not _kept_dir(app, "mine").exists()


def test_the_plan_and_the_free_space_check_count_the_kept_columns(
    app: TrainTrace, shard: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = app.plan_dataset("coyo-700m", sources=[str(shard)])
    assert plan.read_bytes and plan.kept_columns_bytes == plan.read_bytes
    hashes_only, _ = planning.disk_estimate(plan.descriptor, ROWS)
    monkeypatch.setattr(planning, "free_space", lambda directory: hashes_only + plan.read_bytes // 2)
    with pytest.raises(UsageError, match="kept URL/caption columns"):
        app.add_dataset("coyo-700m", sources=[str(shard)], keep_columns=True)
    assert app.add_dataset("coyo-700m", sources=[str(shard)]).failed == ()


_VALUES = st.one_of(st.none(), st.text(max_size=40))


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(_VALUES, min_size=0, max_size=300),
    split=st.integers(min_value=1, max_value=120),
)
def test_kept_batches_read_back_exactly_as_written(tmp_path_factory: pytest.TempPathFactory, texts: list[str | None],
                                                   split: int) -> None:  # fmt: skip
    directory = tmp_path_factory.mktemp("kept")
    table = pa.table(
        {
            "row_id": pa.array(range(len(texts)), pa.int64()),
            "url": pa.array(texts, pa.large_string()),
            "text": pa.array(list(reversed(texts)), pa.string()),
            "phash": pa.array([None if t is None else f"{len(t):016x}" for t in texts], pa.string()),
        }
    )
    writer = UnitWriter(directory, 1, 0)
    for batch in table.to_batches(max_chunksize=split):
        writer.write(batch)
    unit = writer.commit()
    shard = KeptShard.open(directory, 1, [unit], 1, len(texts))
    read = pa.Table.from_batches(list(shard.batches(0)), schema=table.schema if not texts else None)
    assert unit.rows == len(texts) and read.equals(table) if texts else read.num_rows == 0


def test_a_remote_shard_is_re_passed_from_its_kept_columns_without_the_network(
    tmp_path: Path, shard: Path, httpserver: HTTPServer
) -> None:
    data = shard.read_bytes()
    requests: list[str] = []

    def serve(request: Request) -> Response:
        requests.append(request.headers.get("Range", ""))
        return Response(data, mimetype="application/octet-stream").make_conditional(
            request, accept_ranges=True, complete_length=len(data)
        )

    httpserver.expect_request("/shards/coyo-part.parquet").respond_with_handler(serve)
    online = True

    def network() -> HttpClient:
        if not online:
            raise AssertionError("the re-pass from the kept columns must not touch the network")
        return client

    with HttpClient() as client:
        manager = DatasetManager(tmp_path / "datasets", network, lambda: "t", lambda: None, "https://hub.invalid")
        store = manager.prepare("coyo-700m", None, [httpserver.url_for("/shards/coyo-part.parquet")], {}, True)
        try:
            assert keep_choice(store, True)
            shard_pass = ShardPass(store.descriptor.kinds, PortfolioQueries.empty(8), PROFILE)
            report = DatasetImporter(manager.opener, shard_pass, "old profile", lambda: "t").run(store, Progress())
            assert report.failed == () and requests and report.kept_bytes > 0
            online = False
            repass = ProfileRepass(
                manager.opener,
                lambda: ShardPass(("url", "text"), PortfolioQueries.empty(8), CHANGED, hashes=False),
                "changed profile",
                True,
            )
            assert repass.run(store, Progress()) == []
            assert len(store.profile_hits("url")) == 8 and len(store.profile_hits("text")) == 3
        finally:
            store.close()


def test_keeping_chosen_after_the_add_keeps_each_shard_at_its_next_re_pass(
    tmp_path: Path, app: TrainTrace, shard: Path
) -> None:
    app.add_dataset("coyo-700m", sources=[str(shard)])
    report = app.add_dataset("coyo-700m", keep_columns=True)
    assert any("1 shard(s) added before are kept the next time" in note for note in report.notes)
    assert _kept_files(app) == []
    app.set_profile(Profile(name="Ada Okonkwo-Lindqvist", domains=("oyelaran-studio.net",)))
    updates: list[str] = []
    app.run_matching(progress=_details(updates))
    assert any("reading the shard and keeping them now" in detail for detail in updates)
    assert _kept_files(app) == [f"shard-000001/unit-{unit:06d}.parquet" for unit in range(UNITS)]
    away = shard.with_name("elsewhere.parquet")
    shard.rename(away)
    app.set_profile(CHANGED)
    (outcome,) = app.run_matching().datasets
    assert outcome.problems == ()
    found = (_hits(app), _matches(app))
    away.rename(shard)
    assert found == _repass_from_the_shard(tmp_path, shard)
