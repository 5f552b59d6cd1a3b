"""Remote sources dialog: settings stored through the facade, the "what will be sent" preview before asking."""

from __future__ import annotations

from pathlib import Path

from core.app import TrainTrace
from core.paths import AppPaths
from core.profile import Profile
from gui.dialogs.sources_dialog import SourcesDialog
from tests.gui.conftest import GuiFactory


def select(dialog: SourcesDialog, source_id: str) -> None:
    for position in range(dialog.list.count()):
        if dialog.selected_id() == source_id:
            return
        dialog.list.setCurrentRow(position)
    assert dialog.selected_id() == source_id


def test_settings_are_stored_and_the_preview_comes_before_asking(
    qtbot: object, make_gui: GuiFactory, portfolio: Path, paths: AppPaths
) -> None:
    with TrainTrace.open(paths) as facade:
        facade.scan([portfolio])
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist", handles=("@ada.ok",)))
    gui = make_gui()
    gui.window.feature_actions["sources"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, SourcesDialog))
    qtbot.waitUntil(lambda: dialog.list.count() >= 4)  # type: ignore[attr-defined]
    select(dialog, "clip-retrieval")
    assert not dialog.ask.isEnabled()  # needs a URL, and a look at what would be sent
    dialog._fields["url"].setText("http://127.0.0.1:9/backend")
    with qtbot.waitSignal(gui.controller.sources_loaded):  # type: ignore[attr-defined]
        dialog.save_settings()
    with TrainTrace.open(paths) as facade:
        assert facade.settings.sources["clip-retrieval"]["url"] == "http://127.0.0.1:9/backend"
    select(dialog, "clip-retrieval")
    assert not dialog.ask.isEnabled()
    with qtbot.waitSignal(gui.controller.plan_ready):  # type: ignore[attr-defined]
        dialog.preview.click()
    preview = dialog.output.toPlainText()
    assert "127.0.0.1" in preview and "host:" in preview
    assert str(portfolio) not in preview  # no local path leaves the machine
    assert dialog.ask.isEnabled()


def test_a_source_is_asked_on_every_check_only_after_its_preview_was_shown(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths
) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        facade.configure_source("datasette", {"url": "http://127.0.0.1:9/", "table": "db/rows"})
    gui = make_gui()
    gui.window.feature_actions["sources"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, SourcesDialog))
    qtbot.waitUntil(lambda: dialog.list.count() >= 4)  # type: ignore[attr-defined]
    select(dialog, "datasette")
    assert not dialog.automatic.isEnabled()  # not before the user has seen what would be sent
    with qtbot.waitSignal(gui.controller.plan_ready):  # type: ignore[attr-defined]
        dialog.preview.click()
    assert "_search=Ada" in dialog.output.toPlainText() and dialog.automatic.isEnabled()
    with qtbot.waitSignal(gui.controller.sources_loaded):  # type: ignore[attr-defined]
        dialog.automatic.click()
    with TrainTrace.open(paths) as facade:
        assert facade.settings.check.ask_sources == "datasette" and facade.auto_sources() == ["datasette"]
        assert next(s for s in facade.sources() if s.id == "datasette").automatic
