"""What every command receives: the resolved paths and the console; and how it opens the facade."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from core.paths import AppPaths

if TYPE_CHECKING:
    from core.app import TrainTrace


@dataclass(frozen=True)
class CliContext:
    paths: AppPaths
    console: Console
    data_dir_option: Path | None = None  # --data-dir as given, handed on to the desktop app

    def open_app(self) -> TrainTrace:
        from core.app import TrainTrace  # the facade (and what it needs) loads only when a command uses it

        return TrainTrace.open(self.paths)
