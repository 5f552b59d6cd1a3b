"""Take the documentation screenshots from the real app window (run under Xvfb, see below).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1400x900x24" python packaging/screenshots.py docs/screenshots

Uses a throwaway data folder and the demo catalogue: the first-run screen, the empty window, a scan in
progress, and the results with the compare panel (after real matching against the bundled sample datasets when
the core offers it), in the light and the dark palette. Look at every PNG after running it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

import core.resources
from core.app import TrainTrace
from core.paths import AppPaths
from core.profile import Profile
from core.resources import resource_path, sample_portfolio_dir
from gui.app import DEMO_SUFFIX, Gui, build, create_application
from gui.dialogs.first_run import FirstRunDialog
from gui.state import UiState

WINDOW_SIZE = (1320, 820)


def settle(milliseconds: int = 300) -> None:
    """Run the event loop for a while (painting, queued results) without busy-waiting."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        settle(50)


def shoot(widget: QWidget, target: Path) -> None:
    settle()
    if not widget.grab().save(str(target)):
        raise OSError(f"could not write {target}")
    print(f"wrote {target}")


def dark_palette() -> QPalette:
    """A desktop's dark palette, as a GNOME/KDE dark theme hands it to Qt (Xvfb has no theme to ask)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#262626",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d7fc4",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Mid: "#4a4a4a",
        QPalette.ColorRole.PlaceholderText: "#8a8a8a", QPalette.ColorRole.ToolTipBase: "#353535",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
    }  # fmt: skip
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def match_samples(facade: TrainTrace) -> bool:
    """Import the sample datasets and run real matching, if this build's core offers it."""
    run_matching = getattr(facade, "run_matching", None)
    add_dataset = getattr(facade, "add_dataset", None)
    samples = getattr(core.resources, "sample_datasets", None)
    if not (run_matching and add_dataset and samples):
        print("matching is not available in this build: the results show scanned works only")
        return False
    profile = json.loads(resource_path("sample_portfolio", "profile.json").read_text(encoding="utf-8"))
    facade.set_profile(Profile(**{key: tuple(v) if isinstance(v, list) else v for key, v in profile.items()}))
    for dataset_id, schema, file in samples():
        add_dataset(dataset_id, schema=schema, sources=[str(file)])
    run_matching()
    return True


def scanning_and_results(gui: Gui, out: Path, suffix: str) -> None:
    window = gui.window
    shot_taken: list[bool] = []

    def on_progress(update: object) -> None:
        if not shot_taken and getattr(update, "done", 0) >= 2 and getattr(update, "step", "") == "Fingerprinting":
            shot_taken.append(True)
            shoot(window, out / f"scanning{suffix}.png")

    gui.controller.scan_progress.connect(on_progress)
    finished: list[object] = []
    gui.controller.scan_finished.connect(finished.append)
    window.scan([sample_portfolio_dir()])
    wait_for(lambda: bool(finished))
    gui.controller.scan_progress.disconnect(on_progress)
    if match_samples(gui.facade):
        gui.controller.refresh()
        wait_for(lambda: any(row.match_id is not None for row in window.model.rows()))
    settle(800)
    window.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    window.table.selectRow(0)
    window.table.setFocus()
    settle(1200)  # thumbnails and the preview decode on workers
    shoot(window, out / f"results{suffix}.png")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ["TRAINTRACE_HOME"] = tempfile.mkdtemp(prefix="traintrace-shots-")
    app = create_application(sys.argv[:1])
    paths = AppPaths.resolve()
    welcome = FirstRunDialog()
    welcome.show()
    shoot(welcome, out / "first-run.png")
    welcome.close()
    app.setStyle("Fusion")
    light = app.palette()
    for suffix, palette in (("", light), ("-dark", dark_palette())):
        app.setPalette(palette)
        demo = AppPaths.resolve(Path(tempfile.mkdtemp(prefix="traintrace-shots-"))).for_demo()
        gui = build(TrainTrace.open(demo), UiState.in_folder(paths.config_dir), DEMO_SUFFIX)
        gui.window.resize(*WINDOW_SIZE)
        gui.window.show()
        gui.controller.refresh()
        if not suffix:
            shoot(gui.window, out / "empty.png")
        scanning_and_results(gui, out, suffix)
        gui.window.close()
        gui.close()
    QTimer.singleShot(0, app.quit)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
