"""Recall and precision of pHash matching on real-world copies: naive baseline against TrainTrace (bench only).

Portfolio: the originals of a bench/recall_corpus.py corpus (photo crops, procedural art, works with transparency).
Dataset rows, every one with a published pHash and width/height as COYO has them:
- positives: the corpus copies of every original (each chain of ``CORPUS_CHAINS``, combinations included);
- hard negatives: the corpus negatives (other crops of the same photograph, other seeds of the same art family);
- unrelated generated pictures (``--unrelated``): procedural artworks of every family and cut-out stickers with
  seeds no original uses, each passed through a random chain (so letterboxed, bordered, cropped distractors
  exist, as they do in real datasets);
- random pHashes (``--random-rows``, default 1,000,000): 64-bit values with exactly 32 bits set, as real pHashes
  have (a median threshold over 64 coefficients), with random common aspect ratios.

Matchers, each with portfolio attribution (a row is listed for the work(s) of the portfolio at its smallest
distance, as the engine does), at every threshold T:
- naive: the plain pHash of the work, brute force, distance <= T;
- variant set 1 (main until 2026-12): the plain pHash plus borders, fixed 8 % bars on the short axis and six 5 %
  crops, borders and bars accepted at T - 2, crops at T - 4, whatever the row's size;
- TrainTrace (variant set 2): the plain pHash plus ``core.variants.phash_variants``, each candidate accepted by
  ``core.matching.records.best_phash_pairs`` (``scoring.accepts`` with the work's and the row's width and height,
  then attribution: the engine's own code), works too plain to match by picture left out.
Precision = true (work, row) pairs / accepted pairs; recall = copies found by their own work / copies.

Chance hits per work at COYO scale: ``--chance-rows`` random balanced pHashes (default 200 million), each with a
width and height drawn from `COYO_SHAPES` (an assumed mix: COYO publishes sizes but no statistics of them; its
filter keeps a short side of at least 200 px and an aspect ratio of at most 3), matched through the streaming
kernel and the acceptance rule like dataset rows; accepted pairs per work, scaled to COYO-700M's 746,972,269 rows.
Beside it, the same expectation computed exactly from the binomial shares and the shapes' frequencies.

Run: ``python -m bench.eval_recall [--corpus DIR] [--works 300] [--seed 0] [--random-rows 1000000]
[--unrelated 1500] [--chance-rows 200000000] [--workers 2]``; the corpus and the row hashes are cached in DIR.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

from bench import artgen, transforms
from bench.recall_corpus import _chains, make_recall_corpus
from core.hashing import informative_bits, is_plain, phash_and_margins
from core.index.phash_chunks import ChunkedStreamMatcher
from core.matching.records import WorkQuery, attribute_rows, best_phash_pairs
from core.matching.scoring import DEFAULT_MAX_DISTANCE, EXACT_CONTENT_VARIANTS, accepts, margin, phash_score
from core.variants import BARS, BORDERS, GEOMETRIES, OLD_CROPS, _apply, _phash, _reduced, phash_variants, variant_size

THRESHOLDS = range(6, 15)
COYO_ROWS = 746_972_269
ASPECTS = (1.0, 4 / 3, 3 / 2, 16 / 9, 3 / 4, 2 / 3, 4 / 5, 9 / 16)
# Assumed shape mix of COYO rows: (width / height, share); the rest log-uniform between 1/3 and 3.
COYO_SHAPES = ((1.0, 0.25), (4 / 3, 0.12), (3 / 2, 0.12), (16 / 9, 0.08), (3 / 4, 0.05), (2 / 3, 0.06), (4 / 5, 0.04),
               (5 / 4, 0.02), (1.91, 0.03), (9 / 16, 0.02), (5 / 3, 0.01))  # fmt: skip
SET1_CROPS = (GEOMETRIES["crop-5"], *OLD_CROPS)


def phash_int(image: Image.Image) -> int:
    return int(str(imagehash.phash(image)), 16)


def _hash_file(path: str) -> tuple[int, int, int]:
    with Image.open(path) as image:
        image.load()
        return phash_int(image), image.width, image.height


@dataclass(frozen=True)
class HashedWork:
    plain: int
    variants: list[tuple[str, int]]  # variant set 2
    set1: list[tuple[str, int]]  # variant set 1 (main until 2026-12)
    seconds: float
    size: tuple[int, int]
    informative_bits: int


def _hash_work(path: str) -> HashedWork:
    with Image.open(path) as image:
        image.load()
        started = time.process_time()
        variants = phash_variants(image)
        elapsed = time.process_time() - started
        plain, margins = phash_and_margins(image)
        return HashedWork(plain, variants, _set1_variants(image), elapsed, image.size, informative_bits(margins))


def _set1_variants(image: Image.Image) -> list[tuple[str, int]]:
    """Variant set 1 as main made it: transparency variants, then borders, bars on the short axis, 5 % crops."""
    names = dict(phash_variants(image))
    out = [(name, names[name]) for name in ("flattened", "matted-black") if name in names]
    has_alpha = bool(out)
    rgb = image.convert("RGBA") if has_alpha else image if image.mode in ("RGB", "L") else image.convert("RGB")
    if has_alpha:
        ground = Image.new("RGBA", rgb.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(ground, rgb).convert("RGB")
    grey = _reduced(rgb).convert("L")
    axes = ["tb"] if grey.width > grey.height else ["lr"] if grey.height > grey.width else ["tb", "lr"]
    geometries = [*BORDERS, *(bar for axis in axes for bar in BARS[axis]), *SET1_CROPS]
    return out + [(g.name, _phash(_apply(grey, g))) for g in geometries]


def set1_accepts(distance: int, variant: str, threshold: int) -> bool:
    """Main's rule until 2026-12: the work and transparency at T, crops at T - 4, borders and bars at T - 2."""
    if variant in EXACT_CONTENT_VARIANTS:
        return distance <= threshold
    return distance <= threshold - (4 if variant.startswith("crop-") else 2)


