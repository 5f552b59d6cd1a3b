"""Openly licensed source pictures and procedural artwork for the sample portfolio and the bench corpora.

Photographs come only from scikit-image's bundled ``skimage/data`` files whose licence is public domain or CC0
(the licence of each file is stated in the docstring of its loader in ``skimage/data/_fetchers.py``; the
``README.txt`` of that folder does not list licences in scikit-image 0.26). Files with no stated licence or
"no known copyright restrictions" only (coins, ihc, moon, page, logo, color, phantom, motorcycle, lfw) are not
used. Procedural artwork is generated here from a seed: gradients, shapes and smooth noise, never text.

Dev/bench only: needs scikit-image installed for its data files; never imported by the app.
"""

from __future__ import annotations

import colorsys
import importlib.util
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


@dataclass(frozen=True)
class SourcePhoto:
    """One openly licensed picture shipped inside the scikit-image wheel."""

    file: str
    licence: str
    credit: str


SOURCE_PHOTOS: tuple[SourcePhoto, ...] = (
    SourcePhoto("astronaut.png", "public domain", "NASA (Eileen Collins portrait)"),
    SourcePhoto("brick.png", "CC0", "CC0Textures, Bricks25"),
    SourcePhoto("camera.png", "CC0", "Lav Varshney"),
    SourcePhoto("cell.png", "CC0", "Paul Mueller et al."),
    SourcePhoto("chelsea.png", "CC0", "Stefan van der Walt"),
    SourcePhoto("clock_motion.png", "public domain", "Stefan van der Walt"),
    SourcePhoto("coffee.png", "CC0", "Rachel Michetti"),
    SourcePhoto("grass.png", "CC0", "linolafett (DeviantArt)"),
    SourcePhoto("gravel.png", "CC0", "CC0Textures, Gravel04"),
    SourcePhoto("horse.png", "CC0", "Andreas Preuss (openclipart)"),
    SourcePhoto("hubble_deep_field.jpg", "public domain", "NASA / Hubble"),
    SourcePhoto("retina.jpg", "CC0", "Mikael Haggstrom (Wikimedia)"),
    SourcePhoto("rocket.jpg", "public domain", "SpaceX"),
)
SOURCES_BY_FILE = {source.file: source for source in SOURCE_PHOTOS}
# Pictures with enough texture to be cropped into many distinct "photographs" (the horse is a silhouette).
PHOTO_FILES = tuple(s.file for s in SOURCE_PHOTOS if s.file != "horse.png")


