"""Run files give back exactly the keys and ordinals written, whichever way the ordinals were stored (as they
are, or as a span less its missing ordinals), piece by piece, and a damaged run is found."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.index.runs as runs
from core.index.runs import RunStore


@st.composite
def _ordinals(draw: st.DrawFn) -> np.ndarray:
    """A row group's ordinals less some missing ones (dense, sparse, none missing), or any order."""
    count = draw(st.integers(1, 300))
    first = draw(st.integers(0, 1 << 40))
    if draw(st.booleans()):
        return np.array(draw(st.lists(st.integers(0, 1 << 40), min_size=count, max_size=count)), np.int64)
    span = count + draw(st.sampled_from([0, 1, count // 10, count // 8, count // 8 + 1, count]))
    kept = sorted(draw(st.permutations(range(span)))[:count])
    return first + np.array(kept, np.int64)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=st.lists(_ordinals(), min_size=1, max_size=4), piece=st.integers(1, 64))
def test_runs_read_back_what_was_written(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, chunks: list[np.ndarray], piece: int
) -> None:
    monkeypatch.setattr(runs, "READ_ROWS", piece)
    directory = tmp_path_factory.mktemp("runs")
    store = RunStore.open(directory, "sha256", np.uint8, 32)
    written = []
    for i, ordinals in enumerate(chunks):
        keys = np.random.default_rng(i).integers(0, 256, (len(ordinals), 32), dtype=np.uint8)
        store.add("sha256", keys, ordinals, chunk_id=str(i))
        written.append((keys, ordinals))
    assert store.unreadable() == []
    read = list(RunStore.read(directory, "sha256", np.uint8, 32).pieces(with_ordinals=True))
    keys = np.concatenate([k for k, _ in read])
    ordinals = np.concatenate([o for _, o in read if o is not None])
    assert np.array_equal(keys, np.concatenate([k for k, _ in written]))
    assert np.array_equal(ordinals, np.concatenate([o for _, o in written]))
    assert all(o is None for _, o in store.pieces(with_ordinals=False))
    assert np.array_equal(np.concatenate([k for k, _ in store.pieces(with_ordinals=False)]), keys)


def test_a_row_groups_ordinals_take_a_few_bytes_and_a_damaged_run_is_named(tmp_path: Path) -> None:
    store = RunStore.open(tmp_path, "phash", np.uint64, 1)
    ordinals = np.delete(np.arange(1_000, 101_000, dtype=np.int64), [5, 6, 70_000])  # three null hashes
    store.add("phash", np.arange(len(ordinals), dtype=np.uint64), ordinals, chunk_id="0:0")
    assert store.nbytes() < len(ordinals) * 8 + 1_000, "the keys, and the ordinals as a span less 3"
    assert store.unreadable() == []
    gaps = next((tmp_path / "runs").glob("*.gaps.npy"))
    gaps.unlink()
    assert store.unreadable() == [gaps.name]
    store.remove()
    assert not (tmp_path / "runs").exists()
