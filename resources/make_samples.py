"""Regenerate the bundled sample portfolio and sample datasets from fixed seeds (a dev script, never imported).

Run from the repository root:  ``python -m resources.make_samples``  (needs the dev extra: scikit-image).

It writes resources/sample_portfolio/ (the works of the imaginary artist Ada Okonkwo-Lindqvist, LICENSES.md,
profile.json) and then resources/sample_datasets/ (three Parquet files in the real COYO, DataComp and LAION
schemas, and expected.json naming the rows that must and must not match). Output is byte-for-byte reproducible
on the same Pillow/libjpeg/libheif/libavif builds; another build may encode the pictures slightly differently,
which is why the datasets are always regenerated from the pictures actually written, never from constants.
"""

from __future__ import annotations

import importlib.metadata
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from bench import artgen, sample_datasets

HERE = Path(__file__).resolve().parent
PORTFOLIO_DIR = HERE / "sample_portfolio"
DATASETS_DIR = HERE / "sample_datasets"

PROFILE = {
    "name": "Ada Okonkwo-Lindqvist",
    "aliases": ["Studio Okonkwo-Lindqvist"],
    "domains": ["okonkwo-lindqvist.art"],
    "handles": ["@ada.ok"],
    "url_prefixes": ["https://www.artstation.com/adaok/"],
    "email": "studio@okonkwo-lindqvist.art",
}


@dataclass(frozen=True)
class Work:
    """One sample work: file name, how it is made and saved, and where its pixels came from."""

    file: str
    title: str
    make: Callable[[], Image.Image]
    save: Callable[[Image.Image, Path], None]
    source: str  # "generated" or a skimage data file name
    done: str  # what was done to the source, for LICENSES.md


def _graded(file: str, size: tuple[int, int], colour: float, contrast: float, tint: tuple[int, ...]) -> Image.Image:
    """A colour-graded, resized, lightly painterly version of a licensed source photograph."""
    img = ImageOps.fit(artgen.load_source(file).convert("RGB"), size, Image.Resampling.LANCZOS)
    img = ImageEnhance.Color(img).enhance(colour)
    img = ImageEnhance.Contrast(img).enhance(contrast)
    img = Image.blend(img, Image.new("RGB", size, tint), 0.12)
    return img.filter(ImageFilter.SMOOTH)


def _colourised(file: str, size: tuple[int, int], dark: str, light: str) -> Image.Image:
    grey = ImageOps.fit(artgen.load_source(file).convert("L"), size, Image.Resampling.LANCZOS)
    return ImageOps.colorize(ImageOps.autocontrast(grey), dark, light)


def make_cat() -> Image.Image:
    """Chelsea the cat, graded; returned as DISPLAYED (the JPEG stores it rotated, with an EXIF orientation)."""
    return _graded("chelsea.png", (900, 600), 1.25, 1.1, (255, 200, 140))


def make_horse() -> Image.Image:
    """The horse silhouette filled with a night-sky gradient, transparent around it, as a 48-colour palette."""
    silhouette = artgen.load_source("horse.png").convert("L")
    mask = silhouette.point(lambda v: 255 if v < 128 else 0).resize((600, 492), Image.Resampling.NEAREST)
    sky = artgen.procedural_artwork("contours", "night-horse", 600, 492)
    sky = ImageOps.colorize(sky.convert("L"), "#0b1030", "#8fb3ff")
    palette = sky.quantize(colors=47, dither=Image.Dither.NONE)
    data = np.asarray(palette).copy() + 1  # index 0 is reserved for the transparent ground
    data[np.asarray(mask) == 0] = 0
    out = Image.fromarray(data.astype(np.uint8), "P")
    colours = [0, 0, 0] + (palette.getpalette() or [])[: 47 * 3]
    out.putpalette(colours)
    out.info["transparency"] = 0
    return out


def make_clock() -> Image.Image:
    return _colourised("clock_motion.png", (480, 360), "#1d1a16", "#f3e3c3")


def make_moss() -> Image.Image:
    gravel = ImageOps.fit(artgen.load_source("gravel.png").convert("L"), (720, 720))
    grass = ImageOps.fit(artgen.load_source("grass.png").convert("L"), (720, 720))
    mixed = Image.blend(gravel, grass, 0.45)
    return ImageOps.colorize(ImageOps.autocontrast(mixed), "#17261a", "#cfe0a8", mid="#6b8b4a")


