"""Generate the recall/precision evaluation corpus for near-duplicate matching (bench only).

``make_recall_corpus(out_dir, n_works=300, seed=0)`` writes

- ``originals/``: the "portfolio": crops of the public-domain/CC0 scikit-image photographs (bench/artgen.py),
  procedural artworks of five families, and works with transparency (cut-out stickers with black hidden RGB,
  photo cut-outs whose hidden RGB is the photo);
- ``copies/``: for every original, one copy per chain of ``CORPUS_CHAINS`` (each step of bench/transforms.py as
  a scraper would store it, i.e. followed by JPEG, and the combinations), named ``<work>--<chain>.<ext>``;
- hard negatives in ``copies/`` too: pictures that are NOT copies of any original but are of the same family
  (other crops of the same photograph, overlapping any original crop by at most ``MAX_CROP_IOU``; other seeds of
  the same procedural family), themselves passed through a random chain;
- ``manifest.json``: ``{"seed", "n_works", "chains", "originals": [{id, path, family, alpha}], "copies": [{path,
  original (id or null), transform, family, similar_to (for negatives: the original of the same family)}]}``.

A matcher is scored by hashing ``originals`` as the portfolio and every file of ``copies`` as dataset rows.
``python -m bench.recall_corpus OUT_DIR [--works 300] [--seed 0] [--naive]``; ``--naive`` also prints the
naive baseline (plain ``imagehash.phash``, brute force, distance <= 8) per chain and overall.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from dataclasses import dataclass
from functools import cache
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from bench import artgen, transforms

CORPUS_CHAINS: tuple[str, ...] = (
    "resize",
    "jpeg",
    "crop+jpeg",
    "border+jpeg",
    "letterbox+jpeg",
    "watermark_text+jpeg",
    "watermark_logo+jpeg",
    "flatten_white",
    *transforms.COMBINATIONS,
)
NEGATIVES_PER_WORK = 2
MAX_CROP_IOU = 0.3
SHARES = {"photo": 0.45, "art": 0.45, "alpha": 0.10}


@dataclass(frozen=True)
class Picture:
    """How to draw one original or negative: a photo crop (file + box) or a procedural artwork (family + seed)."""

    id: str
    family: str  # "photo:<file>", "art:<family>", "sticker" or "cutout:<file>"
    seed: int
    long_side: int
    box: tuple[float, float, float, float] | None = None  # fractions of the source picture


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


class CropPlanner:
    """Hands out crops of each source photograph that overlap every earlier crop by at most MAX_CROP_IOU, so no
    two pictures drawn from one photograph are copies of each other."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: dict[str, list[tuple[float, float, float, float]]] = {}

    def take(self, file: str) -> tuple[float, float, float, float] | None:
        taken = self._taken.setdefault(file, [])
        for _ in range(400):
            width, height = self._rng.uniform(0.25, 0.55), self._rng.uniform(0.25, 0.55)
            x, y = self._rng.uniform(0, 1 - width), self._rng.uniform(0, 1 - height)
            box = (x, y, x + width, y + height)
            if all(_iou(box, other) <= MAX_CROP_IOU for other in taken):
                taken.append(box)
                return box
        return None


def _photo(planner: CropPlanner, rng: random.Random, ident: str, prefix: str = "photo") -> Picture | None:
    for _ in range(len(artgen.PHOTO_FILES)):
        file = rng.choice(artgen.PHOTO_FILES)
        box = planner.take(file)
        if box is not None:
            return Picture(ident, f"{prefix}:{file}", rng.getrandbits(32), rng.randint(512, 1024), box)
    return None


def _sibling(original: Picture, planner: CropPlanner, rng: random.Random, ident: str) -> Picture | None:
    """A negative of the same family as `original`."""
    if original.family.startswith(("photo:", "cutout:")):
        prefix, file = original.family.split(":", 1)
        box = planner.take(file)
        return Picture(ident, original.family, rng.getrandbits(32), original.long_side, box) if box else None
    return Picture(ident, original.family, rng.getrandbits(32), original.long_side)


