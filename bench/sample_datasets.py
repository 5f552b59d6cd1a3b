"""Build the bundled sample datasets (COYO, DataComp, LAION schemas) from the sample portfolio.

Called by ``python -m resources.make_samples`` (dev only); never imported by the app. Each Parquet file holds a few
thousand random distractor rows (random hashes, plausible URLs and captions) and, at shuffled positions, the
planted rows: transformed copies of the works (COYO pHash), byte-identical files (DataComp sha256), URLs on the
artist's domain or upload prefix and captions naming the artist (all three), and look-alikes that must not match.
expected.json lists every planted row with the value a matcher should find.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pillow_heif
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from bench import captions as vocab
from bench import transforms

ROWS_PER_DATASET = 3000
ROW_GROUP_SIZE = 1000
MIN_DISTRACTOR_DISTANCE = 18  # random pHashes closer than this to any work are redrawn

COYO_SCHEMA = pa.schema([
    ("id", pa.int64()), ("url", pa.string()), ("text", pa.string()), ("width", pa.int32()), ("height", pa.int32()),
    ("image_phash", pa.string()), ("text_length", pa.int32()), ("word_count", pa.int32()),
    ("num_tokens_bert", pa.int32()), ("num_tokens_gpt", pa.int32()), ("num_faces", pa.int32()),
    ("clip_similarity_vitb32", pa.float32()), ("clip_similarity_vitl14", pa.float32()),
    ("nsfw_score_opennsfw2", pa.float32()), ("nsfw_score_gantman", pa.float32()), ("watermark_score", pa.float32()),
    ("aesthetic_score_laion_v2", pa.float32()),
])  # fmt: skip
DATACOMP_SCHEMA = pa.schema([
    ("uid", pa.string()), ("url", pa.string()), ("text", pa.string()), ("original_width", pa.int64()),
    ("original_height", pa.int64()), ("clip_b32_similarity_score", pa.float32()),
    ("clip_l14_similarity_score", pa.float32()), ("face_bboxes", pa.list_(pa.list_(pa.float64()))),
    ("sha256", pa.string()),
])  # fmt: skip
LAION_SCHEMA = pa.schema([
    ("SAMPLE_ID", pa.int64()), ("URL", pa.string()), ("TEXT", pa.string()), ("HEIGHT", pa.int32()),
    ("WIDTH", pa.int32()), ("LICENSE", pa.string()), ("NSFW", pa.string()), ("similarity", pa.float64()),
])  # fmt: skip


@dataclass
class Planted:
    """A row placed on purpose, with what a matcher should (or must not) report for it."""

    url: str
    text: str
    expect: list[dict[str, Any]] = field(default_factory=list)  # kind, work, value, ...
    must_not: list[dict[str, Any]] = field(default_factory=list)  # kind, value, why
    size: tuple[int, int] | None = None
    phash: str | None = None
    sha256: str | None = None


def work_phash(path: Path) -> imagehash.ImageHash:
    with Image.open(path) as img:
        return imagehash.phash(img)


def _copy_row(portfolio: Path, work: str, chain: str, url: str, text: str) -> Planted:
    with Image.open(portfolio / work) as img:
        copy = transforms.make_copy(img, chain, seed=f"{work}/{chain}")
        flattened = imagehash.phash(transforms.flatten_on_white(img))
    value = str(imagehash.phash(copy.image))
    distance = int(imagehash.hex_to_hash(value) - work_phash(portfolio / work))
    entry = {
        "kind": "phash", "work": work, "value": value, "transform": chain, "distance": distance,
        "distance_to_flattened_work": int(imagehash.hex_to_hash(value) - flattened),
    }  # fmt: skip
    return Planted(url=url, text=text, expect=[entry], size=copy.image.size, phash=value)


def coyo_planted(portfolio: Path, works: Sequence[str], rng: random.Random) -> list[Planted]:
    extra = {
        "harbour-at-dusk.jpg": ["watermark_text+resize+jpeg", "crop+resize+jpeg"],
        "orbit-studies.jpg": ["border+resize+jpeg"],
        "paper-sun-sticker.png": ["flatten_white+resize+jpeg"],
        "launch-day.webp": ["letterbox+resize+jpeg"],
        "morning-coffee.png": ["watermark_logo+resize+jpeg"],
    }
    rows = []
    for work in works:
        for chain in ["resize+jpeg", *extra.get(work, [])]:
            rows.append(_copy_row(portfolio, work, chain, vocab.scraper_url(rng, ".jpg"), vocab.title_caption(work)))
    harbour_on_cdn = "https://cdn.okonkwo-lindqvist.art/works/harbour-at-dusk.jpg?w=1024"
    rows.append(_copy_row(portfolio, "harbour-at-dusk.jpg", "resize+jpeg", harbour_on_cdn, "harbour at dusk print"))
    rows[-1].expect.append({"kind": "url", "work": "harbour-at-dusk.jpg", "value": harbour_on_cdn})
    caption = "Orbit Studies by Ada Okonkwo-Lindqvist | contemporary abstract art"
    rows.append(_copy_row(portfolio, "orbit-studies.jpg", "resize+jpeg", vocab.scraper_url(rng, ".jpg"), caption))
    rows[-1].expect.append({"kind": "text", "work": None, "value": caption, "names": "Ada Okonkwo-Lindqvist"})
    rows += [_text_lookalike("Okonkwo, Lindqvist & Partners: annual report cover", rng)]
    rows += [_url_lookalike("https://okonkwo-lindqvist.art.fake.net/works/orbit-studies.jpg", rng)]
    return rows


def _exact_row(portfolio: Path, work: str, url: str, text: str) -> Planted:
    data = (portfolio / work).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with Image.open(portfolio / work) as img:
        size = img.size
    return Planted(url=url, text=text, expect=[{"kind": "sha256", "work": work, "value": digest}], size=size,
                   sha256=digest)  # fmt: skip


def datacomp_planted(portfolio: Path, rng: random.Random) -> list[Planted]:
    harbour_url = "https://cdn.okonkwo-lindqvist.art/works/harbour-at-dusk.jpg"
    horse_text = "night horse, digital art by @ada.ok"
    rows = [
        _exact_row(portfolio, "harbour-at-dusk.jpg", harbour_url, "Harbour at Dusk"),
        _exact_row(portfolio, "night-horse.png", vocab.scraper_url(rng, ".png"), horse_text),
        _exact_row(portfolio, "launch-day.webp", vocab.scraper_url(rng, ".webp"), "rocket launch day painting orange"),
        _exact_row(portfolio, "tidal-gradients.png", vocab.scraper_url(rng, ".png"), "abstract wave pattern wallpaper"),
    ]
    rows[0].expect.append({"kind": "url", "work": "harbour-at-dusk.jpg", "value": harbour_url})
    rows[1].expect.append({"kind": "text", "work": None, "value": horse_text, "names": "@ada.ok"})
    with Image.open(portfolio / "morning-coffee.png") as img:
        recoded = transforms.make_copy(img, "jpeg", seed="datacomp-recoded")
    lookalike = Planted(url=vocab.scraper_url(rng, ".jpg"), text="coffee cup on wooden table", size=img.size,
                        sha256=hashlib.sha256(recoded.data).hexdigest())  # fmt: skip
    why = "SHA-256 of a JPEG re-encoding of morning-coffee.png: same picture, different bytes"
    lookalike.must_not.append({"kind": "sha256", "value": lookalike.sha256, "why": why})
    text = "Ada Lovelace tribute poster, Canada 2019"
    return [*rows, lookalike, _url_lookalike("https://notokonkwo-lindqvist.art/harbour-at-dusk.jpg", rng),
            _text_lookalike(text, rng)]  # fmt: skip


URL_POSITIVES: tuple[tuple[str, str | None, str], ...] = (
    ("https://okonkwo-lindqvist.art/works/harbour-at-dusk.jpg", "harbour-at-dusk.jpg", "the registrable domain"),
    ("https://cdn.okonkwo-lindqvist.art/works/harbour-at-dusk.jpg", "harbour-at-dusk.jpg", "a subdomain"),
    ("http://www.okonkwo-lindqvist.art/gallery/morning-coffee.png?w=800", "morning-coffee.png", "query string"),
    ("https://OKONKWO-LINDQVIST.ART/about/portrait-of-the-artist.jpg", None, "host in capitals"),
    ("https://shop.okonkwo-lindqvist.art:443/prints/red-eye-nebula-a3-print.jpg", None, "port; file not a work"),
    ("https://www.artstation.com/adaok/artwork/launch-day.webp", "launch-day.webp", "the ArtStation prefix"),
)
URL_LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("https://okonkwo-lindqvist.art.fake.net/works/harbour-at-dusk.jpg", "domain is only a label of another host"),
    ("https://notokonkwo-lindqvist.art/harbour-at-dusk.jpg", "a different registrable domain"),
    ("https://pinboard.example.com/pin/8812?ref=okonkwo-lindqvist.art", "the domain only in the query string"),
    ("https://mirror.example.org/okonkwo-lindqvist.art/harbour-at-dusk.jpg", "the domain only in the path"),
    ("https://www.artstation.com/adaokafor/artwork/night-horse.jpg", "another ArtStation user sharing a prefix"),
)
TEXT_POSITIVES: tuple[tuple[str, str], ...] = (
    ("Harbour at Dusk by Ada Okonkwo-Lindqvist, giclee print", "Ada Okonkwo-Lindqvist"),
    ("ada okonkwo\u2013lindqvist: tidal gradients (en dash, lower case)", "Ada Okonkwo-Lindqvist"),
    ("ADA OKONKWO\u2011LINDQVIST \u2014 Night Horse", "Ada Okonkwo-Lindqvist"),
    ("Ad\u00e1 Okonkwo-Lindqvist, Red Eye Nebula (mis-accented name)", "Ada Okonkwo-Lindqvist"),
    ("sunset mood #AdaOkonkwoLindqvist #digitalart", "#AdaOkonkwoLindqvist"),
    ("new print drop, follow @ada.ok for more", "@ada.ok"),
    ("paper sun sticker (@ADA.OK)", "@ada.ok"),
    ("Limited edition from Studio Okonkwo-Lindqvist", "Studio Okonkwo-Lindqvist"),
)
TEXT_LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("Okonkwo, Lindqvist & Partners - annual report 2021", "surnames split by other punctuation"),
    ("Follow @ada.okafor for daily sketches", "a longer handle"),
    ("Ada at the beach, summer 1998", "a first name alone"),
    ("Lindqvist family portrait, oil on board", "one surname alone"),
    ("Okonkwo market stall at dawn", "one surname alone"),
    ("Ada Lovelace portrait poster", "another person named Ada"),
)


def _url_lookalike(url: str, rng: random.Random, why: str = "look-alike domain") -> Planted:
    return Planted(url=url, text=vocab.caption(rng), must_not=[{"kind": "url", "value": url, "why": why}])


def _text_lookalike(text: str, rng: random.Random, why: str = "look-alike name") -> Planted:
    return Planted(url=vocab.scraper_url(rng, ".jpg"), text=text, must_not=[{"kind": "text", "value": text,
                                                                              "why": why}])  # fmt: skip


def laion_planted(rng: random.Random) -> list[Planted]:
    rows = []
    for url, work, why in URL_POSITIVES:
        rows.append(Planted(url=url, text=vocab.caption(rng), expect=[{"kind": "url", "work": work, "value": url,
                                                                        "why": why}]))  # fmt: skip
    for text, names in TEXT_POSITIVES:
        rows.append(Planted(url=vocab.scraper_url(rng, ".jpg"), text=text,
                            expect=[{"kind": "text", "work": None, "value": text, "names": names}]))  # fmt: skip
    both_url = "https://okonkwo-lindqvist.art/works/orbit-studies.jpg"
    both_text = "Orbit Studies - Ada Okonkwo-Lindqvist"
    rows.append(Planted(url=both_url, text=both_text, expect=[
        {"kind": "url", "work": "orbit-studies.jpg", "value": both_url},
        {"kind": "text", "work": None, "value": both_text, "names": "Ada Okonkwo-Lindqvist"}]))  # fmt: skip
    rows += [_url_lookalike(url, rng, why) for url, why in URL_LOOKALIKES]
    rows += [_text_lookalike(text, rng, why) for text, why in TEXT_LOOKALIKES]
    return rows


def _far_random_phash(gen: np.random.Generator, targets: np.ndarray) -> str:
    while True:
        value = np.uint64(gen.integers(0, 2**63, dtype=np.int64)) * np.uint64(2) + np.uint64(gen.integers(0, 2))
        distances = np.unpackbits((targets ^ value).view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
        if distances.min() >= MIN_DISTRACTOR_DISTANCE:
            return f"{int(value):016x}"


def _merge(planted: list[Planted], count: int, rng: random.Random) -> list[Planted | None]:
    slots: list[Planted | None] = [None] * (count - len(planted)) + list(planted)
    rng.shuffle(slots)
    return slots


def _unique_ids(rng: random.Random, count: int, low: int, high: int) -> list[int]:
    ids: set[int] = set()
    while len(ids) < count:
        ids.add(rng.randint(low, high))
    return sorted(ids, key=lambda _: rng.random())


def _coyo_columns(slots: list[Planted | None], rng: random.Random, targets: np.ndarray) -> dict[str, list[Any]]:
    gen = np.random.default_rng(rng.getrandbits(63))
    ids = _unique_ids(rng, len(slots), 10**12, 8 * 10**12)
    cols: dict[str, list[Any]] = {name: [] for name in COYO_SCHEMA.names}
    for row_id, slot in zip(ids, slots, strict=True):
        url = slot.url if slot else vocab.scraper_url(rng)
        text = slot.text if slot else vocab.caption(rng)
        width, height = slot.size if slot and slot.size else (rng.randint(200, 2000), rng.randint(200, 2000))
        words = len(text.split())
        values = [row_id, url, text, width, height, (slot.phash if slot and slot.phash else
                  _far_random_phash(gen, targets)), len(text), words, round(words * 1.3), round(words * 1.4),
                  rng.choice([0] * 8 + [1, 2]), rng.uniform(0.2, 0.45), rng.uniform(0.15, 0.4),
                  rng.uniform(0, 0.05), rng.uniform(0, 0.1), rng.uniform(0, 0.6), rng.uniform(3.5, 7.2)]  # fmt: skip
        for name, value in zip(COYO_SCHEMA.names, values, strict=True):
            cols[name].append(value)
    return cols


def _face_boxes(rng: random.Random) -> list[list[float]]:
    if rng.random() < 0.85:
        return []
    x, y = rng.uniform(0, 0.7), rng.uniform(0, 0.7)
    return [[x, y, x + rng.uniform(0.05, 0.3), y + rng.uniform(0.05, 0.3)]]


def _datacomp_columns(slots: list[Planted | None], rng: random.Random) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in DATACOMP_SCHEMA.names}
    uids = [f"{u:032x}" for u in _unique_ids(rng, len(slots), 0, 2**128 - 1)]
    for uid, slot in zip(uids, slots, strict=True):
        width, height = slot.size if slot and slot.size else (rng.randint(200, 2000), rng.randint(200, 2000))
        values = [uid, slot.url if slot else vocab.scraper_url(rng), slot.text if slot else vocab.caption(rng),
                  width, height, rng.uniform(0.15, 0.4), rng.uniform(0.1, 0.35), _face_boxes(rng),
                  slot.sha256 if slot and slot.sha256 else f"{rng.getrandbits(256):064x}"]  # fmt: skip
        for name, value in zip(DATACOMP_SCHEMA.names, values, strict=True):
            cols[name].append(value)
    return cols


def _laion_columns(slots: list[Planted | None], rng: random.Random) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in LAION_SCHEMA.names}
    ids = _unique_ids(rng, len(slots), 10**8, 6 * 10**9)
    for sample_id, slot in zip(ids, slots, strict=True):
        values = [sample_id, slot.url if slot else vocab.scraper_url(rng), slot.text if slot else vocab.caption(rng),
                  rng.randint(200, 2000), rng.randint(200, 2000), rng.choice(["?"] * 9 + ["by-nc-sa"]),
                  rng.choice(["UNLIKELY"] * 17 + ["UNSURE", "NSFW"]), rng.uniform(0.28, 0.42)]  # fmt: skip
        for name, value in zip(LAION_SCHEMA.names, values, strict=True):
            cols[name].append(value)
    return cols


def _expected_entries(slots: list[Planted | None], ids: list[Any]) -> tuple[list[Any], list[Any]]:
    matches, must_not = [], []
    for row_id, slot in zip(ids, slots, strict=True):
        if slot is not None:
            matches += [{"row_id": str(row_id), **entry} for entry in slot.expect]
            must_not += [{"row_id": str(row_id), **entry} for entry in slot.must_not]
    return matches, must_not


def _write(table_cols: dict[str, list[Any]], schema: pa.Schema, path: Path) -> None:
    table = pa.Table.from_pydict(table_cols, schema=schema)
    pq.write_table(table, path, row_group_size=ROW_GROUP_SIZE, compression="snappy")


def write_datasets(portfolio: Path, out_dir: Path, profile: dict[str, Any], rng: random.Random) -> None:
    """Write the three sample Parquet files and expected.json into `out_dir`."""
    pillow_heif.register_heif_opener()
    out_dir.mkdir(parents=True, exist_ok=True)
    works = sorted(p.name for p in portfolio.iterdir() if p.suffix not in (".md", ".json"))
    targets = np.array([int(str(work_phash(portfolio / w)), 16) for w in works], dtype=np.uint64)
    specs = [
        ("coyo", "coyo-sample.parquet", "id", COYO_SCHEMA, coyo_planted(portfolio, works, rng)),
        ("datacomp", "datacomp-sample.parquet", "uid", DATACOMP_SCHEMA, datacomp_planted(portfolio, rng)),
        ("laion", "laion-sample.parquet", "SAMPLE_ID", LAION_SCHEMA, laion_planted(rng)),
    ]
    expected: dict[str, Any] = {"profile": profile, "datasets": {}}
    for name, file, id_column, schema, planted in specs:
        slots = _merge(planted, ROWS_PER_DATASET, rng)
        if name == "coyo":
            cols = _coyo_columns(slots, rng, targets)
        elif name == "datacomp":
            cols = _datacomp_columns(slots, rng)
        else:
            cols = _laion_columns(slots, rng)
        _write(cols, schema, out_dir / file)
        matches, must_not = _expected_entries(slots, cols[id_column])
        expected["datasets"][name] = {"file": file, "schema": name, "id_column": id_column, "rows": len(slots),
                                      "matches": matches, "must_not_match": must_not}  # fmt: skip
    (out_dir / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (out_dir / "README.md").write_text(readme_markdown(expected), "utf-8")


README_HEAD = """# Sample datasets

