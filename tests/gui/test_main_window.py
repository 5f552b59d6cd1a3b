"""The real window driven through qtbot: drop, scan, cancel, review, restart, errors, responsiveness."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from core.app import TrainTrace
from core.paths import AppPaths
from gui.dialogs.error_dialog import ErrorDialog
from gui.review_rows import Column
from tests.gui.conftest import BIG_PORTFOLIO_SIZE, GuiFactory, HoldingClock, close_gui, phash_match, record_matches

SCAN_TIMEOUT_MS = 30_000


def drop(widget: object, paths: list[Path]) -> None:
    """Drag `paths` in and drop them, calling the widget's handlers as Qt's drag manager would.

    Qt routes drop events only during a real platform drag, which an offscreen test cannot start.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    enter.ignore()
    widget.dragEnterEvent(enter)  # type: ignore[attr-defined]
    assert enter.isAccepted(), "the drag was refused"
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    widget.dropEvent(event)  # type: ignore[attr-defined]


def table_files(gui: object) -> set[str]:
    proxy = gui.window.proxy  # type: ignore[attr-defined]
    return {proxy.index(row, Column.FILE).data() for row in range(proxy.rowCount())}


def test_dropping_a_folder_scans_it_and_rows_appear(qtbot: object, make_gui: GuiFactory, portfolio: Path) -> None:
    gui = make_gui()
    with qtbot.waitSignal(gui.controller.scan_finished, timeout=SCAN_TIMEOUT_MS):  # type: ignore[attr-defined]
        drop(gui.window.drop_zone, [portfolio])
    qtbot.waitUntil(lambda: gui.window.model.rowCount() == 6)  # type: ignore[attr-defined]
    assert table_files(gui) == {f"work-{seed}.png" for seed in range(6)}
    assert gui.window.drop_zone.recent.itemData(1) == str(portfolio)  # remembered as a recent folder
    assert not gui.window.scan_panel.isVisible()


def test_dropping_on_the_window_itself_works_too(qtbot: object, make_gui: GuiFactory, portfolio: Path) -> None:
    gui = make_gui()
    image = portfolio / "work-3.png"
    with qtbot.waitSignal(gui.controller.scan_finished, timeout=SCAN_TIMEOUT_MS):  # type: ignore[attr-defined]
        drop(gui.window, [image])
    qtbot.waitUntil(lambda: table_files(gui) == {"work-3.png"})  # type: ignore[attr-defined]


def test_cancel_mid_scan_keeps_the_finished_works(
    qtbot: object, make_gui: GuiFactory, big_portfolio: Path, paths: AppPaths
) -> None:
    clock = HoldingClock(after=3)
    gui = make_gui(clock)
    gui.window.scan([big_portfolio])
    qtbot.waitUntil(clock.holding.is_set, timeout=SCAN_TIMEOUT_MS)  # type: ignore[attr-defined]
    with qtbot.waitSignal(gui.controller.cancelled, timeout=SCAN_TIMEOUT_MS):  # type: ignore[attr-defined]
        gui.window.scan_panel.cancel.click()
        clock.release()
    with TrainTrace.open(paths) as facade:
        kept = len(facade.works())
    assert kept == clock.calls  # every work stored before the cancel took effect, the held one included
    assert 3 < kept < BIG_PORTFOLIO_SIZE
    qtbot.waitUntil(lambda: gui.window.model.rowCount() == kept)  # type: ignore[attr-defined]
    assert "cancelled" in gui.window.statusBar().currentMessage()


def test_the_event_loop_keeps_turning_during_a_scan(qtbot: object, make_gui: GuiFactory, big_portfolio: Path) -> None:
    """The scan is held half way on its worker thread; the GUI thread must keep running its timers meanwhile
    (a scan on the GUI thread would block the loop for as long as it is held, and no tick would come)."""
    clock = HoldingClock(after=3)
    gui = make_gui(clock)
    ticks_while_held: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks_while_held.append(1) if clock.holding.is_set() else None)
    timer.start()
    try:
        gui.window.scan([big_portfolio])
        qtbot.waitUntil(lambda: len(ticks_while_held) >= 20, timeout=SCAN_TIMEOUT_MS)  # type: ignore[attr-defined]
        assert gui.controller.busy and gui.window.scan_panel.isVisible()
        with qtbot.waitSignal(gui.controller.scan_finished, timeout=SCAN_TIMEOUT_MS) as finished:  # type: ignore[attr-defined]
            clock.release()
    finally:
        timer.stop()
        clock.release()
    assert len(finished.args[0].works) == BIG_PORTFOLIO_SIZE


