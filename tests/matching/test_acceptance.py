"""The acceptance step (`records.best_phash_pairs`): shaped variants count only against rows of their shape, and
every narrowing before it (the engine's prefilter, the batch's radius groups) keeps what it accepts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.batch.hashlist import HashList
from core.batch.queries import build_query_set
from core.matching.records import WorkQuery, best_phash_pairs
from core.matching.scoring import within_reach
from core.profile import Profile
from tests.matching.test_scoring import VARIANTS

WORK_SIZES = [(1500, 1000), (1000, 1500), (800, 800), None]
ROW_SIZES = [None, (600, 600), (750, 500), (720, 500), (1080, 1350), (1280, 720), (500, 750)]

candidates = st.lists(
    st.tuples(
        st.integers(1, 4), st.integers(0, 6), st.sampled_from(VARIANTS), st.integers(0, 2**64 - 1), st.integers(0, 16)
    ),  # fmt: skip
    max_size=40,
)


def _works(sizes: list[tuple[int, int] | None]) -> dict[int, WorkQuery]:
    return {i: WorkQuery(i, f"w{i}.png", "0" * 64, (("original", 0),), sizes[i - 1]) for i in range(1, 5)}


@settings(max_examples=300, deadline=None)
@given(candidates, st.lists(st.sampled_from(WORK_SIZES), min_size=4, max_size=4),
       st.lists(st.sampled_from(ROW_SIZES), min_size=7, max_size=7), st.integers(4, 14))  # fmt: skip
def test_the_engines_prefilter_never_drops_what_the_rule_accepts(
    found: list[tuple[int, int, str, int, int]],
    work_sizes: list[tuple[int, int] | None],
    row_sizes: list[tuple[int, int] | None],
    threshold: int,
) -> None:
    """The engine reads back only the rows of candidates within reach (`within_reach`) before the rule looks at
    their sizes: the accepted pairs are exactly those of the rule applied to every candidate."""
    works, sizes = _works(work_sizes), dict(enumerate(row_sizes))
    everything = best_phash_pairs(found, threshold, works, sizes)
    narrowed = [c for c in found if within_reach(c[4], c[2], threshold)]
    assert best_phash_pairs(narrowed, threshold, works, sizes) == everything


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(VARIANTS), min_size=1, max_size=12, unique=True), st.integers(2, 12),
       st.sampled_from(WORK_SIZES[:3]))  # fmt: skip
def test_batch_radius_groups_search_each_variant_as_wide_as_the_rule_can_accept(
    names: list[str], threshold: int, size: tuple[int, int]
) -> None:
    """A batch searches each variant in the group of its radius: that radius is never below the widest distance
    the rule accepts it at, for any row."""
    work = WorkQuery(
        7, "w.png", "a" * 64, tuple((name, index) for index, name in enumerate(["original", *names])), size
    )
    queries = build_query_set([HashList("owner", Profile(), (work,))], threshold)
    radius_of = {}
    for group in queries.phash_groups:
        for value_index in range(len(group.values)):
            for at in group.entries.holders(value_index):
                radius_of[queries.variant_names[group.entries.variant[at]]] = group.radius
    for name in names:
        widest = max(
            (
                d
                for d in range(threshold + 1)
                if any(best_phash_pairs([(7, 0, name, 0, d)], threshold, {7: work}, {0: row}) for row in ROW_SIZES)
            ),
            default=-1,
        )
        if widest >= 0:
            assert radius_of[name] >= widest


def test_a_square_row_is_a_padded_copy_and_a_wide_one_is_not() -> None:
    works = _works([(1500, 1000), None, None, None])
    found = [(1, 0, "pad-1x1-white", 5, 4), (1, 1, "pad-1x1-white", 5, 4), (1, 2, "pad-1x1-white", 5, 4)]
    best = best_phash_pairs(found, 8, works, {0: (600, 600), 1: (750, 500), 2: None})
    assert set(best) == {(1, 0)}
