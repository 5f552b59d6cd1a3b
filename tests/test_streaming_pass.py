"""Adding and matching a dataset in one streaming pass: the same matches as an exact scan of every row, in
either order of adding and scanning, after a profile change, with a changed shard, from the old format."""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.app import TrainTrace
from core.catalogue.works import Work
from core.cli.main import main
from core.matching.text import TextMatcher
from core.matching.urls import UrlMatcher
from core.paths import AppPaths
from core.profile import Profile
from core.progress import Progress
from tests.imagefactory import pattern, save

PROFILE = Profile(
    name="Ada Okonkwo-Lindqvist",
    aliases=("Studio Okonkwo-Lindqvist",),
    handles=("@ada.ok",),
    domains=("okonkwo-lindqvist.art",),
    url_prefixes=("https://www.artstation.com/adaok/",),
)
WORKS = 4


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("portfolio")
    for seed in range(WORKS):
        save(pattern(320, 240, seed=seed * 7 + 1), folder / f"work-{seed}.png")
    return folder


@pytest.fixture(scope="module")
def work_hashes(portfolio: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Work]:
    with TrainTrace.open(AppPaths.resolve(tmp_path_factory.mktemp("hashes"))) as app:
        app.scan([portfolio])
        return app.works()


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def _coyo_corpus(path: Path, works: list[Work], seed: int = 1, rows: int = 20_000) -> None:
    """Random rows, plus planted copies (pHash within 0-6 bits of a work, URLs on the artist's domain and upload
    address, captions naming them) and look-alikes that must not match (a look-alike domain, a surname alone,
    pHashes 20 bits away)."""
    rng = random.Random(seed)
    phashes = [f"{rng.getrandbits(64):016x}" for _ in range(rows)]
    urls = [f"https://cdn{i % 13}.example.com/img/{i}.jpg" for i in range(rows)]
    texts = [f"a photo of a landscape number {i}" for i in range(rows)]
    plants = rng.sample(range(rows), 40)
    for n, row in enumerate(plants[:12]):
        phash = works[n % len(works)].phash
        assert phash is not None
        phashes[row] = f"{_flip(phash, n % 7 if n < 8 else 20, rng):016x}"
    urls[plants[12]] = "https://okonkwo-lindqvist.art/works/work-1.png"
    urls[plants[13]] = "https://WWW.Okonkwo-Lindqvist.art/about"
    urls[plants[14]] = "https://www.artstation.com/adaok/artwork/x1.jpg"
    urls[plants[15]] = "https://okonkwo-lindqvist.art.evil.net/work-1.png"
    urls[plants[16]] = "https://www.artstation.com/adaokafor/artwork/x1.jpg"
    texts[plants[17]] = "Harbour at dusk by Ada Okonkwo-Lindqvist, oil on canvas"
    texts[plants[18]] = "#AdaOkonkwoLindqvist new series"
    texts[plants[19]] = "commission for @ada.ok"
    texts[plants[20]] = "Okonkwo-Lindqvist family portrait"
    texts[plants[21]] = "ADA OKONKWO LINDQVIST — Studio"
    phashes[plants[22]] = None  # type: ignore[call-overload]
    phashes[plants[23]] = "not-a-hash"
    table = pa.table(
        {
            "id": pa.array(range(10_000, 10_000 + rows), pa.int64()),
            "url": urls,
            "text": texts,
            "width": pa.array([640] * rows, pa.int32()),
            "height": pa.array([480] * rows, pa.int32()),
            "image_phash": phashes,
        }
    )
    pq.write_table(table, path, row_group_size=6_000)


