"""The evidence PDF, read back by independent readers: pypdf for the text layer, pdftoppm for rendering."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from core.datasets.descriptors import builtin_descriptors
from core.evidence import EvidenceManifest, build_evidence_pdf, matches_json
from core.evidence.searched import canonical_json
from core.profile import Profile
from tests.evidence.cases import ARABIC_NAME, CJK_NAME, HANGUL_NAME, LATIN_NAME, LONG_URL, Case, build_case


@dataclass(frozen=True)
class Built:
    case: Case
    manifest: EvidenceManifest
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def squeezed(self) -> str:
        """The text without any whitespace (wrapped URLs and hashes join up again)."""
        return re.sub(r"\s+", "", self.text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    case = build_case(tmp_path_factory.mktemp("evidence"))
    manifest = build_evidence_pdf(case.evidence, case.folder / "report.pdf")
    pages = [page.extract_text() for page in PdfReader(manifest.pdf_path).pages]
    return Built(case, manifest, pages)


def test_names_in_four_scripts_render_and_extract(built: Built) -> None:
    cover = built.pages[0]
    assert LATIN_NAME in cover
    assert CJK_NAME in cover
    assert HANGUL_NAME in cover
    assert "[U+" not in cover  # every character of the names had a glyph
    # pypdf returns right-to-left words in visual order; each Arabic word extracts whole and joined.
    for word in ARABIC_NAME.split():
        assert word in cover
    assert "Zoë" in built.pages[1]  # the running header repeats the name on every later page


def test_every_hash_and_row_id_of_the_confirmed_matches_extracts(built: Built) -> None:
    for item in built.case.evidence.matches:
        match = item.match
        assert match.row_id in built.squeezed
        if match.published_hash:
            assert match.published_hash in built.squeezed
        if item.work is not None:
            assert item.work.sha256 and item.work.sha256 in built.squeezed
            assert format(item.work.phash or 0, "016x") in built.squeezed
    assert LONG_URL in built.squeezed  # wrapped over several lines, but complete


def test_pages_carry_numbers_time_and_headings(built: Built) -> None:
    total = len(built.pages)
    for number, page in enumerate(built.pages, start=1):
        assert f"Page {number} of {total}" in page
        assert "Generated 2026-11-27 01:02:03 UTC by TrainTrace" in page
    assert "Summary of confirmed matches" in built.pages[1]
    assert "Match 1 of 3" in built.text and "Match 3 of 3" in built.text
    assert "Methodology and limits" in built.text
    assert "Appendix: files that could not be read" in built.pages[-1] and "broken.png" in built.pages[-1]


def test_cover_lists_datasets_with_revisions_and_sources(built: Built) -> None:
    cover = built.pages[0]
    squeezed_cover = re.sub(r"\s+", "", cover)
    assert "mlfoundations/datacomp_small,revisionmain(commitnotresolved)" in squeezed_cover
    assert "laion/relaion2B-en-research,revisionmain(commitnotresolved)" in squeezed_cover
    assert "partial" in cover and "full" in cover
    assert "hf-viewer" in cover and "HTTP 503" in cover


def test_phash_section_shows_the_differing_bits(built: Built) -> None:
    assert "2 of 64 bits differ (positions 0, 58" in built.text
    diff_line = next(line for line in built.text.splitlines() if line.startswith("diff"))
    assert diff_line.count("^") == 2


def test_untrusted_caption_is_plain_text_and_bidi_controls_are_visible(built: Built) -> None:
    assert "{{ 7*7 }}" in built.text and "[click](https://evil.example/x)" in built.text
    assert "[U+202E]" in built.text and "\u202e" not in built.text
    assert "<b>bold</b>" in built.text


def test_no_local_path_appears(built: Built) -> None:
    folder = str(built.case.folder)
    assert folder not in built.text
    assert folder not in built.manifest.manifest_path.read_text(encoding="utf-8")
    assert "coyo-part-00000.parquet" in built.text  # the dataset file is named by its file name only


def test_manifest_hashes_recompute(built: Built) -> None:
    raw = built.manifest.manifest_path.read_bytes()
    data = json.loads(raw)
    assert built.manifest.pdf_sha256 == hashlib.sha256(built.manifest.pdf_path.read_bytes()).hexdigest()
    assert "sha256" not in data["pdf"]  # the PDF holds the manifest: the manifest cannot hold the PDF's digest
    evidence = built.case.evidence
    assert data["inputs"]["matches"]["sha256"] == hashlib.sha256(matches_json(evidence)).hexdigest()
    files = {entry["file"]: entry for entry in data["inputs"]["works"]}
    for key in ("rotated", "alpha"):
        path = Path(built.case.works[key].path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert files[path.name]["sha256_now"] == digest == files[path.name]["sha256_at_match"]
    descriptors = builtin_descriptors()
    for entry in data["inputs"]["datasets"]:
        expected = hashlib.sha256(canonical_json(descriptors[entry["id"]].to_json())).hexdigest()
        assert entry["descriptor_sha256"] == expected
    assert data["generated_at"] == "2026-11-27T01:02:03+00:00"


def test_same_input_and_time_give_the_same_bytes(built: Built, tmp_path: Path) -> None:
    again = build_evidence_pdf(built.case.evidence, tmp_path / "again.pdf")
    assert again.pdf_path.read_bytes() == built.manifest.pdf_path.read_bytes()
    assert b"/CreationDate (D:20261127010203Z" in again.pdf_path.read_bytes()


def test_a_work_changed_since_matching_is_flagged(tmp_path: Path) -> None:
    case = build_case(tmp_path)
    changed = Path(case.works["alpha"].path)
    changed.write_bytes(changed.read_bytes() + b"trailing bytes")
    # one match and a Latin-only profile keep this build small (no fallback fonts to load)
    evidence = replace(case.evidence, matches=case.evidence.matches[1:2], profile=Profile(name="Zoe"))
    manifest = build_evidence_pdf(evidence, tmp_path / "changed.pdf")
    text = "".join(page.extract_text() for page in PdfReader(manifest.pdf_path).pages)
    assert "CHANGED since it was matched" in text
    entry = next(w for w in manifest.data["inputs"]["works"] if w["file"] == changed.name)
    assert entry["sha256_now"] == hashlib.sha256(changed.read_bytes()).hexdigest() != entry["sha256_at_match"]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian poppler-utils) is not installed")
def test_pdftoppm_renders_every_page(built: Built, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(built.manifest.pdf_path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(built.pages)
    for path in images:
        with Image.open(path) as page:
            grey = page.convert("L")
            assert grey.getextrema()[0] < 100  # text was drawn
    first_match_page = next(i for i, text in enumerate(built.pages) if "Match 1 of 3" in text)
    with Image.open(images[first_match_page]) as page:
        # the thumbnail (a red drawing) sits at the top left, below the heading
        thumb = page.convert("RGB").crop((40, 60, 160, 190))
        reds = sum(1 for r, g, b in thumb.get_flattened_data() if r > 150 and g < 110 and b < 90)
        assert reds > 200


def test_a_report_without_confirmed_matches_still_says_what_was_searched(built: Built, tmp_path: Path) -> None:
    evidence = replace(built.case.evidence, matches=(), unreadable=(), profile=Profile(name="Zoe"))
    manifest = build_evidence_pdf(evidence, tmp_path / "none.pdf")
    pages = [page.extract_text() for page in PdfReader(manifest.pdf_path).pages]
    assert "COYO-700M" in pages[0] and "No match has been confirmed" in pages[1]
    assert not any("Match 1 of" in page for page in pages)
    assert "Methodology and limits" in pages[2] and "Appendix: dataset files" in "".join(pages[3:])
    assert "Every file in the catalogue was read" in pages[-1]
    assert manifest.data["inputs"]["matches"]["count"] == 0


def test_a_match_through_a_variant_compares_the_variants_bits(built: Built, tmp_path: Path) -> None:
    item = built.case.evidence.matches[0]
    assert item.work is not None and item.work.phash is not None
    variant = item.work.phash ^ 0xFF  # the recorded hash of, say, the work with a border
    published = variant ^ (1 << 40)
    match = replace(item.match, local_hash=f"{variant:016x}", published_hash=f"{published:016x}", distance=1,
                    caption="plain caption")  # fmt: skip
    evidence = replace(built.case.evidence, matches=(replace(item, match=match),), profile=Profile(name="Zoe"))
    manifest = build_evidence_pdf(evidence, tmp_path / "variant.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(manifest.pdf_path).pages)
    assert f"{variant:016x}" in text and "found through a variant" in text
    assert "1 of 64 bits differ (positions 23;" in text
    assert "The file's own pHash is 9 bits from the row's" in text


def test_the_manifest_is_attached_and_its_digest_is_on_the_cover(built: Built) -> None:
    raw = built.manifest.manifest_path.read_bytes()
    attached = PdfReader(built.manifest.pdf_path).attachments
    assert list(attached) == ["manifest.json"] and attached["manifest.json"] == [raw]
    digest = hashlib.sha256(raw).hexdigest()
    assert digest == built.manifest.manifest_sha256
    assert digest in re.sub(r"\s+", "", built.pages[0])
    assert "not signed" in built.pages[0]


def test_a_caption_holding_the_page_count_alias_is_shown_as_it_is(tmp_path: Path) -> None:
    case = build_case(tmp_path)
    item = case.evidence.matches[2]
    caption = "see {nb} pages and {pages}"
    evidence = replace(case.evidence, matches=(replace(item, match=replace(item.match, caption=caption)),),
                       profile=Profile(name="Zoe"))  # fmt: skip
    manifest = build_evidence_pdf(evidence, tmp_path / "alias.pdf")
    text = "".join(page.extract_text() for page in PdfReader(manifest.pdf_path).pages)
    assert caption in text
