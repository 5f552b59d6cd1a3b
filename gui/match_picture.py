"""A drawing of what a dataset row says about its image, made from the artist's own work: the published width and
height (its shape), and the variant that matched drawn as the work padded or cropped that way.

Nothing is downloaded: the dataset's own image is fetched only when the user asks (the compare panel's guarded
"Fetch and compare"). The drawing is labelled as a rendering so it is never taken for the dataset's picture.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.closeness import variant_geometry

MARGIN = 6


@dataclass(frozen=True)
class Rendering:
    """What to draw: the work's size, the pad or crop of the variant that matched, the published size."""

    work_size: tuple[int, int] | None
    variant: str | None
    published_size: tuple[int, int] | None
    placeholder: str = ""  # drawn inside the frame when there is no work to draw (a URL or name match)

    def variant_box(self) -> tuple[float, float, float, float, float, float, int | None] | None:
        """(canvas width, canvas height, work left, work top, work width, work height, pad grey) in work pixels:
        for a pad the work sits inside a larger canvas, for a crop the canvas is a window onto the work."""
        if self.work_size is None:
            return None
        width, height = self.work_size
        geometry = variant_geometry(self.variant)
        if geometry is None:
            return (width, height, 0, 0, width, height, None)
        left, top, right, bottom = geometry.pixels(width, height)
        if geometry.grey is not None:
            return (width + left + right, height + top + bottom, left, top, width, height, geometry.grey)
        return (width - left - right, height - top - bottom, -left, -top, width, height, None)

    def frame_size(self) -> tuple[float, float] | None:
        """The shape to draw: the published one, else the variant's."""
        if self.published_size is not None:
            return float(self.published_size[0]), float(self.published_size[1])
        box = self.variant_box()
        return (box[0], box[1]) if box is not None else None


class MatchPicture(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("A drawing of the dataset row's image, made from your work")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 120)
        self._rendering: Rendering | None = None
        self._pixmap: QPixmap | None = None

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(260, 220)

    def set_rendering(self, rendering: Rendering | None, pixmap: QPixmap | None) -> None:
        self._rendering, self._pixmap = rendering, pixmap
        self.update()

    @property
    def rendering(self) -> Rendering | None:
        return self._rendering

    def frame_rect(self) -> QRectF | None:
        """Where the published shape is drawn: fitted into the widget, centred."""
        size = self._rendering.frame_size() if self._rendering is not None else None
        if size is None or size[0] <= 0 or size[1] <= 0:
            return None
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        scale = min(area.width() / size[0], area.height() / size[1])
        width, height = size[0] * scale, size[1] * scale
        return QRectF(area.center().x() - width / 2, area.center().y() - height / 2, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        frame = self.frame_rect()
        if frame is None or self._rendering is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        box = self._rendering.variant_box()
        if box is None or self._pixmap is None:
            painter.fillRect(frame, self.palette().color(QPalette.ColorRole.AlternateBase))
            painter.setPen(self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText))
            flags = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
            painter.drawText(frame.adjusted(8, 8, -8, -8), flags, self._rendering.placeholder)
        else:
            canvas_w, canvas_h, left, top, work_w, work_h, grey = box
            sx, sy = frame.width() / canvas_w, frame.height() / canvas_h  # the published shape may stretch it
            if grey is not None:
                painter.fillRect(frame, QColor(grey, grey, grey))
            painter.save()
            painter.setClipRect(frame)
            target = QRectF(frame.left() + left * sx, frame.top() + top * sy, work_w * sx, work_h * sy)
            painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
            painter.restore()
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setWidthF(1.5)
        painter.setPen(pen)
        painter.drawRect(frame.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()
