"""Every profile of a batch in one URL/caption stage: candidates found once per row for all owners.

A batch with 10,000 owners must not run 10,000 prefilters over each record batch. `ProfileUnion` searches each
batch's URL and caption columns once for the needles of ALL profiles (domains, upload-prefix path runs and hosts,
caption literals), with the byte-level machinery of `core.matching.prefilter` (lower-cased Arrow buffers, the
same Unicode fold codes, the same reasoning for why no accepted row is missed), but with a needle search whose
cost does not grow with the number of needles (one 64k-entry table look-up per byte pair, then vectorised
verification of the few (position, needle) pairs). Each candidate row is then mapped to the profiles it may
belong to, and only their exact matchers run:
- URL: the candidate's canonical host (the exact matcher's own reduction) is looked up, label suffix by label
  suffix, in a dict from domain to profiles, and its www-less form in a dict from upload-prefix host to profiles.
  A profile's `UrlMatcher.match` accepts only a host equal to or under one of its domains, or a prefix host, so
  no accepting profile is left out.
- Caption: the (row, needle) pairs of the search say which literals a row holds (a literal's spelling maps to
  the profiles whose `TextMatcher.required_literals` contain it); rows the byte scan cannot judge (a fold longer
  than its character) are normalised in Python and every literal of the union looked up in the text.
The hits are exactly those of one `ShardPass` per profile (tests/batch/test_profiles.py).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from core.matching.prefilter import (
    ESCAPE_RE,
    NON_ASCII_RE,
    SUSPECT_AUTHORITY,
    FoldCodes,
    TextBuffer,
    flagged_rows,
    flagged_words,
    pair_positions,
    regex_rows,
)
from core.matching.text import TextMatcher, normalise, profile_literals
from core.matching.urls import DomainExtractor, UrlMatcher, authority_of
from core.profile import Profile

Positions = npt.NDArray[np.int64]
_LONG = 1 << 32  # marks the key of a needle of 4 bytes or more (its 4-byte window at the anchor)
_SAMPLE_BYTES = 1 << 20  # bytes of the first buffer whose byte-pair counts choose the anchors (as prefilter)
_FEW_PAIRS = 6  # distinct anchor pairs up to which `pair_positions` (one comparison per pair) is used
Hits = list[tuple[int, str]]  # (position, "url" | "text"), as `BatchResult.profile_hits`


def _empty() -> Positions:
    return np.zeros(0, np.int64)


class _ManyNeedles:
    """(row, needle) pairs of a lower-cased buffer for many byte strings at once.

    Each needle is anchored on its rarest byte pair (counted on the first buffer, as `prefilter._NeedleSearch`
    does; for needles of 4 bytes or more, a pair that starts a 4-byte window of the needle). The buffer's 16-bit
    words at even and odd offsets are looked up in a 64k table of anchor pairs; each hit is expanded to the needles
    whose key (the pair, or the 4-byte window) it holds, found by binary search, and verified byte by byte, all
    vectorised. Thousands of needles sharing their pairs ("artist1", "artist12" ...) thus cost one expansion each
    only where their 4 bytes occur.
    """

    def __init__(self, texts: Sequence[bytes]) -> None:
        self.texts = list(dict.fromkeys(text for text in texts if text))
        self._ready = False  # set last: the tables below are chosen on the first buffer, once, under the lock
        self._lock = threading.Lock()  # tasks on a worker's threads share one union

    def _prepare(self, data: npt.NDArray[np.uint8]) -> None:
        sample = data[:_SAMPLE_BYTES]
        counts = np.zeros(1 << 16, np.int64)
        if len(sample) >= 2:
            counts = np.bincount(sample[:-1].astype(np.int64) | (sample[1:].astype(np.int64) << 8), minlength=1 << 16)
        self._singles = {i: text[0] for i, text in enumerate(self.texts) if len(text) < 2}
        multi = [i for i, text in enumerate(self.texts) if len(text) >= 2]
        anchors = np.zeros(len(self.texts), np.int64)
        keys = []
        for i in multi:
            text = self.texts[i]
            # long needles: the rarest pair that starts a 4-byte window, the window being the key
            span = len(text) - 3 if len(text) >= 4 else len(text) - 1
            scores = [int(counts[text[k] | (text[k + 1] << 8)]) for k in range(span)]
            anchors[i] = at = scores.index(min(scores))
            keys.append(_LONG | int.from_bytes(text[at : at + 4], "little") if len(text) >= 4 else
                        text[at] | (text[at + 1] << 8))  # fmt: skip
        key_array = np.array(keys, np.int64)
        order = np.argsort(key_array, kind="stable")
        self._ids = np.array(multi, np.int64)[order]  # needles sorted by key
        self._keys = key_array[order]
        self._table = np.zeros(1 << 16, bool)
        self._table[self._keys & 0xFFFF] = True
        self._pairs = np.flatnonzero(self._table).tolist()
        width = max((len(text) for text in self.texts), default=1)
        self._bytes = np.zeros((len(self.texts), width), np.uint8)
        for i, text in enumerate(self.texts):
            self._bytes[i, : len(text)] = np.frombuffer(text, np.uint8)
        self._length = np.array([len(text) for text in self.texts], np.int64)
        self._anchor = anchors
        self._ready = True

    def _pair_hits(self, data: npt.NDArray[np.uint8]) -> Positions:
        """Positions p where data[p:p + 2] is some needle's anchor pair."""
        if len(self._pairs) <= _FEW_PAIRS:  # a comparison per pair beats the table gather
            return pair_positions(data, self._pairs)
        found = []
        for parity in (0, 1):
            count = (len(data) - parity) // 2
            words = data[parity : parity + 2 * count].view(np.uint16)
            found.append(np.flatnonzero(self._table[words]) * 2 + parity)
        return np.concatenate(found).astype(np.int64)

    def find(self, buffer: TextBuffer) -> tuple[Positions, Positions]:
        """Distinct (rows, needle indices into `texts`) with the row containing the needle."""
        data, size = buffer.data, len(buffer.data)
        if not self.texts or size == 0:
            return _empty(), _empty()
        if not self._ready:
            with self._lock:
                if not self._ready:
                    self._prepare(data)
        starts_parts: list[Positions] = []
        ids_parts: list[Positions] = []
        if size >= 2 and len(self._ids):
            positions = self._pair_hits(data)
            pair = data[positions].astype(np.int64) | (data[positions + 1].astype(np.int64) << 8)
            long_at = positions[positions + 3 < size]
            window = np.zeros(len(long_at), np.int64)
            for k in range(4):
                window |= data[long_at + k].astype(np.int64) << (8 * k)
            at = np.concatenate([positions, long_at])
            key = np.concatenate([pair, window | _LONG])
            first = np.searchsorted(self._keys, key)
            counts = np.searchsorted(self._keys, key, side="right") - first
            expanded = np.repeat(np.arange(len(at)), counts)
            within = np.arange(len(expanded)) - np.repeat(np.cumsum(counts) - counts, counts)
            ids = self._ids[first[expanded] + within]
            starts = at[expanded] - self._anchor[ids]
            keep = (starts >= 0) & (starts + self._length[ids] <= size)
            starts, ids = starts[keep], ids[keep]
            for offset in range(self._bytes.shape[1]):
                if not len(starts):
                    break
                check = offset < self._length[ids]
                if not check.any():
                    break
                spot = np.minimum(starts + offset, size - 1)
                good = ~check | (data[spot] == self._bytes[ids, offset])
                starts, ids = starts[good], ids[good]
            starts_parts.append(starts)
            ids_parts.append(ids)
        for i, byte in self._singles.items():
            found = np.flatnonzero(data == byte).astype(np.int64)
            starts_parts.append(found)
            ids_parts.append(np.full(len(found), i, np.int64))
        if not starts_parts:
            return _empty(), _empty()
        starts, ids = np.concatenate(starts_parts), np.concatenate(ids_parts)
        rows = np.searchsorted(buffer.offsets, starts, side="right") - 1
        inside = starts + self._length[ids] <= buffer.offsets[rows + 1]
        return _distinct_pairs(rows[inside], ids[inside])