def _unrelated(index: int) -> tuple[int, int, int, str]:
    """One unrelated generated picture, through a random chain: (pHash, width, height, family)."""
    rng = random.Random(f"eval-unrelated/{index}")
    families = sorted(artgen.ART_FAMILIES)
    long_side, ratio = rng.randint(256, 640), rng.choice(ASPECTS)
    size = (long_side, round(long_side / ratio)) if ratio >= 1 else (round(long_side * ratio), long_side)
    if rng.random() < 0.08:
        image, family = artgen.sticker(f"eval-unrelated/{index}", long_side), "sticker"
    else:
        family = rng.choice(families)
        image = artgen.procedural_artwork(family, f"eval-unrelated/{index}", *size)
    copy = transforms.make_copy(image, rng.choice(_chains(image)), f"eval-unrelated/{index}")
    return phash_int(copy.image), copy.image.width, copy.image.height, f"unrelated:{family}"


def random_balanced_hashes(count: int, seed: int) -> np.ndarray:
    """`count` uint64 values with exactly 32 of 64 bits set (as median-thresholded pHashes are)."""
    rng = np.random.default_rng(seed)
    out = np.empty(count, dtype=np.uint64)
    weights = np.uint64(1) << np.arange(64, dtype=np.uint64)
    for begin in range(0, count, 100_000):
        keys = rng.random((min(100_000, count - begin), 64), dtype=np.float32)
        ones = np.argsort(keys, axis=1)[:, :32]
        out[begin : begin + len(ones)] = np.bitwise_or.reduce(weights[ones], axis=1)
    return out


