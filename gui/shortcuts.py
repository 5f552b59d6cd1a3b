"""Every keyboard shortcut of the window, in one table: the menus take their keys from here, and so do
Help > Keyboard shortcuts and README (a test keeps README in step)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shortcut:
    name: str  # the action's key in `MainWindow.shortcut_actions`
    keys: tuple[str, ...]  # QKeySequence strings, the first one shown first
    what: str
    group: str


SHORTCUTS = (
    Shortcut("confirm", ("C",), "Confirm: the selected matches are your work", "Review"),
    Shortcut("reject", ("R", "X"), "Not mine: the selected matches are not your work", "Review"),
    Shortcut("undecide", ("U",), "Undecide: back to “to review”", "Review"),
    Shortcut("undo", ("Ctrl+Z",), "Undo the last decision", "Review"),
    Shortcut("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the decision undone", "Review"),
    Shortcut("next", ("J",), "Next match (decisions never move the selection unless you ask them to)", "Review"),
    Shortcut("previous", ("K",), "Previous match", "Review"),
    Shortcut("search", ("Ctrl+F",), "Search the results", "Review"),
    Shortcut("scan", ("Ctrl+O",), "Scan a folder", "File"),
    Shortcut("cancel", ("Esc",), "Cancel the scan or the running task", "File"),
    Shortcut("matching", ("Ctrl+M",), "Run matching again", "Datasets"),
    Shortcut("profile", ("Ctrl+,",), "Your profile", "Settings"),
    Shortcut("shortcuts", ("F1",), "This list of shortcuts", "Help"),
)
BY_NAME = {shortcut.name: shortcut for shortcut in SHORTCUTS}


def keys_text(shortcut: Shortcut) -> str:
    return " or ".join(shortcut.keys)
