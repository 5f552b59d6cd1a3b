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


def test_profile_dialog_says_why_an_entry_is_refused_and_stays_open(qtbot: object) -> None:
    dialog = ProfileDialog(Profile(name="Ada Okafor"))
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.skipped.isHidden()
    dialog.lists["aliases"].setPlainText("the")
    dialog.lists["domains"].setPlainText("artstation.com")
    dialog.lists["titles"].setPlainText("Blue Harbour")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted and not dialog.problem.isHidden()
    problem = dialog.problem.text()
    assert "other name \u201cthe\u201d: a common word" in problem
    assert "domain \u201cartstation.com\u201d" in problem and "https://www.artstation.com/NAME" in problem
    dialog.lists["aliases"].setPlainText("Ada O.")
    dialog.lists["domains"].setPlainText("")
    dialog.lists["url_prefixes"].setPlainText("https://www.artstation.com/adaok")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.problem.isHidden()
    assert dialog.profile().titles == ("Blue Harbour",)


def test_profile_dialog_lists_entries_an_older_profile_holds_and_keeps_them(qtbot: object) -> None:
    older = Profile(name="Ada Okafor", aliases=("a",), domains=("pinterest.com",))  # stored before the rules
    dialog = ProfileDialog(older)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert not dialog.skipped.isHidden()
    assert "not used for matching: other name \u201ca\u201d" in dialog.skipped.text()
    assert "not used for matching: domain \u201cpinterest.com\u201d" in dialog.skipped.text()
    dialog.accept()  # unchanged: the old entries may stay (matching skips them and says so)
    assert dialog.result() == dialog.DialogCode.Accepted


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