Small Parquet files in the real column schemas of three public datasets (FACTS.md section 2), generated by
`python -m resources.make_samples` from fixed seeds, so `traintrace demo` shows real matches of every kind with
no network. {rows} rows each, in row groups of {group}; all rows but the planted ones below are random
distractors (random pHashes at least {far} bits from every sample work, random SHA-256s and uids, plausible image
URLs and captions that never name the artist).

- `coyo-sample.parquet` (COYO-700M; id column `id`; planted kinds phash, url, text): `id` int64, `url`, `text`,
  `width`/`height` int32, `image_phash` (16 hex, `str(imagehash.phash(img))`), `text_length`, `word_count`,
  `num_tokens_bert`, `num_tokens_gpt`, `num_faces` int32, `clip_similarity_vitb32`, `clip_similarity_vitl14`,
  `nsfw_score_opennsfw2`, `nsfw_score_gantman`, `watermark_score`, `aesthetic_score_laion_v2` float32.
- `datacomp-sample.parquet` (DataComp; id column `uid`; planted kinds sha256, url, text): `uid` (32 hex), `url`,
  `text`, `original_width`/`original_height` int64, `clip_b32_similarity_score`, `clip_l14_similarity_score`
  float32, `face_bboxes` list<list<float64>>, `sha256` (64 hex).
