"""Decode one image safely and compute its fingerprints.

The pHash is ImageHash's own `phash` on the image exactly as `Image.open` returns it: datasets (COYO) were
hashed that way, so this value must be bit-identical and is never computed from a reduced image. dHash,
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
import pillow_heif
from PIL import Image, UnidentifiedImageError

from core.errors import UnreadableImage
from core.settings import ScanSettings
from core.variants import phash_variants

REDUCED_SIDE = 512

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
            phash = imagehash.phash(image)
            reduced = _reduced_rgb(image)
            variants = tuple(phash_variants(image))
        except _DECODE_ERRORS as exc:
            raise _decode_failure(exc) from exc
    return ImageFingerprint(
        sha256=sha256,
        phash=_hash_int(phash),
        dhash=_hash_int(imagehash.dhash(reduced)),
        whash=_hash_int(imagehash.whash(reduced)),
        colorhash=_hash_int(imagehash.colorhash(reduced)),
        width=width,
        height=height,
        format=fmt,
        variants=variants,
    )


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
