"""Vectorised parsing of fixed-width hex hash columns (COYO `image_phash`, DataComp `sha256`).

The whole column is decoded by one C routine (`binascii.unhexlify`) over the Arrow data buffer, with no
Python loop per row. A chunk that holds a malformed value (wrong length, non-hex character, null) is
re-checked with byte-parallel (SWAR) arithmetic on 64-bit words, its bad rows are blanked and flagged, and
the chunk is decoded again; so one bad row costs a little, not a slow path for the whole column.

Hex is case-insensitive. A pHash string is `str(imagehash.phash(img))`: 16 hex characters, row-major, most
significant bit first, so its value is `int(text, 16)`.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

PHASH_HEX_LEN = 16
SHA256_HEX_LEN = 64
SHA256_BYTES = 32

# Rows decoded per call of the C routine; a malformed row only sends its own chunk to the slow check.
_CHUNK_ROWS = 1 << 16

HexColumn: TypeAlias = pa.Array | pa.ChunkedArray | npt.NDArray[np.generic] | Sequence[str | bytes | None]

_U64 = np.uint64


def _every_byte(value: int) -> np.uint64:
    return _U64(int.from_bytes(bytes([value]) * 8, "little"))


_HIGH_BITS = _every_byte(0x80)
_TO_LOWER = _every_byte(0x20)


@dataclass(frozen=True)
class ParsedPhashes:
    """`values[i]` is the pHash of row i as uint64; it is 0 and `valid[i]` is False for a null or bad value."""

    values: npt.NDArray[np.uint64]
    valid: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ParsedDigests:
    """`digests[i]` holds the 32 bytes of row i's SHA-256 (zeros where `valid[i]` is False)."""

    digests: npt.NDArray[np.uint8]
    valid: npt.NDArray[np.bool_]


def parse_phash_hex(column: HexColumn) -> ParsedPhashes:
    """Parse 16-hex-character pHash strings into uint64 values with a validity mask."""
    raw, valid = _parse_fixed_hex(column, PHASH_HEX_LEN)
    values = raw.view(">u8").reshape(-1).astype(np.uint64)
    return ParsedPhashes(values=values, valid=valid)


def parse_sha256_hex(column: HexColumn) -> ParsedDigests:
    """Parse 64-hex-character SHA-256 strings into 32-byte rows with a validity mask."""
    raw, valid = _parse_fixed_hex(column, SHA256_HEX_LEN)
    return ParsedDigests(digests=raw, valid=valid)


