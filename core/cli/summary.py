"""Plain-text summaries printed at the end of a command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from core.catalogue.matches import Match
    from core.matching.importer import ImportReport
    from core.matching.service import MatchSummary
    from core.scanning.scanner import ScanSummary

MAX_LISTED = 20
WIDE_TERMINAL = 140


def print_scan_summary(console: Console, summary: ScanSummary) -> None:
    total = len(summary.works)
    unreadable = summary.unreadable
    rate = (summary.new + summary.changed) / summary.elapsed_seconds if summary.elapsed_seconds > 0 else 0.0
    console.print(
        f"Scanned {total} image file(s) in {summary.elapsed_seconds:.1f} s: "
        f"{summary.new} new, {summary.changed} changed, {summary.unchanged} unchanged, "
        f"{summary.moved} moved or renamed, {summary.copies} copies; {len(unreadable)} unreadable; "
        f"{summary.ignored} other file(s) ignored." + (f" ({rate:.1f} images/s)" if rate else "")
    )
    from core.hashing import is_plain  # the scan has loaded it already

    plain = [item.relative for item in summary.works if item.work.ok and is_plain(item.work.informative_bits)]
    if plain:
        shown = ", ".join(plain[:MAX_LISTED]) + (
            f" and {len(plain) - MAX_LISTED} more" if len(plain) > MAX_LISTED else ""
        )
        console.print(
            f"{len(plain)} work(s) too plain to match by picture (blank, flat or almost: their pHash is that of every"
            f" flat picture in a dataset); they are matched by file and name only: {escape(shown)}",
            highlight=False,
        )
    if summary.refreshed:
        console.print(
            f"{summary.refreshed} unchanged work(s) were read again: this version of TrainTrace also searches for"
            " padded, centre-cropped and mirrored copies, and their fingerprints had to be made."
        )
    if unreadable:
        console.print(f"Unreadable files ({len(unreadable)}):")
        for item in unreadable[:MAX_LISTED]:
            console.print(f"  {escape(item.relative)}: {escape(item.work.reason or 'unreadable')}", highlight=False)
        if len(unreadable) > MAX_LISTED:
            console.print(f"  ... and {len(unreadable) - MAX_LISTED} more (see --json)")
    for path, reason in summary.problems:
        console.print(f"Could not read {escape(path)}: {escape(reason)}", highlight=False)


def print_import_report(console: Console, report: ImportReport) -> None:
    if report.converted:
        console.print(f"Dataset {report.dataset} was converted from the old format (every row copied) to streaming.")
    if report.produced_nothing:
        console.print(
            f"Dataset {report.dataset}: nothing was imported, so nothing of it can be searched; it was not added."
        )
    elif report.rows_added == 0 and not report.failed and not report.rebuilt:
        console.print(f"Dataset {report.dataset}: already added ({report.rows_total:,} rows read).")
    else:
        rate = report.rows_added / report.elapsed_seconds if report.elapsed_seconds > 0 else 0.0
        per_row = report.bytes_on_disk / report.rows_total if report.rows_total else 0.0
        console.print(
            f"Dataset {report.dataset}: {report.rows_added:,} rows read ({rate:,.0f} rows/s, "
            f"{report.bytes_read / 1e6:.1f} MB read) and matched in flight; {report.shards_done} shard(s) complete, "
            f"{report.rows_total:,} rows in all; {report.hits_kept:,} row(s) kept as hits; "
            f"{report.bytes_on_disk / 1e6:.1f} MB on disk ({per_row:.1f} bytes a row); "
            f"{report.matches_found} match(es)." + (" The index was rebuilt from all shards." if report.rebuilt else "")
        )
    for shard, error in report.failed:
        console.print(f"  shard failed: {escape(shard)}: {escape(error)}", highlight=False)
    if not report.produced_nothing:
        for note in report.notes:
            console.print(escape(note), highlight=False)
        if report.kept_bytes:
            per_row = report.kept_bytes / report.rows_total if report.rows_total else 0.0
            console.print(
                f"  of the disk: {report.kept_bytes / 1e6:.1f} MB of kept URL/caption columns"
                f" ({per_row:.1f} bytes a row)"
            )


def print_match_summary(console: Console, summary: MatchSummary, matches: list[Match]) -> None:
    console.print(
        f"Matched {summary.works} work(s) and the profile against {len(summary.datasets)} dataset(s) "
        f"(pHash threshold {summary.max_distance}) in {summary.elapsed_seconds:.1f} s: {summary.found} match(es)."
    )
    for outcome in summary.datasets:
        kinds = ", ".join(f"{count} {kind}" for kind, count in outcome.by_kind) or "nothing"
        if outcome.error:
            kinds = f"not searched: {escape(outcome.error)}"
        console.print(f"  {outcome.dataset} ({outcome.coverage} coverage): {kinds}")
        for line in (*outcome.notes, *(f"not fully searched: {problem}" for problem in outcome.problems)):
            console.print(f"    {escape(line)}", highlight=False)
    for line in summary.profile_notes:  # profile entries a newer rule refuses: skipped, never silently
        console.print(f"  {escape(line)}", highlight=False)
    for note in summary.work_notes():
        console.print(escape(note), highlight=False)
    if not matches:
        return
    wide = console.width >= WIDE_TERMINAL  # the "how found" column only where it can be read
    columns = ("id", "kind", "dist.", "dataset", "row id", "work") + (("how found",) if wide else ())
    table = Table(*columns, title="Listed in datasets")
    for match in matches[: MAX_LISTED * 3]:
        work = match.work_path.rsplit("/", 1)[-1] if match.work_path else "(profile)"
        distance = "" if match.distance is None else str(match.distance)
        cells = [str(match.id), match.kind, distance, match.dataset, escape(match.row_id), escape(work)]
        table.add_row(*cells, *((escape(match.evidence.split(";")[0]),) if wide else ()))
    console.print(table)
    if len(matches) > MAX_LISTED * 3:
        console.print(f"... and {len(matches) - MAX_LISTED * 3} more (`traintrace matches list`).")
    console.print("Review them with `traintrace matches confirm ID` / `traintrace matches reject ID`, or in the app.")
