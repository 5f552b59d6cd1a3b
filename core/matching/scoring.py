"""Which pHash candidates are accepted, and how sure each one is (the score that ranks them for review).

Acceptance. The matcher searches the work's own pHash ("original") and its canonical variants
(core/matching/variants.py) within the user's threshold `max_distance` (default `DEFAULT_MAX_DISTANCE`). Each
variant is one more query against hundreds of millions of rows, so one more chance of a collision with an
unrelated picture; measured on the recall corpus (bench/eval_recall.py), a geometric variant (border, bars,
crop) accepted at the same threshold as the original (8) found 4 more copies in 100 but nearly doubled the false
positives, and against 747 million rows each such query would add about 0.5 chance hits per work, so geometric
variants are accepted `VARIANT_MARGIN` bits tighter (6: about 0.01 chance hits per query at that scale). The rule, `accepts`:
- "original" and the transparency variants ("flattened", "matted-black": the same picture, only its
  transparent pixels resolved) are accepted at distance <= max_distance;
- every other (geometric) variant at distance <= max_distance - VARIANT_MARGIN.
Nothing else is dropped: every accepted candidate is kept and only ordered by `phash_score`.

Score. A logistic function of the evidence, fitted on the selection corpus (seed 1; the reported figures come
from another seed): the Hamming distance (the strongest evidence), whether a geometric variant was needed, and
how far the row's published width/height is from the aspect ratio the variant implies (a resized copy keeps
the aspect ratio; COYO publishes width and height). It is strictly decreasing in the distance, so among
candidates of one kind and one aspect agreement a closer hash always ranks first.
"""

from __future__ import annotations

import math

from core.matching.variants import ALPHA_VARIANTS, variant_size

DEFAULT_MAX_DISTANCE = 8
VARIANT_MARGIN = 2
EXACT_CONTENT_VARIANTS = frozenset({"original", *ALPHA_VARIANTS})

# Logistic coefficients (see the module docstring); the aspect term saturates so one odd size cannot dominate.
_INTERCEPT = 6.0
_PER_BIT = 0.55
_GEOMETRIC = 0.8
_PER_LOG_ASPECT = 10.0
_ASPECT_CAP = 0.4
_UNKNOWN_ASPECT = 0.1  # the typical mismatch of a true copy, used when a size is unknown


def accepts(distance: int, variant: str, max_distance: int = DEFAULT_MAX_DISTANCE) -> bool:
    """Whether a candidate found through `variant` at `distance` is accepted (see the module docstring)."""
    if variant in EXACT_CONTENT_VARIANTS:
        return distance <= max_distance
    return distance <= max_distance - VARIANT_MARGIN


def aspect_mismatch(variant: str, work_size: tuple[int, int] | None, row_size: tuple[int, int] | None) -> float | None:
    """|log(expected aspect / row aspect)| for a copy shaped like `variant`; None when a size is unknown."""
    if not work_size or not row_size or min(*work_size, *row_size) <= 0:
        return None
    expected = variant_size(variant, work_size)
    return abs(math.log((expected[0] / expected[1]) / (row_size[0] / row_size[1])))


def phash_score(
    distance: int, variant: str, work_size: tuple[int, int] | None, row_size: tuple[int, int] | None
) -> float:
    """How sure a pHash candidate is, in [0, 1]; higher ranks first. Strictly decreasing in `distance`."""
    mismatch = aspect_mismatch(variant, work_size, row_size)
    evidence = (
        _INTERCEPT
        - _PER_BIT * distance
        - (0.0 if variant in EXACT_CONTENT_VARIANTS else _GEOMETRIC)
        - _PER_LOG_ASPECT * min(_ASPECT_CAP, _UNKNOWN_ASPECT if mismatch is None else mismatch)
    )
    return 1.0 / (1.0 + math.exp(-evidence))
