"""The artist profile, stored as one JSON row in the catalogue."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from core.catalogue.db import query
from core.profile import Profile


class ProfileRepository:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def load(self) -> Profile:
        row = query(self._db, "SELECT data FROM profile WHERE id = 1").fetchone()
        if row is None:
            return Profile()
        return Profile.from_json(json.loads(row["data"]))

    def save(self, profile: Profile) -> None:
        data = json.dumps(dataclasses.asdict(profile), ensure_ascii=False)
        self._db.execute(
            "INSERT INTO profile (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data", (data,)
        )
