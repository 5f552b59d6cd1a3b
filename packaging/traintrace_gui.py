"""PyInstaller's entry script for the desktop app (the bundle's `traintrace-gui` executable)."""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
