"""Small, varied test images written with Pillow (deterministic)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()


def pattern(width: int, height: int, seed: int = 0) -> Image.Image:
    """A smooth colourful picture with some detail: pHash bits are not all on a knife edge."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    fx, fy, phase = rng.uniform(1, 6), rng.uniform(1, 6), rng.uniform(0, 6)
    red = 127 + 120 * np.sin(x / width * fx * 3.1 + phase)
    green = 127 + 120 * np.cos(y / height * fy * 3.1 - phase)
    blue = 127 + 120 * np.sin((x + y) / (width + height) * (fx + fy) * 3.1)
    noise = rng.normal(0, 12, (height, width, 3))
    pixels = np.clip(np.dstack([red, green, blue]) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def save(image: Image.Image, path: Path, **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)
    return path


def with_alpha(image: Image.Image) -> Image.Image:
    """RGBA with a fully transparent left third whose hidden colour is bright red."""
    rgba = image.convert("RGBA")
    pixels = np.array(rgba)
    third = pixels.shape[1] // 3
    pixels[:, :third] = (255, 0, 0, 0)
    return Image.fromarray(pixels, "RGBA")


def varied_corpus(folder: Path) -> list[Path]:
    """One file per format and pixel mode an artist's folder may hold."""
    base = pattern(320, 240, seed=1)
    tall = pattern(200, 300, seed=2)
    files = [
        save(base, folder / "photo.jpg", quality=90),
        save(base.convert("CMYK"), folder / "print-cmyk.jpg", quality=90),
        save(base.convert("L"), folder / "grey.jpg"),
        save(tall, folder / "painting.png"),
        save(with_alpha(tall), folder / "cutout.png"),
        save(base.convert("P", palette=Image.Palette.ADAPTIVE, colors=64), folder / "palette.png", transparency=0),
        save(base.convert("LA"), folder / "grey-alpha.png"),
        save(Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257), folder / "deep-16bit.png"),
        save(base, folder / "web.webp", quality=85),
        save(with_alpha(base), folder / "web-alpha.webp", lossless=True),
        save(base, folder / "scan.tif", compression="tiff_lzw"),
        save(base.convert("P", palette=Image.Palette.ADAPTIVE), folder / "anim.gif"),
        save(base, folder / "old.bmp"),
        save(base, folder / "phone.heic", quality=80),
        save(base, folder / "modern.avif", quality=70),
    ]
    return files
