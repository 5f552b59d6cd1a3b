"""The works as a thumbnail grid (as in digiKam's duplicates view): each work a tile with its name and what was found
for it; choosing a tile lists that work's matches below the grid (the review list, rooted at the work)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gui.models import ReviewProxy
from gui.review_rows import ROW_ROLE, ReviewRow
from gui.thumbnails import ThumbnailCache

TILE = 132  # the picture's side in a tile
TEXT_LINES = 2


class _TileDelegate(QStyledItemDelegate):
    def __init__(self, previews: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._previews = previews

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        return QSize(TILE + 16, TILE + 12 + option.fontMetrics.lineSpacing() * TEXT_LINES)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, ReviewRow):
            return
        rect = QRect(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
        picture = QRect(rect.left() + 8, rect.top() + 6, TILE, TILE)
        pixmap = self._previews.get(row.path) if row.path and row.thumbnail_ok else None
        if pixmap is not None:
            size = pixmap.deviceIndependentSize().toSize().scaled(picture.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(picture.center())
            painter.drawPixmap(target, pixmap)
        else:
            painter.fillRect(picture, palette.color(QPalette.ColorRole.AlternateBase))
        line = option.fontMetrics.lineSpacing()
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        name_rect = QRect(rect.left() + 4, picture.bottom() + 4, rect.width() - 8, line)
        painter.drawText(name_rect, int(Qt.AlignmentFlag.AlignHCenter), option.fontMetrics.elidedText(
            row.file_name, Qt.TextElideMode.ElideMiddle, name_rect.width()))  # fmt: skip
        found = f"{row.matches} match{'es' if row.matches != 1 else ''} · {row.status}" if row.matches else row.status
        if not selected:
            painter.setPen(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        info_rect = name_rect.translated(0, line)
        painter.drawText(info_rect, int(Qt.AlignmentFlag.AlignHCenter), option.fontMetrics.elidedText(
            found, Qt.TextElideMode.ElideRight, info_rect.width()))  # fmt: skip


class WorksGrid(QListView):
    """The top level of the review proxy (works, and "Your name and site") as tiles, in the proxy's order."""

    def __init__(self, proxy: ReviewProxy, previews: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("works-grid")
        self.setAccessibleName("Your works as a grid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setWordWrap(False)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setItemDelegate(_TileDelegate(previews, self))
        self.setModel(proxy)
        previews.ready.connect(lambda _path: self.viewport().update())

    def current_work(self) -> ReviewRow | None:
        value = self.currentIndex().data(ROW_ROLE)
        return value if isinstance(value, ReviewRow) else None