def plan_pictures(n_works: int, seed: int) -> tuple[list[Picture], list[tuple[Picture, Picture]]]:
    """The originals, and (negative, original it resembles) pairs; deterministic for (n_works, seed)."""
    rng = random.Random(f"recall-corpus/{seed}")
    planner = CropPlanner(rng)
    families = sorted(artgen.ART_FAMILIES)
    originals: list[Picture] = []
    negatives: list[tuple[Picture, Picture]] = []
    for index in range(n_works):
        ident, draw = f"w{index:04d}", rng.random()
        picture = None
        if draw < SHARES["photo"]:
            picture = _photo(planner, rng, ident)
        elif draw < SHARES["photo"] + SHARES["alpha"]:
            picture = (_photo(planner, rng, ident, "cutout") if rng.random() < 0.5 else
                       Picture(ident, "sticker", rng.getrandbits(32), rng.randint(512, 900)))  # fmt: skip
        picture = picture or Picture(ident, f"art:{rng.choice(families)}", rng.getrandbits(32), rng.randint(512, 1024))
        originals.append(picture)
        for k in range(NEGATIVES_PER_WORK):  # planned at once, so crops of the same photograph remain for them
            negative = _sibling(picture, planner, rng, f"n{index:04d}{'ab'[k]}")
            if negative is not None:
                negatives.append((negative, picture))
    return originals, negatives


@cache
def _source(file: str) -> Image.Image:
    return artgen.load_source(file).convert("RGB")


def _aspect(rng: random.Random, long_side: int) -> tuple[int, int]:
    ratio = rng.choice([1.0, 4 / 3, 3 / 2, 16 / 9, 3 / 4, 2 / 3, 4 / 5])
    return (long_side, round(long_side / ratio)) if ratio >= 1 else (round(long_side * ratio), long_side)