def _exact_scan(path: Path, works: list[Work], profile: Profile, max_distance: int) -> set[tuple[str, str]]:
    """(row id, kind) of every row the exact matchers accept, reading every row (originals' pHashes only: the
    planted copies are of the works themselves)."""
    table = pq.read_table(path).to_pylist()
    urls, text = UrlMatcher(profile), TextMatcher(profile)
    found = set()
    for row in table:
        row_id = str(row["id"])
        try:
            value = int(row["image_phash"], 16) if row["image_phash"] and len(row["image_phash"]) == 16 else None
        except ValueError:
            value = None
        if value is not None and any(bin(value ^ (w.phash or 0)).count("1") <= max_distance for w in works):
            found.add((row_id, "phash"))
        if urls.match(row["url"]):
            found.add((row_id, "url"))
        if text.find(row["text"]):
            found.add((row_id, "text"))
    return found


def _found(app: TrainTrace) -> set[tuple[str, str]]:
    return {(m.row_id, m.kind) for m in app.matches()}


@pytest.fixture
def corpus(tmp_path: Path, work_hashes: list[Work]) -> Path:
    path = tmp_path / "coyo-part.parquet"
    _coyo_corpus(path, work_hashes)
    return path


@pytest.fixture
def app(tmp_path: Path) -> Iterator[TrainTrace]:
    with TrainTrace.open(AppPaths.resolve(tmp_path / "home")) as opened:
        opened.set_profile(PROFILE)
        yield opened


def test_the_pass_finds_what_an_exact_scan_of_every_row_finds(
    app: TrainTrace, portfolio: Path, corpus: Path, work_hashes: list[Work]
) -> None:
    app.scan([portfolio])
    report = app.add_dataset("coyo-700m", sources=[str(corpus)])
    expected = _exact_scan(corpus, work_hashes, PROFILE, app.settings.matching.max_distance)
    assert {kind for _, kind in expected} == {"phash", "url", "text"} and len(expected) >= 14
    assert _found(app) == expected
    assert report.matches_found == len(expected) and report.hits_kept == len({row for row, _ in expected})
    info = app.dataset_info("coyo-700m")
    assert info.rows == 20_000 and info.null_hashes == 1 and info.bad_hashes == 1
    assert info.shards[0].bad_example == "'not-a-hash'"  # quoted, as printed


def test_adding_before_scanning_reads_the_matched_rows_back_and_finds_the_same(
    tmp_path: Path, app: TrainTrace, portfolio: Path, corpus: Path, work_hashes: list[Work]
) -> None:
    app.add_dataset("coyo-700m", sources=[str(corpus)])  # no works yet: no pHash row is kept
    before = app.dataset_info("coyo-700m").hits
    app.scan([portfolio])
    summary = app.run_matching()
    assert summary.datasets[0].problems == ()
    assert _found(app) == _exact_scan(corpus, work_hashes, PROFILE, app.settings.matching.max_distance)
    assert app.dataset_info("coyo-700m").hits > before


def test_a_changed_profile_streams_urls_and_captions_again(app: TrainTrace, corpus: Path) -> None:
    app.add_dataset("coyo-700m", sources=[str(corpus)])
    assert any(m.kind == "url" for m in app.matches())
    other = Profile(name="Juno Vale", domains=("example.com",))
    app.set_profile(other)
    app.run_matching()
    urls = {m.url for m in app.matches() if m.kind == "url"}
    assert urls and all(".example.com/" in (url or "") for url in urls), "the old profile's URL hits are gone"
    assert not any(m.kind == "text" for m in app.matches())


def test_a_modified_shard_is_reported_by_name_and_nothing_is_misattributed(
    app: TrainTrace, portfolio: Path, corpus: Path, work_hashes: list[Work]
) -> None:
    app.add_dataset("coyo-700m", sources=[str(corpus)])
    _coyo_corpus(corpus, work_hashes, seed=2)  # other rows at the same place
    os.utime(corpus, ns=(1, 1))
    app.scan([portfolio])
    summary = app.run_matching()
    (outcome,) = summary.datasets
    assert any("coyo-part.parquet" in problem and "phash" in problem for problem in outcome.problems)
    assert not any(m.kind == "phash" for m in app.matches())


