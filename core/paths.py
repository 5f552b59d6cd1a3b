"""Where TrainTrace keeps its files.

By default the platform's user data, config and cache directories (platformdirs). The `TRAINTRACE_HOME`
environment variable or the CLI's `--data-dir` put everything under one folder instead, so scripts, tests
and the demo stay isolated from the user's real catalogue.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from core import APP_NAME
from core.errors import TrainTraceError

DEMO_DIR = "demo"

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
        """A separate tree for `traintrace demo`, so the sample never mixes with the user's own works; one per
        installed copy of the samples, which the demo catalogue references by path (a demo built by another copy,
        another checkout or a moved bundle, would otherwise list the sample datasets and works twice)."""
        from core.resources import sample_portfolio_dir

        install = hashlib.sha256(str(sample_portfolio_dir().resolve()).encode("utf-8")).hexdigest()[:12]
        demo = self.data_dir / DEMO_DIR / install
        return AppPaths(data_dir=demo, config_dir=demo / "config", cache_dir=demo / "cache")

    @property
    def is_demo(self) -> bool:
        return self.data_dir.parent.name == DEMO_DIR

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def ensure(self) -> None:
        """Create the directories, private to the user (0700), whoever asks first (the CLI, the app, the demo)."""
        for directory in (self.data_dir, self.config_dir, self.cache_dir, self.datasets_dir):
            make_private_dirs(directory)


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private_dirs(directory: Path) -> None:
    """Create `directory` and every missing folder above it with mode 0700 (whatever the umask says).

    Folders that already exist are left as they are: the user may have chosen their permissions.
    """
    missing: list[Path] = []
    current = Path(directory).absolute()
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    try:
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=PRIVATE_DIR_MODE)
            except FileExistsError:
                continue  # created meanwhile by another process
            os.chmod(folder, PRIVATE_DIR_MODE)
        if not Path(directory).is_dir():
            raise NotADirectoryError(0, "not a folder", str(directory))
    except OSError as exc:
        raise TrainTraceError(f"cannot create the folder {directory}: {exc.strerror or exc}") from exc


def make_tree_private(root: Path) -> None:
    """Tighten every folder under `root` to 0700 and every file to 0600 (links are not followed).

    For files written by code that does not choose their mode; best effort: an entry that vanishes or cannot
    be changed is left as it is (it still sits inside the private data folder)."""
    for folder, _folders, files in os.walk(root):
        for path, wanted in [(Path(folder), PRIVATE_DIR_MODE), *((Path(folder) / f, PRIVATE_FILE_MODE) for f in files)]:
            try:
                info = os.lstat(path)
                if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) != wanted:
                    os.chmod(path, wanted)
            except OSError:
                continue


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (before a library writes into it)."""
    make_private_dirs(path.parent)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    except OSError as exc:
        raise TrainTraceError(f"cannot create {path}: {exc.strerror or exc}") from exc
