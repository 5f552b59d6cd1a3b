"""Undo and redo of review decisions (Ctrl+Z, Ctrl+Shift+Z): each decision remembers what every match it changed
was before, so undoing puts back each one's own status and note, whatever they were."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from core.catalogue.matches import Match

Apply = Callable[[list[int], str, str], None]  # match ids, status, note
VERBS = {"confirmed": "Confirm", "rejected": "Not mine", "candidate": "Undecide"}


class _Decision(QUndoCommand):
    def __init__(self, apply: Apply, before: Sequence[Match], status: str, note: str) -> None:
        count = len(before)
        super().__init__(f"{VERBS.get(status, status)} ({count} match{'es' if count != 1 else ''})")
        self._apply = apply
        self._before = [(match.id, match.status, match.note) for match in before]
        self._status = status
        self._note = note

    def redo(self) -> None:
        self._apply([match_id for match_id, _, _ in self._before], self._status, self._note)

    def undo(self) -> None:
        groups: dict[tuple[str, str], list[int]] = {}
        for match_id, status, note in self._before:
            groups.setdefault((status, note), []).append(match_id)
        for (status, note), ids in groups.items():
            self._apply(ids, status, note)


class DecisionHistory(QUndoStack):
    def __init__(self, apply: Apply, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._apply_decision = apply

    def decide(self, before: Sequence[Match], status: str, note: str = "") -> None:
        """Apply `status` to the matches `before` (as they are now) and remember how to undo it."""
        if before:
            self.push(_Decision(self._apply_decision, before, status, note))
