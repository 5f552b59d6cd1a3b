"""One page per confirmed match: the local work beside the dataset row (with the file it is in and its place
there), the comparison, how it was found, and the recipe that reproduces it without TrainTrace."""

from __future__ import annotations

import io
from collections.abc import Mapping

from core.evidence.bits import BitComparison, parse_hash_hex
from core.evidence.document import INK, MARK, MUTED, EvidenceDocument
from core.evidence.fonts import SANS
from core.evidence.inputs import EvidenceMatch, utc_text
from core.evidence.methodology import kind_name
from core.evidence.recipes import Recipe
from core.evidence.searched import DatasetSearched
from core.evidence.text import CAPTION_LIMIT, SHORT_LIMIT, URL_LIMIT, capped
from core.evidence.thumbnails import WorkPicture
from core.vocabulary import MatchKind

THUMB_BOX = 46.0


def hex64(value: int | None) -> str:
    return "-" if value is None else format(value, "016x")


def add_match_page(
    pdf: EvidenceDocument,
    number: int,
    total: int,
    item: EvidenceMatch,
    datasets: Mapping[str, DatasetSearched],
    pictures: dict[int, WorkPicture],
) -> None:
    match = item.match
    dataset = datasets.get(match.dataset)
    dataset_name = dataset.name if dataset else match.dataset
    pdf.add_page()
    subject = item.work_name or "the artist's profile"
    pdf.heading(f"Match {number} of {total}: {subject} listed in {dataset_name}", level=1)
    _work_block(pdf, item, pictures)
    pdf.heading("The dataset row", level=2)
    pdf.field("Dataset", f"{dataset_name} ({match.dataset})")
    _row_place(pdf, item)
    pdf.field("Row id", capped(match.row_id, SHORT_LIMIT), mono=True)
    pdf.field("Image address (URL)", capped(match.url, URL_LIMIT), mono=True)
    pdf.field("Caption", capped(match.caption, CAPTION_LIMIT))
    published = capped(_published_hash(item), SHORT_LIMIT)
    pdf.field("Published hash", published or "none in this row", mono=bool(published))
    if item.recipe.row is not None and not item.recipe.row.as_stored:
        pdf.paragraph(
            "This match was recorded by an older version of TrainTrace, which kept the row's id and hash as it "
            "parsed them (hashes in lowercase hexadecimal), not exactly as the file holds them.",
            size=8,
            muted=True,
        )
    pdf.heading("Comparison", level=2)
    _comparison(pdf, item)
    pdf.heading("How and when it was found", level=2)
    pdf.field("Kind", f"{kind_name(match.kind)} (see 'Methodology and limits')")
    pdf.field("How", capped(item.how_found, CAPTION_LIMIT))
    pdf.field("Searched in", f"{match.source} (coverage: {match.coverage})")
    pdf.field("Found at", utc_text(match.found_at))
    pdf.field("Confirmed at", utc_text(match.decided_at) + ", on review")
    if match.note:
        pdf.field("Reviewer's note", capped(match.note, CAPTION_LIMIT))
    _recipe(pdf, item.recipe, item)


def _published_hash(item: EvidenceMatch) -> str | None:
    """The row's hash as the file holds it, when recorded; else as TrainTrace parsed it."""
    row = item.recipe.row
    place = item.place
    if row is not None and row.as_stored and place is not None:
        for field in ("phash", "sha256"):
            column = place.columns.get(field)
            if column is not None and column in row.expect and row.expect[column] is not None:
                return str(row.expect[column])
    return item.match.published_hash


