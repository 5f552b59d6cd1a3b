"""A dataset row within the threshold of two works is listed for the closer one only (ties for both)."""

from __future__ import annotations

from core.matching.engine import attribute_rows


def test_a_row_goes_to_the_closest_work_and_ties_keep_both() -> None:
    best = {
        (1, 100): (2, "original", 0xA),
        (2, 100): (7, "original", 0xB),  # the same row, further from work 2: work 1 explains it
        (1, 200): (5, "crop-5", 0xC),
        (2, 200): (5, "original", 0xD),  # a tie: both stay
        (3, 300): (8, "original", 0xE),
    }
    kept = attribute_rows(best)
    assert set(kept) == {(1, 100), (1, 200), (2, 200), (3, 300)}
    assert kept[(1, 100)] == best[(1, 100)]
