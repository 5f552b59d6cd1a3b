"""A scanned portfolio, its hash list, and generated shards with planted copies, for the batch tests."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.app import TrainTrace
from core.catalogue.works import Work
from core.paths import AppPaths
from core.profile import Profile
from tests.imagefactory import pattern, save

PROFILE = Profile(
    name="Ada Okonkwo-Lindqvist",
    aliases=("Studio Okonkwo-Lindqvist",),
    handles=("@ada.ok",),
    domains=("okonkwo-lindqvist.art",),
    url_prefixes=("https://www.artstation.com/adaok/",),
    email="ada@private.example",
)
OWNER = "member-0042"


@dataclass(frozen=True)
class Portfolio:
    folder: Path
    home: Path
    works: list[Work]
    hash_list: Path


@pytest.fixture(scope="session")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Portfolio:
    folder = tmp_path_factory.mktemp("ada-private-folder") / "Series Harbour" / "finals"
    folder.mkdir(parents=True)
    for seed in range(4):
        save(pattern(320, 240, seed=seed * 7 + 1), folder / f"work-{seed}.png")
    home = tmp_path_factory.mktemp("home")
    export = tmp_path_factory.mktemp("export") / "hashes.parquet"
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        app.set_profile(PROFILE)
        app.scan([folder])
        app.export_hashes(export, OWNER)
        return Portfolio(folder, home, app.works(), export)


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def coyo_shard(path: Path, works: list[Work], seed: int, rows: int = 9_000, first_id: int = 0) -> Path:
    """Random rows with planted copies (pHash within 0-6 bits of a work or a variant), URLs and captions that
    name the artist, and look-alikes that must not match."""
    rng = random.Random(seed)
    phashes: list[str | None] = [f"{rng.getrandbits(64):016x}" for _ in range(rows)]
    urls = [f"https://cdn{i % 13}.example.com/img/{i}.jpg" for i in range(rows)]
    texts = [f"a photo of a landscape number {i}" for i in range(rows)]
    plants = rng.sample(range(rows), 30)
    for n, row in enumerate(plants[:10]):
        phash = works[n % len(works)].phash
        assert phash is not None
        phashes[row] = f"{_flip(phash, n % 7 if n < 8 else 20, rng):016x}"
    urls[plants[12]] = "https://okonkwo-lindqvist.art/works/work-1.png"
    urls[plants[13]] = "https://WWW.Okonkwo-Lindqvist.art/about"
    urls[plants[14]] = "https://www.artstation.com/adaok/artwork/x1.jpg"
    urls[plants[15]] = "https://okonkwo-lindqvist.art.evil.net/work-1.png"
    texts[plants[17]] = "Harbour at dusk by Ada Okonkwo-Lindqvist, oil on canvas"
    texts[plants[18]] = "#AdaOkonkwoLindqvist new series"
    texts[plants[20]] = "Okonkwo-Lindqvist family portrait"
    phashes[plants[22]] = None
    phashes[plants[23]] = "not-a-hash"
    table = pa.table(
        {
            "id": pa.array(range(first_id, first_id + rows), pa.int64()),
            "url": urls,
            "text": texts,
            "width": pa.array([640] * rows, pa.int32()),
            "height": pa.array([480] * rows, pa.int32()),
            "image_phash": phashes,
        }
    )
    pq.write_table(table, path, row_group_size=3_000)
    return path


@pytest.fixture(scope="session")
def shards(portfolio: Portfolio, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("coyo")
    return [coyo_shard(folder / f"part-{n}.parquet", portfolio.works, seed=n, first_id=n * 100_000) for n in range(3)]


def corrupt_shard(folder: Path) -> Path:
    bad = folder / "part-bad.parquet"
    bad.write_bytes(b"PAR1" + os.urandom(2048))
    return bad


@pytest.fixture(scope="session")
def local_matches(portfolio: Portfolio, shards: list[Path], tmp_path_factory: pytest.TempPathFactory) -> set[tuple]:
    """The local path's matches (dataset add + matching) for the same portfolio, as comparable tuples."""
    home = tmp_path_factory.mktemp("local")
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        app.set_profile(PROFILE)
        app.scan([portfolio.folder])
        app.add_dataset("coyo-700m", sources=[str(s) for s in shards])
        return {
            (os.path.basename(m.work_path) if m.work_path else None, m.dataset, m.row_id, m.kind, m.distance, m.score,
             m.url, m.caption, m.published_hash, m.local_hash, m.evidence, m.coverage)
            for m in app.matches()
        }  # fmt: skip


def comparable(table: pa.Table) -> set[tuple]:
    fields = ("work", "dataset", "row_id", "kind", "distance", "score", "url", "text", "published_hash",
              "local_hash", "evidence", "coverage")  # fmt: skip
    return {tuple(row[f] for f in fields) for row in table.to_pylist()}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"
