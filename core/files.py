"""Writing the files the user asked for, safely: the one atomic writer of the app.

- An output path that is a symbolic link, a folder, a device or anything but a regular file is refused with a
  message saying what to give instead (`report --pdf /dev/full` must not turn a device into a PDF, and a link
  must not be replaced by a file, or followed to somewhere the user did not name).
- A file path whose folder does not exist is a usage error (the user mistyped it); a folder the user cannot
  write into is an error that says so. Neither is ever a traceback.
- Bytes go to a new temporary file beside the target (created exclusively, under a random name), are flushed
  to disk, and only then renamed over the target: a crash or a full disk never leaves half a file behind.
- `-` means standard output for the text exports (`--json -`, `--csv -`); see `write_text_output`.

A new file gets the permissions the user's umask gives ordinary files; a replaced file keeps its own; callers
that need a given mode (0644 for website files, 0600 for the data folder) pass it.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from pathlib import Path

from core.errors import TrainTraceError, UsageError

STDOUT = "-"
_TEMP_ATTEMPTS = 20


def is_stdout(path: Path | str | None) -> bool:
    """Whether an output option names standard output (`-`)."""
    return path is not None and str(path) == STDOUT


def check_output_file(path: Path) -> None:
    """Refuse, with a message saying what to do, a path that cannot or must not be written as a regular file."""
    path = Path(path)
    if is_stdout(path):
        raise UsageError("standard output (-) is only for --json and --csv: give a file name")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise TrainTraceError(f"cannot use {path}: {_reason(exc)}") from exc
    if info is not None:
        _check_existing(path, info.st_mode)
    check_output_folder(path.parent if str(path.parent) else Path("."), for_file=path)


def _check_existing(path: Path, mode: int) -> None:
    if stat.S_ISLNK(mode):
        raise UsageError(
            f"{path} is a symbolic link; TrainTrace does not write through links: give the real file's path "
            "or remove the link"
        )
    if stat.S_ISDIR(mode):
        raise UsageError(f"{path} is a folder: give a file name inside it (for example {path / 'output'})")
    if not stat.S_ISREG(mode):
        raise UsageError(f"{path} is not a regular file (it is {_kind(mode)}): give the path of an ordinary file")


def check_output_folder(folder: Path, *, for_file: Path | None = None) -> None:
    """The folder an output file goes into must exist (a typo is not silently created) and be writable."""
    if not folder.exists():
        what = f" for {for_file.name}" if for_file is not None else ""
        raise UsageError(f"the folder {folder}{what} does not exist: create it first, or choose another place")
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: choose a folder to write into")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TrainTraceError(f"cannot write into {folder}: permission denied; choose a folder you can write to")


def prepare_output_dir(folder: Path) -> None:
    """Create an output folder (`--out DIR`) if needed; refuse a file in its place or a read-only one."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder: give a folder to write into")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrainTraceError(f"cannot create the folder {folder}: {_reason(exc)}; {_advice(exc)}") from exc
    check_output_folder(folder)


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` in one step (see the module docstring); `mode` forces the permissions."""
    path = Path(path)
    check_output_file(path)
    folder = path.parent if str(path.parent) else Path(".")
    temp, fd = _create_temp(folder, path.name)
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            final_mode = mode if mode is not None else _existing_mode(path)
            if final_mode is not None:
                os.chmod(temp, final_mode)
            check_output_file(path)  # checked again just before the rename: nothing appeared there meanwhile
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise TrainTraceError(f"cannot write {path}: {_reason(exc)}; {_advice(exc)}") from exc


def write_text_output(path: Path, text: str) -> None:
    """Write an export (JSON, CSV): to standard output for `-`, else atomically to the file."""
    if is_stdout(path):
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError as exc:  # `... --json - | head`: the reader left
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's last flush does not fail again
            os.close(devnull)
            raise TrainTraceError("standard output was closed before the whole export was written") from exc
        return
    write_atomically(path, text.encode("utf-8"))


def _create_temp(folder: Path, name: str) -> tuple[Path, int]:
    """A new file beside the target, created exclusively (never an existing file or a planted link)."""
    for _attempt in range(_TEMP_ATTEMPTS):
        temp = folder / f".{name[:200]}.{secrets.token_hex(6)}.tmp"
        try:
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise TrainTraceError(f"cannot write into {folder}: {_reason(exc)}; {_advice(exc)}") from exc
    raise TrainTraceError(f"cannot create a temporary file in {folder}")


def _existing_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def _advice(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose a folder you can write to"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some disk space, or choose another disk"
    return "check the path and try again"
