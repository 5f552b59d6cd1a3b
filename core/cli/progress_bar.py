"""A terminal progress bar (count, rate, ETA) fed by `core.progress.Progress` updates, via rich."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from core.progress import Progress, ProgressUpdate

REFRESH_SECONDS = 0.1


class _RateColumn(TextColumn):
    def __init__(self) -> None:
        super().__init__("{task.fields[rate]}")


class TerminalProgress:
    """Adapts progress updates to a rich bar; one bar per step name, throttled to ~10 redraws a second."""

    def __init__(self, console: Console) -> None:
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("[dim]{task.fields[detail]}", markup=True),
            console=console,
            transient=True,  # the bars show the work while it runs; the summary printed after it stays
        )
        self._tasks: dict[str, TaskID] = {}
        self._last = 0.0

    def __call__(self, update: ProgressUpdate) -> None:
        if update.step not in self._tasks and update.total is None and update.done == 0:
            return  # a step that has not started counting yet: no empty bar
        now = time.monotonic()
        finished = update.total is not None and update.done >= update.total
        if update.step in self._tasks and not finished and now - self._last < REFRESH_SECONDS:
            return
        self._last = now
        task = self._tasks.get(update.step)
        if not self._tasks:
            self._bar.start()  # only now: a command with nothing to count prints no bar at all
        if task is None:
            task = self._bar.add_task(update.step or "Working", total=update.total, rate="", detail="")
            self._tasks[update.step] = task
        rate = f"{update.rate:.1f}/s" if update.rate else ""
        detail = _ellipsize(update.detail, 40)
        self._bar.update(task, completed=update.done, total=update.total, rate=rate, detail=detail)

    @contextmanager
    def running(self) -> Iterator[Progress]:
        try:
            yield Progress(self)
        finally:
            if self._tasks:
                self._bar.stop()


def _ellipsize(text: str, width: int) -> str:
    text = text.replace("[", "\\[")
    return text if len(text) <= width else "…" + text[-(width - 1) :]
