"""One page per confirmed match: the local work beside the dataset row, the comparison, and how it was found."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from core.evidence.bits import BitComparison, parse_hash_hex
from core.evidence.document import INK, MARK, MUTED, EvidenceDocument
from core.evidence.fonts import SANS
from core.evidence.inputs import DatasetSearched, EvidenceMatch, utc_text
from core.evidence.methodology import KIND_NAMES
from core.evidence.text import CAPTION_LIMIT, SHORT_LIMIT, URL_LIMIT, capped
from core.evidence.thumbnails import WorkPicture, read_work_picture

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
    pdf.field("Dataset", f"{dataset_name} ({match.dataset})" + (f", {dataset.revision}" if dataset else ""))
    pdf.field("Row id", capped(match.row_id, SHORT_LIMIT), mono=True)
    pdf.field("Image address (URL)", capped(match.url, URL_LIMIT), mono=True)
    pdf.field("Caption", capped(match.caption, CAPTION_LIMIT))
    published = capped(match.published_hash, SHORT_LIMIT)
    pdf.field("Published hash", published or "none in this row", mono=bool(published))
    pdf.heading("Comparison", level=2)
    _comparison(pdf, item)
    pdf.heading("How and when it was found", level=2)
    pdf.field("Kind", f"{KIND_NAMES.get(match.kind, match.kind)} (see 'Methodology and limits')")
    pdf.field("How", capped(item.how_found, CAPTION_LIMIT))
    pdf.field("Searched in", f"{match.source} (coverage: {match.coverage})")
    pdf.field("Found at", utc_text(match.found_at))
    pdf.field("Confirmed at", utc_text(match.decided_at) + " by the artist, on review")
    if match.note:
        pdf.field("Artist's note", capped(match.note, CAPTION_LIMIT))


def _work_block(pdf: EvidenceDocument, item: EvidenceMatch, pictures: dict[int, WorkPicture]) -> None:
    work = item.work
    if work is None:
        pdf.paragraph(
            "This match concerns the artist rather than one file: the row's address is on the artist's domain or "
            "its caption names the artist, and no local work could be tied to it."
        )
        return
    picture = pictures.get(work.id)
    if picture is None:
        picture = pictures[work.id] = read_work_picture(Path(work.path))
    top = pdf.get_y()
    left = pdf.l_margin
    if picture.jpeg is not None:
        pdf.image(io.BytesIO(picture.jpeg), x=left, y=top, w=THUMB_BOX, h=THUMB_BOX, keep_aspect_ratio=True)
    else:
        pdf.rect(left, top, THUMB_BOX, THUMB_BOX)
        pdf.set_xy(left + 2, top + THUMB_BOX / 2 - 4)
        pdf.set_font(SANS, "", 7.5)
        pdf.multi_cell(THUMB_BOX - 4, 3.5, "no thumbnail", align="C")
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
    if match.kind == "phash" and work is not None and work.phash is not None and published is not None:
        _phash_comparison(pdf, work.phash, parse_hash_hex(match.local_hash), published)
    elif match.kind == "sha256" and work is not None:
        same = (work.sha256 or "").lower() == (match.published_hash or "").strip().lower()
        pdf.field("Work SHA-256", work.sha256 or "", mono=True)
        pdf.field("Row SHA-256", capped(match.published_hash, SHORT_LIMIT), mono=True)
        pdf.field("Result", "identical: the same 64 hex digits" if same else "the digests differ")
    else:
        pdf.paragraph(
            "No image hash is compared for this kind of match; the row is tied to the artist by its "
            + ("address (URL)." if match.kind == "url" else "caption." if match.kind == "text" else "search result.")
        )


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