def test_an_import_that_produced_nothing_exits_1_and_leaves_no_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(os.urandom(4096))
    home = tmp_path / "home"
    assert main(["--data-dir", str(home), "dataset", "add", "coyo-700m", "--from", str(garbage)]) == 1
    out = capsys.readouterr().out
    assert "nothing was imported" in out and "garbage.parquet" in out
    assert main(["--data-dir", str(home), "dataset", "list"]) == 0
    assert "No dataset added yet" in capsys.readouterr().out


def test_width_and_height_are_optional(app: TrainTrace, tmp_path: Path) -> None:
    path = tmp_path / "laion-part.parquet"
    urls = ["https://okonkwo-lindqvist.art/a.jpg", "https://example.com/b.jpg"]
    pq.write_table(pa.table({"SAMPLE_ID": [1, 2], "URL": urls, "TEXT": ["x", "y"]}), path)
    report = app.add_dataset("laion2b-en", sources=[str(path)])
    assert report.failed == () and report.shards_done == 1
    assert [(m.row_id, m.kind) for m in app.matches()] == [("1", "url")]


def test_a_dataset_in_the_old_format_is_converted_and_decisions_are_kept(app: TrainTrace, corpus: Path) -> None:
    app.add_dataset("coyo-700m", sources=[str(corpus)])
    kept = next(m for m in app.matches() if m.kind == "text")
    app.decide([kept.id], "confirmed", "mine")
    directory = app.paths.datasets_dir / "coyo-700m"
    _make_legacy(directory)
    info = app.dataset_info("coyo-700m")
    assert info.notice and "converted" in info.notice and not (directory / "rows.sqlite3").exists()
    assert info.rows == 20_000 and info.coverage == "full"
    app.run_matching()
    assert app.get_match(kept.id) is not None and app.get_match(kept.id).status == "confirmed"  # type: ignore[union-attr]
    assert any(m.kind == "url" for m in app.matches()), "URL matching read the shard again"


def _make_legacy(directory: Path) -> None:
    """Turn an added dataset into the pre-streaming layout: rows.sqlite3 with its shard table, no state file."""
    state = sqlite3.connect(directory / "state.sqlite3")
    shards = state.execute("SELECT seq, source, status, first_ordinal, rows, bytes, error, imported_at FROM shard")
    rows = shards.fetchall()
    state.close()
    for path in directory.glob("state.sqlite3*"):
        path.unlink()
    legacy = sqlite3.connect(directory / "rows.sqlite3")
    legacy.execute(
        "CREATE TABLE shard (seq INTEGER PRIMARY KEY, source TEXT, status TEXT, first_ordinal INTEGER, rows INTEGER,"
        " bytes INTEGER, error TEXT, imported_at TEXT)"
    )
    legacy.executemany("INSERT INTO shard VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    legacy.execute("CREATE TABLE row (ordinal INTEGER PRIMARY KEY, url TEXT, caption TEXT)")
    legacy.commit()
    legacy.close()


def test_a_phash_column_of_int64_values_is_matched(app: TrainTrace, portfolio: Path, tmp_path: Path) -> None:
    app.scan([portfolio])
    work = app.works()[0]
    assert work.phash is not None
    signed = np.array([work.phash], dtype=np.uint64).view(np.int64)
    path = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"id": [7, 8], "image_phash": pa.array([int(signed[0]), 12345], pa.int64())}), path)
    app.add_dataset("mine", sources=[str(path)], mappings={"row_id": "id", "phash": "image_phash"})
    assert [(m.row_id, m.kind, m.distance) for m in app.matches()] == [("7", "phash", 0)]


def test_a_column_that_holds_no_hashes_fails_its_shard_with_the_column_and_a_value(
    app: TrainTrace, tmp_path: Path
) -> None:
    path = tmp_path / "sizes.parquet"
    pq.write_table(pa.table({"id": [1, 2, 3], "image_phash": pa.array([0.5, 0.25, 0.125], pa.float64())}), path)
    report = app.add_dataset("mine", sources=[str(path)], mappings={"row_id": "id", "phash": "image_phash"})
    assert report.produced_nothing and not app.is_added("mine")
    ((shard, error),) = report.failed
    assert shard.endswith("sizes.parquet") and "image_phash" in error


