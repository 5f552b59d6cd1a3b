"""The fingerprint: the pHash is ImageHash's reference bit for bit; the other hashes are sane."""

from __future__ import annotations

import hashlib
from pathlib import Path

import imagehash
import numpy as np
import pytest
from PIL import Image

from core.errors import UnreadableImage
from core.hashing import _reduced_rgb, fingerprint_bytes
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
