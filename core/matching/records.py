"""How a matched dataset row becomes a `FoundMatch`: acceptance, attribution, score and evidence wording.

One implementation for every path that matches: the local one (`engine`, reading the compact indexes and the
kept hits) and the batch one (`core.batch.task`, reading the shard pass's pairs on a cluster). Both hand the
rows they found here as `DatasetRow`s, so the records, and their wording, are the same whichever path found them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.catalogue.matches import FoundMatch
from core.datasets.descriptors import Descriptor
from core.datasets.store import DatasetRow
from core.hashing import is_plain
from core.matching.scoring import accepts, phash_score
from core.matching.text import TextMatcher
from core.matching.urls import UrlMatcher, work_file_name_from_url
from core.variants import describe_variant

# (work id, row ordinal) -> (distance, variant, the variant's pHash)
PhashBest = dict[tuple[int, int], tuple[int, str, int]]


@dataclass(frozen=True)
class WorkQuery:
    """What the matcher knows of one work: never its pixels, only its hashes and name."""

    work_id: int
    file_name: str
    sha256: str
    phashes: tuple[tuple[str, int], ...]  # ("original", reference pHash), then the canonical variants
    size: tuple[int, int] | None
    informative_bits: int | None = None  # of the reference pHash (`core.hashing.informative_bits`); None: unknown

    @property
    def matchable_by_picture(self) -> bool:
        """False for a blank or flat work (`core.hashing.PLAIN_BELOW_BITS`): its pHash is shared by every flat
        picture of a dataset, so it is matched by its file (SHA-256) and its names only, never by pHash."""
        return not is_plain(self.informative_bits)


def best_phash_pairs(
    candidates: Iterable[tuple[int, int, str, int, int]],
    max_distance: int,
    works: Mapping[int, WorkQuery],
    row_sizes: Mapping[int, tuple[int, int] | None],
) -> PhashBest:
    """From (work id, row ordinal, variant, variant pHash, distance) candidates within the search radius: the
    accepted ones, the closest variant per (work, row) (the work itself on a tie), then portfolio attribution
    (`attribute_rows`). The candidates must be of one portfolio.

    Accepted: within the variant's distance (`scoring.accepts`) and, for a variant shaped to an aspect ratio (a
    padded or centre-cropped copy, a mirrored one), only against a row whose published width and height have that
    ratio (`row_sizes`: ordinal -> (width, height), None or absent when the dataset does not
    publish them, and then such a variant does not count). The decision is `scoring.accepts`."""
    best: PhashBest = {}
    for work_id, ordinal, variant, value, distance in candidates:
        work = works.get(work_id)
        if not accepts(distance, variant, max_distance, work.size if work else None, row_sizes.get(ordinal)):
            continue
        key = (work_id, ordinal)
        if key not in best or distance < best[key][0] or (distance == best[key][0] and variant == "original"):
            best[key] = (distance, variant, value)
    return attribute_rows(best)


def attribute_rows(best: PhashBest) -> PhashBest:
    """Portfolio attribution: a dataset row is a copy of one work, so it is listed for the work(s) of the
    portfolio closest to it (ties kept), not for every other work that happens to lie within the threshold.

    Measured on bench/eval_recall.py (held-out seed, T=8): precision 0.958 -> 0.989 at unchanged recall;
    a pair dropped here is one where another of the artist's works explains the row better.
    """
    closest: dict[int, int] = {}
    for (_, ordinal), (distance, _, _) in best.items():
        closest[ordinal] = min(distance, closest.get(ordinal, distance))
    return {key: value for key, value in best.items() if value[0] == closest[key[1]]}


class MatchRecords:
    """Builds the `FoundMatch` records of one dataset, with one source label and one coverage."""

    def __init__(self, descriptor: Descriptor, coverage: str, source: str) -> None:
        self._descriptor = descriptor
        self._coverage = coverage
        self._source = source

    def sha256(self, work: WorkQuery, row: DatasetRow) -> FoundMatch:
        how = "byte-identical file: the work's SHA-256 equals the row's"
        return self._found(work.work_id, row, "sha256", 0, 1.0, (work.sha256, row.sha256), how)

    def phash(
        self, best: PhashBest, works: Mapping[int, WorkQuery], rows: Mapping[int, DatasetRow]
    ) -> list[FoundMatch]:
        """The records of attributed pHash pairs (`best_phash_pairs`); pairs whose row is not in `rows` are left out."""
        found = []
        for (work_id, ordinal), (distance, variant, value) in best.items():
            if ordinal not in rows:
                continue
            work, row = works[work_id], rows[ordinal]
            score = phash_score(distance, variant, work.size, row.size, work.informative_bits)
            hashes = (f"{value:016x}", f"{row.phash:016x}" if row.phash is not None else None)
            how = f"pHash of the work{_variant_words(variant)} at Hamming distance {distance} of 64 bits"
            found.append(self._found(work_id, row, "phash", distance, score, hashes, how, variant))
        return found

    def url(self, row: DatasetRow, matcher: UrlMatcher, by_name: Mapping[str, int]) -> FoundMatch | None:
        """A URL match when the row's URL is the artist's (`by_name`: `works_by_file_name` of the portfolio)."""
        reason = matcher.match(row.url)
        if reason is None:
            return None
        name = work_file_name_from_url(row.url or "")
        work_id = by_name.get(name.casefold()) if name else None
        what = "domain" if reason.kind == "domain" else "upload address"
        how = f"URL on the artist's {what} {reason.rule}" + (f"; file name {name} is a work's" if work_id else "")
        return self._found(work_id, row, "url", None, 1.0 if work_id else 0.9, (None, None), how)

    def text(self, row: DatasetRow, matcher: TextMatcher) -> FoundMatch | None:
        mentions = matcher.find(row.caption or "")
        if not mentions:
            return None
        terms = ", ".join(dict.fromkeys(match.label for match in mentions))  # which form matched, titles beside
        return self._found(None, row, "text", None, 0.8, (None, None), f"caption names {terms}")

    def _found(
        self,
        work_id: int | None,
        row: DatasetRow,
        kind: str,
        distance: int | None,
        score: float,
        hashes: tuple[str | None, str | None],
        how: str,
        variant: str | None = None,
    ) -> FoundMatch:
        """`hashes`: the work's hash that matched (a variant's pHash, or the SHA-256) and the row's published one."""
        local, published = hashes
        return FoundMatch(
            work_id=work_id, dataset=self._descriptor.id, row_id=row.row_id, kind=kind, distance=distance,
            score=round(score, 4), url=row.url, caption=row.caption, published_hash=published,
            evidence=f"{how}; {self._descriptor.name} row {row.row_id} ({row.shard}, row {row.shard_row})",
            coverage=self._coverage, source=self._source, local_hash=local, variant=variant,
            published_width=row.width, published_height=row.height, shard=row.shard, shard_row=row.shard_row,
            published=row.published,
        )  # fmt: skip


def works_by_file_name(works: Sequence[WorkQuery]) -> dict[str, int]:
    """Case-folded file name -> work id (the first work of that name), for naming the work a URL points at."""
    by_name: dict[str, int] = {}
    for work in works:
        by_name.setdefault(work.file_name.casefold(), work.work_id)
    return by_name


def _variant_words(variant: str) -> str:
    return "" if variant == "original" else f" {describe_variant(variant)} (variant {variant})"
