"""Regenerating files the artist may have edited (letters, website files) without ever losing their edits.

Every file TrainTrace writes is recorded in the catalogue with the SHA-256 of its bytes. When a file is written
again and one is already there:
- the same bytes: nothing is written;
- bytes TrainTrace itself wrote there before (a recorded SHA-256): the artist did not change it, so it is
  replaced by the new version;
- anything else is the artist's (edited, or never ours): it is left alone and the new version goes beside it,
  as `NAME.new` (or `NAME.new.2`, ... when a `.new` of theirs is in the way), unless `force` is set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from core.errors import TrainTraceError
from core.files import check_output_file, write_atomically

RecordedHashes = Callable[[Path], Collection[str]]
"""The SHA-256s TrainTrace recorded for files it wrote at a path (empty when none)."""

NEW_SUFFIX = ".new"
_MAX_BESIDE = 100


class Outcome(Enum):
    CREATED = "written"
    UPDATED = "updated (you had not changed it)"
    UNCHANGED = "already up to date"
    MERGED = "merged (your own lines kept)"
    BESIDE = "written beside your file"
    OVERWRITTEN = "overwritten (--force)"


@dataclass(frozen=True)
class Placed:
    """Where one generated file went: `path` holds the new bytes (`target` itself, or a `.new` beside it)."""

    target: Path
    path: Path
    outcome: Outcome
    sha256: str


def no_records(_path: Path) -> Collection[str]:
    return ()


def place_file(
    target: Path, data: bytes, *, recorded: RecordedHashes = no_records, force: bool = False, mode: int | None = None
) -> Placed:
    """Write `data` at `target` under the rules above."""
    digest = hashlib.sha256(data).hexdigest()
    existing = read_existing(target)
    if existing is None:
        write_atomically(target, data, mode)
        return Placed(target, target, Outcome.CREATED, digest)
    if existing == data:
        return Placed(target, target, Outcome.UNCHANGED, digest)
    if force:
        write_atomically(target, data, mode)
        return Placed(target, target, Outcome.OVERWRITTEN, digest)
    if hashlib.sha256(existing).hexdigest() in recorded(target):
        write_atomically(target, data, mode)
        return Placed(target, target, Outcome.UPDATED, digest)
    beside = _free_beside(target, data, recorded)
    if read_existing(beside) != data:
        write_atomically(beside, data, mode)
    return Placed(target, beside, Outcome.BESIDE, digest)


def read_existing(path: Path) -> bytes | None:
    """The bytes of the file at `path`, None when there is none (links and special files are refused)."""
    check_output_file(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise TrainTraceError(f"cannot read {path}: {exc.strerror or exc}; check its permissions") from exc


def _free_beside(target: Path, data: bytes, recorded: RecordedHashes) -> Path:
    """`NAME.new`, or the first `NAME.new.N` that is free, ours, or already holds `data`."""
    for number in range(1, _MAX_BESIDE + 1):
        suffix = NEW_SUFFIX if number == 1 else f"{NEW_SUFFIX}.{number}"
        candidate = target.with_name(target.name + suffix)
        existing = read_existing(candidate)
        if existing is None or existing == data or hashlib.sha256(existing).hexdigest() in recorded(candidate):
            return candidate
    raise TrainTraceError(f"too many {target.name}{NEW_SUFFIX}* files beside {target}: remove the old ones first")
