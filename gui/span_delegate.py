"""Paints a dataset's caption or URL as plain text with the artist's name or site highlighted.

The text is laid out as plain text (QTextLayout, never rich text: a caption holding `<b>` shows `<b>`), and the
ranges the core found (core.highlights) get a character format. When the first range lies beyond the cell's
width, the text is shifted left so it shows, with an ellipsis at the start.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QTextCharFormat, QTextLayout, QTextOption
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gui.review_rows import SPANS_ROLE

ELLIPSIS = "…"


def highlight_format(palette: QPalette) -> QTextCharFormat:
    """Bold on a soft tint of the highlight colour: readable in light and dark palettes, selected or not."""
    tint = QColor(palette.color(QPalette.ColorRole.Highlight))
    tint.setAlpha(70)
    fmt = QTextCharFormat()
    fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setBackground(tint)
    return fmt


class SpanDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        spans = index.data(SPANS_ROLE) or ()
        if not spans:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text.replace("\n", " ").replace("\r", " ").replace("\t", " ")  # one line, same offsets
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:
            super().paint(painter, option, index)
            return
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget).adjusted(3, 0, -3, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        layout = QTextLayout(text, opt.font)
        layout.setTextOption(QTextOption())
        fmt = highlight_format(opt.palette)
        ranges = []
        for start, end in spans:
            if 0 <= start < end <= len(text):
                item = QTextLayout.FormatRange()
                item.start, item.length, item.format = start, end - start, fmt
                ranges.append(item)
        layout.setFormats(ranges)
        layout.beginLayout()
        line = layout.createLine()
        if not line.isValid():
            layout.endLayout()
            return
        line.setLineWidth(1_000_000)
        layout.endLayout()
        first = min(start for start, _ in spans)
        shift = 0.0
        found = line.cursorToX(first)
        first_x = float(found[0] if isinstance(found, tuple) else found)  # type: ignore[arg-type]
        if first_x > rect.width() * 0.6:
            shift = first_x - rect.width() * 0.25
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setClipRect(rect)
        painter.setPen(opt.palette.color(role))
        top = rect.top() + (rect.height() - line.height()) / 2
        layout.draw(painter, QPointF(rect.left() - shift, top))
        if shift:
            width = opt.fontMetrics.horizontalAdvance(ELLIPSIS) + 4
            background = opt.palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
            if not selected and opt.features & QStyleOptionViewItem.ViewItemFeature.Alternate:
                background = opt.palette.color(QPalette.ColorRole.AlternateBase)
            cover = QRectF(rect.left(), rect.top(), width, rect.height())
            painter.fillRect(cover, background)
            painter.drawText(cover, int(opt.displayAlignment), ELLIPSIS)
        painter.restore()
