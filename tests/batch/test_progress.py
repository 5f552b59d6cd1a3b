"""Per-shard progress from the tasks' events: a task rerun after a lost worker is counted once."""

from __future__ import annotations

from core.batch.runner import ShardRows


def test_a_rerun_task_replaces_the_lost_attempts_rows() -> None:
    rows = ShardRows()
    assert rows.update("a.parquet", "00001-0", "first", 4_000) == 4_000
    assert rows.update("a.parquet", "00001-1", "other", 1_000) == 5_000
    assert rows.update("a.parquet", "00001-0", "second", 500) == 1_500  # the worker died; the task starts again
    assert rows.update("a.parquet", "00001-0", "first", 6_000) == 1_500  # a late event of the lost attempt
    assert rows.update("a.parquet", "00001-0", "second", 3_000) == 4_000
    assert rows.finished("a.parquet", "00001-0", 8_000) == 9_000
    assert rows.update("a.parquet", "00001-0", "second", 7_000) == 9_000  # after the end: ignored
    assert rows.update("b.parquet", "00002", "third", 10) == 10
    assert rows.finished("a.parquet", "00001-1", 2_000) == 10_000
