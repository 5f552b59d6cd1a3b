"""Numbered, forward-only schema migrations.

The schema version lives in SQLite's `user_version`. Each migration runs in its own transaction together
with the version bump, so a crash mid-upgrade leaves the previous version intact. User data (works,
decisions) is never dropped: add a new numbered step, never edit a released one.
"""

from __future__ import annotations

import sqlite3

from core.errors import CatalogueError

MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE work (
            id          INTEGER PRIMARY KEY,
            path        TEXT NOT NULL UNIQUE,
            size        INTEGER NOT NULL,
            mtime_ns    INTEGER NOT NULL,
            sha256      TEXT,
            phash       INTEGER,
            dhash       INTEGER,
            whash       INTEGER,
            colorhash   INTEGER,
            width       INTEGER,
            height      INTEGER,
            format      TEXT,
            status      TEXT NOT NULL CHECK (status IN ('ok', 'unreadable')),
            reason      TEXT,
            reason_code TEXT,
            first_seen  TEXT NOT NULL,
            scanned_at  TEXT NOT NULL
        );
        CREATE INDEX work_sha256 ON work (sha256);
    """,
    2: """
        CREATE TABLE profile (
            id   INTEGER PRIMARY KEY CHECK (id = 1),
            data TEXT NOT NULL
        );
        CREATE TABLE match (
            id             INTEGER PRIMARY KEY,
            work_id        INTEGER REFERENCES work (id) ON DELETE SET NULL,
            dataset        TEXT NOT NULL,
            row_id         TEXT NOT NULL,
            kind           TEXT NOT NULL CHECK (kind IN ('sha256', 'phash', 'url', 'text', 'clip')),
            distance       INTEGER,
            score          REAL NOT NULL,
            url            TEXT,
            caption        TEXT,
            published_hash TEXT,
            evidence       TEXT NOT NULL,
            coverage       TEXT NOT NULL CHECK (coverage IN ('full', 'partial')),
            source         TEXT NOT NULL,
            found_at       TEXT NOT NULL,
            status         TEXT NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate', 'confirmed', 'rejected')),
            note           TEXT NOT NULL DEFAULT '',
            decided_at     TEXT
        );
        CREATE UNIQUE INDEX match_identity ON match (dataset, row_id, kind, IFNULL(work_id, 0));
        CREATE INDEX match_work ON match (work_id);
        CREATE INDEX match_status ON match (status);
    """,
    3: """
        CREATE TABLE work_variant (
            work_id INTEGER NOT NULL REFERENCES work (id) ON DELETE CASCADE,
            variant TEXT NOT NULL,
            phash   INTEGER NOT NULL,
            PRIMARY KEY (work_id, variant)
        );
    """,
    4: """
        CREATE TABLE url_optout (
            url        TEXT PRIMARY KEY,
            opted_out  INTEGER NOT NULL,
            opted_in   INTEGER NOT NULL,
            source     TEXT NOT NULL,
            checked_at TEXT NOT NULL
        );
        CREATE TABLE match_fetch (
            id          INTEGER PRIMARY KEY,
            match_id    INTEGER NOT NULL REFERENCES match (id) ON DELETE CASCADE,
            fetched_at  TEXT NOT NULL,
            final_url   TEXT NOT NULL,
            bytes       INTEGER NOT NULL,
            sha256      TEXT NOT NULL,
            phash       TEXT,
            distance    INTEGER,
            identical   INTEGER NOT NULL,
            error       TEXT
        );
    """,
    5: """
        CREATE TABLE generated (
            id         INTEGER PRIMARY KEY,
            kind       TEXT NOT NULL,
            path       TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
    """,
    6: """
        ALTER TABLE match ADD COLUMN local_hash TEXT;
    """,
    7: """
        CREATE TABLE source_run (
            id        INTEGER PRIMARY KEY,
            source    TEXT NOT NULL,
            asked_at  TEXT NOT NULL,
            plan      TEXT NOT NULL,
            status    TEXT NOT NULL CHECK (status IN ('ok', 'unavailable', 'skipped')),
            coverage  TEXT NOT NULL,
            rows      INTEGER NOT NULL,
            requests  INTEGER NOT NULL,
            error     TEXT NOT NULL
        );
        CREATE INDEX source_run_source ON source_run (source, id);
    """,
    8: """
        ALTER TABLE match ADD COLUMN variant TEXT;
        ALTER TABLE match ADD COLUMN published_width INTEGER;
        ALTER TABLE match ADD COLUMN published_height INTEGER;
        ALTER TABLE match ADD COLUMN shard TEXT;
        ALTER TABLE match ADD COLUMN shard_row INTEGER;
        ALTER TABLE match ADD COLUMN published TEXT;
    """,
    9: """
        ALTER TABLE work ADD COLUMN informative_bits INTEGER;
        ALTER TABLE work ADD COLUMN variant_set INTEGER NOT NULL DEFAULT 1;
    """,
}

LATEST_VERSION = max(MIGRATIONS)


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, migrations: dict[int, str] | None = None) -> int:
    """Bring the database to the latest version; return the version it had before."""
    steps = MIGRATIONS if migrations is None else migrations
    latest = max(steps)
    before = schema_version(connection)
    if before > latest:
        raise CatalogueError(
            f"the catalogue was written by a newer TrainTrace (schema {before}, this version knows {latest}); "
            "update TrainTrace"
        )
    for version in range(before + 1, latest + 1):
        _apply(connection, version, steps[version])
    return before


def _apply(connection: sqlite3.Connection, version: int, script: str) -> None:
    """Run one step and its version bump in one transaction (the connection is in autocommit mode)."""
    try:
        connection.execute("BEGIN IMMEDIATE")
        for statement in _statements(script):
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {version:d}")
        connection.execute("COMMIT")
    except sqlite3.Error as exc:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise CatalogueError(f"catalogue migration {version} failed: {exc}") from exc


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit outside our transaction)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
