"""Fixtures for the GUI tests: a real catalogue in the test's TRAINTRACE_HOME, real images, the real window."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pytest

from core.app import Clock, TrainTrace, utc_now
from core.catalogue.db import open_database
from core.catalogue.matches import FoundMatch, MatchRepository
from core.paths import AppPaths
from core.settings import ScanSettings, Settings
from gui.app import Gui, build
from gui.state import UiState
from tests.imagefactory import pattern, save

# The session-wide QApplication of pytest-qt is created before any function-scoped fixture runs, so the
# offscreen platform must be chosen when this module loads (tests/conftest.py sets it too late for it).
os.environ["QT_QPA_PLATFORM"] = "offscreen"


@pytest.fixture
def paths() -> AppPaths:
    """The test's own data folder; scans run in-process (workers=1) so they are fast and deterministic."""
    paths = AppPaths.resolve()
    paths.ensure()
    dataclasses.replace(Settings(), scan=ScanSettings(workers=1)).save(paths.settings_file)
    return paths


@pytest.fixture(scope="session")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six small distinct works."""
    folder = tmp_path_factory.mktemp("portfolio")
    for seed in range(6):
        save(pattern(160, 120, seed=seed), folder / f"work-{seed}.png")
    return folder


BIG_PORTFOLIO_SIZE = 24


@pytest.fixture(scope="session")
def big_portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two dozen works: enough for a scan to be held (or cancelled) half way with works on both sides."""
    folder = tmp_path_factory.mktemp("big-portfolio")
    for seed in range(BIG_PORTFOLIO_SIZE):
        save(pattern(320, 240, seed=100 + seed), folder / f"big-{seed:02d}.jpg", quality=90)
    return folder


class GuiFactory(Protocol):
    def __call__(self, clock: Clock = utc_now) -> Gui: ...


class HoldingClock:
    """The facade's clock, which the scanner reads once per work it stores: after `after` works it holds the
    scan (on the worker thread, in the middle of the real scan) until the test calls `release()`."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.calls = 0
        self.holding = threading.Event()
        self._gate = threading.Event()

    def __call__(self) -> datetime:
        self.calls += 1
        if self.calls == self.after + 1:
            self.holding.set()
            self._gate.wait(HOLD_LIMIT_SECONDS)
            self.holding.clear()
        return utc_now()

    def release(self) -> None:
        self._gate.set()


HOLD_LIMIT_SECONDS = 60  # a held scan goes on by itself after this, so a broken test cannot hang the suite


@pytest.fixture
def make_gui(qtbot: object, paths: AppPaths) -> Iterator[GuiFactory]:
    """Build the real window around a facade on the test catalogue; everything built is closed at the end."""
    built: list[Gui] = []

    def factory(clock: Clock = utc_now) -> Gui:
        gui = build(TrainTrace.open(paths, clock=clock), UiState.in_folder(paths.config_dir))
        qtbot.addWidget(gui.window)  # type: ignore[attr-defined]
        gui.window.show()
        gui.controller.refresh()
        built.append(gui)
        return gui

    yield factory
    for gui in built:
        close_gui(gui)


def close_gui(gui: Gui) -> None:
    if gui.window.isVisible():
        gui.window.close()
    gui.close()


def record_matches(paths: AppPaths, found: list[FoundMatch]) -> None:
    """Store matches the way the matchers do: through the real repository, on its own connection."""
    connection = open_database(paths.catalogue_file)
    try:
        MatchRepository(connection).record(found, "2026-11-26T12:00:00+00:00")
    finally:
        connection.close()


def phash_match(work_id: int | None, row_id: str, distance: int, published: str, dataset: str = "coyo") -> FoundMatch:
    return FoundMatch(
        work_id=work_id, dataset=dataset, row_id=row_id, kind="phash", distance=distance, score=1 - distance / 64,
        url=f"https://cdn.example.org/{row_id}.jpg", caption=f"<b>caption</b> of row {row_id}",
        published_hash=published, evidence=f"pHash distance {distance}", coverage="full", source="local index",
    )  # fmt: skip
