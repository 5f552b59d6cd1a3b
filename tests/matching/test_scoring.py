"""The acceptance rule and the ranking score of pHash candidates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.matching.scoring import (
    DEFAULT_MAX_DISTANCE,
    ODD_SHAPE_VARIANTS,
    SHAPE_SLACK,
    VARIANT_MARGIN,
    accepts,
    aspect_mismatch,
    fits_odd_shape,
    fits_shape,
    is_standard_shape,
    margin,
    phash_score,
    query_radii,
    search_radius,
    within_reach,
)
from core.variants import GEOMETRIES, RATIOS, ratio_name

SHAPED = [
    "mirror",
    *(f"{m}pad-{ratio_name(r)}-{c}" for r in RATIOS for c in ("white", "black") for m in ("", "mirror-")),
    *(f"fit-{ratio_name(r)}" for r in RATIOS),
]
VARIANTS = ["original", "flattened", "matted-black", *GEOMETRIES, *SHAPED, "some-future-variant"]
sizes = st.one_of(st.none(), st.tuples(st.integers(1, 8000), st.integers(1, 8000)))


@given(st.integers(0, 63), st.sampled_from(VARIANTS), sizes, sizes, st.one_of(st.none(), st.integers(0, 64)))
def test_score_is_in_unit_range_and_strictly_decreasing_in_distance(
    distance: int, variant: str, work: tuple[int, int] | None, row: tuple[int, int] | None, bits: int | None
) -> None:
    score = phash_score(distance, variant, work, row, bits)
    assert 0.0 <= score <= 1.0
    assert phash_score(distance + 1, variant, work, row, bits) < score


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 16), st.sampled_from(VARIANTS), st.integers(0, 16), sizes, sizes)
def test_the_search_never_drops_what_the_rule_accepts(
    distance: int, variant: str, threshold: int, work: tuple[int, int] | None, row: tuple[int, int] | None
) -> None:
    """The index, the streaming kernel and the engine search a variant within threshold - margin(variant) only
    (`within_reach`): whatever the work's and the row's sizes, nothing outside it is ever accepted."""
    if accepts(distance, variant, threshold, work, row):
        assert within_reach(distance, variant, threshold)
        assert distance <= threshold - margin(variant)
        assert distance <= search_radius(variant, threshold)


@given(st.lists(st.tuples(st.sampled_from(VARIANTS), st.integers(0, 7)), max_size=30), st.integers(0, 16))
def test_each_query_hash_is_searched_at_the_widest_radius_of_its_variants(
    held: list[tuple[str, int]], threshold: int
) -> None:
    values, radii = query_radii(held, threshold)
    assert values.tolist() == sorted({value for _, value in held})
    for value, radius in zip(values.tolist(), radii.tolist(), strict=True):
        assert radius == max(search_radius(variant, threshold) for variant, held_value in held if held_value == value)
        assert 0 <= radius <= 16


def test_exact_copy_of_a_detailed_work_scores_near_one_whatever_the_published_size() -> None:
    """An exact pHash of a textured work is at the top of the list, even when the row's published size disagrees
    (main's score gave 0.08 there); far hashes are near zero."""
    assert phash_score(0, "original", (3000, 2000), (1024, 683), 64) > 0.99
    assert phash_score(0, "original", (3000, 2000), (400, 1200), 64) > 0.97
    assert phash_score(30, "original", (3000, 2000), (1024, 683), 64) < 0.01


def test_a_work_with_little_detail_scores_lower_at_the_same_distance() -> None:
    detailed = phash_score(6, "original", (3000, 2000), (900, 600), 60)
    faint = phash_score(6, "original", (3000, 2000), (900, 600), 28)
    assert faint < detailed and phash_score(6, "original", (3000, 2000), (900, 600), None) == detailed


def test_agreeing_aspect_ratio_ranks_above_a_disagreeing_one() -> None:
    agree = phash_score(6, "original", (3000, 2000), (900, 600))
    disagree = phash_score(6, "original", (3000, 2000), (600, 900))
    unknown = phash_score(6, "original", (3000, 2000), None)
    assert agree > unknown > disagree


def test_a_variant_is_judged_by_the_aspect_it_implies() -> None:
    """A copy of a 3:2 work padded to a square is square: that agrees with the padded variant, not the work."""
    work, copy = (1500, 1000), (600, 600)
    assert aspect_mismatch("pad-1x1-white", work, copy) == pytest.approx(0.0, abs=0.01)
    assert aspect_mismatch("bars-tb-8-black", work, (750, 580)) == pytest.approx(0.0, abs=0.01)
    assert aspect_mismatch("original", work, copy) > 0.1
    assert aspect_mismatch("original", None, copy) is None


def test_geometric_variant_ranks_below_the_work_itself_at_equal_evidence() -> None:
    assert phash_score(4, "crop-5", None, None) < phash_score(4, "original", None, None)
    assert phash_score(4, "flattened", None, None) == phash_score(4, "original", None, None)


@pytest.mark.parametrize("threshold", [6, 8, 10, 14])
def test_accepts_the_work_and_alpha_variants_up_to_the_threshold(threshold: int) -> None:
    for variant in ("original", "flattened", "matted-black"):
        assert accepts(threshold, variant, threshold)
        assert not accepts(threshold + 1, variant, threshold)


@pytest.mark.parametrize("threshold", [6, 8, 10, 14])
def test_borders_and_crops_are_accepted_at_the_stricter_margin_on_any_row(threshold: int) -> None:
    for variant in ("border-2-white", "border-3.5-black", "border-5-white", "crop-5", "crop-4-left"):
        for row in (None, (500, 500), (1600, 900), (1300, 1000)):
            assert accepts(threshold - VARIANT_MARGIN, variant, threshold, (1500, 1000), row)


@pytest.mark.parametrize("threshold", [6, 8, 10, 14])
def test_variants_of_older_sets_stay_inside_the_stricter_margin(threshold: int) -> None:
    """And so do the crops of one side: the fewest copies per query searched at the threshold."""
    for variant in ("bars-tb-8-black", "crop-5-right", "crop-4-left", "crop-4-bottom", "some-future-variant"):
        assert margin(variant) == VARIANT_MARGIN
        for row in (None, (500, 500), (1600, 900), (1300, 1000)):
            assert accepts(threshold - VARIANT_MARGIN, variant, threshold, (1500, 1000), row)
            assert not accepts(threshold - VARIANT_MARGIN + 1, variant, threshold, (1500, 1000), row)


def test_a_frame_reaches_the_threshold_against_a_row_of_about_its_odd_shape_only() -> None:
    """A 3:2 work in a frame of 5 % of its short side is 1.43:1; so is a framed copy cut by a few percent, about.
    Such a row admits the frame at the threshold; a row of a standard shape (3:2 here, 4 % off the frame's) does
    not, nor a row far from the frame's shape, nor an unknown size."""
    work, threshold = (1500, 1000), DEFAULT_MAX_DISTANCE
    assert margin("border-5-white") == 0
    assert accepts(threshold, "border-5-white", threshold, work, (1600, 1100))  # the frame's own shape
    assert accepts(threshold, "border-5-white", threshold, work, (1400, 1000))  # 2 % narrower: a crop too
    assert not accepts(threshold, "border-5-white", threshold, work, (1500, 1000))  # 3:2, a standard shape
    assert not accepts(threshold, "border-5-white", threshold, work, (1000, 1000))  # far
    assert not accepts(threshold, "border-5-white", threshold, work, None)
    assert not accepts(threshold + 1, "border-5-white", threshold, work, (1600, 1100))


def test_a_standard_shaped_row_is_refused_only_where_it_is_not_the_variants_own_shape() -> None:
    """A framed square is square, so a square row admits it; a square row does not admit a crop of one side."""
    assert accepts(DEFAULT_MAX_DISTANCE, "border-2-white", DEFAULT_MAX_DISTANCE, (1000, 1000), (500, 500))
    assert not accepts(DEFAULT_MAX_DISTANCE, "crop-4-left", DEFAULT_MAX_DISTANCE, (1000, 1000), (500, 500))
    assert accepts(DEFAULT_MAX_DISTANCE, "crop-5", DEFAULT_MAX_DISTANCE, (1000, 1000), (520, 500))  # odd, near
    assert not accepts(DEFAULT_MAX_DISTANCE, "crop-5", DEFAULT_MAX_DISTANCE, (1450, 1000), (750, 500))  # 3:2


@settings(max_examples=300)
@given(st.sampled_from(sorted(ODD_SHAPE_VARIANTS)), st.tuples(st.integers(50, 6000), st.integers(50, 6000)), sizes)
def test_an_odd_shape_admits_only_near_the_variants_shape_and_never_a_standard_shape_beside_it(
    variant: str, work: tuple[int, int], row: tuple[int, int] | None
) -> None:
    if fits_odd_shape(variant, work, row):
        assert row is not None
        assert fits_shape(variant, work, row, SHAPE_SLACK)
        assert not is_standard_shape(row) or fits_shape(variant, work, row, sized=True)
        assert accepts(DEFAULT_MAX_DISTANCE, variant, DEFAULT_MAX_DISTANCE, work, row)
    else:
        assert not accepts(DEFAULT_MAX_DISTANCE, variant, DEFAULT_MAX_DISTANCE, work, row)


def test_standard_shapes_within_rounding() -> None:
    assert is_standard_shape((1080, 1350)) and is_standard_shape((1281, 720)) and is_standard_shape((500, 500))
    assert not is_standard_shape((1440, 1000)) and not is_standard_shape((1000, 1700))


def test_a_padded_variant_counts_only_against_rows_of_its_shape() -> None:
    work = (1500, 1000)
    limit = DEFAULT_MAX_DISTANCE - VARIANT_MARGIN
    assert accepts(limit, "pad-1x1-white", DEFAULT_MAX_DISTANCE, work, (1080, 1080))
    assert accepts(limit, "pad-1x1-white", DEFAULT_MAX_DISTANCE, work, (601, 600))  # rounding
    assert not accepts(limit + 1, "pad-1x1-white", DEFAULT_MAX_DISTANCE, work, (1080, 1080))
    assert not accepts(0, "pad-1x1-white", DEFAULT_MAX_DISTANCE, work, (1080, 1350))  # a 4:5 row
    assert not accepts(0, "pad-1x1-white", DEFAULT_MAX_DISTANCE, work, None)  # a dataset without sizes
    assert accepts(0, "pad-4x5-black", DEFAULT_MAX_DISTANCE, work, (1080, 1350))
    assert accepts(0, "fit-16x9", DEFAULT_MAX_DISTANCE, work, (1280, 720))
    assert not accepts(0, "fit-16x9", DEFAULT_MAX_DISTANCE, work, (1500, 1000))


def test_a_mirrored_copy_keeps_the_works_shape() -> None:
    assert accepts(4, "mirror", 8, (1500, 1000), (750, 500))
    assert not accepts(4, "mirror", 8, (1500, 1000), (500, 500))
    assert not accepts(4, "mirror", 8, None, (750, 500))  # the work's size unknown: no shape to check
    assert accepts(4, "mirror-pad-1x1-white", 8, (1500, 1000), (500, 500))


def test_a_corner_crop_reaches_the_threshold_only_against_a_row_of_about_its_shape() -> None:
    """4 % off the top and right of a 1.45:1 work is a 1.45:1 copy: a row of about that shape admits the crop at
    the threshold itself; a 3:2 row (a standard shape, 3 % off) or a square one only at the stricter margin."""
    work, threshold = (1450, 1000), DEFAULT_MAX_DISTANCE
    assert margin("crop-4-top-right") == 0
    assert accepts(threshold, "crop-4-top-right", threshold, work, (725, 500))
    assert accepts(threshold, "crop-4-top-right", threshold, work, (700, 500))  # and cut a little more
    assert not accepts(threshold, "crop-4-top-right", threshold, work, (750, 500))  # 3:2: a standard shape
    assert not accepts(threshold, "crop-4-top-right", threshold, work, (500, 500))
    assert accepts(threshold - VARIANT_MARGIN, "crop-4-top-right", threshold, work, (750, 500))
    assert not accepts(threshold, "crop-4-top-right", threshold, work, None)
    assert not accepts(threshold + 1, "crop-4-top-right", threshold, work, (725, 500))


def test_the_variants_searched_at_the_threshold() -> None:
    assert ODD_SHAPE_VARIANTS == {
        "border-2-white", "border-3.5-black", "border-5-white", "crop-5",
        "crop-4-top-left", "crop-4-top-right", "crop-4-bottom-left", "crop-4-bottom-right",
    }  # fmt: skip


@given(st.sampled_from([g for g in GEOMETRIES if g.startswith("crop-")]), st.integers(50, 5000), st.integers(50, 5000))
def test_fits_shape_admits_the_crops_own_shape_and_nothing_beyond_the_slack(name: str, width: int, height: int) -> None:
    geometry = GEOMETRIES[name]
    cropped = geometry.size(width, height)
    if min(cropped) < 50:
        return
    assert fits_shape(name, (width, height), cropped, SHAPE_SLACK)
    far = (round(cropped[0] * 1.2), cropped[1])
    assert not fits_shape(name, (width, height), far, SHAPE_SLACK)


def test_accepts_without_a_threshold_trusts_the_search_for_the_work_and_holds_variants_to_the_default() -> None:
    """The range search already applied the user's threshold: a hit on the work itself is never refused."""
    assert accepts(DEFAULT_MAX_DISTANCE + 4, "original") and accepts(DEFAULT_MAX_DISTANCE + 4, "flattened")
    assert accepts(DEFAULT_MAX_DISTANCE - VARIANT_MARGIN, "border-2-white")
    assert not accepts(DEFAULT_MAX_DISTANCE - VARIANT_MARGIN + 1, "border-2-white")