def _cutout_mask(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    mask = Image.new("L", size, 0)
    margin_x, margin_y = size[0] * rng.uniform(0.05, 0.15), size[1] * rng.uniform(0.05, 0.15)
    ImageDraw.Draw(mask).ellipse((margin_x, margin_y, size[0] - margin_x, size[1] - margin_y), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(2))


def draw_picture(picture: Picture) -> Image.Image:
    """Render one original or negative (RGB, or RGBA for stickers and cut-outs)."""
    rng = random.Random(picture.seed)
    if picture.family == "sticker":
        return artgen.sticker(picture.seed, picture.long_side)
    if picture.family.startswith("art:"):
        return artgen.procedural_artwork(picture.family[4:], picture.seed, *_aspect(rng, picture.long_side))
    source = _source(picture.family.split(":", 1)[1])
    assert picture.box is not None
    x0, y0, x1, y1 = picture.box
    box = (x0 * source.width, y0 * source.height, x1 * source.width, y1 * source.height)
    scale = picture.long_side / max(box[2] - box[0], box[3] - box[1])
    size = (round((box[2] - box[0]) * scale), round((box[3] - box[1]) * scale))
    img = source.resize(size, Image.Resampling.BICUBIC, box=box)
    if rng.random() < 0.5:
        img = ImageOps.autocontrast(img, cutoff=1)
    if picture.family.startswith("cutout:"):
        img.putalpha(_cutout_mask(rng, size))  # hidden RGB under transparency stays the photograph
    return img


def _save_original(img: Image.Image, picture: Picture, out_dir: Path) -> str:
    """Photographs as high-quality JPEG (as photographers export them); art and transparency as PNG."""
    lossless = img.mode == "RGBA" or not picture.family.startswith("photo:")
    relative = f"originals/{picture.id}{'.png' if lossless else '.jpg'}"
    if lossless:
        img.save(out_dir / relative, "PNG", compress_level=1)
    else:
        img.save(out_dir / relative, "JPEG", quality=95)
    return relative


def _write_copy(img: Image.Image, chain: str, seed: str, stem: str, out_dir: Path) -> str:
    copy = transforms.make_copy(img, chain, seed)
    relative = f"copies/{stem}--{chain}{copy.extension}"
    (out_dir / relative).write_bytes(copy.data)
    return relative


def _chains(img: Image.Image) -> list[str]:
    """Every corpus chain, except flattening for pictures without transparency."""
    has_alpha = transforms.normalise_mode(img).mode == "RGBA"
    return [c for c in CORPUS_CHAINS if has_alpha or not transforms.ALPHA_ONLY_STEPS.intersection(c.split("+"))]


def write_work(task: tuple[Picture, list[Picture], int, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Write one original, its positive copies and its negatives; return their manifest entries."""
    picture, negatives, seed, out = task
    out_dir = Path(out)
    img = draw_picture(picture)
    original = {"id": picture.id, "path": _save_original(img, picture, out_dir), "family": picture.family,
                "alpha": img.mode == "RGBA"}  # fmt: skip
    copies = []
    for chain in _chains(img):
        path = _write_copy(img, chain, f"{seed}/{picture.id}/{chain}", picture.id, out_dir)
        copies.append({"path": path, "original": picture.id, "transform": chain, "family": picture.family,
                       "similar_to": None})  # fmt: skip
    for negative in negatives:
        negative_img = draw_picture(negative)
        chain = random.Random(f"{seed}/{negative.id}").choice(_chains(negative_img))
        path = _write_copy(negative_img, chain, f"{seed}/{negative.id}/{chain}", negative.id, out_dir)
        copies.append({"path": path, "original": None, "transform": chain, "family": negative.family,
                       "similar_to": picture.id})  # fmt: skip
    return original, copies


def make_recall_corpus(out_dir: Path | str, n_works: int = 300, seed: int = 0, workers: int | None = None) -> Path:
    """Write the corpus into `out_dir` and return the path of its manifest.json."""
    out = Path(out_dir)
    (out / "originals").mkdir(parents=True, exist_ok=True)
    (out / "copies").mkdir(exist_ok=True)
    originals, negatives = plan_pictures(n_works, seed)
    by_original: dict[str, list[Picture]] = {}
    for negative, original in negatives:
        by_original.setdefault(original.id, []).append(negative)
    tasks = [(picture, by_original.get(picture.id, []), seed, str(out)) for picture in originals]
    with Pool(workers or os.cpu_count() or 1) as pool:
        results = pool.map(write_work, tasks, chunksize=4)
    manifest = {
        "seed": seed,
        "n_works": n_works,
        "chains": list(CORPUS_CHAINS),
        "originals": [original for original, _ in results],
        "copies": [copy for _, copies in results for copy in copies],
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return path


def _phash(path: str) -> int:
    import imagehash

    with Image.open(path) as img:
        return int(str(imagehash.phash(img)), 16)


def naive_baseline(manifest_path: Path, thresholds: tuple[int, ...] = (4, 6, 8, 10, 12, 14)) -> None:
    """Print recall and precision of plain pHash + brute force at each threshold, and recall per chain at 8."""
    import numpy as np

    root = manifest_path.parent
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    originals, copies = manifest["originals"], manifest["copies"]
    with Pool(os.cpu_count() or 1) as pool:
        work_hashes = np.array(pool.map(_phash, [str(root / o["path"]) for o in originals]), dtype=np.uint64)
        copy_hashes = np.array(pool.map(_phash, [str(root / c["path"]) for c in copies], 16), dtype=np.uint64)
    xor = copy_hashes[:, None] ^ work_hashes[None, :]
    distances = np.unpackbits(xor.view(np.uint8).reshape(len(copies), len(originals), 8), axis=2).sum(axis=2)
    index = {o["id"]: i for i, o in enumerate(originals)}
    truth = np.array([index[c["original"]] if c["original"] else -1 for c in copies])
    positive = truth >= 0
    own = np.where(positive, distances[np.arange(len(copies)), np.maximum(truth, 0)], 999)
    print(f"{positive.sum()} positive copies, {(~positive).sum()} hard negatives, {len(originals)} originals")
    for t in thresholds:
        predicted = int((distances <= t).sum())
        true_pairs = int((own <= t).sum())
        precision = true_pairs / predicted if predicted else 1.0
        print(f"threshold {t:2d}: recall {(own <= t).sum() / positive.sum():.3f}  precision {precision:.3f}")
    for chain in manifest["chains"]:
        rows = np.array([c["transform"] == chain for c in copies]) & positive
        print(f"  {chain:32s} recall@8 {(own[rows] <= 8).mean():.3f}  (n={rows.sum()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--works", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--naive", action="store_true", help="also print the naive pHash baseline")
    args = parser.parse_args()
    started = time.perf_counter()
    manifest = make_recall_corpus(args.out_dir, args.works, args.seed, args.workers)
    count = len(json.loads(manifest.read_text(encoding="utf-8"))["copies"])
    print(f"wrote {args.works} originals and {count} copies in {time.perf_counter() - started:.1f} s ({manifest})")
    if args.naive:
        naive_baseline(manifest)


if __name__ == "__main__":
    main()
