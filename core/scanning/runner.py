"""Run fingerprint jobs on all cores, surviving decoders that crash and honouring cancellation.

Jobs go to a process pool (spawned, never forked: the GUI has threads) with a bounded number in flight, so a
cancel takes effect within a fraction of a second and memory stays bounded. If a decoder takes its worker
process down (a malicious or broken file can segfault a native library), the files that were in flight are
retried one at a time in a fresh pool; the one that crashes alone is reported as unreadable, the rest go on.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from core.progress import Progress
from core.scanning.worker import Job, Outcome, configure, init_worker, run_job, worker_ready
from core.settings import ScanSettings

POOL_THRESHOLD = 4  # fewer jobs than this run in-process: starting workers would cost more than it saves
POLL_SECONDS = 0.2
POOL_START_SECONDS = 60.0


def worker_count(limits: ScanSettings) -> int:
    return limits.workers if limits.workers > 0 else max(1, os.cpu_count() or 1)


def run_jobs(
    jobs: list[Job], known_sha256: frozenset[str], limits: ScanSettings, progress: Progress
) -> Iterator[Outcome]:
    """Yield one `Outcome` per job, in completion order."""
    workers = worker_count(limits)
    if workers == 1 or len(jobs) < POOL_THRESHOLD:
        configure(known_sha256, limits)
        for job in jobs:
            progress.check_cancelled()
            yield run_job(job)
        return
    yield from _run_in_pool(jobs, known_sha256, limits, workers, progress)


def _pool_works(executor: ProcessPoolExecutor) -> bool:
    """Whether the pool's workers start and answer at all (a no-op task), before any file is given to them."""
    try:
        return executor.submit(worker_ready).result(timeout=POOL_START_SECONDS) is True
    except (BrokenProcessPool, TimeoutError, OSError):
        return False


def _run_in_pool(
    jobs: list[Job], known_sha256: frozenset[str], limits: ScanSettings, workers: int, progress: Progress
) -> Iterator[Outcome]:
    pending = deque(jobs)
    suspects: deque[Job] = deque()
    context = multiprocessing.get_context("spawn")
    while pending or suspects:
        executor = ProcessPoolExecutor(
            workers, mp_context=context, initializer=init_worker, initargs=(known_sha256, limits)
        )
        in_flight: dict[Future[Outcome], Job] = {}
        solo = False
        if not _pool_works(executor):
            # Workers cannot start here (e.g. a main module that cannot be re-imported): hash in-process rather
            # than blaming every file on a crashing decoder.
            executor.shutdown(wait=False, cancel_futures=True)
            remaining = [*suspects, *pending]
            yield from run_jobs(remaining, known_sha256, dataclasses.replace(limits, workers=1), progress)
            return
        try:
            while pending or suspects or in_flight:
                progress.check_cancelled()
                solo = _fill(executor, in_flight, pending, suspects, workers * 2)
                done, _ = wait(in_flight, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()
                    del in_flight[future]
                    yield outcome
        except BrokenProcessPool:
            if solo:
                (job,) = in_flight.values()
                yield Outcome(job.path, None, reason="the image decoder crashed on this file", code="crashed")
            else:
                suspects.extend(in_flight.values())
        finally:
            executor.shutdown(wait=False, cancel_futures=True)


def _fill(
    executor: ProcessPoolExecutor,
    in_flight: dict[Future[Outcome], Job],
    pending: deque[Job],
    suspects: deque[Job],
    limit: int,
) -> bool:
    """Top up the jobs in flight; suspects of a crash run alone. Returns True while in that solo mode."""
    if suspects:
        if not in_flight:
            job = suspects.popleft()
            in_flight[executor.submit(run_job, job)] = job
        return True
    while pending and len(in_flight) < limit:
        job = pending.popleft()
        in_flight[executor.submit(run_job, job)] = job
    return False
