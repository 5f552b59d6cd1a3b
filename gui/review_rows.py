"""The review's rows: a work (with a summary of its matches) or one match, how each is shown, and how they are
grouped (each work with its matches, surest first; the profile's matches under the profile). Plain values,
built from the core's dataclasses; the Qt model (gui.models) only arranges them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import Qt

from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.closeness import closeness
from core.hashing import is_plain
from core.highlights import Highlights

NO_MATCH = "no match"  # the filter's value for works without a match (either wording below)
NOT_SEARCHED = "not searched yet"
NOT_FOUND = "not found in what was searched"
UNREADABLE = "unreadable"
TOO_PLAIN = "too plain to match by picture"
TOO_PLAIN_WHY = "a blank or flat picture has every flat picture's pHash: it is matched by file and name only"
PROFILE_KEY = "profile"
PROFILE_TITLE = "Your name and site"
Span = tuple[int, int]

KIND_ORDER = {"sha256": 0, "phash": 1, "url": 2, "text": 3, "clip": 4}


@dataclass(frozen=True)
class ReviewRow:
    """A work (a top-level row, `match_id` None) or one of its matches."""

    key: str
    work_id: int | None
    match_id: int | None
    path: str | None
    file_name: str
    kind: str
    distance: int | None
    score: float | None
    dataset: str
    row_id: str
    status: str
    url: str
    caption: str
    thumbnail_ok: bool
    closeness: str = ""  # the match's closeness in words (core.closeness); a work's: its surest match's
    caption_spans: tuple[Span, ...] = ()
    url_spans: tuple[Span, ...] = ()
    matches: int = 0  # a work row: how many of its matches there are
    summary: str = ""  # a work row: "2 look-alikes, 1 URL" and its review state
    rank: tuple[object, ...] = field(default=(9,), compare=False)  # surest first

    @property
    def is_work(self) -> bool:
        return self.match_id is None

    @property
    def measure(self) -> str:
        if self.distance is not None:
            return f"distance {self.distance}"
        if self.score is not None and self.kind:
            return "exact" if self.kind == "sha256" else f"score {self.score:.2f}"
        return ""

    def sort_key(self, column: int) -> tuple[object, ...]:
        """A Python value to order by; tuples keep None last and never overflow like Qt's numeric sort."""
        if column == Column.MEASURE:
            return (*self.rank, self.key)
        text = {
            Column.FILE: self.file_name if self.is_work else KIND_LABELS.get(self.kind, self.kind),
            Column.DATASET: self.dataset,
            Column.CAPTION: self.caption,
            Column.URL: self.url,
            Column.STATUS: self.status,
        }.get(Column(column), self.file_name)
        return (text == "", text.casefold(), *self.rank, self.key)


class Column(IntEnum):
    FILE = 0  # the work (thumbnail and name), or for a match: how it was found
    MEASURE = 1
    STATUS = 2
    DATASET = 3
    CAPTION = 4
    URL = 5


HEADERS = {
    Column.FILE: "Work / found by",
    Column.MEASURE: "How close",
    Column.STATUS: "Review",
    Column.DATASET: "Dataset",
    Column.CAPTION: "Caption",
    Column.URL: "URL",
}
KIND_LABELS = {
    "sha256": "identical file",
    "phash": "look-alike",
    "url": "your URL",
    "text": "your name",
    "clip": "CLIP",
}
KIND_PLURALS = {
    "sha256": "identical files",
    "phash": "look-alikes",
    "url": "URLs",
    "text": "captions",
    "clip": "CLIP answers",
}

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
KEY_ROLE = Qt.ItemDataRole.UserRole + 3
SPANS_ROLE = Qt.ItemDataRole.UserRole + 4  # the character ranges to highlight in a caption or URL cell


def match_rank(match: Match) -> tuple[object, ...]:
    """Surest first: identical files, then look-alikes by distance, then URLs, then names; by score within."""
    return (0, KIND_ORDER.get(match.kind, 9), match.distance if match.distance is not None else 0, -match.score)


