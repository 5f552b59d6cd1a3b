"""Every portfolio of a batch as one query set, built on the client and broadcast once to every worker.

- pHash: each work's reference pHash and variant pHashes, grouped by the radius the acceptance rule allows them
  (`scoring.query_radii`: a value at the widest radius any variant holding it can be accepted at; by
  `scoring.margin`, the work, its transparency variants, its borders and crops of a corner or every side at the
  threshold, the other variants `VARIANT_MARGIN` bits tighter), so no value is searched wider than it can be
  accepted, nor twice; within a group the distinct values, in chunks of at most `MAX_STREAM_QUERIES` (the streaming
  kernel's limit), each with the (owner, work, variant) entries that hold it;
- SHA-256: the distinct digests, each with the (owner, work) entries that hold it;
- URL and caption: one entry per distinct profile fingerprint, with the owners that share it; all of them are
  searched at once by `core.batch.profiles.ProfileUnion`.
The streaming matchers are built on a worker the first time a task needs them and kept with the broadcast
object for every later task on that worker (they are never pickled).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from core.batch.hashlist import HashList
from core.batch.phash_queries import TABLE_BUDGET, ChunkIndex, plan_groups
from core.batch.profiles import ProfileUnion
from core.index.phash_stream import MAX_STREAM_QUERIES, PhashStreamMatcher
from core.matching.prefilter import Folds, fold_table, seed_folds
from core.matching.profile_rules import rules_fingerprint
from core.matching.records import WorkQuery
from core.matching.scoring import query_radii
from core.matching.shard_pass import profile_fingerprint
from core.matching.urls import PublicSuffixRules
from core.profile import Profile

_T = TypeVar("_T")
_SHIPPED = "phash"  # the cache entry of the pHash matchers
SHIP_MATCHER_QUERIES = 20_000  # distinct query pHashes up to which the client builds the matchers ...
SHIP_MATCHER_BYTES = 64 << 20  # ... and sends them with the query set if their tables are at most this big


@dataclass(frozen=True)
class Entries:
    """Sorted distinct values and, for value i, its holders `owner[starts[i]:starts[i + 1]]` (and `work`, `variant`)."""

    starts: npt.NDArray[np.int64]
    owner: npt.NDArray[np.int32]
    work: npt.NDArray[np.int32]  # index into the owner's works
    variant: npt.NDArray[np.int16]  # index into QuerySet.variant_names (unused for SHA-256)

    def holders(self, value_index: int) -> range:
        return range(int(self.starts[value_index]), int(self.starts[value_index + 1]))


@dataclass(frozen=True)
class PhashGroup:
    radius: int  # searched within this distance: the widest the acceptance rule admits for its variants
    values: npt.NDArray[np.uint64]  # distinct, sorted
    entries: Entries

    def chunks(self) -> list[tuple[int, npt.NDArray[np.uint64]]]:
        """(offset, values) slices the streaming kernel can take."""
        return [(i, self.values[i : i + MAX_STREAM_QUERIES]) for i in range(0, len(self.values), MAX_STREAM_QUERIES)]


@dataclass(frozen=True)
class ProfileGroup:
    fingerprint: str
    profile: Profile
    owners: tuple[int, ...]


@dataclass
class QuerySet:
    owners: list[str]
    works: list[tuple[WorkQuery, ...]]  # per owner
    max_distance: int
    variant_names: list[str]
    phash_groups: list[PhashGroup]
    digests: npt.NDArray[np.uint8]  # (n, 32) distinct SHA-256 digests, sorted
    sha_entries: Entries
    profiles: list[ProfileGroup]
    fingerprint: str  # of everything that decides the results (a resumed batch must have the same)
    table_budget: int = TABLE_BUDGET  # bytes of pHash tables per worker (see `phash_queries.plan_groups`)
    stream_limit: int = MAX_STREAM_QUERIES  # a radius group of at most this many queries is one stream matcher
    # Built once on the client and seeded into each worker process on arrival, so that no worker spends its own
    # CPU on them: the public suffix rules the fingerprint was taken from, and the Unicode fold table.
    suffix_rules: PublicSuffixRules | None = None
    folds: tuple[str, Folds] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # Only the pHash matchers that `ship_small_matchers` built here go along; the rest is built on each worker.
        state["_cache"] = {key: value for key, value in self._cache.items() if key == _SHIPPED}
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        if self.suffix_rules is not None:
            PublicSuffixRules.use_bundled(self.suffix_rules)
        if self.folds is not None:
            seed_folds(*self.folds)

    @property
    def query_hashes(self) -> int:
        return sum(len(group.entries.owner) for group in self.phash_groups)

    def ship_small_matchers(self, limit: int = SHIP_MATCHER_BYTES) -> bool:
        """Build the pHash matchers here when the query set is small and their tables take at most `limit` bytes,
        so that they travel with the broadcast (milliseconds to load) instead of each worker building its own
        (0.2 CPU-s for one portfolio); True if they will."""
        if sum(len(group.values) for group in self.phash_groups) > SHIP_MATCHER_QUERIES:
            return False
        built = self._build_matchers()
        if sum(matcher.nbytes for _, _, matcher in built) > limit:
            return False
        with self._lock:
            self._cache[_SHIPPED] = built
        return True

    def matchers(self) -> list[tuple[int, int, PhashStreamMatcher | ChunkIndex]]:
        """(group index, offset of the chunk in the group's values, its matcher): built once on each worker. A
        group of more than `stream_limit` queries is one `ChunkIndex` (offset 0), planned by `plan_groups` to fit
        `table_budget` bytes with the other groups."""
        return self._cached(_SHIPPED, self._build_matchers)

    def _build_matchers(self) -> list[tuple[int, int, PhashStreamMatcher | ChunkIndex]]:
        built: list[tuple[int, int, PhashStreamMatcher | ChunkIndex]] = []
        groups = [(len(group.values), group.radius) for group in self.phash_groups]
        plans = plan_groups(groups, self.table_budget, self.stream_limit)
        for index, (group, plan) in enumerate(zip(self.phash_groups, plans, strict=True)):
            if plan is not None:
                built.append((index, 0, ChunkIndex(group.values, group.radius, plan)))
            else:
                built += [
                    (index, offset, PhashStreamMatcher(values, group.radius)) for offset, values in group.chunks()
                ]
        return built

    def works_by_id(self, owner: int) -> dict[int, WorkQuery]:
        return self._cached(f"works:{owner}", lambda: {work.work_id: work for work in self.works[owner]})

    def profile_union(self, kinds: Sequence[str]) -> ProfileUnion:
        """The URL/caption stage of every distinct profile at once (its groups in the order of `profiles`)."""
        wanted = tuple(kind for kind in ("url", "text") if kind in kinds)
        return self._cached(
            f"union:{','.join(wanted)}", lambda: ProfileUnion([group.profile for group in self.profiles], wanted)
        )

    def _cached(self, key: str, build: Callable[[], _T]) -> _T:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]  # type: ignore[no-any-return]


def build_query_set(hash_lists: Sequence[HashList], max_distance: int) -> QuerySet:
    owners = [hash_list.owner for hash_list in hash_lists]
    works = [hash_list.works for hash_list in hash_lists]
    names: dict[str, int] = {}
    held: list[tuple[int, int, int, int]] = []  # (value, owner, work, variant)
    sha_rows: list[tuple[bytes, int, int]] = []
    for owner, portfolio in enumerate(works):
        for index, work in enumerate(portfolio):
            sha_rows.append((bytes.fromhex(work.sha256), owner, index))
            for variant, value in work.phashes if work.matchable_by_picture else ():
                held.append((value, owner, index, names.setdefault(variant, len(names))))
    # Each distinct value is searched once, at the widest radius its holders' variants can be accepted at.
    variants = list(names)
    values, radii = query_radii(((variants[code], value) for value, _, _, code in held), max_distance)
    radius_of = dict(zip(values.tolist(), radii.tolist(), strict=True))
    by_radius: dict[int, list[tuple[int, int, int, int]]] = {}  # radius -> (value, owner, work, variant)
    for row in held:
        by_radius.setdefault(radius_of[row[0]], []).append(row)
    groups = [_phash_group(radius, rows) for radius, rows in sorted(by_radius.items(), reverse=True)]
    digests, sha_entries = _sha_entries(sha_rows)
    suffix_rules = PublicSuffixRules.bundled()
    rules = rules_fingerprint()
    profiles: dict[str, list[int]] = {}
    kept: dict[str, Profile] = {}
    for owner, hash_list in enumerate(hash_lists):
        if not hash_list.profile.is_empty:
            key = profile_fingerprint(hash_list.profile, rules)
            if hash_list.profile.titles:  # owners of a group share its evidence, which names the titles found
                key += ":" + hashlib.sha256(json.dumps(hash_list.profile.titles).encode()).hexdigest()[:16]
            profiles.setdefault(key, []).append(owner)
            kept[key] = hash_list.profile
    profile_groups = [ProfileGroup(key, kept[key], tuple(members)) for key, members in profiles.items()]
    return QuerySet(
        owners, works, max_distance, list(names), groups, digests, sha_entries, profile_groups,
        _fingerprint(hash_lists, max_distance, rules), suffix_rules=suffix_rules,
        folds=fold_table() if profile_groups else None,
    )  # fmt: skip


def _phash_group(radius: int, rows: list[tuple[int, int, int, int]]) -> PhashGroup:
    table = np.array(rows, dtype=np.uint64).reshape(-1, 4)
    order = np.lexsort((table[:, 2], table[:, 1], table[:, 0]))
    table = table[order]
    values, first = np.unique(table[:, 0], return_index=True)
    starts = np.append(first, len(table)).astype(np.int64)
    entries = Entries(starts, table[:, 1].astype(np.int32), table[:, 2].astype(np.int32), table[:, 3].astype(np.int16))
    return PhashGroup(radius, values, entries)


def _sha_entries(rows: list[tuple[bytes, int, int]]) -> tuple[npt.NDArray[np.uint8], Entries]:
    rows.sort()
    distinct: list[bytes] = []
    starts: list[int] = []
    for position, (digest, _, _) in enumerate(rows):
        if not distinct or distinct[-1] != digest:
            distinct.append(digest)
            starts.append(position)
    starts.append(len(rows))
    digests = np.frombuffer(b"".join(distinct), dtype=np.uint8).reshape(-1, 32)
    owner = np.array([row[1] for row in rows], dtype=np.int32)
    work = np.array([row[2] for row in rows], dtype=np.int32)
    return digests, Entries(np.array(starts, np.int64), owner, work, np.zeros(len(rows), np.int16))


def _fingerprint(hash_lists: Sequence[HashList], max_distance: int, rules: str) -> str:
    digest = hashlib.sha256(f"{max_distance}|{rules}".encode())
    for hash_list in hash_lists:
        digest.update(repr((hash_list.owner, hash_list.profile, hash_list.works)).encode())
    return digest.hexdigest()[:32]
