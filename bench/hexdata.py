"""Arrow columns of hex hashes for the benchmarks, built without a Python loop per row (bench-only)."""

from __future__ import annotations

import binascii

import numpy as np
import pyarrow as pa


def hex_column(values: np.ndarray, upper: bool = False) -> pa.StringArray:
    """A StringArray holding `format(v, '016x')` for each uint64 value (as COYO's `image_phash`)."""
    raw = binascii.hexlify(values.astype(">u8").tobytes())
    if upper:
        raw = raw.upper()
    offsets = np.arange(0, 16 * len(values) + 1, 16, dtype=np.int32)
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets.tobytes()), pa.py_buffer(raw))


def digest_hex_column(digests: np.ndarray) -> pa.StringArray:
    """A StringArray of 64-character hex SHA-256s from an (n, 32) uint8 matrix."""
    raw = binascii.hexlify(np.ascontiguousarray(digests).tobytes())
    offsets = np.arange(0, 64 * len(digests) + 1, 64, dtype=np.int32)
    return pa.StringArray.from_buffers(len(digests), pa.py_buffer(offsets.tobytes()), pa.py_buffer(raw))
