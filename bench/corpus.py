"""Generate the scan benchmark corpus: artist-sized images from openly licensed pictures (bench only).

``make_scan_corpus(out_dir, count=200, seed=0)`` writes `count` images: camera JPEGs up to 6000x4000 (24 MP,
several MB each, like a camera's), web-size JPEGs, PNGs up to 2000x2000 (RGB and RGBA), and a few WebP and TIFF
files. Each picture is a random crop, blend or 2x2 mosaic of the public-domain/CC0 scikit-image pictures listed in
bench/artgen.py (or a procedural artwork), upscaled, with film-like grain so the JPEG sizes are realistic. Every
file is distinct (different crops and grain offsets), so SHA-256s and pHashes differ.

Run: ``python -m bench.corpus OUT_DIR [--count 200] [--seed 0] [--workers N]``; it prints the time taken.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass
from functools import cache
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image

from bench import artgen

# (share of the corpus, format, width, height, mode); portrait orientation is chosen at random for half of them.
PLAN: tuple[tuple[float, str, int, int, str], ...] = (
    (0.10, "JPEG", 6000, 4000, "RGB"),
    (0.15, "JPEG", 4000, 3000, "RGB"),
    (0.20, "JPEG", 3000, 2000, "RGB"),
    (0.15, "JPEG", 1920, 1080, "RGB"),
    (0.10, "PNG", 2000, 2000, "RGB"),
    (0.10, "PNG", 1600, 1200, "RGBA"),
    (0.08, "WEBP", 2048, 1365, "RGB"),
    (0.06, "TIFF", 2400, 1600, "RGB"),
    (0.06, "JPEG", 1200, 800, "RGB"),
)
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "TIFF": ".tif"}
GRAIN_TILE = 1024


@dataclass(frozen=True)
class CorpusSpec:
    index: int
    seed: int
    format: str
    width: int
    height: int
    mode: str

    @property
    def name(self) -> str:
        return f"scan-{self.index:04d}-{self.width}x{self.height}{EXTENSIONS[self.format]}"


def corpus_specs(count: int, seed: int) -> list[CorpusSpec]:
    """The deterministic list of what to write: shares of PLAN rounded so that they add up to `count`."""
    rng = random.Random(f"scan-corpus/{seed}")
    kinds: list[tuple[str, int, int, str]] = []
    for share, fmt, width, height, mode in PLAN:
        kinds += [(fmt, width, height, mode)] * round(share * count)
    kinds = (kinds + [PLAN[2][1:]] * count)[:count]  # pad with 3000x2000 JPEGs if rounding fell short
    rng.shuffle(kinds)
    specs = []
    for index, (fmt, width, height, mode) in enumerate(kinds):
        if rng.random() < 0.5 and width != height:
            width, height = height, width
        specs.append(CorpusSpec(index, rng.getrandbits(32), fmt, width, height, mode))
    return specs


@cache
def _grain_tile() -> np.ndarray:
    gen = np.random.default_rng(12345)
    return gen.normal(0.0, 7.0, (GRAIN_TILE, GRAIN_TILE, 3)).astype(np.int16)


@cache
def _source(file: str) -> Image.Image:
    return artgen.load_source(file).convert("RGB")


def _random_crop(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    source = _source(rng.choice(artgen.PHOTO_FILES))
    aspect = size[0] / size[1]
    crop_w = min(source.width, round(source.height * aspect)) * rng.uniform(0.5, 1.0)
    crop_h = crop_w / aspect
    x = rng.uniform(0, source.width - crop_w)
    y = rng.uniform(0, source.height - crop_h)
    return source.resize(size, Image.Resampling.BICUBIC, box=(x, y, x + crop_w, y + crop_h))


def _composition(rng: random.Random, width: int, height: int) -> Image.Image:
    """A crop, a blend of two crops, a 2x2 mosaic, or a procedural artwork, at the target size."""
    choice = rng.random()
    if choice < 0.4:
        return _random_crop(rng, (width, height))
    if choice < 0.65:
        return Image.blend(_random_crop(rng, (width, height)), _random_crop(rng, (width, height)), 0.35)
    if choice < 0.85:
        canvas = Image.new("RGB", (width, height))
        half_w, half_h = width // 2, height // 2
        for x, y in ((0, 0), (half_w, 0), (0, half_h), (half_w, half_h)):
            canvas.paste(_random_crop(rng, (width - half_w if x else half_w, height - half_h if y else half_h)), (x, y))
        return canvas
    family = rng.choice(sorted(artgen.ART_FAMILIES))
    small = artgen.procedural_artwork(family, rng.getrandbits(32), max(64, width // 4), max(64, height // 4))
    return small.resize((width, height), Image.Resampling.BICUBIC)


def _with_grain(img: Image.Image, rng: random.Random) -> Image.Image:
    """Add a tiled film-grain layer at a random offset: camera-like entropy at a fraction of the cost of
    drawing fresh noise for every pixel."""
    pixels = np.asarray(img, dtype=np.int16)
    tile = np.roll(_grain_tile(), (rng.randrange(GRAIN_TILE), rng.randrange(GRAIN_TILE)), axis=(0, 1))
    reps = (-(-img.height // GRAIN_TILE), -(-img.width // GRAIN_TILE), 1)
    grain = np.tile(tile, reps)[: img.height, : img.width]
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "RGB")


def _alpha_mask(rng: random.Random, width: int, height: int) -> Image.Image:
    field = artgen.smooth_noise(rng, width, height, rng.randint(3, 6))
    alpha = np.clip((field - 0.35) * 4.0, 0.0, 1.0) * 255
    return Image.fromarray(alpha.astype(np.uint8), "L")


def render(spec: CorpusSpec) -> Image.Image:
    rng = random.Random(spec.seed)
    img = _with_grain(_composition(rng, spec.width, spec.height), rng)
    if spec.mode == "RGBA":
        img.putalpha(_alpha_mask(rng, spec.width, spec.height))
    return img


def write_one(task: tuple[CorpusSpec, str]) -> tuple[str, int]:
    spec, out_dir = task
    path = Path(out_dir) / spec.name
    img = render(spec)
    options: dict[str, object] = {
        "JPEG": {"quality": 92},
        "PNG": {"compress_level": 6},
        "WEBP": {"quality": 85},
        "TIFF": {"compression": "tiff_lzw"},
    }[spec.format]  # type: ignore[assignment]
    img.save(path, spec.format, **options)
    return spec.name, path.stat().st_size


def make_scan_corpus(out_dir: Path | str, count: int = 200, seed: int = 0, workers: int | None = None) -> list[Path]:
    """Write the corpus into `out_dir` (created if needed) and return the paths, in index order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(spec, str(out)) for spec in corpus_specs(count, seed)]
    with Pool(workers or os.cpu_count() or 1) as pool:
        names = [name for name, _size in pool.imap(write_one, tasks, chunksize=1)]
    return [out / name for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    paths = make_scan_corpus(args.out_dir, args.count, args.seed, args.workers)
    elapsed = time.perf_counter() - started
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} images, {total / 1e6:.0f} MB, in {elapsed:.1f} s ({args.out_dir})")


if __name__ == "__main__":
    main()
