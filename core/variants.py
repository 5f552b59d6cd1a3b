"""Canonical variants of a work: what a scraped copy of it may look like, hashed the way datasets hash.

COYO-700M publishes ``str(imagehash.phash(copy))`` of each scraped copy. A copy is usually resized and recompressed
(the plain pHash of the work survives that), but it is also often padded to a standard shape, centre-cropped to
one, mirrored, bordered, cropped by a few percent, or has its transparency flattened on white; those move the
copy's pHash 10 to 60 bits away from the work's. So besides the plain pHash (which the caller already has, as
"original"), TrainTrace queries the pHashes of variants of the work, each made the way such a copy is made:

- **padded** to a standard shape (1:1 above all, then 4:5, 3:4, 2:3, 16:9, 4:3, 3:2), as shops, galleries,
  social sites and thumbnail grids pad a picture: the bars fill the canvas, so their width follows from the
  work's own shape; white and black bars (a near-white copy is within the same bits of the white one);
- **centre-cropped** to the same shapes (thumbnail grids and previews);
- **mirrored** (repost farms flip pictures to dodge duplicate detectors), and mirrored then padded;
- **bordered** (a frame of 2 %, 3.5 % or 5 % of the short side) and **cropped** (5 % off every side; 4 % off one
  side or a corner);
- flattened on white and on black, for works with transparency.

A padded, centre-cropped or mirrored variant has a known shape (a mirrored copy keeps the work's): it only counts
against dataset rows whose published width and height have that shape (`shape_of`, checked by
`core.matching.scoring.fits_shape`), which keeps its chance hits to rows of that shape. A border or a crop has a
known size (`variant_size`) and so an odd shape: a row of about that shape, and of no standard shape, admits a
border or a crop of a corner or every side at the user's threshold, any other row only more tightly
(`core.matching.scoring.fits_odd_shape`). Which
variants, and how tight each is accepted, was chosen on selection corpora (bench/recall_corpus.py, seeds 1 and 2)
and is reported on another (bench/README.md, "Recall and precision").

`VARIANT_SET` is stored with every work's variants: when the set changes, works fingerprinted by an older set are
read again by the next scan, and matched meanwhile by their own pHash only (never with stale variants).

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

# 1: borders, fixed 8 % bars, 5 % crops (until 2026-12). 2: shapes (pads and centre crops), mirrors, 4 % crops.
VARIANT_SET = 2
REDUCED_SHORT_SIDE = 384  # measured: 0.58 bits from the full-size hash on average (512: 0.47) at half the time
GREYS = {"white": 255, "black": 0}
# Standard shapes (width, height) that copies are padded or cropped to. A shape within SAME_SHAPE of the work's own
# is left out: padding or cropping to it changes next to nothing.
RATIOS: tuple[tuple[int, int], ...] = ((1, 1), (4, 5), (3, 4), (2, 3), (16, 9), (4, 3), (3, 2))
SAME_SHAPE = 0.02
ALPHA_VARIANTS = ("flattened", "matted-black")

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
CROPS = (
    _crop("all", 0.05),
    *(_crop(where, 0.04) for where in ("left", "top", "right", "bottom")),
    *(_crop(where, 0.04) for where in ("top-left", "top-right", "bottom-left", "bottom-right")),
)
# Variant set 1 (older catalogues and hash lists may still name them; their shapes are known, none is made now).
BARS = {axis: (_bars(axis, 0.08, "black"), _bars(axis, 0.08, "white")) for axis in ("tb", "lr")}
OLD_CROPS = tuple(_crop(where, 0.05) for where in ("right", "top-bottom", "bottom-right", "top-left", "top-right"))
GEOMETRIES: dict[str, Geometry] = {g.name: g for g in (*BORDERS, *CROPS, *BARS["tb"], *BARS["lr"], *OLD_CROPS)}

PAD_COLOURS = ("white", "black")
MIRRORED_PAD_COLOURS = ("white",)


def ratio_name(ratio: tuple[int, int]) -> str:
    return f"{ratio[0]}x{ratio[1]}"


_RATIOS_BY_NAME = {ratio_name(ratio): ratio for ratio in RATIOS}


@dataclass(frozen=True)
class ShapeVariant:
    """A variant whose copy has a known shape: padded or centre-cropped to a standard ratio, or only mirrored."""

    mirrored: bool
    operation: str | None  # "pad", "fit" (centre crop) or None (mirrored only)
    ratio: tuple[int, int] | None = None
    colour: str | None = None


def parse_shape_variant(name: str) -> ShapeVariant | None:
    """`mirror`, `pad-4x5-white`, `mirror-pad-1x1-white`, `fit-16x9`, ...; None for any other name."""
    mirrored = name == "mirror" or name.startswith("mirror-")
    rest = name.removeprefix("mirror").removeprefix("-")
    if not rest:
        return ShapeVariant(True, None) if mirrored else None
    parts = rest.split("-")
    if parts[0] == "pad" and len(parts) == 3 and parts[1] in _RATIOS_BY_NAME and parts[2] in GREYS:
        return ShapeVariant(mirrored, "pad", _RATIOS_BY_NAME[parts[1]], parts[2])
    if parts[0] == "fit" and len(parts) == 2 and parts[1] in _RATIOS_BY_NAME:
        return ShapeVariant(mirrored, "fit", _RATIOS_BY_NAME[parts[1]])
    return None


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
    mirrored = grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    variants.append(("mirror", _phash(mirrored)))
    for ratio in standard_ratios(*grey.size):
        label = ratio_name(ratio)
        variants += [(f"pad-{label}-{colour}", _phash(_pad_to(grey, ratio, GREYS[colour]))) for colour in PAD_COLOURS]
        variants += [
            (f"mirror-pad-{label}-{colour}", _phash(_pad_to(mirrored, ratio, GREYS[colour])))
            for colour in MIRRORED_PAD_COLOURS
        ]
        variants.append((f"fit-{label}", _phash(_fit_to(grey, ratio))))
    for geometry in (*BORDERS, *CROPS):
        variants.append((geometry.name, _phash(_apply(grey, geometry))))
    return variants


def standard_ratios(width: int, height: int) -> list[tuple[int, int]]:
    """The standard shapes a copy of a `width` x `height` work may be padded or cropped to (not its own)."""
    own = width / height
    return [ratio for ratio in RATIOS if abs(ratio[0] / ratio[1] / own - 1) > SAME_SHAPE]


def variant_size(variant: str, work_size: tuple[int, int]) -> tuple[int, int]:
    """The size a copy shaped like `variant` of a `work_size` work has before any resize. "original", "mirror",
    the transparency variants and unknown names keep the work's size."""
    geometry = GEOMETRIES.get(variant)
    if geometry is not None:
        return geometry.size(*work_size)
    shaped = parse_shape_variant(variant)
    if shaped is None or shaped.ratio is None:
        return work_size
    width, height = work_size
    wide = shaped.ratio[0] / shaped.ratio[1] > width / height
    if shaped.operation == "pad":
        return (round(height * shaped.ratio[0] / shaped.ratio[1]), height) if wide else (
            width, round(width * shaped.ratio[1] / shaped.ratio[0]))  # fmt: skip
    return (width, round(width * shaped.ratio[1] / shaped.ratio[0])) if wide else (
        round(height * shaped.ratio[0] / shaped.ratio[1]), height)  # fmt: skip


