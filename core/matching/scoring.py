"""Which pHash candidates are accepted, and how sure each one is (the score that ranks them for review).

Acceptance. The matcher searches the work's own pHash ("original") and its canonical variants
(core/variants.py) within the user's threshold `max_distance` (default `DEFAULT_MAX_DISTANCE`). Each
variant is one more query against hundreds of millions of rows, so one more chance of a collision with an
unrelated picture; measured on the recall corpus (bench/eval_recall.py), a geometric variant (border, bars,
crop) accepted at the same threshold as the original (8) found 4 more copies in 100 but nearly doubled the false
positives, and against 747 million random-like rows each such query would draw about 0.5 chance hits, so geometric
variants are accepted `VARIANT_MARGIN` bits tighter (6: about 0.01 chance hits per query at that scale). Crop
variants are the least specific (a crop of a work looks like its look-alikes too): on the selection corpus,
holding them `CROP_MARGIN` bits tighter still removed 23 % of the false pairs for 3 % of the copies.
The rule, `accepts` (`margin` gives the number of bits per variant):
- "original" and the transparency variants ("flattened", "matted-black": the same picture, only its
  transparent pixels resolved) are accepted at distance <= max_distance;
- borders and bars at distance <= max_distance - VARIANT_MARGIN; crops at <= max_distance - CROP_MARGIN.
Nothing else is dropped: every accepted candidate is kept and only ordered by `phash_score`.

Score. A logistic function of the evidence, fitted on the selection corpus (seed 1; bench/README.md reports
another seed): the Hamming distance (the strongest evidence), whether a geometric variant was needed, and
how far the row's published width/height is from the aspect ratio the variant implies (a resized copy keeps
the aspect ratio; COYO publishes width and height). It is strictly decreasing in the distance, so among
candidates of one kind and one aspect agreement a closer hash always ranks first.
"""

from __future__ import annotations

import math

from core.settings import DEFAULT_MAX_DISTANCE as DEFAULT_MAX_DISTANCE  # re-exported; chosen as described above
from core.variants import ALPHA_VARIANTS, variant_size

VARIANT_MARGIN = 2
CROP_MARGIN = 4
EXACT_CONTENT_VARIANTS = frozenset({"original", *ALPHA_VARIANTS})

# Logistic coefficients, fitted (Newton, maximum likelihood) on the (work, row) pairs of the selection corpus within
# distance 12 (original) / 10 (variants): intercept 6.37, 0.40 per bit, 22.7 per unit of |log aspect ratio|. The
# geometric-variant term fitted to about 0 there (every chain is equally frequent in the corpus); it is kept at 0.3
# as a prior, because in the wild most copies are plain resizes. The aspect term saturates at a mismatch of 0.4
# so one odd size cannot bury a close hash. The score ranks; it is not a calibrated probability (the share of true
# pairs in a corpus is not that of a 700-million-row dataset).
_INTERCEPT = 6.4
_PER_BIT = 0.4
_GEOMETRIC = 0.3
_PER_LOG_ASPECT = 22.0
_ASPECT_CAP = 0.4
_UNKNOWN_ASPECT = 0.05  # used when a size is unknown: between a true copy's median (0.002) and 90th centile (0.06)


def accepts(distance: int, variant: str, max_distance: int | None = None) -> bool:
    """Whether a candidate found through `variant` at `distance` is accepted (see the module docstring).

    Pass the threshold the search used as `max_distance`. Without it, the range search is trusted to have applied
    the user's threshold to the work and its transparency variants, and geometric variants are held to
    DEFAULT_MAX_DISTANCE minus their margin, so a caller that omits it never loses a hit on the work itself."""
    if variant in EXACT_CONTENT_VARIANTS:
        return max_distance is None or distance <= max_distance
    limit = DEFAULT_MAX_DISTANCE if max_distance is None else max_distance
    return distance <= limit - margin(variant)


def margin(variant: str) -> int:
    """How many bits tighter than the threshold a hit through `variant` must be (0 for the work itself)."""
    if variant in EXACT_CONTENT_VARIANTS:
        return 0
    return CROP_MARGIN if variant.startswith("crop-") else VARIANT_MARGIN


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
