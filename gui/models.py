"""The results table: immutable review rows keyed by a stable id, and the sort/filter proxy in front of them.

One row is one decision: a match (a work found in a dataset row, or a profile-level URL/caption hit) — or a
work with no match yet, so the artist sees every scanned file. Rows are keyed (``m<id>`` / ``w<id>``), never
addressed by row number across threads; `set_rows` diffs by key and sends targeted signals so the view keeps
its selection and scroll position while results stream in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QPixmap

from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.hashing import is_plain

NO_MATCH = "no match yet"
UNREADABLE = "unreadable"
TOO_PLAIN = "too plain to match by picture"
TOO_PLAIN_WHY = "a blank or flat picture has every flat picture's pHash: it is matched by file and name only"
ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ReviewRow:
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
            if self.distance is not None:
                return (0, self.distance)
            if self.score is not None and self.kind:
                return (1, -self.score)
            return (2, 0)
        text = {
            Column.FILE: self.file_name,
            Column.KIND: self.kind,
            Column.DATASET: self.dataset,
            Column.STATUS: self.status,
        }.get(Column(column), self.file_name)
        return (text == "", text.casefold(), self.key)


class Column(IntEnum):
    THUMBNAIL = 0
    FILE = 1
    KIND = 2
    MEASURE = 3
    DATASET = 4
    STATUS = 5


HEADERS = {
    Column.THUMBNAIL: "",
    Column.FILE: "File",
    Column.KIND: "Found by",
    Column.MEASURE: "Distance / score",
    Column.DATASET: "Dataset",
    Column.STATUS: "Review",
}
KIND_LABELS = {
    "sha256": "identical file",
    "phash": "look-alike",
    "url": "your URL",
    "text": "your name",
    "clip": "CLIP",
}

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
KEY_ROLE = Qt.ItemDataRole.UserRole + 3


def build_rows(works: Iterable[Work], matches: Iterable[Match]) -> list[ReviewRow]:
    """One row per match, plus one per work that has none (so unmatched and unreadable files show too)."""
    rows: list[ReviewRow] = []
    matched_works: set[int] = set()
    for match in matches:
        if match.work_id is not None:
            matched_works.add(match.work_id)
        rows.append(_match_row(match))
    for work in works:
        if work.id not in matched_works:
            rows.append(_work_row(work))
    return rows


def _match_row(match: Match) -> ReviewRow:
    name = Path(match.work_path).name if match.work_path else "(your profile)"
    return ReviewRow(
        key=f"m{match.id}", work_id=match.work_id, match_id=match.id, path=match.work_path, file_name=name,
        kind=match.kind, distance=match.distance, score=match.score, dataset=match.dataset, row_id=match.row_id,
        status=match.status, url=match.url or "", caption=match.caption or "", thumbnail_ok=match.work_path is not None,
    )  # fmt: skip


def _work_row(work: Work) -> ReviewRow:
    plain = work.ok and is_plain(work.informative_bits)
    status = UNREADABLE if not work.ok else TOO_PLAIN if plain else NO_MATCH
    return ReviewRow(
        key=f"w{work.id}", work_id=work.id, match_id=None, path=work.path, file_name=Path(work.path).name, kind="",
        distance=None, score=None, dataset="", row_id="", status=status, url="",
        caption=TOO_PLAIN_WHY if plain else work.reason or "", thumbnail_ok=work.ok,
    )  # fmt: skip


ThumbnailSource = Callable[[str], QPixmap | None]


class ResultsModel(QAbstractTableModel):
    """Rows keyed by `ReviewRow.key`; thumbnails come from an optional source that loads them lazily."""

    def __init__(self, thumbnails: ThumbnailSource | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ReviewRow] = []
        self._index_of: dict[str, int] = {}
        self._by_path: dict[str, list[int]] = {}
        self._thumbnails = thumbnails

    # --- Qt model API -------------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[Column(section)]
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return HEADERS[Column(section)] or "Thumbnail"
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(row, column, role)
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.FILE:
            return row.path or "A match on your profile (URL or name), not on one file"
        if role == Qt.ItemDataRole.DecorationRole and column == Column.THUMBNAIL:
            return self._thumbnail(row)
        if role == SORT_ROLE:
            return row.sort_key(column)
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return row.key
        return None

    # --- rows ---------------------------------------------------------------------------------------
    def rows(self) -> list[ReviewRow]:
        return list(self._rows)

    def row_for_key(self, key: str) -> ReviewRow | None:
        position = self._index_of.get(key)
        return None if position is None else self._rows[position]

    def index_for_key(self, key: str, column: int = 0) -> QModelIndex:
        position = self._index_of.get(key)
        return QModelIndex() if position is None else self.index(position, column)

    def set_rows(self, rows: Sequence[ReviewRow]) -> None:
        """Replace the content, diffing by key: removed rows go, changed rows update in place, new rows append."""
        wanted = {row.key: row for row in rows}
        self._remove_missing(wanted)
        changed = False
        for key, row in wanted.items():
            position = self._index_of.get(key)
            if position is not None and self._rows[position] != row:
                changed = changed or self._rows[position].path != row.path
                self._rows[position] = row
                self.dataChanged.emit(self.index(position, 0), self.index(position, len(Column) - 1))
        if changed:
            self._reindex()  # a moved file: its thumbnail is now found under the new path
        new = [row for key, row in wanted.items() if key not in self._index_of]
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self._reindex()
            self.endInsertRows()

    def thumbnail_ready(self, path: str) -> None:
        """A thumbnail for `path` finished loading: repaint just those cells."""
        for position in self._by_path.get(path, ()):
            cell = self.index(position, Column.THUMBNAIL)
            self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    def _remove_missing(self, wanted: dict[str, ReviewRow]) -> None:
        doomed = sorted((self._index_of[key] for key in self._index_of if key not in wanted), reverse=True)
        for position in doomed:  # bottom-up, so earlier positions stay valid
            self.beginRemoveRows(QModelIndex(), position, position)
            del self._rows[position]
            self.endRemoveRows()
        if doomed:
            self._reindex()

    def _reindex(self) -> None:
        self._index_of = {row.key: position for position, row in enumerate(self._rows)}
        self._by_path = {}
        for position, row in enumerate(self._rows):
            if row.path is not None:
                self._by_path.setdefault(row.path, []).append(position)

    def _display(self, row: ReviewRow, column: Column, role: int) -> str | None:
        if column == Column.THUMBNAIL:
            return f"Thumbnail of {row.file_name}" if role == Qt.ItemDataRole.AccessibleTextRole else None
        if column == Column.FILE:
            return row.file_name
        if column == Column.KIND:
            return KIND_LABELS.get(row.kind, row.kind)
        if column == Column.MEASURE:
            return row.measure
        if column == Column.DATASET:
            return row.dataset
        return row.status

    def _thumbnail(self, row: ReviewRow) -> QPixmap | None:
        if self._thumbnails is None or not row.thumbnail_ok or row.path is None:
            return None
        return self._thumbnails(row.path)


@dataclass(frozen=True)
class RowFilter:
    """What the filter bar asks for; None / empty means "any"."""

    kind: str | None = None
    dataset: str | None = None
    status: str | None = None
    max_distance: int | None = None
    text: str = ""

    def accepts(self, row: ReviewRow) -> bool:
        if self.kind is not None and row.kind != self.kind:
            return False
        if self.dataset is not None and row.dataset != self.dataset:
            return False
        if self.status is not None and row.status != self.status:
            return False
        if self.max_distance is not None and row.distance is not None and row.distance > self.max_distance:
            return False
        needle = self.text.strip().casefold()
        if needle:
            haystack = (row.file_name, row.dataset, row.row_id, row.url, row.caption, row.path or "")
            return any(needle in field.casefold() for field in haystack)
        return True


class ReviewProxy(QSortFilterProxyModel):
    """Filters with a `RowFilter` and sorts with Python comparisons on `SORT_ROLE`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filter = RowFilter()
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    @property
    def row_filter(self) -> RowFilter:
        return self._filter

    def set_row_filter(self, row_filter: RowFilter) -> None:
        if row_filter != self._filter:
            self.beginFilterChange()
            self._filter = row_filter
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def row_at(self, proxy_row: int) -> ReviewRow | None:
        value = self.data(self.index(proxy_row, 0), ROW_ROLE)
        return value if isinstance(value, ReviewRow) else None

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802
        row = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        return isinstance(row, ReviewRow) and self._filter.accepts(row)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:  # noqa: N802
        left_row, right_row = left.data(ROW_ROLE), right.data(ROW_ROLE)
        if not isinstance(left_row, ReviewRow) or not isinstance(right_row, ReviewRow):
            return False
        return left_row.sort_key(left.column()) < right_row.sort_key(right.column())