def test_confirm_and_reject_persist_across_a_restart(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    with TrainTrace.open(paths) as facade:
        works = {Path(item.work.path).name: item.work for item in facade.scan([portfolio]).works}
    first, second = works["work-0.png"], works["work-1.png"]
    record_matches(
        paths,
        [phash_match(first.id, "111", 2, f"{first.phash ^ 0b11:016x}"), phash_match(second.id, "222", 9, "0" * 16)],
    )
    gui = make_gui()
    qtbot.waitUntil(lambda: gui.window.model.row_for_key("m1") is not None)  # type: ignore[attr-defined]
    select_key(gui, "m1")
    with qtbot.waitSignal(gui.controller.decided):  # type: ignore[attr-defined]
        qtbot.keyClick(gui.window.table, Qt.Key.Key_C)  # type: ignore[attr-defined]
    select_key(gui, "m2")
    with qtbot.waitSignal(gui.controller.decided):  # type: ignore[attr-defined]
        qtbot.keyClick(gui.window.table, Qt.Key.Key_X)  # type: ignore[attr-defined]
    close_gui(gui)

    again = make_gui()
    qtbot.waitUntil(lambda: again.window.model.row_for_key("m2") is not None)  # type: ignore[attr-defined]
    assert again.window.model.row_for_key("m1").status == "confirmed"
    assert again.window.model.row_for_key("m2").status == "rejected"


def test_next_shortcut_and_compare_panel_follow_the_selection(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    with TrainTrace.open(paths) as facade:
        work = facade.scan([portfolio]).works[0].work
    record_matches(paths, [phash_match(work.id, "777", 2, f"{work.phash ^ 0b101:016x}")])
    gui = make_gui()
    qtbot.waitUntil(lambda: gui.window.model.row_for_key("m1") is not None)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: gui.window.model.rowCount() == 6)  # type: ignore[attr-defined]
    gui.window.table.setFocus()
    qtbot.keyClick(gui.window.table, Qt.Key.Key_J)  # type: ignore[attr-defined]
    assert gui.window.current_row() is not None
    select_key(gui, "m1")
    panel = gui.window.compare
    assert panel.row_id.edit.text() == "777"
    assert panel.caption.toPlainText() == "<b>caption</b> of row 777"  # shown literally, never as markup
    assert "2 of 64 bits differ" in panel.bits_note.text()
    assert panel.confirm.isEnabled() and panel.fetch.isEnabled() and "only ever fetched" in panel.fetch.toolTip()


def test_a_failing_call_shows_an_error_dialog_and_the_app_goes_on(
    qtbot: object, make_gui: GuiFactory, tmp_path: Path
) -> None:
    gui = make_gui()
    with qtbot.waitSignal(gui.controller.failed, timeout=SCAN_TIMEOUT_MS):  # type: ignore[attr-defined]
        gui.window.scan([tmp_path / "no-such-folder"])
    dialogs = [dialog for dialog in gui.window.open_dialogs() if isinstance(dialog, ErrorDialog)]
    assert len(dialogs) == 1
    assert "no such file or folder" in dialogs[0].message.text()
    assert not gui.controller.busy
    dialogs[0].reject()


def test_every_feature_action_is_wired_to_the_facade(make_gui: GuiFactory) -> None:
    gui = make_gui()
    actions = gui.window.feature_actions
    assert set(actions) == {"matching", "datasets", "sources", "optout", "evidence"}
    assert all(action.isEnabled() for action in actions.values())


def test_fetch_of_a_private_address_is_refused_and_reported(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    with TrainTrace.open(paths) as facade:
        work = facade.scan([portfolio]).works[0].work
    found = phash_match(work.id, "888", 1, f"{work.phash:016x}")
    record_matches(paths, [dataclasses.replace(found, url="http://127.0.0.1:9/private.jpg")])
    gui = make_gui()
    qtbot.waitUntil(lambda: gui.window.model.row_for_key("m1") is not None)  # type: ignore[attr-defined]
    select_key(gui, "m1")
    assert gui.window.compare.fetch.isEnabled()
    with qtbot.waitSignal(gui.controller.failed, timeout=SCAN_TIMEOUT_MS):  # type: ignore[attr-defined]
        gui.window.compare.fetch.click()
    assert any(isinstance(dialog, ErrorDialog) for dialog in gui.window.open_dialogs())
    assert gui.window.compare.fetch_result.text() == ""


def test_window_splitter_and_columns_persist(qtbot: object, make_gui: GuiFactory) -> None:
    gui = make_gui()
    gui.window.resize(780, 560)  # inside the offscreen screen (800 x 800)
    qtbot.waitUntil(lambda: gui.window.width() == 780)  # type: ignore[attr-defined]
    gui.window.splitter.setSizes([450, 250])
    gui.window.table.header().resizeSection(Column.DATASET, 211)
    left, right = gui.window.splitter.sizes()
    close_gui(gui)
    again = make_gui()
    assert again.window.size().width() == 780
    assert again.window.table.header().sectionSize(Column.DATASET) == 211
    assert again.window.splitter.sizes() == [left, right]


def select_key(gui: object, key: str) -> None:
    window = gui.window  # type: ignore[attr-defined]
    source = window.model.index_for_key(key, Column.FILE)
    window.table.setCurrentIndex(window.proxy.mapFromSource(source))
