"""`python -m gui` and the `traintrace-gui` entry point (`gui.__main__:main`).

Deliberately light at import time: the scan's worker processes are spawned, and a spawned process re-imports
the main module. Importing Qt and the whole app there would cost every worker seconds of start-up.

A Qt that cannot be loaded (PySide6 missing from a broken install, a system library missing on a bare Linux
machine) is reported in one line naming what to install, instead of a traceback.
"""

import sys

QT_LIBRARIES_HINT = "on Debian or Ubuntu: sudo apt install libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3"


def main() -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # in a frozen bundle, a spawned worker runs its task here and exits
    try:
        from gui.app import main as run_app
    except ImportError as exc:
        problem = qt_import_problem(exc)
        if problem is None:
            raise
        print(f"traintrace: cannot open the desktop app: {problem}", file=sys.stderr)
        return 1
    return run_app()


def qt_import_problem(exc: ImportError) -> str | None:
    """What to install when `exc` means Qt itself cannot be loaded; None for any other import error (a bug)."""
    if (exc.name or "").split(".")[0] in ("PySide6", "shiboken6"):
        return f"PySide6 is not installed; install it with: {sys.executable} -m pip install PySide6-Essentials"
    if "cannot open shared object file" in str(exc):
        return f"a system library Qt needs is missing ({exc}); {QT_LIBRARIES_HINT}"
    return None


if __name__ == "__main__":
    sys.exit(main())
