"""The shard pass: one record batch of a dataset shard matched in flight against a portfolio and a profile.

The one matching kernel of dataset import, of the URL/caption re-pass after a profile change, and of batch
jobs on a cluster. Per batch:
- pHash: the column is parsed once (the same values feed the compact index) and matched by the streaming
  multi-index kernel against every work's reference and variant pHashes, each within the radius its variants
  can be accepted at (`scoring.query_radii`: geometric variants `VARIANT_MARGIN` inside the threshold), all
  radii in one kernel;
- SHA-256: the digests' 8-byte prefixes are tested against the works' (a vectorised set test), then the
  full 32 bytes;
- URL and caption: a vectorised Arrow prefilter keeps the few rows that may name the artist's domains, upload
  addresses, names or handles; the exact matchers decide on those rows only, so look-alike domains and
  surname-only captions are refused exactly as before.
Only the positions of the rows that matched come out; the caller keeps those rows and drops the rest.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from core.datasets.store import HitRow
from core.index.hexparse import (
    PhashColumn,
    Sha256Column,
    check_phash_column,
    check_sha256_column,
    parse_phash_column,
    parse_sha256_column,
    sha256_prefixes,
)
from core.index.phash_chunks import ChunkedStreamMatcher
from core.index.phash_stream import StreamMatches, distinct_radii, radius_groups
from core.matching.prefilter import ProfilePrefilter
from core.matching.text import TextMatcher
from core.matching.urls import UrlMatcher
from core.profile import Profile

# Bump when what the URL or caption matchers accept changes: stored URL/caption hits are then searched again.
PROFILE_MATCHING_VERSION = 3  # 3: catalogue name forms; stop-word/short aliases, shared hosts skipped (2: e-mail)


def profile_fingerprint(profile: Profile, rules_fingerprint: str) -> str:
    """What the URL/caption hits of a shard depend on: the profile's matching fields, the matchers' version
    and the public suffix rules. Equal fingerprints mean the stored hits still hold."""
    fields = {
        "version": PROFILE_MATCHING_VERSION,
        "rules": rules_fingerprint,
        "name": profile.name,
        "aliases": list(profile.aliases),
        "handles": list(profile.handles),
        "domains": sorted(profile.domains),
        "url_prefixes": sorted(profile.url_prefixes),
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class PortfolioQueries:
    """What rows are matched against in flight: never pixels, only hashes."""

    phashes: npt.NDArray[np.uint64]  # every work's reference pHash and its variants' (duplicates allowed)
    digests: npt.NDArray[np.uint8]  # (n, 32): the works' SHA-256
    max_distance: int
    # Per pHash, the radius it is searched at (`scoring.query_radii`: its variants' reach); None: max_distance.
    radii: npt.NDArray[np.int64] | None = None

    @classmethod
    def empty(cls, max_distance: int) -> PortfolioQueries:
        return cls(np.zeros(0, np.uint64), np.zeros((0, 32), np.uint8), max_distance)

    def distinct_phashes(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
        """The distinct pHashes, sorted, each with the widest radius given for it."""
        return distinct_radii(self.phashes, self.max_distance if self.radii is None else self.radii)


@dataclass(frozen=True)
class HashCounts:
    """Null and malformed values of a batch's hash column (malformed ones are never matched)."""

    nulls: int = 0
    malformed: int = 0
    example: str | None = None


@dataclass(frozen=True)
class BatchResult:
    """The rows of one batch that matched something, and the batch's parsed hashes (for the index)."""

    hit_positions: npt.NDArray[np.int64]  # sorted, distinct: every row to keep
    profile_hits: list[tuple[int, str]]  # (position, "url" | "text") accepted by the exact matchers
    phashes: PhashColumn | None
    digests: Sha256Column | None
    counts: HashCounts = field(default_factory=HashCounts)
    # Which query matched which row: `phash_pairs.query_idx` indexes `ShardPass.phash_queries`; `sha_pairs` is
    # (position, index into `ShardPass.sha_queries`) per byte-identical row.
    phash_pairs: StreamMatches | None = None
    sha_pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None


