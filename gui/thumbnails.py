"""Thumbnails of the artist's works: decoded on a worker at the size shown, only when asked for, LRU-cached.

The table asks for a thumbnail only when it paints a row, so only visible rows are ever decoded. Decoding uses
Pillow (the same decoders as the scan, HEIC included) with JPEG draft mode, so a 40-megapixel scan is never
decoded at full size just to show 48 pixels. Sizes are in device pixels (logical size x devicePixelRatio), so
thumbnails are sharp on high-DPI screens. Images never leave the machine; the cache lives in memory only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import pillow_heif
from PIL import Image, ImageOps

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from gui.workers import Pool, TaskError, Workers

MAX_SOURCE_PIXELS = 250_000_000  # same decompression-bomb limit as the scanner's default

pillow_heif.register_heif_opener()


def decode_scaled(path: str, device_size: int) -> QImage:
    """Decode `path` into a QImage fitting a `device_size` square (thread-safe: QImage, not QPixmap)."""
    with Image.open(path) as image:
        if image.width * image.height > MAX_SOURCE_PIXELS:
            raise ValueError(f"image too large to preview ({image.width} x {image.height})")
        image.draft("RGB", (device_size, device_size))  # JPEG: decode at a reduced scale directly
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((device_size, device_size), Image.Resampling.LANCZOS)
        rgba = upright.convert("RGBA")
    data = rgba.tobytes()
    qimage = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return qimage.copy()  # detach from the Python buffer before it is freed


class ThumbnailCache(QObject):
    """`get(path)` returns a cached pixmap or None and schedules the decode; `ready(path)` fires when done."""

    ready = Signal(str)
    failed = Signal(str, str)  # path, reason

    def __init__(
        self,
        workers: Workers,
        logical_size: int,
        device_pixel_ratio: Callable[[], float],
        capacity: int = 600,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._logical_size = logical_size
        self._ratio = device_pixel_ratio
        self._capacity = capacity
        self._cache: OrderedDict[tuple[str, int], QPixmap] = OrderedDict()
        self._loading: set[tuple[str, int]] = set()
        self._broken: set[str] = set()

    @property
    def logical_size(self) -> int:
        return self._logical_size

    def get(self, path: str) -> QPixmap | None:
        ratio = self._ratio()
        key = (path, round(self._logical_size * ratio))
        pixmap = self._cache.get(key)
        if pixmap is not None:
            self._cache.move_to_end(key)
            return pixmap
        if path not in self._broken and key not in self._loading:
            self._loading.add(key)
            self._workers.submit(
                Pool.THUMBNAILS,
                lambda: decode_scaled(path, key[1]),
                lambda image: self._store(key, image, ratio),
                lambda error: self._fail(key, error),
            )
        return None

    def __len__(self) -> int:
        return len(self._cache)

    def _store(self, key: tuple[str, int], image: QImage, ratio: float) -> None:
        self._loading.discard(key)
        pixmap = QPixmap.fromImage(image)  # QPixmap only on the GUI thread
        pixmap.setDevicePixelRatio(ratio)
        self._cache[key] = pixmap
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        self.ready.emit(key[0])

    def _fail(self, key: tuple[str, int], error: TaskError) -> None:
        """A file that cannot be previewed (moved, deleted, corrupt) shows no thumbnail; it is not retried."""
        self._loading.discard(key)
        self._broken.add(key[0])
        self.failed.emit(key[0], str(error.exception))
