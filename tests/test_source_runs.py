"""Source runs are records: each run of each source is stored (migration 7) and the evidence PDF lists them all."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.app import TrainTrace
from core.catalogue.migrations import LATEST_VERSION, MIGRATIONS, migrate
from core.paths import AppPaths
from core.profile import Profile


def test_migration_7_adds_the_source_run_table_and_keeps_the_works() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    migrate(db, {version: MIGRATIONS[version] for version in range(1, 7)})
    db.execute(
        "INSERT INTO work (path, size, mtime_ns, status, first_seen, scanned_at)"
        " VALUES ('/a.png', 1, 1, 'ok', 't', 't')"
    )
    assert migrate(db) == 6 and LATEST_VERSION >= 7
    assert db.execute("SELECT count(*) FROM work").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM source_run").fetchone() == (0,)


def test_a_source_that_found_nothing_is_recorded_and_listed_in_the_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAINTRACE_SPAWNING_TOKEN", "key-123")
    clock = lambda: datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # noqa: E731
    with TrainTrace.open(AppPaths.resolve(tmp_path / "home"), clock=clock) as app:
        app.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        (result,) = app.query_sources(["spawning"])
        assert result.status == "skipped"
        (run,) = app.source_runs()
        manifest = app.write_evidence_report(tmp_path / "evidence.pdf")
    assert (run.source, run.status, run.coverage, run.rows, run.requests) == ("spawning", "skipped", "none", 0, 0)
    assert run.plan == "(nothing sent)" and run.asked_at == "2026-12-06T03:00:00+00:00"
    assert "nothing to ask" in run.error
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(manifest.pdf_path).pages)
    assert "spawning" in text and "skipped" in text and "2026-12-06 03:00:00 UTC" in text
