"""The Act menu's opt-out pack and evidence PDF run on the worker pool and write real files."""

from __future__ import annotations

from pathlib import Path

from core.app import TrainTrace
from core.paths import AppPaths
from core.profile import Profile
from tests.gui.conftest import GuiFactory, phash_match, record_matches


def test_opt_out_pack_and_evidence_pdf_from_the_window(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths, portfolio: Path, tmp_path: Path
) -> None:
    with TrainTrace.open(paths) as app:
        app.set_profile(Profile(name="Ada Lindqvist", domains=("ada-paints.art",)))
        summary = app.scan([portfolio])
    work = summary.works[0].work
    record_matches(paths, [phash_match(work.id, "77", 1, f"{work.phash ^ 1:016x}")])
    with TrainTrace.open(paths) as app:
        app.decide([app.matches()[0].id], "confirmed", "")
    gui = make_gui()
    assert gui.window.feature_actions["optout"].isEnabled() and gui.window.feature_actions["evidence"].isEnabled()
    with qtbot.waitSignal(gui.controller.exported, timeout=60_000) as pack:  # type: ignore[attr-defined]
        assert gui.controller.write_optout_pack(tmp_path / "pack")
    assert pack.args[0] == "Opt-out pack"
    assert (tmp_path / "pack" / "website" / "robots.txt").exists()
    assert (tmp_path / "pack" / "letters" / "reservation-notice.txt").exists()
    assert (tmp_path / "pack" / "tagged-copies" / Path(work.path).name).exists()
    with qtbot.waitSignal(gui.controller.exported, timeout=60_000) as report:  # type: ignore[attr-defined]
        assert gui.controller.write_evidence_pdf(tmp_path / "evidence.pdf")
    assert report.args == ["Evidence PDF", tmp_path / "evidence.pdf"]
    assert (tmp_path / "evidence.pdf").read_bytes().startswith(b"%PDF")


def test_file_export_hashes_writes_the_hash_list_through_the_facade(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths, portfolio: Path, tmp_path: Path, monkeypatch: object
) -> None:
    from PySide6.QtWidgets import QFileDialog

    from core.batch.hashlist import read_hash_list

    with TrainTrace.open(paths) as app:
        app.set_profile(Profile(name="Ada Lindqvist", domains=("ada-paints.art",)))
        app.scan([portfolio])
    target = tmp_path / "hashes.parquet"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))  # type: ignore[attr-defined]
    gui = make_gui()
    with qtbot.waitSignal(gui.controller.exported, timeout=60_000) as written:  # type: ignore[attr-defined]
        gui.window.export_hashes_action.trigger()
    assert written.args == ["Hash list", target]
    hash_list = read_hash_list(target)
    assert hash_list.owner == "Ada Lindqvist" and hash_list.works