def sha256_prefixes(digests: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """The first 8 bytes of each 32-byte digest as a big-endian uint64 (so the order is the bytes' order)."""
    rows = np.ascontiguousarray(digests, dtype=np.uint8).reshape(-1, SHA256_BYTES)
    return np.ascontiguousarray(rows[:, :8]).view(">u8").reshape(-1).astype(np.uint64)


def _parse_fixed_hex(column: HexColumn, width: int) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """Decode a column of `width`-character hex strings into an (n, width // 2) byte matrix and a mask."""
    if isinstance(column, pa.ChunkedArray):
        parts = [_parse_fixed_hex(chunk, width) for chunk in column.chunks]
        if not parts:
            return np.zeros((0, width // 2), np.uint8), np.zeros(0, np.bool_)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    if isinstance(column, np.ndarray) and column.dtype.kind in "SU":
        chars, length_ok = _numpy_chars(column, width)
    else:
        array = column if isinstance(column, pa.Array) else pa.array(column, type=pa.string())
        block, has_width, length_ok = _arrow_chars(array, width)
        if has_width is not None:
            # Decode only the rows of the right width (one contiguous block), then spread them out.
            decoded, decoded_ok = _decode_chars(block, np.ones(len(block), dtype=np.bool_))
            out = np.zeros((len(array), width // 2), dtype=np.uint8)
            out[has_width] = decoded
            valid = np.zeros(len(array), dtype=np.bool_)
            valid[has_width] = decoded_ok
            return out, valid & length_ok
        chars = block
    return _decode_chars(chars, length_ok)


def _arrow_chars(
    array: pa.Array, width: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_] | None, npt.NDArray[np.bool_]]:
    """The ASCII of an Arrow string/binary array as a (rows, width) matrix, and which rows are non-null and of
    the right length. If the matrix holds only the rows of the right width, the second value says which."""
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)) and not (
        pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type)
    ):
        array = pc.cast(array, pa.string())
    n = len(array)
    offset_type = np.int64 if pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type) else np.int32
    _, offsets_buffer, data_buffer = array.buffers()[:3]
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[array.offset : array.offset + n + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    has_width = np.diff(offsets) == width
    length_ok = has_width & pc.is_valid(array).to_numpy(zero_copy_only=False) if array.null_count else has_width
    start, stop = int(offsets[0]), int(offsets[-1])
    if int(np.count_nonzero(has_width)) * width == stop - start:
        # Fast path: rows of the right width are one contiguous block (empty rows take no bytes).
        block = data[start:stop].reshape(-1, width)
        return block, None if block.shape[0] == n else has_width, length_ok
    chars = np.full((n, width), ord("0"), dtype=np.uint8)
    good_starts = offsets[:-1][has_width]
    chars[has_width] = data[good_starts[:, None] + np.arange(width)]
    return chars, None, length_ok


def _numpy_chars(column: npt.NDArray[np.generic], width: int) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """An (n, width) ASCII matrix from a numpy bytes ('S') or str ('U') array; shorter values are NUL-padded."""
    flat = np.ascontiguousarray(column).reshape(-1)
    n = flat.shape[0]
    if flat.dtype.kind == "U":
        code_points = flat.view(np.uint32).reshape(n, -1)
        ascii_ok = np.all(code_points < 0x80, axis=1)
        codes = np.where(ascii_ok[:, None], code_points, 0).astype(np.uint8)
    else:
        codes = flat.view(np.uint8).reshape(n, -1)
        ascii_ok = np.ones(n, np.bool_)
    if codes.shape[1] < width:
        return np.full((n, width), ord("0"), np.uint8), np.zeros(n, np.bool_)
    length_ok = ascii_ok & np.all(codes[:, width:] == 0, axis=1)
    return np.ascontiguousarray(codes[:, :width]), length_ok


def _decode_chars(
    chars: npt.NDArray[np.uint8], length_ok: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """Decode an (n, width) ASCII hex matrix chunk by chunk; rows not `length_ok` come out as zeros."""
    n, width = chars.shape
    out = np.empty((n, width // 2), dtype=np.uint8)
    valid = length_ok.copy()
    for begin in range(0, n, _CHUNK_ROWS):
        end = min(n, begin + _CHUNK_ROWS)
        block = chars[begin:end]
        good = valid[begin:end]
        # Rows flagged by length hold '0' fill from the readers, so most chunks decode in one call.
        if not _unhexlify_into(block, out[begin:end]):
            good &= _hex_rows_ok(block)
            clean = np.where(good[:, None], block, np.uint8(ord("0")))
            if not _unhexlify_into(clean, out[begin:end]):
                raise AssertionError("hex rows checked as valid failed to decode")
    if not bool(valid.all()):
        out[~valid] = 0
    return out, valid


def _unhexlify_into(block: npt.NDArray[np.uint8], out: npt.NDArray[np.uint8]) -> bool:
    """Decode a hex block into `out`; False if any character is not hex (so the caller checks row by row)."""
    try:
        decoded = binascii.unhexlify(np.ascontiguousarray(block).data)
    except binascii.Error:
        return False
    out[...] = np.frombuffer(decoded, dtype=np.uint8).reshape(out.shape)
    return True


def _hex_rows_ok(block: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Which rows hold only [0-9a-fA-F], tested eight characters at a time in 64-bit words (SWAR).

    For a byte x < 0x80, `(x + (0x80 - a)) & 0x80` is set iff x >= a, and `(x + (0x7f - b)) & 0x80` is set iff
    x > b; no carry crosses a byte. Bytes >= 0x80 are rejected through their own high bit.
    """
    n, width = block.shape
    padded = np.full((n, -(-width // 8) * 8), ord("0"), dtype=np.uint8)
    padded[:, :width] = block
    words = padded.view("<u8")
    lower = words | _TO_LOWER
    is_digit = (words + _every_byte(0x80 - 0x30)) & ~(words + _every_byte(0x7F - 0x39))
    is_letter = (lower + _every_byte(0x80 - 0x61)) & ~(lower + _every_byte(0x7F - 0x66))
    byte_ok = (is_digit | is_letter) & ~words & _HIGH_BITS
    rows_ok: npt.NDArray[np.bool_] = np.all(byte_ok == _HIGH_BITS, axis=1)
    return rows_ok
