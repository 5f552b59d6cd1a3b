"""Vectorised parsing of hash columns (COYO `image_phash`, DataComp `sha256`) in the encodings datasets use.

Column API (what the dataset import calls): `parse_phash_column` / `parse_sha256_column` take an Arrow array
or chunked array of any accepted encoding and return the values, a validity mask and the counts of nulls and
malformed values (with one example); `check_phash_column` / `check_sha256_column` refuse, with
`HashColumnError`, a column that is not a hash column at all. Accepted:
- pHash: 16 hex characters (`str(imagehash.phash(img))`); `0x`/`0X` followed by 1 to 16 hex characters (the
  form Python's `hex()` writes, leading zeros dropped); signed int64 (the same 64 bits: a negative value is a
  hash with its top bit set) or uint64; as string, large_string, string_view, binary (UTF-8) or
  fixed_size_binary text, or dictionary-encoded.
- SHA-256: 64 hex characters, optionally `0x`/`0X`-prefixed, as text of the same kinds; or the 32 raw bytes
  (binary, large_binary or fixed_size_binary(32)).
Hex is case-insensitive. A null is counted as a null; any other value (wrong length, a non-hex character,
surrounding spaces, a sign) is counted as malformed and never matches.

`parse_phash_hex` / `parse_sha256_hex` are the older strict readers (exactly 16 or 64 hex characters, no
prefix), which also take numpy string arrays and Python sequences.

In both, hex is decoded by one C routine (`binascii.unhexlify`) straight over the Arrow data buffer, block by
block (32K rows, so every temporary stays in the CPU cache), with no Python loop per row. A block whose values
all have the usual width (16 characters, or 18 with the prefix) is one contiguous slice of that buffer; a
block with a malformed value is re-checked with byte-parallel (SWAR) arithmetic on 64-bit words and its bad
rows are blanked and flagged; a block with values of other lengths (`hex()` output, raw digests, garbage) reads
each value right-aligned through a window view. So one bad row costs a little, not a slow path for the column.

A pHash string is `str(imagehash.phash(img))`: 16 hex characters, row-major, most significant bit first, so
its value is `int(text, 16)`.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import TrainTraceError

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


# --------------------------------------------------------------------------------------------------------------
# Column API: every encoding the datasets use, with counts of nulls and malformed values.

# Rows per block: the block's temporaries (its hex text, decoded bytes, offsets) stay in the CPU cache.
BLOCK_ROWS = 1 << 15
_ZERO = ord("0")
_X = ord("x")
_CASE_BIT = 0x20
_EXAMPLE_CHARS = 40
# `check_*`: a column whose values are mostly this is not a hash column.
_MIN_VALUES_FOR_SMALL_CHECK = 8
_SMALL_PHASH = np.uint64(1 << 32)


class HashColumnError(TrainTraceError):
    """A column mapped as a hash column does not hold hashes (its type, or most of its values)."""

    def __init__(self, message: str, column_name: str | None = None, example: str | None = None) -> None:
        super().__init__(message)
        self.column_name = column_name
        self.example = example


@dataclass(frozen=True)
class PhashColumn:
    """A parsed pHash column: `values[i]` is row i's 64-bit pHash (the bits of `int(text, 16)`, or of the
    integer), 0 where `valid[i]` is False. `nulls` + `malformed` + `valid.sum()` = the rows;
    `example_bad` quotes the first malformed value (None if there is none)."""

    values: npt.NDArray[np.uint64]
    valid: npt.NDArray[np.bool_]
    nulls: int
    malformed: int
    example_bad: str | None


@dataclass(frozen=True)
class Sha256Column:
    """A parsed SHA-256 column: `digests[i]` holds row i's 32 bytes (zeros where `valid[i]` is False)."""

    digests: npt.NDArray[np.uint8]
    valid: npt.NDArray[np.bool_]
    nulls: int
    malformed: int
    example_bad: str | None


