"""UI state (window geometry, splitters, table header, recent folders, first run) in its own QSettings file.

Kept apart from the core's typed settings (settings.toml) and from secrets (keyring): losing this file only
resets the layout. It lives in the config folder, so `TRAINTRACE_HOME` / `--data-dir` isolate it too.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from core.paths import create_private_file

STATE_VERSION = 1
MAX_RECENT = 8


class UiState:
    def __init__(self, file: Path) -> None:
        # It names the user's folders: private (0600 in a 0700 folder). QSettings keeps an existing file's mode.
        create_private_file(file)
        self._settings = QSettings(str(file), QSettings.Format.IniFormat)
        if self._settings.value("version", 0, int) != STATE_VERSION:
            self._settings.clear()  # layout blobs from another version may not restore cleanly
            self._settings.setValue("version", STATE_VERSION)

    @classmethod
    def in_folder(cls, config_dir: Path) -> UiState:
        return cls(config_dir / "ui-state.ini")

    def blob(self, name: str) -> QByteArray | None:
        value = self._settings.value(f"layout/{name}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_blob(self, name: str, value: QByteArray) -> None:
        self._settings.setValue(f"layout/{name}", value)

    def recent_folders(self) -> list[str]:
        value = self._settings.value("recent/folders", [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        items = value if isinstance(value, list) else []
        return [str(item) for item in items][:MAX_RECENT]

    def add_recent_folder(self, folder: Path) -> list[str]:
        text = str(folder)
        folders = [text] + [item for item in self.recent_folders() if item != text]
        self._settings.setValue("recent/folders", folders[:MAX_RECENT])
        return folders[:MAX_RECENT]

    @property
    def first_run_done(self) -> bool:
        return bool(self._settings.value("first_run/done", False, bool))

    def mark_first_run_done(self) -> None:
        self._settings.setValue("first_run/done", True)

    @property
    def advance_after_deciding(self) -> bool:
        """Whether Confirm / Not mine move on to the next match (off unless the user turned it on)."""
        return bool(self._settings.value("review/advance", False, bool))

    def set_advance_after_deciding(self, on: bool) -> None:
        self._settings.setValue("review/advance", bool(on))

    def sync(self) -> None:
        self._settings.sync()
