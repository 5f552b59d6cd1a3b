"""What every command receives: the resolved paths and the console; and how it opens the facade."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from core.app import TrainTrace
from core.paths import AppPaths


@dataclass(frozen=True)
class CliContext:
    paths: AppPaths
    console: Console
    data_dir_option: Path | None = None  # --data-dir as given, handed on to the desktop app

    def open_app(self) -> TrainTrace:
        return TrainTrace.open(self.paths)
