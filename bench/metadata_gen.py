"""Dataset-metadata rows in the real column schemas (COYO, LAION, DataComp), generated vectorised (bench only).

``RowGenerator(shape, seed).group(first_row, count)`` returns one row group as an Arrow table: realistic URLs
(80-120 characters on real-looking image hosts, slugs, hex tokens, some query strings) and captions (50-150
characters), random pHashes (COYO, 0.1 % null), SHA-256s and uids (DataComp), unique row ids, widths and heights.
No Python loop per row: vocabulary is picked with `take` and joined with Arrow compute. No generated value names
the bench artist (the sample artist, Ada Okonkwo-Lindqvist): the vocabulary is checked at import.

``plant(table, first_row, planted)`` overwrites the planted rows that fall into the group (url, text, hash,
width, height; the row id stays the generator's) and returns the table with the planted rows' ids.
``write_dataset`` streams a whole file row group by row group with the planted rows placed at random positions.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench import captions as vocab
from bench.hexdata import digest_hex_column, hex_column

GROUP_ROWS = 1 << 20

# Image hosts with a path prefix, as scraped datasets list them.
HOSTS = (
    *vocab.HOSTS,
    "i.etsystatic.com/22105738/r/il", "images.unsplash.com/photo", "ae01.alicdn.com/kf", "m.media-amazon.com/images/I",
    "i.ebayimg.com/images/g", "img1.wsimg.com/isteam/ip", "static.wixstatic.com/media",
    "images.saatchiart.com/saatchi/1038872/art", "www.publicdomainpictures.net/pictures/320000/velka",
    "cdn.vox-cdn.com/thumbor", "i.ytimg.com/vi", "images-na.ssl-images-amazon.com/images/I",
    "www.ikea.com/us/en/images/products", "lh3.googleusercontent.com/proxy",
    "i0.wp.com/www.thehomesihave.com/wp-content",
    "blogger.googleusercontent.com/img/b/R29vZ2xl", "secure.img1-fg.wfcdn.com/im/02238154", "st.depositphotos.com/1001",
    "thumbs.dreamstime.com/b", "c8.alamy.com/comp", "www.dhresource.com/0x0/f2/albu/g8/M01",
    "res.cloudinary.com/dk9ttewt1/image/upload", "assets.weforum.org/article/image/large", "cdn11.bigcommerce.com/s-x4",
)  # fmt: skip
EXTENSIONS = (".jpg", ".jpg", ".jpg", ".jpeg", ".png", ".webp")
ADJ = (*vocab.ADJECTIVES, "luxury", "handmade", "framed", "retro", "boho", "scandinavian", "pastel", "moody")
NOUNS = (*vocab.NOUNS, "throw pillow", "tote bag", "t-shirt", "greeting card", "wallpaper", "tapestry", "vase")
STYLE = (
    "for living room decor", "with gold frame", "in oil on canvas", "printed on cotton paper", "set of 3",
    "in muted tones", "for bedroom wall", "with white border", "on reclaimed wood", "in black and white",
    "for kids room", "with soft light", "in high detail", "as a digital download",
)  # fmt: skip
SUFFIX = (
    "Free stock photo", "High resolution wall art print", "Printable digital download", "Handmade gift idea",
    "Royalty-free image", "Best seller", "Shop now", "Fine art giclee reproduction", "Stock illustration",
    "Home decor inspiration", "Vector illustration", "HD wallpaper",
)  # fmt: skip
LICENCES = ("?",) * 9 + ("by-nc-sa",)
NSFW = ("UNLIKELY",) * 17 + ("UNSURE", "NSFW")
for _word in (*HOSTS, *ADJ, *NOUNS, *STYLE, *SUFFIX, *vocab.PLACES, *vocab.OTHER_ARTISTS):
    vocab.assert_unrelated(_word)
    if re.search(r"adaok|okonkwo|lindqvist", _word, re.IGNORECASE):
        raise AssertionError(_word)


@dataclass(frozen=True)
class Shape:
    name: str  # also the CLI's --schema
    id_column: str
    columns: dict[str, str]  # field -> column, as resources/datasets/descriptors.toml maps them
    kinds: tuple[str, ...]
    extra: tuple[str, ...] = ()  # columns present in the real files that no match kind reads

    def match_columns(self) -> list[str]:
        """The columns the shape's match kinds need (what a streaming pass must read)."""
        fields = {"phash": "phash", "sha256": "sha256", "url": "url", "text": "text"}
        return [self.columns[fields[kind]] for kind in self.kinds]

    def mapped_columns(self) -> list[str]:
        return list(self.columns.values())


