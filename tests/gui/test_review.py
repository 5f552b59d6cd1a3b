"""The review as an artist meets it: the verdict first, works with their matches, what the row says drawn from the
work, decisions that never move the selection (and undo), the shortcuts listed, several matches acted on at once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QFont, QTextCursor

from core.app import TrainTrace
from core.catalogue.matches import FoundMatch
from core.paths import AppPaths
from core.profile import Profile
from core.resources import sample_datasets
from gui.dialogs.profile_dialog import ProfileDialog
from gui.dialogs.shortcuts_dialog import ShortcutsDialog
from gui.review_rows import NOT_FOUND, NOT_SEARCHED, SPANS_ROLE, Column
from gui.shortcuts import SHORTCUTS, keys_text
from tests.gui.conftest import GuiFactory, phash_match, record_matches
from tests.gui.test_main_window import select_key

README = Path(__file__).resolve().parents[2] / "README.md"
TIMEOUT_MS = 30_000


def scanned(paths: AppPaths, portfolio: Path, profile: Profile | None = None) -> dict[str, object]:
    with TrainTrace.open(paths) as facade:
        if profile is not None:
            facade.set_profile(profile)
        return {Path(item.work.path).name: item.work for item in facade.scan([portfolio]).works}


def add_to_selection(gui: object, key: str) -> None:
    window = gui.window  # type: ignore[attr-defined]
    index = window.proxy.mapFromSource(window.model.index_for_key(key))
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(index, flags)


def test_with_nothing_searched_the_verdict_says_so_and_no_row_says_not_found(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    scanned(paths, portfolio)
    gui = make_gui()
    verdict = gui.window.verdict
    qtbot.waitUntil(lambda: verdict.summary is not None and gui.window.model.rowCount() == 6)  # type: ignore[attr-defined]
    assert verdict.headline.text().startswith("Nothing has been searched yet: 6 works fingerprinted")
    assert "COYO-700M" in verdict.basis.text() and "(not added)" in verdict.basis.text()
    assert all(not button.isHidden() for button in verdict.buttons.values())  # dataset, profile, source
    statuses = {row.status for row in gui.window.model.rows()}
    assert statuses == {NOT_SEARCHED} and not any("not found" in status for status in statuses)
    select_key(gui, gui.window.model.rows()[0].key)
    assert gui.window.compare.no_match.text().startswith("Not searched yet")
    with qtbot.waitSignal(gui.controller.profile_loaded):  # type: ignore[attr-defined]
        verdict.buttons["profile"].click()
    assert any(isinstance(dialog, ProfileDialog) for dialog in gui.window.open_dialogs())


def test_after_a_dataset_is_searched_the_verdict_names_it_and_works_are_not_found(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    scanned(paths, portfolio, Profile(name="Nobody Here"))
    dataset_id, schema, file = sample_datasets()[0]
    with TrainTrace.open(paths) as facade:
        facade.add_dataset(dataset_id, schema=schema, sources=[str(file)])
    gui = make_gui()
    verdict = gui.window.verdict
    qtbot.waitUntil(lambda: verdict.summary is not None and gui.window.model.rowCount() == 6)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: gui.window.model.rows()[0].status == NOT_FOUND)  # type: ignore[attr-defined]
    assert verdict.headline.text() == "None of your 6 works was found in what was searched."
    assert verdict.basis.text().startswith(f"Searched: {dataset_id} (full)")
    assert verdict.line() == TrainTrace.open(paths).search_summary().line()  # the core's line, as the CLI prints it
    assert all(button.isHidden() for button in verdict.buttons.values())
    select_key(gui, gui.window.model.rows()[0].key)
    assert gui.window.compare.no_match.text().startswith(f"Not found in what was searched: {dataset_id} (full).")


def two_matches(paths: AppPaths, portfolio: Path, profile: Profile | None = None) -> None:
    works = scanned(paths, portfolio, profile)
    first, second = works["work-0.png"], works["work-1.png"]
    record_matches(paths, [
        phash_match(first.id, "111", 2, f"{first.phash ^ 0b11:016x}"),  # type: ignore[attr-defined]
        phash_match(second.id, "222", 3, f"{second.phash ^ 0b111:016x}", dataset="laion2b-en"),  # type: ignore[attr-defined]
    ])  # fmt: skip


def test_decisions_never_move_the_selection_and_ctrl_z_undoes_them(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    two_matches(paths, portfolio)
    gui = make_gui()
    window, model = gui.window, gui.window.model
    qtbot.waitUntil(lambda: model.row_for_key("m2") is not None)  # type: ignore[attr-defined]
    assert not window.advance_action.isChecked()  # off by default
    select_key(gui, "m1")
    window.table.setFocus()
    with qtbot.waitSignal(gui.controller.decided):  # type: ignore[attr-defined]
        qtbot.keyClick(window.table, Qt.Key.Key_C)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: model.row_for_key("m1").status == "confirmed")  # type: ignore[attr-defined]
    assert window.current_row().key == "m1"  # still on the match just decided
    with qtbot.waitSignal(gui.controller.decided):  # type: ignore[attr-defined]
        qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: model.row_for_key("m1").status == "candidate")  # type: ignore[attr-defined]
    with qtbot.waitSignal(gui.controller.decided):  # type: ignore[attr-defined]
        modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        qtbot.keyClick(window.table, Qt.Key.Key_Z, modifiers)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: model.row_for_key("m1").status == "confirmed")  # type: ignore[attr-defined]
    assert window.current_row().key == "m1"

    window.advance_action.setChecked(True)  # the user asks for it: then one decided match moves on
    with qtbot.waitSignal(gui.controller.decided):  # type: ignore[attr-defined]
        qtbot.keyClick(window.table, Qt.Key.Key_R)  # type: ignore[attr-defined]
    assert window.current_row().key != "m1"
    assert window.current_row().match_id is not None or window.current_row().matches == 0
    close = window.history
    assert close.undoText() == "Not mine (1 match)"


def test_next_goes_from_match_to_match_across_works(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    two_matches(paths, portfolio)
    gui = make_gui()
    window = gui.window
    qtbot.waitUntil(lambda: window.model.rowCount() == 6 and window.model.row_for_key("m2") is not None)  # type: ignore[attr-defined]
    window.move_selection(1)
    visited = [window.current_row().key]
    for _ in range(3):
        window.move_selection(1)
        visited.append(window.current_row().key)
    assert visited[:2] == ["m1", "m2"]  # surest first: distance 2, then 3; works themselves are not stops
    assert all(not key.startswith("w") or window.model.row_for_key(key).matches == 0 for key in visited)


def test_help_and_readme_list_every_shortcut(qtbot: object, make_gui: GuiFactory) -> None:
    gui = make_gui()
    gui.window.shortcut_actions["shortcuts"].trigger()
    (dialog,) = [d for d in gui.window.open_dialogs() if isinstance(d, ShortcutsDialog)]
    assert dialog.rows() == [(keys_text(shortcut), shortcut.what) for shortcut in SHORTCUTS]
    for shortcut in SHORTCUTS:  # every action carries the keys the list shows
        action = gui.window.shortcut_actions[shortcut.name]
        assert [key.toString() for key in action.shortcuts()] == list(shortcut.keys)
    readme = README.read_text(encoding="utf-8")
    section = readme[readme.index("### Keyboard shortcuts") :]
    for shortcut in SHORTCUTS:
        assert f"| {keys_text(shortcut)} |" in section, shortcut.name
    assert "C, then J" not in readme


def test_several_selected_matches_are_decided_and_acted_on_at_once(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths, tmp_path: Path
) -> None:
    two_matches(paths, portfolio, Profile(name="Ada Okonkwo"))
    gui = make_gui()
    window, act = gui.window, gui.window.compare.act
    qtbot.waitUntil(lambda: window.model.row_for_key("m2") is not None)  # type: ignore[attr-defined]
    select_key(gui, "m1")
    add_to_selection(gui, "m2")
    qtbot.waitUntil(lambda: act.match_ids == (1, 2) and bool(act.route_titles()))  # type: ignore[attr-defined]
    assert act.title() == "Act on these 2 matches at once"
    titles = act.route_titles()
    assert "Spawning Do-Not-Train entries for 2 URLs" in titles
    assert "Notice to the host cdn.example.org (2 copies)" in titles
    act.routes.setCurrentIndex(titles.index("Spawning Do-Not-Train entries for 2 URLs"))
    preview = act.preview.toPlainText()
    assert "https://cdn.example.org/111.jpg" in preview and "https://cdn.example.org/222.jpg" in preview
    assert act.state.text().endswith("covers all 2 selected matches")
    target = tmp_path / "spawning.txt"
    with qtbot.waitSignal(gui.controller.exported):  # type: ignore[attr-defined]
        act.save_requested.emit(act.match_ids, "spawning-do-not-train", target)
    assert target.read_text(encoding="utf-8") == preview
    with qtbot.waitSignal(gui.controller.decided) as decided:  # type: ignore[attr-defined]
        window.confirm_action.trigger()
    assert sorted(match.id for match in decided.args[0]) == [1, 2]
    assert window.history.undoText() == "Confirm (2 matches)"


def test_compare_panel_draws_what_the_row_says_and_keeps_the_bits_one_click_away(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    work = scanned(paths, portfolio)["work-0.png"]
    found = phash_match(work.id, "333", 4, f"{work.phash ^ 0b1111:016x}")  # type: ignore[attr-defined]
    record_matches(paths, [dataclasses.replace(found, variant="bars-tb-8-black", published_width=640,
                                               published_height=600)])  # fmt: skip
    gui = make_gui()
    panel = gui.window.compare
    qtbot.waitUntil(lambda: gui.window.model.row_for_key("m1") is not None)  # type: ignore[attr-defined]
    select_key(gui, "m1")
    assert panel.closeness.text() == "Nearly identical, with black bars above and below (8 % each)"
    assert gui.window.model.index_for_key("m1", Column.MEASURE).data() == panel.closeness.text().lower()
    rendering = panel.picture.rendering
    assert rendering is not None and rendering.published_size == (640, 600) and rendering.work_size == (160, 120)
    box = rendering.variant_box()
    assert box is not None and box[6] == 0 and box[3] > 0  # black bars above: the work sits lower in the canvas
    frame = panel.picture.frame_rect()
    assert frame is not None and abs(frame.width() / frame.height() - 640 / 600) < 0.02  # the published shape
    assert (
        "The row publishes 640 × 600" in panel.picture_note.text()
        and "not the row's image" in panel.picture_note.text()
    )
    assert panel.fetch_result.text() == ""  # the dataset's image is never fetched by itself
    assert panel.bits_box.isHidden() and not panel.show_bits.isHidden()
    panel.show_bits.click()
    assert not panel.bits_box.isHidden() and "4 of 64 bits differ" in panel.bits_note.text()


def test_the_name_in_a_caption_is_highlighted_as_plain_text(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    scanned(paths, portfolio, Profile(name="Ada Okonkwo", domains=("ada.example",)))
    caption = "<b>Sunset</b> by Ada Okonkwo"
    record_matches(paths, [FoundMatch(
        work_id=None, dataset="laion2b-en", row_id="9", kind="text", distance=None, score=0.8,
        url="https://ada.example/sunset.jpg", caption=caption, published_hash=None, evidence="caption names Ada",
        coverage="full", source="local index",
    )])  # fmt: skip
    gui = make_gui()
    model = gui.window.model
    qtbot.waitUntil(lambda: model.index_for_key("m1", Column.CAPTION).data(SPANS_ROLE) == ((17, 28),))  # type: ignore[attr-defined]
    assert model.index_for_key("m1", Column.URL).data(SPANS_ROLE) == ((8, 19),)  # ada.example
    assert model.index_for_key("profile", Column.FILE).data() == "Your name and site"
    select_key(gui, "m1")
    edit = gui.window.compare.caption
    assert edit.toPlainText() == caption  # shown literally, never as markup

    def weight_at(position: int) -> int:
        cursor = QTextCursor(edit.document())
        cursor.setPosition(position + 1)
        return cursor.charFormat().fontWeight()

    assert weight_at(20) == QFont.Weight.Bold and weight_at(2) != QFont.Weight.Bold
    assert gui.window.compare.url.text() == "https://ada.example/sunset.jpg"


def test_works_as_a_grid_list_the_chosen_works_matches(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    two_matches(paths, portfolio)
    gui = make_gui()
    window = gui.window
    qtbot.waitUntil(lambda: window.model.rowCount() == 6 and window.model.row_for_key("m2") is not None)  # type: ignore[attr-defined]
    window.filters.grid.click()  # the filter bar's button carries the Review menu's "Works as a grid"
    assert window.grid_action.isChecked() and window.grid.isVisible()
    assert window.proxy.row_of(window.grid.currentIndex()).key == "w1"  # type: ignore[union-attr]  # surest first
    assert [window.proxy.row_of(i).key for i in window.table.visible_rows()] == ["m1"]  # type: ignore[union-attr]
    assert window.current_row().key == "m1"
    second = window.proxy.mapFromSource(window.model.index_for_key("w2"))
    window.grid.setCurrentIndex(second)
    assert [window.proxy.row_of(i).key for i in window.table.visible_rows()] == ["m2"]  # type: ignore[union-attr]
    with qtbot.waitSignal(gui.controller.decided):  # type: ignore[attr-defined]
        window.confirm_action.trigger()
    qtbot.waitUntil(lambda: window.model.row_for_key("m2").status == "confirmed")  # type: ignore[attr-defined]
    window.grid_action.setChecked(False)
    assert not window.grid.isVisible() and len(window.table.visible_rows()) == 6 + 2