def _row_place(pdf: EvidenceDocument, item: EvidenceMatch) -> None:
    shard, place = item.shard, item.place
    if shard is None:
        pdf.field("File", "not recorded: " + _no_file_reason(item))
        return
    size = f"{shard.size:,} bytes" if shard.size is not None else "size not recorded"
    if shard.shown == shard.name:
        pdf.field("File", f"{shard.name}, {size}")
    else:
        pdf.field("File", shard.shown, mono=True)
        pdf.field("Size", size)
    pdf.field("File SHA-256", shard.sha256 or f"none ({shard.digest_note})", mono=shard.sha256 is not None)
    if place is None:
        return
    where = f"row {place.row:,} of the file"
    if place.row_group is not None:
        where += f": row group {place.row_group}, row {place.row_in_group:,} in it"
    pdf.field("Position", where + " (counted from 0)")


def _no_file_reason(item: EvidenceMatch) -> str:
    match = item.match
    if match.source not in ("local index", "batch"):
        return f"this row is the answer of the remote source {match.source}; TrainTrace read no dataset file for it"
    if match.shard is None:
        return "this match was found by an older version of TrainTrace; match again to record the row's file"
    return "the dataset file is not among the datasets added in TrainTrace (a batch result)"


def _recipe(pdf: EvidenceDocument, recipe: Recipe, item: EvidenceMatch) -> None:
    pdf.heading("Reproduce it without TrainTrace", level=2)
    if recipe.row is None and recipe.work is None:
        pdf.paragraph(
            "No recipe: " + _no_file_reason(item) + ". " + ("The query it was asked is under 'How' above."
            if item.match.source not in ("local index", "batch") else ""),
            size=8.5,
        )  # fmt: skip
        return
    shard = item.shard
    step = 1
    if recipe.row is not None and shard is not None:
        where = f"download it from {shard.download}" if shard.download else "the user's own copy"
        check = "check its SHA-256 (above)" if shard.sha256 else "its SHA-256 was not recorded"
        pdf.paragraph(f"1. Have the dataset file {recipe.row.file} ({where}) in the folder; {check}. Read the row "
                      "with DuckDB:", size=8.5)  # fmt: skip
        pdf.code([recipe.row.duckdb], keep_with_next=8)
        pdf.paragraph("It prints " + _prints(recipe.row.expect, item) + ".", size=8, muted=True)
        if recipe.row.pyarrow is not None:
            pdf.paragraph("Or by its row group and row, with pyarrow:", size=8.5)
            pdf.code([recipe.row.pyarrow])
        step = 2
    if recipe.work is not None:
        tools = "ImageHash and Pillow" if "imagehash" in recipe.work.lines[0] else "its standard library"
        pdf.paragraph(f"{step}. Hash the work {recipe.work.file} with Python ({tools}):", size=8.5)
        pdf.code(list(recipe.work.lines), keep_with_next=5)
        pdf.paragraph(f"It prints: {recipe.work.prints}", size=8, muted=True)


def _prints(expect: Mapping[str, object], item: EvidenceMatch) -> str:
    """The query's expected output, without repeating the long address and caption shown above."""
    long_columns = {item.place.columns.get(field) for field in ("url", "text")} if item.place else set()
    shown = [f"{name} = {_literal(value)}" for name, value in expect.items() if name not in long_columns]
    hidden = [name for name in expect if name in long_columns]
    return ", ".join(shown) + (f", and {' and '.join(hidden)} as shown above" if hidden else "")


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    return str(value) if isinstance(value, int) else repr(value)


