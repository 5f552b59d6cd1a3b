"""Where TrainTrace keeps its files.

By default the platform's user data, config and cache directories (platformdirs). The `TRAINTRACE_HOME`
environment variable or the CLI's `--data-dir` put everything under one folder instead, so scripts, tests
and the demo stay isolated from the user's real catalogue.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from core import APP_NAME
from core.errors import TrainTraceError

HOME_ENV = "TRAINTRACE_HOME"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    cache_dir: Path

    @classmethod
    def resolve(cls, data_dir: Path | str | None = None) -> AppPaths:
        """`data_dir` (from --data-dir) wins over $TRAINTRACE_HOME, which wins over the platform dirs."""
        root = data_dir if data_dir is not None else os.environ.get(HOME_ENV) or None
        if root is not None:
            base = Path(root).expanduser().absolute()
            return cls(data_dir=base, config_dir=base / "config", cache_dir=base / "cache")
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )

    @property
    def catalogue_file(self) -> Path:
        return self.data_dir / "catalogue.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir / "datasets"

    def for_demo(self) -> AppPaths:
        """A separate tree for `traintrace demo`, so the sample never mixes with the user's own works."""
        demo = self.data_dir / "demo"
        return AppPaths(data_dir=demo, config_dir=demo / "config", cache_dir=demo / "cache")

    def ensure(self) -> None:
        """Create the directories, private to the user (0700)."""
        for directory in (self.data_dir, self.config_dir, self.cache_dir):
            try:
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise TrainTraceError(f"cannot create the folder {directory}: {exc.strerror or exc}") from exc
