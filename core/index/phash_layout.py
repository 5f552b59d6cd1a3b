"""On-disk layout of the pHash index (shared by the builder and the reader).

Multi-index hashing with m = 3 substrings of 22, 21 and 21 bits. Table j holds the hashes rotated left so
that substring j is the top bits, sorted; its key is the top `key_bits` bits of the rotated value (the whole
substring on big indexes, a prefix on small ones so the directory stays small), found through a dense
directory (`starts[key] .. starts[key + 1]`); each row stores only the remaining `64 - key_bits` <= 48 bits in
6 bytes. Table 0 (rotation 0: plain sorted order) holds every row with its ordinal; tables 1 and 2 hold each
distinct hash once, and their matches are resolved to ordinals through table 0.

Why m = 3: multi-index hashing is fastest with substrings of about log2(rows) bits (Norouzi et al.), here
27-30 bits for 100M-750M rows. m = 2 (32-bit substrings) would enumerate 284,000 keys per query at distance
10; m = 4 (16 bits) would verify five times more candidates than m = 3 (about 650,000 against 128,000 per
query at 100M uniform rows, distance 10). Space settles it too: 3 x 6 bytes + a 4-byte ordinal is 22 bytes
a row (plus directories, 0.3 byte a row at 100M), under the 24-byte budget; a fourth table would exceed it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.index.mih_plan import HASH_BITS, split_substrings

KIND = "phash"
FORMAT_VERSION = 1
SUBSTRING_COUNT = 3
REST_BYTES = 6
REST_PADDING = 8 - REST_BYTES
# Directories never shrink below 2**16 entries (so the stored rest always fits in 48 bits).
MIN_KEY_BITS = HASH_BITS - 8 * REST_BYTES
ORDINALS_FILE = "ordinals.bin"


@dataclass(frozen=True)
class TableLayout:
    rotation: int  # the table stores rotl(hash, rotation)
    key_bits: int

    @property
    def rest_bits(self) -> int:
        return HASH_BITS - self.key_bits

    @property
    def rest_mask(self) -> np.uint64:
        return np.uint64((1 << self.rest_bits) - 1)

    def rest_file(self, index: int) -> str:
        return f"table{index}.rest.bin"

    def directory_file(self, index: int) -> str:
        return f"table{index}.dir.bin"


def table_layouts(rows: int) -> tuple[TableLayout, ...]:
    """Layouts for an index of `rows` rows: directories of about rows / 16 entries (a directory costs 4 bytes an
    entry in each of the three tables: at rows / 4 that was 3 bytes a row, over the 24-byte budget; a search then
    verifies about 16 rows a probed key instead of 4, still a few cache lines), capped by the substring."""
    wanted = math.ceil(math.log2(max(rows, 2))) - 4
    layouts = []
    for substring in split_substrings(SUBSTRING_COUNT):
        rotation = (HASH_BITS - substring.shift - substring.bits) % HASH_BITS
        layouts.append(TableLayout(rotation=rotation, key_bits=max(MIN_KEY_BITS, min(substring.bits, wanted))))
    return tuple(layouts)


def rotate_left(values: npt.NDArray[np.uint64], bits: int) -> npt.NDArray[np.uint64]:
    if bits % HASH_BITS == 0:
        return values.copy()
    return (values << np.uint64(bits)) | (values >> np.uint64(HASH_BITS - bits))


def rotate_right(values: npt.NDArray[np.uint64], bits: int) -> npt.NDArray[np.uint64]:
    return rotate_left(values, (HASH_BITS - bits) % HASH_BITS)


def directory_dtype(rows: int) -> np.dtype[np.unsignedinteger]:
    return np.dtype(np.uint32) if rows < 2**32 else np.dtype(np.uint64)


def ordinal_dtype(max_ordinal: int) -> np.dtype[np.integer]:
    return np.dtype(np.uint32) if max_ordinal < 2**32 else np.dtype(np.int64)
