"""The JSON manifest written beside the PDF: the SHA-256 of the PDF and of every input it was built from.

Anyone can recompute each digest: the PDF's and each work file's over their bytes, the match list's over
`matches_json`, each dataset's descriptor over its canonical JSON (`inputs.canonical_json`). No local path is
written: works are named by their file name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.evidence.inputs import EvidenceInput, canonical_json
from core.evidence.text import CAPTION_LIMIT, SHORT_LIMIT, URL_LIMIT, shown
from core.evidence.thumbnails import WorkPicture
from core.files import write_atomically

MANIFEST_FORMAT = "traintrace-evidence-manifest"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class EvidenceManifest:
    pdf_path: Path
    manifest_path: Path
    pdf_sha256: str
    data: Mapping[str, Any]  # the manifest's JSON content


def manifest_path_for(pdf_path: Path) -> Path:
    return pdf_path.with_name(pdf_path.name + ".manifest.json")


def matches_json(evidence: EvidenceInput) -> bytes:
    """The confirmed matches as canonical JSON (the work named by file name, never by path)."""
    records = []
    for item in evidence.matches:
        record = {name: getattr(item.match, name) for name in item.match.__dataclass_fields__}
        record.pop("work_path")
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
    evidence: EvidenceInput, pdf_bytes: bytes, pdf_name: str, pictures: Mapping[int, WorkPicture]
) -> dict[str, Any]:
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
            "revision": d.revision,
            "coverage": d.coverage,
            "rows": d.rows,
            "descriptor_sha256": d.descriptor_sha256,
            "shards_sha256": d.shards_sha256,
        }
        for d in evidence.datasets
    ]
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "generated_at": evidence.generated_at.isoformat(timespec="seconds"),
        "tool": {"name": evidence.tool_name, "version": evidence.tool_version, "url": evidence.project_url},
        "pdf": {"file": pdf_name, "sha256": hashlib.sha256(pdf_bytes).hexdigest(), "bytes": len(pdf_bytes)},
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
    }


def write_manifest(path: Path, data: Mapping[str, Any]) -> None:
    write_atomically(path, (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
