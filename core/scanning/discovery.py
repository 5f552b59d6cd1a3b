"""Walk folders for image files: recursive, symlink-loop-proof, skipping system files and non-images."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

IMAGE_EXTENSIONS = frozenset(
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".dib",
        ".heic", ".heif", ".hif", ".avif",
    }
)  # fmt: skip
SYSTEM_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"})
SYSTEM_DIRS = frozenset(
    {".git", ".svn", ".hg", "__macosx", ".trashes", ".trash", ".spotlight-v100", ".fseventsd", "$recycle.bin",
     "@eadir", ".thumbnails", "system volume information"}
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """An image file found under a scanned root.

    `path` is the absolute path as text (the catalogue key); `relative` uses `/` separators from the root
    (for a single file argument, its name). `name_error` is set when the file name is not valid text in the
    file system's encoding: such a file is recorded as unreadable rather than silently dropped.
    """

    root: str
    path: str
    relative: str
    size: int
    mtime_ns: int
    name_error: str | None = None


@dataclass
class DiscoveryReport:
    candidates: list[Candidate]
    ignored: int  # non-image and system files
    problems: list[tuple[str, str]]  # (path, reason) for folders or arguments that could not be read


def discover(roots: list[Path]) -> DiscoveryReport:
    report = DiscoveryReport(candidates=[], ignored=0, problems=[])
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[str] = set()
    for root in roots:
        absolute = Path(os.path.abspath(root))
        try:
            info = absolute.stat()
        except OSError as exc:
            report.problems.append((_text(str(absolute)), _os_reason(exc)))
            continue
        if stat.S_ISDIR(info.st_mode):
            for candidate in _walk(absolute, report, seen_dirs):
                if candidate.path not in seen_files:
                    seen_files.add(candidate.path)
                    report.candidates.append(candidate)
        elif _is_image_name(absolute.name) and str(absolute) not in seen_files:
            seen_files.add(str(absolute))
            report.candidates.append(_candidate(str(absolute.parent), str(absolute), absolute.name, info))
        else:
            report.ignored += 1
    return report


def _walk(root: Path, report: DiscoveryReport, seen_dirs: set[tuple[int, int]]) -> Iterator[Candidate]:
    """Depth-first walk following directory symlinks once each (by device and inode), so loops end."""
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            info = directory.stat()
            key = (info.st_dev, info.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:
            report.problems.append((_text(str(directory)), _os_reason(exc)))
            continue
        subdirs: list[Path] = []
        for entry in entries:
            lowered = entry.name.lower()
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:
                report.ignored += 1
                continue
            if is_dir:
                if lowered not in SYSTEM_DIRS and not lowered.startswith("."):
                    subdirs.append(Path(entry.path))
            elif not is_file or lowered in SYSTEM_FILES or entry.name.startswith("._") or not _is_image_name(lowered):
                report.ignored += 1
            else:
                try:
                    info = entry.stat()
                except OSError as exc:
                    report.problems.append((_text(entry.path), _os_reason(exc)))
                    continue
                relative = os.path.relpath(entry.path, root).replace(os.sep, "/")
                yield _candidate(str(root), entry.path, relative, info)
        stack.extend(reversed(subdirs))


def _candidate(root: str, path: str, relative: str, info: os.stat_result) -> Candidate:
    error = None
    if _has_undecodable(path):
        error = "the file name is not valid text in this system's encoding; rename the file to scan it"
    return Candidate(_text(root), _text(path), _text(relative), info.st_size, info.st_mtime_ns, error)


def _is_image_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _has_undecodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text(path: str) -> str:
    """A printable, storable form of a path: undecodable bytes become `\\xNN` escapes."""
    if not _has_undecodable(path):
        return path
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
