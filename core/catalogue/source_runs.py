"""Every run of every remote source, kept as evidence: when it was asked, what was sent (the plan's summary),
how it answered (status, coverage, rows returned, error). "Asked, nothing found" is a record too."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from core.catalogue.db import query


@dataclass(frozen=True)
class SourceRun:
    source: str
    asked_at: str
    plan: str  # what was sent, one line a request (method, host, purpose, body summary); never a credential
    status: str  # ok | unavailable | skipped
    coverage: str  # full | partial | none (nothing asked)
    rows: int  # dataset rows and registry entries returned
    requests: int
    error: str
    id: int = 0


class SourceRunRepository:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def record(self, run: SourceRun) -> SourceRun:
        cursor = self._db.execute(
            "INSERT INTO source_run (source, asked_at, plan, status, coverage, rows, requests, error)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (run.source, run.asked_at, run.plan, run.status, run.coverage, run.rows, run.requests, run.error),
        )
        return SourceRun(**{**run.__dict__, "id": int(cursor.lastrowid or 0)})

    def history(self) -> list[SourceRun]:
        """Every run, oldest first."""
        rows = query(self._db, "SELECT * FROM source_run ORDER BY id")
        return [SourceRun(**{key: row[key] for key in row.keys()}) for row in rows]
