"""The JSON manifest: the SHA-256 of every input the report was built from, and every match's recipe.

It is embedded in the PDF as an attachment and written beside it (`FILE.manifest.json`), the same bytes in both
places; the PDF's cover shows their SHA-256. It cannot hold the PDF's own SHA-256 (it is inside the PDF): see
`ABOUT`, which the manifest carries so that a reader of the file alone knows what each digest covers.

Anyone can recompute each digest: each work file's and dataset file's over its bytes, the match list's over
`matches_json`, each dataset's descriptor over its canonical JSON (`searched.canonical_json`). No local path is
written: works and local dataset files are named by their file name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.evidence.inputs import EvidenceInput, EvidenceMatch
from core.evidence.searched import canonical_json, file_name
from core.evidence.text import CAPTION_LIMIT, SHORT_LIMIT, URL_LIMIT, shown
from core.evidence.thumbnails import WorkPicture

MANIFEST_FORMAT = "traintrace-evidence-manifest"
MANIFEST_VERSION = 2
ATTACHMENT_NAME = "manifest.json"
ABOUT = (
    f"This manifest is attached to the evidence PDF (as {ATTACHMENT_NAME}) and written beside it under the PDF's "
    "name followed by .manifest.json, the same bytes in both places; the PDF's cover shows their SHA-256. It "
    "lists the SHA-256 of every input of the report and "
    "each match's recipe. It does not hold the PDF's own SHA-256, which would change the PDF it is part of: "
    "TrainTrace shows that digest when it writes the report, and a signed report's signature covers every byte "
    "of the PDF except the signature itself."
)


@dataclass(frozen=True)
class EvidenceManifest:
    pdf_path: Path
    manifest_path: Path
    pdf_sha256: str  # of the PDF as written (signed, when it was signed)
    manifest_sha256: str  # of the manifest's bytes (embedded and beside the PDF), as the cover shows it
    data: Mapping[str, Any]  # the manifest's JSON content
    signed: bool = False


def manifest_path_for(pdf_path: Path) -> Path:
    return pdf_path.with_name(pdf_path.name + ".manifest.json")


def matches_json(evidence: EvidenceInput) -> bytes:
    """The confirmed matches as canonical JSON (the work named by file name, never by path)."""
    records = []
    for item in evidence.matches:
        record = {name: getattr(item.match, name) for name in item.match.__dataclass_fields__}
        record.pop("work_path")
        if match_shard := record.get("shard"):
            record["shard"] = match_shard if "://" in match_shard else file_name(match_shard)
        record["evidence"] = item.how_found
        record["work"] = item.work_name or None
        records.append(record)
    return canonical_json(records)


def profile_json(evidence: EvidenceInput) -> bytes:
    profile = evidence.profile
    return canonical_json({name: getattr(profile, name) for name in profile.__dataclass_fields__})


def cut_values(evidence: EvidenceInput) -> list[dict[str, Any]]:
    """Each dataset value the PDF shows only in part: which match and field, its length and full SHA-256."""
    found = []
    for item in evidence.matches:
        match = item.match
        values = (
            ("row_id", match.row_id, SHORT_LIMIT),
            ("url", match.url, URL_LIMIT),
            ("caption", match.caption, CAPTION_LIMIT),
            ("published_hash", match.published_hash, SHORT_LIMIT),
        )
        for field, value, limit in values:
            part = shown(value, limit)
            if part.cut:
                found.append(
                    {"match_id": match.id, "field": field, "characters": part.length,
                     "characters_shown": len(part.text), "sha256": part.sha256}
                )  # fmt: skip
    return found


def manifest_data(
    evidence: EvidenceInput, pictures: Mapping[int, WorkPicture], signer: Mapping[str, str] | None
) -> dict[str, Any]:
    """The manifest's content; it does not depend on the PDF's file name, so neither do the PDF's bytes."""
    works = []
    for work in evidence.works:
        picture = pictures.get(work.id)
        works.append(
            {
                "file": Path(work.path).name,
                "sha256_at_match": work.sha256,
                "sha256_now": picture.sha256 if picture else None,
            }
        )
    datasets = [
        {
            "id": d.id,
            "name": d.name,
            "revision": d.revision,
            "coverage": d.coverage,
            "rows": d.rows,
            "descriptor_sha256": d.descriptor_sha256,
            "files": [shard.manifest() for shard in d.shards],
        }
        for d in evidence.datasets
    ]
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "about": ABOUT,
        "generated_at": evidence.generated_at.isoformat(timespec="seconds"),
        "tool": {"name": evidence.tool_name, "version": evidence.tool_version},
        "pdf": {"signed": signer is not None, "signer": dict(signer) if signer else None},
        "inputs": {
            "profile_sha256": hashlib.sha256(profile_json(evidence)).hexdigest(),
            "matches": {
                "count": len(evidence.matches),
                "sha256": hashlib.sha256(matches_json(evidence)).hexdigest(),
                "cut_in_pdf": cut_values(evidence),
            },
            "works": works,
            "datasets": datasets,
            "sources": [
                {
                    "id": s.id,
                    "asked_at": s.asked_at,
                    "status": s.status,
                    "coverage": s.coverage,
                    "rows": s.rows,
                    "error": s.error,
                }  # fmt: skip
                for s in evidence.sources
            ],
            "pHash_threshold": evidence.max_distance,
        },
        "matches": [match_entry(item) for item in evidence.matches],
    }


def match_entry(item: EvidenceMatch) -> dict[str, Any]:
    """One match's place and recipe, as its page prints them."""
    match, place, recipe = item.match, item.place, item.recipe
    entry: dict[str, Any] = {"id": match.id, "kind": match.kind, "dataset": match.dataset, "row_id": match.row_id,
                             "work": item.work_name or None, "source": match.source}  # fmt: skip
    if place is not None and item.shard is not None:
        entry["row"] = {"file": place.file, "file_sha256": item.shard.sha256, "row": place.row,
                        "row_group": place.row_group, "row_in_group": place.row_in_group}  # fmt: skip
    if recipe.row is not None:
        entry["row_recipe"] = {"duckdb": recipe.row.duckdb, "pyarrow": recipe.row.pyarrow,
                               "prints": dict(recipe.row.expect), "values_as_stored": recipe.row.as_stored}  # fmt: skip
    if recipe.work is not None:
        entry["work_recipe"] = {"file": recipe.work.file, "python": list(recipe.work.lines),
                                "prints": recipe.work.prints}  # fmt: skip
    return entry


def manifest_bytes(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
