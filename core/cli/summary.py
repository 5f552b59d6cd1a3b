"""Plain-text summaries printed at the end of a command."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from core.scanning.scanner import ScanSummary

MAX_LISTED = 20


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
    if unreadable:
        console.print(f"Unreadable files ({len(unreadable)}):")
        for item in unreadable[:MAX_LISTED]:
            console.print(f"  {escape(item.relative)}: {escape(item.work.reason or 'unreadable')}", highlight=False)
        if len(unreadable) > MAX_LISTED:
            console.print(f"  ... and {len(unreadable) - MAX_LISTED} more (see --json)")
    for path, reason in summary.problems:
        console.print(f"Could not read {escape(path)}: {escape(reason)}", highlight=False)