def test_info_tells_the_index_state_and_a_wider_threshold_finds_what_an_exact_scan_finds(
    tmp_path: Path, app: TrainTrace, portfolio: Path, corpus: Path, work_hashes: list[Work],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    app.scan([portfolio])
    app.add_dataset("coyo-700m", sources=[str(corpus)])
    home = ["--data-dir", str(tmp_path / "home")]
    assert main([*home, "dataset", "info", "coyo-700m"]) == 0
    assert "stored unsorted" in capsys.readouterr().out.replace("\n", " ")
    app.run_matching(max_distance=12)  # wider than the pass searched: the stored hashes are streamed
    assert _found(app) == _exact_scan(corpus, work_hashes, PROFILE, 12)
    assert main([*home, "dataset", "index", "coyo-700m"]) == 0
    assert "pHash index built" in capsys.readouterr().out.replace("\n", " ")
    assert main([*home, "dataset", "info", "coyo-700m"]) == 0
    info = capsys.readouterr().out.replace("\n", " ")
    assert "pHash index built" in info and "unsorted" not in info
    app.run_matching(max_distance=10)
    assert _found(app) == _exact_scan(corpus, work_hashes, PROFILE, 10)


def test_a_missing_hash_run_names_a_command_that_reads_the_shards_again(
    tmp_path: Path, app: TrainTrace, portfolio: Path, corpus: Path, work_hashes: list[Work],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    app.scan([portfolio])
    app.add_dataset("coyo-700m", sources=[str(corpus)])
    runs = tmp_path / "home" / "datasets" / "coyo-700m" / "phash" / "runs"
    next(runs.glob("*.keys.npy")).unlink()
    (outcome,) = app.run_matching(max_distance=12).datasets  # wider than the pass searched: the runs are read
    assert outcome.error and "traintrace dataset add coyo-700m" in outcome.error
    home = ["--data-dir", str(tmp_path / "home")]
    assert main([*home, "dataset", "add", "coyo-700m"]) == 0  # the command the message names
    out = capsys.readouterr().out.replace("\n", " ")
    assert "already added" not in out and "rebuilt from all shards" in out
    (outcome,) = app.run_matching(max_distance=12).datasets
    assert not outcome.error and outcome.problems == ()
    assert _found(app) == _exact_scan(corpus, work_hashes, PROFILE, 12)


def test_a_run_file_cut_short_is_read_again_too(app: TrainTrace, corpus: Path, tmp_path: Path) -> None:
    app.add_dataset("coyo-700m", sources=[str(corpus)])
    runs = tmp_path / "home" / "datasets" / "coyo-700m" / "phash" / "runs"
    damaged = next(runs.glob("*.keys.npy"))
    damaged.write_bytes(damaged.read_bytes()[:-8])
    assert app.add_dataset("coyo-700m").rebuilt
    assert not app.add_dataset("coyo-700m").rebuilt, "once read again, the dataset is whole"


def test_the_url_and_caption_step_shows_only_when_rows_are_read_again(app: TrainTrace, corpus: Path) -> None:
    app.add_dataset("coyo-700m", sources=[str(corpus)])
    steps: list[str] = []
    app.run_matching(progress=Progress(lambda update: steps.append(update.step)))
    assert "URL and caption pass" not in steps and "Matching" in steps, "nothing is read again"
    app.set_profile(Profile(name="Juno Vale", domains=("example.com",)))
    steps.clear()
    app.run_matching(progress=Progress(lambda update: steps.append(update.step)))
    assert "URL and caption pass" in steps, "the changed profile's pass reads the shard again"
    steps.clear()
    app.set_profile(Profile())  # nothing to match URLs or captions with: the stale pass is settled unread
    app.run_matching(progress=Progress(lambda update: steps.append(update.step)))
    assert "URL and caption pass" not in steps
