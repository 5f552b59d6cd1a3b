"""Multi-index hashing plans: how to split 64-bit hashes into substrings and how far to probe each.

Pigeonhole (the generalised form of Qin et al., "GPH"): cut the 64 bits into m disjoint substrings and give
substring j a probe radius t_j >= -1 (-1: the substring is not probed). If sum(t_j + 1) >= r + 1 then any two
hashes within Hamming distance r agree to within t_j on at least one substring j, because otherwise the
substrings alone would differ by at least sum(t_j + 1) > r bits. Probing every substring key within t_j of the
query's therefore finds every true neighbour; a full XOR + popcount on each candidate removes the others, so a
search is exact.

Which split and radii are cheapest depends on the size of the table that is probed: `plan_probes` minimises
an estimated cost (keys enumerated plus candidates verified) for a table of `table_rows` uniform rows.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

HASH_BITS = 64


@dataclass(frozen=True)
class Substring:
    """Bits [shift, shift + bits) of the hash, counted from the least significant bit."""

    shift: int
    bits: int

    def key(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        return (hashes >> np.uint64(self.shift)) & np.uint64((1 << self.bits) - 1)


@dataclass(frozen=True)
class ProbePlan:
    """Probe radius per substring (-1: skip it); `candidates` is the expected number per query (or per row)."""

    substrings: tuple[Substring, ...]
    radii: tuple[int, ...]
    candidates: float
    probes: int


def split_substrings(count: int, key_bits: tuple[int, ...] | None = None) -> tuple[Substring, ...]:
    """`count` disjoint substrings covering all 64 bits, most significant first, widths differing by <= 1."""
    widths = [HASH_BITS // count + (1 if i < HASH_BITS % count else 0) for i in range(count)]
    substrings = []
    top = HASH_BITS
    for width in widths:
        top -= width
        substrings.append(Substring(shift=top, bits=width))
    if key_bits is not None:
        # Keep only the leading `key_bits[j]` bits of substring j as its key: a prefix within radius t of the
        # query's prefix is implied by the whole substring being within t, so the pigeonhole still holds.
        substrings = [Substring(s.shift + s.bits - k, k) for s, k in zip(substrings, key_bits, strict=True)]
    return tuple(substrings)


@lru_cache(maxsize=256)
def ball_volume(bits: int, radius: int) -> int:
    """How many `bits`-bit keys lie within Hamming distance `radius` of a given key."""
    return sum(math.comb(bits, k) for k in range(0, min(radius, bits) + 1)) if radius >= 0 else 0


def plan_probes(
    substrings: tuple[Substring, ...],
    max_distance: int,
    table_rows: int,
    key_cost: float,
    table_cost: float = 0.0,
    max_keys: int | None = None,
) -> ProbePlan:
    """Radii with sum(t_j + 1) = max_distance + 1 that minimise the estimated cost of one lookup.

    Cost, in units of one candidate verified: `key_cost` per enumerated key, `table_cost` per substring
    probed at all, plus the expected candidates (`table_rows` uniform rows, 2**-bits of them per key). No
    substring enumerates more than `max_keys` keys (a substring over the cap is never widened further).
    Greedy on marginal cost: each extra unit of radius goes to the substring where it costs least. The
    exactness of the search never depends on the plan, only its speed.
    """
    radii = [-1] * len(substrings)

    def cost(j: int, radius: int) -> float:
        if radius < 0:
            return 0.0
        volume = ball_volume(substrings[j].bits, radius)
        return table_cost + volume * key_cost + table_rows * volume / 2.0 ** substrings[j].bits

    def marginal(j: int) -> float:
        if max_keys is not None and ball_volume(substrings[j].bits, radii[j] + 1) > max_keys:
            return math.inf
        return cost(j, radii[j] + 1) - cost(j, radii[j])

    for _ in range(max_distance + 1):
        best = min(range(len(substrings)), key=marginal)
        if marginal(best) == math.inf:
            raise ValueError(f"no plan for distance {max_distance} within {max_keys} keys per substring")
        radii[best] += 1
    probes = sum(ball_volume(s.bits, t) for s, t in zip(substrings, radii, strict=True))
    candidates = sum(table_rows * ball_volume(s.bits, t) / 2.0**s.bits for s, t in zip(substrings, radii, strict=True))
    return ProbePlan(substrings=substrings, radii=tuple(radii), candidates=candidates, probes=probes)


@lru_cache(maxsize=64)
def flip_masks(bits: int, radius: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
    """Every XOR mask of at most `radius` set bits among `bits` bits, and its popcount (ascending)."""
    masks = [0]
    weights = [0]
    for weight in range(1, min(radius, bits) + 1):
        for positions in itertools.combinations(range(bits), weight):
            masks.append(sum(1 << p for p in positions))
            weights.append(weight)
    mask_array = np.array(masks, dtype=np.uint64)
    weight_array = np.array(weights, dtype=np.uint8)
    mask_array.flags.writeable = False
    weight_array.flags.writeable = False
    return mask_array, weight_array
