"""The scan result as JSON and CSV: a stable, documented schema (see README.md, "JSON output").

`path` is relative to the scanned folder with `/` separators; hashes are lowercase hex (pHash, dHash and
wHash 16 characters, the 42-bit colour hash 11, as ImageHash prints them). Later features add to
`matches` and `sources`; existing fields never change meaning.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from core import __version__
from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.files import write_text_output
from core.hashing import is_plain
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
    "informative_bits",
    "matchable_by_picture",
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
    # A work too plain to match by picture is never searched by pHash: said here, so that no reader of the JSON
    # takes the absence of pHash matches for "not found" (null for an unreadable file).
    record.update(
        informative_bits=work.informative_bits,
        matchable_by_picture=not is_plain(work.informative_bits) if work.ok else None,
    )
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
    """The document as JSON into `path` (atomically), or to standard output when `path` is `-`."""
    write_text_output(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_works_csv(path: Path, summary: ScanSummary) -> None:
    write_csv(path, WORK_FIELDS, (work_record(item) for item in summary.works))


# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell that no spreadsheet runs as a formula: text starting with = + - @, a tab or a
    carriage return gets a leading apostrophe (the OWASP rule); numbers and None ("") are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path: Path, fields: Sequence[str], records: Iterable[Mapping[str, Any]]) -> None:
    """Every CSV the app writes goes through here: cells neutralised, atomically written or to stdout (`-`)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(fields))
    writer.writeheader()
    for record in records:
        writer.writerow({key: csv_cell(value) for key, value in record.items()})
    write_text_output(path, buffer.getvalue())


def _hex(value: int | None, width: int) -> str | None:
    return None if value is None else f"{value:0{width}x}"


def _reason(work: Work) -> str | None:
    return None if work.ok else work.reason


def write_matches_csv(path: Path, matches: list[Match]) -> None:
    """The matches with their decisions, one row each, in the JSON record's fields."""
    write_csv(path, MATCH_FIELDS, (match_record(match) for match in matches))
