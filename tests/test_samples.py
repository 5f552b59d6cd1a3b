"""The bundled sample portfolio and sample datasets are what their documentation and expected.json say."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pillow_heif
import pyarrow.parquet as pq
import pytest
from PIL import Image

from core.profile import Profile
from core.resources import resource_path

PORTFOLIO = resource_path("sample_portfolio")
DATASETS = resource_path("sample_datasets")
NOT_WORKS = {"LICENSES.md", "profile.json"}
SCHEMAS = {
    "coyo-sample.parquet": (
        "id: int64, url: string, text: string, width: int32, height: int32, image_phash: string, "
        "text_length: int32, word_count: int32, num_tokens_bert: int32, num_tokens_gpt: int32, num_faces: int32, "
        "clip_similarity_vitb32: float, clip_similarity_vitl14: float, nsfw_score_opennsfw2: float, "
        "nsfw_score_gantman: float, watermark_score: float, aesthetic_score_laion_v2: float"
    ),
    "datacomp-sample.parquet": (
        "uid: string, url: string, text: string, original_width: int64, original_height: int64, "
        "clip_b32_similarity_score: float, clip_l14_similarity_score: float, "
        "face_bboxes: list<element: list<element: double>>, sha256: string"
    ),
    "laion-sample.parquet": (
        "SAMPLE_ID: int64, URL: string, TEXT: string, HEIGHT: int32, WIDTH: int32, LICENSE: string, NSFW: string, "
        "similarity: double"
    ),
}
# The column a matcher reads for each kind, per dataset.
VALUE_COLUMNS = {
    "coyo": {"phash": "image_phash", "url": "url", "text": "text"},
    "datacomp": {"sha256": "sha256", "url": "url", "text": "text"},
    "laion": {"url": "URL", "text": "TEXT"},
}


@pytest.fixture(scope="module", autouse=True)
def _heif() -> None:
    pillow_heif.register_heif_opener()


def work_files() -> list[Path]:
    return sorted(p for p in PORTFOLIO.iterdir() if p.name not in NOT_WORKS)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads((DATASETS / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def tables() -> dict[str, dict[str, list[Any]]]:
    return {name: pq.read_table(DATASETS / name).to_pydict() for name in SCHEMAS}


@pytest.fixture(scope="module")
def work_phashes() -> dict[str, imagehash.ImageHash]:
    hashes = {}
    for path in work_files():
        with Image.open(path) as img:
            hashes[path.name] = imagehash.phash(img)
    return hashes


def row(tables: dict[str, dict[str, list[Any]]], dataset: dict[str, Any], row_id: str) -> dict[str, Any]:
    columns = tables[dataset["file"]]
    ids = [str(value) for value in columns[dataset["id_column"]]]
    assert ids.count(row_id) == 1, f"{row_id} should be exactly one row of {dataset['file']}"
    index = ids.index(row_id)
    return {name: values[index] for name, values in columns.items()}


def test_portfolio_has_a_dozen_works_in_every_artist_format() -> None:
    seen: dict[str, set[str]] = {}
    for path in work_files():
        with Image.open(path) as img:
            img.load()
            assert img.width > 0 and img.height > 0
            mode = "P+transparency" if img.mode == "P" and "transparency" in img.info else img.mode
            seen.setdefault(img.format or "", set()).add(mode)
    assert len(work_files()) >= 12
    assert {"JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP", "HEIF", "AVIF"} <= set(seen)
    assert {"RGB", "RGBA", "P+transparency"} <= seen["PNG"]


def test_one_jpeg_carries_an_exif_orientation() -> None:
    orientations = {}
    for path in work_files():
        with Image.open(path) as img:
            if img.format == "JPEG":
                orientations[path.name] = img.getexif().get(0x0112, 1)
    assert any(value != 1 for value in orientations.values()), orientations


def test_folders_stay_small() -> None:
    assert sum(p.stat().st_size for p in PORTFOLIO.iterdir()) < 4_000_000
    assert sum(p.stat().st_size for p in DATASETS.iterdir()) < 2_000_000


def test_licences_name_every_work_with_an_open_licence() -> None:
    licences = (PORTFOLIO / "LICENSES.md").read_text(encoding="utf-8")
    for path in work_files():
        lines = [line for line in licences.splitlines() if f"`{path.name}`" in line]
        assert len(lines) == 1, path.name
        assert "CC0" in lines[0] or "public domain" in lines[0]


def test_sample_profile_is_a_valid_profile(expected: dict[str, Any]) -> None:
    on_disk = json.loads((PORTFOLIO / "profile.json").read_text(encoding="utf-8"))
    assert on_disk == expected["profile"]
    profile = Profile(**{k: v if isinstance(v, str) else tuple(v) for k, v in on_disk.items()})
    assert profile.name == "Ada Okonkwo-Lindqvist" and "okonkwo-lindqvist.art" in profile.domains


def test_parquet_files_have_the_real_schemas() -> None:
    for name, schema in SCHEMAS.items():
        actual = pq.read_schema(DATASETS / name)
        assert ", ".join(f"{f.name}: {f.type}" for f in actual) == schema
        assert pq.ParquetFile(DATASETS / name).metadata.num_row_groups > 1


def test_expected_rows_hold_the_stated_values(expected: dict[str, Any], tables: dict[str, Any]) -> None:
    for name, dataset in expected["datasets"].items():
        assert len(tables[dataset["file"]][dataset["id_column"]]) == dataset["rows"]
        for entry in dataset["matches"] + dataset["must_not_match"]:
            found = row(tables, dataset, entry["row_id"])
            assert found[VALUE_COLUMNS[name][entry["kind"]]] == entry["value"], entry


def test_sha256_rows_are_the_bytes_of_the_works(expected: dict[str, Any]) -> None:
    entries = [m for m in expected["datasets"]["datacomp"]["matches"] if m["kind"] == "sha256"]
    assert len(entries) >= 3
    for entry in entries:
        assert hashlib.sha256((PORTFOLIO / entry["work"]).read_bytes()).hexdigest() == entry["value"]
    decoys = [m["value"] for m in expected["datasets"]["datacomp"]["must_not_match"] if m["kind"] == "sha256"]
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in work_files()}
    assert decoys and not digests.intersection(decoys)


def test_phash_rows_are_at_the_stated_distance(expected: dict[str, Any], work_phashes: dict[str, Any]) -> None:
    entries = [m for m in expected["datasets"]["coyo"]["matches"] if m["kind"] == "phash"]
    assert {e["work"] for e in entries} == set(work_phashes), "every work has at least one copy in COYO"
    for entry in entries:
        distance = imagehash.hex_to_hash(entry["value"]) - work_phashes[entry["work"]]
        assert distance == entry["distance"], entry
    plain_copies = [e for e in entries if e["transform"] == "resize+jpeg" and e["distance_to_flattened_work"] == 0]
    assert len(plain_copies) >= 10


def test_alpha_work_copies_match_the_work_flattened_on_white(expected: dict[str, Any]) -> None:
    entries = [m for m in expected["datasets"]["coyo"]["matches"] if m["work"] == "paper-sun-sticker.png"]
    with Image.open(PORTFOLIO / "paper-sun-sticker.png") as img:
        ground = Image.new("RGBA", img.size, (255, 255, 255, 255))
        flattened = imagehash.phash(Image.alpha_composite(ground, img.convert("RGBA")).convert("RGB"))
    for entry in entries:
        assert imagehash.hex_to_hash(entry["value"]) - flattened == entry["distance_to_flattened_work"] <= 4


def test_distractor_phashes_are_far_from_every_work(expected: dict[str, Any], tables: dict[str, Any]) -> None:
    planted = {m["row_id"] for m in expected["datasets"]["coyo"]["matches"]}
    columns = tables["coyo-sample.parquet"]
    others = [h for i, h in zip(columns["id"], columns["image_phash"], strict=True) if str(i) not in planted]
    values = np.array([int(h, 16) for h in others], dtype=np.uint64)
    for path in work_files():
        with Image.open(path) as img:
            work = np.uint64(int(str(imagehash.phash(img)), 16))
        bits = np.unpackbits((values ^ work).view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
        assert bits.min() >= 18, path.name


def test_every_kind_and_look_alike_is_planted(expected: dict[str, Any]) -> None:
    kinds = {m["kind"] for d in expected["datasets"].values() for m in d["matches"]}
    assert kinds == {"phash", "sha256", "url", "text"}
    lookalikes = " ".join(m["value"] for d in expected["datasets"].values() for m in d["must_not_match"])
    for decoy in ("okonkwo-lindqvist.art.fake.net", "notokonkwo-lindqvist.art", "?ref=okonkwo-lindqvist.art",
                  "Okonkwo, Lindqvist & Partners", "@ada.okafor", "Ada at the beach"):  # fmt: skip
        assert decoy in lookalikes
    readme = (DATASETS / "README.md").read_text(encoding="utf-8")
    for dataset in expected["datasets"].values():
        for entry in dataset["matches"] + dataset["must_not_match"]:
            assert entry["row_id"] in readme


def test_copy_transforms_are_deterministic_and_within_their_ranges() -> None:
    from bench import transforms

    with Image.open(PORTFOLIO / "paper-sun-sticker.png") as img:
        img = img.resize((400, 400))
    for chain in transforms.chains_for(img):
        first, second = transforms.make_copy(img, chain, "s"), transforms.make_copy(img, chain, "s")
        assert first.data == second.data and first.format == ("JPEG" if chain.endswith("jpeg") else "PNG"), chain
    for seed in range(20):
        assert 256 <= max(transforms.apply_chain(img, "resize", seed).size) <= 1024
        cropped = transforms.apply_chain(img, "crop", seed)
        lost_width, lost_height = 1 - cropped.width / img.width, 1 - cropped.height / img.height
        assert max(lost_width, lost_height) >= 0.02 and lost_width <= 0.161 and lost_height <= 0.161
    with pytest.raises(ValueError, match="last"):
        transforms.make_copy(img, "jpeg+resize", 0)


def test_sample_copies_are_reproduced_by_the_shared_transforms(expected: dict[str, Any]) -> None:
    """expected.json came from bench/transforms.py: regenerating a copy gives (nearly: encoders may differ by
    build) the pHash stored in the COYO sample."""
    from bench import transforms

    for entry in expected["datasets"]["coyo"]["matches"][:8]:
        if entry["kind"] != "phash":
            continue
        with Image.open(PORTFOLIO / entry["work"]) as img:
            copy = transforms.make_copy(img, entry["transform"], seed=f"{entry['work']}/{entry['transform']}")
        assert imagehash.phash(copy.image) - imagehash.hex_to_hash(entry["value"]) <= 2
