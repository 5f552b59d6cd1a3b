"""Opening the catalogue database: private file, WAL, durable commits, migrated schema."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from core.catalogue.migrations import migrate
from core.errors import CatalogueError


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating if needed, mode 0600) and migrate the catalogue at `path`.

    WAL with `synchronous=FULL`: every committed work survives Ctrl-C, `kill -9` and power loss, and readers
    (the GUI) never block the scanner. The connection is in autocommit mode; callers group writes with
    `transaction()`.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA foreign_keys=ON")
        migrate(connection)
    except sqlite3.Error as exc:
        raise CatalogueError(f"cannot open the catalogue {path}: {exc}") from exc
    return connection


def query(connection: sqlite3.Connection, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
    """Run `sql` on a cursor whose rows are `sqlite3.Row`s, so repositories read columns by name, never by
    position (a column added or reordered cannot shift values into the wrong field)."""
    cursor = connection.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Group writes atomically on an autocommit connection; rolls back on any error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