@dataclass(frozen=True)
class HashBlock:
    """Rows [begin, begin + rows) of a column: the parsed values of its good rows, in row order.

    `values` is uint64 (pHash) or an (k, 32) uint8 matrix (SHA-256); `good` lists the positions of those rows
    in the block, or is None when every row of the block is good.
    """

    begin: int
    rows: int
    values: npt.NDArray[Any]
    good: npt.NDArray[np.intp] | None
    nulls: int
    malformed: int
    example_bad: str | None


@dataclass(frozen=True)
class _HexKind:
    name: str
    plural: str
    digits: int  # hex digits of a full value
    min_prefixed_digits: int  # after a 0x prefix, at least this many (the rest left-padded with zeros)
    raw_bytes: int | None  # binary values of exactly this length are the raw value

    @property
    def nbytes(self) -> int:
        return self.digits // 2


_PHASH = _HexKind("pHash", "pHashes", PHASH_HEX_LEN, 1, None)
_SHA256 = _HexKind("SHA-256", "SHA-256 digests", SHA256_HEX_LEN, SHA256_HEX_LEN, SHA256_BYTES)

ColumnLike: TypeAlias = pa.Array | pa.ChunkedArray


def parse_phash_column(column: ColumnLike) -> PhashColumn:
    """Parse a pHash column of any accepted encoding (see the module docstring)."""
    values = np.zeros(len(column), dtype=np.uint64)
    valid, nulls, malformed, example = _gather(column, _PHASH, values)
    return PhashColumn(values=values, valid=valid, nulls=nulls, malformed=malformed, example_bad=example)


def parse_sha256_column(column: ColumnLike) -> Sha256Column:
    """Parse a SHA-256 column of any accepted encoding (see the module docstring)."""
    digests = np.zeros((len(column), SHA256_BYTES), dtype=np.uint8)
    valid, nulls, malformed, example = _gather(column, _SHA256, digests)
    return Sha256Column(digests=digests, valid=valid, nulls=nulls, malformed=malformed, example_bad=example)


def _gather(
    column: ColumnLike, kind: _HexKind, out: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.bool_], int, int, str | None]:
    """Parse `column` block by block into `out` (rows); returns (valid, nulls, malformed, first bad example)."""
    valid = np.zeros(len(column), dtype=np.bool_)
    nulls = malformed = 0
    example: str | None = None
    for block in _blocks(column, kind, BLOCK_ROWS):
        rows = slice(block.begin, block.begin + block.rows) if block.good is None else block.begin + block.good
        out[rows] = block.values
        valid[rows] = True
        nulls += block.nulls
        malformed += block.malformed
        example = example or block.example_bad
    return valid, nulls, malformed, example


def phash_blocks(column: ColumnLike, block_rows: int | None = None) -> Iterator[HashBlock]:
    """The column block by block (`BLOCK_ROWS` rows), values as uint64 pHashes: what `parse_phash_column`
    returns, for a streaming pass that never needs the whole column at once."""
    return _blocks(column, _PHASH, block_rows or BLOCK_ROWS)


def check_phash_column(column: ColumnLike, column_name: str) -> None:
    """Refuse (HashColumnError) a column that cannot be a pHash column; call it on the first batch.

    Refused: a type no pHash is written in (float, decimal, date, int32 ...); text of which most non-null
    values are malformed; integers or hex of which most values are below 2**32 (row ids, sizes: a real pHash
    that small is a rarity). The message names the column and quotes a value.
    """
    _check_type(column, column_name, _PHASH)
    parsed = parse_phash_column(column)
    _check_values(column_name, _PHASH, parsed.nulls, parsed.malformed, len(column), parsed.example_bad)
    good = parsed.values[parsed.valid]
    small = good < _SMALL_PHASH
    if len(good) >= _MIN_VALUES_FOR_SMALL_CHECK and 2 * int(np.count_nonzero(small)) > len(good):
        example = _quote(_value_text(column, int(np.flatnonzero(parsed.valid)[np.argmax(small)])))
        raise HashColumnError(
            f"column {column_name!r} does not hold 64-bit pHashes: most of its values are small numbers, such"
            f" as {example} (an id or a size?). Map the column that holds the image pHash.",
            column_name,
            example,
        )


