"""Read-only memory maps of index files whose resident pages can be handed back to the kernel.

Pages of a file mapping that a search touched count in the process's resident set until they are unmapped or
released; `release()` (madvise MADV_DONTNEED) drops them from this process (they stay in the page cache), so a
long batch of searches keeps its resident memory well below the index size.
"""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


class MappedFile:
    """A whole file mapped read-only; `array` and `strided` give numpy views of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._map: mmap.mmap | None = None
        if self.size:
            with open(path, "rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)

    def array(self, dtype: npt.DTypeLike) -> npt.NDArray[Any]:
        """The file as a flat array of `dtype`."""
        if self._map is None:
            return np.zeros(0, dtype=dtype)
        return np.frombuffer(self._map, dtype=dtype)

    def strided_uint64(self, count: int, stride: int) -> npt.NDArray[np.uint64]:
        """`count` little-endian uint64 values read at every `stride` bytes (the file is padded to allow it)."""
        if self._map is None or count == 0:
            return np.zeros(0, dtype=np.uint64)
        return np.ndarray(shape=(count,), dtype="<u8", buffer=self._map, offset=0, strides=(stride,))

    def release(self) -> None:
        """Drop this process's resident pages of the file (a later read faults them back in from the cache)."""
        if self._map is not None and hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)
