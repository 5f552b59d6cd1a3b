"""Every known dataset offered with what adding it takes, without the network (the app's set-up guide)."""

from __future__ import annotations

from pathlib import Path

from core.app import TrainTrace
from core.datasets.descriptors import builtin_descriptors
from core.datasets.planning import PHASH_RUN_BYTES, STATE_BYTES
from core.paths import AppPaths
from core.resources import sample_datasets


def test_known_datasets_have_rows_and_disk_offline_and_added_ones_say_so(tmp_path: Path) -> None:
    app = TrainTrace.open(AppPaths.resolve(tmp_path / "home"))
    known = {item.id: item for item in app.known_datasets()}
    assert set(builtin_descriptors()) <= set(known)
    coyo = known["coyo-700m"].plan
    assert coyo.rows == 746_972_269 and coyo.read_bytes is None and "network" in (coyo.read_error or "")
    assert coyo.disk_bytes == STATE_BYTES + coyo.rows * PHASH_RUN_BYTES and coyo.free_bytes > 0
    assert known["coyo-700m"].added is None
    dataset_id, schema, file = sample_datasets()[0]
    app.add_dataset(dataset_id, schema=schema, sources=[str(file)])
    added = {item.id: item for item in app.known_datasets()}[dataset_id]
    assert added.added is not None and added.added.rows == 3000
    app.close()
