"""Time a command's start-up by the moment it prints a marker line (used by build.sh for the bundle).

    python packaging/time_start.py "self-test: main window shown" -- build/dist/TrainTrace/traintrace-gui --self-test
Prints the command's output, then the seconds until the marker and until exit; exits with the command's status.
"""

from __future__ import annotations

import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    marker, command = argv[0], argv[argv.index("--") + 1 :]
    started = time.monotonic()
    seen: float | None = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if seen is None and marker in line:
                seen = time.monotonic() - started
    total = time.monotonic() - started
    shown = f"{seen:.2f} s" if seen is not None else "never"
    print(f"start-up to '{marker}': {shown}; until exit: {total:.2f} s (exit status {process.returncode})")
    return process.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