def skimage_data_dir() -> Path:
    """The folder holding scikit-image's bundled pictures (without importing scikit-image itself)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise RuntimeError("scikit-image is not installed; it is needed (bench/dev only) for its sample pictures")
    return Path(spec.origin).parent / "data"


def load_source(file: str) -> Image.Image:
    """Load one licensed source picture, decoded, as RGB (the horse keeps its alpha as RGBA)."""
    if file not in SOURCES_BY_FILE:
        raise ValueError(f"{file} is not in the licensed source list")
    with Image.open(skimage_data_dir() / file) as img:
        img.load()
        return img.convert("RGBA" if img.mode == "RGBA" else "RGB")


# ---------------------------------------------------------------------------------------------------------------
# Procedural artwork. Every family takes (rng, width, height) and returns an RGB image; two seeds of one family
# give "works in the same style" (hard negatives for the recall corpus).


def _hsv(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return int(red * 255), int(green * 255), int(blue * 255)


def _palette(rng: random.Random, count: int) -> list[tuple[int, int, int]]:
    base = rng.random()
    colours = []
    for i in range(count):
        hue = base + i * rng.uniform(0.08, 0.3)
        colours.append(_hsv(hue, rng.uniform(0.35, 0.9), rng.uniform(0.35, 0.98)))
    return colours


def _vertical_gradient(width: int, height: int, top: tuple[int, ...], bottom: tuple[int, ...]) -> np.ndarray:
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top_a = np.array(top[:3], np.float32)[None, None, :]
    bottom_a = np.array(bottom[:3], np.float32)[None, None, :]
    return np.broadcast_to(top_a * (1 - t) + bottom_a * t, (height, width, 3)).copy()


def smooth_noise(rng: random.Random, width: int, height: int, cells: int) -> np.ndarray:
    """Value noise in [0, 1]: a small random grid upsampled bicubically (fast at any size)."""
    gen = np.random.default_rng(rng.getrandbits(63))
    grid = (gen.random((cells, cells)) * 255).astype(np.uint8)
    big = Image.fromarray(grid, "L").resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(big, np.float32) / 255.0


def art_horizon(rng: random.Random, width: int, height: int) -> Image.Image:
    """Sky gradient, a low sun, a horizon and rippled reflections (harbour / seascape family)."""
    sky_top = _hsv(rng.uniform(0.6, 0.78), rng.uniform(0.5, 0.9), rng.uniform(0.25, 0.55))
    sky_low = _hsv(rng.uniform(0.0, 0.12), rng.uniform(0.5, 0.9), rng.uniform(0.8, 1.0))
    water = _hsv(rng.uniform(0.55, 0.7), rng.uniform(0.4, 0.8), rng.uniform(0.15, 0.35))
    horizon = int(height * rng.uniform(0.45, 0.7))
    canvas = np.zeros((height, width, 3), np.float32)
    canvas[:horizon] = _vertical_gradient(width, horizon, sky_top, sky_low)
    canvas[horizon:] = _vertical_gradient(width, height - horizon, sky_low, water) * 0.8
    ripples = smooth_noise(rng, width, height - horizon, rng.randint(6, 14))
    canvas[horizon:] *= (0.75 + 0.4 * ripples)[:, :, None]
    img = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    radius = int(min(width, height) * rng.uniform(0.05, 0.12))
    sun_x = int(width * rng.uniform(0.2, 0.8))
    sun_y = horizon - int(radius * rng.uniform(0.3, 1.5))
    draw.ellipse((sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius), fill=(255, 214, 150))
    for _ in range(rng.randint(3, 7)):  # masts and cranes on the skyline
        x = rng.randint(0, width)
        top = horizon - int(height * rng.uniform(0.05, 0.3))
        draw.rectangle((x, top, x + max(2, width // 200), horizon), fill=(25, 20, 35))
        draw.line((x, top, x + rng.randint(-width // 8, width // 8), top + height // 30), fill=(25, 20, 35), width=3)
    return img.filter(ImageFilter.GaussianBlur(0.6))


def art_orbits(rng: random.Random, width: int, height: int) -> Image.Image:
    """Translucent overlapping discs and rings on a tinted ground."""
    colours = _palette(rng, 6)
    img = Image.new("RGB", (width, height), colours[0])
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    short = min(width, height)
    for _ in range(rng.randint(8, 20)):
        r = int(short * rng.uniform(0.05, 0.35))
        x, y = rng.randint(0, width), rng.randint(0, height)
        colour = (*rng.choice(colours[1:]), rng.randint(70, 200))
        if rng.random() < 0.7:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=max(2, r // 8))
    img.paste(layer, (0, 0), layer)
    return img


def art_blocks(rng: random.Random, width: int, height: int) -> Image.Image:
    """Recursive rectangle subdivision with flat colours and dark rules (a Mondrian-like family)."""
    colours = _palette(rng, 5) + [(240, 236, 226)] * 3
    img = Image.new("RGB", (width, height), (240, 236, 226))
    draw = ImageDraw.Draw(img)
    rule = max(3, min(width, height) // 90)

    def split(x0: int, y0: int, x1: int, y1: int, depth: int) -> None:
        if depth == 0 or (x1 - x0) < width // 10 or (y1 - y0) < height // 10:
            draw.rectangle((x0, y0, x1, y1), fill=rng.choice(colours), outline=(20, 20, 24), width=rule)
            return
        if (x1 - x0) > (y1 - y0):
            cut = rng.randint(x0 + (x1 - x0) // 4, x1 - (x1 - x0) // 4)
            split(x0, y0, cut, y1, depth - 1)
            split(cut, y0, x1, y1, depth - 1)
        else:
            cut = rng.randint(y0 + (y1 - y0) // 4, y1 - (y1 - y0) // 4)
            split(x0, y0, x1, cut, depth - 1)
            split(x0, cut, x1, y1, depth - 1)

    split(0, 0, width - 1, height - 1, rng.randint(3, 5))
    return img


def art_contours(rng: random.Random, width: int, height: int) -> Image.Image:
    """Smooth noise mapped through a banded colour ramp (topographic map family)."""
    field = smooth_noise(rng, width, height, rng.randint(3, 7)) * 0.7
    field += smooth_noise(rng, width, height, rng.randint(9, 18)) * 0.3
    bands = rng.randint(6, 14)
    level = np.floor(field * bands) / bands
    c0, c1 = (np.array(c, np.float32) for c in _palette(rng, 2))
    rgb = c0[None, None, :] * (1 - level[:, :, None]) + c1[None, None, :] * level[:, :, None]
    edge = np.abs(np.diff(level, axis=0, prepend=level[:1])) > 0
    rgb[edge] *= 0.55
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def art_waves(rng: random.Random, width: int, height: int) -> Image.Image:
    """Interfering sine bands in two colours (op-art family)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = np.zeros((height, width), np.float32)
    for _ in range(rng.randint(2, 4)):
        angle = rng.uniform(0, np.pi)
        freq = rng.uniform(2.0, 9.0) * 2 * np.pi / max(width, height)
        phase += np.sin((x * np.cos(angle) + y * np.sin(angle)) * freq + rng.uniform(0, 6.28))
    t = (phase - phase.min()) / max(float(np.ptp(phase)), 1e-6)
    c0, c1 = (np.array(c, np.float32) for c in _palette(rng, 2))
    rgb = c0 * (1 - t[:, :, None]) + c1 * t[:, :, None]
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def art_fields(rng: random.Random, width: int, height: int) -> Image.Image:
    """One to four soft-edged colour fields on a ground, with a brushed-canvas texture (colour-field painting
    family). Works of this family share their layout, so they are hard negatives for a perceptual hash."""
    ground = _hsv(rng.random(), rng.uniform(0.3, 0.8), rng.uniform(0.15, 0.95))
    vertical = rng.random() < 0.3
    along, across = (width, height) if vertical else (height, width)
    count = rng.randint(1, 4)
    margin = across * rng.uniform(0.04, 0.2)
    start = along * rng.uniform(0.03, 0.15)
    gap = along * rng.uniform(0.02, 0.08)
    band = (along - 2 * start - gap * (count - 1)) / count
    img = Image.new("RGB", (width, height), ground)
    draw = ImageDraw.Draw(img)
    for index in range(count):
        a0 = start + index * (band + gap)
        a1 = a0 + band * rng.uniform(0.5, 1.0)
        box = (a0, margin, a1, across - margin) if vertical else (margin, a0, across - margin, a1)
        draw.rectangle(box, fill=_hsv(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.1, 1.0)))
    img = img.filter(ImageFilter.GaussianBlur(max(2, min(width, height) // 80)))
    brush = smooth_noise(rng, width, height, rng.randint(40, 80)) - 0.5
    canvas = np.asarray(img, np.float32) * (1.0 + 0.12 * brush[:, :, None])
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")


ART_FAMILIES: dict[str, Callable[[random.Random, int, int], Image.Image]] = {
    "horizon": art_horizon,
    "orbits": art_orbits,
    "blocks": art_blocks,
    "contours": art_contours,
    "waves": art_waves,
    "fields": art_fields,
}


def procedural_artwork(family: str, seed: int | str, width: int, height: int) -> Image.Image:
    """One deterministic RGB artwork of `family` for `seed`."""
    return ART_FAMILIES[family](random.Random(f"{family}/{seed}"), width, height)


def sticker(seed: int | str, size: int) -> Image.Image:
    """A round cut-out sticker on a fully transparent ground (RGBA).

    Transparent pixels keep black RGB underneath, as many editors write them; a copy flattened on white therefore
    differs from what ``convert("L")`` of the original shows, which is the real-world trap this work exercises.
    """
    rng = random.Random(f"sticker/{seed}")
    art = art_orbits(rng, size, size).convert("RGBA")
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    margin = size // 12
    draw.ellipse((margin, margin, size - margin, size - margin), fill=255)
    for _ in range(rng.randint(5, 9)):  # sun rays
        angle = rng.uniform(0, 2 * np.pi)
        cx = size / 2 + np.cos(angle) * size * 0.45
        cy = size / 2 + np.sin(angle) * size * 0.45
        r = size * rng.uniform(0.03, 0.05)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(1.2))
    art.putalpha(mask)
    rgba = np.asarray(art).copy()
    rgba[rgba[:, :, 3] == 0, :3] = 0
    return Image.fromarray(rgba, "RGBA")
