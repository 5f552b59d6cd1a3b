"""Decode one image safely and compute its fingerprints.

The pHash is ImageHash's `phash` on the image exactly as `Image.open` returns it: datasets (COYO) were hashed that
way, so this value must be bit-identical and is never computed from a reduced image. `phash_and_margins` runs
ImageHash's own steps (greyscale, LANCZOS to 32x32, 2-D DCT-II, the top-left 8x8, each bit "coefficient above the
median") so that it also keeps how far each coefficient sat from the median: a bit whose coefficient is close to
it flips under a plain re-encode (bench/README.md, "Knife-edge and plain works"), so the count of the others
(`informative_bits`) says how much of the work's pHash a copy can be recognised by. dHash,
wHash and the colour hash are ours alone, so they are computed from a box-reduced RGB copy (short side about
`REDUCED_SIDE`), which is several times cheaper on camera-sized images; palette and alpha images are converted
to RGB *before* shrinking, because Pillow resizes alpha images premultiplied and that darkens transparent
pixels.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib
from dataclasses import dataclass

import imagehash
import numpy as np
import numpy.typing as npt
import pillow_heif
from PIL import Image, UnidentifiedImageError

from core.errors import UnreadableImage
from core.settings import ScanSettings
from core.variants import VARIANT_SET, phash_variants

REDUCED_SIDE = 512
# A bit whose DCT coefficient is at least this far from the median (in units of ImageHash's unnormalised DCT of
# the 32x32 greyscale picture) kept its value in 99 % of the re-encoded and resized copies of the recall corpus
# (flip rate 34 % below 10, 11 % at 20-30, 3 % at 40-60, 1 % at 60-120; bench/README.md).
INFORMATIVE_MARGIN = 40.0
# A pHash with fewer informative bits than this belongs to a blank, flat, faint or two-tone picture: copies of it
# flip most of its bits (a flat picture with faint noise: 20 informative bits, copies 14-34 bits away), and it
# equals the pHash of every other flat picture of a dataset. Such a work is matched by file and name only.
PLAIN_BELOW_BITS = 24

pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class ImageFingerprint:
    """Everything TrainTrace knows about one image file's content. Hashes are unsigned ints."""

    sha256: str
    phash: int
    dhash: int
    whash: int
    colorhash: int
    width: int
    height: int
    format: str
    variants: tuple[tuple[str, int], ...] = ()  # pHashes of canonical variants (see core.variants)
    informative_bits: int | None = None  # bits of `phash` a re-encode leaves alone (`informative_bits`)
    variant_set: int = VARIANT_SET  # the version of core.variants that made `variants`


def fingerprint_bytes(data: bytes, limits: ScanSettings, sha256: str | None = None) -> ImageFingerprint:
    """Fingerprint an image held in memory; raises `UnreadableImage` with a plain reason.

    `sha256` may be passed when the caller already hashed the bytes.
    """
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    if not data:
        raise UnreadableImage("empty file (0 bytes)", "empty")
    with _open_checked(data, limits) as image:
        fmt = image.format or "unknown"
        width, height = image.size
        try:
            image.load()
            phash, margins = phash_and_margins(image)
            reduced = _reduced_rgb(image)
            variants = tuple(phash_variants(image))
        except _DECODE_ERRORS as exc:
            raise _decode_failure(exc) from exc
    return ImageFingerprint(
        sha256=sha256,
        phash=phash,
        dhash=_hash_int(imagehash.dhash(reduced)),
        whash=_hash_int(imagehash.whash(reduced)),
        colorhash=_hash_int(imagehash.colorhash(reduced)),
        width=width,
        height=height,
        format=fmt,
        variants=variants,
        informative_bits=informative_bits(margins),
    )


def phash_and_margins(image: Image.Image) -> tuple[int, npt.NDArray[np.float64]]:
    """``int(str(imagehash.phash(image)), 16)``, computed by ImageHash's own steps, and each bit's margin: how far
    its DCT coefficient is from the median (bit 63 first, as the hex string reads)."""
    # Imported here, as ImageHash does: SciPy's FFT costs 0.17 s at start-up, and commands that hash no image (a
    # dataset add or a match, which load this module for its types) should not pay it.
    import scipy.fftpack

    pixels = np.asarray(image.convert("L").resize((32, 32), imagehash.ANTIALIAS))
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = dct[:8, :8].reshape(-1)
    median = np.median(low)
    value = 0
    for above in (low > median).tolist():
        value = (value << 1) | int(above)
    return value, np.abs(low - median)


def is_plain(bits: int | None) -> bool:
    """Whether a pHash with `bits` informative bits is too plain to match by (None: not measured, so not plain)."""
    return bits is not None and bits < PLAIN_BELOW_BITS


def informative_bits(margins: npt.NDArray[np.float64]) -> int:
    """How many of the pHash's bits sit at least INFORMATIVE_MARGIN from the median (64 for a detailed picture;
    about 1 for a blank or flat one, whose pHash is 0000000000000000 or 8000000000000000)."""
    return int((margins >= INFORMATIVE_MARGIN).sum())


_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error, MemoryError, IndexError)


def _open_checked(data: bytes, limits: ScanSettings) -> Image.Image:
    """Open (header only) and refuse absurd or bomb-sized images before any pixel is decoded."""
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise UnreadableImage("not an image, or a format TrainTrace cannot read", "not_image") from exc
    except Image.DecompressionBombError as exc:
        raise UnreadableImage(f"too many pixels (possible decompression bomb): {exc}", "bomb") from exc
    except _DECODE_ERRORS as exc:
        raise _decode_failure(exc) from exc
    width, height = image.size
    if width <= 0 or height <= 0 or max(width, height) > limits.max_side:
        image.close()
        raise UnreadableImage(f"absurd dimensions {width}x{height} (limit {limits.max_side} px per side)", "bomb")
    if width * height > limits.max_image_pixels:
        image.close()
        megapixels = width * height / 1e6
        raise UnreadableImage(
            f"{width}x{height} is {megapixels:.0f} megapixels, above the {limits.max_image_pixels / 1e6:.0f} MP limit"
            " (possible decompression bomb)",
            "bomb",
        )
    return image


def _reduced_rgb(image: Image.Image) -> Image.Image:
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    factor = max(1, min(rgb.size) // REDUCED_SIDE)
    return rgb.reduce(factor) if factor > 1 else rgb


def _decode_failure(exc: BaseException) -> UnreadableImage:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, MemoryError):
        return UnreadableImage("not enough memory to decode this image", "too_large")
    if "truncated" in message.lower():
        return UnreadableImage(f"truncated file ({message})", "truncated")
    return UnreadableImage(f"corrupt or undecodable image ({message})", "corrupt")


def _hash_int(value: imagehash.ImageHash) -> int:
    return int(str(value), 16)