class ShardPass:
    """Matches batches of one dataset's rows; built once per pass, reused for every batch and shard."""

    def __init__(
        self, kinds: Sequence[str], queries: PortfolioQueries, profile: Profile | None, *, hashes: bool = True
    ) -> None:
        """`kinds`: the dataset's match kinds; `hashes=False` for a URL/caption-only pass (no hash parsing)."""
        self._hashes = hashes
        # The distinct query pHashes and the radius each is searched at, all in one kernel.
        self.phash_queries, self.phash_radii = queries.distinct_phashes()
        self._phash = (
            ChunkedStreamMatcher(self.phash_queries, int(self.phash_radii.max()), radii=self.phash_radii)
            if hashes and "phash" in kinds and len(self.phash_queries)
            else None
        )
        self._parse_phash = hashes and "phash" in kinds
        self._parse_sha = hashes and "sha256" in kinds
        self.sha_queries = [bytes(row) for row in queries.digests]
        self._sha_prefixes = np.unique(sha256_prefixes(queries.digests)) if len(queries.digests) else None
        self._digests = {digest: index for index, digest in enumerate(self.sha_queries)}
        wants_url = profile is not None and "url" in kinds and bool(profile.domains or profile.url_prefixes)
        wants_text = (
            profile is not None and "text" in kinds and bool(profile.name or profile.aliases or profile.handles)
        )
        self._urls = UrlMatcher(profile) if wants_url and profile is not None else None
        self._text = TextMatcher(profile) if wants_text and profile is not None else None
        self._prefilter = (
            ProfilePrefilter(profile, url_matcher=self._urls, text_matcher=self._text)
            if profile is not None and (self._urls is not None or self._text is not None)
            else None
        )

    def match(self, batch: pa.RecordBatch) -> BatchResult:
        columns = dict(zip(batch.schema.names, batch.columns, strict=True))
        hits: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
        phashes = digests = phash_pairs = sha_pairs = None
        counts = HashCounts()
        if self._parse_phash and "phash" in columns:
            phashes = parse_phash_column(columns["phash"])
            counts = HashCounts(phashes.nulls, phashes.malformed, phashes.example_bad)
            if self._phash is not None:
                phash_pairs = self._phash.match_hashes(phashes.values, phashes.valid)
                hits.append(phash_pairs.rows)
        if self._parse_sha and "sha256" in columns:
            digests = parse_sha256_column(columns["sha256"])
            counts = HashCounts(digests.nulls, digests.malformed, digests.example_bad)
            sha_pairs = self._sha_pairs(digests)
            hits.append(sha_pairs[0])
        profile_hits = self._profile_hits(columns)
        hits.append(np.array([position for position, _ in profile_hits], dtype=np.int64))
        positions = np.unique(np.concatenate(hits))
        return BatchResult(positions, profile_hits, phashes, digests, counts, phash_pairs, sha_pairs)

    def searched_phashes(self) -> list[tuple[int, npt.NDArray[np.uint64]]]:
        """(radius, query pHashes searched within it) per radius of this pass's kernel: what it covers."""
        if self._phash is None:
            return []
        return [(radius, self.phash_queries[indices]) for radius, indices in radius_groups(self.phash_radii)]

    def check(self, batch: pa.RecordBatch, names: dict[str, str]) -> None:
        """Refuse a shard whose hash column holds no hashes at all (another column mapped by mistake, another
        encoding), naming the column (`names`: field -> the shard's column name) and quoting a value."""
        columns = dict(zip(batch.schema.names, batch.columns, strict=True))
        if self._parse_phash and "phash" in columns:
            check_phash_column(columns["phash"], names.get("phash", "phash"))
        if self._parse_sha and "sha256" in columns:
            check_sha256_column(columns["sha256"], names.get("sha256", "sha256"))

    def _sha_pairs(self, digests: Sha256Column) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(positions, query indices) of rows whose 32-byte digest is a work's: a prefix test, then all bytes."""
        if self._sha_prefixes is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        # Rows whose first two bytes are some work's (a table lookup: about 1.5 % of the rows for 1,000 works), then
        # their 8-byte prefixes by binary search (np.isin sorts the whole query set again for every batch, which
        # costs 35 us a row with 2 million works, bench/bench_batch.py), then all 32 bytes.
        matrix = digests.digests
        first_two = (matrix[:, 0].astype(np.intp) << 8) | matrix[:, 1]
        near = np.flatnonzero(self._sha_first_two[first_two] & digests.valid)
        prefixes = sha256_prefixes(matrix[near])
        at = np.minimum(np.searchsorted(self._sha_prefixes, prefixes), len(self._sha_prefixes) - 1)
        maybe = near[self._sha_prefixes[at] == prefixes]
        pairs = [(p, self._digests[d]) for p in maybe.tolist() if (d := bytes(digests.digests[p])) in self._digests]
        return np.array([p for p, _ in pairs], np.int64), np.array([q for _, q in pairs], np.int64)

    @functools.cached_property
    def _sha_first_two(self) -> npt.NDArray[np.bool_]:
        """Which values of a digest's first two bytes (big-endian) some work's digest has."""
        table = np.zeros(1 << 16, np.bool_)
        if self._sha_prefixes is not None:
            table[(self._sha_prefixes >> np.uint64(48)).astype(np.intp)] = True
        return table

    def _profile_hits(self, columns: dict[str, pa.Array]) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        if self._prefilter is None:
            return found
        if self._urls is not None and "url" in columns:
            candidates = self._prefilter.url_candidates(columns["url"]).tolist()
            urls = columns["url"].take(pa.array(candidates, pa.int64())).cast(pa.string()).to_pylist()
            reasons = self._urls.match_many(urls)
            found += [(position, "url") for position, reason in zip(candidates, reasons, strict=True) if reason]
        if self._text is not None and "text" in columns:
            candidates = self._prefilter.text_candidates(columns["text"]).tolist()
            texts = columns["text"].take(pa.array(candidates, pa.int64())).cast(pa.string()).to_pylist()
            found += [
                (position, "text") for position, text in zip(candidates, texts, strict=True) if self._text.matches(text)
            ]
        return found


