"""PyInstaller's entry script for the desktop app (the bundle's `traintrace-gui` executable).

The app is imported only after `freeze_support()`: a spawned scan worker starts this executable again and
must run its task without loading Qt and the whole window first.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from gui.app import main

    sys.exit(main())
