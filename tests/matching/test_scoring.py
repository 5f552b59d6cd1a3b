"""The acceptance rule and the ranking score of pHash candidates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.matching.scoring import (
    CROP_MARGIN,
    DEFAULT_MAX_DISTANCE,
    VARIANT_MARGIN,
    accepts,
    aspect_mismatch,
    margin,
    phash_score,
)
from core.variants import GEOMETRIES

VARIANTS = ["original", "flattened", "matted-black", *GEOMETRIES]
sizes = st.one_of(st.none(), st.tuples(st.integers(1, 8000), st.integers(1, 8000)))


@given(st.integers(0, 63), st.sampled_from(VARIANTS), sizes, sizes)
def test_score_is_in_unit_range_and_strictly_decreasing_in_distance(
    distance: int, variant: str, work: tuple[int, int] | None, row: tuple[int, int] | None
) -> None:
    score = phash_score(distance, variant, work, row)
    assert 0.0 <= score <= 1.0
    assert phash_score(distance + 1, variant, work, row) < score


def test_exact_copy_of_the_work_scores_near_one_and_far_hashes_near_zero() -> None:
    assert phash_score(0, "original", (3000, 2000), (1024, 683)) > 0.99
    assert phash_score(30, "original", (3000, 2000), (1024, 683)) < 0.01


def test_agreeing_aspect_ratio_ranks_above_a_disagreeing_one() -> None:
    agree = phash_score(6, "original", (3000, 2000), (900, 600))
    disagree = phash_score(6, "original", (3000, 2000), (600, 900))
    unknown = phash_score(6, "original", (3000, 2000), None)
    assert agree > unknown > disagree


def test_a_variant_is_judged_by_the_aspect_it_implies() -> None:
    """A letterboxed copy of a 3:2 work is taller than 3:2: that agrees with the bars variant, not the work."""
    work, copy = (1500, 1000), (750, 580)  # bars of 8 % above and below, then resized
    assert aspect_mismatch("bars-tb-8-black", work, copy) == pytest.approx(0.0, abs=0.01)
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
def test_accepts_geometric_variants_only_inside_the_stricter_margin(threshold: int) -> None:
    for variant in GEOMETRIES:
        tighter = CROP_MARGIN if variant.startswith("crop-") else VARIANT_MARGIN
        assert margin(variant) == tighter
        assert accepts(threshold - tighter, variant, threshold)
        assert not accepts(threshold - tighter + 1, variant, threshold)


def test_accepts_without_a_threshold_trusts_the_search_for_the_work_and_holds_variants_to_the_default() -> None:
    """The range search already applied the user's threshold: a hit on the work itself is never refused."""
    assert accepts(DEFAULT_MAX_DISTANCE + 4, "original") and accepts(DEFAULT_MAX_DISTANCE + 4, "flattened")
    assert accepts(DEFAULT_MAX_DISTANCE - VARIANT_MARGIN, "border-2-white")
    assert not accepts(DEFAULT_MAX_DISTANCE - VARIANT_MARGIN + 1, "border-2-white")
    assert accepts(DEFAULT_MAX_DISTANCE - CROP_MARGIN, "crop-5")
    assert not accepts(DEFAULT_MAX_DISTANCE - CROP_MARGIN + 1, "crop-5")
