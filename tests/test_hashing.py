"""The fingerprint: the pHash is ImageHash's reference bit for bit; the other hashes are sane."""

from __future__ import annotations

import hashlib
from pathlib import Path

import imagehash
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from core.errors import UnreadableImage
from core.hashing import (
    PLAIN_BELOW_BITS,
    _reduced_rgb,
    fingerprint_bytes,
    informative_bits,
    is_plain,
    phash_and_margins,
)
from core.settings import ScanSettings
from tests.imagefactory import pattern, varied_corpus, with_alpha

LIMITS = ScanSettings()


def test_phash_is_bit_identical_to_the_reference_on_every_format(tmp_path: Path) -> None:
    files = varied_corpus(tmp_path)
    formats = set()
    for path in files:
        fingerprint = fingerprint_bytes(path.read_bytes(), LIMITS)
        reference = str(imagehash.phash(Image.open(path)))
        assert f"{fingerprint.phash:016x}" == reference, path.name
        assert fingerprint.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        formats.add(fingerprint.format)
    assert formats >= {"JPEG", "PNG", "WEBP", "TIFF", "GIF", "BMP", "HEIF", "AVIF"}


@pytest.mark.parametrize("seed", range(12))
def test_phash_matches_the_reference_on_larger_images(tmp_path: Path, seed: int) -> None:
    """Sizes that need the reduced path for the other hashes (short side well above 512 px)."""
    size = (1400 + 97 * seed, 1100 + 53 * seed)
    path = tmp_path / f"large-{seed}.jpg"
    pattern(*size, seed=seed).save(path, quality=88)
    fingerprint = fingerprint_bytes(path.read_bytes(), LIMITS)
    assert f"{fingerprint.phash:016x}" == str(imagehash.phash(Image.open(path)))
    assert (fingerprint.width, fingerprint.height) == size


def test_secondary_hashes_from_the_reduced_image_stay_close_to_full_size(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    pattern(2000, 1600, seed=7).save(path)
    fingerprint = fingerprint_bytes(path.read_bytes(), LIMITS)
    full = Image.open(path)
    assert bin(fingerprint.dhash ^ int(str(imagehash.dhash(full)), 16)).count("1") <= 6
    assert bin(fingerprint.colorhash ^ int(str(imagehash.colorhash(full)), 16)).count("1") <= 6


def test_transparent_pixels_are_not_blackened_before_shrinking() -> None:
    image = with_alpha(pattern(1200, 1200, seed=3))
    reduced = np.asarray(_reduced_rgb(image))
    assert reduced.shape[1] < 1200
    left = reduced[:, : reduced.shape[1] // 3 - 2]
    assert (left[..., 0] == 255).all() and (left[..., 1:] == 0).all()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"hello, I am a text file named like a picture\n", "not_image"),
    ],
)
def test_not_images_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(UnreadableImage) as caught:
        fingerprint_bytes(data, LIMITS)
    assert caught.value.code == code and caught.value.reason


def test_a_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    pattern(400, 300).save(path, quality=90)
    data = path.read_bytes()
    with pytest.raises(UnreadableImage) as caught:
        fingerprint_bytes(data[: len(data) // 2], LIMITS)
    assert caught.value.code == "truncated"


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 90),
    st.integers(1, 90),
    st.sampled_from(["L", "RGB", "RGBA", "P", "I;16", "1"]),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["noise", "flat", "blocks"]),
)
def test_phash_with_margins_is_imagehashs_phash_bit_for_bit(width: int, height: int, mode: str, seed: int,
                                                            kind: str) -> None:  # fmt: skip
    """`phash_and_margins` runs ImageHash's own steps, ties at the median (flat pictures) included."""
    rng = np.random.default_rng(seed)
    if kind == "flat":
        pixels = np.full((height, width, 3), rng.integers(0, 256), np.uint8)
    elif kind == "blocks":
        pixels = np.kron(rng.integers(0, 256, (3, 3, 3)), np.ones((30, 30, 1))).astype(np.uint8)[:height, :width]
    else:
        pixels = rng.integers(0, 256, (height, width, 3)).astype(np.uint8)
    image = Image.fromarray(pixels).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        image = Image.fromarray(np.asarray(image, dtype=np.uint16) * 257)
    value, margins = phash_and_margins(image)
    assert f"{value:016x}" == str(imagehash.phash(image))
    assert margins.shape == (64,) and (margins >= 0).all()


def test_blank_flat_and_faint_pictures_are_too_plain_and_detailed_ones_are_not() -> None:
    """A blank picture hashes to 8000000000000000 (0 when black) and shares it with every flat picture of a dataset:
    the DCT says so, without any dataset."""
    white, _ = phash_and_margins(Image.new("RGB", (600, 400), "white"))
    assert white == 0x8000000000000000
    for plain in (
        Image.new("RGB", (600, 400), "white"),
        Image.new("RGB", (600, 400), "black"),
        Image.fromarray(np.tile(np.linspace(100, 160, 600), (400, 1)).astype(np.uint8)),  # a faint gradient
        Image.fromarray(np.clip(np.random.default_rng(0).normal(200, 3, (400, 600)), 0, 255).astype(np.uint8)),
    ):
        assert is_plain(informative_bits(phash_and_margins(plain)[1]))
    for detailed in (pattern(640, 480, seed=1), pattern(300, 500, seed=2)):
        assert informative_bits(phash_and_margins(detailed)[1]) >= 48
    assert not is_plain(None)


def test_the_fingerprint_says_how_much_of_its_phash_a_copy_keeps(tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    Image.new("RGB", (320, 200), (250, 250, 250)).save(path)
    blank = fingerprint_bytes(path.read_bytes(), LIMITS)
    assert blank.informative_bits is not None and blank.informative_bits < PLAIN_BELOW_BITS
    pattern(640, 480, seed=3).save(path)
    assert (fingerprint_bytes(path.read_bytes(), LIMITS).informative_bits or 0) >= PLAIN_BELOW_BITS
