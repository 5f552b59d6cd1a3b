"""Arrow columns of hex hashes and realistic pHash data for the benchmarks, without a Python loop per row
(bench-only)."""

from __future__ import annotations

import binascii

import numpy as np
import pyarrow as pa

PHASH_BITS = 64


def hex_column(values: np.ndarray, upper: bool = False, nulls: np.ndarray | None = None) -> pa.StringArray:
    """A StringArray holding `format(v, '016x')` for each uint64 value (as COYO's `image_phash`); rows where
    `nulls` is True are null and take no bytes, as a Parquet reader returns them."""
    if nulls is None or not nulls.any():
        raw = binascii.hexlify(values.astype(">u8").tobytes())
        offsets = np.arange(0, 16 * len(values) + 1, 16, dtype=np.int32)
        validity = None
    else:
        raw = binascii.hexlify(values[~nulls].astype(">u8").tobytes())
        offsets = np.zeros(len(values) + 1, dtype=np.int32)
        np.cumsum(np.where(nulls, 0, 16), out=offsets[1:])
        validity = pa.py_buffer(np.packbits(~nulls, bitorder="little").tobytes())
    if upper:
        raw = raw.upper()
    return pa.StringArray.from_buffers(
        len(values),
        pa.py_buffer(offsets.tobytes()),
        pa.py_buffer(raw),
        validity,
        int(nulls.sum()) if nulls is not None else 0,
    )


def digest_hex_column(digests: np.ndarray) -> pa.StringArray:
    """A StringArray of 64-character hex SHA-256s from an (n, 32) uint8 matrix."""
    raw = binascii.hexlify(np.ascontiguousarray(digests).tobytes())
    offsets = np.arange(0, 64 * len(digests) + 1, 64, dtype=np.int32)
    return pa.StringArray.from_buffers(len(digests), pa.py_buffer(offsets.tobytes()), pa.py_buffer(raw))


def balanced_hashes(rng: np.random.Generator, count: int) -> np.ndarray:
    """Random uint64 values with exactly 32 of 64 bits set, as real pHashes have (bit = coefficient > median)."""
    out = np.empty(count, dtype=np.uint64)
    for begin in range(0, count, 1 << 18):
        n = min(1 << 18, count - begin)
        ones = np.argpartition(rng.random((n, PHASH_BITS), dtype=np.float32), 32, axis=1)[:, 32:]
        bits = np.zeros((n, PHASH_BITS), dtype=np.bool_)
        np.put_along_axis(bits, ones, True, axis=1)
        out[begin : begin + n] = np.packbits(bits, axis=1, bitorder="little").view("<u8").reshape(-1)
    return out


def balanced_flips(rng: np.random.Generator, hashes: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Each hash with `pairs[i]` of its set bits cleared and as many clear bits set (popcount kept at 32 for a
    balanced hash; distance 2 * pairs[i])."""
    out = hashes.copy()
    for i, (value, k) in enumerate(zip(hashes.tolist(), pairs.tolist(), strict=True)):
        if k == 0:
            continue
        ones = [b for b in range(PHASH_BITS) if value >> b & 1]
        zeros = [b for b in range(PHASH_BITS) if not value >> b & 1]
        flip = rng.choice(ones, size=min(k, len(ones)), replace=False).tolist()
        flip += rng.choice(zeros, size=min(k, len(zeros)), replace=False).tolist()
        out[i] = value ^ sum(1 << b for b in flip)
    return out
