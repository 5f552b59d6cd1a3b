"""The facade: the one entry point the CLI and the GUI call.

Plain methods that take a `Progress` (default: a silent one) and return immutable dataclasses. The object is
built by a composition root (`core.cli.main`, `gui.app`) from its dependencies; nothing here is global.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from core.catalogue.db import open_database
from core.catalogue.matches import Match, MatchRepository
from core.catalogue.profiles import ProfileRepository
from core.catalogue.works import Work, WorkRepository
from core.datasets.importer import ImportReport
from core.datasets.manager import DatasetInfo, DatasetManager
from core.errors import UsageError
from core.matching.service import MatchService, MatchSummary
from core.matching.urls import UrlMatcher
from core.net.http import HttpClient
from core.paths import AppPaths
from core.profile import Profile
from core.progress import Progress
from core.scanning.scanner import Scanner, ScanSummary
from core.secrets import SecretStore
from core.settings import Settings

HUB_TOKEN_ID = "huggingface"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class TrainTrace:
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

    @classmethod
    def open(cls, paths: AppPaths, clock: Clock = utc_now, secrets: SecretStore | None = None) -> TrainTrace:
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

    def __enter__(self) -> TrainTrace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scan(self, roots: Sequence[Path], progress: Progress | None = None) -> ScanSummary:
        """Fingerprint every image under `roots` into the catalogue; unchanged files are not read again."""
        if not roots:
            raise UsageError("nothing to scan: give at least one folder or image file")
        missing = [str(root) for root in roots if not Path(root).exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        scanner = Scanner(self._works, self.settings.scan, self._timestamp)
        return scanner.scan([Path(root) for root in roots], progress or Progress())

    def works(self) -> list[Work]:
        return self._works.all()

    def work(self, work_id: int) -> Work | None:
        return self._works.get(work_id)

    # --- the artist ---------------------------------------------------------------------------------
    def profile(self) -> Profile:
        return self._profiles.load()

    def set_profile(self, profile: Profile) -> Profile:
        """Validate (domains and URL prefixes must be usable for matching) and store the profile."""
        UrlMatcher(profile)  # raises UsageError naming a bad domain or URL prefix
        self._profiles.save(profile)
        return profile

    # --- datasets -----------------------------------------------------------------------------------
    def datasets(self) -> list[DatasetInfo]:
        return [self._datasets.info(dataset_id) for dataset_id in self._datasets.ids()]

    def dataset_info(self, dataset_id: str) -> DatasetInfo:
        return self._datasets.info(dataset_id)

    def add_dataset(
        self,
        dataset_id: str,
        *,
        schema: str | None = None,
        sources: Sequence[str] = (),
        mappings: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import (or resume importing) a dataset's shards into its local index."""
        return self._datasets.add(dataset_id, schema, sources, mappings or {}, progress or Progress())

    def remove_dataset(self, dataset_id: str) -> None:
        self._datasets.remove(dataset_id)

    def run_matching(self, max_distance: int | None = None, progress: Progress | None = None) -> MatchSummary:
        """Match every readable work and the profile against every added dataset; matches are stored."""
        distance = self.settings.matching.max_distance if max_distance is None else max_distance
        service = MatchService(self._works, self._matches, self._datasets, self._timestamp)
        return service.run(self.profile(), distance, progress or Progress())

    # --- review -------------------------------------------------------------------------------------
    def matches(self, status: str | None = None) -> list[Match]:
        return self._matches.find(status)

    def get_match(self, match_id: int) -> Match | None:
        return self._matches.get(match_id)

    def decide(self, match_ids: Sequence[int], status: str, note: str = "") -> list[Match]:
        """Record the user's verdict (confirmed / rejected / back to candidate) with time and note."""
        return self._matches.decide(match_ids, status, note, self._timestamp())

    def _timestamp(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds")