def check_sha256_column(column: ColumnLike, column_name: str) -> None:
    """Refuse (HashColumnError) a column that cannot be a SHA-256 column; call it on the first batch."""
    _check_type(column, column_name, _SHA256)
    parsed = parse_sha256_column(column)
    _check_values(column_name, _SHA256, parsed.nulls, parsed.malformed, len(column), parsed.example_bad)


def _describe(kind: _HexKind) -> str:
    if kind is _PHASH:
        return "16 hex characters (optionally 0x-prefixed) or 64-bit integers"
    return "64 hex characters (optionally 0x-prefixed) or 32 raw bytes"


def _check_type(column: ColumnLike, column_name: str, kind: _HexKind) -> None:
    value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    if _is_text(value_type) or pa.types.is_null(value_type):
        return
    if kind is _PHASH and (pa.types.is_int64(value_type) or pa.types.is_uint64(value_type)):
        return
    example = _quote(_first_value_text(column))
    raise HashColumnError(
        f"column {column_name!r} holds {value_type} values such as {example}, not {kind.plural}: a {kind.name}"
        f" column holds {_describe(kind)}. Map the column that holds the {kind.name}.",
        column_name,
        example,
    )


def _check_values(
    column_name: str, kind: _HexKind, nulls: int, malformed: int, rows: int, example_bad: str | None
) -> None:
    present = rows - nulls
    if present and 2 * malformed > present:
        raise HashColumnError(
            f"column {column_name!r} does not hold {kind.plural}: {malformed:,} of its first {present:,}"
            f" values are not {_describe(kind)}, such as {example_bad}. Map the column that holds the"
            f" {kind.name}.",
            column_name,
            example_bad,
        )


def _is_text(value_type: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(value_type)
        or pa.types.is_large_string(value_type)
        or pa.types.is_string_view(value_type)
        or pa.types.is_binary(value_type)
        or pa.types.is_large_binary(value_type)
        or pa.types.is_binary_view(value_type)
        or pa.types.is_fixed_size_binary(value_type)
    )


def _blocks(column: ColumnLike, kind: _HexKind, block_rows: int) -> Iterator[HashBlock]:
    if isinstance(column, pa.ChunkedArray):
        base = 0
        for chunk in column.chunks:
            for block in _array_blocks(chunk, kind, block_rows):
                yield HashBlock(
                    block.begin + base, block.rows, block.values, block.good, block.nulls, block.malformed,
                    block.example_bad,
                )  # fmt: skip
            base += len(chunk)
        return
    if not isinstance(column, pa.Array):
        raise TypeError(f"expected an Arrow array or chunked array, not {type(column).__name__}")
    yield from _array_blocks(column, kind, block_rows)


