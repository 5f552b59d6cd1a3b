"""Canonical variants of a work: what a scraped copy of it may look like, hashed the way datasets hash.

COYO-700M publishes ``str(imagehash.phash(copy))`` of each scraped copy. A copy is usually resized and recompressed
(the plain pHash of the work survives that), but it is also often bordered, letterboxed, cropped by a few percent,
or has its transparency flattened on white; those move the copy's pHash 10 to 60 bits away from the work's. So
besides the plain pHash (which the caller already has, as "original"), TrainTrace queries the pHashes of a few
variants of the work, each made the way such a copy is made.

The set is small on purpose: every variant is one more query against hundreds of millions of rows, so one more
chance of a false positive. It was chosen greedily on a selection corpus (bench/recall_corpus.py, seed 1) and is
reported on another one (seed 0; bench/eval_recall.py, bench/README.md "Recall and precision"): each variant
recovers the most copies missed so far for the fewest new false positives. Measured and left out: a "trimmed"
variant (uniform frame removed) found fewer true copies than false ones; other bar colours and sizes, the other
one-sided crops and deeper crops each recovered fewer copies per new false positive than the ones kept (greedy
score: copies recovered minus three times the new false positives, variants accepted at distance <= 6).

Speed: variants are hashed from a box-reduced copy of the work (short side about `REDUCED_SHORT_SIDE`), made once
and converted to greyscale once; pads and crops of a greyscale image give the same pixels as pads and crops of
the RGB image converted afterwards, because ``convert("L")`` works pixel by pixel. Transparency is resolved
(composited, or premultiplied) *before* shrinking, so hidden colour under transparent pixels never bleeds in.
"""

from __future__ import annotations

from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image

REDUCED_SHORT_SIDE = 384  # measured: 0.58 bits from the full-size hash on average (512: 0.47) at half the time
GREYS = {"white": 255, "black": 0}

# Sides are (left, top, right, bottom). Borders are shares of the short side; bars are shares of the dimension
# they extend (a landscape work gets bars above and below); crops are shares of the dimension they cut.
Sides = tuple[float, float, float, float]


@dataclass(frozen=True)
class Geometry:
    """One geometric variant: pad with a solid grey (`grey` set) or crop (`grey` None) by `sides`."""

    name: str
    sides: Sides
    grey: int | None = None
    relative_to_short_side: bool = False

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The (left, top, right, bottom) pixel amounts for a `width` x `height` image."""
        if self.relative_to_short_side:
            short = min(width, height)
            left, top, right, bottom = (max(1, round(short * share)) if share else 0 for share in self.sides)
            return left, top, right, bottom
        return (round(width * self.sides[0]), round(height * self.sides[1]),
                round(width * self.sides[2]), round(height * self.sides[3]))  # fmt: skip

    def size(self, width: int, height: int) -> tuple[int, int]:
        """The size of this variant of a `width` x `height` image."""
        left, top, right, bottom = self.pixels(width, height)
        sign = 1 if self.grey is not None else -1
        return width + sign * (left + right), height + sign * (top + bottom)


def _border(share: float, colour: str) -> Geometry:
    return Geometry(f"border-{share * 100:g}-{colour}", (share,) * 4, GREYS[colour], relative_to_short_side=True)


def _bars(axis: str, share: float, colour: str) -> Geometry:
    sides = (0.0, share, 0.0, share) if axis == "tb" else (share, 0.0, share, 0.0)
    return Geometry(f"bars-{axis}-{share * 100:g}-{colour}", sides, GREYS[colour])


def _crop(where: str, share: float) -> Geometry:
    cut = {side: share if side in where.split("-") or where == "all" else 0.0 for side in ("left", "top", "right")}
    bottom = share if "bottom" in where.split("-") or where == "all" else 0.0
    suffix = "" if where == "all" else f"-{where}"
    return Geometry(f"crop-{share * 100:g}{suffix}", (cut["left"], cut["top"], cut["right"], bottom))


BORDERS = (_border(0.02, "white"), _border(0.035, "black"), _border(0.05, "white"))
BARS = {axis: (_bars(axis, 0.08, "black"), _bars(axis, 0.08, "white")) for axis in ("tb", "lr")}
CROPS = tuple(_crop(where, 0.05) for where in ("all", "right", "top-bottom", "bottom-right", "top-left", "top-right"))
GEOMETRIES: dict[str, Geometry] = {g.name: g for g in (*BORDERS, *BARS["tb"], *BARS["lr"], *CROPS)}
ALPHA_VARIANTS = ("flattened", "matted-black")


def phash_variants(image: Image.Image) -> list[tuple[str, int]]:
    """The pHashes (unsigned ints, ``imagehash.phash`` of each variant image) of the canonical variants of `image`.

    `image` is the work as ``Image.open`` gives it (any mode, full size). The plain pHash of the work is never
    included. Images with transparency also get "flattened" (composited on white, as a browser, a CMS or a JPEG
    re-encoder shows it) and "matted-black" (composited on black, as a premultiplied resize leaves it); the
    geometric variants of such a work are made from the flattened picture. Deterministic.
    """
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    variants: list[tuple[str, int]] = []
    if has_alpha:
        flat, matted = _flattened_and_matted(image.convert("RGBA"))
        variants += [("flattened", _phash(flat)), ("matted-black", _phash(matted))]
    else:
        flat = _reduced(image if image.mode in ("RGB", "L") else image.convert("RGB"))  # no 24 MP copy
    grey = flat.convert("L")
    for geometry in applicable_geometries(*grey.size):
        variants.append((geometry.name, _phash(_apply(grey, geometry))))
    return variants


def applicable_geometries(width: int, height: int) -> list[Geometry]:
    """Borders and crops for every work; bars on the short axis (both for a square work), as letterboxing adds."""
    axes = ["tb"] if width > height else ["lr"] if height > width else ["tb", "lr"]
    return [*BORDERS, *(bar for axis in axes for bar in BARS[axis]), *CROPS]


def variant_size(variant: str, work_size: tuple[int, int]) -> tuple[int, int]:
    """The size a copy shaped like `variant` of a `work_size` work has before any resize. "original", the
    transparency variants and unknown names keep the work's size."""
    geometry = GEOMETRIES.get(variant)
    return geometry.size(*work_size) if geometry else work_size


