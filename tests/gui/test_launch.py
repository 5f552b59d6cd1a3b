"""Starting the desktop app where it cannot open: one line saying what to do and exit 1, never Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui.__main__ import qt_import_problem
from gui.app import main
from gui.display import display_problem

ROOT = Path(__file__).resolve().parents[2]
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


@pytest.mark.parametrize(
    ("environ", "platform", "opens"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", True),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland-egl"}, "linux", False),
        ({}, "freebsd14", False),
        ({}, "darwin", True),
        ({}, "win32", True),
    ],
)
def test_whether_a_window_can_open_is_read_from_the_environment(
    environ: dict[str, str], platform: str, opens: bool
) -> None:
    problem = display_problem(environ, platform)
    assert (problem is None) == opens
    if problem is not None:
        assert "\n" not in problem and "offscreen" in problem


def test_without_a_display_the_app_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable in DISPLAY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("traintrace: cannot open the desktop app: no display") and err.count("\n") == 1


def test_a_missing_qt_is_one_line_naming_the_install_command() -> None:
    script = "import sys; sys.modules['PySide6'] = None\nfrom gui.__main__ import main\nsys.exit(main())\n"
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert completed.returncode == 1
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr
    assert "pip install PySide6-Essentials" in completed.stderr


def test_a_missing_system_library_names_the_packages_and_other_import_errors_stay_bugs() -> None:
    missing = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    assert "apt install libegl1" in (qt_import_problem(missing) or "")
    assert qt_import_problem(ModuleNotFoundError("No module named 'gui.nope'", name="gui.nope")) is None


@pytest.mark.integration
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux needs a display named in the environment")
def test_the_gui_command_without_a_display_exits_1_with_one_line(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in DISPLAY_VARIABLES}
    command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(tmp_path), "gui"]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr.count("\n") == 1 and "no display" in completed.stderr
