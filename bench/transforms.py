"""Deterministic "real-world copy" transforms: what a scraped copy of an artwork looks like.

Shared by the bundled sample datasets (resources/make_samples.py), the recall/precision corpus
(bench/recall_corpus.py) and the benchmarks. Every step has a name; a *chain* is step names joined by ``+`` and
applied left to right (``"crop+resize+jpeg"``), so an evaluation can report recall per chain. The same
(image, chain, seed) always gives the same pixels and bytes on the same Pillow/libjpeg build.

Steps (ranges from the matching issue):
- ``resize``: longest side to 256..1024 px (never enlarged), box/bilinear/bicubic/Lanczos resampling;
- ``crop``: 2..8 % cut from one, two, three or all four sides;
- ``border``: a solid frame of 1..6 % of the short side on all four sides;
- ``letterbox``: padding to a standard aspect ratio, as shops, galleries, social sites and thumbnail grids make it:
  the target is 1:1 (above all), 4:5, 3:4, 2:3, 16:9, 4:3 or 3:2 (never the work's own ratio), the bars are black,
  white or near-white and centred, so their width follows from the work's shape (a 3:2 work padded to 1:1 gets
  bars of 1/6 of the canvas above and below; the same work padded to 16:9 gets narrow bars left and right);
- ``bars``: two solid bars of a fixed share (4..12 % each) on the short axis (the bundled samples' older model;
  no corpus chain uses it);
- ``ratiocrop``: a centre crop to one of the same standard ratios (thumbnail grids, social previews);
- ``mirror``: a horizontal flip (repost farms and pin boards use it to dodge duplicate detectors);
- ``watermark_text``: semi-transparent text (4..9 % of the short side high) in Pillow's default font;
- ``watermark_logo``: a semi-transparent badge (disc and bar, 6..14 % of the short side) in a corner or centre;
- ``flatten_white``: transparency composited on white (only meaningful for works with alpha);
- ``jpeg``: re-encode as JPEG at quality 60..90; alpha, if any is left, is flattened on white first, as a
  browser or a CMS would. ``jpeg`` is the encoding of the copy, so it is always the last step of a chain.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

Step = Callable[[Image.Image, random.Random], Image.Image]

BAR_COLOURS = ((0, 0, 0), (255, 255, 255), (18, 18, 18), (128, 128, 128), (240, 240, 236))
# Target shapes (width / height) and how often each is drawn: square first, then the common print, phone and
# screen shapes. A draw within 2 % of the work's own ratio is drawn again (no padding to make).
TARGET_RATIOS = ((1.0, 0.40), (4 / 5, 0.12), (3 / 4, 0.08), (2 / 3, 0.08), (16 / 9, 0.12), (4 / 3, 0.10), (3 / 2, 0.10))
WATERMARK_TEXTS = ("pinspiration.example", "(c) wallhub", "SAMPLE", "artfeed.example", "PREVIEW", "imgbox")
RESAMPLERS = (
    Image.Resampling.BOX,
    Image.Resampling.BILINEAR,
    Image.Resampling.BICUBIC,
    Image.Resampling.LANCZOS,
)


def normalise_mode(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image has any transparency (palette ``transparency`` included)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def flatten_on_white(image: Image.Image) -> Image.Image:
    """Composite any transparency on white and return RGB."""
    image = normalise_mode(image)
    if image.mode != "RGBA":
        return image
    ground = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(ground, image).convert("RGB")


def resize(image: Image.Image, rng: random.Random) -> Image.Image:
    long_side = max(image.size)
    target = min(rng.randint(256, 1024), long_side)
    scale = target / long_side
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, rng.choice(RESAMPLERS))


def crop(image: Image.Image, rng: random.Random) -> Image.Image:
    sides = rng.sample(["left", "top", "right", "bottom"], rng.randint(1, 4))
    cut = {side: rng.uniform(0.02, 0.08) if side in sides else 0.0 for side in ("left", "top", "right", "bottom")}
    box = (
        round(image.width * cut["left"]),
        round(image.height * cut["top"]),
        image.width - round(image.width * cut["right"]),
        image.height - round(image.height * cut["bottom"]),
    )
    return image.crop(box)


def _pad(image: Image.Image, left: int, top: int, right: int, bottom: int, colour: tuple[int, int, int]) -> Image.Image:
    fill = (*colour, 255) if image.mode == "RGBA" else colour
    canvas = Image.new(image.mode, (image.width + left + right, image.height + top + bottom), fill)
    canvas.paste(image, (left, top))
    return canvas


def border(image: Image.Image, rng: random.Random) -> Image.Image:
    width = max(1, round(min(image.size) * rng.uniform(0.01, 0.06)))
    return _pad(image, width, width, width, width, rng.choice(BAR_COLOURS))


def bars(image: Image.Image, rng: random.Random) -> Image.Image:
    horizontal_bars = image.width > image.height or (image.width == image.height and rng.random() < 0.5)
    colour = rng.choice(BAR_COLOURS)
    if horizontal_bars:  # bars above and below a landscape picture
        bar = round(image.height * rng.uniform(0.04, 0.12))
        return _pad(image, 0, bar, 0, bar, colour)
    bar = round(image.width * rng.uniform(0.04, 0.12))
    return _pad(image, bar, 0, bar, 0, colour)


def target_ratio(image: Image.Image, rng: random.Random) -> float:
    """A standard ratio (width / height) at least 2 % away from the image's own, drawn by `TARGET_RATIOS`."""
    own = image.width / image.height
    choices = [(ratio, weight) for ratio, weight in TARGET_RATIOS if abs(ratio / own - 1) > 0.02]
    return rng.choices([r for r, _ in choices], [w for _, w in choices])[0]


