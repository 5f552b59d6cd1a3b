"""The evidence PDF: cover, summary table, one page per confirmed match, methodology and limits, appendix.

Deterministic: the creation date is the report's `generated_at`, fpdf2's file identifier is a digest of the
document's own bytes, thumbnails are encoded with fixed settings and nothing else varies, so the same input
(and the same work files) gives the same bytes. The manifest beside the PDF records what that input was.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import fpdf
from fpdf.fonts import FontFace

from core.evidence.document import ACCENT, EvidenceDocument
from core.evidence.fonts import MONO, SANS, fallbacks_needed
from core.evidence.inputs import DatasetSearched, EvidenceInput, utc_text
from core.evidence.manifest import EvidenceManifest, manifest_data, manifest_path_for, write_manifest
from core.evidence.match_section import add_match_page
from core.evidence.methodology import SHORT_KIND_NAMES, methodology_sections
from core.evidence.text import CAPTION_LIMIT, SHORT_LIMIT, URL_LIMIT, capped
from core.evidence.thumbnails import WorkPicture
from core.files import write_atomically
from core.progress import Progress

HEADINGS = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT)


def report_time(evidence: EvidenceInput) -> str:
    return evidence.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def build_evidence_pdf(evidence: EvidenceInput, out: Path, progress: Progress | None = None) -> EvidenceManifest:
    """Write the report to `out` and its manifest to `out` + ".manifest.json"; return the manifest."""
    progress = progress or Progress()
    progress.start(len(evidence.matches) + 2)
    pdf = _new_document(evidence)
    _cover(pdf, evidence)
    _summary(pdf, evidence)
    progress.advance()
    pictures: dict[int, WorkPicture] = {}
    datasets = {dataset.id: dataset for dataset in evidence.datasets}
    for number, item in enumerate(evidence.matches, start=1):
        progress.check_cancelled()
        add_match_page(pdf, number, len(evidence.matches), item, datasets, pictures)
        progress.advance()
    _methodology(pdf, evidence)
    _appendix(pdf, evidence)
    data = _render(pdf)
    out = Path(out)
    write_atomically(out, data)
    manifest = manifest_data(evidence, data, out.name, pictures)
    manifest_file = manifest_path_for(out)
    write_manifest(manifest_file, manifest)
    progress.advance()
    return EvidenceManifest(out, manifest_file, manifest["pdf"]["sha256"], manifest)


def _new_document(evidence: EvidenceInput) -> EvidenceDocument:
    artist = evidence.profile.name or "(no name in the profile)"
    footer = f"Generated {report_time(evidence)} by {evidence.tool_name} {evidence.tool_version}"
    pdf = EvidenceDocument(f"Evidence report for {artist}", footer, fallbacks_needed(_texts(evidence)))
    pdf.set_creation_date(evidence.generated_at)
    pdf.set_title(f"Evidence report: works of {artist} listed in AI-training datasets")
    pdf.set_author(artist)
    pdf.set_creator(f"{evidence.tool_name} {evidence.tool_version} ({evidence.project_url})")
    pdf.set_producer(f"{evidence.tool_name} {evidence.tool_version} with fpdf2 {fpdf.__version__}")
    pdf.set_lang("en")
    return pdf


def _texts(evidence: EvidenceInput) -> Iterator[str]:
    """Every variable text the report draws (to decide which fallback fonts it needs)."""
    profile = evidence.profile
    yield from (profile.name, *profile.aliases, *profile.handles, *profile.domains, *profile.url_prefixes)
    for dataset in evidence.datasets:
        yield from (dataset.id, dataset.name, dataset.revision)
    for source in evidence.sources:
        yield from (source.id, source.error or "")
    for item in evidence.matches:
        match = item.match
        yield from (item.work_name, capped(item.how_found, CAPTION_LIMIT), capped(match.url, URL_LIMIT))
        yield from (capped(match.caption, CAPTION_LIMIT), capped(match.note, CAPTION_LIMIT))
        yield from (capped(match.row_id, SHORT_LIMIT), match.dataset, match.source)
        yield capped(match.published_hash, SHORT_LIMIT)
    for unreadable in evidence.unreadable:
        yield from (unreadable.name, unreadable.reason)


def _cover(pdf: EvidenceDocument, evidence: EvidenceInput) -> None:
    pdf.add_page()
    pdf.set_y(28)
    pdf.heading("Evidence report", level=0)
    pdf.paragraph("Works of the artist listed in public AI-training datasets", size=13, muted=True)
    pdf.ln(4)
    profile = evidence.profile
    pdf.field("Artist", profile.name or "(no name in the profile)")
    if profile.aliases:
        pdf.field("Also known as", ", ".join(profile.aliases))
    if profile.handles:
        pdf.field("Handles", ", ".join(profile.handles))
    if profile.domains or profile.url_prefixes:
        pdf.field("Web addresses", ", ".join((*profile.domains, *profile.url_prefixes)), mono=True)
    pdf.field("Generated", report_time(evidence))
    pdf.field("Tool", f"{evidence.tool_name} {evidence.tool_version} ({evidence.project_url})")
    works = len(evidence.works)
    pdf.field(
        "Confirmed matches",
        f"{len(evidence.matches)} (concerning {works} work file(s) and the artist's profile), each reviewed by the "
        "artist",
    )
    pdf.heading("Datasets searched", level=2)
    _datasets_table(pdf, evidence.datasets)
    pdf.heading("Remote sources queried", level=2)
    if evidence.sources:
        rows = [
            (s.id, utc_text(s.asked_at) if s.asked_at else "", s.status, s.coverage,
             "" if s.rows is None else str(s.rows), s.error or "")
            for s in evidence.sources
        ]  # fmt: skip
        _table(pdf, ("Source", "Asked", "Status", "Coverage", "Rows", "Result"), rows, (26, 34, 22, 20, 12, 60))
    else:
        pdf.paragraph("None: every comparison ran on this computer against local copies of the datasets' metadata.")
    pdf.paragraph(
        "A dataset row listing an image shows that the dataset lists that image's address and caption; it does not "
        "show that a model was trained on it. See 'Methodology and limits'.",
        size=8.5,
        muted=True,
    )


def _datasets_table(pdf: EvidenceDocument, datasets: Sequence[DatasetSearched]) -> None:
    if not datasets:
        pdf.paragraph("No dataset had been added.")
        return
    rows = [
        (
            f"{d.name} ({d.id})",
            d.revision,
            f"{d.rows:,}",
            f"{d.coverage} ({d.shards_done}/{d.shards_total} files)"
            + (f"; {d.bad_hashes:,} malformed published hash(es), never matched" if d.bad_hashes else ""),
        )
        for d in datasets
    ]
    _table(pdf, ("Dataset", "Revision", "Rows searched", "Coverage"), rows, (48, 66, 25, 35))


def _summary(pdf: EvidenceDocument, evidence: EvidenceInput) -> None:
    pdf.add_page()
    pdf.heading("Summary of confirmed matches", level=1)
    if not evidence.matches:
        pdf.paragraph("No match has been confirmed. This report lists what was searched.")
        return
    names = {d.id: d.name for d in evidence.datasets}
    rows = []
    for number, item in enumerate(evidence.matches, start=1):
        match = item.match
        distance = "" if match.distance is None or match.kind not in ("phash", "sha256") else str(match.distance)
        rows.append(
            (
                str(number),
                item.work_name or "(profile)",
                names.get(match.dataset, match.dataset),
                SHORT_KIND_NAMES.get(match.kind, match.kind),
                distance,
                capped(match.row_id, SHORT_LIMIT),
            )
        )
    _table(pdf, ("#", "Work", "Listed in", "Kind", "Dist.", "Row id"), rows, (7, 46, 32, 16, 10, 63), mono_last=True)
    pdf.paragraph(
        "Kind: SHA-256 = identical file; pHash = near-duplicate picture; URL = image address on the artist's site or "
        "upload page; caption = caption naming the artist. Dist.: Hamming distance between the 64-bit pHashes (0 for "
        "an identical file). Each match has its own page below.",
        size=8,
        muted=True,
    )


def _table(
    pdf: EvidenceDocument,
    headings: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    mono_last: bool = False,
) -> None:
    pdf.set_font(SANS, "", 8)
    pdf.shape_for(*(value for values in rows for value in values))
    mono = FontFace(family=MONO, size_pt=7.5)
    with pdf.table(
        col_widths=tuple(widths),
        width=sum(widths),
        align="LEFT",
        text_align="LEFT",
        headings_style=HEADINGS,
        line_height=4.2,
        padding=(1.0, 1.2, 1.0, 1.2),
        cell_fill_color=(242, 244, 247),
        cell_fill_mode="ROWS",
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        heading_row = table.row()
        for heading in headings:
            heading_row.cell(heading)
        for values in rows:
            row = table.row()
            for index, value in enumerate(values):
                last = mono_last and index == len(values) - 1
                row.cell(pdf.clean(value), style=mono if last else None)
    pdf.ln(3)


def _methodology(pdf: EvidenceDocument, evidence: EvidenceInput) -> None:
    pdf.add_page()
    pdf.heading("Methodology and limits", level=1)
    for title, paragraphs in methodology_sections(evidence.max_distance):
        pdf.heading(title, level=2)
        for text in paragraphs:
            pdf.paragraph(text)


def _appendix(pdf: EvidenceDocument, evidence: EvidenceInput) -> None:
    pdf.add_page()
    pdf.heading("Appendix: files that could not be read", level=1)
    if not evidence.unreadable:
        pdf.paragraph("Every file in the catalogue was read and fingerprinted.")
        return
    pdf.paragraph(
        "These files were found in the artist's folders but could not be decoded, so they were not compared with "
        "any dataset.",
        muted=True,
    )
    _table(pdf, ("File", "Reason"), [(f.name, f.reason) for f in evidence.unreadable], (60, 114))


def _render(pdf: EvidenceDocument) -> bytes:
    """The document's bytes; fontTools' notes about font tables it drops while subsetting are not for the user."""
    subset_log = logging.getLogger("fontTools.subset")
    level = subset_log.level
    subset_log.setLevel(logging.ERROR)
    try:
        return bytes(pdf.output())
    finally:
        subset_log.setLevel(level)
