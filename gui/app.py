"""The desktop app's composition root: builds the facade, the worker pools and the window, and runs Qt.

`main()` runs the app from parsed arguments; `traintrace gui` (which starts `python -m gui` in its own process)
and the `traintrace-gui` entry point reach it through the lighter `gui.__main__`. Without a display it says so
in one line and returns 1 before Qt is asked; a display Qt still cannot use (one that does not answer, a missing
system library) is the same one line and 1, never Qt's abort (gui.lifecycle). `run()` starts the app on given
paths: the bundled fallback fonts and the light or dark palette first, then the window; SIGTERM, SIGHUP and
Ctrl-C end it like closing the window. On the very first start the set-up guide opens (gui.dialogs.setup_guide);
paths given on the command line are checked at once, and what the check will not look at is said.
`--self-test` (used by the packaging check) opens the main window offscreen on a throwaway catalogue, runs the
first-run demo (sample profile, sample datasets imported, sample portfolio scanned and matched), writes tagged
"no AI training" copies of the sample works, and exits 0 only if works and matches reached the results table and
every copy was tagged.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from core import APP_ID, APP_NAME, __version__
from core.app import TrainTrace
from core.errors import TrainTraceError
from core.paths import AppPaths
from gui.controller import Controller
from gui.dialogs.error_dialog import ErrorDialog, install_excepthook
from gui.display import display_problem
from gui.features import Features
from gui.fonts import install_fonts
from gui.lifecycle import QuitOnSignals, qt_start_guard
from gui.main_window import MainWindow
from gui.state import UiState
from gui.theme import follow_system
from gui.thumbnails import ThumbnailCache
from gui.tools_controller import ToolsController
from gui.workers import Workers

THUMBNAIL_SIZE = 48
PREVIEW_SIZE = 280
SELF_TEST_TIMEOUT_MS = 120_000
DEMO_SUFFIX = " — sample portfolio (demo catalogue)"


@dataclass
class Gui:
    """Everything the composition root built, closed in the right order by `close()`."""

    facade: TrainTrace
    workers: Workers
    controller: Controller
    window: MainWindow
    tools: ToolsController
    features: Features

    def close(self) -> None:
        self.controller.cancel()
        self.tools.cancel_site_check()
        self.workers.shutdown()
        self.facade.close()


def build(facade: TrainTrace, state: UiState, title_suffix: str = "") -> Gui:
    """Wire the window around an open facade (tests call this with a catalogue in a temp folder)."""
    workers = Workers()
    controller = Controller(facade, workers)
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        raise RuntimeError("create the QApplication before building the window")
    ratio = app.devicePixelRatio  # the highest of all screens: thumbnails stay sharp on any of them
    thumbnails = ThumbnailCache(workers, THUMBNAIL_SIZE, ratio)
    previews = ThumbnailCache(workers, PREVIEW_SIZE, ratio, capacity=40)
    window = MainWindow(controller, state, thumbnails, previews, title_suffix)
    tools = ToolsController(facade, workers)
    features = Features(window, controller, tools, state)
    return Gui(facade, workers, controller, window, tools, features)


def app_icon() -> QIcon:
    return QIcon(str(Path(__file__).with_name("traintrace.svg")))


def create_application(argv: Sequence[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(list(argv))
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    return app


def _needs_first_run(paths: AppPaths, state: UiState) -> bool:
    """The very first start on an empty catalogue (a catalogue with works was set up elsewhere, e.g. the CLI)."""
    if state.first_run_done:
        return False
    with TrainTrace.open(paths) as facade:
        if facade.works():
            state.mark_first_run_done()
            return False
    return True


def quit_everything(app: QApplication) -> None:
    """End the app as closing its windows would (the window saves its state), whatever dialog is open: a
    dialog that refuses to close (a message box without a cancel button) does not keep the app running."""
    QApplication.closeAllWindows()
    app.exit(0)


def run(paths: AppPaths, roots: Sequence[Path] = (), demo: bool = False, self_test: bool = False) -> int:
    """Start the app on `paths` (checking `roots` at once if given); returns the process exit code."""
    with qt_start_guard():
        app = create_application(sys.argv[:1])
    install_fonts(app)
    follow_system(app)
    quitter = QuitOnSignals(lambda: quit_everything(app))
    state = UiState.in_folder(paths.config_dir)
    use_demo, start_demo = demo or self_test, demo or self_test
    try:
        first = not (use_demo or roots) and _needs_first_run(paths, state)
        while True:
            code, switch = _run_once(app, paths, state, [Path(root) for root in roots], use_demo, start_demo,
                                     self_test, first)  # fmt: skip
            if switch is None or quitter.received is not None:
                return code
            use_demo, start_demo, roots, first = switch, switch, (), False
    finally:
        quitter.restore()


def _run_once(
    app: QApplication,
    paths: AppPaths,
    state: UiState,
    roots: list[Path],
    use_demo: bool,
    start_demo: bool,
    self_test: bool,
    first: bool,
) -> tuple[int, bool | None]:
    """One window on the real or the demo catalogue; (exit code, None) at the end, or (0, demo?) when the user
    asked to switch catalogues (the sample portfolio, or back to their own)."""
    where = paths.for_demo() if use_demo else paths
    try:
        facade = TrainTrace.open(where)
    except TrainTraceError as exc:
        ErrorDialog("Opening your catalogue", exc, traceback.format_exc()).exec()
        return 1, None
    gui = build(facade, state, DEMO_SUFFIX if where.is_demo else "")
    switch: list[bool] = []

    def switch_to(demo: bool) -> None:
        switch.append(demo)
        quit_everything(app)

    gui.features.switch_requested.connect(switch_to)
    restore_hook = install_excepthook(gui.window.show_error)
    try:
        gui.window.show()
        gui.controller.refresh()
        if self_test:
            _arm_self_test(gui, app)
        if roots:
            gui.window.scan(roots)
            gui.features.notice_missing(roots)
        elif start_demo:
            gui.window.start_demo()
        elif first:
            gui.features.first_run()
        code = app.exec()
        return (0, switch[0]) if switch else (code, None)
    finally:
        restore_hook()
        gui.close()


def _arm_self_test(gui: Gui, app: QApplication) -> None:
    """Exit 0 once the demo (scan + match of the samples) put works and matches in the table; else 1."""
    print("self-test: main window shown", flush=True)  # build.sh times the start-up by this line

    def verdict(matches: list[object]) -> None:
        rows = gui.window.model.rowCount()
        print(f"self-test: demo finished, {rows} rows in the results table, {len(matches)} matches")
        app.exit(0 if rows > 0 and matches and _tag_sample_copies(gui.facade) else 1)

    def failed(doing: str, error: object) -> None:
        print(f"self-test: {doing} failed: {getattr(error, 'details', error)}", file=sys.stderr)
        app.exit(1)

    # the demo's end refreshes the catalogue; the snapshot that follows is what the user sees
    gui.controller.matching_finished.connect(lambda _summary: gui.controller.matches_loaded.connect(verdict))
    gui.controller.failed.connect(failed)
    gui.controller.cancelled.connect(lambda _what: app.exit(1))
    QTimer.singleShot(SELF_TEST_TIMEOUT_MS, lambda: (print("self-test: timed out", file=sys.stderr), app.exit(1)))


def _tag_sample_copies(facade: TrainTrace) -> bool:
    """Tagged copies of the sample works (exiv2, PNG copies, HEIC/AVIF) into a throwaway folder; True if all are."""
    from core.optout.exiv2_xmp import exiv2_version

    works = [Path(work.path) for work in facade.works()]
    results = facade.tag_copies(works, Path(tempfile.mkdtemp(prefix="traintrace-selftest-tagged-")), "DMI-PROHIBITED")
    ways = sorted({result.method.name for result in results if result.method is not None})
    tagged = sum(1 for result in results if result.status.value == "tagged")
    print(f"self-test: {tagged} of {len(works)} sample copies tagged (exiv2 {exiv2_version()}; {', '.join(ways)})")
    for result in results:
        if result.status.value != "tagged":
            print(f"self-test: {result.source.name}: {result.message}", file=sys.stderr)
    return bool(works) and tagged == len(works)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="traintrace-gui", description=f"{APP_NAME} desktop app")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--data-dir", type=Path, help="keep the catalogue and settings in this folder")
    parser.add_argument("--demo", action="store_true", help="open the demo catalogue with the sample portfolio")
    parser.add_argument("--self-test", action="store_true", help="scan the sample offscreen and exit (0 = ok)")
    parser.add_argument("paths", nargs="*", type=Path, help="folders or images to scan at start")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the scan's spawned workers re-enter here in a frozen bundle
    args = parse_args(sys.argv[1:] if argv is None else argv)
    data_dir = args.data_dir
    if args.self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        data_dir = data_dir or Path(tempfile.mkdtemp(prefix="traintrace-selftest-"))
    problem = display_problem()
    if problem is not None:  # asked before Qt, which would abort the process without a word the user can act on
        print(f"traintrace: cannot open the desktop app: {problem}", file=sys.stderr)
        return 1
    return run(AppPaths.resolve(data_dir), args.paths, demo=args.demo, self_test=args.self_test)


if __name__ == "__main__":
    sys.exit(main())