def _work_block(pdf: EvidenceDocument, item: EvidenceMatch, pictures: dict[int, WorkPicture]) -> None:
    work = item.work
    if work is None:
        pdf.paragraph(
            "This match concerns the artist rather than one file: the row's address is on the artist's domain or "
            "its caption names the artist, and no local work could be tied to it."
        )
        return
    picture = pictures[work.id]
    top = pdf.get_y()
    left = pdf.l_margin
    if picture.jpeg is not None:
        pdf.image(io.BytesIO(picture.jpeg), x=left, y=top, w=THUMB_BOX, h=THUMB_BOX, keep_aspect_ratio=True)
    else:
        pdf.rect(left, top, THUMB_BOX, THUMB_BOX)
        pdf.set_xy(left + 2, top + THUMB_BOX / 2 - 2)
        pdf.set_font(SANS, "", 7.5)
        pdf.cell(THUMB_BOX - 4, 3.5, "no thumbnail", align="C")
    column = left + THUMB_BOX + 5
    pdf.set_xy(column, top)
    pdf.heading_at(column, "The artist's work")
    pdf.field("File", item.work_name, x=column)
    pdf.field("SHA-256", work.sha256 or "", mono=True, x=column)
    pdf.field("pHash", hex64(work.phash), mono=True, x=column)
    if work.width and work.height:
        pdf.field("Picture", f"{work.width} x {work.height} px, {work.format or 'unknown format'}", x=column)
    pdf.field("File now", _file_state(work.sha256, picture), x=column)
    pdf.set_y(max(pdf.get_y(), top + THUMB_BOX + 3))


def _file_state(catalogue_sha256: str | None, picture: WorkPicture) -> str:
    if picture.sha256 is None:
        return picture.problem
    if picture.sha256 == catalogue_sha256:
        state = "re-read when this report was made: same SHA-256 as when it was matched"
    else:
        state = f"CHANGED since it was matched: its SHA-256 is now {picture.sha256}"
    return state + (f"; {picture.problem}" if picture.problem else "")


def _comparison(pdf: EvidenceDocument, item: EvidenceMatch) -> None:
    match, work = item.match, item.work
    published = parse_hash_hex(match.published_hash)
    if match.kind == MatchKind.PHASH and work is not None and work.phash is not None and published is not None:
        _phash_comparison(pdf, work.phash, parse_hash_hex(match.local_hash), published)
    elif match.kind == MatchKind.SHA256 and work is not None:
        same = (work.sha256 or "").lower() == (match.published_hash or "").strip().lower()
        pdf.field("Work SHA-256", work.sha256 or "", mono=True)
        pdf.field("Row SHA-256", capped(match.published_hash, SHORT_LIMIT), mono=True)
        pdf.field("Result", "identical: the same 64 hex digits" if same else "the digests differ")
    else:
        tie = {MatchKind.URL.value: "address (URL).", MatchKind.TEXT.value: "caption."}.get(
            match.kind, "place in the answer of the remote source to a text query."
        )
        pdf.paragraph("No image hash is compared for this kind of match; the row is tied to the artist by its " + tie)


def _phash_comparison(pdf: EvidenceDocument, file_hash: int, matched: int | None, theirs: int) -> None:
    """The bits of the hash that matched (the file's own, or the variant's that the matcher recorded)."""
    pdf.field("Work pHash", hex64(file_hash), mono=True)
    if matched is not None and matched != file_hash:
        pdf.field("Matched pHash", hex64(matched), mono=True)
        pdf.paragraph(
            "The row was found through a variant of the work (see 'How'): the pHash of that variant is the one "
            f"compared below. The file's own pHash is {BitComparison(file_hash, theirs).distance} bits from the row's.",
            muted=True,
        )
        ours, label = matched, "variant"
    else:
        ours, label = file_hash, "work"
    comparison = BitComparison(ours, theirs)
    positions = comparison.differing
    pdf.field("Row pHash", hex64(theirs), mono=True)
    pdf.field(
        "Hamming distance",
        f"{comparison.distance} of 64 bits differ"
        + (f" (positions {', '.join(map(str, positions))}; 0 is the most significant bit)" if positions else ""),
    )
    ours_bits, theirs_bits, marks = comparison.binary_rows()
    pdf.mono_lines(
        [
            (f"{label:<8}{ours_bits}", INK),
            (f"{'row':<8}{theirs_bits}", INK),
            (f"{'diff':<8}{marks}" if marks else f"{'diff':<8}(none: the values are equal)", MARK if marks else MUTED),
        ]
    )
