"""`python -m gui` and the `traintrace-gui` entry point (`gui.__main__:main`).

Deliberately light at import time: the scan's worker processes are spawned, and a spawned process re-imports
the main module. Importing Qt and the whole app there would cost every worker seconds of start-up.
"""

import sys


def main() -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # in a frozen bundle, a spawned worker runs its task here and exits
    from gui.app import main as run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
