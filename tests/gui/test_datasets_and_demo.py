"""The dataset manager and the first-run demo flow, on the bundled sample data (real import, real matching)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from core.resources import sample_datasets
from gui.app import Gui
from gui.dialogs.datasets_dialog import AddDatasetDialog, DatasetsDialog
from tests.gui.conftest import GuiFactory

TIMEOUT_MS = 60_000


def open_add_sample(gui: Gui) -> tuple[DatasetsDialog, AddDatasetDialog, str]:
    """The dataset manager, and its add dialog filled in with the sample COYO-shaped file."""
    gui.window.feature_actions["datasets"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, DatasetsDialog))
    dataset_id, schema, file = next(sample for sample in sample_datasets() if sample[1] == "coyo")
    add = dialog.ask_add()
    add.dataset_id.setCurrentText(dataset_id)
    add.schema.setCurrentIndex(add.schema.findData(schema))
    add.source.setText(str(file))
    return dialog, add, dataset_id


def test_add_and_remove_a_dataset_from_a_file(qtbot: object, make_gui: GuiFactory) -> None:
    gui = make_gui()
    dialog, add, _ = open_add_sample(gui)
    # the add's own end, not any listing: a listing taken while it runs shows the dataset as pending
    with qtbot.waitSignal(gui.controller.dataset_added, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        add.accept()

    def shown_done() -> bool:
        if dialog.list.topLevelItemCount() != 1:
            return False
        dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
        return "3,000 rows searched" in dialog.details.toPlainText()

    qtbot.waitUntil(shown_done)  # type: ignore[attr-defined]
    box = dialog.ask_remove()
    assert isinstance(box, QMessageBox)
    removed: list[str] = []
    failures: list[object] = []  # said, so that a failure names its cause instead of timing out
    gui.controller.dataset_removed.connect(removed.append)
    gui.controller.failed.connect(lambda doing, error: failures.append((doing, error)))
    box.accept()
    qtbot.waitUntil(lambda: bool(removed or failures), timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert not failures, failures
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == 0)  # type: ignore[attr-defined]


def test_a_dataset_added_with_its_columns_kept_says_so(qtbot: object, make_gui: GuiFactory) -> None:
    """The add dialog's tick box keeps the URL/caption columns (`dataset add --keep-columns`); the dataset's
    details then show the copy's disk."""
    gui = make_gui()
    dialog, add, dataset_id = open_add_sample(gui)
    assert add.request()[3] is None  # unticked: the dataset's earlier choice (none for a new one)
    add.keep_columns.setChecked(True)
    assert add.request()[3] is True
    with qtbot.waitSignal(gui.controller.dataset_added, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        add.accept()
    assert "keeps its URL and caption columns locally" in dialog.details.toPlainText()

    def shown_kept() -> bool:
        if dialog.list.topLevelItemCount() != 1:
            return False
        dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
        return "URL and caption columns kept on this computer" in dialog.details.toPlainText()

    qtbot.waitUntil(shown_kept)  # type: ignore[attr-defined]
    info = gui.facade.dataset_info(dataset_id)
    assert info.keeps_columns and info.kept_bytes > 0


def test_an_import_that_produced_nothing_says_so(qtbot: object, make_gui: GuiFactory, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"not parquet at all" * 100)
    gui = make_gui()
    gui.window.feature_actions["datasets"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, DatasetsDialog))
    add = dialog.ask_add()
    add.dataset_id.setCurrentText("coyo-700m")
    add.source.setText(str(garbage))
    with qtbot.waitSignal(gui.controller.dataset_added, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        add.accept()
    text = dialog.details.toPlainText()
    assert "was not added and nothing of it is searched" in text and "garbage.parquet" in text
    # the listing after the add's end (one taken while it ran, on a slow machine, shows it as pending)
    qtbot.waitUntil(lambda: dialog.list.topLevelItemCount() == 0)  # type: ignore[attr-defined]


def test_the_demo_flow_shows_real_matches(qtbot: object, make_gui: GuiFactory) -> None:
    gui = make_gui()
    with qtbot.waitSignal(gui.controller.matching_finished, timeout=TIMEOUT_MS) as done:  # type: ignore[attr-defined]
        assert gui.window.start_demo()
    assert done.args[0].found > 0
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: {row.kind for row in gui.window.model.rows()} >= {"sha256", "phash", "url", "text"}
    )
    datasets = {gui.window.filters.dataset.itemText(i) for i in range(gui.window.filters.dataset.count())}
    assert {dataset_id for dataset_id, _schema, _file in sample_datasets()} <= datasets