def hit_rows(
    batch: pa.RecordBatch | pa.Table,
    positions: npt.NDArray[np.int64],
    seq: int,
    shard_rows: npt.NDArray[np.int64],
    first_ordinal: int,
) -> list[HitRow]:
    """The rows at `positions` of a batch of shard `seq`: `shard_rows[i]` is where row `positions[i]` sits in the
    shard, and the shard's first row has ordinal `first_ordinal`."""
    if not len(positions):
        return []
    taken = batch.take(pa.array(positions, pa.int64()))
    columns = {name: _as_python(name, taken.column(i)) for i, name in enumerate(taken.schema.names)}
    published = published_values(taken)
    none: list[object] = [None] * len(positions)
    rows = []
    for i, shard_row in enumerate(shard_rows.tolist()):
        row_id = columns["row_id"][i] if "row_id" in columns else None
        rows.append(
            HitRow(
                ordinal=first_ordinal + shard_row, shard_seq=seq, shard_row=shard_row,
                row_id=str(row_id) if row_id is not None else f"{seq}:{shard_row}",
                url=_text(columns.get("url", none)[i]), caption=_text(columns.get("text", none)[i]),
                phash=_int(columns.get("phash", none)[i]), sha256=_text(columns.get("sha256", none)[i]),
                width=_int(columns.get("width", none)[i]), height=_int(columns.get("height", none)[i]),
                published=published[i],
            )
        )  # fmt: skip
    return rows


PUBLISHED_FIELDS = ("row_id", "phash", "sha256")  # the values TrainTrace parses, kept as well exactly as published


def published_values(taken: pa.RecordBatch | pa.Table) -> list[str | None]:
    """Per row, the JSON of its id and hash values exactly as the shard holds them (for the evidence, where a
    parsed value such as a pHash read as a number must not stand in for the text the dataset published)."""
    names = [name for name in PUBLISHED_FIELDS if name in taken.schema.names]
    if not names:
        return [None] * taken.num_rows
    values = {name: taken.column(name).to_pylist() for name in names}
    return [
        json.dumps({name: _jsonable(values[name][i]) for name in names}, ensure_ascii=False, sort_keys=True)
        for i in range(taken.num_rows)
    ]


def _jsonable(value: object) -> object:
    return value.hex() if isinstance(value, bytes) else value


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _as_python(name: str, column: pa.Array | pa.ChunkedArray) -> list[object]:
    """A kept column as Python values: hashes parsed (None if malformed), sizes as sane integers or None."""
    if name == "phash":
        parsed = parse_phash_column(column)
        return [int(v) if ok else None for v, ok in zip(parsed.values.tolist(), parsed.valid.tolist(), strict=True)]
    if name == "sha256":
        parsed_digests = parse_sha256_column(column)
        return [
            bytes(d).hex() if ok else None for d, ok in zip(parsed_digests.digests, parsed_digests.valid, strict=True)
        ]
    if name in ("width", "height"):
        return [_size(value) for value in column.to_pylist()]
    if name == "row_id":
        return [None if value is None else str(value) for value in column.to_pylist()]
    return column.cast(pa.string()).to_pylist()  # type: ignore[no-any-return]


def _size(value: object) -> int | None:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 1 << 31 else None