def build_groups(
    works: Iterable[Work],
    matches: Iterable[Match],
    searched: bool = True,
    highlights: Mapping[int, Highlights] | None = None,
) -> list[tuple[ReviewRow, list[ReviewRow]]]:
    """Each work with its matches (surest first), the profile's matches under the profile, works without a match
    as rows without children. `searched`: whether anything was searched, so an unmatched work may be called
    "not found" (else it is "not searched yet")."""
    spans = highlights or {}
    by_work: dict[str, list[Match]] = {}
    for match in matches:
        by_work.setdefault(f"w{match.work_id}" if match.work_id is not None else PROFILE_KEY, []).append(match)
    known = {f"w{work.id}": work for work in works}
    groups: list[tuple[ReviewRow, list[ReviewRow]]] = []
    for key, work in known.items():
        found = by_work.pop(key, [])
        children = sorted((_match_row(m, spans.get(m.id)) for m in found), key=lambda row: (row.rank, row.key))
        groups.append((_work_row(work, children, searched), children))
    for key, found in by_work.items():  # the profile, and matches of works no longer in the catalogue
        children = sorted((_match_row(m, spans.get(m.id)) for m in found), key=lambda row: (row.rank, row.key))
        groups.append((_group_row(key, found[0], children), children))
    return groups


def build_rows(works: Iterable[Work], matches: Iterable[Match]) -> list[ReviewRow]:
    """Every row of `build_groups`, works and matches, in one list."""
    return [row for group, children in build_groups(works, matches) for row in (group, *children)]


def _match_row(match: Match, spans: Highlights | None) -> ReviewRow:
    name = Path(match.work_path).name if match.work_path else PROFILE_TITLE
    names_work = match.kind == "url" and match.work_id is not None
    return ReviewRow(
        key=f"m{match.id}", work_id=match.work_id, match_id=match.id, path=match.work_path, file_name=name,
        kind=match.kind, distance=match.distance, score=match.score, dataset=match.dataset, row_id=match.row_id,
        status=match.status, url=match.url or "", caption=match.caption or "", thumbnail_ok=match.work_path is not None,
        closeness=closeness(match.kind, match.distance, match.variant, names_work),
        caption_spans=spans.caption if spans else (), url_spans=spans.url if spans else (), rank=match_rank(match),
    )  # fmt: skip


def _summary(children: Sequence[ReviewRow]) -> tuple[str, str]:
    """("2 look-alikes, 1 URL", "2 to review, 1 confirmed") of a work's matches."""
    kinds: dict[str, int] = {}
    for row in children:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    found = ", ".join(
        f"{count} {KIND_LABELS.get(kind, kind) if count == 1 else KIND_PLURALS.get(kind, kind)}"
        for kind, count in sorted(kinds.items(), key=lambda item: KIND_ORDER.get(item[0], 9))
    )
    states = []
    for status, words in (("candidate", "to review"), ("confirmed", "confirmed"), ("rejected", "not mine")):
        count = sum(1 for row in children if row.status == status)
        if count:
            states.append(f"{count} {words}")
    return found, ", ".join(states)


def _work_row(work: Work, children: Sequence[ReviewRow], searched: bool) -> ReviewRow:
    if children:
        found, states = _summary(children)
        best = children[0]
        datasets = ", ".join(dict.fromkeys(row.dataset for row in children))
        return ReviewRow(
            key=f"w{work.id}", work_id=work.id, match_id=None, path=work.path, file_name=Path(work.path).name,
            kind="", distance=None, score=None, dataset=datasets, row_id="", status=states, url="", caption=found,
            thumbnail_ok=work.ok, closeness=best.closeness, matches=len(children), summary=found, rank=best.rank,
        )  # fmt: skip
    plain = work.ok and is_plain(work.informative_bits)
    status = UNREADABLE if not work.ok else TOO_PLAIN if plain else (NOT_FOUND if searched else NOT_SEARCHED)
    order = 2 if not work.ok else 1
    return ReviewRow(
        key=f"w{work.id}", work_id=work.id, match_id=None, path=work.path, file_name=Path(work.path).name, kind="",
        distance=None, score=None, dataset="", row_id="", status=status, url="",
        caption=TOO_PLAIN_WHY if plain else work.reason or "", thumbnail_ok=work.ok, rank=(order,),
    )  # fmt: skip


def _group_row(key: str, first: Match, children: Sequence[ReviewRow]) -> ReviewRow:
    """The profile's group (matches on the artist's name or site), or a work no longer in the catalogue."""
    found, states = _summary(children)
    profile = key == PROFILE_KEY
    name = PROFILE_TITLE if profile else Path(first.work_path or "").name or "(a work no longer scanned)"
    datasets = ", ".join(dict.fromkeys(row.dataset for row in children))
    return ReviewRow(
        key=key, work_id=None if profile else first.work_id, match_id=None, path=None if profile else first.work_path,
        file_name=name, kind="", distance=None, score=None, dataset=datasets, row_id="", status=states, url="",
        caption=found, thumbnail_ok=not profile and first.work_path is not None, closeness=children[0].closeness,
        matches=len(children), summary=found, rank=children[0].rank,
    )  # fmt: skip
