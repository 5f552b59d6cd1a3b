"""How the app starts and ends outside the user's clicks: Qt failing to start, and signals from the system.

- When Qt cannot open its window (a `DISPLAY` that does not answer, a missing system library), it prints
  several lines ending in "Reinstalling the application may fix this problem" and aborts the process (exit 134,
  or 250 through `traintrace gui`). `qt_start_guard()` turns that into one line saying what to do, and exit 1.
- SIGTERM, SIGHUP and SIGINT (a logout, `kill`, Ctrl-C in the terminal) end the app the way closing its window
  does: the window's state is saved, running work is cancelled, the catalogue is closed. Python only runs
  signal handlers between bytecodes, which never happens while Qt waits for events, so the signal is written to
  a socket that Qt watches (`signal.set_wakeup_fd`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from types import FrameType

from PySide6.QtCore import QMessageLogContext, QObject, QSocketNotifier, QTimer, QtMsgType, qInstallMessageHandler

from gui.display import ADVICE

QT_LIBRARIES_HINT = "on Debian or Ubuntu: sudo apt install libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1"
QUIT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name))


def qt_start_problem(messages: list[str], environ: dict[str, str] | None = None) -> str:
    """One line for the user from what Qt said before it gave up."""
    env = os.environ if environ is None else environ
    text = "\n".join(messages)
    if "could not connect to display" in text:
        display = env.get("DISPLAY", "")
        return f"the display {display} does not answer (is the X server running, and may you use it?): {ADVICE}"
    if "wayland" in text.lower() and "failed to create display" in text.lower():
        return f"the Wayland display {env.get('WAYLAND_DISPLAY', '')} does not answer: {ADVICE}"
    if "xcb-cursor" in text or "Could not load the Qt platform plugin" in text:
        return (
            f"Qt could not load its window system plugin, a system library is missing ({QT_LIBRARIES_HINT}); {ADVICE}"
        )
    first = next((line for line in text.splitlines() if line.strip()), "no reason given")
    return f"Qt could not start ({first.strip()}): {ADVICE}"


@contextlib.contextmanager
def qt_start_guard(exit_now: Callable[[int], None] = os._exit) -> Iterator[None]:
    """Around the creation of the QApplication: a fatal Qt error becomes one line on stderr and exit 1.

    Qt's other messages of that moment are held back and printed afterwards if Qt did start."""
    held: list[str] = []

    def handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind == QtMsgType.QtFatalMsg:
            sys.stderr.write(f"traintrace: cannot open the desktop app: {qt_start_problem([*held, message])}\n")
            sys.stderr.flush()
            exit_now(1)  # Qt aborts the process right after this handler returns
            return
        held.append(message)

    qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(None)
        for message in held:
            sys.stderr.write(message + "\n")


class QuitOnSignals(QObject):
    """Calls `quit()` on the GUI thread when the process gets SIGTERM, SIGHUP or SIGINT."""

    def __init__(self, quit_app: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.received: int | None = None
        self._quit = quit_app
        self._previous: dict[int, object] = {}
        self._previous_fd = -1
        self._reader, writer = socket.socketpair()
        self._writer = writer
        for end in (self._reader, writer):
            end.setblocking(False)
        self._notifier: QSocketNotifier | None = None
        self._timer: QTimer | None = None
        try:
            self._previous_fd = signal.set_wakeup_fd(writer.fileno())
            self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._drain)
        except (ValueError, OSError):  # not the main thread, or a platform without it: poll instead
            self._timer = QTimer(self)
            self._timer.timeout.connect(lambda: None)  # lets Python run its signal handlers
            self._timer.start(250)
        for number in QUIT_SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)

    def _handle(self, number: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = number
            QTimer.singleShot(0, self._quit)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while self._reader.recv(64):
                pass

    def restore(self) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)  # type: ignore[arg-type]
        self._previous.clear()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            with contextlib.suppress(ValueError):
                signal.set_wakeup_fd(self._previous_fd)
        if self._timer is not None:
            self._timer.stop()
        self._reader.close()
        self._writer.close()
