"""Remote sources dialog: settings stored through the facade, the "what will be sent" preview before asking."""

from __future__ import annotations

from pathlib import Path

from core.app import TrainTrace
from core.paths import AppPaths
from core.profile import Profile
from gui.dialogs.sources_dialog import SourcesDialog
from tests.gui.conftest import GuiFactory

WAIT_MS = 30_000  # generous: the machine may be busy


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
    qtbot.waitUntil(lambda: dialog.list.count() >= 4, timeout=WAIT_MS)  # type: ignore[attr-defined]
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


def test_a_source_is_asked_on_every_check_only_once_its_preview_was_accepted(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths
) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        facade.configure_source("datasette", {"url": "http://127.0.0.1:9/", "table": "db/rows"})
    gui = make_gui()
    gui.window.feature_actions["sources"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, SourcesDialog))
    qtbot.waitUntil(lambda: dialog.list.count() >= 4, timeout=WAIT_MS)  # type: ignore[attr-defined]
    select(dialog, "datasette")
    assert dialog.automatic.isEnabled() and not dialog.automatic.isChecked()
    assert dialog.consent is not None
    dialog.automatic.click()  # shows what every check will send; not ticked until accepted
    qtbot.waitUntil(lambda: dialog.consent.dialog_for("datasette") is not None)  # type: ignore[attr-defined, union-attr]
    preview = dialog.consent.dialog_for("datasette")
    assert preview is not None and not dialog.automatic.isChecked()
    assert "_search=Ada" in preview.shape.toPlainText() and "_search=Ada" in preview.now.toPlainText()
    with TrainTrace.open(paths) as facade:
        assert facade.auto_sources() == []
    with qtbot.waitSignal(gui.controller.sources_loaded):  # type: ignore[attr-defined]
        preview.accept_button.click()
    qtbot.waitUntil(dialog.automatic.isChecked, timeout=WAIT_MS)  # type: ignore[attr-defined]
    with TrainTrace.open(paths) as facade:
        assert facade.settings.check.ask_sources == "datasette" and facade.auto_sources() == ["datasette"]
        assert facade.settings.accepted_previews["datasette"].fingerprint == preview.consent.fingerprint
        assert next(s for s in facade.sources() if s.id == "datasette").automatic


def test_declining_the_preview_leaves_the_source_unasked(qtbot: object, make_gui: GuiFactory, paths: AppPaths) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        facade.configure_source("datasette", {"url": "http://127.0.0.1:9/", "table": "db/rows"})
    gui = make_gui()
    gui.window.feature_actions["sources"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, SourcesDialog))
    qtbot.waitUntil(lambda: dialog.list.count() >= 4, timeout=WAIT_MS)  # type: ignore[attr-defined]
    select(dialog, "datasette")
    dialog.automatic.click()
    qtbot.waitUntil(lambda: dialog.consent.dialog_for("datasette") is not None)  # type: ignore[attr-defined, union-attr]
    preview = dialog.consent.dialog_for("datasette")  # type: ignore[union-attr]
    assert preview is not None
    preview.decline_button.click()
    assert not dialog.automatic.isChecked()
    with TrainTrace.open(paths) as facade:
        assert facade.auto_sources() == [] and "datasette" not in facade.settings.accepted_previews


def test_the_source_list_is_never_cut_off(qtbot: object, make_gui: GuiFactory) -> None:
    gui = make_gui()
    gui.window.feature_actions["sources"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, SourcesDialog))
    qtbot.waitUntil(lambda: dialog.list.count() >= 4, timeout=WAIT_MS)  # type: ignore[attr-defined]
    metrics = dialog.list.fontMetrics()
    for row in range(dialog.list.count()):
        text = dialog.list.item(row).text()
        assert metrics.horizontalAdvance(text) < dialog.list.viewport().width(), text
