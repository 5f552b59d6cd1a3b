"""What every command receives: the resolved paths and the console; and how it opens the facade."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from core.errors import UsageError
from core.files import check_output_file, is_stdout
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

    def for_outputs(self, *outputs: Path | None) -> CliContext:
        """Check the export paths before any work starts; when one is `-` (standard output), the messages and
        progress go to standard error, so that standard output holds the export alone."""
        to_stdout = [output for output in outputs if is_stdout(output)]
        if len(to_stdout) > 1:
            raise UsageError("only one of --json and --csv can go to standard output (-)")
        for output in outputs:
            if output is not None and not is_stdout(output):
                check_output_file(output)
        return dataclasses.replace(self, console=Console(stderr=True)) if to_stdout else self

    def wrote(self, output: Path) -> None:
        if not is_stdout(output):
            self.console.print(escape(f"Wrote {output}"), highlight=False)
