"""Catalogue storage: private file, numbered forward-only migrations, hashes round-trip as unsigned."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.catalogue.db import open_database
from core.catalogue.matches import FoundMatch, MatchRepository
from core.catalogue.migrations import LATEST_VERSION, MIGRATIONS, migrate, schema_version
from core.catalogue.works import WorkRepository, from_sql_int, to_sql_int
from core.errors import CatalogueError
from core.hashing import ImageFingerprint


def test_a_new_catalogue_is_private_and_at_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    db = open_database(path)
    assert schema_version(db) == LATEST_VERSION
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    assert sorted(MIGRATIONS) == list(range(1, LATEST_VERSION + 1))


def test_each_step_keeps_existing_user_data(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    migrate(db, {1: MIGRATIONS[1]})
    db.execute(
        "INSERT INTO work (path, size, mtime_ns, status, first_seen, scanned_at) VALUES ('a.png', 1, 2, 'ok', 't', 't')"
    )
    next_step = {**MIGRATIONS, LATEST_VERSION + 1: "ALTER TABLE work ADD COLUMN title TEXT;"}
    assert migrate(db, next_step) == 1
    assert db.execute("SELECT path, title FROM work").fetchall() == [("a.png", None)]
    assert schema_version(db) == LATEST_VERSION + 1


def test_a_failing_step_leaves_the_previous_version_intact(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    migrate(db)
    broken = {**MIGRATIONS, LATEST_VERSION + 1: "CREATE TABLE extra (x INTEGER);\nTHIS IS NOT SQL;"}
    with pytest.raises(CatalogueError, match=f"migration {LATEST_VERSION + 1}"):
        migrate(db, broken)
    assert schema_version(db) == LATEST_VERSION
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None


def test_a_newer_catalogue_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    db.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    with pytest.raises(CatalogueError, match="newer TrainTrace"):
        migrate(db)


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_unsigned_hashes_round_trip_through_sqlite_integers(value: int) -> None:
    stored = to_sql_int(value)
    assert stored is not None and -(2**63) <= stored < 2**63
    assert from_sql_int(stored) == value


def test_every_field_reads_back_from_its_own_column(tmp_path: Path) -> None:
    """Rows are mapped by column name: distinct values in every field come back in the same fields."""
    connection = open_database(tmp_path / "catalogue.sqlite3")
    try:
        works = WorkRepository(connection)
        fingerprint = ImageFingerprint("ab" * 32, 2**64 - 1, 2, 2**63, 4, 640, 480, "PNG", (("border-2-white", 7),))
        work_id = works.save_fingerprint("/p/a.png", 1234, 5678, fingerprint, "2026-11-26T12:00:00+00:00")
        work = works.get(work_id)
        assert work is not None
        assert (work.path, work.size, work.mtime_ns, work.sha256) == ("/p/a.png", 1234, 5678, "ab" * 32)
        assert (work.phash, work.dhash, work.whash, work.colorhash) == (2**64 - 1, 2, 2**63, 4)
        assert (work.width, work.height, work.format, work.status) == (640, 480, "PNG", "ok")
        assert works.variants([work_id]) == {work_id: {"border-2-white": 7}}
        found = FoundMatch(work_id, "coyo", "r1", "phash", 3, 0.9, "https://x.org/a.jpg", "cap", "ff" * 8,
                           "how", "full", "local index", "00" * 8)  # fmt: skip
        matches = MatchRepository(connection)
        matches.record([found], "2026-11-27T00:00:00+00:00")
        (match,) = matches.find()
        assert (match.work_id, match.work_path, match.work_sha256) == (work_id, "/p/a.png", "ab" * 32)
        assert (match.dataset, match.row_id, match.kind, match.distance, match.score) == ("coyo", "r1", "phash", 3, 0.9)
        assert (match.url, match.caption, match.published_hash, match.evidence) == ("https://x.org/a.jpg", "cap",
                                                                                     "ff" * 8, "how")  # fmt: skip
        assert (match.coverage, match.source, match.local_hash, match.status) == ("full", "local index", "00" * 8,
                                                                                  "candidate")  # fmt: skip
        assert match.found_at == "2026-11-27T00:00:00+00:00" and match.decided_at is None
    finally:
        connection.close()