def build_rows(corpus: Path, manifest: dict, unrelated: int, random_rows: int, workers: int) -> dict[str, np.ndarray]:
    """Hashes, sizes and labels of every dataset row; cached in the corpus folder."""
    cache = corpus / f"eval_rows_{unrelated}_{random_rows}.npz"
    if cache.exists():
        return dict(np.load(cache, allow_pickle=False))
    copies = manifest["copies"]
    with Pool(workers) as pool:
        hashed = pool.map(_hash_file, [str(corpus / c["path"]) for c in copies], chunksize=16)
        generated = pool.map(_unrelated, range(unrelated), chunksize=16)
    rng = np.random.default_rng(20261127)
    shapes = [ASPECTS[i] for i in rng.integers(0, len(ASPECTS), random_rows)]
    rows = {
        "phash": np.concatenate([np.array([h[0] for h in hashed + generated], dtype=np.uint64),
                                 random_balanced_hashes(random_rows, 7)]),
        "width": np.array([h[1] for h in hashed + generated] + [round(512 * min(a, 1)) for a in shapes]),
        "height": np.array([h[2] for h in hashed + generated] + [round(512 / max(a, 1)) for a in shapes]),
        "kind": np.array([_row_kind(c) for c in copies] + [g[3] for g in generated] + ["random"] * random_rows),
        "original": np.array([c["original"] or "" for c in copies] + [""] * (unrelated + random_rows)),
        "similar_to": np.array([c["similar_to"] or "" for c in copies] + [""] * (unrelated + random_rows)),
        "chain": np.array([c["transform"] for c in copies] + [""] * (unrelated + random_rows)),
    }  # fmt: skip
    np.savez(cache, **rows)
    return rows


def _row_kind(copy: dict) -> str:
    return "positive" if copy["original"] else "hard negative:" + copy["family"].split(":")[0]


