"""Hash columns as the datasets publish them: every accepted encoding, null and malformed counts, refusals."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import TrainTraceError
from core.index import hexparse
from core.index.hexparse import (
    HashColumnError,
    check_phash_column,
    check_sha256_column,
    parse_phash_column,
    parse_sha256_column,
    phash_blocks,
)

TOP = 0xFEDCBA9876543210  # top bit set: negative as an int64
LOW = 0x0123456789ABCDEF
DIGESTS = [hashlib.sha256(str(i).encode()).digest() for i in range(3)]

_PHASH_RE = re.compile(r"[0-9a-fA-F]{16}|0[xX][0-9a-fA-F]{1,16}")
_SHA_RE = re.compile(r"(0[xX])?([0-9a-fA-F]{64})")


def reference_phash(text: str | None) -> int | None | str:
    """The rule: None for a null, "bad" for a malformed value, else int(text, 16)."""
    if text is None:
        return None
    return int(text, 16) if _PHASH_RE.fullmatch(text) else "bad"


def reference_sha(value: str | bytes | None, binary: bool) -> bytes | None | str:
    if value is None:
        return None
    if isinstance(value, bytes):
        if binary and len(value) == 32:
            return value
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return "bad"
    match = _SHA_RE.fullmatch(value)
    return bytes.fromhex(match.group(2)) if match else "bad"


def outcome_phash(parsed: hexparse.PhashColumn, texts: list[str | None]) -> list[int | None | str]:
    out: list[int | None | str] = []
    for i, text in enumerate(texts):
        if parsed.valid[i]:
            out.append(int(parsed.values[i]))
        else:
            assert parsed.values[i] == 0
            out.append(None if text is None else "bad")
    return out


def check_counts(parsed: hexparse.PhashColumn | hexparse.Sha256Column, expected: list[object]) -> None:
    assert parsed.nulls == sum(e is None for e in expected)
    assert parsed.malformed == sum(isinstance(e, str) for e in expected)
    assert int(parsed.valid.sum()) + parsed.nulls + parsed.malformed == len(expected)
    assert (parsed.example_bad is None) == (parsed.malformed == 0)


# ---------------------------------------------------------------- pHash encodings

TEXTS: list[str | None] = [
    format(LOW, "016x"),
    format(TOP, "016X"),
    None,
    "0x" + format(LOW, "016x"),
    "0X" + format(TOP, "016X"),
    "0x1f",  # hex() drops leading zeros
    "0x0",
    "0x",  # no digits
    "123",  # too short without a prefix
    "0123456789abcdef0",  # 17
    "0x00000000000000001",  # 17 digits after the prefix
    "0123456789abcdeg",
    " 0123456789abcde",
    "+123456789abcdef",
    "-0x1",
    "0x_123",
    "é123456789abcde",
    "",
]


@pytest.mark.parametrize(
    "arrow_type", [pa.string(), pa.large_string(), pa.string_view(), pa.binary(), pa.large_binary()]
)
def test_phash_text_encodings(arrow_type: pa.DataType) -> None:
    values = [t.encode() if t is not None and arrow_type in (pa.binary(), pa.large_binary()) else t for t in TEXTS]
    parsed = parse_phash_column(pa.array(values, type=arrow_type))
    expected = [reference_phash(t) for t in TEXTS]
    assert outcome_phash(parsed, TEXTS) == expected
    check_counts(parsed, expected)
    assert parsed.example_bad == repr("0x")


def test_phash_every_fast_path_and_the_general_one() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 2**64 - 1, size=5000, dtype=np.uint64, endpoint=True)
    plain = [format(int(v), "016x") for v in values]
    for texts in (
        plain,  # all 16 characters
        ["0x" + t.upper() for t in plain],  # all 18
        [hex(int(v)) for v in values],  # hex(): variable length
        [None if i % 7 == 0 else t for i, t in enumerate(plain)],  # nulls
    ):
        parsed = parse_phash_column(pa.array(texts, type=pa.string()))
        expected = [reference_phash(t) for t in texts]
        assert outcome_phash(parsed, texts) == expected
    # Nulls whose slots still hold 16 bytes (pc.if_else keeps them), hex or not.
    base = pa.array(plain[:-1] + ["not hex at all!!"])
    mask = pa.array([i % 5 == 0 for i in range(len(plain))])
    column = pc.if_else(mask, pa.scalar(None, pa.string()), base)
    parsed = parse_phash_column(column)
    expected_valid = [i % 5 != 0 and i != len(plain) - 1 for i in range(len(plain))]
    assert parsed.valid.tolist() == expected_valid
    assert parsed.nulls == len(range(0, len(plain), 5)) and parsed.malformed == 1
    assert parsed.example_bad == repr("not hex at all!!")


def test_phash_integers_are_their_64_bits() -> None:
    signed = pa.array([LOW, TOP - 2**64, None, -1, 0], type=pa.int64())
    parsed = parse_phash_column(signed)
    assert parsed.values.tolist() == [LOW, TOP, 0, 2**64 - 1, 0]
    assert parsed.valid.tolist() == [True, True, False, True, True]
    assert (parsed.nulls, parsed.malformed, parsed.example_bad) == (1, 0, None)
    unsigned = parse_phash_column(pa.array([TOP, None, LOW], type=pa.uint64()))
    assert unsigned.values.tolist() == [TOP, 0, LOW] and unsigned.valid.tolist() == [True, False, True]
    assert parse_phash_column(signed.slice(1, 3)).values.tolist() == [TOP, 0, 2**64 - 1]


def test_phash_dictionary_fixed_size_null_sliced_and_chunked() -> None:
    texts = [format(LOW, "016x"), None, "bad", format(TOP, "016x"), format(LOW, "016x"), "bad"]
    dictionary = pa.array(texts).dictionary_encode()
    parsed = parse_phash_column(dictionary)
    assert parsed.values.tolist() == [LOW, 0, 0, TOP, LOW, 0]
    assert (parsed.nulls, parsed.malformed, parsed.example_bad) == (1, 2, repr("bad"))
    # A dictionary entry that is null makes its rows null.
    with_null_entry = pa.DictionaryArray.from_arrays(pa.array([0, 1, 1]), pa.array([format(LOW, "016x"), None]))
    assert (parse_phash_column(with_null_entry).nulls, parse_phash_column(with_null_entry).malformed) == (2, 0)
    fixed = pa.array([format(LOW, "016x").encode(), None], type=pa.binary(16))
    assert parse_phash_column(fixed).values.tolist() == [LOW, 0]
    assert parse_phash_column(pa.array([None, None])).nulls == 2
    plain = pa.array([format(i, "016x") for i in range(10)])
    assert parse_phash_column(plain.slice(3, 4)).values.tolist() == [3, 4, 5, 6]
    chunked = pa.chunked_array([plain.slice(0, 4), pa.array(["0x9", None]), plain.slice(4)])
    parsed = parse_phash_column(chunked)
    assert parsed.values.tolist() == [0, 1, 2, 3, 9, 0, 4, 5, 6, 7, 8, 9]
    assert parsed.nulls == 1 and parse_phash_column(pa.chunked_array([], type=pa.string())).values.shape == (0,)


def test_phash_blocks_cover_every_row_once() -> None:
    texts = [format(i * 7919, "016x") if i % 11 else "?" for i in range(1000)]
    seen = np.zeros(len(texts), np.int64)
    for block in phash_blocks(pa.chunked_array([pa.array(texts[:300]), pa.array(texts[300:])]), block_rows=64):
        rows = np.arange(block.rows) if block.good is None else block.good
        assert block.values.tolist() == [int(texts[block.begin + r], 16) for r in rows]
        seen[block.begin : block.begin + block.rows] += 1
    assert (seen == 1).all()


# ---------------------------------------------------------------- SHA-256 encodings


def test_sha256_encodings() -> None:
    d0, d1, d2 = DIGESTS
    texts = [d0.hex(), "0x" + d1.hex().upper(), None, "0X" + d2.hex(), d0.hex()[:32], d0.hex() + "0", "zz" * 32]
    for arrow_type in (pa.string(), pa.large_string(), pa.string_view()):
        parsed = parse_sha256_column(pa.array(texts, type=arrow_type))
        assert parsed.valid.tolist() == [True, True, False, True, False, False, False]
        assert [bytes(r) for r in parsed.digests[[0, 1, 3]]] == [d0, d1, d2]
        assert (parsed.nulls, parsed.malformed, parsed.example_bad) == (1, 3, repr(d0.hex()[:32]))
    # Binary: the 32 raw bytes, or the hex text as bytes.
    binary = pa.array([d0, d1.hex().encode(), None, b"\x00" * 31, b"\xff" * 64], type=pa.binary())
    parsed = parse_sha256_column(binary)
    assert parsed.valid.tolist() == [True, True, False, False, False]
    assert [bytes(r) for r in parsed.digests[:2]] == [d0, d1] and parsed.malformed == 2
    fixed = parse_sha256_column(pa.array([d2, None, d0], type=pa.binary(32)))
    assert [bytes(r) for r in fixed.digests] == [d2, bytes(32), d0] and fixed.nulls == 1
    # In a text column a 32-character value is not a digest (it may be an MD5).
    assert not parse_sha256_column(pa.array(["a" * 32])).valid.any()
    dictionary = parse_sha256_column(pa.array([d0.hex(), d0.hex(), "no"]).dictionary_encode())
    assert dictionary.valid.tolist() == [True, True, False] and bytes(dictionary.digests[1]) == d0


# ---------------------------------------------------------------- refusals


def test_check_refuses_what_is_not_a_hash_column_with_name_and_example() -> None:
    with pytest.raises(HashColumnError) as refused:
        check_phash_column(pa.array([None, 0.25, 1.5]), "image_phash")
    assert "'image_phash'" in str(refused.value) and "0.25" in str(refused.value) and "double" in str(refused.value)
    assert isinstance(refused.value, TrainTraceError) and refused.value.column_name == "image_phash"
    with pytest.raises(HashColumnError, match=r"'url'.*'https://a.example/1.jpg'"):
        check_phash_column(pa.array([f"https://a.example/{i}.jpg" for i in range(1, 9)] + ["0123456789abcdef"]), "url")
    with pytest.raises(HashColumnError, match=r"'id'.*small numbers.*'7'"):
        check_phash_column(pa.array(range(7, 100), type=pa.int64()), "id")
    with pytest.raises(HashColumnError, match="int32"):
        check_phash_column(pa.array([1, 2], type=pa.int32()), "width")
    with pytest.raises(HashColumnError, match=r"'sha256'.*int64"):
        check_sha256_column(pa.array([1, 2]), "sha256")
    with pytest.raises(HashColumnError, match=r"'uid'.*'0123"):
        check_sha256_column(pa.array(["0123456789abcdef0123456789abcdef"] * 5), "uid")
    with pytest.raises(HashColumnError):
        parse_phash_column(pa.array([1.0]))


def test_check_accepts_hash_columns_with_some_bad_values() -> None:
    rng = np.random.default_rng(2)
    values = rng.integers(0, 2**64 - 1, size=100, dtype=np.uint64, endpoint=True)
    texts: list[str | None] = [format(int(v), "016x") for v in values]
    texts[:40] = ["bad"] * 40
    texts[40:60] = [None] * 20
    check_phash_column(pa.array(texts), "image_phash")
    check_phash_column(pa.array(values.view(np.int64)), "image_phash")
    check_phash_column(pa.array([None, None], type=pa.string()), "image_phash")
    check_phash_column(pa.array([0, 0, 1], type=pa.int64()), "image_phash")  # too few values to judge
    check_sha256_column(pa.array([d.hex() for d in DIGESTS] + ["x"]), "sha256")
    check_sha256_column(pa.array(DIGESTS, type=pa.binary(32)), "sha256")


# ---------------------------------------------------------------- agreement with Python on random strings

HEX = "0123456789abcdefABCDEF"
NOISE = HEX + "xXg -+_\t\né\x00/:@G`"


def hexish(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=HEX, min_size=min_size, max_size=max_size)


PHASH_TEXTS = st.one_of(
    hexish(16, 16),
    st.tuples(st.sampled_from(["0x", "0X"]), hexish(0, 17)).map("".join),
    hexish(0, 20),
    st.text(alphabet=NOISE, max_size=20),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(PHASH_TEXTS, max_size=60),
    encoding=st.sampled_from(["string", "large_string", "binary", "dictionary", "chunked"]),
    block_rows=st.integers(1, 70),
)
def test_phash_column_agrees_with_int_of_the_text(texts: list[str | None], encoding: str, block_rows: int) -> None:
    if encoding == "binary":
        column: pa.Array | pa.ChunkedArray = pa.array(
            [t.encode() if t is not None else None for t in texts], pa.binary()
        )
    elif encoding == "dictionary":
        column = pa.array(texts, type=pa.string()).dictionary_encode()
    elif encoding == "chunked":
        cut = len(texts) // 3
        column = pa.chunked_array([pa.array(texts[:cut], pa.string()), pa.array(texts[cut:], pa.string())])
    else:
        column = pa.array(texts, type=getattr(pa, encoding)())
    default_rows = hexparse.BLOCK_ROWS
    hexparse.BLOCK_ROWS = block_rows  # blocks of a few rows: every kind of block boundary
    try:
        parsed = parse_phash_column(column)
    finally:
        hexparse.BLOCK_ROWS = default_rows
    expected = [reference_phash(t) for t in texts]
    assert outcome_phash(parsed, texts) == expected
    check_counts(parsed, expected)
    for text, value, valid in zip(texts, parsed.values.tolist(), parsed.valid.tolist(), strict=True):
        if valid:
            assert value == int(text, 16)  # type: ignore[arg-type]


SHA_TEXTS = st.one_of(
    hexish(64, 64),
    st.tuples(st.sampled_from(["0x", "0X"]), hexish(62, 66)).map("".join),
    hexish(60, 66),
    st.text(alphabet=NOISE, min_size=60, max_size=68),
    st.binary(min_size=30, max_size=34),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(SHA_TEXTS, max_size=40), st.booleans())
def test_sha256_column_agrees_with_bytes_fromhex(values: list[str | bytes | None], binary: bool) -> None:
    if binary:
        raw = [v.encode() if isinstance(v, str) else v for v in values]
        column = pa.array(raw, type=pa.binary())
        expected = [reference_sha(v, True) for v in raw]
    else:
        texts = [v for v in values if not isinstance(v, bytes)]
        column = pa.array(texts, type=pa.string())
        expected = [reference_sha(v, False) for v in texts]
    parsed = parse_sha256_column(column)
    got = [
        bytes(parsed.digests[i]) if parsed.valid[i] else (None if e is None else "bad") for i, e in enumerate(expected)
    ]
    assert got == expected
    check_counts(parsed, expected)
