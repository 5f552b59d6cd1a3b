"""Streamed, resumable build of the SHA-256 index (read by `sha_index`).

Chunks are spilled as runs (`runs`); `finish` distributes them into key-range buckets of the digests' first 8
bytes (`runs.bucketed`) and appends each bucket, sorted, to the column files, so peak memory is one bucket.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.index.hexparse import SHA256_BYTES, sha256_prefixes
from core.index.mapped import MappedFile
from core.index.phash_build import argsort_uint64
from core.index.phash_layout import ordinal_dtype
from core.index.runs import READ_ROWS, SCRATCH_DIR, RunStore, bucket_bits, bucketed, read_manifest, write_manifest
from core.index.sha_index import (
    ALL_FILES,
    FENCE_STRIDE,
    FILES,
    FORMAT_VERSION,
    KIND,
    Digests,
    as_digest_rows,
)
from core.progress import Progress

SLAB_ROWS = 1 << 22  # rows a build sorts in memory at once: buckets of about 2M rows keep the peak near 0.1 GB


class ShaIndexBuilder:
    """Collects (digest, ordinal) chunks in `directory`; resumable by chunk id, and reopenable after `finish`
    to add more, like `PhashIndexBuilder`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._runs = RunStore.open(self.directory, KIND, np.uint8, SHA256_BYTES, _FinishedShaIndex())

    @property
    def completed_chunks(self) -> frozenset[str]:
        return frozenset(self._runs.chunks)

    @property
    def rows(self) -> int:
        return self._runs.rows

    def add(self, digests: Digests, ordinals: npt.ArrayLike, chunk_id: str | None = None) -> None:
        self._runs.add(KIND, as_digest_rows(digests), ordinals, chunk_id)

    def finish(self, progress: Progress | None = None) -> None:
        """Sort the runs slab by slab into the final files, write the manifest, delete the runs."""
        progress = progress or Progress()
        bits = bucket_bits(self._runs.rows, SLAB_ROWS)
        progress.start(1 << bits, "building the SHA-256 index")
        dtype = ordinal_dtype(self._runs.max_ordinal)
        outputs = [open(self.directory / name, "wb") for name in ALL_FILES]
        written = 0

        def bucket_of(digests: npt.NDArray[np.uint8]) -> npt.NDArray[np.intp]:
            return (sha256_prefixes(digests) >> np.uint64(64 - bits)).view(np.intp)

        try:
            for digests, ordinals in bucketed(self._runs, bucket_of, bits, self.directory / SCRATCH_DIR, True):
                progress.check_cancelled()
                assert ordinals is not None
                prefixes = sha256_prefixes(digests)
                order = argsort_uint64(prefixes)
                prefixes, digests, ordinals = prefixes[order], digests[order], ordinals[order]
                outputs[0].write(prefixes.tobytes())
                outputs[1].write(digests.tobytes())
                outputs[2].write(ordinals.astype(dtype).tobytes())
                outputs[3].write(prefixes[-written % FENCE_STRIDE :: FENCE_STRIDE].tobytes())
                written += len(prefixes)
                progress.advance(1)
        finally:
            for output in outputs:
                output.close()
        manifest = {"kind": KIND, "state": "finished", "version": FORMAT_VERSION, "rows": self._runs.rows}
        write_manifest(self.directory, {**manifest, "chunks": self._runs.chunks, "ordinal_dtype": dtype.str})
        self._runs.remove()


class _FinishedShaIndex:
    """Reads the rows of a finished SHA-256 index back (digests with their ordinals)."""

    files: tuple[str, ...] = ALL_FILES

    def rows(self, directory: Path) -> Iterator[tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]]:
        manifest = read_manifest(directory)
        digests = MappedFile(directory / FILES[1]).array(np.uint8).reshape(-1, SHA256_BYTES)
        ordinals = MappedFile(directory / FILES[2]).array(np.dtype(manifest["ordinal_dtype"]))
        for begin in range(0, len(ordinals), READ_ROWS):
            yield np.array(digests[begin : begin + READ_ROWS]), ordinals[begin : begin + READ_ROWS].astype(np.int64)
