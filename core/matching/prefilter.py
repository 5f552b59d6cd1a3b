"""Vectorised prefilter for URL and caption matching: which rows of a record batch may mention the artist.

A streaming pass over a dataset's Parquet hands each batch's URL and caption columns to `ProfilePrefilter`, which
returns the positions of candidate rows; only those rows go to the exact matchers (`UrlMatcher.match`,
`TextMatcher.find`), which decide. The prefilter is a SUPERSET filter: it passes look-alike domains, surname-only
captions and the like, but never drops a row that the exact matcher accepts. Each token below says why.

How a column is scanned (no Python per row): Arrow's `ascii_lower` lower-cases the ASCII bytes, then NumPy scans the
batch's whole data buffer in cache-sized chunks for all needles at once (each needle through its rarest byte pair
in that column, compared as 16-bit words at even and odd offsets, then verified byte by byte at the few places
found) and maps the hits to rows through the offsets. Bytes the needle scan cannot judge (non-ASCII; in URLs also
``%`` and control bytes) are found with word-wide bit tests on 8 bytes at a time, and only their rows get more work.

Caption tokens (``text_candidates``)
    `TextMatcher.required_literals`: for each term (name, alias, hashtag, handle, and each catalogue form of a
    name) a normalised literal that every one of its matches contains (the longest word of a name, the core of a
    handle; for a catalogue form the fixed text around its one space, such as "okafor, a." or "a. okafor");
    `find` reports nothing for a caption whose ``normalise``d form contains none of them (surname-only captions
    therefore pass). Work titles have none: they are reported only beside a mention. A literal that contains
    another one is not searched: every row holding it holds the other. Literals may hold spaces, commas and
    periods: they are characters of the literals' alphabet like any other (a no-break or ideographic space folds
    to a space in place, as ``normalise`` folds it).

    - Plain ASCII spellings: ``normalise`` is ``lower()`` on ASCII, except that it turns "`" into "'", so the
      lower-cased caption contains the literal's longest apostrophe-free piece byte for byte.
    - Any other spelling holds a non-ASCII character: one whose fold shares a character with a literal (``Á``,
      ``Ｌ``, ``𝐋``, ``ł``, ``ß``, ``ﬁ``, ``™``, a Hangul syllable ...), or one that folds to nothing (a combining
      mark, a soft hyphen, a zero-width joiner) right after a literal character. Such rows, found from the lead bytes
      and code points (decoded with NumPy) through a table of `fold_char` itself, tabulated once per process over
      every assigned code point, are folded in place (`FoldCodes`): each character's UTF-8 bytes are replaced by
      the codes of its fold (literal characters as themselves, anything else as a barrier byte, characters that fold
      to nothing squeezed out). That is ``normalise`` restricted to the literals' alphabet, exactly, so the folded
      row contains a literal wherever the normalised caption does. A fold that shares a literal character but is
      longer than its character's bytes (``½`` -> "1⁄2", ``㎉`` -> "kcal") cannot be spelt in place: its row is a
      candidate as it is. No Arrow Unicode kernel is involved, so no Unicode version can disagree with Python's.

URL tokens (``url_candidates``)
    `UrlMatcher` reduces a URL to its host like a browser: the authority after the scheme's slashes up to the first
    ``/ ? # \\``, userinfo and port dropped, ``%`` escapes decoded, tabs and newlines removed, lower-cased, IDNA
    (UTS #46) mapped to punycode, trailing dots removed. A host matches a profile domain D when it is D or ends with
    ".D"; an upload prefix needs its host H (``www.`` optional) and a normalised path under the prefix path.

    - Authority plain (ASCII, no ``%``, no control byte): the host is the lower-cased text of the authority, so the
      lower-cased URL contains D byte for byte. Look-alikes (``D.evil.net``, ``xD``, ``D@evil.net``, D in the path)
      pass too; the exact matcher refuses them.
    - A prefix needs its path too: the longest plain run of the prefix path (between ``/`` and ``%XX`` escapes) or
      of its query (compared raw), whichever is longer. Path normalisation (decoding escapes, quoting non-ASCII,
      ``\\`` -> ``/``, dot segments) cannot make such a run, so a matching URL contains it (found lower-cased) or
      holds a ``%``. Rows with the run are kept if they contain H anywhere.
    - Rows with a non-ASCII, ``%`` or control byte anywhere go through one anchored RE2 test: does the authority
      (delimited at least as generously as the exact matcher does: any scheme-like prefix, any run of slashes) hold
      such a byte, or a prefix host H? Those rows (percent-encoded and Unicode IDN hosts, full-width dots, tabs,
      percent-encoded prefix paths) are candidates: Arrow can neither percent-decode nor apply UTS #46.

Nulls are never candidates. Per-batch fixed costs (RE2 compiles its pattern on each call, NumPy and Python call
overhead) favour batches of 64k rows or more. Figures: `bench/bench_prefilter.py` and bench/README.md.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from core.matching.text import TextMatcher, fold_char
from core.matching.urls import DomainExtractor, UrlMatcher
from core.profile import Profile

Positions = npt.NDArray[np.int64]
Column: TypeAlias = "pa.Array | pa.ChunkedArray | Sequence[str | None]"

_CHUNK = 1 << 18  # bytes per NumPy pass: the masks of one chunk stay in the L2 cache
_SAMPLE_BYTES = 1 << 20  # bytes of the first batch whose byte-pair counts choose each needle's anchor
_HIGH_BITS = np.uint64(0x8080808080808080)
_ONES = np.uint64(0x0101010101010101)
_SPACES = np.uint64(0x2020202020202020)
_PERCENTS = np.uint64(0x2525252525252525)
# An authority (delimited at least as generously as `urls._AUTHORITY_PATTERN`: any scheme-like prefix without
# "/?#\", then any run of slashes) holding a character the needle scan cannot judge.
SUSPECT_AUTHORITY = r"^[^/?#\\]*[/\\]*[^/?#\\]*(?:[%\x00-\x1f\x{80}-\x{10FFFF}])"
ESCAPE_RE = re.compile(r"%[0-9A-Fa-f]{2}")
NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def _empty() -> Positions:
    return np.zeros(0, np.int64)


# ---- fold_char, tabulated and applied to UTF-8 bytes ---------------------------------------------------------


Folds = tuple[dict[int, str], frozenset[int]]
_folds_seeded: dict[str, Folds] = {}  # by `unicodedata.unidata_version`: a table computed by another process


def fold_table() -> tuple[str, Folds]:
    """The Unicode version and `_folds()` of this process, to give to `seed_folds` in another one (a batch's
    workers get the client's instead of computing their own: about 0.5 CPU-s each)."""
    return unicodedata.unidata_version, _folds()


def seed_folds(version: str, folds: Folds) -> None:
    """Use a table that `fold_table` computed elsewhere, if that process had this process's Unicode version."""
    if version == unicodedata.unidata_version:
        _folds_seeded.setdefault(version, folds)


@functools.cache
def _folds() -> Folds:
    """`fold_char` of every assigned code point whose fold is not itself, and the code points folding to nothing.
    Unassigned, private-use and surrogate code points have no mapping, decomposition or case: they fold to themselves.
    """
    seeded = _folds_seeded.get(unicodedata.unidata_version)
    if seeded is not None:
        return seeded
    changed: dict[int, str] = {}
    dropped: list[int] = []
    for code_point in range(0x110000):
        char = chr(code_point)
        if unicodedata.category(char) in ("Cn", "Co", "Cs"):
            continue
        folded = fold_char(char)
        if not folded:
            dropped.append(code_point)
        elif folded != char:
            changed[code_point] = folded
    return changed, frozenset(dropped)


class FoldCodes:
    """`fold_char` restricted to the characters of some literals, applied in place to lower-cased UTF-8 bytes.

    Each literal character gets a one-byte code: ASCII characters keep their byte (ASCII text is already folded by
    `ascii_lower`, but for "`", which the literals are also spelt with where they have an apostrophe), non-ASCII
    ones get 0x80 and up. Every non-ASCII character of a caption is replaced, in the bytes it occupies, by the codes
    of its fold: characters of the literals become their codes, any other character of the fold a barrier byte (an
    ASCII byte in no literal), and the bytes left over, like the whole of a character that folds to nothing
    (combining marks, soft hyphens, zero-width joiners ...), are squeezed out. The result contains a literal's codes
    wherever ``normalise`` of the caption contains the literal: it is the same character by character mapping,
    restricted to what can be part of a literal. A character whose fold shares a character with the literals but is
    longer than its UTF-8 bytes (``½`` -> "1⁄2" for a literal with digits, ``⑽`` -> "(10)") cannot be spelt in
    place: it makes its row a candidate.
    """

    def __init__(self, literals: Sequence[str]) -> None:
        chars = sorted(set("".join(literals)))
        codes = {char: ord(char) for char in chars if char.isascii()}
        barrier = next(byte for byte in range(0x80) if chr(byte) not in codes)
        spare = iter(range(0x80, 0x100))
        for char in chars:
            if char not in codes and (code := next(spare, None)) is not None:
                codes[char] = code
        if len(codes) < len(chars):
            raise ValueError("more than 128 distinct non-ASCII characters in the literals")
        self.code_of, self.barrier = codes, barrier
        self.literals: list[bytes] = []
        for literal in literals:
            spelt = bytes(codes[char] for char in literal)
            graves = [spelt]
            for position in [i for i, char in enumerate(literal) if char == "'"][:3]:
                graves += [g[:position] + b"`" + g[position + 1 :] for g in graves]
            if literal.count("'") > 3:  # too many spellings: the longest apostrophe-free piece is in every match too
                piece = max(spelt.split(b"'"), key=len)
                graves = [piece] if piece else [b"'", b"`"]
            self.literals += graves
        changed, dropped = _folds()
        by_char = _folds_by_char()
        relevant = {point for char in chars for point in by_char.get(char, ())}
        relevant |= {ord(char) for char in chars if fold_char(char) == char}
        keys = sorted(point for point in relevant | dropped if point >= 0x80)
        self._row_of_keys = keys
        width = np.int16 if len(keys) < 1 << 15 else np.int32
        self._row_of = np.full(0x110000, len(keys), width)  # code point -> row of the tables below
        self._row_of[keys] = np.arange(len(keys), dtype=np.int32)
        self._pair_seen = np.zeros(1 << 16, bool)  # first two UTF-8 bytes of some table entry
        for point in keys:
            head = chr(point).encode()
            self._pair_seen[(head[0] << 8) | head[1]] = True
        self._literal_bytes = np.zeros(256, bool)
        self._literal_bytes[[code for code in codes.values() if code < 0x80]] = True
        self._literal_bytes[ord("`")] = "'" in codes  # normalise folds the ASCII grave accent into an apostrophe
        self._vanishes = np.zeros(len(keys) + 1, bool)
        self._vanishes[[row for row, point in enumerate(keys) if point in dropped]] = True
        # per code point: the code of each of its (up to 4) bytes, which bytes stay, and whether the fold is too long
        self._codes = np.full((len(keys) + 1, 4), barrier, np.uint8)
        self._stays = np.zeros((len(keys) + 1, 4), bool)
        self._stays[-1, 0] = True  # any other non-ASCII character: one barrier
        self._too_long = np.zeros(len(keys) + 1, bool)
        for row, point in enumerate(keys):
            folded = "" if point in dropped else changed.get(point, chr(point))
            if len(folded) > len(chr(point).encode()):
                self._too_long[row] = True
                continue
            for slot, char in enumerate(folded):
                self._codes[row, slot] = codes.get(char, barrier)
                self._stays[row, slot] = True

    def _decode(self, data: npt.NDArray[np.uint8], screen: bool) -> tuple[Positions, Positions, Positions]:
        """Lead bytes of the non-ASCII characters, their widths and table rows. With `screen`, characters whose
        first two bytes rule out any table entry (most of CJK, for Latin literals) are left out."""
        size = len(data)
        words = flagged_words(data, "lead")
        leads = (words[:, None] + np.arange(8)).ravel()
        leads = leads[leads < size]
        leads = leads[data[leads] >= 0xC0]
        first = data[leads].astype(np.int32)
        if screen:
            kept = self._pair_seen[(first << 8) | data[np.minimum(leads + 1, size - 1)]]
            leads, first = leads[kept], first[kept]
        width = np.where(first < 0xE0, 2, np.where(first < 0xF0, 3, 4))
        point = first & np.where(width == 2, 0x1F, np.where(width == 3, 0x0F, 0x07))
        for extra in (1, 2, 3):
            following = data[np.minimum(leads + extra, size - 1)] & 0x3F  # present wherever width > extra
            point = np.where(width > extra, (point << 6) | following, point)
        return leads, width, self._row_of[point]

    def triage(self, buffer: TextBuffer) -> tuple[Positions, Positions]:
        """Rows that need `fold` (a non-ASCII character of a literal's fold, or one folding to nothing right after a
        literal character or a non-ASCII character other than a barrier), and rows with a fold too long to spell.
        Other rows hold literals only in ASCII, which the plain search of the lower-cased column finds."""
        leads, width, row = self._decode(buffer.data, screen=True)
        if not len(leads):
            return _empty(), _empty()
        other = row == len(self._row_of_keys)
        vanishes = self._vanishes[row]
        previous = np.zeros(len(leads), bool)  # the character before is a non-ASCII one that is not a barrier
        previous[1:] = (leads[:-1] + width[:-1] == leads[1:]) & ~other[:-1]
        after_literal = self._literal_bytes[buffer.data[np.maximum(leads - 1, 0)]] | previous
        needs = (~other & ~vanishes) | (vanishes & after_literal)
        return buffer.rows_of(leads[needs], 1), buffer.rows_of(leads[self._too_long[row]], 1)

    def fold(self, buffer: TextBuffer) -> TextBuffer:
        """The folded codes of every row of a lower-cased buffer."""
        data, size = buffer.data, len(buffer.data)
        leads, width, row = self._decode(data, screen=False)
        slots = np.arange(4)
        inside = slots < width[:, None]
        spots = leads[:, None] + slots
        out = data.copy()
        out[spots[inside]] = self._codes[row][inside]
        dropped = spots[inside & ~self._stays[row]]
        keep = np.ones(size, bool)
        keep[dropped] = False
        per_row = np.bincount(np.searchsorted(buffer.offsets, dropped, side="right") - 1, minlength=buffer.rows)
        return TextBuffer(out[keep], buffer.offsets - np.concatenate([[0], np.cumsum(per_row)]))


@functools.cache
def _folds_by_char() -> dict[str, tuple[int, ...]]:
    """For each character, the code points whose fold contains it."""
    changed, _dropped = _folds()
    by_char: dict[str, list[int]] = {}
    for point, folded in changed.items():
        for char in set(folded):
            by_char.setdefault(char, []).append(point)
    return {char: tuple(points) for char, points in by_char.items()}


# ---- byte-level scans of a data buffer ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextBuffer:
    """The bytes of a string array's values (from its first to its last row) and row offsets into them."""

    data: npt.NDArray[np.uint8]
    offsets: npt.NDArray[np.int64]

    @classmethod
    def of(cls, array: pa.Array) -> TextBuffer:
        width = np.int64 if pa.types.is_large_string(array.type) else np.int32
        _validity, offsets_buffer, data_buffer = array.buffers()
        offsets = np.frombuffer(offsets_buffer, width)[array.offset : array.offset + len(array) + 1].astype(np.int64)
        start, stop = int(offsets[0]), int(offsets[-1])
        if data_buffer is None or stop == start:
            return cls(np.zeros(0, np.uint8), offsets - start)
        return cls(np.frombuffer(data_buffer, np.uint8)[start:stop], offsets - start)

    @property
    def rows(self) -> int:
        return len(self.offsets) - 1

    def rows_of(self, starts: Positions, length: int) -> Positions:
        """Rows holding the byte ranges [start, start + length) entirely."""
        rows = np.searchsorted(self.offsets, starts, side="right") - 1
        return np.unique(rows[starts + length <= self.offsets[rows + 1]])

    def rows_touching(self, firsts: Positions, width: int) -> Positions:
        """Rows holding any byte of the ranges [first, first + width) (sorted starts)."""
        marked = np.zeros(self.rows, bool)
        rows = np.searchsorted(self.offsets, firsts, side="right") - 1
        ends = firsts + width
        while len(rows):
            marked[rows] = True
            spill = ends > self.offsets[rows + 1]  # the range goes on into the next row(s)
            rows, ends = rows[spill] + 1, ends[spill]
            rows, ends = rows[rows < self.rows], ends[rows < self.rows]
        return np.flatnonzero(marked)


@dataclass(frozen=True, slots=True)
class _Needle:
    text: bytes
    anchor: int  # offset of the byte pair searched first

    @property
    def pair(self) -> int:
        return self.text[self.anchor] | (self.text[self.anchor + 1] << 8)


class _NeedleSearch:
    """Rows of lower-cased buffers containing each of some byte strings.

    Each needle is looked for through one byte pair (the rarest in the first buffer searched); every pair of all
    needles is compared at once over the buffer as 16-bit words at even and odd offsets, and each hit is verified
    against the whole needle.
    """

    def __init__(self, texts: Sequence[bytes]) -> None:
        self.texts = list(dict.fromkeys(text for text in texts if text))
        self._needles: list[_Needle] | None = None

    def _choose_anchors(self, data: npt.NDArray[np.uint8]) -> list[_Needle]:
        """Each needle's anchor: its byte pair rarest in the first buffer (needles with the same rarest pair share
        one pass over the buffer)."""
        sample = data[:_SAMPLE_BYTES]
        counts = np.zeros(1 << 16, np.int64)
        if len(sample) >= 2:
            counts = np.bincount(sample[:-1].astype(np.uint16) | (sample[1:].astype(np.uint16) << 8), minlength=1 << 16)
        needles = []
        for text in self.texts:
            if len(text) < 2:
                needles.append(_Needle(text, 0))
                continue
            pairs = [a | (b << 8) for a, b in zip(text, text[1:], strict=False)]
            scores = [int(counts[pair]) for pair in pairs]
            needles.append(_Needle(text, scores.index(min(scores))))
        return needles

    def rows(self, buffer: TextBuffer) -> dict[bytes, Positions]:
        data, size = buffer.data, len(buffer.data)
        if self._needles is None:
            self._needles = self._choose_anchors(data)
        needles = self._needles
        hits = pair_positions(data, sorted({needle.pair for needle in needles if len(needle.text) >= 2}))
        pair_at = data[hits].astype(np.uint16) | (data[hits + 1].astype(np.uint16) << 8) if len(hits) else hits
        found: dict[bytes, Positions] = {}
        for needle in needles:
            if len(needle.text) < 2:
                starts = np.flatnonzero(data == needle.text[0])
            else:
                starts = hits[pair_at == needle.pair] - needle.anchor
                starts = starts[(starts >= 0) & (starts + len(needle.text) <= size)]
                for offset, byte in enumerate(needle.text):
                    if offset not in (needle.anchor, needle.anchor + 1) and len(starts):
                        starts = starts[data[starts + offset] == byte]
            found[needle.text] = buffer.rows_of(starts.astype(np.int64), len(needle.text))
        return found


def pair_positions(data: npt.NDArray[np.uint8], pairs: Sequence[int]) -> Positions:
    """Positions p where data[p] | data[p + 1] << 8 is one of `pairs`."""
    size = len(data)
    if not pairs or size < 2:
        return _empty()
    found: list[Positions] = []
    mask = np.empty(_CHUNK // 2 + 1, bool)
    scratch = np.empty(_CHUNK // 2 + 1, bool)
    for start in range(0, size - 1, _CHUNK):
        segment = data[start : start + _CHUNK + 1]
        for parity in (0, 1):
            count = (len(segment) - parity) // 2
            words = segment[parity : parity + 2 * count].view(np.uint16)
            hit, tmp = mask[:count], scratch[:count]
            np.equal(words, pairs[0], out=hit)
            for pair in pairs[1:]:
                np.equal(words, pair, out=tmp)
                hit |= tmp
            if hit.any():
                found.append(np.flatnonzero(hit) * 2 + (start + parity))
    return np.concatenate(found) if found else _empty()


def flagged_words(data: npt.NDArray[np.uint8], kind: str) -> Positions:
    """Start offsets of the 8-byte words of `data` holding a byte of some kind, by word-wide bit tests: "lead" (the
    first byte of a non-ASCII character, 11xxxxxx), "url" (a non-ASCII, control or "%" byte)."""
    whole = len(data) // 8 * 8
    found: list[Positions] = []
    flags = np.empty(_CHUNK // 8, np.uint64)
    tmp = np.empty(_CHUNK // 8, np.uint64)
    seen = np.empty(_CHUNK // 8, bool)
    for start in range(0, whole, _CHUNK):
        words = data[start : min(start + _CHUNK, whole)].view(np.uint64)
        flag, scratch, hit = flags[: len(words)], tmp[: len(words)], seen[: len(words)]
        if kind == "lead":
            np.left_shift(words, np.uint64(1), out=flag)
            flag &= words
        else:
            # Per byte, the high bit of (w - 0x20) | w is set for control and non-ASCII bytes, that of
            # (w ^ 0x25) - 0x01 for "%" (and for non-ASCII ones). Borrows only start at a byte that is flagged
            # itself, so a word is flagged exactly when it holds such a byte.
            np.subtract(words, _SPACES, out=flag)
            flag |= words
            np.bitwise_xor(words, _PERCENTS, out=scratch)
            scratch -= _ONES
            flag |= scratch
        flag &= _HIGH_BITS
        np.not_equal(flag, 0, out=hit)
        if hit.any():
            found.append((np.flatnonzero(hit) + start // 8) * 8)
    tail = data[whole:]
    odd = tail >= 0xC0 if kind == "lead" else (tail >= 0x80) | (tail < 0x20) | (tail == 0x25)
    if odd.any():
        found.append(np.array([whole], np.int64))
    return np.concatenate(found) if found else _empty()


def flagged_rows(buffer: TextBuffer) -> Positions:
    """Rows sharing an 8-byte word with a non-ASCII, control or "%" byte (a superset of the rows holding one)."""
    words = flagged_words(buffer.data, "url")
    return buffer.rows_touching(words, 8) if len(words) else _empty()


def regex_rows(subset: pa.Array, rows: Positions, pattern: str) -> Positions:
    """Those of `rows` (the positions of `subset`'s values) whose value matches the RE2 `pattern`."""
    matched = pc.fill_null(pc.match_substring_regex(subset, pattern), False).to_numpy(zero_copy_only=False)
    kept: Positions = rows[np.asarray(matched, bool)]
    return kept


# ---- the two selectors ----------------------------------------------------------------------------------------


def _shortest_pieces(texts: Sequence[bytes]) -> list[bytes]:
    """The texts that contain no other one: a row containing a longer text contains the shorter one too, so the rows
    containing any of `texts` are those containing any of these."""
    unique = list(dict.fromkeys(texts))
    return [text for text in unique if not any(other != text and other in text for other in unique)]


class _TextSelector:
    """Caption rows whose normalised form may contain one of the profile's required literals (module docstring)."""

    def __init__(self, literals: Sequence[str]) -> None:
        # ASCII rows: normalise is lower() there, except that it turns "`" into "'": search apostrophe-free pieces
        pieces = [max(literal.split("'"), key=len) or "'" for literal in literals if literal.isascii()]
        ascii_texts = [piece.encode() for piece in pieces] + ([b"`"] if "'" in pieces else [])
        self.ascii_search = _NeedleSearch(_shortest_pieces(ascii_texts))
        self.codes: FoldCodes | None = None
        while self.codes is None:  # a piece of a literal is in every match too: shorten literals needing too many codes
            try:
                self.codes = FoldCodes(literals)
            except ValueError:
                if all(len(literal) == 1 for literal in literals):
                    break  # over 128 distinct non-ASCII characters even so: every non-ASCII row is a candidate
                literals = [literal[: max(1, len(literal) // 2)] for literal in literals]
        self.folded_search = _NeedleSearch(_shortest_pieces(self.codes.literals) if self.codes else [])

    def __call__(self, column: pa.Array) -> Positions:
        lowered = pc.ascii_lower(column)
        buffer = TextBuffer.of(lowered)
        found = list(self.ascii_search.rows(buffer).values())
        if self.codes is None:
            words = flagged_words(buffer.data, "lead")
            found.append(buffer.rows_touching(words, 8) if len(words) else _empty())
            return np.unique(np.concatenate(found))
        needed, too_long = self.codes.triage(buffer)
        found.append(too_long)
        if len(needed):
            folded = self.codes.fold(TextBuffer.of(lowered.take(pa.array(needed))))
            found += [needed[rows] for rows in self.folded_search.rows(folded).values()]
        return np.unique(np.concatenate(found))


class _UrlSelector:
    """URL rows that may be on a profile domain or under an upload prefix (module docstring)."""

    def __init__(self, matcher: UrlMatcher) -> None:
        self.domains = [domain.encode() for domain in matcher.domains]
        self.prefixes: list[tuple[bytes, bytes | None]] = []  # (host, the longest plain run of path or query)
        for prefix in matcher.prefixes:
            runs = [run for segment in prefix.path.split("/") for run in ESCAPE_RE.split(segment)]
            runs += NON_ASCII_RE.split(prefix.query)
            longest = max(runs, key=len, default="").lower()
            self.prefixes.append((prefix.host.encode(), longest.encode() if longest else None))
        needles = [*self.domains, *(path or host for host, path in self.prefixes)]
        self.search = _NeedleSearch(needles)
        hosts = [re.escape(host.decode()) for host, path in self.prefixes if path is not None]
        self.suspect = SUSPECT_AUTHORITY[:-1] + "".join(f"|{host}" for host in hosts) + ")"

    def __call__(self, column: pa.Array) -> Positions:
        lowered = pc.ascii_lower(column)
        buffer = TextBuffer.of(lowered)
        rows = self.search.rows(buffer)
        found = [rows[domain] for domain in self.domains]
        for host, path in self.prefixes:
            if path is None:
                found.append(rows[host])
            elif len(with_path := rows[path]):
                on_host = pc.match_substring(lowered.take(pa.array(with_path)), host.decode())
                found.append(with_path[pc.fill_null(on_host, False).to_numpy(zero_copy_only=False)])
        flagged = flagged_rows(buffer)
        if len(flagged):
            found.append(regex_rows(lowered.take(pa.array(flagged)), flagged, self.suspect))
        return np.unique(np.concatenate(found)) if found else _empty()


# ---- Arrow plumbing and the public class ----------------------------------------------------------------------


def _as_string_array(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    if pa.types.is_string_view(column.type) or pa.types.is_null(column.type):
        return column.cast(pa.large_string())
    raise TypeError(f"a column of strings is needed, not {column.type}")


def _each_array(column: Column, select: _TextSelector | _UrlSelector | None) -> Positions:
    """Run `select` over every chunk (and over a dictionary's values), as positions in the whole column."""
    if select is None:
        return _empty()
    if not isinstance(column, pa.Array | pa.ChunkedArray):
        column = pa.array(list(column), pa.string())
    if isinstance(column, pa.ChunkedArray):
        parts, base = [], 0
        for chunk in column.chunks:
            parts.append(_each_array(chunk, select) + base)
            base += len(chunk)
        return np.concatenate(parts) if parts else _empty()
    if pa.types.is_dictionary(column.type):
        values = _each_array(column.dictionary, select)
        chosen = pc.is_in(column.indices, value_set=pa.array(values, column.indices.type))
        return np.flatnonzero(pc.fill_null(chosen, False).to_numpy(zero_copy_only=False)).astype(np.int64)
    column = _as_string_array(column)
    if not len(column) or column.null_count == len(column):
        return _empty()
    rows = select(column).astype(np.int64)
    if column.null_count and len(rows):
        rows = rows[pc.is_valid(column.take(pa.array(rows))).to_numpy(zero_copy_only=False)]
    return rows


class ProfilePrefilter:
    """Candidate rows of URL and caption columns for one profile: a superset of the rows the exact matchers accept.

    ``url_candidates`` and ``text_candidates`` take an Arrow string column (plain, large, view, dictionary-encoded
    or chunked) or a Python sequence of strings and Nones, and return the sorted int64 positions of the rows to
    verify with `url_matcher.match` and `text_matcher.find`. The module docstring says what is searched and why no
    accepted row can be missed. Building the first prefilter of a process tabulates the Unicode fold (about 1 s).
    """

    def __init__(
        self,
        profile: Profile,
        *,
        url_matcher: UrlMatcher | None = None,
        text_matcher: TextMatcher | None = None,
        extractor: DomainExtractor | None = None,
    ) -> None:
        self.url_matcher = url_matcher or UrlMatcher(profile, extractor)
        self.text_matcher = text_matcher or TextMatcher(profile)
        literals = self.text_matcher.required_literals
        has_urls = bool(self.url_matcher.domains or self.url_matcher.prefixes)
        self._urls = _UrlSelector(self.url_matcher) if has_urls else None
        self._texts = _TextSelector(literals) if literals else None

    @property
    def active(self) -> bool:
        """False when the profile has nothing to match URLs or captions with (then no row is ever a candidate)."""
        return self._urls is not None or self._texts is not None

    @property
    def has_url_rules(self) -> bool:
        return self._urls is not None

    @property
    def has_text_rules(self) -> bool:
        return self._texts is not None

    def url_candidates(self, urls: Column) -> Positions:
        """Positions of the rows whose URL may be the artist's (a profile domain or upload URL prefix)."""
        return _each_array(urls, self._urls)

    def text_candidates(self, texts: Column) -> Positions:
        """Positions of the rows whose caption may mention the artist (names, aliases, hashtags, handles)."""
        return _each_array(texts, self._texts)
