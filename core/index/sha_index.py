"""Exact SHA-256 lookup over a memory-mapped index: sorted uint64 prefixes, full digests, row ordinals.

A lookup binary-searches the first 8 bytes of each digest in the sorted prefix column (all queries at once,
in sorted order so consecutive searches share the cached top of the column), then compares the full 32 bytes
of each row in the prefix's range, so a prefix collision never makes a false match. The build streams like
the pHash index (`sha_build`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from core.errors import UsageError
from core.index.hexparse import SHA256_BYTES, sha256_prefixes
from core.index.mapped import MappedFile
from core.index.runs import read_finished_manifest

KIND = "sha256"
FORMAT_VERSION = 2
FILES = ("prefixes.bin", "digests.bin", "ordinals.bin")
# Every FENCE_STRIDE-th prefix (one 4 KiB page of prefixes apart), kept in memory: a lookup binary-searches
# the fence, then one page of the mapped prefixes, instead of faulting in ~15 pages of a cold file.
FENCE_FILE = "fence.bin"
FENCE_STRIDE = 512
ALL_FILES = (*FILES, FENCE_FILE)

Digests = npt.NDArray[np.uint8] | Sequence[bytes]


class ShaMatches(NamedTuple):
    """Query `query_idx[i]` is byte-identical to dataset row `ordinals[i]`; sorted by query, then ordinal."""

    query_idx: npt.NDArray[np.int64]
    ordinals: npt.NDArray[np.int64]


def as_digest_rows(digests: Digests) -> npt.NDArray[np.uint8]:
    """An (n, 32) uint8 matrix from raw 32-byte digests (a list of bytes or an array)."""
    if isinstance(digests, np.ndarray):
        rows = np.ascontiguousarray(digests, dtype=np.uint8)
        if rows.size % SHA256_BYTES or (rows.ndim == 2 and rows.shape[1] != SHA256_BYTES):
            raise UsageError(f"SHA-256 digests must be {SHA256_BYTES} bytes each")
        return rows.reshape(-1, SHA256_BYTES)
    if any(len(digest) != SHA256_BYTES for digest in digests):
        raise UsageError(f"SHA-256 digests must be {SHA256_BYTES} bytes each")
    return np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, SHA256_BYTES)


class ShaIndex:
    """A finished SHA-256 index, memory-mapped read-only."""

    def __init__(self, directory: Path, rows: int, ordinal_dtype_name: str) -> None:
        self.directory = directory
        self.rows = rows
        self._files = [MappedFile(directory / name) for name in FILES]
        self._prefixes = self._files[0].array(np.uint64)
        self._digests: npt.NDArray[Any] = self._files[1].array(np.uint8).reshape(-1, SHA256_BYTES)
        self._ordinals = self._files[2].array(np.dtype(ordinal_dtype_name))
        self._fence = np.fromfile(directory / FENCE_FILE, dtype=np.uint64)

    @classmethod
    def open(cls, directory: Path) -> ShaIndex:
        directory = Path(directory)
        manifest = read_finished_manifest(directory, KIND, FORMAT_VERSION, "SHA-256")
        return cls(directory, int(manifest["rows"]), str(manifest["ordinal_dtype"]))

    @property
    def nbytes(self) -> int:
        return sum(f.size for f in self._files) + self._fence.nbytes

    def lookup(self, digests: Digests) -> ShaMatches:
        """Every (query, row) pair whose 32-byte digests are equal."""
        queries = as_digest_rows(digests)
        prefixes = sha256_prefixes(queries)
        low = self._search(prefixes, strict=True)
        counts = self._search(prefixes, strict=False) - low
        positions = np.repeat(low - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        query_idx = np.repeat(np.arange(len(queries), dtype=np.int64), counts)
        equal = np.all(self._digests[positions] == queries[query_idx], axis=1)
        query_idx = query_idx[equal]
        ordinals = self._ordinals[positions[equal]].astype(np.int64)
        order = np.lexsort((ordinals, query_idx))
        for mapped in self._files:
            mapped.release()
        return ShaMatches(query_idx=query_idx[order], ordinals=ordinals[order])

    def _search(self, targets: npt.NDArray[np.uint64], strict: bool) -> npt.NDArray[np.int64]:
        """Per target, the first row whose prefix is >= target (> target if not strict): the fence gives a
        window of one stride, a vectorised bisection finishes inside it."""
        side: Literal["left", "right"] = "left" if strict else "right"
        fence_index = np.searchsorted(self._fence, targets, side=side).astype(np.int64)
        low = np.clip((fence_index - 1) * FENCE_STRIDE, 0, self.rows)
        high = np.clip(fence_index * FENCE_STRIDE, 0, self.rows)
        while True:
            open_ranges = np.flatnonzero(low < high)
            if not len(open_ranges):
                return low
            middle = (low[open_ranges] + high[open_ranges]) // 2
            stored = self._prefixes[middle]
            target = targets[open_ranges]
            go_right = stored < target if strict else stored <= target
            low[open_ranges] = np.where(go_right, middle + 1, low[open_ranges])
            high[open_ranges] = np.where(go_right, high[open_ranges], middle)
