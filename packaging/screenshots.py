"""Take the documentation screenshots from the real app window (run under Xvfb, see below).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1400x900x24" python packaging/screenshots.py docs/screenshots

Uses a throwaway data folder and the demo catalogue: the first-run screen, the empty window (its verdict: nothing
searched yet, and the next steps), a scan in progress, the works with their matches and the compare panel after
real matching against the bundled sample datasets (the first-run demo), a caption naming the artist, several
matches acted on at once, in the light and the dark palette, the dataset manager and the keyboard shortcuts. Look
at every PNG after running it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from core.app import TrainTrace
from core.paths import AppPaths
from core.progress import ProgressUpdate
from gui.app import DEMO_SUFFIX, Gui, build, create_application
from gui.dialogs.datasets_dialog import DatasetsDialog
from gui.dialogs.first_run import FirstRunDialog
from gui.dialogs.shortcuts_dialog import ShortcutsDialog
from gui.main_window import MainWindow
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


def demo_and_results(gui: Gui, out: Path, suffix: str) -> None:
    """Run the first-run demo (real import, scan and matching of the samples), shooting it mid-scan and done."""
    window = gui.window
    shot_taken: list[bool] = []

    def on_progress(update: ProgressUpdate) -> None:
        if not shot_taken and update.done >= 3 and update.step == "Fingerprinting":
            shot_taken.append(True)
            shoot(window, out / f"scanning{suffix}.png")

    gui.controller.scan_progress.connect(on_progress)
    matched: list[object] = []
    gui.controller.matching_finished.connect(matched.append)
    window.start_demo()  # the core supplies the sample artist, datasets and portfolio
    wait_for(lambda: bool(matched), seconds=180)
    wait_for(lambda: any(row.kind == "phash" for row in window.model.rows()))
    wait_for(lambda: window.verdict.summary is not None and window.verdict.summary.searched_anything)
    gui.controller.scan_progress.disconnect(on_progress)
    # a look-alike found through a variant (the work letterboxed), so the drawing of what the row says shows it
    lookalike = next(row for row in window.model.rows() if row.kind == "phash" and "letterboxed" in row.closeness)
    select(window, lookalike.key)
    settle(1500)  # thumbnails and the preview decode on workers
    shoot(window, out / f"results{suffix}.png")
    profile_and_many(gui, out, suffix)


def select(window: MainWindow, *keys: str) -> None:
    """Select rows by key (the first one current), as a click and Ctrl+clicks would."""
    from PySide6.QtCore import QItemSelectionModel

    selection = window.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    for key in keys:
        index = window.proxy.mapFromSource(window.model.index_for_key(key))
        selection.setCurrentIndex(index, flags)
        window.table.scrollTo(index)
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    window.table.setFocus()


def profile_and_many(gui: Gui, out: Path, suffix: str) -> None:
    """A caption match under "Your name and site" with the name highlighted, then several LAION matches selected
    and acted on at once."""
    window = gui.window
    caption = next(row for row in window.model.rows() if row.kind == "text" and row.caption_spans)
    select(window, caption.key)
    settle(1200)
    shoot(window, out / f"names{suffix}.png")
    laion = [row.key for row in window.model.rows() if row.match_id is not None and row.dataset == "laion-sample"]
    select(window, *laion[:3])
    wait_for(lambda: len(window.compare.act.match_ids) == 3 and bool(window.compare.act.route_titles()))
    act = window.compare.act
    titles = act.route_titles()
    act.routes.setCurrentIndex(next(i for i, title in enumerate(titles) if title.startswith("LAION")))
    window.compare.parentWidget().parentWidget().ensureWidgetVisible(act)  # type: ignore[attr-defined]
    settle(800)
    shoot(window, out / f"act-many{suffix}.png")
    window.grid_action.setChecked(True)  # the works as a grid, the chosen one's matches below
    window.compare.parentWidget().parentWidget().ensureWidgetVisible(window.compare.title)  # type: ignore[attr-defined]
    settle(1500)
    shoot(window, out / f"grid{suffix}.png")
    window.grid_action.setChecked(False)


def dataset_manager(gui: Gui, out: Path) -> None:
    gui.window.feature_actions["datasets"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, DatasetsDialog))
    wait_for(lambda: dialog.list.topLevelItemCount() > 0)
    dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
    shoot(dialog, out / "datasets.png")
    dialog.close()


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
        wait_for(lambda verdict=gui.window.verdict: verdict.summary is not None)  # type: ignore[misc]
        shoot(gui.window, out / f"empty{suffix}.png")
        demo_and_results(gui, out, suffix)
        if not suffix:
            dataset_manager(gui, out)
            gui.window.show_shortcuts()
            shortcuts = next(d for d in gui.window.open_dialogs() if isinstance(d, ShortcutsDialog))
            shoot(shortcuts, out / "shortcuts.png")
            shortcuts.close()
        gui.window.close()
        gui.close()
    QTimer.singleShot(0, app.quit)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
