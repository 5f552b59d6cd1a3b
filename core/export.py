"""The scan result as JSON and CSV: a stable, documented schema (see README.md, "JSON output").

`path` is relative to the scanned folder with `/` separators; hashes are lowercase hex (pHash, dHash and
wHash 16 characters, the 42-bit colour hash 11, as ImageHash prints them). Later features add to
`matches` and `sources`; existing fields never change meaning.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core import __version__
from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.scanning.scanner import ScannedWork, ScanSummary

SCHEMA_VERSION = 1
WORK_FIELDS = (
    "path",
    "sha256",
    "phash",
    "dhash",
    "whash",
    "colorhash",
    "width",
    "height",
    "format",
    "status",
    "reason",
)
MATCH_FIELDS = (
    "id", "work", "work_sha256", "dataset", "row_id", "kind", "distance", "score", "url", "text", "coverage",
    "published_hash", "local_hash", "evidence", "source", "found_at", "status", "note", "decided_at",
)  # fmt: skip
_HEX_WIDTH = {"phash": 16, "dhash": 16, "whash": 16, "colorhash": 11}


def work_record(item: ScannedWork) -> dict[str, Any]:
    work = item.work
    record: dict[str, Any] = {"path": item.relative, "sha256": work.sha256}
    for name, width in _HEX_WIDTH.items():
        record[name] = _hex(getattr(work, name), width)
    record.update(width=work.width, height=work.height, format=work.format, status=work.status, reason=_reason(work))
    return record


def match_record(match: Match, relative_paths: Mapping[int, str] | None = None) -> dict[str, Any]:
    """One match in the documented JSON shape (`id`, `status` and `evidence` are additions for review)."""
    work = None
    if match.work_id is not None:
        work = (relative_paths or {}).get(match.work_id, match.work_path)
    values = (
        match.id, work, match.work_sha256, match.dataset, match.row_id, match.kind, match.distance, match.score,
        match.url, match.caption, match.coverage, match.published_hash, match.local_hash, match.evidence, match.source,
        match.found_at, match.status, match.note, match.decided_at,
    )  # fmt: skip
    return dict(zip(MATCH_FIELDS, values, strict=True))


def scan_document(
    summary: ScanSummary, matches: list[dict[str, Any]] | None = None, sources: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "traintrace", "version": __version__},
        "works": [work_record(item) for item in summary.works],
        "matches": matches or [],
        "sources": sources or [],
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    _atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_works_csv(path: Path, summary: ScanSummary) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    with open(temp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=WORK_FIELDS)
        writer.writeheader()
        for item in summary.works:
            writer.writerow({key: ("" if value is None else value) for key, value in work_record(item).items()})
    os.replace(temp, path)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def _hex(value: int | None, width: int) -> str | None:
    return None if value is None else f"{value:0{width}x}"


def _reason(work: Work) -> str | None:
    return None if work.ok else work.reason


def write_matches_csv(path: Path, matches: list[Match]) -> None:
    """The matches with their decisions, one row each, in the JSON record's fields."""
    records = [match_record(match) for match in matches]
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    with open(temp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MATCH_FIELDS)
        writer.writeheader()
        for record in records:
            writer.writerow({key: ("" if value is None else value) for key, value in record.items()})
    os.replace(temp, path)
