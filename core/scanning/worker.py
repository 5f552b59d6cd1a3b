"""The per-file job, run in worker processes: read the bytes once, hash them, decode only when needed.

Module state here is per worker process: the set of SHA-256s already fingerprinted in the catalogue, handed
over once by the pool initializer so that a renamed or copied file is recognised without being decoded.
"""

from __future__ import annotations

import errno
import hashlib
import signal
from dataclasses import dataclass

from core.errors import UnreadableImage
from core.hashing import ImageFingerprint, fingerprint_bytes
from core.settings import ScanSettings


@dataclass(frozen=True)
class Job:
    path: str
    size: int


@dataclass(frozen=True)
class Outcome:
    """The result of one job. Exactly one of: `fingerprint`; `known` (bytes already catalogued); `reason`."""

    path: str
    sha256: str | None
    fingerprint: ImageFingerprint | None = None
    known: bool = False
    reason: str | None = None
    code: str | None = None


_known_sha256: frozenset[str] = frozenset()
_limits = ScanSettings()


def configure(known_sha256: frozenset[str], limits: ScanSettings) -> None:
    global _known_sha256, _limits
    _known_sha256 = known_sha256
    _limits = limits


def init_worker(known_sha256: frozenset[str], limits: ScanSettings) -> None:
    """Pool initializer. Workers ignore Ctrl-C: the parent decides what happens on interrupt."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure(known_sha256, limits)


def run_job(job: Job) -> Outcome:
    if job.size > _limits.max_file_bytes:
        size_mb = job.size / 1e6
        reason = f"file is {size_mb:.0f} MB, above the {_limits.max_file_bytes / 1e6:.0f} MB limit"
        return Outcome(job.path, None, reason=reason, code="too_large")
    try:
        with open(job.path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return _read_failure(job.path, exc)
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 in _known_sha256:
        return Outcome(job.path, sha256, known=True)
    try:
        fingerprint = fingerprint_bytes(data, _limits, sha256)
    except UnreadableImage as exc:
        return Outcome(job.path, sha256, reason=exc.reason, code=exc.code)
    return Outcome(job.path, sha256, fingerprint=fingerprint)


def _read_failure(path: str, exc: OSError) -> Outcome:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Outcome(path, None, reason="permission denied: TrainTrace may not read this file", code="permission")
    return Outcome(path, None, reason=f"could not read the file: {exc.strerror or exc}", code="io_error")


def worker_ready() -> bool:
    """A no-op task: proves that a worker process starts and runs this module."""
    return True
