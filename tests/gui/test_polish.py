"""Polish (issue 14, item 7): icon, light and dark palettes that follow the desktop, the bundled fonts for CJK,
Arabic and Hangul names, sizes that fit at 100 % and 200 %, no Qt abort without a usable display, SIGTERM ends
the app, errors as plain sentences with the details folded away, and dialogs that tell the truth."""

from __future__ import annotations

import configparser
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette, QTextLayout
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QWidget

from core.app import TrainTrace
from core.paths import AppPaths
from core.resources import sample_datasets
from core.secrets import SecretStoreError
from gui import theme
from gui.dialogs.datasets_dialog import DatasetsDialog
from gui.dialogs.error_dialog import ErrorDialog
from gui.fonts import install_fonts
from gui.lifecycle import qt_start_problem
from gui.pages.pack_preview import PackPreviewPage
from gui.pages.site_check import SiteCheckPage
from gui.pages.tagging import TaggingPage
from tests.gui.conftest import GuiFactory

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("山田太郎の作品.png", "キャラクター設定.jpg", "김민지_작업.png", "مرسم_الفنانة.png")


@pytest.fixture
def restore_theme() -> object:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    palette, style = QPalette(app.palette()), app.style().name()
    yield app
    app.setPalette(palette)
    app.setStyle(style)
    theme._current = theme.Scheme.LIGHT


WAIT_MS = 30_000  # generous: the machine may be busy


def test_the_app_has_its_own_icon_and_the_desktop_file_names_it(qtbot: object) -> None:
    from gui.app import app_icon

    icon = app_icon()
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(ROOT / "packaging" / "linux" / "org.traintrace.TrainTrace.desktop")
    name = entry["Desktop Entry"]["Icon"]
    assert (ROOT / "packaging" / "icons" / "hicolor" / "256x256" / "apps" / f"{name}.png").exists()


@pytest.mark.parametrize("scheme", list(theme.Scheme))
def test_both_palettes_read_well(scheme: theme.Scheme) -> None:
    palette = theme.palette_for(scheme)
    role = QPalette.ColorRole
    for foreground, background in ((role.Text, role.Base), (role.WindowText, role.Window),
                                   (role.ButtonText, role.Button), (role.HighlightedText, role.Highlight),
                                   (role.ToolTipText, role.ToolTipBase)):  # fmt: skip
        assert theme.contrast(palette.color(foreground), palette.color(background)) >= 4.5, (scheme, foreground)
    for name in ("good", "warn", "bad"):
        colour = QColor(theme.ACCENTS[scheme][name])
        assert theme.contrast(colour, palette.color(role.Base)) >= 4.5, (scheme, name)
    muted = QColor(theme.ACCENTS[scheme]["muted"])
    assert theme.contrast(muted, palette.color(role.Base)) >= 3.0