def _array_blocks(array: pa.Array, kind: _HexKind, block_rows: int) -> Iterator[HashBlock]:
    kind_type = array.type
    n = len(array)
    if pa.types.is_dictionary(kind_type):
        yield from _dictionary_blocks(array, kind, block_rows)
        return
    if pa.types.is_null(kind_type):
        for begin in range(0, n, block_rows):
            rows = min(block_rows, n - begin)
            yield HashBlock(begin, rows, _empty_values(kind), np.zeros(0, np.intp), rows, 0, None)
        return
    if kind is _PHASH and (pa.types.is_int64(kind_type) or pa.types.is_uint64(kind_type)):
        words = np.frombuffer(array.buffers()[1], dtype=np.uint64)[array.offset : array.offset + n]
        notnull = _not_null(array)
        for begin in range(0, n, block_rows):
            end = min(n, begin + block_rows)
            if notnull is None:
                yield HashBlock(begin, end - begin, words[begin:end], None, 0, 0, None)
            else:
                kept = np.flatnonzero(notnull[begin:end])
                yield HashBlock(begin, end - begin, words[begin:end][kept], kept, end - begin - len(kept), 0, None)
        return
    if not _is_text(kind_type):
        raise HashColumnError(f"a {kind.name} column cannot hold {kind_type} values; it holds {_describe(kind)}")
    if pa.types.is_string_view(kind_type):
        array = pc.cast(array, pa.large_string())
    elif pa.types.is_binary_view(kind_type):
        array = pc.cast(array, pa.large_binary())
    is_binary = not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type))
    buffers = array.buffers()
    notnull = _not_null(array)
    if pa.types.is_fixed_size_binary(array.type):
        width = array.type.byte_width
        data = _bytes_of(buffers[1])
        offsets: npt.NDArray[Any] | None = None
    else:
        large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
        offsets = np.frombuffer(buffers[1], dtype=np.int64 if large else np.int32)[array.offset : array.offset + n + 1]
        data = _bytes_of(buffers[2])
        width = 0
    for begin in range(0, n, block_rows):
        end = min(n, begin + block_rows)
        offs: npt.NDArray[Any]
        if offsets is None:
            offs = (np.arange(begin, end + 1, dtype=np.int64) + array.offset) * width
        else:
            offs = offsets[begin : end + 1]
        block_notnull = None if notnull is None else notnull[begin:end]
        matrix, good, nulls, malformed, example = _text_block(offs, data, block_notnull, kind, is_binary)
        values = matrix.view(">u8").reshape(-1).astype(np.uint64) if kind is _PHASH else matrix
        yield HashBlock(begin, end - begin, values, good, nulls, malformed, example)


def _dictionary_blocks(array: pa.Array, kind: _HexKind, block_rows: int) -> Iterator[HashBlock]:
    """Parse the dictionary once; each row takes its entry's value (an entry that is null is a null row)."""
    dictionary = array.dictionary
    entries = list(_array_blocks(dictionary, kind, max(1, len(dictionary))))
    entry_values = np.concatenate([_full(b, kind) for b in entries]) if entries else _empty_values(kind)
    entry_ok = np.zeros(len(dictionary), dtype=np.bool_)
    for b in entries:
        entry_ok[b.begin + (np.arange(b.rows) if b.good is None else b.good)] = True
    entry_null = ~_not_null_full(dictionary)
    indices = array.indices
    index_notnull = _not_null(indices)
    index_values = indices.to_numpy(zero_copy_only=False)
    n = len(array)
    for begin in range(0, n, block_rows):
        end = min(n, begin + block_rows)
        idx = index_values[begin:end]
        if index_notnull is not None:
            idx = np.where(index_notnull[begin:end], idx, 0).astype(np.intp)
            row_null = ~index_notnull[begin:end]
        else:
            idx = idx.astype(np.intp, copy=False)
            row_null = np.zeros(end - begin, dtype=np.bool_)
        if len(dictionary):
            row_null |= entry_null[idx]
            row_ok = ~row_null & entry_ok[idx]
        else:
            row_ok = np.zeros(end - begin, dtype=np.bool_)
        good = np.flatnonzero(row_ok)
        bad = ~row_null & ~row_ok
        malformed = int(np.count_nonzero(bad))
        example = _quote(_value_text(dictionary, int(idx[np.argmax(bad)]))) if malformed else None
        nulls = int(np.count_nonzero(row_null))
        yield HashBlock(begin, end - begin, entry_values[idx[good]], good, nulls, malformed, example)


def _full(block: HashBlock, kind: _HexKind) -> npt.NDArray[Any]:
    """The block's values spread over all its rows (zeros for the others)."""
    if block.good is None:
        return block.values
    out = np.zeros((block.rows, kind.nbytes), np.uint8) if kind is _SHA256 else np.zeros(block.rows, np.uint64)
    out[block.good] = block.values
    return out


def _empty_values(kind: _HexKind) -> npt.NDArray[Any]:
    return np.zeros((0, kind.nbytes), np.uint8) if kind is _SHA256 else np.zeros(0, np.uint64)


def _bytes_of(buffer: pa.Buffer | None) -> npt.NDArray[np.uint8]:
    return np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)


def _not_null(array: pa.Array) -> npt.NDArray[np.bool_] | None:
    """Which rows are not null, or None when none is."""
    if array.null_count == 0:
        return None
    return _not_null_full(array)