def _distinct_pairs(rows: Positions, ids: Positions) -> tuple[Positions, Positions]:
    if not len(rows):
        return _empty(), _empty()
    keys = np.unique(rows.astype(np.int64) << 32 | ids.astype(np.int64))
    return keys >> 32, keys & 0xFFFFFFFF


@dataclass(frozen=True)
class _Groups:
    """needle index -> the profile groups it stands for (CSR)."""

    starts: Positions
    groups: Positions

    @classmethod
    def of(cls, members: Sequence[set[int]]) -> _Groups:
        counts = np.array([len(m) for m in members], np.int64)
        flat = np.array([g for m in members for g in sorted(m)], np.int64)
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), flat)

    def pairs(self, rows: Positions, ids: Positions) -> tuple[Positions, Positions]:
        """(row, group) pairs for (row, needle) pairs, distinct."""
        counts = self.starts[ids + 1] - self.starts[ids]
        expanded = np.repeat(np.arange(len(ids)), counts)
        within = np.arange(len(expanded)) - np.repeat(np.cumsum(counts) - counts, counts)
        return _distinct_pairs(rows[expanded], self.groups[self.starts[ids][expanded] + within])


class _UnionText:
    """Caption rows and the profile groups whose literals they may hold (see `prefilter._TextSelector`)."""

    def __init__(self, literal_groups: dict[str, set[int]]) -> None:
        literals = list(literal_groups)
        self.literal_groups = literal_groups
        self._lengths = sorted({len(literal) for literal in literals})
        ascii_needles: dict[bytes, set[int]] = defaultdict(set)
        for literal, groups in literal_groups.items():
            if literal.isascii():
                piece = max(literal.split("'"), key=len) or "'"
                ascii_needles[piece.encode()] |= groups
                if piece == "'":
                    ascii_needles[b"`"] |= groups
        self.ascii_search = _ManyNeedles(list(ascii_needles))
        self.ascii_groups = _Groups.of([ascii_needles[text] for text in self.ascii_search.texts])
        self.codes: FoldCodes | None = None
        shortened = literals
        while self.codes is None:  # as _TextSelector: a piece of a literal is in every match too
            try:
                self.codes = FoldCodes(shortened)
            except ValueError:
                if all(len(literal) == 1 for literal in shortened):
                    break
                shortened = [literal[: max(1, len(literal) // 2)] for literal in shortened]
        folded_needles: dict[bytes, set[int]] = defaultdict(set)
        if self.codes is not None:
            for literal, short in zip(literals, shortened, strict=True):
                for spelling in _spellings(self.codes, short):
                    folded_needles[spelling] |= literal_groups[literal]
        self.folded_search = _ManyNeedles(list(folded_needles))
        self.folded_groups = _Groups.of([folded_needles[text] for text in self.folded_search.texts])

    def __call__(self, column: pa.Array) -> tuple[Positions, Positions, Positions]:
        """(rows, groups) pairs found by the byte scan, and the rows the scan cannot judge (see `python_groups`)."""
        lowered = pc.ascii_lower(column)
        buffer = TextBuffer.of(lowered)
        rows, groups = self.ascii_groups.pairs(*self.ascii_search.find(buffer))
        found_rows, found_groups = [rows], [groups]
        if self.codes is None:
            words = flagged_words(buffer.data, "lead")
            return rows, groups, buffer.rows_touching(words, 8) if len(words) else _empty()
        needed, too_long = self.codes.triage(buffer)
        if len(needed):
            folded = self.codes.fold(TextBuffer.of(lowered.take(pa.array(needed))))
            rows, groups = self.folded_groups.pairs(*self.folded_search.find(folded))
            found_rows.append(needed[rows])
            found_groups.append(groups)
        rows, groups = _distinct_pairs(np.concatenate(found_rows), np.concatenate(found_groups))
        return rows, groups, too_long

    def python_groups(self, caption: str) -> set[int]:
        """The groups with a literal in the normalised caption (for the rows the byte scan cannot judge)."""
        text = normalise(caption)
        found: set[int] = set()
        for length in self._lengths:
            for start in range(len(text) - length + 1):
                groups = self.literal_groups.get(text[start : start + length])
                if groups is not None:
                    found |= groups
        return found


def _spellings(codes: FoldCodes, literal: str) -> list[bytes]:
    """The folded-code spellings `FoldCodes` searches for a literal (with "`" for up to three apostrophes)."""
    spelt = bytes(codes.code_of[char] for char in literal)
    graves = [spelt]
    for position in [i for i, char in enumerate(literal) if char == "'"][:3]:
        graves += [g[:position] + b"`" + g[position + 1 :] for g in graves]
    if literal.count("'") > 3:
        piece = max(spelt.split(b"'"), key=len)
        graves = [piece] if piece else [b"'", b"`"]
    return graves


class _UnionUrls:
    """URL rows that may be on any profile's domain or under any upload prefix (see `prefilter._UrlSelector`)."""

    def __init__(self, matchers: Sequence[UrlMatcher | None], extractor: DomainExtractor) -> None:
        self.extractor = extractor
        self.domain_groups: dict[str, list[int]] = defaultdict(list)
        self.prefix_groups: dict[str, list[int]] = defaultdict(list)
        paths: set[bytes] = set()
        hosts: set[bytes] = set()
        for group, matcher in enumerate(matchers):
            if matcher is None:
                continue
            for domain in matcher.domains:
                self.domain_groups[domain].append(group)
            for host in dict.fromkeys(prefix.host for prefix in matcher.prefixes):
                self.prefix_groups[host].append(group)
            for prefix in matcher.prefixes:
                run = _prefix_run(prefix.path, prefix.query)
                hosts.add(prefix.host.encode())
                paths.add(run or prefix.host.encode())
        self.domains = [domain.encode() for domain in self.domain_groups]
        self.domain_set = frozenset(self.domains)
        self.search = _ManyNeedles([*self.domains, *sorted(paths), *sorted(hosts)])
        texts = self.search.texts
        self._is_domain = np.array([text in self.domain_set for text in texts], bool)
        self._is_run = np.array([text in paths for text in texts], bool)
        self._is_host = np.array([text in hosts for text in texts], bool)
        self.has_prefixes = bool(self.prefix_groups)

    def __call__(self, column: pa.Array) -> Positions:
        """Candidate rows: a superset of the rows any profile's exact matcher accepts."""
        lowered = pc.ascii_lower(column)
        buffer = TextBuffer.of(lowered)
        rows, ids = self.search.find(buffer)
        found = [rows[self._is_domain[ids]]]
        on_host = np.zeros(buffer.rows, bool)
        on_host[rows[self._is_host[ids]]] = True
        with_run = np.zeros(buffer.rows, bool)
        with_run[rows[self._is_run[ids]]] = True
        found.append(np.flatnonzero(on_host & with_run))
        flagged = flagged_rows(buffer)
        if len(flagged):
            found.append(flagged[on_host[flagged]])
            found.append(regex_rows(lowered.take(pa.array(flagged)), flagged, SUSPECT_AUTHORITY))
        return np.unique(np.concatenate(found))

    def groups_of(self, url: str) -> set[int]:
        """The groups whose domains or prefix hosts the URL's canonical host may match (exactly as `UrlMatcher`)."""
        authority = authority_of(url)
        host = self.extractor.host_of_authority(authority) if authority is not None else None
        if host is None:
            return set()
        found: set[int] = set()
        suffix = host
        while True:
            found.update(self.domain_groups.get(suffix, ()))
            dot = suffix.find(".")
            if dot < 0:
                break
            suffix = suffix[dot + 1 :]
        if self.has_prefixes:
            bare = host[4:] if host.startswith("www.") and host.count(".") >= 2 else host
            found.update(self.prefix_groups.get(bare, ()))
        return found


def _prefix_run(path: str, query: str) -> bytes | None:
    """The longest plain run of a prefix path or query, as `prefilter._UrlSelector` searches it."""
    runs = [run for segment in path.split("/") for run in ESCAPE_RE.split(segment)]
    runs += NON_ASCII_RE.split(query)
    longest = max(runs, key=len, default="").lower()
    return longest.encode() if longest else None


class ProfileUnion:
    """The URL and caption hits of every profile of a batch on one record batch, in one pass.

    `match(batch)` returns, for each profile (in the order given) that has hits, the same `profile_hits` as that
    profile's own `ShardPass(kinds, ..., profile, hashes=False).match(batch)`.
    """

    def __init__(self, profiles: Sequence[Profile], kinds: Sequence[str]) -> None:
        self.extractor = DomainExtractor()
        self.profiles = list(profiles)
        self.url_matchers: list[UrlMatcher | None] = []
        self._text_matchers: dict[int, TextMatcher] = {}  # built when a group first has a candidate caption
        self._has_text: list[bool] = []
        literal_groups: dict[str, set[int]] = defaultdict(set)
        for group, profile in enumerate(profiles):
            urls = UrlMatcher(profile, self.extractor) if "url" in kinds else None
            self.url_matchers.append(urls if urls is not None and (urls.domains or urls.prefixes) else None)
            literals = required_literals(profile) if "text" in kinds else set()
            self._has_text.append(bool(literals))
            for literal in literals:
                literal_groups[literal].add(group)
        self._urls = _UnionUrls(self.url_matchers, self.extractor) if any(self.url_matchers) else None
        self._text = _UnionText(dict(literal_groups)) if literal_groups else None

    def text_matcher(self, group: int) -> TextMatcher | None:
        """The group's exact caption matcher (None when its profile has nothing to find in captions)."""
        if not self._has_text[group]:
            return None
        if group not in self._text_matchers:
            self._text_matchers[group] = TextMatcher(self.profiles[group])
        return self._text_matchers[group]

    def match(self, batch: pa.RecordBatch) -> dict[int, Hits]:
        columns = dict(zip(batch.schema.names, batch.columns, strict=True))
        found: dict[int, Hits] = defaultdict(list)
        if self._urls is not None and "url" in columns:
            column = _strings(columns["url"])
            rows = _valid(column, self._urls(column)) if len(column) else _empty()
            urls = column.take(pa.array(rows, pa.int64())).cast(pa.string()).to_pylist()
            by_group: dict[int, list[int]] = defaultdict(list)
            for position, url in zip(rows.tolist(), urls, strict=True):
                for group in self._urls.groups_of(url):
                    matcher = self.url_matchers[group]
                    if matcher is not None and matcher.match(url):
                        by_group[group].append(position)
            for group, positions in by_group.items():
                found[group] += [(position, "url") for position in positions]
        if self._text is not None and "text" in columns:
            column = _strings(columns["text"])
            if len(column):
                self._text_hits(column, found)
        return {group: found[group] for group in sorted(found)}

    def _text_hits(self, column: pa.Array, found: dict[int, Hits]) -> None:
        assert self._text is not None
        rows, groups, unsure = self._text(column)
        keep = _valid(column, np.unique(np.concatenate([rows, unsure])))
        valid = np.zeros(len(column), bool)
        valid[keep] = True
        inside = valid[rows]
        rows, groups = rows[inside], groups[inside]
        unsure = unsure[valid[unsure]]
        distinct = np.unique(np.concatenate([rows, unsure]))
        texts = dict(zip(distinct.tolist(), column.take(pa.array(distinct, pa.int64())).cast(pa.string()).to_pylist(),
                         strict=True))  # fmt: skip
        pairs = set(zip(rows.tolist(), groups.tolist(), strict=True))
        for position in unsure.tolist():
            text = texts[position]
            if text is not None:
                pairs.update((position, group) for group in self._text.python_groups(text))
        by_group: dict[int, list[int]] = defaultdict(list)
        for position, group in sorted(pairs):
            matcher = self.text_matcher(group)
            if matcher is not None and matcher.matches(texts[position]):
                by_group[group].append(position)
        for group, positions in by_group.items():
            found[group] += [(position, "text") for position in positions]


def required_literals(profile: Profile) -> set[str]:
    """`TextMatcher(profile).required_literals` as a set, without compiling the matcher's expressions (10 ms a
    profile: 100 s for 10,000 profiles, while a batch needs the matchers of the few profiles some row names)."""
    return profile_literals(profile)


def _strings(column: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    if pa.types.is_string_view(column.type) or pa.types.is_null(column.type):
        return column.cast(pa.large_string())
    raise TypeError(f"a column of strings is needed, not {column.type}")


def _valid(column: pa.Array, rows: Positions) -> Positions:
    rows = rows.astype(np.int64)
    if column.null_count and len(rows):
        rows = rows[pc.is_valid(column.take(pa.array(rows))).to_numpy(zero_copy_only=False)]
    return rows
