"""Hex parsing of pHash and SHA-256 columns: values, case, nulls and every kind of malformed value."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.index.hexparse import parse_phash_hex, parse_sha256_hex, sha256_prefixes

BAD_PHASHES = [
    None,
    "",
    "123",
    "0123456789abcdef0",  # 17 characters
    "0123456789abcdeg",  # not hex
    "0123456789abcde ",
    "/123456789abcdef",  # just below '0'
    ":123456789abcdef",  # just above '9'
    "@123456789abcdef",  # just below 'A'
    "G123456789abcdef",
    "`123456789abcdef",  # just below 'a'
    "\x10123456789abcdef",  # becomes '0' if lower-cased blindly
    "é123456789abcde",  # 16 bytes in UTF-8 is 17
    "0x23456789abcdef",
]


@settings(deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=200), st.booleans())
def test_phash_values_equal_int_of_the_hex(values: list[int], upper: bool) -> None:
    texts = [format(v, "016X" if upper else "016x") for v in values]
    parsed = parse_phash_hex(pa.array(texts, type=pa.string()))
    assert parsed.values.dtype == np.uint64
    assert [int(v) for v in parsed.values] == [int(t, 16) for t in texts]
    assert parsed.valid.all()


@pytest.mark.parametrize("bad", BAD_PHASHES)
def test_malformed_phash_is_flagged_and_neighbours_still_parse(bad: str | None) -> None:
    texts = ["ffffffffffffffff", bad, "0000000000000001"]
    for column in (pa.array(texts, type=pa.string()), pa.array(texts, type=pa.large_string()), texts):
        parsed = parse_phash_hex(column)
        assert parsed.valid.tolist() == [True, False, True]
        assert parsed.values.tolist() == [2**64 - 1, 0, 1]


def test_phash_from_numpy_bytes_and_str_arrays() -> None:
    texts = ["00000000000000ff", "FFFFFFFFFFFFFFFF", "xyz"]
    for column in (np.array(texts, dtype="S"), np.array(texts, dtype="U")):
        parsed = parse_phash_hex(column)
        assert parsed.valid.tolist() == [True, True, False]
        assert parsed.values.tolist() == [255, 2**64 - 1, 0]


def test_phash_from_sliced_and_chunked_arrow() -> None:
    texts = [format(i, "016x") for i in range(10)]
    sliced = pa.array(texts).slice(3, 4)
    assert parse_phash_hex(sliced).values.tolist() == [3, 4, 5, 6]
    chunked = pa.chunked_array([pa.array(texts[:4]), pa.array([None] + texts[4:])])
    parsed = parse_phash_hex(chunked)
    assert parsed.values.tolist() == [0, 1, 2, 3, 0, 4, 5, 6, 7, 8, 9]
    assert parsed.valid.tolist() == [True] * 4 + [False] + [True] * 6
    assert len(parse_phash_hex(pa.chunked_array([], type=pa.string())).values) == 0


def test_many_rows_with_a_bad_row_in_a_late_chunk() -> None:
    texts = [format(i * 7919, "016x") for i in range(200_000)]
    texts[150_001] = "not a hash at al"
    parsed = parse_phash_hex(pa.array(texts))
    assert np.flatnonzero(~parsed.valid).tolist() == [150_001]
    assert parsed.values[150_002] == 150_002 * 7919


def test_sha256_digests_and_prefixes() -> None:
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(5)]
    texts: list[str | None] = [d.hex() for d in digests]
    texts[1] = texts[1].upper()  # type: ignore[union-attr]
    texts.append(None)
    texts.append("ab" * 31)
    texts.append("zz" * 32)
    parsed = parse_sha256_hex(pa.array(texts))
    assert parsed.valid.tolist() == [True] * 5 + [False] * 3
    assert [bytes(row) for row in parsed.digests[:5]] == digests
    assert sha256_prefixes(parsed.digests[:5]).tolist() == [int.from_bytes(d[:8], "big") for d in digests]