def _phash(image: Image.Image) -> int:
    return int(str(imagehash.phash(image)), 16)


def _flattened_and_matted(rgba: Image.Image) -> tuple[Image.Image, Image.Image]:
    """The work composited on white and on black, box-reduced. A work small enough not to be reduced is composited
    exactly as the reference would (bit-identical pHash). A larger one is premultiplied, reduced, then composited:
    compositing is linear in (premultiplied RGB, alpha) and so is a box average, so this equals reducing the
    full-size composites to within one grey level, at a third of the cost of two full-size composites."""
    factor = min(rgba.size) // REDUCED_SHORT_SIDE
    if factor <= 1:
        return _composite(rgba, 255), _composite(rgba, 0)
    small = np.asarray(rgba.convert("RGBa").reduce(factor), dtype=np.float32)
    premultiplied, alpha = small[:, :, :3], small[:, :, 3:]
    on_white = np.clip(np.rint(premultiplied + 255.0 - alpha), 0, 255).astype(np.uint8)
    on_black = np.clip(np.rint(premultiplied), 0, 255).astype(np.uint8)
    return Image.fromarray(on_white, "RGB"), Image.fromarray(on_black, "RGB")


def _composite(rgba: Image.Image, grey: int) -> Image.Image:
    ground = Image.new("RGBA", rgba.size, (grey, grey, grey, 255))
    return Image.alpha_composite(ground, rgba).convert("RGB")


def _reduced(rgb: Image.Image) -> Image.Image:
    """Box-reduce by an integer factor so the short side stays at least REDUCED_SHORT_SIDE."""
    factor = min(rgb.size) // REDUCED_SHORT_SIDE
    return rgb.reduce(factor) if factor > 1 else rgb


def _apply(grey: Image.Image, geometry: Geometry) -> Image.Image:
    left, top, right, bottom = geometry.pixels(*grey.size)
    if geometry.grey is None:
        return grey.crop((left, top, grey.width - right, grey.height - bottom))
    canvas = Image.new("L", geometry.size(*grey.size), geometry.grey)
    canvas.paste(grey, (left, top))
    return canvas