def _save_jpeg(img: Image.Image, path: Path) -> None:
    img.convert("RGB").save(path, "JPEG", quality=88, optimize=True)


def _save_jpeg_rotated(img: Image.Image, path: Path) -> None:
    """Store the pixels turned 90 degrees counter-clockwise with Orientation=6, as a phone camera does."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "Imaginary Camera Co."  # Make
    img.convert("RGB").transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", quality=88, exif=exif.tobytes())


def _save_png(img: Image.Image, path: Path) -> None:
    img.save(path, "PNG", optimize=True)


def _save_gif(img: Image.Image, path: Path) -> None:
    """An animation whose first frame is the work (what ``Image.open`` and every hash see); later ones darken."""
    later = [ImageEnhance.Brightness(img).enhance(1.0 - 0.06 * i) for i in range(1, 4)]
    img.save(path, "GIF", save_all=True, append_images=later, duration=400, loop=0)


def _save_webp(img: Image.Image, path: Path) -> None:
    img.save(path, "WEBP", quality=82, method=6)


def _save_tiff(img: Image.Image, path: Path) -> None:
    img.save(path, "TIFF", compression="tiff_adobe_deflate")


def _save_bmp(img: Image.Image, path: Path) -> None:
    img.convert("RGB").save(path, "BMP")


def _save_heic(img: Image.Image, path: Path) -> None:
    img.convert("RGB").save(path, "HEIF", quality=80)


def _save_avif(img: Image.Image, path: Path) -> None:
    img.convert("RGB").save(path, "AVIF", quality=70)


def _art(family: str, seed: str, size: tuple[int, int]) -> Callable[[], Image.Image]:
    return lambda: artgen.procedural_artwork(family, seed, *size)


GENERATED = "generated"
WORKS: tuple[Work, ...] = (
    Work(
        "harbour-at-dusk.jpg",
        "Harbour at Dusk",
        _art("horizon", "harbour", (1200, 800)),
        _save_jpeg,
        GENERATED,
        "procedural sky gradient, sun, masts and rippled water; JPEG q88",
    ),
    Work(
        "cat-on-the-windowsill.jpg",
        "Cat on the Windowsill",
        make_cat,
        _save_jpeg_rotated,
        "chelsea.png",
        "fitted to 900x600, colour and contrast raised, warm tint, smoothed; stored rotated 90 degrees with EXIF "
        "Orientation=6 (displays upright)",
    ),
    Work(
        "morning-coffee.png",
        "Morning Coffee",
        lambda: _graded("coffee.png", (600, 400), 1.3, 1.15, (255, 230, 200)),
        _save_png,
        "coffee.png",
        "colour and contrast raised, cream tint, smoothed; PNG RGB",
    ),
    Work(
        "paper-sun-sticker.png",
        "Paper Sun (sticker)",
        lambda: artgen.sticker("paper-sun", 640),
        _save_png,
        GENERATED,
        "procedural discs cut out as a round sticker; PNG RGBA, transparent pixels hold black RGB",
    ),
    Work(
        "night-horse.png",
        "Night Horse",
        make_horse,
        _save_png,
        "horse.png",
        "silhouette filled with a generated night-sky gradient; 48-colour palette PNG, index 0 transparent",
    ),
    Work(
        "clockwork-blur.gif",
        "Clockwork Blur",
        make_clock,
        _save_gif,
        "clock_motion.png",
        "autocontrast, sepia duotone, 480x360; 4-frame animated GIF (frames darken slightly)",
    ),
    Work(
        "launch-day.webp",
        "Launch Day",
        lambda: _graded("rocket.jpg", (640, 427), 1.2, 1.2, (255, 120, 60)),
        _save_webp,
        "rocket.jpg",
        "colour and contrast raised, orange tint, smoothed; lossy WebP q82",
    ),
    Work(
        "deep-field-reverie.tif",
        "Deep Field Reverie",
        lambda: _graded("hubble_deep_field.jpg", (640, 560), 1.4, 1.2, (40, 0, 90)),
        _save_tiff,
        "hubble_deep_field.jpg",
        "fitted to 640x560, violet tint; TIFF (deflate)",
    ),
    Work(
        "brick-lane-study.bmp",
        "Brick Lane Study",
        lambda: _colourised("brick.png", (320, 320), "#3a1208", "#f0b27a"),
        _save_bmp,
        "brick.png",
        "autocontrast, terracotta duotone, 320x320; 24-bit BMP",
    ),
    Work(
        "the-quiet-cameraman.heic",
        "The Quiet Cameraman",
        lambda: _colourised("camera.png", (512, 512), "#10202a", "#f6efe0"),
        _save_heic,
        "camera.png",
        "autocontrast, blue-cream duotone; HEIC q80 (pillow-heif)",
    ),
    Work(
        "red-eye-nebula.avif",
        "Red Eye Nebula",
        lambda: _graded("retina.jpg", (800, 800), 1.3, 1.1, (120, 0, 40)),
        _save_avif,
        "retina.jpg",
        "fitted to 800x800, crimson tint, smoothed; AVIF q70 (Pillow's native AVIF)",
    ),
    Work(
        "tidal-gradients.png",
        "Tidal Gradients",
        _art("waves", "tidal", (900, 600)),
        _save_png,
        GENERATED,
        "procedural interfering sine bands; PNG RGB",
    ),
    Work(
        "orbit-studies.jpg",
        "Orbit Studies",
        _art("orbits", "studies", (1000, 1000)),
        _save_jpeg,
        GENERATED,
        "procedural translucent discs and rings; JPEG q88",
    ),
    Work(
        "moss-and-gravel.webp",
        "Moss and Gravel",
        make_moss,
        _save_webp,
        "gravel.png + grass.png",
        "the two textures blended, autocontrast, green tritone, 720x720; lossy WebP q82",
    ),
)


def write_portfolio(out_dir: Path) -> None:
    pillow_heif.register_heif_opener()
    out_dir.mkdir(parents=True, exist_ok=True)
    for work in WORKS:
        work.save(work.make(), out_dir / work.file)
    (out_dir / "LICENSES.md").write_text(licences_markdown(), encoding="utf-8")
    (out_dir / "profile.json").write_text(json.dumps(PROFILE, indent=2) + "\n", encoding="utf-8")


def licences_markdown() -> str:
    skimage_version = importlib.metadata.version("scikit-image")
    lines = [
        "# Sample portfolio: sources and licences",
        "",
        f"Works of the imaginary artist {PROFILE['name']} (okonkwo-lindqvist.art, @ada.ok), made by",
        "`resources/make_samples.py` from fixed seeds. Generated works are procedural (gradients, shapes, smooth",
        "noise, no text) and are dedicated to the public domain (CC0 1.0) by the TrainTrace project. The other works",
        f"are derived from pictures shipped in the scikit-image {skimage_version} wheel (`skimage/data/`); the",
        "licence of each is stated in the docstring of its loader in `skimage/data/_fetchers.py`, and only",
        "public-domain or CC0 pictures are used (that folder's `README.txt` lists no licences in this version).",
        "The derived works are likewise dedicated CC0 1.0.",
        "",
        "| file | title | source package and file | source licence (credit) | what was done |",
        "|---|---|---|---|---|",
    ]
    for work in WORKS:
        if work.source == GENERATED:
            source, licence = "none (generated)", "CC0 1.0 (TrainTrace project)"
        else:
            files = [f.strip() for f in work.source.split("+")]
            source = " + ".join(f"scikit-image `skimage/data/{f}`" for f in files)
            licence = "; ".join(
                f"{artgen.SOURCES_BY_FILE[f].licence} ({artgen.SOURCES_BY_FILE[f].credit})" for f in files
            )
        lines.append(f"| `{work.file}` | {work.title} | {source} | {licence} | {work.done} |")
    lines += ["", "`profile.json` is the sample artist profile used by `traintrace demo`.", ""]
    return "\n".join(lines)


def main() -> None:
    write_portfolio(PORTFOLIO_DIR)
    sample_datasets.write_datasets(PORTFOLIO_DIR, DATASETS_DIR, PROFILE, random.Random("traintrace-samples"))
    total = sum(p.stat().st_size for p in PORTFOLIO_DIR.iterdir())
    print(f"portfolio: {len(WORKS)} works, {total / 1e6:.2f} MB in {PORTFOLIO_DIR}")
    total = sum(p.stat().st_size for p in DATASETS_DIR.iterdir())
    print(f"datasets: {total / 1e6:.2f} MB in {DATASETS_DIR}")


if __name__ == "__main__":
    main()
