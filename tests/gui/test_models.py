"""The review model and its proxy, without widgets: works with their matches under them (surest first), the
profile's matches under the profile, rows keyed by id, targeted updates, filters, sorting, highlighted spans."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSortFilterProxyModel, Qt

from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.highlights import Highlights
from gui.models import ResultsModel, ReviewProxy, RowFilter
from gui.review_rows import (
    NO_MATCH,
    NOT_FOUND,
    NOT_SEARCHED,
    PROFILE_KEY,
    PROFILE_TITLE,
    SPANS_ROLE,
    UNREADABLE,
    Column,
    build_groups,
    build_rows,
)


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


def test_works_are_grouped_with_their_matches_surest_first() -> None:
    groups = {group.key: (group, [child.key for child in children]) for group, children in build_groups(WORKS, MATCHES)}
    assert set(groups) == {"w1", "w2", "w3", PROFILE_KEY}
    assert groups["w1"][1] == ["m11", "m10", "m13"]  # identical file, then look-alikes by distance
    assert groups[PROFILE_KEY][1] == ["m12"] and groups[PROFILE_KEY][0].file_name == PROFILE_TITLE
    first = groups["w1"][0]
    assert first.matches == 3 and first.summary == "1 identical file, 2 look-alikes"
    assert first.status == "2 to review, 1 not mine" and first.closeness == "the same file, byte for byte"
    assert groups["w2"][0].status == NOT_FOUND
    assert groups["w3"][0].status == UNREADABLE and not groups["w3"][0].thumbnail_ok


def test_a_work_is_never_called_not_found_when_nothing_was_searched() -> None:
    groups = {group.key: group for group, _ in build_groups(WORKS, [], searched=False)}
    assert groups["w1"].status == groups["w2"].status == NOT_SEARCHED
    assert all("not found" not in group.status for group in groups.values())


def test_model_passes_the_qt_model_tester(qtmodeltester: object) -> None:
    model = ResultsModel()
    model.set_groups(build_groups(WORKS, MATCHES))
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    proxy = ReviewProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)  # type: ignore[attr-defined]


def test_set_groups_updates_by_key_with_targeted_signals(qtbot: object) -> None:
    model = ResultsModel()
    model.set_groups(build_groups(WORKS, MATCHES))
    position = model.index_for_key("m10").row()
    changed: list[str] = []
    inserted: list[tuple[bool, int, int]] = []
    removed: list[tuple[bool, int, int]] = []
    model.dataChanged.connect(lambda top, bottom, *_: changed.append(model.row_of(top).key))  # type: ignore[union-attr]
    model.rowsInserted.connect(lambda parent, first, last: inserted.append((parent.isValid(), first, last)))
    model.rowsRemoved.connect(lambda parent, first, last: removed.append((parent.isValid(), first, last)))
    decided = [dataclasses.replace(m, status="confirmed") if m.id == 10 else m for m in MATCHES if m.id != 13]
    model.set_groups(build_groups([*WORKS, work(4, "new.png")], decided))
    assert set(changed) == {"m10", "w1"}  # the match and its work's summary, nothing else
    assert removed == [(True, 2, 2)]  # m13, under its work
    assert inserted == [(False, 4, 4)]  # the new work, at the top level
    assert model.row_for_key("m10").status == "confirmed"  # type: ignore[union-attr]
    assert model.row_for_key("m13") is None
    assert model.index_for_key("m10").row() == position  # rows before a removed one keep their place
    assert model.parent(model.index_for_key("m10")) == model.index_for_key("w1")


def proxy_keys(proxy: ReviewProxy) -> list[str]:
    """Every visible row, each work followed by its visible matches."""
    keys: list[str] = []
    for position in range(proxy.rowCount()):
        parent = proxy.index(position, 0)
        keys.append(proxy.row_of(parent).key)  # type: ignore[union-attr]
        keys += [proxy.row_at(child, parent).key for child in range(proxy.rowCount(parent))]  # type: ignore[union-attr]
    return keys


def test_filters_show_a_work_with_the_matches_that_pass() -> None:
    model = ResultsModel()
    model.set_groups(build_groups(WORKS, MATCHES))
    proxy = ReviewProxy()
    proxy.setSourceModel(model)

    def keys(row_filter: RowFilter) -> set[str]:
        proxy.set_row_filter(row_filter)
        return set(proxy_keys(proxy))

    assert keys(RowFilter(kind="phash")) == {"w1", "m10", "m13"}
    assert keys(RowFilter(dataset="laion")) == {PROFILE_KEY, "m12"}
    assert keys(RowFilter(status="rejected")) == {"w1", "m13"}
    assert keys(RowFilter(status=UNREADABLE)) == {"w3"}
    assert keys(RowFilter(status=NO_MATCH)) == {"w2"}
    assert keys(RowFilter(kind="phash", max_distance=5)) == {"w1", "m10"}
    assert keys(RowFilter(text="OKONKWO")) == {PROFILE_KEY, "m12"}  # case-insensitive, in the caption
    assert keys(RowFilter(text="w2.png")) == {"w2"}
    assert len(keys(RowFilter())) == 8


def test_sorting_is_surest_first_with_python_comparisons() -> None:
    huge = [match(20 + i, 1, "clip", None, score) for i, score in enumerate((0.5, 0.9, 0.7))]
    model = ResultsModel()
    model.set_groups(
        build_groups(
            [work(1, "w1.png"), work(2, "w2.png")],
            [*MATCHES[:2], *huge, match(30, 1, "phash", 63, 0.0), match(40, 2, "phash", 1, 0.99)],
        )
    )
    proxy = ReviewProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.MEASURE, Qt.SortOrder.AscendingOrder)
    order = proxy_keys(proxy)
    # the work with an identical file first; within it distances up, then scores down
    assert order == ["w1", "m11", "m10", "m30", "m21", "m22", "m20", "w2", "m40"]
    proxy.sort(Column.FILE, Qt.SortOrder.DescendingOrder)
    assert [key for key in proxy_keys(proxy) if key.startswith("w")] == ["w2", "w1"]
    assert isinstance(proxy, QSortFilterProxyModel)


def test_display_roles_and_highlighted_spans() -> None:
    model = ResultsModel()
    spans = {12: Highlights(caption=((3, 14),))}
    model.set_groups(build_groups(WORKS, MATCHES, highlights=spans))
    look_alike = model.index_for_key("m10", Column.FILE)
    assert look_alike.data() == "look-alike"
    assert look_alike.siblingAtColumn(Column.MEASURE).data() == "nearly identical"
    assert "distance 3" in look_alike.siblingAtColumn(Column.MEASURE).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index_for_key("w1", Column.FILE).data() == "w1.png"
    assert model.index_for_key("w1", Column.MEASURE).data() == "the same file, byte for byte"
    name = model.index_for_key("m12", Column.CAPTION)
    assert name.data() == "by Ada Okonkwo" and name.data(SPANS_ROLE) == ((3, 14),)
    assert name.siblingAtColumn(Column.URL).data(SPANS_ROLE) == ()
    assert model.headerData(Column.CAPTION, Qt.Orientation.Horizontal) == "Caption"
    assert model.headerData(Column.URL, Qt.Orientation.Horizontal) == "URL"


def test_flat_rows_regroup() -> None:
    model = ResultsModel()
    model.set_rows(build_rows(WORKS, MATCHES))
    assert [row.key for row in model.works()] == ["w1", "w2", "w3", PROFILE_KEY]
    assert [row.key for row in model.children_of("w1")] == ["m11", "m10", "m13"]


def test_any_sequence_of_updates_leaves_the_model_equal_to_a_fresh_one(qtmodeltester: object) -> None:
    """Works and matches come and go in random order (a scan, matching, decisions, a removed dataset): the diffed
    model always holds exactly what a model built from scratch holds, children under the right parent."""
    import random

    chooser = random.Random(7)
    model = ResultsModel()
    qtmodeltester.check(model)  # type: ignore[attr-defined]  # keeps checking every signal from here on
    for _ in range(40):
        works = [work(i, f"w{i}.png", ok=chooser.random() > 0.1) for i in range(1, 12) if chooser.random() > 0.3]
        matches = [
            match(100 + i, chooser.choice([None, *range(1, 12)]), chooser.choice(["phash", "sha256", "url", "text"]),
                  chooser.randrange(0, 12), chooser.random(), status=chooser.choice(["candidate", "confirmed"]))
            for i in range(30) if chooser.random() > 0.5
        ]  # fmt: skip
        model.set_groups(build_groups(works, matches))
        fresh = ResultsModel()
        fresh.set_groups(build_groups(works, matches))
        assert sorted(row.key for row in model.works()) == sorted(row.key for row in fresh.works())
        for group in fresh.works():
            assert model.row_for_key(group.key) == group
            assert sorted(c.key for c in model.children_of(group.key)) == sorted(
                c.key for c in fresh.children_of(group.key)
            )
            for child in fresh.children_of(group.key):
                index = model.index_for_key(child.key)
                assert model.row_of(index) == child and model.row_of(model.parent(index)) == group
