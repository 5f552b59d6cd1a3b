"""Every recipe of a generated report, run as a reader would run it (DuckDB, pyarrow and Python, without
TrainTrace), prints what the report says: the row with its published values, and the work's hash."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from core.app import TrainTrace
from core.datasets.descriptors import builtin_descriptors
from core.datasets.provenance import READ
from core.evidence import EvidenceManifest
from core.evidence.recipes import RowPlace, image_shape, phash_code, row_query
from core.paths import AppPaths
from core.profile import Profile
from core.resources import sample_datasets, sample_portfolio_dir, sample_profile_file
from core.variants import phash_variants
from tests.evidence.recipe_runner import run_python


@dataclass(frozen=True)
class Report:
    manifest: EvidenceManifest
    data: dict[str, Any]
    folder: Path  # the reader's folder: the dataset files and the works, by file name
    text: str  # the PDF's text without whitespace
    work_phashes: dict[str, int]  # file name -> TrainTrace's pHash
    work_formats: dict[str, str]  # file name -> its format, as the catalogue has it


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    home = tmp_path_factory.mktemp("home")
    app = TrainTrace.open(AppPaths.resolve(home))
    app.set_profile(Profile.from_json(json.loads(sample_profile_file().read_text(encoding="utf-8"))))
    folder = tmp_path_factory.mktemp("reader")
    for dataset_id, schema, file in sample_datasets():
        app.add_dataset(dataset_id, schema=schema, sources=[str(file)])
        shutil.copy(file, folder / file.name)
    app.scan([sample_portfolio_dir()])
    app.run_matching()
    app.decide([match.id for match in app.matches()], "confirmed")
    for path in sample_portfolio_dir().iterdir():
        shutil.copy(path, folder / path.name)
    manifest = app.write_evidence_report(tmp_path_factory.mktemp("out") / "evidence.pdf")
    phashes = {Path(w.path).name: w.phash for w in app.works() if w.phash is not None}
    formats = {Path(w.path).name: w.format or "" for w in app.works()}
    app.close()
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(manifest.pdf_path).pages))
    yield Report(manifest, json.loads(manifest.manifest_path.read_bytes()), folder, text, phashes, formats)


def _entries(report: Report, key: str) -> list[dict[str, Any]]:
    found = [entry for entry in report.data["matches"] if key in entry]
    assert found, f"no match of the sample report has a {key}"
    return found


def test_every_match_read_from_a_dataset_file_has_a_recipe(report: Report) -> None:
    for entry in report.data["matches"]:
        assert "row_recipe" in entry, entry
        assert entry["row_recipe"]["values_as_stored"] is True
        if entry["kind"] in ("phash", "sha256"):
            assert "work_recipe" in entry, entry


def test_the_duckdb_queries_print_the_rows_as_published(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(report.folder)
    for entry in _entries(report, "row_recipe"):
        recipe = entry["row_recipe"]
        relation = duckdb.sql(recipe["duckdb"])
        rows = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
        assert recipe["prints"] in rows, (recipe["duckdb"], rows)
        assert entry["row"]["row"] == recipe["prints"]["file_row_number"]
        assert entry["row_id"] in {str(value) for value in recipe["prints"].values()}


def test_the_pyarrow_lines_find_the_same_rows_by_row_group(report: Report) -> None:
    entries = _entries(report, "row_recipe")
    outputs = run_python([entry["row_recipe"]["pyarrow"] for entry in entries], report.folder)
    for entry, output in zip(entries, outputs, strict=True):
        expected = {k: v for k, v in entry["row_recipe"]["prints"].items() if k != "file_row_number"}
        assert ast.literal_eval(output) == [expected], (entry["row_recipe"]["pyarrow"], output)
    groups = {entry["row"]["row_group"] for entry in entries}
    assert len(groups) > 1, "the sample's matches lie in several row groups: the row group is really used"


def test_the_work_recipes_print_the_compared_hash(report: Report) -> None:
    entries = _entries(report, "work_recipe")
    outputs = run_python(["\n".join(entry["work_recipe"]["python"]) for entry in entries], report.folder)
    for entry, output in zip(entries, outputs, strict=True):
        assert output == entry["work_recipe"]["prints"], (entry["work_recipe"]["python"], output)
    variants = [e for e in entries if e["kind"] == "phash" and "PIL.Image.new" in e["work_recipe"]["python"][1]]
    assert variants, "the sample has matches through a variant with a border"


def test_each_dataset_file_digest_is_the_files_sha256(report: Report) -> None:
    files = [file for dataset in report.data["inputs"]["datasets"] for file in dataset["files"]]
    assert len(files) == 3
    for file in files:
        assert file["sha256"] == hashlib.sha256((report.folder / file["file"]).read_bytes()).hexdigest()
        assert file["sha256_source"] == READ and file["bytes"] == (report.folder / file["file"]).stat().st_size
        assert file["sha256"] in report.text


def test_every_recipe_is_printed_on_its_page(report: Report) -> None:
    for entry in report.data["matches"]:
        recipe = entry["row_recipe"]
        for text in (recipe["duckdb"], recipe["pyarrow"], *entry.get("work_recipe", {}).get("python", ())):
            assert re.sub(r"\s+", "", text) in report.text, text


def test_the_manifest_inside_the_pdf_is_the_one_beside_it(report: Report) -> None:
    raw = report.manifest.manifest_path.read_bytes()
    assert PdfReader(report.manifest.pdf_path).attachments["manifest.json"] == [raw]
    assert hashlib.sha256(raw).hexdigest() in report.text


def test_traintrace_phash_is_imagehash_phash_of_every_sample_work(report: Report) -> None:
    """The catalogue's pHash of each sample file (every format, HEIC and AVIF included) is what ImageHash computes
    on the picture as Pillow opens it, run without TrainTrace."""
    names = sorted(report.work_phashes)
    assert len(names) >= 14
    codes = []
    for name in names:
        own = format(report.work_phashes[name], "016x")
        code = phash_code(name, "original", None, own, own, 0, report.work_formats[name])
        assert code is not None
        codes.append("\n".join(code.lines))
    for name, output in zip(names, run_python(codes, report.folder), strict=True):
        assert output == f"{report.work_phashes[name]:016x} 0", name


def _pictures(folder: Path) -> list[Path]:
    """Pictures that take every path of the variant recipes: reduced or not, RGB, L, palette, alpha."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, mode, size in (("wide.jpg", "RGB", (1700, 1000)), ("grey.png", "L", (900, 900)),
                             ("tall.gif", "P", (300, 520)), ("small-alpha.png", "RGBA", (300, 200)),
                             ("big-alpha.png", "RGBA", (1000, 800)), ("cmyk.jpg", "CMYK", (800, 800))):  # fmt: skip
        picture = Image.new("RGB", size, (200, 60, 40))
        draw = ImageDraw.Draw(picture)
        draw.ellipse((size[0] // 5, size[1] // 6, size[0] // 2, size[1] // 2), fill=(20, 30, 200))
        draw.rectangle((size[0] // 2, size[1] // 2, size[0] - 10, size[1] - 20), fill=(240, 240, 90))
        if mode == "RGBA":
            alpha = Image.new("L", size, 0)
            ImageDraw.Draw(alpha).ellipse((10, 10, size[0] - 10, size[1] - 10), fill=255)
            picture.putalpha(alpha)
        elif mode != "RGB":
            picture = picture.convert(mode)
        picture.save(folder / name)
        made.append(folder / name)
    palette = Image.new("P", (400, 400), 0)
    palette.putpalette([0, 0, 0, 250, 10, 10, 10, 250, 10] + [0] * 759)
    ImageDraw.Draw(palette).rectangle((50, 50, 300, 200), fill=1)
    palette.save(folder / "palette-transparent.png", transparency=0)
    made.append(folder / "palette-transparent.png")
    return made


def test_variant_recipes_reproduce_every_variant_bit_for_bit(tmp_path: Path) -> None:
    codes, expected = [], []
    for path in _pictures(tmp_path):
        with Image.open(path) as picture:
            variants = phash_variants(picture)
        shape = image_shape(path)
        for variant, value in variants:
            code = phash_code(path.name, variant, shape, f"{value:016x}", f"{value:016x}", 0)
            assert code is not None, (path.name, variant)
            codes.append("\n".join(code.lines))
            expected.append((path.name, variant, code.prints))
    made = {variant for _, variant, _ in expected}
    assert made >= {"flattened", "matted-black", "crop-5", "border-2-white", "mirror"}
    assert any(v.startswith("pad-") for v in made) and any(v.startswith("fit-") for v in made)
    assert any(v.startswith("mirror-pad-") for v in made)
    for (name, variant, prints), output in zip(expected, run_python(codes, tmp_path), strict=True):
        assert output == prints, (name, variant, output)


def test_a_tab_separated_hash_list_is_read_by_position(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CC12M-style file has no id column: its recipe reads the row by its position, with no quoting."""
    descriptor = builtin_descriptors()["cc12m"]
    (tmp_path / "cc12m.tsv").write_text(
        'https://a.example/0.jpg\t"quoted\tm0\nhttps://a.example/1.jpg\t' + "cd" * 32 + "\tm1\n"
    )
    place = RowPlace("cc12m.tsv", "csv", dict(descriptor.columns), 1, 0, 1, descriptor.csv)
    query = row_query(place, "1:1", "https://a.example/1.jpg", None, None, "cd" * 32)
    monkeypatch.chdir(tmp_path)
    relation = duckdb.sql(query.duckdb)
    assert [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()] == [dict(query.expect)]