def near_pairs(queries: np.ndarray, rows: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (query, row, distance) with distance <= limit, through the streaming kernel."""
    found = ChunkedStreamMatcher(queries, limit).match_hashes(rows)
    return found.query_idx, found.rows, found.distances.astype(np.int64)


Pairs = dict[tuple[int, int], tuple[int, str]]  # (work, row) -> (distance, variant)


class Evaluation:
    """Every near (work, variant, row, distance) hit of one matcher's queries, and its accepted pairs at each T."""

    def __init__(self, works: list[WorkQuery], rows: dict[str, np.ndarray], ids: list[str]) -> None:
        self.works = works
        self.rows = rows
        self.ids = ids
        owners = [(index, variant, value) for index, work in enumerate(works) if work.matchable_by_picture
                  for variant, value in work.phashes]  # fmt: skip
        q, self.row, self.distance = near_pairs(np.array([v for _, _, v in owners], np.uint64), rows["phash"],
                                                max(THRESHOLDS))  # fmt: skip
        self.work = np.array([w for w, _, _ in owners], np.int64)[q]
        self.variant = np.array([v for _, v, _ in owners])[q]
        self.value = np.array([value for _, _, value in owners], np.uint64)[q]
        self.positive_rows = np.nonzero(rows["kind"] == "positive")[0]

    def is_true(self, work: int, row: int) -> bool:
        return bool(self.rows["original"][row] == self.ids[work])

    def pairs(self, rule: str, threshold: int) -> Pairs:
        """Accepted and attributed pairs: rule "naive", "set1" or "traintrace" (the engine's `best_phash_pairs`)."""
        if rule == "traintrace":
            keep = np.nonzero(self.distance <= threshold)[0]
            candidates = [(int(self.work[i]), int(self.row[i]), str(self.variant[i]), int(self.value[i]),
                           int(self.distance[i])) for i in keep.tolist()]  # fmt: skip
            sizes = {int(r): (int(self.rows["width"][r]), int(self.rows["height"][r])) for r in set(self.row[keep])}
            by_id = {index: work for index, work in enumerate(self.works)}
            best = best_phash_pairs(candidates, threshold, by_id, sizes)
            return {key: (distance, variant) for key, (distance, variant, _) in best.items()}
        test: Callable[[int, str], bool] = (
            (lambda d, v: v == "original" and d <= threshold) if rule == "naive"
            else (lambda d, v: set1_accepts(d, v, threshold))
        )  # fmt: skip
        best: dict[tuple[int, int], tuple[int, str, int]] = {}
        for w, r, d, v in zip(self.work.tolist(), self.row.tolist(), self.distance.tolist(), self.variant.tolist(),
                              strict=True):  # fmt: skip
            if test(d, v) and (
                (w, r) not in best or (d, v != "original") < (best[(w, r)][0], best[(w, r)][1] != "original")
            ):
                best[(w, r)] = (d, v, 0)
        return {key: (d, v) for key, (d, v, _) in attribute_rows(best).items()}

    def summary(self, rule: str, threshold: int) -> dict[str, object]:
        pairs = self.pairs(rule, threshold)
        true = [key for key in pairs if self.is_true(*key)]
        false = [key for key in pairs if not self.is_true(*key)]
        found_rows = {row for _, row in true}
        return {"recall": len(found_rows) / len(self.positive_rows), "precision": len(true) / max(1, len(pairs)),
                "accepted": len(pairs), "false": false, "found": found_rows, "pairs": pairs}  # fmt: skip


def coyo_sizes(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Widths and heights drawn from `COYO_SHAPES` (short side 200-1200 px)."""
    ratios = np.array([r for r, _ in COYO_SHAPES])
    shares = np.array([s for _, s in COYO_SHAPES])
    pick = np.searchsorted(np.cumsum(shares), rng.random(count))
    spread = np.exp(rng.uniform(-math.log(3), math.log(3), count))
    ratio = np.where(pick < len(ratios), ratios[np.minimum(pick, len(ratios) - 1)], spread)
    short = rng.integers(200, 1201, count)
    width = np.where(ratio >= 1, np.round(short * ratio), short).astype(np.int64)
    height = np.where(ratio >= 1, short, np.round(short / ratio)).astype(np.int64)
    return width, height


def chance_hits(works: list[WorkQuery], rules: dict[str, Callable], threshold: int, rows: int, seed: int = 11) -> dict:
    """Accepted pairs per work among `rows` random balanced pHashes with COYO-shaped sizes, scaled to COYO-700M.
    `rules`: name -> (queries, accept(work, variant, distance, row size) -> bool)."""
    rng = np.random.default_rng(seed)
    counts = {name: 0 for name in rules}
    matchers = {name: (owners, ChunkedStreamMatcher(np.array([v for _, _, v in owners], np.uint64), threshold))
                for name, (owners, _) in rules.items()}  # fmt: skip
    done = 0
    while done < rows:
        block = min(1 << 24, rows - done)
        raw = np.frombuffer(rng.bytes(8 * block * 11), dtype=np.uint64)
        hashes = raw[np.bitwise_count(raw) == 32][:block]
        width, height = coyo_sizes(len(hashes), rng)
        for name, (owners, matcher) in matchers.items():
            found = matcher.match_hashes(hashes)
            accepted = set()
            for q, r, d in zip(found.query_idx.tolist(), found.rows.tolist(), found.distances.tolist(), strict=True):
                work, variant, _ = owners[q]
                if rules[name][1](work, variant, int(d), (int(width[r]), int(height[r]))):
                    accepted.add((work, r))
            counts[name] += len(accepted)
        done += len(hashes)
    return {name: count / len(works) * COYO_ROWS / rows for name, count in counts.items()}


def expected_chance(works: list[WorkQuery], rule: str, threshold: int, samples: int = 200_000) -> float:
    """The same expectation, exactly: binomial share of balanced hashes within each accepted distance, times the
    share of COYO-shaped rows the variant's shape admits."""
    width, height = coyo_sizes(samples, np.random.default_rng(5))
    row_sizes = list(zip(width.tolist(), height.tolist(), strict=True))[:4000]

    def at(distance: int) -> float:  # share of balanced hashes at exactly `distance` (even) from a balanced one
        return math.comb(32, distance // 2) ** 2 / math.comb(64, 32) if distance % 2 == 0 else 0.0

    total = 0.0
    passing: dict[tuple[str, float, bool], float] = {}
    for work in works:
        queries = work.phashes if rule != "naive" else work.phashes[:1]
        if rule == "traintrace" and not work.matchable_by_picture:
            continue
        for variant, _ in queries:
            for distance in range(0, threshold + 1, 2):
                if rule in ("naive", "set1"):
                    total += at(distance) * set1_accepts(distance, variant, threshold)
                elif distance <= threshold - margin(variant):
                    # the share of rows admitted depends on the variant, the work's shape and the distance's tier
                    shape = round(work.size[0] / work.size[1], 4) if work.size else 0.0
                    key = (variant, shape, distance <= threshold - 2)
                    if key not in passing:
                        passing[key] = statistics.fmean(
                            accepts(distance, variant, threshold, work.size, size) for size in row_sizes
                        )
                    total += at(distance) * passing[key]
    return total / len(works) * COYO_ROWS


def auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a random true pair outranks a random false one (ties count half)."""
    pos = [s for s, t in zip(scores, labels, strict=True) if t]
    neg = [s for s, t in zip(scores, labels, strict=True) if not t]
    if not pos or not neg:
        return float("nan")
    values = np.array(pos + neg)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    for value in np.unique(values):  # average ranks of ties
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def old_score(distance: int, variant: str, work: tuple[int, int], row: tuple[int, int]) -> float:
    """Main's score formula until 2026-12 (shape term up to 8.8 logits), the variant's shape read as this tree does."""
    expected = variant_size(variant, work)
    mismatch = abs(math.log(expected[0] / expected[1] / (row[0] / row[1])))
    evidence = 6.4 - 0.4 * distance - (0.0 if variant in EXACT_CONTENT_VARIANTS else 0.3) - 22.0 * min(0.4, mismatch)
    return 1.0 / (1.0 + math.exp(-evidence))


def print_thresholds(evals: dict[str, Evaluation]) -> None:
    print("\nrecall / precision / accepted pairs, each with portfolio attribution:")
    print("T  | naive (plain pHash)   | variant set 1 (main)  | TrainTrace (variant set 2)")
    for threshold in THRESHOLDS:
        cells = []
        for rule, ev in (("naive", evals["set1"]), ("set1", evals["set1"]), ("traintrace", evals["set2"])):
            s = ev.summary(rule, threshold)
            cells.append(f"{s['recall']:.3f} {s['precision']:.3f} {s['accepted']:5d}")
        print(f"{threshold:2d} | " + " | ".join(cells))


def print_chains(ev1: Evaluation, ev2: Evaluation, threshold: int) -> None:
    naive, set1, ours = (
        ev1.summary("naive", threshold),
        ev1.summary("set1", threshold),
        ev2.summary("traintrace", threshold),
    )
    print(f"\nrecall per transform chain at T={threshold}: naive | variant set 1 (main) | TrainTrace")
    chains = ev2.rows["chain"]
    for chain in sorted(set(chains[ev2.positive_rows].tolist())):
        rows = ev2.positive_rows[chains[ev2.positive_rows] == chain]
        cells = [np.isin(rows, list(result["found"])).mean() for result in (naive, set1, ours)]
        print(f"  {chain:34s} n={len(rows):4d}  " + " | ".join(f"{c:.3f}" for c in cells))
    original = [c for c in set(chains[ev2.positive_rows].tolist()) if c not in ("mirror+resize+jpeg",
                "mirror+letterbox+resize+jpeg", "ratiocrop+resize+jpeg")]  # fmt: skip
    rows = ev2.positive_rows[np.isin(chains[ev2.positive_rows], original)]
    cells = [np.isin(rows, list(result["found"])).mean() for result in (naive, set1, ours)]
    label = "(the chains of main's corpus only)"
    print(f"  {label:34s} n={len(rows):4d}  " + " | ".join(f"{c:.3f}" for c in cells))


def print_negatives(ev1: Evaluation, ev2: Evaluation, threshold: int) -> None:
    print(f"\nfalse (work, row) pairs per kind of row at T={threshold}: naive | variant set 1 | TrainTrace")
    kinds = ev2.rows["kind"]
    population = Counter(kinds.tolist())

    def kind_of(ev: Evaluation, work: int, row: int) -> str:
        kind = str(kinds[row])
        if kind == "positive":
            return "copy of another portfolio work"
        if kind.startswith("hard negative"):
            mine = ev.rows["similar_to"][row] == ev.ids[work]
            return f"{kind} ({'sibling of this work' if mine else 'sibling of another work'})"
        return kind

    results = [(ev1, ev1.summary("naive", threshold)), (ev1, ev1.summary("set1", threshold)),
               (ev2, ev2.summary("traintrace", threshold))]  # fmt: skip
    counts = [Counter(kind_of(ev, *key) for key in result["false"]) for ev, result in results]
    for kind in sorted(set().union(*counts)):
        base = kind.split(" (")[0] if not kind.startswith("copy") else "positive"
        print(f"  {kind:58s} rows={population.get(base, 0):8d}  " + " | ".join(f"{c[kind]:4d}" for c in counts))


def print_variants(ev: Evaluation, threshold: int) -> None:
    print(f"\nper variant family at T={threshold}: (work, row) pairs it is the best hit for, true | false")
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, (_, variant) in ev.summary("traintrace", threshold)["pairs"].items():
        family = "-".join(part for part in variant.split("-") if not part[0].isdigit()) or variant
        tally[family][0 if ev.is_true(*key) else 1] += 1
    for family, (true, false) in sorted(tally.items(), key=lambda item: -item[1][0]):
        print(f"  {family:22s} {true:5d} | {false:4d}")


def print_ranking(ev1: Evaluation, ev2: Evaluation, threshold: int) -> None:
    rows = ev2.rows
    ours = ev2.summary("traintrace", threshold)["pairs"]
    keys = list(ours)
    labels = [ev2.is_true(*key) for key in keys]
    scores = [phash_score(d, v, ev2.works[w].size, (int(rows["width"][r]), int(rows["height"][r])),
                          ev2.works[w].informative_bits) for (w, r), (d, v) in ours.items()]  # fmt: skip
    old = [old_score(d, v, ev2.works[w].size or (1, 1), (int(rows["width"][r]), int(rows["height"][r])))
           for (w, r), (d, v) in ours.items()]  # fmt: skip
    plain = [-float(d) for d, _ in ours.values()]
    print(f"\nranking of TrainTrace's accepted pairs (AUC, true above false): phash_score {auc(scores, labels):.3f} | "
          f"main's score formula {auc(old, labels):.3f} | distance alone {auc(plain, labels):.3f}")  # fmt: skip
    print("score bins of accepted pairs: share that are copies of the work (pairs)")
    for low, high in ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.97), (0.97, 1.01)):
        inside = [label for score, label in zip(scores, labels, strict=True) if low <= score < high]
        share = f"{statistics.fmean(inside):.3f}" if inside else "-"
        print(f"  [{low:.2f}, {min(high, 1):.2f}{']' if high > 1 else ')'}: {share} ({len(inside)})")
    exact = [score for score, (d, v) in zip(scores, ours.values(), strict=True) if d == 0 and v == "original"]
    if exact:
        print(
            f"  distance 0 through the work itself: lowest score {min(exact):.3f} (main's score: "
            f"{min(o for o, (d, v) in zip(old, ours.values(), strict=True) if d == 0 and v == 'original'):.3f})"
        )


def hash_portfolio(corpus: Path, manifest: dict, workers: int) -> tuple[list[WorkQuery], list[WorkQuery]]:
    """The portfolio as WorkQuery lists: variant set 1 (main) and variant set 2 (this tree)."""
    paths = [str(corpus / o["path"]) for o in manifest["originals"]]
    with Pool(workers) as pool:
        hashed: list[HashedWork] = pool.map(_hash_work, paths, chunksize=4)
    set1 = [WorkQuery(i, o["path"], "0" * 64, (("original", h.plain), *h.set1), h.size)
            for i, (o, h) in enumerate(zip(manifest["originals"], hashed, strict=True))]  # fmt: skip
    set2 = [WorkQuery(i, o["path"], "0" * 64, (("original", h.plain), *h.variants), h.size, h.informative_bits)
            for i, (o, h) in enumerate(zip(manifest["originals"], hashed, strict=True))]  # fmt: skip
    radii = Counter(DEFAULT_MAX_DISTANCE - margin(v) for w in set2 if w.matchable_by_picture for v, _ in w.phashes)
    print(f"queries per work by search radius at T={DEFAULT_MAX_DISTANCE} (variant set 2): "
          + ", ".join(f"{r}: {n / len(set2):.1f}" for r, n in sorted(radii.items(), reverse=True)))  # fmt: skip
    times = sorted(1000 * h.seconds for h in hashed)
    plain = [o["id"] for o, h in zip(manifest["originals"], hashed, strict=True) if is_plain(h.informative_bits)]
    print(
        f"queries per work: variant set 1 {statistics.fmean(len(w.phashes) for w in set1):.1f}, variant set 2 "
        f"{statistics.fmean(len(w.phashes) for w in set2):.1f}; phash_variants time per work (works of 512-1024 px):"
        f" median {statistics.median(times):.1f} ms, max {times[-1]:.1f} ms; works too plain to match by picture:"
        f" {len(plain)} {plain}"
    )
    return set1, set2


def print_timing(repeats: int = 5) -> None:
    """phash_variants on a 6000x4000 camera JPEG beside its decode and the reference pHash: medians of `repeats`, in
    CPU time of this process (the wall clock is meaningless on a shared, loaded machine)."""
    art = artgen.procedural_artwork("horizon", "timing", 1500, 1000).resize((6000, 4000), Image.Resampling.BICUBIC)
    grain = np.random.default_rng(0).normal(0, 6, (4000, 6000, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(np.asarray(art) + grain, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=90)
    timings: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        started = time.process_time()
        image = Image.open(io.BytesIO(buffer.getvalue()))
        image.load()
        decoded = time.process_time()
        phash_variants(image)
        varied = time.process_time()
        imagehash.phash(image)
        timings["decode"].append(decoded - started)
        timings["phash_variants"].append(varied - decoded)
        timings["reference phash"].append(time.process_time() - varied)
    medians = {name: 1000 * statistics.median(values) for name, values in timings.items()}
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    print(
        f"\n6000x4000 JPEG, medians of {repeats} (load average {load:.1f} on {cores} cores): "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in medians.items())
        + f"; phash_variants / reference phash = {medians['phash_variants'] / medians['reference phash']:.2f}"
    )


def print_chance(set1: list[WorkQuery], set2: list[WorkQuery], threshold: int, rows: int) -> None:
    def owners(works: list[WorkQuery], naive: bool = False) -> list[tuple[int, str, int]]:
        return [(i, v, value) for i, w in enumerate(works) for v, value in (w.phashes[:1] if naive else w.phashes)]

    plain2 = [(i, v, value) for i, w in enumerate(set2) if w.matchable_by_picture for v, value in w.phashes]
    rules = {
        "naive": (owners(set1, naive=True), lambda w, v, d, s: d <= threshold),
        "set1": (owners(set1), lambda w, v, d, s: set1_accepts(d, v, threshold)),
        "traintrace": (plain2, lambda w, v, d, s: accepts(d, v, threshold, set2[w].size, s)),
    }
    started = time.monotonic()
    measured = chance_hits(set1, rules, threshold, rows) if rows else {}
    print(f"\nchance hits per work at COYO-700M scale, T={threshold} ({rows:,} random COYO-shaped rows, "
          f"{time.monotonic() - started:.0f} s; exact expectation beside):")  # fmt: skip
    for name, label in (("naive", "naive"), ("set1", "variant set 1 (main)"), ("traintrace", "TrainTrace")):
        works = set2 if name == "traintrace" else set1
        value = f"{measured[name]:.3f}" if name in measured else "-"
        print(f"  {label:22s} measured {value}  expected {expected_chance(works, name, threshold):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/traintrace-recall-corpus"))
    parser.add_argument("--works", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unrelated", type=int, default=1500)
    parser.add_argument("--random-rows", type=int, default=1_000_000)
    parser.add_argument("--chance-rows", type=int, default=200_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    started = time.monotonic()
    manifest_path = args.corpus / "manifest.json"
    if not manifest_path.exists():
        make_recall_corpus(args.corpus, args.works, args.seed, args.workers)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    rows = build_rows(args.corpus, manifest, args.unrelated, args.random_rows, args.workers)
    population = Counter(rows["kind"].tolist())
    print(
        f"corpus {args.corpus} (seed {manifest['seed']}): {len(manifest['originals'])} works; rows: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(population.items()))
    )
    set1, set2 = hash_portfolio(args.corpus, manifest, args.workers)
    ids = [o["id"] for o in manifest["originals"]]
    evals = {"set1": Evaluation(set1, rows, ids), "set2": Evaluation(set2, rows, ids)}
    print_thresholds(evals)
    threshold = DEFAULT_MAX_DISTANCE
    print_chains(evals["set1"], evals["set2"], threshold)
    print_negatives(evals["set1"], evals["set2"], threshold)
    print_variants(evals["set2"], threshold)
    print_ranking(evals["set1"], evals["set2"], threshold)
    print_chance(set1, set2, threshold, args.chance_rows)
    print_timing()
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
