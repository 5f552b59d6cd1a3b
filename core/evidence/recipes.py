"""Reproduce-it recipes: per match, what a reader runs, without TrainTrace, to see the same values.

- The row: a one-line DuckDB query that reads the row from the dataset file by its id (a CSV file has no id:
  by its position), and for Parquet a one-line pyarrow snippet that reads it by row group and row, each with the
  values it prints (the published values exactly as the file holds them, when this version recorded them).
- The work: two lines of Python that compute the work's hash the way TrainTrace compared it: `hashlib.sha256`
  of the file's bytes, or `imagehash.phash` of the picture as `PIL.Image.open` gives it (no EXIF rotation, as
  core/hashing.py does) and its Hamming distance to the row's value. A match through a canonical variant of the
  work (core/variants.py) gets the variant spelled out in Pillow calls, with the same sizes and order of steps.

Recipes name files by their file name: the reader puts the dataset file and the work in one folder.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.datasets.descriptors import CsvOptions
from core.variants import GEOMETRIES, GREYS, REDUCED_SHORT_SIDE, parse_shape_variant, variant_size
from core.vocabulary import MatchKind

HEIF_FORMATS = frozenset({"HEIF", "AVIF"})
ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


@dataclass(frozen=True)
class RowQuery:
    file: str  # the dataset file's name, in the reader's working folder
    duckdb: str  # one line
    pyarrow: str | None  # one line, by row group and row (Parquet only)
    expect: Mapping[str, object]  # column -> the value the query prints (DuckDB's `file_row_number` first)
    as_stored: bool  # False when this match predates the record of published values: values as TrainTrace parsed them


@dataclass(frozen=True)
class HashCode:
    file: str  # the work's file name
    lines: tuple[str, str]
    prints: str


@dataclass(frozen=True)
class Recipe:
    row: RowQuery | None
    work: HashCode | None


@dataclass(frozen=True)
class RowPlace:
    """Where a match's row is: the file, its format and column names, and the row's position."""

    file: str
    file_format: str  # "parquet" or "csv"
    columns: Mapping[str, str]  # TrainTrace field -> the file's column
    row: int  # 0-based in the file
    row_group: int | None  # Parquet row group and the row inside it, when the row groups were recorded
    row_in_group: int | None
    csv: CsvOptions | None = None


@dataclass(frozen=True)
class ImageShape:
    """What a variant recipe needs of the work's picture, from its header (no pixel decoded)."""

    mode: str
    has_alpha: bool
    width: int
    height: int
    format: str


def image_shape(path: Path) -> ImageShape | None:
    try:
        with Image.open(path) as image:
            alpha = image.mode in ALPHA_MODES or "transparency" in image.info
            return ImageShape(image.mode, alpha, image.width, image.height, image.format or "")
    except (OSError, ValueError, UnidentifiedImageError):
        return None


def published_values(published: str | None) -> dict[str, object] | None:
    if not published:
        return None
    try:
        values = json.loads(published)
    except ValueError:
        return None
    return values if isinstance(values, dict) else None