def test_the_app_follows_the_desktop_between_light_and_dark(
    restore_theme: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = restore_theme
    monkeypatch.setattr(theme, "system_scheme", lambda _app: theme.Scheme.LIGHT)
    theme.follow_system(app)
    assert app.palette().color(QPalette.ColorRole.Base) == QColor(theme.LIGHT[QPalette.ColorRole.Base])
    monkeypatch.setattr(theme, "system_scheme", lambda _app: theme.Scheme.DARK)
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the desktop switched to dark
    assert theme.current_scheme() is theme.Scheme.DARK
    assert app.palette().color(QPalette.ColorRole.Base) == QColor(theme.DARK[QPalette.ColorRole.Base])


def test_check_boxes_keep_a_visible_outline_in_the_dark(restore_theme: QApplication, qtbot: object) -> None:
    theme.apply_theme(restore_theme, theme.Scheme.DARK)
    box = QCheckBox()
    qtbot.addWidget(box)  # type: ignore[attr-defined]
    box.resize(box.sizeHint())
    image = box.grab().toImage()
    base = QColor(theme.DARK[QPalette.ColorRole.Base])
    window = QColor(theme.DARK[QPalette.ColorRole.Window])
    seen = {image.pixelColor(x, y).name() for x in range(min(image.width(), 24)) for y in range(image.height())}
    outline = [c for c in seen if max(theme.contrast(QColor(c), base), theme.contrast(QColor(c), window)) > 1.6]
    assert outline, seen  # the box is drawn, not lost in the background


def test_cjk_arabic_and_hangul_names_render_with_real_glyphs(qtbot: object) -> None:
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    registered = install_fonts(app)
    assert set(registered.families) >= {"Noto Sans Arabic", "Droid Sans Fallback", "NanumGothic"}
    for name in NAMES:
        layout = QTextLayout(name, app.font())
        layout.beginLayout()
        layout.createLine()
        layout.endLayout()
        runs = layout.glyphRuns()
        assert runs and all(0 not in run.glyphIndexes() for run in runs), name  # no empty box (.notdef)


def test_a_cjk_name_in_a_label_is_drawn(qtbot: object) -> None:
    from PySide6.QtWidgets import QLabel

    install_fonts(QApplication.instance())  # type: ignore[arg-type]
    label = QLabel("山田太郎")
    qtbot.addWidget(label)  # type: ignore[attr-defined]
    label.resize(label.sizeHint())
    image = label.grab().toImage()
    box = QImage(image.size(), QImage.Format.Format_ARGB32)
    box.fill(label.palette().color(QPalette.ColorRole.Window))
    painter = QPainter(box)
    painter.drawText(QPoint(2, label.fontMetrics().ascent()), "\ufffe")  # what a missing glyph would look like
    painter.end()
    ink = sum(1 for x in range(image.width()) for y in range(image.height())
              if image.pixelColor(x, y) != label.palette().color(QPalette.ColorRole.Window))  # fmt: skip
    assert ink > 40


def test_every_new_window_fits_a_laptop_screen_at_200_percent(qtbot: object, make_gui: GuiFactory) -> None:
    """At 200 % a 2560 x 1600 screen is 1280 x 800 logical pixels: nothing may need more than that."""
    gui = make_gui()
    opened: list[QWidget] = [
        gui.features.open_guide(),
        gui.features.open_site_check(),
        gui.features.open_tagging(),
        gui.features.open_pack(),
        gui.features.open_datasets(),
        gui.features.open_sources(),
    ]
    for widget in opened:
        needed = widget.minimumSizeHint()
        assert needed.width() <= 1280 and needed.height() <= 800, (type(widget).__name__, needed)
        assert widget.width() <= 1280 and widget.height() <= 800, (type(widget).__name__, widget.size())
        if isinstance(widget, QDialog):
            widget.close()


@pytest.mark.integration
def test_at_200_percent_the_guide_is_drawn_at_double_density(tmp_path: Path) -> None:
    script = (
        "import sys\nfrom PySide6.QtWidgets import QApplication\nfrom core.app import TrainTrace\n"
        "from core.paths import AppPaths\nfrom gui.app import build\nfrom gui.state import UiState\n"
        "app = QApplication([])\npaths = AppPaths.resolve()\n"
        "gui = build(TrainTrace.open(paths), UiState.in_folder(paths.config_dir))\n"
        "guide = gui.features.open_guide()\nimage = guide.grab()\n"
        "print(app.devicePixelRatio(), image.width() / guide.width(), guide.width(), guide.height())\n"
        "gui.close()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2", "TRAINTRACE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    ratio, density, width, height = (float(value) for value in done.stdout.split())
    assert ratio == 2 and density == 2 and width <= 1280 and height <= 800


def test_errors_are_a_sentence_with_the_details_folded_away(qtbot: object) -> None:
    error = SecretStoreError("the system keyring refused the token: Cannot create an item in a locked collection")
    dialog = ErrorDialog("Saving the source settings", error, "Traceback (most recent call last):\n  File ...")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    assert dialog.message.text() == (
        "Saving the source settings failed: the system keyring refused the token: Cannot create an item in a "
        "locked collection"
    )
    assert not dialog.details.isVisible() and "Traceback" not in dialog.message.text()
    dialog.toggle.click()
    assert dialog.details.isVisible() and "Traceback" in dialog.details.toPlainText()
    assert dialog.toggle.text() == "Hide details"


def test_the_datasets_dialog_lists_the_known_datasets_and_tells_the_truth_after_an_import(
    qtbot: object, make_gui: GuiFactory
) -> None:
    gui = make_gui()
    gui.window.feature_actions["datasets"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, DatasetsDialog))
    qtbot.waitUntil(lambda: dialog.known.topLevelItemCount() >= 13, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert "No dataset is added yet, so nothing is searched" in dialog.details.toPlainText()
    dataset_id, schema, file = sample_datasets()[0]
    add = dialog.ask_add()
    add.dataset_id.setCurrentText(dataset_id)
    add.source.setText(str(file))
    add.schema.setCurrentIndex(add.schema.findData(schema))
    with qtbot.waitSignal(gui.controller.datasets_loaded, timeout=60_000):  # type: ignore[attr-defined]
        add.accept()
    text = dialog.details.toPlainText()
    assert text.startswith(f"{dataset_id} is added and searched now: 3,000 rows read and matched")
    assert "No dataset" not in text and dialog.list.topLevelItemCount() == 1


def test_qt_start_problems_become_one_line_saying_what_to_do() -> None:
    messages = ["could not connect to display :99", "Could not load the Qt platform plugin \"xcb\"",
                "This application failed to start because no Qt platform plugin could be initialized."]  # fmt: skip
    line = qt_start_problem(messages, {"DISPLAY": ":99"})
    assert line.startswith("the display :99 does not answer") and "\n" not in line and "Reinstall" not in line
    missing = qt_start_problem(["From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed", "Could not load the Qt"], {})
    assert "libxcb-cursor0" in missing and "sudo apt install" in missing


@pytest.mark.integration
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="an X display named in DISPLAY is a Linux matter")
@pytest.mark.parametrize("launcher", [["-m", "gui"], ["-m", "core.cli.main", "gui"]])
def test_a_display_that_does_not_answer_is_one_line_and_exit_1(tmp_path: Path, launcher: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(DISPLAY=":97", TRAINTRACE_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, *launcher], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert done.stderr.count("\n") == 1 and "the display :97 does not answer" in done.stderr
    assert "Reinstalling the application" not in done.stderr


def _wait_for_window_state(home: Path, process: subprocess.Popen[bytes]) -> None:
    """The app is up once it opened its catalogue (then a moment more to show its window). No bound on how long
    that takes here: pytest-timeout ends a start-up that never comes, on a slow machine as on a fast one."""
    catalogue = AppPaths.resolve(home).catalogue_file
    while not catalogue.exists():
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.2)
    time.sleep(4)


@pytest.mark.integration
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_to_the_launcher_ends_the_app_too(tmp_path: Path) -> None:
    import psutil

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(tmp_path), "gui"]
    launcher = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_for_window_state(tmp_path, launcher)
        (app,) = psutil.Process(launcher.pid).children()
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=30) == 0
        assert not app.is_running() or app.status() == psutil.STATUS_ZOMBIE
    finally:
        if launcher.poll() is None:
            launcher.kill()
    state = (tmp_path / "config" / "ui-state.ini").read_text()
    assert "geometry" in state  # ended as a closed window does: its layout was saved


