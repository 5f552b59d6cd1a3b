"""Scan folders into the catalogue: skip what is unchanged, recognise moves, fingerprint the rest.

Every finished file is committed at once, so Ctrl-C, `kill -9` or a power cut lose nothing already done and
the next scan continues where this one stopped (finished files are then unchanged and skipped). A work whose
stored variants were made by an older variant set (`core.variants.VARIANT_SET`) is read again even when its file
is unchanged, so an upgrade never leaves a catalogue matching with yesterday's variants.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.catalogue.works import FileState, Work, WorkRepository
from core.progress import Progress
from core.scanning.discovery import Candidate, discover
from core.scanning.runner import run_jobs
from core.scanning.worker import Job, Outcome
from core.settings import ScanSettings
from core.variants import VARIANT_SET

RETRY_CODES = frozenset({"permission", "io_error", "crashed"})  # failures that may go away by themselves


@dataclass(frozen=True)
class ScannedWork:
    """A work as found by this scan: the catalogue record plus where it sits under the scanned root."""

    root: str
    relative: str
    work: Work


@dataclass(frozen=True)
class ScanSummary:
    works: tuple[ScannedWork, ...]
    new: int
    changed: int
    unchanged: int
    moved: int
    copies: int
    ignored: int
    problems: tuple[tuple[str, str], ...]
    elapsed_seconds: float
    refreshed: int = 0  # unchanged files read again because their variants were made by an older variant set

    @property
    def unreadable(self) -> tuple[ScannedWork, ...]:
        return tuple(item for item in self.works if not item.work.ok)


@dataclass
class _Tally:
    new: int = 0
    changed: int = 0
    moved: int = 0
    copies: int = 0
    refreshed: int = 0


class Scanner:
    def __init__(self, works: WorkRepository, limits: ScanSettings, now: Callable[[], str]) -> None:
        self._works = works
        self._limits = limits
        self._now = now

    def scan(self, roots: list[Path], progress: Progress) -> ScanSummary:
        started = time.monotonic()
        with progress.step(0.03, "Finding images") as finding:
            found = discover(roots)
            finding.check_cancelled()
        states = self._works.file_states()
        todo = [c for c in found.candidates if _needs_reading(c, states.get(c.path))]
        tally = _Tally()
        with progress.step(0.97, "Fingerprinting") as hashing:
            hashing.start(len(todo))
            self._fingerprint(todo, states, tally, hashing)
        stored = self._works.by_paths(c.path for c in found.candidates)
        works = tuple(ScannedWork(c.root, c.relative, stored[c.path]) for c in found.candidates if c.path in stored)
        return ScanSummary(
            works=works,
            new=tally.new,
            changed=tally.changed - tally.refreshed,
            unchanged=len(found.candidates) - len(todo),
            moved=tally.moved,
            copies=tally.copies,
            ignored=found.ignored,
            problems=tuple(found.problems),
            elapsed_seconds=time.monotonic() - started,
            refreshed=tally.refreshed,
        )

    def _fingerprint(
        self, todo: list[Candidate], states: dict[str, FileState], tally: _Tally, progress: Progress
    ) -> None:
        by_path = {c.path: c for c in todo}
        by_sha = self._works.ok_paths_by_sha256()
        current = frozenset(self._works.ok_paths_by_sha256(current_only=True))  # bytes whose variants are today's
        jobs: list[Job] = []
        for candidate in todo:
            if candidate.name_error:
                outcome = Outcome(candidate.path, None, reason=candidate.name_error, code="bad_name")
                self._count(self._record(candidate, outcome, by_sha), candidate.path in states, tally)
                progress.advance(detail=candidate.relative)
            else:
                jobs.append(Job(candidate.path, candidate.size))
        for outcome in run_jobs(jobs, current, self._limits, progress):
            candidate = by_path[outcome.path]
            self._count(self._record(candidate, outcome, by_sha), candidate.path in states, tally)
            state = states.get(candidate.path)
            if state is not None and (state.size, state.mtime_ns) == (candidate.size, candidate.mtime_ns):
                tally.refreshed += state.status == "ok"
            progress.advance(detail=candidate.relative)

    @staticmethod
    def _count(kind: str, known_path: bool, tally: _Tally) -> None:
        if kind == "moved":
            tally.moved += 1
        elif kind == "copy":
            tally.copies += 1
        elif known_path:
            tally.changed += 1
        else:
            tally.new += 1

    def _record(self, candidate: Candidate, outcome: Outcome, by_sha: dict[str, list[tuple[int, str]]]) -> str:
        """Persist one outcome (committed at once); returns what happened: fingerprinted, moved, copy, ..."""
        now = self._now()
        path, size, mtime = candidate.path, candidate.size, candidate.mtime_ns
        if outcome.fingerprint is not None:
            moved = self._move_stale(path, by_sha.get(outcome.fingerprint.sha256, []), now)
            work_id = self._works.save_fingerprint(path, size, mtime, outcome.fingerprint, now)
            by_sha.setdefault(outcome.fingerprint.sha256, []).append((work_id, path))
            return "moved" if moved else "fingerprinted"
        if outcome.known and outcome.sha256 in by_sha:
            return self._record_known_content(candidate, by_sha[outcome.sha256], now)
        reason, code = outcome.reason or "unreadable", outcome.code or "corrupt"
        self._works.save_unreadable(path, size, mtime, outcome.sha256, reason, code, now)
        return "unreadable"

    def _move_stale(self, path: str, holders: list[tuple[int, str]], now: str) -> bool:
        """A file fingerprinted again because its catalogued bytes had stale variants may also have been moved:
        keep the work (and its decisions) by moving it to `path` before the fresh fingerprint is saved there."""
        if any(old_path == path for _, old_path in holders):
            return False
        for index, (work_id, old_path) in enumerate(holders):
            if not os.path.lexists(old_path):
                self._works.move(work_id, path, 0, 0, now)
                holders[index] = (work_id, path)
                return True
        return False

    def _record_known_content(self, candidate: Candidate, holders: list[tuple[int, str]], now: str) -> str:
        """Bytes already fingerprinted: the same file touched, a moved or renamed file, or a copy."""
        path, size, mtime = candidate.path, candidate.size, candidate.mtime_ns
        for work_id, old_path in holders:
            if old_path == path:
                self._works.copy_content(work_id, path, size, mtime, now)
                return "touched"
        for index, (work_id, old_path) in enumerate(holders):
            if not os.path.lexists(old_path):
                self._works.move(work_id, path, size, mtime, now)
                holders[index] = (work_id, path)
                return "moved"
        holders.append((self._works.copy_content(holders[0][0], path, size, mtime, now), path))
        return "copy"


def _needs_reading(candidate: Candidate, state: FileState | None) -> bool:
    if state is None or state.size != candidate.size or state.mtime_ns != candidate.mtime_ns:
        return True
    if state.status == "ok":
        return state.variant_set != VARIANT_SET
    return state.reason_code in RETRY_CODES
