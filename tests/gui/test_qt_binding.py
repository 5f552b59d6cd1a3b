"""The Qt binding itself: PySide6 6.12.0 dropped one reference to `True` on every `Signal.emit`, so a session of
the app aborted ("Fatal Python error: bool_dealloc") after a few hundred progress updates. pyproject excludes that
release; this test catches a later release with the same fault before users do."""

from __future__ import annotations

import os
import subprocess
import sys

EMITS = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Emitter(QObject):
    number = Signal(int)
    bare = Signal()

app = QCoreApplication([])
emitter = Emitter()
emitter.number.connect(lambda value: None)
emitter.bare.connect(lambda: None)
before = sys.getrefcount(True)
for _ in range(50):
    emitter.number.emit(1)
    emitter.bare.emit()
print(before, sys.getrefcount(True))
"""


def test_emitting_signals_leaves_the_reference_counts_of_python_objects_alone() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", EMITS], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert after == before
