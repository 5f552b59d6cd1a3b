"""The published hash beside the local one, bit by bit, with the differing bits marked.

Perceptual hashes are 64 bits read row-major, most significant bit first (ImageHash's order), so they draw as
two 8 x 8 grids; a bit that differs is framed in the palette's highlight colour on both grids. The hex values
are dataset data: they are parsed, never rendered as markup.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

_HEX64 = re.compile(r"[0-9a-fA-F]{16}")
CELL = 11
GAP = 24


def parse_hash64(text: str | None) -> int | None:
    """A 64-bit hash written as 16 hex digits (COYO's `image_phash`), or None if it is not one."""
    if text is None:
        return None
    text = text.strip()
    return int(text, 16) if _HEX64.fullmatch(text) else None


def differing_bits(left: int, right: int) -> list[int]:
    """Positions (0 = most significant, row-major) where the two 64-bit hashes differ."""
    diff = left ^ right
    return [position for position in range(64) if diff >> (63 - position) & 1]


class HashBitsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._local: int | None = None
        self._published: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Hash comparison")

    def set_hashes(self, local: int | None, published: int | None) -> None:
        self._local, self._published = local, published
        differing = len(differing_bits(local, published)) if local is not None and published is not None else None
        self.setAccessibleDescription(
            "No perceptual hashes to compare" if differing is None else f"{differing} of 64 bits differ"
        )
        self.setVisible(local is not None and published is not None)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(16 * CELL + GAP, 8 * CELL)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self._local is None or self._published is None:
            return
        differ = set(differing_bits(self._local, self._published))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._draw_grid(painter, self._local, 0, differ)
        self._draw_grid(painter, self._published, 8 * CELL + GAP, differ)
        painter.end()

    def _draw_grid(self, painter: QPainter, value: int, left: int, differ: set[int]) -> None:
        palette = self.palette()
        on, off = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)
        mark = QPen(palette.color(QPalette.ColorRole.Highlight), 2)
        for position in range(64):
            row, column = divmod(position, 8)
            cell = QRectF(left + column * CELL, row * CELL, CELL - 1, CELL - 1)
            painter.fillRect(cell, on if value >> (63 - position) & 1 else off)
            if position in differ:
                painter.setPen(mark)
                painter.drawRect(cell.adjusted(1, 1, -1, -1))
            else:
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
                painter.drawRect(cell)
        painter.setPen(Qt.PenStyle.NoPen)
