"""Works added later, a wider threshold, a resumed or extended import, the index built or not: the pHash and
SHA-256 pairs of a dataset are always exactly those a fresh pass over every row finds (`hash_lookup`)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.datasets.hash_pairs import PHASH
from core.datasets.manager import DatasetManager
from core.datasets.store import DatasetStore
from core.errors import Cancelled
from core.index.runs import IndexFormatError
from core.matching import scoring
from core.matching.hash_lookup import phash_matches, sha_matches
from core.matching.importer import DatasetImporter
from core.matching.records import WorkQuery
from core.matching.scoring import query_radii, within_reach
from core.matching.service import _portfolio
from core.matching.shard_pass import PortfolioQueries, ShardPass
from core.net.http import HttpClient
from core.profile import Profile
from core.progress import Progress, ProgressUpdate

ROWS = 2_500


def _no_client() -> HttpClient:
    raise AssertionError("a local import must not touch the network")


def _shard(path: Path, rng: random.Random, pool: list[int], digests: list[bytes]) -> None:
    """COYO- and DataComp-like rows: random pHashes, copies of `pool` values 0-14 bits away, nulls and junk; random
    digests with some of `digests` planted."""
    phashes: list[str | None] = []
    shas: list[str | None] = []
    for _ in range(ROWS):
        if rng.random() < 0.08:
            value = rng.choice(pool)
            for bit in rng.sample(range(64), rng.randint(0, 14)):
                value ^= 1 << bit
            phashes.append(f"{value:016x}")
        else:
            phashes.append(rng.choice([None, "zz", f"{rng.getrandbits(64):016x}"]) if rng.random() < 0.01 else
                           f"{rng.getrandbits(64):016x}")  # fmt: skip
        shas.append(rng.choice(digests).hex() if rng.random() < 0.02 else rng.randbytes(32).hex())
    table = pa.table({"id": list(range(ROWS)), "image_phash": phashes, "sha256": shas})
    pq.write_table(table, path, row_group_size=ROWS // 4)


def _queries(rng: random.Random, pool: list[int], digests: list[bytes], count: int) -> tuple[list[int], list[bytes]]:
    phashes = rng.sample(pool, count) + [rng.getrandbits(64) for _ in range(2)]
    return phashes, rng.sample(digests, min(count, len(digests)))


def _add(
    manager: DatasetManager, sources: list[str], phashes: list[int], digests: list[bytes], radius: int,
    progress: Progress | None = None,
) -> None:  # fmt: skip
    store = manager.prepare("mine", None, sources, {"row_id": "id", "phash": "image_phash", "sha256": "sha256"})
    try:
        queries = PortfolioQueries(
            np.array(phashes, np.uint64), np.frombuffer(b"".join(digests), np.uint8).reshape(-1, 32), radius
        )
        shard_pass = ShardPass(store.descriptor.kinds, queries, Profile())
        DatasetImporter(manager.opener, shard_pass, "fingerprint", lambda: "t").run(store, progress or Progress())
    finally:
        store.close()


def _every_row(store: DatasetStore) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[bytes | None]]:
    """(ordinal, pHash, pHash valid, digest) of every imported row, read straight from the shards."""
    ordinals, values, valid, digests = [], [], [], []
    for shard in store.shards():
        assert shard.status == "done" and shard.first_ordinal is not None
        table = pq.read_table(shard.source).to_pylist()
        for position, row in enumerate(table):
            ordinals.append(shard.first_ordinal + position)
            text = row["image_phash"]
            ok = isinstance(text, str) and len(text) == 16 and all(c in "0123456789abcdef" for c in text)
            values.append(int(text, 16) if ok else 0)
            valid.append(ok)
            digests.append(bytes.fromhex(row["sha256"]))
    return np.array(ordinals), np.array(values, np.uint64), np.array(valid), digests


def _fresh_phash(rows: tuple[np.ndarray, np.ndarray, np.ndarray, list[bytes | None]], queries: np.ndarray,
                 radius: int) -> set[tuple[int, int, int]]:  # fmt: skip
    ordinals, values, valid, _ = rows
    found = set()
    for index, query in enumerate(queries.tolist()):
        distances = np.bitwise_count(values ^ np.uint64(query))
        for at in np.flatnonzero((distances <= radius) & valid).tolist():
            found.add((index, int(ordinals[at]), int(distances[at])))
    return found


def _check(store: DatasetStore, queries: np.ndarray, radius: int, digests: list[bytes]) -> None:
    rows = _every_row(store)
    result = phash_matches(store, queries, radius, Progress())
    got = set(zip(result.query_idx.tolist(), result.ordinals.tolist(), result.distances.tolist(), strict=True))
    assert got == _fresh_phash(rows, queries, radius)
    assert len(got) == len(result.query_idx), "no pair twice"
    matrix = np.frombuffer(b"".join(digests), np.uint8).reshape(-1, 32)
    sha = sha_matches(store, matrix, Progress())
    expected = {(q, int(rows[0][at])) for q, digest in enumerate(digests) for at, row in enumerate(rows[3])
                if row == digest}  # fmt: skip
    assert set(zip(sha.query_idx.tolist(), sha.ordinals.tolist(), strict=True)) == expected


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    first_radius=st.integers(0, 10),
    later_radius=st.integers(0, 12),
    build_when=st.sampled_from(["never", "before", "after"]),
    interrupt=st.booleans(),
)
def test_later_searches_equal_a_fresh_pass(
    tmp_path_factory: object, seed: int, first_radius: int, later_radius: int, build_when: str, interrupt: bool
) -> None:
    tmp_path = Path(tmp_path_factory.mktemp("lookup"))  # type: ignore[attr-defined]
    rng = random.Random(seed)
    pool = [rng.getrandbits(64) for _ in range(40)]
    digests = [rng.randbytes(32) for _ in range(12)]
    for name in ("a", "b", "c"):
        _shard(tmp_path / f"{name}.parquet", rng, pool, digests)
    manager = DatasetManager(tmp_path / "datasets", _no_client, lambda: "t", lambda: None)
    first = _queries(rng, pool, digests, 10)
    sources = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    if interrupt:  # cancelled after a row group, resumed with another portfolio (it covers only what both searched)

        def stop(update: ProgressUpdate) -> None:
            if "rows" in update.detail:
                cancelling.cancel()

        cancelling = Progress(stop)
        try:
            _add(manager, sources, *first, first_radius, progress=cancelling)
        except Cancelled:
            pass
        first = _queries(rng, pool, digests, 10)
    _add(manager, sources, *first, first_radius)
    if build_when == "before":
        manager.build_index("mine", Progress())
    later = _queries(rng, pool, digests, 6)
    _add(manager, [str(tmp_path / "c.parquet")], *later, later_radius)  # a shard added later, another portfolio
    if build_when == "after":
        manager.build_index("mine", Progress())
    everything = np.array(first[0] + later[0] + [rng.choice(pool)], np.uint64)  # works added later, duplicates
    store = manager.open("mine")
    try:
        for radius in (first_radius, later_radius, 12):
            _check(store, everything, radius, first[1] + later[1] + [digests[0]])
        _check(store, everything, later_radius, first[1])  # the same again: answered from what was recorded
    finally:
        store.close()


def test_a_stream_over_the_runs_is_recorded_and_not_repeated(tmp_path: Path) -> None:
    rng = random.Random(3)
    pool = [rng.getrandbits(64) for _ in range(20)]
    digests = [rng.randbytes(32) for _ in range(4)]
    _shard(tmp_path / "a.parquet", rng, pool, digests)
    manager = DatasetManager(tmp_path / "datasets", _no_client, lambda: "t", lambda: None)
    _add(manager, [str(tmp_path / "a.parquet")], pool[:5], digests[:1], 8)
    store = manager.open("mine")
    streamed: list[str] = []
    progress = Progress(lambda update: streamed.append(update.detail) if "streaming" in update.detail else None)
    queries = np.array(pool, np.uint64)
    phash_matches(store, queries, 8, progress)
    assert any("pHash" in detail for detail in streamed), "works added later streamed the stored hashes"
    streamed.clear()
    again = phash_matches(store, queries, 8, progress)
    assert not streamed, "their pairs were recorded: the same search does not stream again"
    _check(store, queries, 8, digests)
    assert len(again.query_idx)
    store.close()


def test_a_missing_run_file_is_an_index_error_never_an_empty_search(tmp_path: Path) -> None:
    rng = random.Random(4)
    pool = [rng.getrandbits(64) for _ in range(5)]
    _shard(tmp_path / "a.parquet", rng, pool, [rng.randbytes(32)])
    manager = DatasetManager(tmp_path / "datasets", _no_client, lambda: "t", lambda: None)
    _add(manager, [str(tmp_path / "a.parquet")], [], [], 8)
    store = manager.open("mine")
    next((store.phash_dir / "runs").glob("*.keys.npy")).unlink()
    with pytest.raises(IndexFormatError, match="cannot be read"):
        phash_matches(store, np.array(pool, np.uint64), 8, Progress())
    store.close()


VARIANT_POOL = ["original", "flattened", "border-2-white", "crop-5", "crop-right-10", "mirror", "pad-1x1-white"]


def _work_queries(rng: random.Random, pool: list[int], first_id: int, count: int) -> list[WorkQuery]:
    """Works whose variants take values from `pool` (so several works and variants share a value)."""
    works = []
    for index in range(count):
        variants = rng.sample(VARIANT_POOL[1:], rng.randint(0, len(VARIANT_POOL) - 1))
        phashes = tuple((variant, rng.choice(pool)) for variant in ["original", *variants])
        works.append(WorkQuery(first_id + index, f"w{first_id + index}.png", "00" * 32, phashes, (300, 200), 60))
    return works


def _reach_pairs(rows: tuple[np.ndarray, np.ndarray, np.ndarray, list[bytes | None]], works: list[WorkQuery],
                 threshold: int) -> set[tuple[int, str, int, int]]:  # fmt: skip
    """(work, variant, row, distance) of every pair the acceptance rule may accept for some row size."""
    ordinals, values, valid, _ = rows
    found = set()
    for work in works:
        for variant, value in work.phashes:
            distances = np.bitwise_count(values ^ np.uint64(value))
            for at in np.flatnonzero(valid).tolist():
                if within_reach(int(distances[at]), variant, threshold):
                    found.add((work.work_id, variant, int(ordinals[at]), int(distances[at])))
    return found


def _looked_up(store: DatasetStore, works: list[WorkQuery], threshold: int,
               progress: Progress) -> set[tuple[int, str, int, int]]:  # fmt: skip
    """What matching asks of the dataset, as `engine._by_phash` asks it: (work, variant, row, distance)."""
    owners = [(work.work_id, variant, value) for work in works for variant, value in work.phashes]
    queries = np.array([value for _, _, value in owners], np.uint64)
    values, radii = query_radii(((variant, value) for _, variant, value in owners), threshold)
    result = phash_matches(store, queries, radii[np.searchsorted(values, queries)], progress)
    pairs = zip(result.query_idx.tolist(), result.ordinals.tolist(), result.distances.tolist(), strict=True)
    return {(owners[q][0], owners[q][1], o, d) for q, o, d in pairs}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    threshold=st.integers(0, 12),
    later_threshold=st.integers(0, 12),
    margins=st.dictionaries(st.sampled_from(VARIANT_POOL), st.integers(-3, 3)),
    build=st.booleans(),
)
def test_the_pass_and_later_lookups_find_every_pair_within_each_variants_reach(
    tmp_path_factory: object, seed: int, threshold: int, later_threshold: int, margins: dict[str, int], build: bool
) -> None:
    """Each query pHash is searched only as far as its variants can be accepted (`scoring.query_radii`); whatever
    the margins (negative ones too: searched wider than the threshold), the pass, its stored pairs and covers and
    every later look-up find each (variant, row) pair within the variant's reach, and a cover never claims a
    radius the pass did not search: every row within it of each of its queries is among the stored pairs."""
    tmp_path = Path(tmp_path_factory.mktemp("reach"))  # type: ignore[attr-defined]
    rng = random.Random(seed)
    pool = [rng.getrandbits(64) for _ in range(12)]
    for name in ("a", "b"):
        _shard(tmp_path / f"{name}.parquet", rng, pool, [rng.randbytes(32)])
    sources = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    manager = DatasetManager(tmp_path / "datasets", _no_client, lambda: "t", lambda: None)
    works = _work_queries(rng, pool, 1, 4)
    with pytest.MonkeyPatch.context() as patch:
        original_margin = scoring.margin
        patch.setattr(scoring, "margin", lambda variant: margins.get(variant, original_margin(variant)))
        store = manager.prepare("mine", None, sources, {"row_id": "id", "phash": "image_phash", "sha256": "sha256"})
        try:
            shard_pass = ShardPass(store.descriptor.kinds, _portfolio(works, threshold), Profile())
            DatasetImporter(manager.opener, shard_pass, "fingerprint", lambda: "t").run(store, Progress())
        finally:
            store.close()
        store = manager.open("mine")
        try:
            rows = _every_row(store)
            ordinals, values, valid, _ = rows
            stored = set(zip(*[array.tolist() for array in store.pairs.phash_pairs(64)], strict=True))
            for covers in store.pairs.complete_covers(PHASH).values():
                for cover in covers:
                    for value in cover.phashes().tolist():
                        distances = np.bitwise_count(values ^ np.uint64(value))
                        within = np.flatnonzero(valid & (distances <= cover.radius))
                        assert {(value, int(ordinals[at]), int(distances[at])) for at in within} <= stored
            streamed: list[str] = []
            watching = Progress(lambda update: streamed.append(update.detail) if "streaming" in update.detail else None)
            assert _looked_up(store, works, threshold, watching) >= _reach_pairs(rows, works, threshold)
            assert not streamed, "the pass's covers answer its own works at its own threshold"
            if build:
                store.close()
                manager.build_index("mine", Progress())
                store = manager.open("mine")
            everyone = works + _work_queries(rng, pool + [rng.getrandbits(64)], 10, 2)  # works added later
            for limit in (later_threshold, later_threshold, threshold):  # twice: the second from what was recorded
                assert _looked_up(store, everyone, limit, Progress()) >= _reach_pairs(rows, everyone, limit)
        finally:
            store.close()


def test_covers_stored_before_per_query_radii_still_answer_every_query(tmp_path: Path) -> None:
    """A dataset added before per-query radii has one cover per shard at the threshold (what a pass without radii
    stores): it is at least every radius a query needs at that threshold, so matching answers from the stored
    pairs without reading the hashes again, and finds every pair within each variant's reach (no migration)."""
    rng = random.Random(5)
    pool = [rng.getrandbits(64) for _ in range(12)]
    _shard(tmp_path / "a.parquet", rng, pool, [rng.randbytes(32)])
    manager = DatasetManager(tmp_path / "datasets", _no_client, lambda: "t", lambda: None)
    works = _work_queries(rng, pool, 1, 6)
    _add(manager, [str(tmp_path / "a.parquet")], [value for work in works for _, value in work.phashes], [], 8)
    store = manager.open("mine")
    try:
        assert {cover.radius for covers in store.pairs.complete_covers(PHASH).values() for cover in covers} == {8}
        streamed: list[str] = []
        watching = Progress(lambda update: streamed.append(update.detail) if "streaming" in update.detail else None)
        assert _looked_up(store, works, 8, watching) >= _reach_pairs(_every_row(store), works, 8)
        assert not streamed
    finally:
        store.close()
