"""Where the CPU of one `traintrace dataset add` goes, phase by phase (by wrapping the pass's steps).

`python -m bench.add_phases DATA_DIR SHARD SCHEMA [--no-digest]` (run in the tree measured, PYTHONPATH=tree; give
it a fresh copy of a prepared data folder each time, as `bench_dataset_add.py --keep` leaves one). Phases are the
main thread's CPU (`thread_time`) inside each wrapped step; the shard's SHA-256 thread is counted on its own, and
whatever other threads used (Arrow's pool, when a tree decodes with it) is the process total less those two. Also
prints user and system time, peak RSS and the load average. `--no-digest` leaves the shard's SHA-256 out (to
compare the pass alone).
"""

from __future__ import annotations

import collections
import functools
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

PHASES: collections.Counter[str] = collections.Counter()


def _timed(owner: Any, name: str, label: str) -> None:
    wrapped = getattr(owner, name, None)
    if wrapped is None:  # a step another tree does not have (or names otherwise): not timed
        return

    @functools.wraps(wrapped)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return wrapped(*args, **kwargs)
        finally:
            PHASES[label] += time.thread_time() - started

    setattr(owner, name, timed)


def main() -> None:
    data_dir, shard, schema = sys.argv[1:4]
    sys.argv = ["traintrace", "--data-dir", data_dir, "dataset", "add", "bench", "--schema", schema, "--from", shard]
    import core.datasets.provenance as provenance
    import core.datasets.shards as shards
    import core.datasets.store as store
    import core.index.phash_chunks as phash_chunks
    import core.matching.importer as importer
    import core.matching.prefilter as prefilter
    import core.matching.shard_pass as shard_pass

    digest_cpu = [0.0]
    file_sha256 = provenance.file_sha256

    def digest(*args: Any, **kwargs: Any) -> str | None:
        started = time.thread_time()
        try:
            return file_sha256(*args, **kwargs)
        finally:
            digest_cpu[0] += time.thread_time() - started

    provenance.file_sha256 = digest
    if "--no-digest" in sys.argv[4:]:
        provenance.ShardDigest.of = classmethod(lambda cls, reader: cls(None, 0, None))  # type: ignore[assignment]
    _timed(shard_pass, "parse_phash_column", "parse pHash")
    _timed(shard_pass, "parse_sha256_column", "parse SHA-256")
    _timed(phash_chunks.ChunkedStreamMatcher, "__init__", "kernel build")
    _timed(phash_chunks.ChunkedStreamMatcher, "match_hashes", "kernel match")
    _timed(shard_pass.ShardPass, "_sha_pairs", "SHA-256 pairs")
    _timed(shard_pass.ShardPass, "_profile_hits", "url+text")
    _timed(prefilter.ProfilePrefilter, "__init__", "prefilter build")
    _timed(importer._Builders, "add", "builders.add")
    _timed(importer._Builders, "flush", "builders.flush (spills)")
    _timed(importer, "hit_rows", "hit_rows")
    _timed(store.DatasetStore, "finish_unit", "finish_unit")
    batches: Callable[..., Iterator[Any]] = shards.ShardReader.batches

    def timed_batches(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        produced = batches(self, *args, **kwargs)
        while True:
            started = time.thread_time()
            batch = next(produced, None)
            PHASES["read (main thread)"] += time.thread_time() - started
            if batch is None:
                return
            yield batch

    shards.ShardReader.batches = timed_batches  # type: ignore[method-assign]
    from core.cli.entry import run

    process, main_thread, wall = time.process_time(), time.thread_time(), time.time()
    try:
        run()
    except SystemExit:
        pass
    total, main_cpu = time.process_time() - process, time.thread_time() - main_thread
    for label, seconds in PHASES.most_common():
        print(f"{label:24s} {seconds:7.2f}")
    print(f"{'shard SHA-256 thread':24s} {digest_cpu[0]:7.2f}")
    print(f"{'other threads':24s} {total - main_cpu - digest_cpu[0]:7.2f}")
    print(f"{'main thread, other':24s} {main_cpu - sum(PHASES.values()):7.2f}")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"{'total':24s} {total:7.2f}  user {usage.ru_utime:.2f} sys {usage.ru_stime:.2f}"
        f" peak {usage.ru_maxrss / 1024:.0f} MB wall {time.time() - wall:.1f} s load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
