"""The report's building blocks: bit comparison, plain text, thumbnails, font selection."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from core.evidence.bits import BitComparison, parse_hash_hex
from core.evidence.fonts import ARABIC, CJK, HANGUL, covered_text, fallbacks_needed, needs_shaping
from core.evidence.inputs import without_local_paths
from core.evidence.text import plain_text
from core.evidence.thumbnails import THUMBNAIL_PX, read_work_picture
from tests.evidence.cases import write_images


def test_bit_comparison_marks_each_differing_position() -> None:
    ours = 0xA2898B1566FD46F1
    theirs = 0xA2898B1466FD46F9
    comparison = BitComparison(ours, theirs)
    assert comparison.distance == 2
    assert comparison.differing == (31, 60)
    top, bottom, marks = comparison.binary_rows()
    assert top.replace(" ", "") == format(ours, "064b") and bottom.replace(" ", "") == format(theirs, "064b")
    assert [i for i, char in enumerate(marks) if char == "^"] == [
        i for i, (a, b) in enumerate(zip(top, bottom, strict=True)) if a != b
    ]


def test_published_hash_parsing() -> None:
    assert parse_hash_hex("A2898B1466FD46F9") == 0xA2898B1466FD46F9
    assert parse_hash_hex("a2898b") is None
    assert parse_hash_hex("zz898b1466fd46f9") is None
    assert parse_hash_hex(None) is None


def test_plain_text_drops_controls_and_shows_bidi_overrides() -> None:
    assert plain_text("a\x00b\x1bc") == "a[U+0000]b[U+001B]c"
    assert plain_text("x\u202ey") == "x[U+202E]y"
    assert plain_text("one\ntwo\r\nthree") == "one two  three"
    assert plain_text("one\ntwo", keep_newlines=True) == "one\ntwo"
    assert plain_text("Zoë 山田 ليلى") == "Zoë 山田 ليلى"


def test_local_paths_are_cut_to_file_names() -> None:
    text = "row 5 (/home/ada/data/coyo/part-1.parquet, row 9) of /home/ada/data/coyo/part-1.parquet.bak"
    assert without_local_paths(text, ["/home/ada/data/coyo/part-1.parquet"]) == (
        "row 5 (part-1.parquet, row 9) of part-1.parquet.bak"
    )


def test_shaping_and_fallbacks_only_where_needed() -> None:
    assert not needs_shaping("Zoë Ångström d214ab2d https://example.org/a_b")
    assert not needs_shaping("山田花子")
    assert needs_shaping("ليلى أحمد")
    assert needs_shaping("Zoe\u0308")  # a combining diaeresis
    assert fallbacks_needed(["plain", "Zoë"]) == ()
    assert fallbacks_needed(["山田花子"]) == (CJK,)
    assert fallbacks_needed(["ليلى", "x 山"]) == (ARABIC, CJK)
    assert fallbacks_needed(["김민지"]) == (HANGUL,)
    assert not needs_shaping("김민지")


def test_characters_no_font_has_stay_visible() -> None:
    coverage = frozenset(map(ord, "abc "))
    assert covered_text("a b", coverage) == "a b"
    assert covered_text("a\U0001f3a8b\u05e9", coverage) == "a[U+1F3A8]b[U+05E9]"


def test_thumbnail_is_upright_flattened_and_small(tmp_path: Path) -> None:
    paths = write_images(tmp_path)
    rotated = read_work_picture(paths["rotated"])
    assert rotated.jpeg is not None and rotated.problem == ""
    with Image.open(io.BytesIO(rotated.jpeg)) as image:
        assert image.format == "JPEG" and max(image.size) <= THUMBNAIL_PX
        assert image.height > image.width  # stored 120x60 with orientation 6: shown 60x120
    alpha = read_work_picture(paths["alpha"])
    assert alpha.jpeg is not None
    with Image.open(io.BytesIO(alpha.jpeg)) as image:
        assert min(image.getpixel((1, 1))) > 240  # transparent corner became white, not black
    broken = read_work_picture(paths["broken"])
    assert broken.jpeg is None and broken.sha256 is not None and "could not be decoded" in broken.problem
    missing = read_work_picture(tmp_path / "gone.jpg")
    assert missing.sha256 is None and "can no longer be read" in missing.problem


def test_thumbnail_bytes_are_stable(tmp_path: Path) -> None:
    paths = write_images(tmp_path)
    assert read_work_picture(paths["rotated"]).jpeg == read_work_picture(paths["rotated"]).jpeg
