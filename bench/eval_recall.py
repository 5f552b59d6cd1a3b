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

Matchers: (a) naive: the plain pHash of the work, brute force, distance <= T; (b) TrainTrace: the plain pHash
plus ``phash_variants`` of the work, each hit kept when ``scoring.accepts(distance, variant, T)``; also printed:
variants accepted without the margin, and both matchers with "portfolio attribution" (a row kept only for the
work(s) of the portfolio at its smallest distance), a measured proposal for the engine. A pair
(work, row) is accepted once, whichever query found it. Precision = true pairs / accepted pairs; recall = copies
found by their own work / copies. Also printed: the chance collisions per work expected at COYO-700M scale
(746,972,269 rows, if they were as spread out as random balanced hashes: real ones are more crowded).

Run: ``python -m bench.eval_recall [--corpus DIR] [--works 300] [--seed 0] [--random-rows 1000000]
[--unrelated 1500] [--workers 2]``; the corpus and the row hashes are cached in DIR.
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
from multiprocessing import Pool
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

from bench import artgen, transforms
from bench.recall_corpus import _chains, make_recall_corpus
from core.matching.scoring import DEFAULT_MAX_DISTANCE, accepts, phash_score
from core.variants import phash_variants

THRESHOLDS = range(6, 15)
COYO_ROWS = 746_972_269
ASPECTS = (1.0, 4 / 3, 3 / 2, 16 / 9, 3 / 4, 2 / 3, 4 / 5, 9 / 16)


def phash_int(image: Image.Image) -> int:
    return int(str(imagehash.phash(image)), 16)


def _hash_file(path: str) -> tuple[int, int, int]:
    with Image.open(path) as image:
        image.load()
        return phash_int(image), image.width, image.height


def _hash_work(path: str) -> tuple[int, list[tuple[str, int]], float, tuple[int, int]]:
    with Image.open(path) as image:
        image.load()
        started = time.process_time()
        variants = phash_variants(image)
        elapsed = time.process_time() - started
        return phash_int(image), variants, elapsed, image.size


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
    """Brute force: every (query, row, distance) with distance <= limit (numpy XOR + bitwise_count)."""
    found_q, found_r, found_d = [], [], []
    for begin in range(0, len(queries), 16):
        block = queries[begin : begin + 16, None] ^ rows[None, :]
        distance = np.bitwise_count(block)
        q, r = np.nonzero(distance <= limit)
        found_q.append(q + begin)
        found_r.append(r)
        found_d.append(distance[q, r])
    return np.concatenate(found_q), np.concatenate(found_r), np.concatenate(found_d).astype(np.int64)


class Evaluation:
    """Every near (work, variant, row, distance) hit, and recall/precision of a matcher at a threshold."""

    def __init__(self, work_ids: list[str], queries: list[tuple[int, str, int]], rows: dict[str, np.ndarray]) -> None:
        self.work_ids = work_ids
        self.rows = rows
        self.variant_of = [variant for _, variant, _ in queries]
        self.work_of = np.array([work for work, _, _ in queries])
        q, self.row, self.distance = near_pairs(np.array([h for _, _, h in queries], np.uint64), rows["phash"],
                                                max(THRESHOLDS))  # fmt: skip
        self.work = self.work_of[q]
        self.variant = np.array(self.variant_of)[q]
        own = np.array(work_ids)[self.work]
        self.true = rows["original"][self.row] == own
        positives = rows["kind"] == "positive"
        self.positive_rows = np.nonzero(positives)[0]

    def accepted(self, matcher: str, threshold: int) -> np.ndarray:
        """Mask of accepted hits for `matcher`: "naive" (plain pHash only), "traintrace" (`accepts`), or
        "no margin" (every variant at the threshold itself, to measure what the margin buys)."""
        if matcher == "naive":
            return (self.variant == "original") & (self.distance <= threshold)
        if matcher == "no margin":
            return self.distance <= threshold
        rule = {v: [accepts(d, v, threshold) for d in range(max(THRESHOLDS) + 1)] for v in set(self.variant_of)}
        return np.array([rule[v][d] for v, d in zip(self.variant.tolist(), self.distance.tolist(), strict=True)])

    def pairs(self, mask: np.ndarray) -> dict[tuple[int, int], tuple[int, str]]:
        """(work, row) -> best (distance, variant) among accepted hits, as the matcher keeps them."""
        best: dict[tuple[int, int], tuple[int, str]] = {}
        for w, r, d, v in zip(self.work[mask].tolist(), self.row[mask].tolist(), self.distance[mask].tolist(),
                              self.variant[mask].tolist(), strict=True):  # fmt: skip
            if (w, r) not in best or (d, v != "original") < (best[(w, r)][0], best[(w, r)][1] != "original"):
                best[(w, r)] = (d, v)
        return best

    def is_true(self, work: int, row: int) -> bool:
        return bool(self.rows["original"][row] == self.work_ids[work])

    def summary(self, matcher: str, threshold: int, attribute: bool = False) -> dict[str, object]:
        """Recall and precision; `attribute` keeps, for each row, only the portfolio works at its smallest distance
        (a proposal for the engine, measured here: a copy of one work is then not also listed for its look-alikes)."""
        pairs = self.pairs(self.accepted(matcher, threshold))
        if attribute:
            closest: dict[int, int] = {}
            for (_, row), (d, _) in pairs.items():
                closest[row] = min(d, closest.get(row, d))
            pairs = {key: value for key, value in pairs.items() if value[0] <= closest[key[1]]}
        true = [key for key in pairs if self.is_true(*key)]
        found_rows = {row for _, row in true}
        false = [key for key in pairs if not self.is_true(*key)]
        return {"recall": len(found_rows) / len(self.positive_rows), "precision": len(true) / max(1, len(pairs)),
                "accepted": len(pairs), "false": false, "found": found_rows, "pairs": pairs}  # fmt: skip


