"""The review, work by work: the Qt model of works (top level) with their matches under them, and the sort/filter
proxy in front of it.

Two levels. A top-level row is a work (or "Your name and site" for matches on the profile, not on one file);
its children are its matches: picture matches, exact-file matches, URL and name matches (gui.review_rows builds
and words them). Rows are keyed (``w<id>``, ``profile``, ``m<id>``), never addressed by row number across
threads; `set_groups` diffs by key and sends targeted insert/remove/change signals so the view keeps its
selection, expansion and scroll position while results stream in.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QPixmap

from gui.review_rows import (
    HEADERS,
    KEY_ROLE,
    KIND_LABELS,
    NO_MATCH,
    NOT_FOUND,
    NOT_SEARCHED,
    PROFILE_KEY,
    ROW_ROLE,
    SORT_ROLE,
    SPANS_ROLE,
    Column,
    ReviewRow,
)

ModelIndex = QModelIndex | QPersistentModelIndex


ThumbnailSource = Callable[[str], QPixmap | None]


class ResultsModel(QAbstractItemModel):
    """Works (top level) and their matches (children), keyed; thumbnails come from an optional lazy source.

    An index's internal id is 0 for a top-level row and its parent's serial for a child, a number given to each
    top-level key once, so a child's index stays right while rows above it come and go."""

    def __init__(self, thumbnails: ThumbnailSource | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[ReviewRow] = []
        self._children: dict[str, list[ReviewRow]] = {}
        self._position: dict[str, int] = {}  # top-level key -> row
        self._child_position: dict[str, tuple[str, int]] = {}  # child key -> (parent key, row)
        self._serial: dict[str, int] = {}  # top-level key -> serial (internal id of its children)
        self._by_serial: dict[int, str] = {}
        self._by_path: dict[str, list[int]] = {}  # a work's path -> its top-level rows (for thumbnails)
        self._thumbnails = thumbnails

    # --- Qt model API -------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(Column) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._groups) else QModelIndex()
        if parent.internalId() != 0 or parent.row() >= len(self._groups):
            return QModelIndex()  # matches have no children
        key = self._groups[parent.row()].key
        if row >= len(self._children.get(key, ())):
            return QModelIndex()
        return self.createIndex(row, column, self._serial[key])

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        key = self._by_serial.get(index.internalId())
        position = self._position.get(key, -1) if key is not None else -1
        return self.createIndex(position, 0, 0) if position >= 0 else QModelIndex()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() != 0 or parent.column() != 0 or parent.row() >= len(self._groups):
            return 0
        return len(self._children.get(self._groups[parent.row()].key, ()))

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return len(Column)

    def hasChildren(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return HEADERS[Column(section)]
        return None

    def row_of(self, index: ModelIndex) -> ReviewRow | None:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._groups[index.row()] if index.row() < len(self._groups) else None
        key = self._by_serial.get(index.internalId())
        children = self._children.get(key, []) if key is not None else []
        return children[index.row()] if index.row() < len(children) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.row_of(index)
        if row is None:
            return None
        column = Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.FILE and row.is_work:
            return self._thumbnail(row)
        if role == SPANS_ROLE:
            return row.caption_spans if column == Column.CAPTION else row.url_spans if column == Column.URL else ()
        if role == SORT_ROLE:
            return row.sort_key(column)
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return row.key
        return None

    # --- rows ---------------------------------------------------------------------------------------
    def rows(self) -> list[ReviewRow]:
        """Every row: each work followed by its matches."""
        return [row for group in self._groups for row in (group, *self._children.get(group.key, ()))]

    def works(self) -> list[ReviewRow]:
        return list(self._groups)

    def children_of(self, key: str) -> list[ReviewRow]:
        return list(self._children.get(key, ()))

    def row_for_key(self, key: str) -> ReviewRow | None:
        if key in self._position:
            return self._groups[self._position[key]]
        found = self._child_position.get(key)
        return self._children[found[0]][found[1]] if found else None

    def index_for_key(self, key: str, column: int = 0) -> QModelIndex:
        if key in self._position:
            return self.index(self._position[key], column)
        found = self._child_position.get(key)
        if found is None:
            return QModelIndex()
        parent, position = found
        return self.createIndex(position, column, self._serial[parent])

    def set_rows(self, rows: Sequence[ReviewRow]) -> None:
        """Flat rows (works and matches) regrouped: for callers that build rows themselves."""
        groups: dict[str, tuple[ReviewRow | None, list[ReviewRow]]] = {}
        for row in rows:
            if row.is_work:
                groups[row.key] = (row, groups.get(row.key, (None, []))[1])
        for row in rows:
            if not row.is_work:
                parent = f"w{row.work_id}" if row.work_id is not None else PROFILE_KEY
                groups.setdefault(parent, (None, []))[1].append(row)
        self.set_groups([(group, children) for group, children in groups.values() if group is not None])

    def set_groups(self, groups: Sequence[tuple[ReviewRow, Sequence[ReviewRow]]]) -> None:
        """Replace the content, diffing by key: removed rows go, changed rows update in place, new rows append.
        Each step costs the rows it touches (a refresh of thousands of works with their matches stays linear)."""
        wanted = {group.key: (group, list(children)) for group, children in groups}
        self._remove_groups([key for key in self._position if key not in wanted])
        new_groups = []
        for key, (group, children) in wanted.items():
            if key not in self._position:
                new_groups.append((group, children))
                continue
            position = self._position[key]
            if self._groups[position] != group:
                moved = self._groups[position].path != group.path
                self._groups[position] = group
                self.dataChanged.emit(self.index(position, 0), self.index(position, len(Column) - 1))
                if moved:
                    self._index_groups()  # a moved file: its thumbnail is now found under the new path
            self._update_children(key, children)
        if new_groups:
            first = len(self._groups)
            self.beginInsertRows(QModelIndex(), first, first + len(new_groups) - 1)
            for group, children in new_groups:
                self._groups.append(group)
                self._children[group.key] = list(children)
                self._serial.setdefault(group.key, len(self._serial) + 1)
                self._by_serial[self._serial[group.key]] = group.key
                self._index_children(group.key)
            self._index_groups()
            self.endInsertRows()

    def _remove_groups(self, keys: list[str]) -> None:
        for position in sorted((self._position[key] for key in keys), reverse=True):  # bottom-up
            self.beginRemoveRows(QModelIndex(), position, position)
            key = self._groups[position].key
            del self._groups[position]
            for child in self._children.pop(key, []):
                self._forget_child(child.key, key)
            self._index_groups()
            self.endRemoveRows()

    def _update_children(self, key: str, wanted_rows: list[ReviewRow]) -> None:
        parent = self.index(self._position[key], 0)
        current = self._children.setdefault(key, [])
        wanted = {row.key: row for row in wanted_rows}
        doomed = sorted((pos for pos, row in enumerate(current) if row.key not in wanted), reverse=True)
        for position in doomed:
            self.beginRemoveRows(parent, position, position)
            self._forget_child(current[position].key, key)
            del current[position]
            self._index_children(key, keep=wanted)  # a child still to go may sit under another work by now
            self.endRemoveRows()
        present = {row.key: position for position, row in enumerate(current)}
        for child_key, row in wanted.items():
            at = present.get(child_key)
            if at is not None and current[at] != row:
                current[at] = row
                self.dataChanged.emit(self.index(at, 0, parent), self.index(at, len(Column) - 1, parent))
        new = [row for child_key, row in wanted.items() if child_key not in present]
        if new:
            self.beginInsertRows(parent, len(current), len(current) + len(new) - 1)
            current.extend(new)
            self._index_children(key)
            self.endInsertRows()

    def thumbnail_ready(self, path: str) -> None:
        """A thumbnail for `path` finished loading: repaint just that work's cell."""
        for position in self._by_path.get(path, ()):
            cell = self.index(position, Column.FILE)
            self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    def _index_groups(self) -> None:
        self._position = {row.key: position for position, row in enumerate(self._groups)}
        self._by_path = {}
        for position, row in enumerate(self._groups):
            if row.path is not None:
                self._by_path.setdefault(row.path, []).append(position)

    def _forget_child(self, child_key: str, parent_key: str) -> None:
        """Drop a child's position, unless it has moved under another work already (its work changed)."""
        if self._child_position.get(child_key, ("",))[0] == parent_key:
            del self._child_position[child_key]

    def _index_children(self, key: str, keep: Container[str] | None = None) -> None:
        for position, child in enumerate(self._children.get(key, ())):
            if keep is None or child.key in keep:
                self._child_position[child.key] = (key, position)

    @staticmethod
    def _display(row: ReviewRow, column: Column) -> str:
        if column == Column.FILE:
            return row.file_name if row.is_work else KIND_LABELS.get(row.kind, row.kind)
        if column == Column.MEASURE:
            if row.is_work:
                return row.closeness
            return row.closeness
        if column == Column.DATASET:
            return row.dataset
        if column == Column.CAPTION:
            return row.caption
        if column == Column.URL:
            return row.url
        if column == Column.STATUS:
            return row.status
        return ""

    @staticmethod
    def _tooltip(row: ReviewRow, column: Column) -> str | None:
        if column == Column.FILE:
            if row.is_work:
                return row.path or "Matches on your profile (your site or your name), not on one file"
            return f"{KIND_LABELS.get(row.kind, row.kind)} · {row.measure}" if row.measure else None
        if column == Column.MEASURE and not row.is_work:
            return f"{row.closeness} ({row.measure})" if row.measure else row.closeness
        if column in (Column.CAPTION, Column.URL):
            text = row.caption if column == Column.CAPTION else row.url
            return text[:500] or None
        return None

    def _thumbnail(self, row: ReviewRow) -> QPixmap | None:
        if self._thumbnails is None or not row.thumbnail_ok or row.path is None:
            return None
        return self._thumbnails(row.path)


@dataclass(frozen=True)
class RowFilter:
    """What the filter bar asks for; None / empty means "any". It filters matches; a work shows when one of its
    matches does (a work without matches: when the filter asks for nothing a match would need)."""

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
        if self.status is not None and not _status_is(row, self.status):
            return False
        if self.max_distance is not None and row.distance is not None and row.distance > self.max_distance:
            return False
        needle = self.text.strip().casefold()
        if needle:
            haystack = (row.file_name, row.dataset, row.row_id, row.url, row.caption, row.path or "")
            return any(needle in value.casefold() for value in haystack)
        return True


def _status_is(row: ReviewRow, status: str) -> bool:
    if status == NO_MATCH:
        return row.is_work and row.matches == 0 and row.status in (NOT_FOUND, NOT_SEARCHED)
    return row.status == status


class ReviewProxy(QSortFilterProxyModel):
    """Filters matches with a `RowFilter` (a work shows when one of its matches does) and sorts with Python
    comparisons on `SORT_ROLE`; works sort among works, matches among their work's matches."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filter = RowFilter()
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self.setRecursiveFilteringEnabled(True)

    @property
    def row_filter(self) -> RowFilter:
        return self._filter

    def set_row_filter(self, row_filter: RowFilter) -> None:
        if row_filter != self._filter:
            self.beginFilterChange()
            self._filter = row_filter
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def row_at(self, proxy_row: int, parent: ModelIndex = QModelIndex()) -> ReviewRow | None:  # noqa: B008
        return self.row_of(self.index(proxy_row, 0, parent))

    @staticmethod
    def row_of(index: ModelIndex) -> ReviewRow | None:
        value = index.data(ROW_ROLE) if index.isValid() else None
        return value if isinstance(value, ReviewRow) else None

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802
        row = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        if not isinstance(row, ReviewRow):
            return False
        if row.is_work and row.matches:
            return False  # shown through its matches (recursive filtering), never on its own
        return self._filter.accepts(row)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:  # noqa: N802
        left_row, right_row = left.data(ROW_ROLE), right.data(ROW_ROLE)
        if not isinstance(left_row, ReviewRow) or not isinstance(right_row, ReviewRow):
            return False
        return left_row.sort_key(left.column()) < right_row.sort_key(right.column())
