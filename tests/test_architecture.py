"""Layering rules that keep the core testable and the GUI thin."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parents[1]


def _core_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(core.__path__, "core."))


def test_no_core_module_imports_qt_or_the_gui() -> None:
    modules = _core_modules()
    assert len(modules) > 10
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaks = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'gui'))\n"
        "print(','.join(leaks))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == ""


def test_the_network_is_blocked_in_tests() -> None:
    import socket

    import pytest

    with pytest.raises(RuntimeError, match="reach the network"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