def row_query(place: RowPlace, row_id: str, url: str | None, caption: str | None, published: str | None,
              published_hash: str | None) -> RowQuery:  # fmt: skip
    """The queries that fetch the row at `place`, and what they print."""
    raw = published_values(published)
    values: dict[str, object] = {
        "row_id": raw["row_id"] if raw and "row_id" in raw else row_id,
        "url": url,
        "text": caption,
        "phash": raw["phash"] if raw and "phash" in raw else published_hash,
        "sha256": raw["sha256"] if raw and "sha256" in raw else published_hash,
    }
    fields = [field for field in ("row_id", "url", "text", "phash", "sha256") if field in place.columns]
    names = [place.columns[field] for field in fields]
    expect = {place.columns[field]: values[field] for field in fields}
    selected = ", ".join(_identifier(name) for name in names)
    if place.file_format == "csv":
        query = f"SELECT {selected} FROM {_read_csv(place)} LIMIT 1 OFFSET {place.row};"
        return RowQuery(place.file, query, None, expect, raw is not None)
    source = f"read_parquet({_sql_text(place.file)}, file_row_number = true)"
    if "row_id" in place.columns and raw is not None and "row_id" in raw:
        where = f"{_identifier(place.columns['row_id'])} = {_sql_literal(raw['row_id'])}"
    elif "row_id" in place.columns:
        where = f"{_identifier(place.columns['row_id'])} = {_sql_text(row_id)}"
    else:
        where = f"file_row_number = {place.row}"
    query = f"SELECT file_row_number, {selected} FROM {source} WHERE {where};"
    arrow = None
    if place.row_group is not None and place.row_in_group is not None:
        arrow = (
            f"import pyarrow.parquet as pq; print(pq.ParquetFile({place.file!r}).read_row_group({place.row_group}, "
            f"columns={names!r}).slice({place.row_in_group}, 1).to_pylist())"
        )
    return RowQuery(place.file, query, arrow, {"file_row_number": place.row, **expect}, raw is not None)