- `laion-sample.parquet` (LAION-2B-en; id column `SAMPLE_ID`; planted kinds url, text): `SAMPLE_ID` int64, `URL`,
  `TEXT`, `HEIGHT`/`WIDTH` int32, `LICENSE`, `NSFW`, `similarity` float64.

The sample profile (also `resources/sample_portfolio/profile.json`): name `{name}`, aliases {aliases}, domains
{domains}, handles {handles}, URL prefixes {prefixes}.

`expected.json` is the machine-readable truth: per dataset, `matches` (row id, kind, work or null, the value a
matcher reads; for pHash rows the transform chain of bench/transforms.py, `distance` to
`imagehash.phash(Image.open(work))` and `distance_to_flattened_work`, the distance to the work flattened on white)
and `must_not_match` (look-alikes, with why). pHash copies of works with transparency (`paper-sun-sticker.png`,
`night-horse.png`) are far from the plain pHash of the file (its hidden RGB under transparent pixels is black)
but at distance 0 from the work flattened on white: a matcher finds them only by also hashing that variant.
Copies that are cropped or letterboxed are further than 8 bits too (a naive threshold misses them).
"""


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def readme_markdown(expected: dict[str, Any]) -> str:
    profile = expected["profile"]
    text = README_HEAD.format(
        rows=ROWS_PER_DATASET, group=ROW_GROUP_SIZE, far=MIN_DISTRACTOR_DISTANCE, name=profile["name"],
        aliases=profile["aliases"], domains=profile["domains"], handles=profile["handles"],
        prefixes=profile["url_prefixes"],
    )  # fmt: skip
    for dataset in expected["datasets"].values():
        text += f"\n## {dataset['file']}: intended matches\n\n"
        text += "| row id | kind | work | value | detail |\n|---|---|---|---|---|\n"
        for m in dataset["matches"]:
            detail = f"{m['transform']}, distance {m['distance']}" if m["kind"] == "phash" else m.get("names", "")
            text += f"| {m['row_id']} | {m['kind']} | {m['work'] or ''} | `{_cell(m['value'])}` | {detail} |\n"
        text += f"\n### {dataset['file']}: look-alikes that must not match\n\n"
        text += "| row id | kind | value | why |\n|---|---|---|---|\n"
        for m in dataset["must_not_match"]:
            text += f"| {m['row_id']} | {m['kind']} | `{_cell(m['value'])}` | {m['why']} |\n"
    return text
