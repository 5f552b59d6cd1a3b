"""Scan speed and memory against the naive baseline, both measured in this run.

Naive baseline: for every file, ImageHash's phash, dhash, whash and colorhash, each on its own `Image.open`,
plus hashlib SHA-256 of the bytes, one process. TrainTrace: `TrainTrace.scan` on a fresh catalogue (one read,
one decode, reduced image for the secondary hashes, one worker process per core).

Also: a rescan of an unchanged 1,000-file folder, and peak memory (max RSS) fingerprinting one 100-megapixel
image, TrainTrace's path against the naive four hashes, each in a fresh process.

Run: python -m bench.bench_scan [--corpus DIR] [--count 200] [--rescan-files 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

from core.app import TrainTrace
from core.paths import AppPaths
from core.scanning.runner import worker_count
from core.settings import ScanSettings

NAIVE_HASHES = (imagehash.phash, imagehash.dhash, imagehash.whash, imagehash.colorhash)
Image.MAX_IMAGE_PIXELS = None  # the baseline must not refuse the 100 MP image either


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the scan's worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _reap_workers(limit_seconds: float = 15.0) -> None:
    """Wait for the scan's worker processes to exit, so their CPU time is counted."""
    deadline = time.monotonic() + limit_seconds
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)


def naive_scan(files: list[Path]) -> tuple[float, dict[str, str]]:
    started = time.perf_counter()
    phashes: dict[str, str] = {}
    for path in files:
        hashes = [str(function(Image.open(path))) for function in NAIVE_HASHES]
        hashlib.sha256(path.read_bytes()).hexdigest()
        phashes[path.name] = hashes[0]
    return time.perf_counter() - started, phashes


def traintrace_scan(folder: Path, home: Path) -> tuple[float, dict[str, str]]:
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        started = time.perf_counter()
        summary = app.scan([folder])
        elapsed = time.perf_counter() - started
    phashes = {Path(item.relative).name: f"{item.work.phash:016x}" for item in summary.works if item.work.ok}
    return elapsed, phashes


def rescan_figures(count: int, scratch: Path) -> tuple[float, float]:
    folder = scratch / "rescan"
    rng = np.random.default_rng(1)
    for index in range(count):
        subfolder = folder / f"{index // 100:02d}"
        subfolder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(subfolder / f"w{index:04d}.png")
    home = scratch / "rescan-home"
    first, _ = traintrace_scan(folder, home)
    again, _ = traintrace_scan(folder, home)
    return first, again


_MEMORY_PROBE = """
import resource, sys
from pathlib import Path
mode, path = sys.argv[1], sys.argv[2]
if mode == "traintrace":
    from core.hashing import fingerprint_bytes
    from core.settings import ScanSettings
    fingerprint_bytes(Path(path).read_bytes(), ScanSettings())
else:
    import hashlib, imagehash
    from PIL import Image
    Image.MAX_IMAGE_PIXELS = None
    for function in (imagehash.phash, imagehash.dhash, imagehash.whash, imagehash.colorhash):
        function(Image.open(path))
    hashlib.sha256(Path(path).read_bytes()).hexdigest()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory_mb(image: Path) -> tuple[float, float]:
    results = []
    for mode in ("traintrace", "naive"):
        out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, mode, str(image)], capture_output=True, text=True)
        out.check_returncode()
        results.append(int(out.stdout.strip()) / 1024)
    return results[0], results[1]


def make_100mp(path: Path) -> Path:
    width, height = 12_250, 8_164
    tile = np.random.default_rng(3).integers(0, 255, (1024, 1024, 3), dtype=np.uint8)
    pixels = np.tile(tile, (height // 1024 + 1, width // 1024 + 1, 1))[:height, :width]
    Image.fromarray(pixels).save(path, quality=90)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="existing corpus folder (default: generate one)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rescan-files", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        corpus = args.corpus
        if corpus is None:
            from bench.corpus import make_scan_corpus

            corpus = scratch / "corpus"
            make_scan_corpus(corpus, count=args.count, seed=0)
        files = sorted(p for p in corpus.rglob("*") if p.is_file())
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        megapixels = sum(np.prod(Image.open(p).size) for p in files) / 1e6
        print(f"corpus: {len(files)} files, {megabytes:.0f} MB, {megapixels:.0f} megapixels")
        print(f"workers: {worker_count(ScanSettings())}")

        cpu_before = cpu_seconds()
        ours, our_phashes = traintrace_scan(corpus, scratch / "home")
        _reap_workers()
        cpu_ours = cpu_seconds() - cpu_before
        naive, naive_phashes = naive_scan(files)
        cpu_naive = cpu_seconds() - cpu_before - cpu_ours
        differing = sum(our_phashes.get(name) != value for name, value in naive_phashes.items())
        print(
            f"first scan   traintrace {ours:8.2f} s   naive {naive:8.2f} s   ratio {naive / ours:5.1f}x  (wall clock)"
        )
        print(
            f"CPU time     traintrace {cpu_ours:8.2f} s   naive {cpu_naive:8.2f} s   ratio {cpu_naive / cpu_ours:5.1f}x"
        )
        print(f"pHash bit-identical to the reference: {len(naive_phashes) - differing}/{len(naive_phashes)}")

        first, again = rescan_figures(args.rescan_files, scratch)
        print(f"rescan of {args.rescan_files} unchanged files: {again:.3f} s (first scan of them: {first:.2f} s)")

        big = make_100mp(scratch / "100mp.jpg")
        ours_mb, naive_mb = peak_memory_mb(big)
        print(f"peak RSS on a 100 MP JPEG: traintrace {ours_mb:.0f} MB   naive {naive_mb:.0f} MB")


if __name__ == "__main__":
    main()
