"""`traintrace scan`, `traintrace match` and `traintrace demo`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from core.cli.context import CliContext
from core.cli.progress_bar import TerminalProgress
from core.cli.source_commands import print_plan, print_source_results
from core.cli.summary import print_import_report, print_match_summary, print_scan_summary
from core.export import match_record, scan_document, write_json, write_works_csv

if TYPE_CHECKING:
    from core.app import TrainTrace
    from core.workflows import CheckResult

JSON_OPTION = click.option(
    "--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the result as JSON."
)
SOURCES_OPTION = click.option(
    "--sources",
    "source_selection",
    default="none",
    show_default=True,
    metavar="NAME,NAME|all|none",
    help="Also ask these remote sources (hashes, URLs and names only; never an image).",
)
DRY_RUN_OPTION = click.option(
    "--dry-run", is_flag=True, help="Print exactly what would be sent to which host, and send nothing."
)
DISTANCE_OPTION = click.option(
    "--max-distance",
    type=click.IntRange(0, 16),
    help="pHash Hamming threshold (default from the settings, chosen from measurements).",
)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@JSON_OPTION
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the works as CSV.")
@DISTANCE_OPTION
@SOURCES_OPTION
@DRY_RUN_OPTION
@click.option(
    "--export-hashes",
    "hashes_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the works' hash list (hashes and file names, never images) for `traintrace batch`.",
)
@click.option("--owner", help="Owner label in the hash list (default: the profile's name).")
@click.pass_obj
def scan(
    obj: CliContext,
    paths: tuple[Path, ...],
    json_file: Path | None,
    csv_file: Path | None,
    max_distance: int | None,
    source_selection: str,
    dry_run: bool,
    hashes_file: Path | None,
    owner: str | None,
) -> None:
    """Fingerprint every image in PATHS (folders recursively) and match them against the added datasets."""
    obj = obj.for_outputs(json_file, csv_file)
    with obj.open_app() as app:
        source_ids = app.resolve_sources(source_selection)
        ids = _scan_match_report(app, obj, list(paths), json_file, csv_file, max_distance, source_ids, dry_run)
        if hashes_file is not None:
            hash_list = app.hash_list(owner, ids)
            obj.console.print(escape(f"Hash list {hashes_file} holds:"), highlight=False)
            for line in hash_list.describe():
                obj.console.print(escape(f"  {line}"), highlight=False)
            app.export_hashes(hashes_file, owner, ids)
            obj.console.print(escape(f"Wrote {hashes_file}"), highlight=False)


@click.command()
@JSON_OPTION
@DISTANCE_OPTION
@click.pass_obj
def match(obj: CliContext, json_file: Path | None, max_distance: int | None) -> None:
    """Match the catalogue's works and the profile against the added datasets again, without rescanning."""
    obj = obj.for_outputs(json_file)
    with obj.open_app() as app:
        with TerminalProgress(obj.console).running() as progress:
            summary = app.run_matching(max_distance, progress)
        print_match_summary(obj.console, summary, app.matches())
        if json_file:
            write_json(json_file, {"matches": [match_record(m) for m in app.matches()]})
            obj.wrote(json_file)


@click.command()
@JSON_OPTION
@click.pass_obj
def demo(obj: CliContext, json_file: Path | None) -> None:
    """Scan the bundled sample portfolio against the bundled sample datasets (a separate demo catalogue)."""
    obj = obj.for_outputs(json_file)
    demo_context = CliContext(obj.paths.for_demo(), obj.console)
    with demo_context.open_app() as app:
        with TerminalProgress(obj.console).running() as progress:
            result = app.demo(progress)
        obj.console.print(f"Demo artist: {result.profile.name} (an imaginary artist; sample works and datasets)")
        for report in result.imports:
            print_import_report(obj.console, report)
        _report(demo_context, result.check, json_file, None)


def _scan_match_report(
    app: TrainTrace,
    obj: CliContext,
    roots: list[Path],
    json_file: Path | None,
    csv_file: Path | None,
    max_distance: int | None,
    source_ids: list[str],
    dry_run: bool,
) -> list[int]:
    """Run the check (scan, match, then ask the sources: core.workflows) and report; returns the works' ids."""
    with TerminalProgress(obj.console).running() as progress:
        result = app.check(roots, source_ids=source_ids, max_distance=max_distance, dry_run=dry_run, progress=progress)
    _report(obj, result, json_file, csv_file)
    return result.work_ids


def _report(obj: CliContext, result: CheckResult, json_file: Path | None, csv_file: Path | None) -> None:
    summary = result.scan
    print_scan_summary(obj.console, summary)
    if result.matching is not None:
        print_match_summary(obj.console, result.matching, list(result.matches))
    else:
        obj.console.print("No datasets added yet: `traintrace dataset add NAME --from FILE` adds one.")
    if result.dry_run:
        print_plan(obj.console, list(result.plan))
    elif result.sources:
        print_source_results(obj.console, list(result.sources))
    if json_file:
        relative = {item.work.id: item.relative for item in summary.works}
        sources_json = [source.summary() for source in result.sources]
        document = scan_document(summary, [match_record(m, relative) for m in result.matches], sources_json)
        write_json(json_file, document)
        obj.wrote(json_file)
    if csv_file:
        write_works_csv(csv_file, summary)
        obj.wrote(csv_file)
