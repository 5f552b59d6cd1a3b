"""Help > Keyboard shortcuts: every shortcut of the window (gui.shortcuts), grouped by menu."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.shortcuts import SHORTCUTS, keys_text


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.list = QTreeWidget(self)
        self.list.setAccessibleName("Keyboard shortcuts")
        self.list.setHeaderLabels(["Keys", "What it does"])
        self.list.setRootIsDecorated(False)
        groups: dict[str, QTreeWidgetItem] = {}
        for shortcut in SHORTCUTS:
            group = groups.get(shortcut.group)
            if group is None:
                group = groups[shortcut.group] = QTreeWidgetItem(self.list, [shortcut.group, ""])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
            QTreeWidgetItem(group, [keys_text(shortcut), shortcut.what])
        self.list.expandAll()
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        note = "Confirm, Not mine and Undecide act on every selected match and keep the selection where it is, "
        note += "unless Review > Advance after deciding is on."
        self.note = QLabel(note, self)
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(560, 460)

    def rows(self) -> list[tuple[str, str]]:
        found = []
        for position in range(self.list.topLevelItemCount()):
            group = self.list.topLevelItem(position)
            for child in range(group.childCount() if group is not None else 0):
                item = group.child(child) if group is not None else None
                if item is not None:
                    found.append((item.text(0), item.text(1)))
        return found
