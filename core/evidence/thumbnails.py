"""The local work as the report shows it: a small JPEG thumbnail and a fresh SHA-256 of the file.

The file is read once; its digest is compared with the catalogue's so the report can say whether the file on
disk is still the one that was matched. Thumbnails are EXIF-transposed (the picture as the artist sees it),
flattened onto white and encoded with fixed settings, so the same file gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from core.settings import ScanSettings

THUMBNAIL_PX = 320
JPEG_QUALITY = 85

pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class WorkPicture:
    jpeg: bytes | None  # None when the file could not be read or decoded
    sha256: str | None  # of the bytes on disk now; None when the file could not be read
    problem: str  # plain reason when `jpeg` or `sha256` is missing


def read_work_picture(path: Path, limits: ScanSettings | None = None) -> WorkPicture:
    limits = limits or ScanSettings()
    try:
        if path.stat().st_size > limits.max_file_bytes:
            return WorkPicture(None, None, "the file is larger than the scan limit")
        data = path.read_bytes()
    except OSError as exc:
        return WorkPicture(None, None, f"the file can no longer be read ({exc.strerror or exc})")
    digest = hashlib.sha256(data).hexdigest()
    try:
        return WorkPicture(_thumbnail(data, limits), digest, "")
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, UnidentifiedImageError) as exc:
        return WorkPicture(None, digest, f"no thumbnail: the file could not be decoded ({exc})")


def _thumbnail(data: bytes, limits: ScanSettings) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > limits.max_image_pixels or max(width, height) > limits.max_side:
                raise ValueError(f"{width}x{height} is above the decoding limits")
            image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))  # JPEG: decode at a reduced scale
            upright = ImageOps.exif_transpose(image)
            picture = _flattened(upright)
    picture.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    return out.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """RGB on a white background (transparent pixels would otherwise turn black in a JPEG)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
