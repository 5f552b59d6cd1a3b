"""Which pHash candidates are accepted, and how sure each one is (the score that ranks them for review).

Acceptance. The matcher searches the work's own pHash ("original") and its canonical variants
(core/variants.py) within the user's threshold `max_distance` (default `DEFAULT_MAX_DISTANCE`). Each
variant is one more query against hundreds of millions of rows, so one more chance of a collision with an
unrelated picture: against 747 million random-like rows a query accepted at distance 8 draws about 0.5 chance
hits, at distance 6 about 0.01. So geometric variants are accepted `VARIANT_MARGIN` bits tighter than the work
itself, and a variant that makes a copy of a known shape counts only against rows of that shape, as COYO
publishes each row's width and height (a row without them is matched by the shape-free queries only). The rule,
`accepts`:
- "original" and the transparency variants ("flattened", "matted-black": the same picture, only its
  transparent pixels resolved): distance <= max_distance;
- padded, centre-cropped and mirrored variants: distance <= max_distance - VARIANT_MARGIN, and only against a
  row whose published shape (width / height) is the variant's within rounding (`fits_shape`: a padded-to-square
  variant counts against square rows only; a mirrored copy keeps the work's shape);
- borders, corner crops and the 5 % crop of every side (`ODD_SHAPE_VARIANTS`): distance <= max_distance -
  VARIANT_MARGIN against any row, and up to max_distance against a row within `SHAPE_SLACK` of the variant's
  shape that is not itself of a standard shape (`core.variants.RATIOS`, within rounding) unless the variant's
  shape is exactly the row's (`fits_odd_shape`). The row's width and height select the geometry: a frame or a
  crop of a few percent, or both, leaves a copy of about the variant's shape, while a random row is of a
  standard shape more often than of any other, so excluding those rows costs little recall and most of the
  chance hits;
- crops of one side, and names of older variant sets: distance <= max_distance - VARIANT_MARGIN. (One-side crops
  at the threshold too found the fewest copies per query searched at the threshold, 7-13 on the two selection
  corpora each, and would take the queries searched at the threshold from 9 a work to 13.)
- names of older variant sets: distance <= max_distance - VARIANT_MARGIN.
Nothing else is dropped: every accepted candidate is kept and only ordered by `phash_score`. `margin` is how much
tighter than the threshold a variant is searched, so the index and the streaming kernel never look wider than
the rule can accept (tests/matching/test_scoring.py proves the search never drops what the rule accepts).

Score: how sure TrainTrace is that the row is a copy of the work, from the pHash evidence, in [0, 1]. 1.00 is
the same pHash as a detailed work; every differing bit lowers it, and so do a variant needed to reach the row, a
published width/height that disagrees with the shape the copy should have, and a work whose pHash holds little
detail (`core.hashing.informative_bits`). A logistic function of that evidence, fitted on the selection corpora
(seeds 1 and 2): on the held-out corpus (bench/README.md), accepted pairs scored 0.9 or more were copies of the
work in 99 % of cases. The shape term is capped so that no published size can bury an exact hash: an exact pHash
of a detailed work scores at least 0.97 (the old score, whose shape term reached 8.8 logits, gave 0.08). It is
strictly decreasing in the distance, so among candidates of one kind and one shape agreement a closer hash always
ranks first. Works too plain to match by picture are not searched by pHash at all (`WorkQuery.matchable_by_picture`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from core.index.phash_stream import MAX_STREAM_DISTANCE, distinct_radii
from core.settings import DEFAULT_MAX_DISTANCE as DEFAULT_MAX_DISTANCE  # re-exported; chosen as described above
from core.variants import ALPHA_VARIANTS, BORDERS, CROPS, RATIOS, shape_of, variant_size

VARIANT_MARGIN = 2
SHAPE_SLACK = 0.08  # |log| of the shape ratio, beyond rounding: 8 % (a crop of 2-8 % a side, a frame of 1-6 %)
ROUNDING_SLACK = 0.005  # beyond one pixel per side: canvases made by other software (1080 x 1350 for 4:5)
EXACT_CONTENT_VARIANTS = frozenset({"original", *ALPHA_VARIANTS})
ODD_SHAPE_VARIANTS = frozenset(  # of the current variant set
    geometry.name for geometry in (*BORDERS, *CROPS) if sum(1 for side in geometry.sides if side) != 1
)
_STANDARD_SHAPES = tuple(math.log(width / height) for width, height in RATIOS)

# Logistic coefficients, fitted (Newton, maximum likelihood) on the best (work, row) pair of each row within
# distance 12 (original) / 10 (variants) of the selection corpora (seeds 1 and 2, variant set 2): intercept 8.0,
# 0.67 per bit, 22 per unit of |log shape ratio| capped at 0.2 (AUC 0.975; uncapped at 0.4: 0.976, but an exact
# hash with an odd published size then scored 0.77), 1.1 for a geometric variant. The informative-bits term is a
# prior, not fitted (the corpus has no crowd of flat pictures, which is where such works collide): 0.1 per bit below
# 48, so a work with 24 informative bits at distance 8 scores about 0.5.
_INTERCEPT = 8.0
_PER_BIT = 0.67
_GEOMETRIC = 1.1
_PER_LOG_ASPECT = 22.0
_ASPECT_CAP = 0.2
_UNKNOWN_ASPECT = 0.05  # used when a size is unknown: between a true copy's median (0.002) and 90th centile (0.06)
_DETAILED_BITS = 48
_PER_MISSING_BIT = 0.1


def accepts(
    distance: int,
    variant: str,
    max_distance: int | None = None,
    work_size: tuple[int, int] | None = None,
    row_size: tuple[int, int] | None = None,
) -> bool:
    """Whether a candidate found through `variant` at `distance` is accepted (see the module docstring), for a
    work of `work_size` and a row published at `row_size` (None: unknown, and then a shaped variant never counts).

    Pass the threshold the search used as `max_distance`. Without it, the range search is trusted to have applied
    the user's threshold to the work and its transparency variants, and geometric variants are held to
    DEFAULT_MAX_DISTANCE minus their margin, so a caller that omits it never loses a hit on the work itself."""
    if variant in EXACT_CONTENT_VARIANTS:
        return max_distance is None or distance <= max_distance
    limit = DEFAULT_MAX_DISTANCE if max_distance is None else max_distance
    if distance > limit - margin(variant):
        return False
    if shape_of(variant, work_size) is not None:
        return distance <= limit - VARIANT_MARGIN and fits_shape(variant, work_size, row_size)
    if distance > limit - VARIANT_MARGIN:
        return fits_odd_shape(variant, work_size, row_size)
    return True


def within_reach(distance: int, variant: str, max_distance: int) -> bool:
    """Whether a hit through `variant` at `distance` may be accepted for some work and row size: the search for
    `variant` can stop at max_distance - `margin(variant)`, and a candidate outside it can be dropped unread."""
    return distance <= max_distance - margin(variant)


def margin(variant: str) -> int:
    """How many bits tighter than the threshold a hit through `variant` may be found at all (0 for the work itself
    and for `ODD_SHAPE_VARIANTS`, which a row of their odd shape admits at the threshold): the search radius is the
    threshold minus this."""
    if variant in EXACT_CONTENT_VARIANTS or variant in ODD_SHAPE_VARIANTS:
        return 0
    return VARIANT_MARGIN


def search_radius(variant: str, max_distance: int) -> int:
    """How far a query hash held by `variant` is searched: max_distance - `margin(variant)`, within the radii
    the kernels take ([0, MAX_STREAM_DISTANCE]). A hit beyond it is never within reach (`within_reach`)."""
    return min(MAX_STREAM_DISTANCE, max(0, max_distance - margin(variant)))


def query_radii(
    phashes: Iterable[tuple[str, int]], max_distance: int
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The distinct query pHashes of (variant, value) pairs, sorted, each with the radius it is searched at: the
    widest `search_radius` of the variants holding it. The one place every search (the import pass, later
    look-ups, batch jobs) takes its radii from, so none looks narrower than the rule can accept."""
    pairs = list(phashes)
    values = np.array([value for _, value in pairs], dtype=np.uint64)
    radii = np.array([search_radius(variant, max_distance) for variant, _ in pairs], dtype=np.int64)
    return distinct_radii(values, radii)


