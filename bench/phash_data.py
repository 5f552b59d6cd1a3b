"""Synthetic pHash datasets and portfolios for the matching benchmarks (bench-only).

Two distributions of dataset rows:
- uniform: independent random 64-bit values;
- clustered: real pHashes fill the space unevenly. Cluster centres are the ImageHash pHashes of procedural
  artworks (bench/artgen.py) and of transformed copies of them (bench/transforms.py: resize, crop, border,
  JPEG...), and each row is a centre with a few bits flipped (Binomial(64, 0.25) flips, mean 16), so the
  substring buckets near the centres are crowded, as they are for popular pictures in real datasets.

Rows are generated in fixed chunks from (seed, chunk) so a second process can regenerate the same data.
The portfolio: `works` works with `variants` hashes each (the work and copies of it); half of the works are
taken from the dataset's centres (or rows), half are new.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import imagehash
import numpy as np

from bench.artgen import ART_FAMILIES, procedural_artwork
from bench.transforms import apply_chain

CHUNK_ROWS = 1 << 22
_COPY_CHAINS = ("resize+jpeg", "crop+resize+jpeg", "border+resize+jpeg", "watermark_text+resize+jpeg")
_FLIP_PROBABILITY = 0.25


def phash_of(image: object) -> int:
    return int(str(imagehash.phash(image)), 16)


@dataclass(frozen=True)
class Portfolio:
    queries: np.ndarray  # uint64, works * variants
    work_of_query: np.ndarray  # int64


def artwork_hashes(count: int, seed: int, copies: bool = True, size: int = 96) -> np.ndarray:
    """(count, 1 + len(_COPY_CHAINS)) pHashes: each generated artwork and its transformed copies."""
    families = sorted(ART_FAMILIES)
    out = np.zeros((count, 1 + len(_COPY_CHAINS) if copies else 1), dtype=np.uint64)
    for i in range(count):
        art = procedural_artwork(families[i % len(families)], f"{seed}/{i}", size, size)
        out[i, 0] = phash_of(art)
        for j, chain in enumerate(_COPY_CHAINS if copies else ()):
            out[i, j + 1] = phash_of(apply_chain(art, chain, f"{seed}/{i}/{j}"))
    return out


def random_flips(rng: np.random.Generator, count: int, probability: float) -> np.ndarray:
    """`count` uint64 masks whose bits are set independently with `probability`."""
    bits = rng.random((count, 64), dtype=np.float32) < probability
    return np.packbits(bits, axis=1, bitorder="little").view("<u8").reshape(-1)


class RowSource:
    """Deterministic dataset rows of one distribution, chunk by chunk."""

    def __init__(self, distribution: str, rows: int, seed: int, centres: np.ndarray | None = None) -> None:
        if distribution not in ("uniform", "clustered"):
            raise ValueError(distribution)
        self.distribution = distribution
        self.rows = rows
        self.seed = seed
        self.centres = centres.reshape(-1) if centres is not None else None

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        for begin in range(0, self.rows, CHUNK_ROWS):
            yield begin, self.chunk(begin)

    def chunk(self, begin: int) -> np.ndarray:
        count = min(CHUNK_ROWS, self.rows - begin)
        rng = np.random.default_rng([self.seed, begin])
        if self.distribution == "uniform":
            return rng.integers(0, 2**64 - 1, size=count, dtype=np.uint64, endpoint=True)
        assert self.centres is not None
        picks = self.centres[rng.integers(0, len(self.centres), size=count)]
        return picks ^ random_flips(rng, count, _FLIP_PROBABILITY)


def make_portfolio(source: RowSource, works: int, variants: int, seed: int, fresh: np.ndarray | None) -> Portfolio:
    """Half the works come from the dataset (a centre, or a row for uniform data), half are new."""
    rng = np.random.default_rng([seed, 7])
    listed = works // 2
    if source.distribution == "clustered":
        assert source.centres is not None and fresh is not None
        bases = np.concatenate(
            [source.centres[rng.integers(0, len(source.centres), listed)], fresh[: works - listed, 0]]
        )
    else:
        first = source.chunk(0)
        bases = np.concatenate(
            [first[rng.integers(0, len(first), listed)], rng.integers(0, 2**63, works - listed, dtype=np.uint64)]
        )
    # Variants: the work's hash with a few bits flipped, as its copies would hash (0..6 bits).
    queries = np.repeat(bases, variants)
    flips = random.Random(seed)
    masks = np.array(
        [sum(1 << b for b in flips.sample(range(64), flips.randint(0, 6))) for _ in range(len(queries))],
        dtype=np.uint64,
    )
    masks[::variants] = 0
    return Portfolio(queries=queries ^ masks, work_of_query=np.repeat(np.arange(works), variants))