SHAPES = {
    "coyo": Shape(
        "coyo", "id",
        {"row_id": "id", "url": "url", "text": "text", "phash": "image_phash", "width": "width", "height": "height"},
        ("phash", "url", "text"),
    ),
    "laion": Shape(
        "laion", "SAMPLE_ID",
        {"row_id": "SAMPLE_ID", "url": "URL", "text": "TEXT", "width": "WIDTH", "height": "HEIGHT"},
        ("url", "text"), extra=("LICENSE", "NSFW", "similarity"),
    ),
    "datacomp": Shape(
        "datacomp", "uid",
        {"row_id": "uid", "url": "url", "text": "text", "sha256": "sha256", "width": "original_width",
         "height": "original_height"},
        ("sha256", "url", "text"),
    ),
}  # fmt: skip


def _pick(values: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index.astype(np.int32)))


def _numbers(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _maybe(mask: np.ndarray, part: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), part, "")


class RowGenerator:
    """Distractor rows of one shape; `group(first_row, count)` is deterministic in (seed, first_row)."""

    def __init__(self, shape: str, seed: int = 0, extra_columns: bool | None = None) -> None:
        self.shape = SHAPES[shape]
        self.seed = seed
        self.extra_columns = self.shape.name == "laion" if extra_columns is None else extra_columns

    def group(self, first_row: int, count: int) -> pa.Table:
        rng = np.random.default_rng([self.seed, first_row])
        url, text = self.urls(rng, count), self.captions(rng, count)
        width = rng.integers(200, 4000, count, dtype=np.int32)
        height = rng.integers(200, 4000, count, dtype=np.int32)
        rows = np.arange(first_row, first_row + count, dtype=np.int64)
        if self.shape.name == "coyo":
            ids = 10**12 + rows * 9973 + rng.integers(0, 9973, count)  # unique, increasing, realistic size
            phash = rng.integers(0, 2**64 - 1, count, dtype=np.uint64, endpoint=True)
            nulls = pa.array(rng.random(count) < 0.001)
            columns: dict[str, Any] = {
                "id": ids, "url": url, "text": text, "width": width, "height": height,
                "image_phash": pc.if_else(nulls, pa.scalar(None, pa.string()), hex_column(phash)),
            }  # fmt: skip
            if self.extra_columns:
                length = pc.utf8_length(text).fill_null(0).to_numpy(zero_copy_only=False)
                columns["text_length"] = length.astype(np.int32)
                for name, scale in (("word_count", 0.17), ("num_tokens_bert", 0.25), ("num_tokens_gpt", 0.24)):
                    columns[name] = (length * scale).astype(np.int32)
                columns["num_faces"] = (rng.random(count) < 0.1).astype(np.int32)
                for name in ("clip_similarity_vitb32", "clip_similarity_vitl14", "nsfw_score_opennsfw2",
                             "nsfw_score_gantman", "watermark_score", "aesthetic_score_laion_v2"):  # fmt: skip
                    columns[name] = rng.random(count, dtype=np.float32)
        elif self.shape.name == "laion":
            ids = 10**8 + rows * 293 + rng.integers(0, 293, count)
            columns = {"SAMPLE_ID": ids, "URL": url, "TEXT": text, "HEIGHT": height, "WIDTH": width}
            if self.extra_columns:
                columns["LICENSE"] = _pick(LICENCES, rng.integers(0, len(LICENCES), count))
                columns["NSFW"] = _pick(NSFW, rng.integers(0, len(NSFW), count))
                columns["similarity"] = rng.uniform(0.28, 0.42, count)
        else:
            uid = rng.integers(0, 256, (count, 16), dtype=np.uint8)
            digest = rng.integers(0, 256, (count, 32), dtype=np.uint8)
            columns = {
                "uid": fixed_hex(uid),
                "url": url,
                "text": text,
                "original_width": width.astype(np.int64),
                "original_height": height.astype(np.int64),
                "sha256": digest_hex_column(digest),
            }
            if self.extra_columns:
                columns["clip_b32_similarity_score"] = rng.uniform(0.15, 0.4, count).astype(np.float32)
                columns["clip_l14_similarity_score"] = rng.uniform(0.1, 0.35, count).astype(np.float32)
        return pa.table(columns)

    @staticmethod
    def urls(rng: np.random.Generator, count: int) -> pa.Array:
        host = _pick(HOSTS, rng.integers(0, len(HOSTS), count))
        token = hex_column(rng.integers(0, 2**64 - 1, count, dtype=np.uint64, endpoint=True))
        token2 = hex_column(rng.integers(0, 2**64 - 1, count, dtype=np.uint64, endpoint=True))
        places = pc.utf8_lower(_pick(vocab.PLACES, rng.integers(0, len(vocab.PLACES), count)))
        slug = _join(
            _pick(ADJ, rng.integers(0, len(ADJ), count)), "-",
            pc.replace_substring(_pick(NOUNS, rng.integers(0, len(NOUNS), count)), " ", "-"), "-",
            pc.replace_substring(places, " ", "-"),
        )  # fmt: skip
        ext = _pick(EXTENSIONS, rng.integers(0, len(EXTENSIONS), count))
        month = _pick([f"{m:02d}" for m in range(1, 13)], rng.integers(0, 12, count))
        head = _join("https://", host, "/", _numbers(rng.integers(2012, 2025, count)), "/", month, "/")
        slugged = _join(
            head, pc.utf8_slice_codeunits(token, 0, 6), "/", slug, "-", pc.utf8_slice_codeunits(token, 6, 14), ext
        )
        hashed = _join(
            head, pc.utf8_slice_codeunits(token, 0, 2), "/", pc.utf8_slice_codeunits(token, 2, 4), "/",
            pc.utf8_slice_codeunits(token2, 0, 8), "/", token, pc.utf8_slice_codeunits(token2, 8, 16), ext,
        )  # fmt: skip
        url = pc.if_else(pa.array(rng.random(count) < 0.55), slugged, hashed)
        query = _join("?w=", _numbers(rng.integers(3, 25, count) * 100), "&q=80")
        return _join(url, _maybe(rng.random(count) < 0.3, query))

    @staticmethod
    def captions(rng: np.random.Generator, count: int) -> pa.Array:
        def pick(values: Sequence[str]) -> pa.Array:
            return _pick(values, rng.integers(0, len(values), count))

        adjectives = [a[0].upper() + a[1:] for a in ADJ]
        first = _join(pick(adjectives), " ", pick(NOUNS), " ", pick(vocab.PLACES))
        second = _join(", ", pick(ADJ), " ", pick(NOUNS), " ", pick(STYLE))
        artist = _join(" by ", pick(vocab.OTHER_ARTISTS))
        size = _join(" - ", _numbers(rng.integers(8, 40, count)), " x ", _numbers(rng.integers(8, 40, count)), " in")
        suffix = _join(" | ", pick(SUFFIX))
        text = _join(
            first, _maybe(rng.random(count) < 0.9, second), _maybe(rng.random(count) < 0.35, artist),
            _maybe(rng.random(count) < 0.25, size), _maybe(rng.random(count) < 0.7, suffix),
        )  # fmt: skip
        return pc.if_else(pa.array(rng.random(count) < 0.0005), pa.scalar(None, pa.string()), text)


