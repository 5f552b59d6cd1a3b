"""The `traintrace` console script: deliberately light at import time.

The scan's worker processes are spawned, and a spawned process re-imports the main script; with the whole
CLI imported there (HTTP, PDF, datasets...), every worker would spend seconds starting. So the script only
imports this module, and the CLI is imported when it runs.
"""

import sys


def run() -> None:
    from core.cli.main import main

    sys.exit(main())
