"""Canonical variants of a work: deterministic, comparable with dataset pHashes, and closer to real copies."""

from __future__ import annotations

import io
import json
from pathlib import Path

import imagehash
import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

from bench import artgen, transforms
from core.matching.scoring import DEFAULT_MAX_DISTANCE, accepts
from core.variants import (
    GEOMETRIES,
    REDUCED_SHORT_SIDE,
    VARIANT_SET,
    describe_variant,
    phash_variants,
    shape_of,
    standard_ratios,
    variant_size,
)
from tests.imagefactory import pattern, with_alpha

SAMPLES = Path(__file__).resolve().parents[2] / "resources"


def phash_int(image: Image.Image) -> int:
    return int(str(imagehash.phash(image)), 16)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def flattened_on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")


def test_variants_are_deterministic_and_never_the_plain_phash_entry() -> None:
    work = pattern(640, 480, seed=3)
    first, second = phash_variants(work), phash_variants(work.copy())
    assert first == second
    names = [name for name, _ in first]
    assert "original" not in names and len(names) == len(set(names))
    assert all(isinstance(value, int) and 0 <= value < 2**64 for _, value in first)


def test_only_transparent_works_get_the_alpha_variants() -> None:
    plain = dict(phash_variants(pattern(300, 200, seed=4)))
    transparent = dict(phash_variants(with_alpha(pattern(300, 200, seed=4))))
    assert "flattened" not in plain and "matted-black" not in plain
    assert {"flattened", "matted-black"} <= set(transparent)


def test_flattened_variant_equals_the_reference_phash_of_the_work_on_white_when_not_reduced() -> None:
    """Below 2 x REDUCED_SHORT_SIDE the variant is hashed from the full-size flattened work: bit-identical."""
    sticker = artgen.sticker(7, 600)
    assert min(sticker.size) < 2 * REDUCED_SHORT_SIDE
    assert dict(phash_variants(sticker))["flattened"] == phash_int(flattened_on_white(sticker))
    # the trap the variant exists for: the plain pHash sees the black hidden under transparency
    assert distance(phash_int(sticker), phash_int(flattened_on_white(sticker))) > 16


def test_flattened_variant_of_a_large_work_is_within_two_bits_of_the_full_size_reference() -> None:
    """Above it, the variant is hashed from a box-reduced copy: within 2 bits of the full-size reference."""
    sticker = artgen.sticker(11, 600).resize((2400, 2400), Image.Resampling.BICUBIC)
    reference = phash_int(flattened_on_white(sticker))
    assert distance(dict(phash_variants(sticker))["flattened"], reference) <= 2


def test_palette_transparency_is_flattened_too() -> None:
    work = pattern(240, 240, seed=5).convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    work.info["transparency"] = 0
    variants = dict(phash_variants(work))
    assert variants["flattened"] == phash_int(flattened_on_white(work))


@pytest.mark.parametrize(
    ("chain", "seeds"),
    [
        ("letterbox+resize+jpeg", (0, 1, 3, 5)),
        ("mirror+resize+jpeg", (0, 1, 2)),
        ("ratiocrop+resize+jpeg", (0, 1, 3, 5)),
        ("mirror+letterbox+resize+jpeg", (0, 1, 5)),
        ("border+resize+jpeg", (2, 7, 9, 11)),
        ("crop+resize+jpeg", (0, 2, 4, 5)),
    ],
)
def test_a_shaped_copy_missed_by_the_plain_phash_is_near_a_variant(chain: str, seeds: tuple[int, ...]) -> None:
    """Fixed seeds whose copy is more than 8 bits from the plain pHash (the naive matcher misses it): some variant
    is within 6 bits and at least 4 bits closer, and it is accepted against the copy's own width and height."""
    work = artgen.procedural_artwork("orbits", 21, 900, 600)
    plain = phash_int(work)
    variants = phash_variants(work)
    for seed in seeds:
        copy = transforms.make_copy(work, chain, seed).image
        value = phash_int(copy)
        best, name = min((distance(value, hashed), name) for name, hashed in variants)
        assert distance(value, plain) > 8, (chain, seed)
        assert best <= 6 and best <= distance(value, plain) - 4, (chain, seed, distance(value, plain), best)
        assert accepts(best, name, DEFAULT_MAX_DISTANCE, work.size, copy.size), (chain, seed, name)


def test_a_square_work_is_padded_to_every_other_shape_and_never_to_its_own() -> None:
    names = dict(phash_variants(pattern(600, 600, seed=2)))
    assert "pad-1x1-white" not in names and "fit-1x1" not in names
    assert {"pad-4x5-white", "pad-16x9-black", "mirror-pad-3x2-white", "fit-2x3", "mirror"} <= set(names)
    assert standard_ratios(1500, 1000) == [(1, 1), (4, 5), (3, 4), (2, 3), (16, 9), (4, 3)]