@pytest.mark.integration
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_to_the_app_ends_it_like_closing_the_window(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen([sys.executable, "-m", "gui", "--data-dir", str(tmp_path)], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        _wait_for_window_state(tmp_path, app)
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=30) == 0
    finally:
        if app.poll() is None:
            app.kill()
    assert "geometry" in (tmp_path / "config" / "ui-state.ini").read_text()


def test_the_act_pages_are_in_the_act_menu(make_gui: GuiFactory) -> None:
    gui = make_gui()
    menu = next(a.menu() for a in gui.window.menuBar().actions() if a.text().replace("&", "") == "Act")
    texts = [action.text().replace("&", "") for action in menu.actions() if action.text()]  # type: ignore[union-attr]
    assert "Check my website…" in texts and "Tag works with “no AI training”…" in texts and "Opt-out pack…" in texts
    for opener, kind in ((gui.features.open_site_check, SiteCheckPage), (gui.features.open_tagging, TaggingPage),
                         (gui.features.open_pack, PackPreviewPage)):  # fmt: skip
        page = opener()
        assert isinstance(page, kind) and opener() is page  # opened once, raised the second time
        page.close()


def test_known_datasets_are_read_without_the_network(paths: AppPaths) -> None:
    with TrainTrace.open(paths) as facade:
        assert all(item.plan.read_bytes is None for item in facade.known_datasets())