def _not_null_full(array: pa.Array) -> npt.NDArray[np.bool_]:
    n = len(array)
    if array.null_count == 0:
        return np.ones(n, dtype=np.bool_)
    bitmap = array.buffers()[0]
    if bitmap is None:  # a type without a validity bitmap (null type, some unions)
        return pc.is_valid(array).to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + n].astype(np.bool_)


def _unhex(text: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8] | None:
    """Decode contiguous hex text; None if any character is not hex."""
    try:
        return np.frombuffer(binascii.unhexlify(np.ascontiguousarray(text).data), dtype=np.uint8)
    except binascii.Error:
        return None


def _text_block(
    offs: npt.NDArray[np.integer[Any]],
    data: npt.NDArray[np.uint8],
    notnull: npt.NDArray[np.bool_] | None,
    kind: _HexKind,
    is_binary: bool,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.intp] | None, int, int, str | None]:
    """Decode one block of text values: (k, nbytes) matrix of the good rows, their positions (None: all rows),
    nulls, malformed, an example of a malformed value."""
    n = len(offs) - 1
    width = kind.digits
    start, stop = int(offs[0]), int(offs[-1])
    lengths = np.diff(offs)
    nulls = 0 if notnull is None else n - int(np.count_nonzero(notnull))
    if not nulls:
        notnull = None
    text: npt.NDArray[np.uint8] | None = None
    rows: npt.NDArray[np.intp] | None = None  # the rows `text` holds (None: all)
    if stop - start == n * width and bool((lengths == width).all()):
        # COYO's form: every value (a null's too) 16 characters, one contiguous (n, 16) block.
        text = data[start:stop].reshape(n, width)
    elif notnull is not None and stop - start == (n - nulls) * width and np.array_equal(lengths == width, notnull):
        # Nulls take no bytes (as a Parquet reader returns them) and every other value has the full width.
        text = data[start:stop].reshape(n - nulls, width)
        rows = np.flatnonzero(notnull)
    elif stop - start == n * (width + 2) and bool((lengths == width + 2).all()):
        prefixed = data[start:stop].reshape(n, width + 2)
        prefix_ok = (prefixed[:, 0] == _ZERO) & ((prefixed[:, 1] | _CASE_BIT) == _X)
        if bool(prefix_ok.all()):
            text = prefixed[:, 2:]
    if text is None:
        return _text_block_general(offs, data, notnull, kind, is_binary)
    decoded, ok = _decode_matrix(text, kind)
    if ok is not None and (rows is not None or notnull is None or not bool((ok | ~notnull).all())):
        # A value that is not plain hex of the full width (a short 0x value, garbage): decide row by row.
        return _text_block_general(offs, data, notnull, kind, is_binary)
    if rows is None and notnull is not None:
        # The block's nulls were decoded with the rest (their bytes are anything): drop them.
        kept = np.flatnonzero(notnull)
        return _take_rows(decoded, kept), kept, nulls, 0, None
    return decoded, rows, nulls, 0, None


def _take_rows(matrix: npt.NDArray[np.uint8], rows: npt.NDArray[np.intp]) -> npt.NDArray[np.uint8]:
    """matrix[rows], copying each row as one item (much faster than numpy's per-element 2-D indexing)."""
    width = matrix.shape[1]
    items = np.ascontiguousarray(matrix).view(np.dtype((np.void, width))).reshape(-1)
    return items[rows].view(np.uint8).reshape(-1, width)


def _decode_matrix(
    text: npt.NDArray[np.uint8], kind: _HexKind
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_] | None]:
    """Decode a (k, digits) hex matrix: the (k, nbytes) bytes and which rows were hex (None: all of them);
    a row that was not is decoded as zeros."""
    decoded = _unhex(text)
    if decoded is not None:
        return decoded.reshape(-1, kind.nbytes), None
    ok = _hex_rows_ok(text)
    decoded = _unhex(np.where(ok[:, None], text, np.uint8(_ZERO)))
    if decoded is None:
        raise AssertionError("hex rows checked as valid failed to decode")
    return decoded.reshape(-1, kind.nbytes), ok


