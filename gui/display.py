"""Whether Qt can open a window here, decided before Qt is asked: Qt aborts the whole process (a core dump, no
message a user can act on) when its platform plugin finds no display. Qt-free, so it is cheap to call first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

ADVICE = (
    "start it from a desktop session, or use the command line (traintrace --help); "
    "QT_QPA_PLATFORM=offscreen runs it without a screen"
)
NO_DISPLAY = f"no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): {ADVICE}"


def display_problem(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """None when the app can open its window; else why not, in one line.

    Only Linux (and the BSDs) need a display server named in the environment; `QT_QPA_PLATFORM` may name several
    platforms to try (`wayland;xcb`), and platforms such as `offscreen`, `vnc` or `eglfs` need none.
    """
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if system.startswith(("win", "darwin", "cygwin")):
        return None
    has_x11, has_wayland = bool(env.get("DISPLAY")), bool(env.get("WAYLAND_DISPLAY"))
    requested = [part.split(":", 1)[0].strip() for part in env.get("QT_QPA_PLATFORM", "").split(";")]
    requested = [name for name in requested if name]
    if not requested:
        return None if has_x11 or has_wayland else NO_DISPLAY
    for name in requested:
        if (name == "xcb" and has_x11) or (name.startswith("wayland") and has_wayland):
            return None
        if name != "xcb" and not name.startswith("wayland"):
            return None  # offscreen, minimal, vnc, eglfs, linuxfb...: no display server needed
    needed = " or ".join(dict.fromkeys("DISPLAY" if name == "xcb" else "WAYLAND_DISPLAY" for name in requested))
    return f"QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']} needs a display, but {needed} is not set: {ADVICE}"