def fits_odd_shape(variant: str, work_size: tuple[int, int] | None, row_size: tuple[int, int] | None) -> bool:
    """Whether a row published at `row_size` admits a border or crop variant (`ODD_SHAPE_VARIANTS`) at the threshold
    itself: its shape is within `SHAPE_SLACK` of the variant's, and it is not of a standard shape unless it is of
    exactly the variant's shape (within rounding). False for other variants and for unknown sizes."""
    if (
        variant not in ODD_SHAPE_VARIANTS
        or row_size is None
        or not fits_shape(variant, work_size, row_size, SHAPE_SLACK)
    ):
        return False
    return not is_standard_shape(row_size) or fits_shape(variant, work_size, row_size, 0.0, sized=True)


def is_standard_shape(size: tuple[int, int]) -> bool:
    """Whether `size` (width, height) has one of the standard shapes copies are padded or cropped to
    (`core.variants.RATIOS`), within rounding."""
    width, height = size
    return any(abs(math.log(width / height) - shape) <= _rounding(width, height) for shape in _STANDARD_SHAPES)


def fits_shape(
    variant: str,
    work_size: tuple[int, int] | None,
    row_size: tuple[int, int] | None,
    slack: float = 0.0,
    sized: bool = False,
) -> bool:
    """Whether a row published at `row_size` has the shape a copy made like `variant` has (within rounding, and
    `slack` more); True for a variant that counts against rows of any shape. With a `slack` or `sized`, a variant
    of no standard shape is held to the shape of its size (`variant_size`: a crop's or a frame's). Unknown sizes
    never fit a shape."""
    expected = shape_of(variant, work_size)
    if expected is None and (slack or sized):
        expected = _shape(variant_size(variant, work_size)) if work_size and min(work_size) > 0 else 0.0
    if expected is None:
        return True
    if not expected or not row_size or min(row_size) <= 0:
        return False
    width, height = row_size
    return abs(math.log(width / height / expected)) <= _rounding(width, height) + slack