def _read_csv(place: RowPlace) -> str:
    options = place.csv or CsvOptions(delimiter="\t" if place.file.lower().endswith(".tsv") else ",")
    delimiter = "\\t" if options.delimiter == "\t" else options.delimiter
    parts = [_sql_text(place.file), f"delim = '{delimiter}'", f"header = {'true' if options.header else 'false'}"]
    if options.delimiter == "\t":
        parts += ["quote = ''", "escape = ''"]  # TrainTrace reads tab-separated files without quoting
    if options.names:
        parts.append("names = [" + ", ".join(_sql_text(name) for name in options.names) + "]")
    parts.append("all_varchar = true")
    return f"read_csv({', '.join(parts)})"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_literal(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return _sql_text(str(value))
    return str(value)


def sha256_code(file: str, digest: str) -> HashCode:
    return HashCode(file, ("import hashlib", f"print(hashlib.sha256(open({file!r}, 'rb').read()).hexdigest())"), digest)


def phash_code(file: str, variant: str | None, shape: ImageShape | None, ours: str, theirs: str,
               distance: int, file_format: str | None = None) -> HashCode | None:  # fmt: skip
    """The pHash of the work (or of its `variant`), and its distance to the row's pHash `theirs`. `file_format`
    (Pillow's name for it) when `shape` is not read: HEIF and AVIF files need pillow_heif's opener."""
    imports = ["imagehash", "PIL.Image"]
    if (shape.format if shape is not None else file_format) in HEIF_FORMATS:
        imports.append("pillow_heif; pillow_heif.register_heif_opener()")
    picture = _variant_expression(file, variant or "original", shape)
    if picture is None:
        return None
    setup, expression = picture
    if "numpy." in setup:
        imports.insert(0, "numpy")
    second = f"{setup}h = imagehash.phash({expression}); print(h, h - imagehash.hex_to_hash({theirs!r}))"
    return HashCode(file, ("import " + ", ".join(imports), second), f"{ours} {distance}")


def _variant_expression(file: str, variant: str, shape: ImageShape | None) -> tuple[str, str] | None:
    """(statements, expression) giving the picture whose pHash is compared, as core/variants.py makes it."""
    opened = f"PIL.Image.open({file!r})"
    if variant == "original":
        return "", opened
    if shape is None:
        return None
    if shape.has_alpha:
        return _alpha_variant(opened, variant, shape)
    if not _known_geometry(variant):
        return None
    base = opened if shape.mode in ("RGB", "L") else f"{opened}.convert('RGB')"
    factor = min(shape.width, shape.height) // REDUCED_SHORT_SIDE
    size = (shape.width, shape.height)
    if factor > 1:
        base += f".reduce({factor})"
        size = (math.ceil(shape.width / factor), math.ceil(shape.height / factor))
    return _geometry(f"g = {base}.convert('L'); ", variant, size)


def _alpha_variant(opened: str, variant: str, shape: ImageShape) -> tuple[str, str] | None:
    """A work with transparency: composited on white ("flattened", and the base of its geometric variants) or
    on black ("matted-black"); a work bigger than the reduced size is premultiplied and reduced first."""
    factor = min(shape.width, shape.height) // REDUCED_SHORT_SIDE
    ground = 0 if variant == "matted-black" else 255
    if factor <= 1:
        setup = (
            f"r = {opened}.convert('RGBA'); f = PIL.Image.alpha_composite(PIL.Image.new('RGBA', r.size, "
            f"({ground}, {ground}, {ground}, 255)), r).convert('RGB'); "
        )
        size = (shape.width, shape.height)
    else:
        lifted = " + 255.0 - a[:, :, 3:]" if ground else ""
        setup = (
            f"a = numpy.asarray({opened}.convert('RGBA').convert('RGBa').reduce({factor}), dtype=numpy.float32); "
            f"f = PIL.Image.fromarray(numpy.clip(numpy.rint(a[:, :, :3]{lifted}), 0, 255).astype(numpy.uint8), 'RGB'); "
        )
        size = (math.ceil(shape.width / factor), math.ceil(shape.height / factor))
    if variant in ("flattened", "matted-black"):
        return setup, "f"
    if not _known_geometry(variant):
        return None
    geometric = _geometry("g = f.convert('L'); ", variant, size)
    return (setup + geometric[0], geometric[1]) if geometric else None


def _known_geometry(variant: str) -> bool:
    return variant in GEOMETRIES or parse_shape_variant(variant) is not None


def _geometry(setup: str, variant: str, size: tuple[int, int]) -> tuple[str, str] | None:
    geometry = GEOMETRIES.get(variant)
    if geometry is None:
        return _shaped(setup, variant, size)
    left, top, right, bottom = geometry.pixels(*size)
    if geometry.grey is None:
        return setup, f"g.crop(({left}, {top}, {size[0] - right}, {size[1] - bottom}))"
    width, height = geometry.size(*size)
    setup += f"c = PIL.Image.new('L', ({width}, {height}), {geometry.grey}); c.paste(g, ({left}, {top})); "
    return setup, "c"


def _shaped(setup: str, variant: str, size: tuple[int, int]) -> tuple[str, str] | None:
    """A mirrored, padded-to-a-shape or centre-cropped-to-a-shape variant, as core/variants.py makes it."""
    shaped = parse_shape_variant(variant)
    if shaped is None:
        return None
    if shaped.mirrored:
        setup += "g = g.transpose(PIL.Image.Transpose.FLIP_LEFT_RIGHT); "
    if shaped.operation is None:
        return setup, "g"
    width, height = variant_size(variant.removeprefix("mirror-"), size)
    if shaped.operation == "fit":
        left, top = (size[0] - width) // 2, (size[1] - height) // 2
        return setup, f"g.crop(({left}, {top}, {left + width}, {top + height}))"
    grey = GREYS[shaped.colour or "white"]
    left, top = (width - size[0]) // 2, (height - size[1]) // 2
    setup += f"c = PIL.Image.new('L', ({width}, {height}), {grey}); c.paste(g, ({left}, {top})); "
    return setup, "c"


def work_code(kind: str, file: str, shape: ImageShape | None, *, sha256: str | None, phash: str | None,
              variant: str | None, published_hash: str | None, distance: int | None,
              file_format: str | None = None) -> HashCode | None:  # fmt: skip
    """The work's hash code for a match of `kind` (None when the kind compares no hash, or a value is missing)."""
    if kind == MatchKind.SHA256 and sha256:
        return sha256_code(file, sha256)
    if kind == MatchKind.PHASH and phash and published_hash and distance is not None:
        return phash_code(file, variant, shape, phash, published_hash.strip().lower(), distance, file_format)
    return None
