"""The results model and its proxy, without widgets: rows keyed by id, targeted updates, filters, sorting."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSortFilterProxyModel, Qt

from core.catalogue.matches import Match
from core.catalogue.works import Work
from gui.models import NO_MATCH, UNREADABLE, Column, ResultsModel, ReviewProxy, RowFilter, build_rows


def work(work_id: int, name: str, ok: bool = True) -> Work:
    return Work(
        id=work_id, path=f"/art/{name}", size=100, mtime_ns=1, sha256="ab" * 32 if ok else None,
        phash=(1 << 64) - work_id if ok else None, dhash=None, whash=None, colorhash=None, width=10, height=10,
        format="PNG", status="ok" if ok else "unreadable", reason=None if ok else "truncated file",
        reason_code=None if ok else "truncated", first_seen="t", scanned_at="t",
    )  # fmt: skip


def match(match_id: int, work_id: int | None, kind: str, distance: int | None, score: float, **extra: object) -> Match:
    values = dict(
        id=match_id, work_id=work_id, work_path=f"/art/w{work_id}.png" if work_id else None, work_sha256=None,
        dataset="coyo", row_id=f"row{match_id}", kind=kind, distance=distance, score=score, url=None, caption=None,
        published_hash=None, evidence="e", coverage="full", source="local", found_at="t", status="candidate",
        note="", decided_at=None,
    )  # fmt: skip
    values.update(extra)
    return Match(**values)  # type: ignore[arg-type]


WORKS = [work(1, "w1.png"), work(2, "w2.png"), work(3, "broken.png", ok=False)]
MATCHES = [
    match(10, 1, "phash", 3, 0.95),
    match(11, 1, "sha256", None, 1.0, dataset="datacomp"),
    match(12, None, "text", None, 0.4, dataset="laion", caption="by Ada Okonkwo"),
    match(13, 1, "phash", 12, 0.8, status="rejected"),
]


def test_one_row_per_match_plus_unmatched_works() -> None:
    rows = {row.key: row for row in build_rows(WORKS, MATCHES)}
    assert set(rows) == {"m10", "m11", "m12", "m13", "w2", "w3"}
    assert rows["w2"].status == NO_MATCH
    assert rows["w3"].status == UNREADABLE and not rows["w3"].thumbnail_ok
    assert rows["m12"].file_name == "(your profile)" and rows["m12"].path is None


def test_model_passes_the_qt_model_tester(qtmodeltester: object) -> None:
    model = ResultsModel()
    model.set_rows(build_rows(WORKS, MATCHES))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    proxy = ReviewProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)  # type: ignore[attr-defined]


def test_set_rows_updates_by_key_with_targeted_signals(qtbot: object) -> None:
    model = ResultsModel()
    model.set_rows(build_rows(WORKS, MATCHES))
    position = model.index_for_key("m10").row()
    changed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    decided = [dataclasses.replace(m, status="confirmed") if m.id == 10 else m for m in MATCHES if m.id != 13]
    model.set_rows(build_rows([*WORKS, work(4, "new.png")], decided))
    assert changed == [(model.index_for_key("m10").row(), model.index_for_key("m10").row())]
    assert len(removed) == 1 and len(inserted) == 1
    assert model.row_for_key("m10").status == "confirmed"  # type: ignore[union-attr]
    assert model.row_for_key("m13") is None
    assert model.index_for_key("m10").row() == position  # rows before a removed one keep their place


def test_filters() -> None:
    model = ResultsModel()
    model.set_rows(build_rows(WORKS, MATCHES))
    proxy = ReviewProxy()
    proxy.setSourceModel(model)

    def keys(row_filter: RowFilter) -> set[str]:
        proxy.set_row_filter(row_filter)
        return {proxy.row_at(position).key for position in range(proxy.rowCount())}  # type: ignore[union-attr]

    assert keys(RowFilter(kind="phash")) == {"m10", "m13"}
    assert keys(RowFilter(dataset="laion")) == {"m12"}
    assert keys(RowFilter(status="rejected")) == {"m13"}
    assert keys(RowFilter(status=UNREADABLE)) == {"w3"}
    assert keys(RowFilter(kind="phash", max_distance=5)) == {"m10"}
    assert keys(RowFilter(text="OKONKWO")) == {"m12"}  # case-insensitive, in the caption
    assert keys(RowFilter(text="w2.png")) == {"w2"}
    assert len(keys(RowFilter())) == 6


def test_sorting_uses_python_comparisons_not_qt_numbers() -> None:
    huge = [match(20 + i, 1, "clip", None, score) for i, score in enumerate((0.5, 0.9, 0.7))]
    model = ResultsModel()
    model.set_rows(build_rows([], [*MATCHES[:2], *huge, match(30, 1, "phash", 63, 0.0)]))
    proxy = ReviewProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.MEASURE, Qt.SortOrder.AscendingOrder)
    order = [proxy.row_at(position).key for position in range(proxy.rowCount())]  # type: ignore[union-attr]
    assert order == ["m10", "m30", "m11", "m21", "m22", "m20"]  # distances up, then scores down
    proxy.sort(Column.FILE, Qt.SortOrder.DescendingOrder)
    assert proxy.sortRole() == proxy.sortRole()
    assert isinstance(proxy, QSortFilterProxyModel)


def test_display_and_accessibility_roles() -> None:
    model = ResultsModel()
    model.set_rows(build_rows(WORKS, MATCHES))
    row = model.index_for_key("m10").row()
    assert model.index(row, Column.KIND).data() == "look-alike"
    assert model.index(row, Column.MEASURE).data() == "distance 3"
    assert model.index(row, Column.THUMBNAIL).data(Qt.ItemDataRole.AccessibleTextRole) == "Thumbnail of w1.png"
    assert model.headerData(Column.THUMBNAIL, Qt.Orientation.Horizontal, Qt.ItemDataRole.AccessibleTextRole)
    sha_row = model.index_for_key("m11").row()
    assert model.index(sha_row, Column.MEASURE).data() == "exact"