def test_padded_and_cropped_variants_have_the_shape_they_are_named_for() -> None:
    for work in ((1500, 1000), (1000, 1500), (777, 555)):
        for name in ("pad-1x1-white", "pad-4x5-black", "fit-16x9", "mirror-pad-2x3-white"):
            width, height = variant_size(name, work)
            assert shape_of(name, work) == pytest.approx(width / height, rel=0.01), (work, name)
        assert shape_of("mirror", work) == work[0] / work[1]
        assert shape_of("border-2-white", work) is None and shape_of("original", work) is None


def test_every_variant_is_described_in_words() -> None:
    """The evidence says which variant matched in words an artist understands."""
    for name, _ in phash_variants(with_alpha(pattern(500, 300, seed=4))):
        words = describe_variant(name)
        assert words and not words.startswith("as the variant") and "_" not in words, name
    assert describe_variant("pad-1x1-white") == "padded to a square (1:1) with white bars"
    assert describe_variant("mirror") == "mirrored (flipped left to right)"
    assert describe_variant("fit-16x9") == "centre-cropped to 16:9"
    assert describe_variant("crop-4-bottom-right") == "cropped 4 % off the right and bottom"
    assert describe_variant("bars-tb-8-black") == "with black bars above and below (8 % each)"
    assert VARIANT_SET == 2


def test_letterboxed_sample_copy_is_found_through_a_padded_variant() -> None:
    """The planted letterbox row of the COYO sample (padded to a square: 26 bits from the plain pHash) is close to
    the padded-to-square variant."""
    expected = json.loads((SAMPLES / "sample_datasets" / "expected.json").read_text(encoding="utf-8"))
    row = next(m for m in expected["datasets"]["coyo"]["matches"] if m.get("transform", "").startswith("letterbox"))
    with Image.open(SAMPLES / "sample_portfolio" / row["work"]) as work:
        work.load()
        variants = dict(phash_variants(work))
    assert row["distance"] >= 16
    assert min(distance(int(row["value"], 16), variants[f"pad-1x1-{colour}"]) for colour in ("white", "black")) <= 6


def test_geometric_variants_match_variant_size() -> None:
    work = pattern(500, 300, seed=9)
    for name, geometry in GEOMETRIES.items():
        assert variant_size(name, work.size) == geometry.size(*work.size)
    assert variant_size("original", (500, 300)) == (500, 300)
    assert variant_size("flattened", (500, 300)) == (500, 300)
    assert variant_size("mirror", (500, 300)) == (500, 300)
    assert variant_size("pad-1x1-white", (500, 300)) == (500, 500)
    assert variant_size("fit-1x1", (500, 300)) == (300, 300)


@pytest.mark.parametrize("mode", ["L", "LA", "CMYK", "I;16", "P", "RGBA"])
def test_every_pixel_mode_is_accepted(mode: str) -> None:
    base = pattern(200, 160, seed=10)
    image = with_alpha(base).convert(mode) if mode in ("LA", "RGBA") else base.convert(mode)
    if mode == "I;16":
        image = Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257)
    buffer = io.BytesIO()
    image.save(buffer, "TIFF" if mode in ("CMYK", "I;16") else "PNG")
    reopened = Image.open(io.BytesIO(buffer.getvalue()))
    reopened.load()
    assert len(phash_variants(reopened)) >= len(GEOMETRIES) // 2


def test_every_planted_coyo_sample_copy_is_accepted_and_no_distractor_is() -> None:
    """The bundled COYO sample: 22 planted copies (letterboxed, cropped, flattened ones included; the plain pHash
    alone misses 5) are all accepted at the default threshold through the work or a variant, against the rows'
    published width and height; none of the 2,978 other rows is."""
    expected = json.loads((SAMPLES / "sample_datasets" / "expected.json").read_text(encoding="utf-8"))
    planted = {(m["work"], m["row_id"]) for m in expected["datasets"]["coyo"]["matches"] if m["kind"] == "phash"}
    columns = ["id", "image_phash", "width", "height"]
    table = pq.read_table(SAMPLES / "sample_datasets" / "coyo-sample.parquet", columns=columns)
    ids = [str(i) for i in table.column("id").to_pylist()]
    sizes = list(zip(table.column("width").to_pylist(), table.column("height").to_pylist(), strict=True))
    rows = np.array([int(h, 16) for h in table.column("image_phash").to_pylist()], dtype=np.uint64)
    accepted, plain_only = set(), set()
    for work in {work for work, _ in planted}:
        with Image.open(SAMPLES / "sample_portfolio" / work) as image:
            image.load()
            queries = [("original", phash_int(image)), *phash_variants(image)]
            size = image.size
        for name, value in queries:
            distances = np.bitwise_count(rows ^ np.uint64(value))
            hits = {
                (work, ids[i])
                for i in np.nonzero(distances <= DEFAULT_MAX_DISTANCE)[0]
                if accepts(int(distances[i]), name, DEFAULT_MAX_DISTANCE, size, sizes[i])
            }
            accepted |= hits
            plain_only |= hits if name == "original" else set()
    assert accepted == planted
    assert len(planted - plain_only) >= 5
