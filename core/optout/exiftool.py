"""Putting a finished XMP packet into a HEIF or AVIF file with exiftool, where it is installed.

exiv2 reads these files but cannot write them. exiftool (Phil Harvey's, a separate program the app does not ship)
rewrites only the metadata items of the file and leaves the coded image items as they are. It gets the file on
standard input and gives the new file on standard output, so nothing touches the disk but the packet; its user
configuration file is not read, so the result does not depend on the user's exiftool set-up.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from core.errors import TrainTraceError

TIMEOUT_SECONDS = 120


class ExiftoolError(TrainTraceError):
    """exiftool could not write the file; the message carries exiftool's own reason."""


def find_exiftool() -> str | None:
    """The exiftool program on PATH (exiftool.exe on Windows), or None."""
    return shutil.which("exiftool")


def exiftool_version(program: str) -> str:
    try:
        done = subprocess.run([program, "-ver"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ExiftoolError(f"exiftool does not run: {exc}") from exc
    return done.stdout.strip()


def write_xmp_packet(program: str, data: bytes, packet: bytes) -> bytes:
    """`data` with its whole XMP replaced by `packet` (which holds the file's old XMP merged with ours)."""
    with tempfile.TemporaryDirectory(prefix="traintrace-xmp-") as folder:
        packet_file = Path(folder) / "tag.xmp"
        packet_file.write_bytes(packet)
        command = [program, "-config", "", "-q", "-q", f"-XMP<={packet_file}", "-", "-o", "-"]
        try:
            done = subprocess.run(command, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ExiftoolError(f"exiftool did not finish within {TIMEOUT_SECONDS} s") from exc
        except OSError as exc:
            raise ExiftoolError(f"exiftool does not run: {exc.strerror or exc}") from exc
    if done.returncode != 0 or not done.stdout:
        reason = " ".join(done.stderr.decode("utf-8", "replace").split()) or f"exit status {done.returncode}"
        raise ExiftoolError(f"exiftool could not write the file: {reason}")
    return done.stdout