def shape_of(variant: str, work_size: tuple[int, int] | None) -> float | None:
    """The shape (width / height) a copy made like `variant` must have for the variant to count against it, or
    None when the variant counts against a row of any shape. Padded and centre-cropped variants have their
    standard ratio; a mirrored copy keeps the work's shape (needs `work_size`: 0.0, matching no row, without it)."""
    shaped = parse_shape_variant(variant)
    if shaped is None:
        return None
    if shaped.ratio is not None:
        return shaped.ratio[0] / shaped.ratio[1]
    return work_size[0] / work_size[1] if work_size and min(work_size) > 0 else 0.0


def describe_variant(variant: str) -> str:
    """How a copy made like `variant` looks, in words an artist reads without knowing the variant names."""
    if variant == "original":
        return "as it is"
    if variant == "flattened":
        return "with its transparency flattened on white"
    if variant == "matted-black":
        return "with its transparency on black"
    shaped = parse_shape_variant(variant)
    if shaped is not None:
        return _describe_shape(shaped)
    geometry = GEOMETRIES.get(variant)
    if geometry is None:
        return f"as the variant {variant}"
    share = max(geometry.sides) * 100
    if geometry.relative_to_short_side and geometry.grey is not None:
        return f"with a {_grey_word(geometry.grey)} border ({share:g} % of the short side)"
    if geometry.grey is not None:
        where = "above and below" if geometry.sides[1] else "at the sides"
        return f"with {_grey_word(geometry.grey)} bars {where} ({share:g} % each)"
    sides = [side for side, cut in zip(("left", "top", "right", "bottom"), geometry.sides, strict=True) if cut]
    if len(sides) == 4:
        return f"cropped {share:g} % off every side"
    return f"cropped {share:g} % off the {' and '.join(sides)}"


def _describe_shape(shaped: ShapeVariant) -> str:
    if shaped.ratio is None:
        return "mirrored (flipped left to right)"
    shape = "a square (1:1)" if shaped.ratio == (1, 1) else f"{shaped.ratio[0]}:{shaped.ratio[1]}"
    prefix = "mirrored and " if shaped.mirrored else ""
    if shaped.operation == "pad":
        return f"{prefix}padded to {shape} with {shaped.colour} bars"
    return f"{prefix}centre-cropped to {shape}"


def _grey_word(grey: int) -> str:
    return "white" if grey == 255 else "black" if grey == 0 else "grey"


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


def _pad_to(grey: Image.Image, ratio: tuple[int, int], colour: int) -> Image.Image:
    """Centred on a canvas of the standard `ratio`, the rest filled with `colour`."""
    width, height = variant_size(f"pad-{ratio_name(ratio)}-white", grey.size)
    canvas = Image.new("L", (width, height), colour)
    canvas.paste(grey, ((width - grey.width) // 2, (height - grey.height) // 2))
    return canvas


def _fit_to(grey: Image.Image, ratio: tuple[int, int]) -> Image.Image:
    """The centre of the work cut to the standard `ratio`."""
    width, height = variant_size(f"fit-{ratio_name(ratio)}", grey.size)
    left, top = (grey.width - width) // 2, (grey.height - height) // 2
    return grey.crop((left, top, left + width, top + height))
