"""A pHash match remembers the variant of the work that matched and the size the dataset row publishes, so the
app can draw what the row says (the work letterboxed, bordered or cropped that way, in the published shape)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.catalogue.db import open_database
from core.catalogue.matches import MatchRepository
from core.cli.main import main
from core.datasets.descriptors import builtin_descriptors
from core.datasets.store import DatasetRow
from core.matching.records import MatchRecords, WorkQuery
from core.paths import AppPaths


def test_a_variant_match_keeps_its_variant_and_the_published_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = MatchRecords(builtin_descriptors()["coyo-700m"], "full", "local index")
    work = WorkQuery(7, "harbour.jpg", "ab" * 32, (("original", 1), ("bars-tb-8-black", 3)), (640, 427))
    row = DatasetRow(0, "part-0.parquet", 12, "1480687279810", "https://x.example/a.jpg", "harbour", 2, None, 640, 515)
    (found,) = records.phash({(7, 0): (1, "bars-tb-8-black", 3)}, {7: work}, {0: row})
    assert (found.variant, found.published_width, found.published_height) == ("bars-tb-8-black", 640, 515)
    paths = AppPaths.resolve(tmp_path)
    paths.ensure()
    connection = open_database(paths.catalogue_file)
    try:
        connection.execute(
            "INSERT INTO work (id, path, size, mtime_ns, status, first_seen, scanned_at)"
            " VALUES (7, '/art/harbour.jpg', 1, 1, 'ok', 't', 't')"
        )
        repository = MatchRepository(connection)
        repository.record([found], "2026-12-06T10:00:00+00:00")
        (stored,) = repository.find()
        assert stored.variant == "bars-tb-8-black" and stored.published_size == (640, 515)
        assert main(["--data-dir", str(tmp_path), "matches", "show", str(stored.id)]) == 0
        shown = capsys.readouterr().out
        assert "how close: nearly identical, with black bars above and below (8 % each)" in shown
        assert "the row publishes 640 x 515 pixels" in shown
        repository.record([dataclasses.replace(found, published_width=None)], "2026-12-06T11:00:00+00:00")
        assert repository.find()[0].published_size is None  # a row without a size is never drawn with a made-up one
    finally:
        connection.close()
