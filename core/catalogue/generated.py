"""Every opt-out pack file and evidence report TrainTrace wrote, with the SHA-256 of what was written."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from core.catalogue.db import query, transaction


@dataclass(frozen=True)
class GeneratedRecord:
    kind: str  # site-files, tagged-copy, letter, evidence-pdf, manifest, ...
    path: str
    sha256: str
    created_at: str


class GeneratedRepository:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def record(self, kind: str, files: Iterable[tuple[str, str]], now: str) -> None:
        """`files` are (path, sha256) pairs."""
        with transaction(self._db):
            self._db.executemany(
                "INSERT INTO generated (kind, path, sha256, created_at) VALUES (?, ?, ?, ?)",
                [(kind, path, sha256, now) for path, sha256 in files],
            )

    def hashes_for(self, *paths: str) -> set[str]:
        """The SHA-256 of every file recorded as written at any of `paths` (one file, spelt several ways)."""
        if not paths:
            return set()
        marks = ", ".join("?" for _ in paths)
        rows = self._db.execute(f"SELECT DISTINCT sha256 FROM generated WHERE path IN ({marks})", paths)
        return {row[0] for row in rows}

    def history(self) -> list[GeneratedRecord]:
        rows = query(self._db, "SELECT kind, path, sha256, created_at FROM generated ORDER BY id")
        return [
            GeneratedRecord(kind=row["kind"], path=row["path"], sha256=row["sha256"], created_at=row["created_at"])
            for row in rows
        ]