def _windows(local: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.void]:
    """Every `width`-byte window of `local` as one item (overlapping), so a fancy index copies whole windows."""
    return np.ndarray(shape=(len(local) - width + 1,), dtype=np.dtype((np.void, width)), buffer=local, strides=(1,))


def _text_block_general(
    offs: npt.NDArray[np.integer[Any]],
    data: npt.NDArray[np.uint8],
    notnull: npt.NDArray[np.bool_] | None,
    kind: _HexKind,
    is_binary: bool,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.intp] | None, int, int, str | None]:
    """Any mix of plain, prefixed, short, raw, null and malformed values."""
    n = len(offs) - 1
    width = kind.digits
    present = np.ones(n, dtype=np.bool_) if notnull is None else notnull
    start, stop = int(offs[0]), int(offs[-1])
    # The block's bytes after `width` '0' characters, so a short value can be read right-aligned in a window.
    local = np.full(width + stop - start + 2, _ZERO, dtype=np.uint8)
    local[width : width + stop - start] = data[start:stop]
    starts = offs[:-1].astype(np.int64) - start + width
    lengths = np.diff(offs).astype(np.int64)
    prefixed = present & (lengths >= 2) & (local[starts] == _ZERO) & ((local[starts + 1] | _CASE_BIT) == _X)
    digits = np.where(prefixed, lengths - 2, lengths)
    length_ok = np.where(prefixed, (digits >= kind.min_prefixed_digits) & (digits <= width), digits == width)
    hex_rows = np.flatnonzero(present & length_ok)
    out = np.zeros((n, kind.nbytes), dtype=np.uint8)
    ok = np.zeros(n, dtype=np.bool_)
    if len(hex_rows):
        pad = width - digits[hex_rows]
        first = starts[hex_rows] + np.where(prefixed[hex_rows], 2, 0) - pad
        text = _windows(local, width)[first].view(np.uint8).reshape(-1, width)
        short = np.flatnonzero(pad)
        if len(short):
            text[short] = np.where(np.arange(width)[None, :] < pad[short, None], np.uint8(_ZERO), text[short])
        decoded, hex_ok = _decode_matrix(text, kind)
        good_rows = hex_rows if hex_ok is None else hex_rows[hex_ok]
        out[good_rows] = decoded if hex_ok is None else decoded[hex_ok]
        ok[good_rows] = True
    if is_binary and kind.raw_bytes is not None:
        raw_rows = np.flatnonzero(present & ~ok & (lengths == kind.raw_bytes))
        if len(raw_rows):
            out[raw_rows] = _windows(local, kind.raw_bytes)[starts[raw_rows]].view(np.uint8).reshape(-1, kind.nbytes)
            ok[raw_rows] = True
    bad = present & ~ok
    malformed = int(np.count_nonzero(bad))
    example = None
    if malformed:
        i = int(np.argmax(bad))
        example = _quote_bytes(bytes(local[int(starts[i]) : int(starts[i] + lengths[i])]))
    good = np.flatnonzero(ok)
    return _take_rows(out, good), good, n - int(np.count_nonzero(present)), malformed, example


def _quote(text: str | None) -> str | None:
    if text is None:
        return None
    return repr(text if len(text) <= _EXAMPLE_CHARS else text[:_EXAMPLE_CHARS] + "...")


def _quote_bytes(raw: bytes) -> str | None:
    try:
        return _quote(raw.decode("utf-8"))
    except UnicodeDecodeError:
        shown = raw[:_EXAMPLE_CHARS]
        return repr(shown) + ("..." if len(raw) > _EXAMPLE_CHARS else "")


def _value_text(column: ColumnLike, index: int) -> str | None:
    value = column[index].as_py()
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.hex()
    return str(value)


def _first_value_text(column: ColumnLike) -> str | None:
    """The first non-null value, as text (for a message)."""
    for index in range(min(len(column), 10_000)):
        if column[index].is_valid:
            return _value_text(column, index)
    return None
