"""SHA-256 lookup: hits, misses, duplicates, prefix collisions, resume and the empty index."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from core.errors import UsageError
from core.index import sha_build
from core.index.sha_build import ShaIndexBuilder
from core.index.sha_index import ShaIndex


def digest(i: int) -> bytes:
    return hashlib.sha256(f"image {i}".encode()).digest()


def test_hits_misses_duplicates_and_prefix_collisions(tmp_path: Path) -> None:
    digests = [digest(i) for i in range(3000)]
    digests[2999] = digests[5]  # the same file listed twice
    digests[2998] = digests[7][:8] + bytes(24)  # same 8-byte prefix, different digest
    builder = ShaIndexBuilder(tmp_path)
    builder.add(digests[:1000], np.arange(1000), chunk_id="part-0")
    builder.add(np.frombuffer(b"".join(digests[1000:]), np.uint8).reshape(-1, 32), np.arange(1000, 3000), "part-1")
    assert builder.rows == 3000
    builder.finish()
    index = ShaIndex.open(tmp_path)
    queries = [digests[5], digest(10**6), digests[7], digests[2500], digests[7][:8] + b"\x01" * 24]
    query_idx, ordinals = index.lookup(queries)
    assert list(zip(query_idx.tolist(), ordinals.tolist(), strict=True)) == [(0, 5), (0, 2999), (2, 7), (3, 2500)]
    assert len(index.lookup([]).ordinals) == 0


def test_resume_and_reopen(tmp_path: Path) -> None:
    first = ShaIndexBuilder(tmp_path)
    first.add([digest(1), digest(2)], [10, 20], chunk_id="a")
    again = ShaIndexBuilder(tmp_path)
    assert again.completed_chunks == {"a"}
    again.add([digest(3)], [30], chunk_id="b")
    again.finish()
    assert ShaIndex.open(tmp_path).lookup([digest(3), digest(1)]).ordinals.tolist() == [30, 10]


def test_empty_index_and_bad_digests(tmp_path: Path) -> None:
    builder = ShaIndexBuilder(tmp_path)
    with pytest.raises(UsageError):
        builder.add([b"short"], [0])
    with pytest.raises(UsageError):
        builder.add([digest(1)], [0, 1])
    builder.finish()
    index = ShaIndex.open(tmp_path)
    assert index.rows == 0
    assert len(index.lookup([digest(1)]).query_idx) == 0


def test_finished_index_reopens_to_add_more(tmp_path: Path) -> None:
    first = ShaIndexBuilder(tmp_path)
    first.add([digest(1), digest(2)], [10, 20], chunk_id="a")
    first.finish()
    more = ShaIndexBuilder(tmp_path)
    assert more.completed_chunks == {"a"} and more.rows == 2
    more.add([digest(3)], [30], chunk_id="b")
    more.finish()
    assert ShaIndex.open(tmp_path).lookup([digest(1), digest(3)]).ordinals.tolist() == [10, 30]


def test_a_build_split_into_many_buckets_finds_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sha_build, "SLAB_ROWS", 50)
    digests = [digest(i) for i in range(2000)]
    digests[1999] = digests[3]
    builder = ShaIndexBuilder(tmp_path)
    for part in range(4):
        builder.add(digests[part * 500 : (part + 1) * 500], np.arange(part * 500, (part + 1) * 500), f"part-{part}")
    builder.finish()
    index = ShaIndex.open(tmp_path)
    query_idx, ordinals = index.lookup([digests[3], digests[1500], digest(10**7)])
    assert list(zip(query_idx.tolist(), ordinals.tolist(), strict=True)) == [(0, 3), (0, 1999), (1, 1500)]
    assert index.rows == 2000 and not (tmp_path / "scratch").exists()