def _rounding(width: int, height: int) -> float:
    return 1 / width + 1 / height + ROUNDING_SLACK


def _shape(size: tuple[int, int]) -> float:
    return size[0] / size[1]


def aspect_mismatch(variant: str, work_size: tuple[int, int] | None, row_size: tuple[int, int] | None) -> float | None:
    """|log(expected aspect / row aspect)| for a copy shaped like `variant`; None when a size is unknown."""
    if not work_size or not row_size or min(*work_size, *row_size) <= 0:
        return None
    expected = variant_size(variant, work_size)
    return abs(math.log((expected[0] / expected[1]) / (row_size[0] / row_size[1])))


def phash_score(
    distance: int,
    variant: str,
    work_size: tuple[int, int] | None,
    row_size: tuple[int, int] | None,
    informative_bits: int | None = None,
) -> float:
    """How sure a pHash candidate is, in [0, 1] (see the module docstring); higher ranks first. Strictly decreasing
    in `distance`. `informative_bits` of the work's pHash: None when unknown (counted as detailed)."""
    mismatch = aspect_mismatch(variant, work_size, row_size)
    missing = 0 if informative_bits is None else max(0, _DETAILED_BITS - informative_bits)
    evidence = (
        _INTERCEPT
        - _PER_BIT * distance
        - (0.0 if variant in EXACT_CONTENT_VARIANTS else _GEOMETRIC)
        - _PER_LOG_ASPECT * min(_ASPECT_CAP, _UNKNOWN_ASPECT if mismatch is None else mismatch)
        - _PER_MISSING_BIT * missing
    )
    return 1.0 / (1.0 + math.exp(-evidence))


SCORE_MEANING = (
    "how sure TrainTrace is that the row is a copy of your work, from 0 to 1: 1.00 is the same pHash as a detailed "
    "work; each differing bit, a variant needed, a published size that disagrees and a work with little detail "
    "lower it"
)


def describe_score(score: float) -> str:
    """The score in words, by the bands measured on the held-out recall corpus (bench/README.md)."""
    if score >= 0.9:
        verdict = "a copy of your work in all likelihood"
    elif score >= 0.5:
        verdict = "probably a copy of your work: compare them"
    else:
        verdict = "doubtful: a look-alike is as likely as a copy"
    return f"score {score:.2f}, {verdict}"