def chance_per_work(threshold: int, variants_per_work: list[list[str]], naive: bool) -> float:
    """Expected chance hits per work among COYO_ROWS random balanced hashes (their distances are even)."""

    def share_within(limit: int) -> float:
        return sum(math.comb(32, k) ** 2 for k in range(0, limit // 2 + 1)) / math.comb(64, 32) if limit >= 0 else 0

    def limit(variant: str) -> int:
        return max((d for d in range(65) if accepts(d, variant, threshold)), default=-1)

    per_work = [
        share_within(threshold) if naive else sum(share_within(limit(v)) for v in ["original", *names])
        for names in variants_per_work
    ]
    return statistics.fmean(per_work) * COYO_ROWS


def auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that a random true pair outranks a random false one (ties count half)."""
    pos = [s for s, t in zip(scores, labels, strict=True) if t]
    neg = [s for s, t in zip(scores, labels, strict=True) if not t]
    if not pos or not neg:
        return float("nan")
    order = np.argsort(np.array(pos + neg), kind="stable")
    ranks = np.empty(len(order))
    values = np.array(pos + neg)[order]
    ranks[order] = np.arange(1, len(order) + 1)
    for value in np.unique(values):  # average ranks of ties
        tied = order[values == value]
        ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def print_thresholds(ev: Evaluation, variants_per_work: list[list[str]]) -> None:
    print(
        "\nthreshold T | naive (plain pHash <= T): recall precision accepted | TrainTrace (original + variants,"
        " accepts(d, v, T)): recall precision accepted | chance hits/work at COYO scale: naive TrainTrace"
    )
    for threshold in THRESHOLDS:
        naive, ours = ev.summary("naive", threshold), ev.summary("traintrace", threshold)
        print(f"T={threshold:2d} | {naive['recall']:.3f} {naive['precision']:.3f} {naive['accepted']:5d} | "
              f"{ours['recall']:.3f} {ours['precision']:.3f} {ours['accepted']:5d} | "
              f"{chance_per_work(threshold, variants_per_work, True):8.3f} "
              f"{chance_per_work(threshold, variants_per_work, False):8.3f}")  # fmt: skip
    print(
        "\nalternatives, recall/precision: variants without the margin | TrainTrace with portfolio attribution"
        " (each row kept only for its closest work(s): a proposal for the engine) | naive with attribution"
    )
    for threshold in THRESHOLDS:
        cells = [ev.summary("no margin", threshold), ev.summary("traintrace", threshold, attribute=True),
                 ev.summary("naive", threshold, attribute=True)]  # fmt: skip
        print(f"T={threshold:2d} | " + " | ".join(f"{c['recall']:.3f} {c['precision']:.3f}" for c in cells))


def print_chains(ev: Evaluation, naive: dict, ours: dict) -> None:
    print(f"\nrecall per transform chain: naive (T=8) | TrainTrace (T={DEFAULT_MAX_DISTANCE})")
    chains = ev.rows["chain"]
    for chain in sorted(set(chains[ev.positive_rows].tolist())):
        rows = ev.positive_rows[chains[ev.positive_rows] == chain]
        hit_naive = np.isin(rows, list(naive["found"])).mean()
        hit_ours = np.isin(rows, list(ours["found"])).mean()
        print(f"  {chain:34s} n={len(rows):4d}  {hit_naive:.3f} | {hit_ours:.3f}")


def print_negatives(ev: Evaluation, naive: dict, ours: dict) -> None:
    print("\nfalse (work, row) pairs per kind of row: naive (T=8) | TrainTrace (default)")
    kinds = ev.rows["kind"]
    population = Counter(kinds.tolist())

    def kind_of(work: int, row: int) -> str:
        kind = str(kinds[row])
        if kind == "positive":
            return "copy of another portfolio work"
        if kind.startswith("hard negative"):
            mine = ev.rows["similar_to"][row] == ev.work_ids[work]
            return f"{kind} ({'sibling of this work' if mine else 'sibling of another work'})"
        return kind

    counts = [Counter(kind_of(*key) for key in result["false"]) for result in (naive, ours)]
    for kind in sorted(set(counts[0]) | set(counts[1])):
        base = kind.split(" (")[0] if not kind.startswith("copy") else "positive"
        print(f"  {kind:58s} rows={population.get(base, 0):8d}  {counts[0][kind]:4d} | {counts[1][kind]:4d}")


def print_variants(ev: Evaluation, ours: dict) -> None:
    print("\nper variant at the default: (work, row) pairs it is the best hit for, true | false")
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, (_, variant) in ours["pairs"].items():
        tally[variant][0 if ev.is_true(*key) else 1] += 1
    for variant, (true, false) in sorted(tally.items(), key=lambda item: -item[1][0]):
        print(f"  {variant:22s} {true:5d} | {false:4d}")


def print_ranking(ev: Evaluation, ours: dict, sizes: list[tuple[int, int]]) -> None:
    keys = list(ours["pairs"])
    labels = [ev.is_true(*key) for key in keys]
    rows = ev.rows
    scores = [phash_score(d, v, sizes[w], (int(rows["width"][r]), int(rows["height"][r])))
              for (w, r), (d, v) in ours["pairs"].items()]  # fmt: skip
    plain = [-float(d) for d, _ in ours["pairs"].values()]
    print(
        f"\nranking of accepted pairs (AUC, true above false): phash_score {auc(scores, labels):.3f} | "
        f"distance alone {auc(plain, labels):.3f}"
    )


def hash_portfolio(corpus: Path, manifest: dict, workers: int) -> tuple[list[tuple[int, str, int]], list, list]:
    paths = [str(corpus / o["path"]) for o in manifest["originals"]]
    with Pool(workers) as pool:
        hashed = pool.map(_hash_work, paths, chunksize=4)
    queries = [(w, "original", plain) for w, (plain, _, _, _) in enumerate(hashed)]
    queries += [(w, name, value) for w, (_, variants, _, _) in enumerate(hashed) for name, value in variants]
    names = [[name for name, _ in variants] for _, variants, _, _ in hashed]
    times = sorted(1000 * t for _, _, t, _ in hashed)
    print(
        f"variants per work: mean {statistics.fmean(len(n) for n in names):.1f}; phash_variants time per work"
        f" (works of 512-1024 px): median {statistics.median(times):.1f} ms, max {times[-1]:.1f} ms"
    )
    return queries, names, [size for _, _, _, size in hashed]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/traintrace-recall-corpus"))
    parser.add_argument("--works", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unrelated", type=int, default=1500)
    parser.add_argument("--random-rows", type=int, default=1_000_000)
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
    queries, names, sizes = hash_portfolio(args.corpus, manifest, args.workers)
    ev = Evaluation([o["id"] for o in manifest["originals"]], queries, rows)
    print_thresholds(ev, names)
    naive, ours = ev.summary("naive", 8), ev.summary("traintrace", DEFAULT_MAX_DISTANCE)
    print(f"\nchosen default DEFAULT_MAX_DISTANCE={DEFAULT_MAX_DISTANCE}: recall {ours['recall']:.3f} precision "
          f"{ours['precision']:.3f} | naive T=8: recall {naive['recall']:.3f} precision {naive['precision']:.3f} | "
          f"recall ratio {ours['recall'] / naive['recall']:.2f}")  # fmt: skip
    print_chains(ev, naive, ours)
    print_negatives(ev, naive, ours)
    print_variants(ev, ours)
    print_ranking(ev, ours, sizes)
    print_timing()
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
