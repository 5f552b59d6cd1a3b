"""Each dialog on its own, and the profile editor through the window and the real catalogue."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from core.app import TrainTrace
from core.errors import UsageError
from core.paths import AppPaths
from core.profile import Profile
from gui.dialogs.error_dialog import ErrorDialog, install_excepthook, user_message
from gui.dialogs.profile_dialog import ProfileDialog, lines
from tests.gui.conftest import GuiFactory


def test_profile_dialog_round_trips_a_profile(qtbot: object) -> None:
    profile = Profile(
        name="Ada Okonkwo-Lindqvist", aliases=("Studio O-L",), domains=("okonkwo-lindqvist.art",),
        handles=("@ada.ok",), url_prefixes=("https://www.artstation.com/adaok/",), email="studio@example.org",
    )  # fmt: skip
    dialog = ProfileDialog(profile)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.profile() == profile
    dialog.lists["handles"].setPlainText("@ada.ok\n\n  @ada_paints  \n@ada.ok\n")
    assert dialog.profile().handles == ("@ada.ok", "@ada_paints")


def test_lines_trims_and_deduplicates() -> None:
    assert lines(" a \n\nb\na\n") == ("a", "b")


def test_profile_edited_in_the_window_is_stored_in_the_catalogue(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths
) -> None:
    gui = make_gui()
    with qtbot.waitSignal(gui.controller.profile_loaded):  # type: ignore[attr-defined]
        gui.controller.load_profile()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, ProfileDialog))
    dialog.name.setText("Ada Okonkwo-Lindqvist")
    dialog.lists["domains"].setPlainText("okonkwo-lindqvist.art")
    with qtbot.waitSignal(gui.controller.profile_saved):  # type: ignore[attr-defined]
        dialog.accept()
    with TrainTrace.open(paths) as facade:
        stored = facade.profile()
    assert stored.name == "Ada Okonkwo-Lindqvist" and stored.domains == ("okonkwo-lindqvist.art",)


def test_error_dialog_shows_the_message_and_copies_the_details(qtbot: object) -> None:
    dialog = ErrorDialog("Scanning", UsageError("no such file or folder: /x"), "Traceback: line 1")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.message.text() == "Scanning failed: no such file or folder: /x"
    dialog.copy.click()
    assert "Traceback: line 1" in QApplication.clipboard().text()
    assert "bug" in user_message("Saving", KeyError("x"))  # an unexpected error is called a bug, not blamed on you


def test_uncaught_exceptions_become_a_dialog_not_a_crash(qtbot: object) -> None:
    shown: list[tuple[str, BaseException, str]] = []
    restore = install_excepthook(lambda doing, exc, details: shown.append((doing, exc, details)))
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        restore()
    assert len(shown) == 1 and str(shown[0][1]) == "boom" and "RuntimeError" in shown[0][2]
