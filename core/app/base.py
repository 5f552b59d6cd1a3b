"""The facade's state: the catalogue's repositories, the settings, the clock and the one HTTP client, and the
reads every part of the facade shares (profile, datasets, matches)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self

from core.catalogue.db import open_database
from core.catalogue.generated import GeneratedRepository
from core.catalogue.matches import FetchRepository, Match, MatchRepository
from core.catalogue.profiles import ProfileRepository
from core.catalogue.source_runs import SourceRunRepository
from core.catalogue.works import Work, WorkRepository
from core.datasets.manager import DatasetInfo, DatasetManager
from core.net.http import HttpClient
from core.paths import AppPaths
from core.profile import Profile
from core.secrets import SecretStore
from core.settings import Settings
from core.sources.service import RemoteService

HUB_TOKEN_ID = "huggingface"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class FacadeBase:
    def __init__(
        self,
        paths: AppPaths,
        settings: Settings,
        connection: sqlite3.Connection,
        clock: Clock,
        secrets: SecretStore,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self._db = connection
        self._clock = clock
        self._secrets = secrets
        self._http: HttpClient | None = None
        self._works = WorkRepository(connection)
        self._matches = MatchRepository(connection)
        self._profiles = ProfileRepository(connection)
        self._datasets = DatasetManager(
            paths.datasets_dir, self._http_client, self._timestamp, lambda: secrets.get(HUB_TOKEN_ID)
        )
        self._fetches = FetchRepository(connection)
        self._generated = GeneratedRepository(connection)
        self._source_runs = SourceRunRepository(connection)
        self._remote = RemoteService(lambda: self.settings.sources, secrets, self._http_client)

    @classmethod
    def open(cls, paths: AppPaths, clock: Clock = utc_now, secrets: SecretStore | None = None) -> Self:
        """Create the data folders if needed, load the settings and open (migrating) the catalogue."""
        paths.ensure()
        settings = Settings.load(paths.settings_file)
        return cls(paths, settings, open_database(paths.catalogue_file), clock, secrets or SecretStore())

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
        self._db.close()

    def _http_client(self) -> HttpClient:
        """The app's one HTTP client, created on first use (most sessions never touch the network)."""
        if self._http is None:
            self._http = HttpClient(cache_dir=self.paths.cache_dir / "http")
        return self._http

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def works(self) -> list[Work]:
        return self._works.all()

    def work(self, work_id: int) -> Work | None:
        return self._works.get(work_id)

    def profile(self) -> Profile:
        return self._profiles.load()

    def datasets(self) -> list[DatasetInfo]:
        return [self._datasets.info(dataset_id) for dataset_id in self._datasets.ids()]

    def matches(self, status: str | None = None) -> list[Match]:
        return self._matches.find(status)

    def get_match(self, match_id: int) -> Match | None:
        return self._matches.get(match_id)

    def _timestamp(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds")