def fixed_hex(raw: np.ndarray) -> pa.StringArray:
    width = 2 * raw.shape[1]
    data = binascii.hexlify(np.ascontiguousarray(raw).tobytes())
    offsets = np.arange(0, width * len(raw) + 1, width, dtype=np.int32)
    return pa.StringArray.from_buffers(len(raw), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def plant(
    table: pa.Table, first_row: int, planted: Sequence[dict[str, Any]], shape: Shape
) -> tuple[pa.Table, list[str]]:
    """Overwrite the rows at `planted[i]["position"]` (global positions inside this group) with the planted values;
    returns the table and the planted rows' ids, in `planted` order."""
    if not planted:
        return table, []
    local = np.array([p["position"] - first_row for p in planted], dtype=np.int64)
    order = np.argsort(local)
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[local] = True
    fields = {"url": "url", "text": "text", "phash": "phash", "sha256": "sha256", "width": "width", "height": "height"}
    columns = {name: table.column(name) for name in table.column_names}
    for field, key in fields.items():
        column_name = shape.columns.get(field)
        if column_name is None:
            continue
        original = columns[column_name].combine_chunks()
        keep = np.array([key not in planted[i] for i in order])
        values = [planted[i].get(key) for i in order]
        if keep.all():
            continue
        current = original.take(pa.array(local[order])).to_pylist()
        replacements = pa.array([c if k else v for c, v, k in zip(current, values, keep, strict=True)], original.type)
        columns[column_name] = pc.replace_with_mask(original, pa.array(mask), replacements)
    ids = [str(v) for v in table.column(shape.id_column).take(pa.array(local)).to_pylist()]
    return pa.table(columns), ids


def write_dataset(
    path: Path,
    shape: str,
    rows: int,
    planted: list[dict[str, Any]],
    seed: int,
    group_rows: int = GROUP_ROWS,
    extra_columns: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write `rows` rows in row groups of `group_rows` (snappy); each planted dict gets its "row_id" set.
    Planted positions are chosen here (seeded), unique, spread over the whole file."""
    generator = RowGenerator(shape, seed, extra_columns)
    rng = np.random.default_rng([seed, rows, 7])
    positions = np.sort(rng.choice(rows, size=len(planted), replace=False)) if planted else np.zeros(0, np.int64)
    for spec, position in zip(planted, rng.permutation(positions), strict=True):
        spec["position"] = int(position)
    by_position = sorted(planted, key=lambda p: p["position"])
    writer: pq.ParquetWriter | None = None
    tmp = path.with_name(path.name + ".partial")
    try:
        for first in range(0, rows, group_rows):
            count = min(group_rows, rows - first)
            table = generator.group(first, count)
            inside = [p for p in by_position if first <= p["position"] < first + count]
            table, ids = plant(table, first, inside, generator.shape)
            for spec, row_id in zip(inside, ids, strict=True):
                spec["row_id"] = row_id
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
            writer.write_table(table, row_group_size=group_rows)
            if progress:
                progress(first + count)
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)
