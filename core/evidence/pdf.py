"""The evidence PDF: cover, summary table, one page per confirmed match, methodology and limits, appendices, and
the manifest embedded as an attachment (optionally signed).

Order of work: the work files are read first (thumbnails and fresh SHA-256), then the manifest is made, so the
cover can show the manifest's SHA-256; the manifest is embedded, the PDF rendered, then signed if asked.

Deterministic when unsigned: the creation date is the report's `generated_at`, fpdf2's file identifier is a
digest of the document's own bytes, thumbnails are encoded with fixed settings and nothing else varies, so the
same input (and the same work files) gives the same bytes. A signature adds the signing time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import fpdf

from core.evidence.document import EvidenceDocument
from core.evidence.fonts import fallbacks_needed
from core.evidence.inputs import EvidenceInput, utc_text
from core.evidence.manifest import (
    ATTACHMENT_NAME,
    EvidenceManifest,
    manifest_bytes,
    manifest_data,
    manifest_path_for,
)
from core.evidence.match_section import add_match_page
from core.evidence.methodology import methodology_sections, short_kind_name, summary_legend
from core.evidence.searched import DatasetSearched
from core.evidence.signing import ReportSigner, SignerIdentity
from core.evidence.text import CAPTION_LIMIT, SHORT_LIMIT, URL_LIMIT, capped
from core.evidence.thumbnails import WorkPicture, read_work_picture
from core.files import write_atomically
from core.progress import Progress


def report_time(evidence: EvidenceInput) -> str:
    return evidence.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")


def build_evidence_pdf(
    evidence: EvidenceInput, out: Path, progress: Progress | None = None, signer: ReportSigner | None = None
) -> EvidenceManifest:
    """Write the report to `out` (signed with `signer`, if given) and its manifest to `out` + ".manifest.json"."""
    progress = progress or Progress()
    out = Path(out)
    works = evidence.works
    progress.start(len(works) + len(evidence.matches) + 2)
    pictures: dict[int, WorkPicture] = {}
    for work in works:
        progress.check_cancelled()
        pictures[work.id] = read_work_picture(Path(work.path))
        progress.advance()
    identity = signer.identity if signer is not None else None
    manifest = manifest_data(evidence, pictures, identity.as_dict() if identity else None)
    manifest_raw = manifest_bytes(manifest)
    manifest_sha256 = hashlib.sha256(manifest_raw).hexdigest()
    pdf = _new_document(evidence)
    _cover(pdf, evidence, manifest_sha256, identity)
    _summary(pdf, evidence)
    progress.advance()
    datasets = {dataset.id: dataset for dataset in evidence.datasets}
    for number, item in enumerate(evidence.matches, start=1):
        progress.check_cancelled()
        add_match_page(pdf, number, len(evidence.matches), item, datasets, pictures)
        progress.advance()
    _methodology(pdf, evidence)
    _dataset_files(pdf, evidence.datasets)
    _appendix(pdf, evidence)
    pdf.embed_file(
        bytes=manifest_raw, basename=ATTACHMENT_NAME, mime_type="application/json",
        desc=f"The manifest of this report: SHA-256 {manifest_sha256}", modification_date=evidence.generated_at,
        creation_date=evidence.generated_at,
    )  # fmt: skip
    data = _render(pdf)
    if signer is not None:
        data = signer.sign(data)
    write_atomically(out, data)
    manifest_file = manifest_path_for(out)
    write_atomically(manifest_file, manifest_raw)
    progress.advance()
    return EvidenceManifest(out, manifest_file, hashlib.sha256(data).hexdigest(), manifest_sha256, manifest,
                            signer is not None)  # fmt: skip


def _new_document(evidence: EvidenceInput) -> EvidenceDocument:
    artist = evidence.profile.name or "(no name in the profile)"
    footer = f"Generated {report_time(evidence)} by {evidence.tool_name} {evidence.tool_version}"
    pdf = EvidenceDocument(f"Evidence report for {artist}", footer, fallbacks_needed(_texts(evidence)))
    pdf.set_creation_date(evidence.generated_at)
    pdf.set_title(f"Evidence report: works of {artist} listed in AI-training datasets")
    pdf.set_author(artist)
    pdf.set_creator(f"{evidence.tool_name} {evidence.tool_version}")
    pdf.set_producer(f"{evidence.tool_name} {evidence.tool_version} with fpdf2 {fpdf.__version__}")
    pdf.set_lang("en")
    return pdf


def _texts(evidence: EvidenceInput) -> Iterator[str]:
    """Every variable text the report draws (to decide which fallback fonts it needs)."""
    profile = evidence.profile
    yield from (profile.name, *profile.aliases, *profile.handles, *profile.domains, *profile.url_prefixes)
    for dataset in evidence.datasets:
        yield from (dataset.id, dataset.name, dataset.revision)
        yield from (shard.shown for shard in dataset.shards)
    for source in evidence.sources:
        yield from (source.id, source.error or "")
    for item in evidence.matches:
        match = item.match
        yield from (item.work_name, capped(item.how_found, CAPTION_LIMIT), capped(match.url, URL_LIMIT))
        yield from (capped(match.caption, CAPTION_LIMIT), capped(match.note, CAPTION_LIMIT))
        yield from (capped(match.row_id, SHORT_LIMIT), match.dataset, match.source)
        yield capped(match.published_hash, SHORT_LIMIT)
        if item.recipe.row is not None:
            yield item.recipe.row.duckdb
    for unreadable in evidence.unreadable:
        yield from (unreadable.name, unreadable.reason)


def _cover(
    pdf: EvidenceDocument,
    evidence: EvidenceInput,
    manifest_sha256: str,
    identity: SignerIdentity | None,
) -> None:
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
    pdf.field("Tool", f"{evidence.tool_name} {evidence.tool_version}")
    works = len(evidence.works)
    pdf.field(
        "Confirmed matches",
        f"{len(evidence.matches)} (concerning {works} work file(s) and the artist's profile), each confirmed on review",
    )
    pdf.field(
        "Manifest",
        f"attached to this PDF as {ATTACHMENT_NAME}; the same bytes are written beside the PDF under its name "
        "followed by .manifest.json",
    )
    pdf.field("Manifest SHA-256", manifest_sha256, mono=True)
    pdf.field("Signature", _signature_text(identity))
    pdf.heading("Datasets searched", level=2)
    _datasets_table(pdf, evidence.datasets)
    pdf.heading("Remote sources queried", level=2)
    if evidence.sources:
        rows = [
            (s.id, utc_text(s.asked_at) if s.asked_at else "", s.status, s.coverage,
             "" if s.rows is None else str(s.rows), s.error or "")
            for s in evidence.sources
        ]  # fmt: skip
        pdf.grid(("Source", "Asked", "Status", "Coverage", "Rows", "Result"), rows, (26, 34, 22, 20, 12, 60))
    else:
        pdf.paragraph("None: every comparison ran on this computer against the datasets' own files.")
    pdf.paragraph(
        "A dataset row listing an image shows that the dataset lists that image's address and caption; it does not "
        "show that a model was trained on it. See 'Methodology and limits'.",
        size=8.5,
        muted=True,
    )


def _signature_text(identity: SignerIdentity | None) -> str:
    if identity is None:
        return (
            "none: this PDF is not signed. Its SHA-256, shown by TrainTrace when it wrote the file, is the check "
            "of its integrity (signing is optional: traintrace report --sign)."
        )
    trust = (
        "a self-issued certificate: the signature shows the PDF is unchanged since it was signed, and who signed "
        "it only to a reader who trusts this certificate"
        if identity.self_signed
        else f"issued by {identity.issuer}"
    )
    return (
        f"PAdES signature of {identity.subject} (certificate SHA-256 {identity.certificate_sha256}; {trust}). "
        "Check it with a PDF reader's signature panel or with poppler's pdfsig."
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
    pdf.grid(("Dataset", "Where its files came from", "Rows searched", "Coverage"), rows, (44, 76, 22, 32))


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
                short_kind_name(match.kind),
                distance,
                capped(match.row_id, SHORT_LIMIT),
            )
        )
    pdf.grid(("#", "Work", "Listed in", "Kind", "Dist.", "Row id"), rows, (9, 46, 32, 18, 10, 59), mono_last=True)
    pdf.paragraph(summary_legend(), size=8, muted=True)


def _methodology(pdf: EvidenceDocument, evidence: EvidenceInput) -> None:
    pdf.add_page()
    pdf.heading("Methodology and limits", level=1)
    for title, paragraphs in methodology_sections(evidence.max_distance, bool(evidence.sources)):
        pdf.heading(title, level=2)
        for text in paragraphs:
            pdf.paragraph(text)


def _dataset_files(pdf: EvidenceDocument, datasets: Sequence[DatasetSearched]) -> None:
    pdf.add_page()
    pdf.heading("Appendix: dataset files", level=1)
    pdf.paragraph(
        "Each file of each dataset searched: its name or address, its size, and its SHA-256 with how that digest "
        "was obtained. A reader who holds a file with this SHA-256 holds the bytes TrainTrace read.",
        muted=True,
    )
    if not any(d.shards for d in datasets):
        pdf.paragraph("No dataset file was read.")
        return
    for dataset in datasets:
        pdf.heading(f"{dataset.name} ({dataset.id})", level=2)
        for shard in dataset.shards:
            pdf.field("File", shard.shown, mono=shard.shown != shard.name)
            size = f"{shard.size:,} bytes" if shard.size is not None else "size not recorded"
            pdf.field("Size, rows", f"{size}; {shard.rows:,} rows; {shard.status}")
            pdf.field("SHA-256", shard.sha256 or "-", mono=shard.sha256 is not None)
            pdf.field("Digest", shard.digest_note)
            if shard.download and shard.download != shard.shown:
                pdf.field("Download", shard.download, mono=True)
            pdf.ln(1.5)


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
    pdf.grid(("File", "Reason"), [(f.name, f.reason) for f in evidence.unreadable], (60, 114))


def _render(pdf: EvidenceDocument) -> bytes:
    """The document's bytes; fontTools' notes about font tables it drops while subsetting are not for the user."""
    subset_log = logging.getLogger("fontTools.subset")
    level = subset_log.level
    subset_log.setLevel(logging.ERROR)
    try:
        return bytes(pdf.output())
    finally:
        subset_log.setLevel(level)
