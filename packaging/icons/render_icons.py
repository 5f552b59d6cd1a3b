"""Render the app icon (gui/traintrace.svg, the one source) to PNG sizes, a Windows .ico and a macOS .icns.

Uses Qt's own SVG renderer (QtSvg, part of PySide6-Essentials), so no extra tool is needed:
    python packaging/icons/render_icons.py
Writes packaging/icons/hicolor/<n>x<n>/apps/org.traintrace.TrainTrace.png, traintrace.ico and traintrace.icns.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1] / "gui" / "traintrace.svg"
APP_ID = "org.traintrace.TrainTrace"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - image plug-ins (ico, icns) need an application
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"cannot read {SOURCE}", file=sys.stderr)
        return 1
    for size in SIZES:
        target = HERE / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not render(renderer, size).save(str(target), "PNG"):
            print(f"could not write {target}", file=sys.stderr)
            return 1
    largest = render(renderer, 256)
    for name, fmt in (("traintrace.ico", "ICO"), ("traintrace.icns", "ICNS")):
        if not largest.save(str(HERE / name), fmt):
            print(f"could not write {name} (missing Qt image plug-in?)", file=sys.stderr)
            return 1
    print(f"icons written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
