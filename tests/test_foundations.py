"""Progress and cancellation, settings, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import Cancelled, SettingsError
from core.paths import AppPaths
from core.progress import Progress, ProgressUpdate
from core.settings import ScanSettings, Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_weighted_steps_cover_the_whole_call_in_order() -> None:
    updates: list[ProgressUpdate] = []
    clock = FakeClock()
    progress = Progress(updates.append, clock=clock)
    with progress.step(0.25, "find") as find:
        find.start(2)
        find.advance()
        find.advance()
    with progress.step(0.75, "hash") as hashing:
        hashing.start(4)
        clock.now = 2.0
        hashing.advance(2)
    fractions = [u.fraction for u in updates]
    assert fractions == sorted(fractions)
    last = updates[-1]
    assert last.step == "hash" and last.fraction == pytest.approx(0.25 + 0.75 * 0.5)
    assert last.rate == pytest.approx(1.0) and last.eta_seconds == pytest.approx(2.0)


def test_cancel_reaches_sub_steps_and_the_default_is_silent() -> None:
    progress = Progress()
    with progress.step(1.0, "work") as child:
        child.advance()
        progress.cancel()
        with pytest.raises(Cancelled):
            child.check_cancelled()


def test_settings_round_trip_and_reject_wrong_types(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    Settings(scan=ScanSettings(workers=3)).save(path)
    assert Settings.load(path).scan.workers == 3
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text('[scan]\nworkers = "many"\n')
    with pytest.raises(SettingsError, match="scan.workers"):
        Settings.load(path)
    path.write_text("[scan\n")
    with pytest.raises(SettingsError):
        Settings.load(path)


def test_data_dir_option_beats_the_environment_which_beats_platform_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAINTRACE_HOME", str(tmp_path / "env"))
    assert AppPaths.resolve().data_dir == tmp_path / "env"
    assert AppPaths.resolve(tmp_path / "flag").catalogue_file == tmp_path / "flag" / "catalogue.sqlite3"
    monkeypatch.delenv("TRAINTRACE_HOME")
    assert "TrainTrace" in str(AppPaths.resolve().data_dir)


def test_each_installed_copy_of_the_samples_gets_its_own_demo_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo catalogue references the sample files by path: a demo built by another checkout or a moved
    bundle must not add its samples to this one's (seen: 28 works and every sample dataset twice)."""
    import core.resources

    paths = AppPaths.resolve(tmp_path / "home")
    monkeypatch.setattr(core.resources, "sample_portfolio_dir", lambda: tmp_path / "one" / "sample_portfolio")
    first = paths.for_demo()
    monkeypatch.setattr(core.resources, "sample_portfolio_dir", lambda: tmp_path / "two" / "sample_portfolio")
    second = paths.for_demo()
    assert first.data_dir != second.data_dir and first.is_demo and second.is_demo and not paths.is_demo
    assert first.data_dir.parent == second.data_dir.parent == paths.data_dir / "demo"