def pad_colour(rng: random.Random) -> tuple[int, int, int]:
    """Black, white or a near-white (a page or card colour, slightly warm or cool)."""
    kind = rng.choices(("black", "white", "near-white"), (0.35, 0.35, 0.30))[0]
    if kind != "near-white":
        return (0, 0, 0) if kind == "black" else (255, 255, 255)
    grey = rng.randint(236, 250)
    return (grey, grey, min(255, max(0, grey + rng.randint(-4, 4))))


def letterbox(image: Image.Image, rng: random.Random) -> Image.Image:
    ratio, colour = target_ratio(image, rng), pad_colour(rng)
    if ratio > image.width / image.height:  # wider canvas: bars left and right
        extra = round(image.height * ratio) - image.width
        return _pad(image, extra // 2, 0, extra - extra // 2, 0, colour)
    extra = round(image.width / ratio) - image.height
    return _pad(image, 0, extra // 2, 0, extra - extra // 2, colour)


def ratiocrop(image: Image.Image, rng: random.Random) -> Image.Image:
    ratio = target_ratio(image, rng)
    if ratio > image.width / image.height:  # a wider shape: cut top and bottom
        height = round(image.width / ratio)
        top = (image.height - height) // 2
        return image.crop((0, top, image.width, top + height))
    width = round(image.height * ratio)
    left = (image.width - width) // 2
    return image.crop((left, 0, left + width, image.height))


def mirror(image: Image.Image, rng: random.Random) -> Image.Image:
    del rng  # deterministic
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def _corner(image: Image.Image, box_w: float, box_h: float, rng: random.Random) -> tuple[float, float]:
    margin = max(2, min(image.size) // 40)
    choices = [
        (margin, margin),
        (image.width - box_w - margin, margin),
        (margin, image.height - box_h - margin),
        (image.width - box_w - margin, image.height - box_h - margin),
        ((image.width - box_w) // 2, (image.height - box_h) // 2),
    ]
    x, y = rng.choice(choices)
    return max(0, x), max(0, y)


def _overlay(image: Image.Image, layer: Image.Image) -> Image.Image:
    base = image.convert("RGBA")
    merged = Image.alpha_composite(base, layer)
    return merged if image.mode == "RGBA" else merged.convert("RGB")


def watermark_text(image: Image.Image, rng: random.Random) -> Image.Image:
    size = max(10, round(min(image.size) * rng.uniform(0.04, 0.09)))
    font = ImageFont.load_default(size=size)
    text = rng.choice(WATERMARK_TEXTS)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x, y = _corner(image, right - left, bottom - top, rng)
    shade = rng.choice([(255, 255, 255), (0, 0, 0)])
    draw.text((x - left, y - top), text, font=font, fill=(*shade, rng.randint(90, 160)))
    return _overlay(image, layer)


def watermark_logo(image: Image.Image, rng: random.Random) -> Image.Image:
    side = max(12, round(min(image.size) * rng.uniform(0.06, 0.14)))
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    x, y = _corner(image, side, side, rng)
    alpha = rng.randint(80, 140)
    draw.ellipse((x, y, x + side, y + side), fill=(255, 255, 255, alpha))
    draw.rectangle((x + side // 5, y + side * 2 // 5, x + side * 4 // 5, y + side * 3 // 5), fill=(0, 0, 0, alpha))
    return _overlay(image, layer)


def flatten_white(image: Image.Image, rng: random.Random) -> Image.Image:
    del rng  # deterministic; the signature is shared by every step
    return flatten_on_white(image)


def jpeg_bytes(image: Image.Image, rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    flatten_on_white(image).save(buffer, "JPEG", quality=rng.randint(60, 90))
    return buffer.getvalue()


def jpeg(image: Image.Image, rng: random.Random) -> Image.Image:
    decoded = Image.open(io.BytesIO(jpeg_bytes(image, rng)))
    decoded.load()
    return decoded


STEPS: dict[str, Step] = {
    "resize": resize,
    "jpeg": jpeg,
    "crop": crop,
    "border": border,
    "letterbox": letterbox,
    "bars": bars,
    "ratiocrop": ratiocrop,
    "mirror": mirror,
    "watermark_text": watermark_text,
    "watermark_logo": watermark_logo,
    "flatten_white": flatten_white,
}
ALPHA_ONLY_STEPS = frozenset({"flatten_white"})
COMBINATIONS: tuple[str, ...] = (
    "resize+jpeg",
    "crop+resize+jpeg",
    "border+resize+jpeg",
    "letterbox+resize+jpeg",
    "watermark_text+resize+jpeg",
    "watermark_logo+resize+jpeg",
    "crop+watermark_text+resize+jpeg",
    "crop+border+resize+jpeg",
    "flatten_white+resize+jpeg",
    "ratiocrop+resize+jpeg",
    "mirror+resize+jpeg",
    "mirror+letterbox+resize+jpeg",
)
CHAINS: tuple[str, ...] = tuple(STEPS) + COMBINATIONS


def _check(chain: str) -> list[str]:
    names = chain.split("+")
    unknown = [name for name in names if name not in STEPS]
    if unknown:
        raise ValueError(f"unknown transform step(s) {unknown} in {chain!r}; known: {sorted(STEPS)}")
    if "jpeg" in names[:-1]:
        raise ValueError(f"'jpeg' is the encoding of the copy and must come last in {chain!r}")
    return names


def chains_for(image: Image.Image) -> tuple[str, ...]:
    """The chains that make sense for `image`: flattening only for works with transparency."""
    has_alpha = normalise_mode(image).mode == "RGBA"
    return tuple(c for c in CHAINS if has_alpha or not ALPHA_ONLY_STEPS.intersection(c.split("+")))


@dataclass(frozen=True)
class Copy:
    """A transformed copy as a scraper would have stored it: the encoded bytes and the decoded picture."""

    chain: str
    data: bytes
    format: str  # "JPEG" or "PNG"
    image: Image.Image

    @property
    def extension(self) -> str:
        return ".jpg" if self.format == "JPEG" else ".png"


def _step_rng(seed: int | str, index: int, name: str) -> random.Random:
    return random.Random(f"{seed}/{index}/{name}")


def apply_chain(image: Image.Image, chain: str, seed: int | str) -> Image.Image:
    """The decoded pixels of the copy that `chain` makes of `image` (RGB or RGBA)."""
    return make_copy(image, chain, seed).image


def make_copy(image: Image.Image, chain: str, seed: int | str) -> Copy:
    """Apply `chain` with per-step generators derived from `seed`; encode as JPEG if the chain ends in ``jpeg``,
    else as PNG (lossless, so only the named steps change the pixels)."""
    names = _check(chain)
    current = normalise_mode(image)
    for index, name in enumerate(names[:-1] if names[-1] == "jpeg" else names):
        current = STEPS[name](current, _step_rng(seed, index, name))
    if names[-1] == "jpeg":
        data = jpeg_bytes(current, _step_rng(seed, len(names) - 1, "jpeg"))
        fmt = "JPEG"
    else:
        buffer = io.BytesIO()
        current.save(buffer, "PNG", compress_level=1)
        data, fmt = buffer.getvalue(), "PNG"
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    return Copy(chain=chain, data=data, format=fmt, image=decoded)
