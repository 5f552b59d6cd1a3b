"""`traintrace batch`: many portfolios' hash lists against whole datasets on Dask; `batch import` for one owner."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from core.batch.runner import DEFAULT_ROWS_PER_TASK, BatchReport, ClusterSpec
from core.batch.task import TaskOutcome
from core.cli.context import CliContext
from core.datasets.descriptors import builtin_schemas, parse_mappings
from core.errors import UsageError


class ShardBars:
    """One rich bar per shard (rows matched), fed by the runner's events from Dask's event thread."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bar = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[state]}"), console=console,
        )  # fmt: skip
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def dashboard(self, link: str | None) -> None:
        missing = "" if importlib.util.find_spec("bokeh") else " (it needs bokeh: pip install bokeh)"
        self._console.print(f"Dask dashboard: {link or 'not available'}{missing}")

    def planned(self, shards: Sequence[tuple[str, int | None]], done: Sequence[str]) -> None:
        finished = set(done)
        if finished:
            self._console.print(f"Resuming: {len(finished)} shard(s) finished by an earlier run are skipped.")
        self._bar.start()
        for source, rows in shards:
            name = escape(os.path.basename(source.rstrip("/")) or source)
            state = "done earlier" if source in finished else ""
            completed = rows if source in finished and rows else 0
            self._tasks[source] = self._bar.add_task(name, total=rows, completed=completed, state=state)

    def rows_done(self, source: str, rows: int) -> None:
        with self._lock:
            if source in self._tasks:
                self._bar.update(self._tasks[source], completed=rows)

    def task_done(self, outcome: TaskOutcome) -> None:
        with self._lock:
            task = self._tasks.get(outcome.source)
            if task is not None:
                state = "FAILED" if outcome.error else "done"
                self._bar.update(task, state=state)

    def stop(self) -> None:
        self._bar.stop()


@click.group("batch", invoke_without_command=True)
@click.option(
    "--hashes",
    "hashes",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE_OR_DIR",
    help="A hash list (traintrace scan --export-hashes) or a folder of them; repeatable.",
)
@click.option(
    "--dataset", "dataset_id", metavar="NAME", help="A known dataset, or a name of your choice with --schema."
)
@click.option(
    "--from",
    "sources",
    multiple=True,
    metavar="PATH_OR_URL",
    help="A shard or a folder of shards: local, https://, hf://, s3://. Default: the dataset's Hub files.",
)
@click.option("--schema", type=click.Choice(sorted(builtin_schemas())), help="Column layout of the shards.")
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN", help="Map a field to a column.")
@click.option(
    "--scheduler",
    default="local",
    show_default=True,
    metavar="local|tcp://HOST:PORT",
    help="A LocalCluster on this machine, or a running Dask scheduler.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 512),
    default=os.cpu_count() or 1,
    show_default=True,
    help="Worker processes of the LocalCluster.",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Results folder.")
@click.option("--max-distance", type=click.IntRange(0, 16), help="pHash Hamming threshold (default: settings).")
@click.option(
    "--rows-per-task",
    type=click.IntRange(1),
    default=DEFAULT_ROWS_PER_TASK,
    show_default=True,
    help="Shards with more rows are split into row-group ranges of about this many rows.",
)
@click.pass_context
def batch(
    ctx: click.Context, hashes: tuple[Path, ...], dataset_id: str | None, sources: tuple[str, ...],
    schema: str | None, mappings: tuple[str, ...], scheduler: str, workers: int, out_dir: Path | None,
    max_distance: int | None, rows_per_task: int,
) -> None:  # fmt: skip
    """Match many portfolios' hash lists against every shard of a dataset with Dask; results as Parquet in
    --out (rerun the same command to resume). `traintrace batch import DIR --owner LABEL` loads one owner's."""
    if ctx.invoked_subcommand is not None:
        return
    if not hashes or not dataset_id or out_dir is None:
        raise click.UsageError("give --hashes FILE_OR_DIR, --dataset NAME and --out DIR (or: batch import DIR)")
    if scheduler != "local" and not scheduler.startswith(("tcp://", "tls://", "ws://", "wss://")):
        raise UsageError(f"--scheduler: 'local' or a scheduler address such as tcp://HOST:8786, not {scheduler!r}")
    obj: CliContext = ctx.obj
    bars = ShardBars(obj.console)
    with obj.open_app() as app:
        try:
            report = app.run_batch(
                list(hashes), dataset_id, out_dir, bars, schema=schema, sources=sources,
                mappings=parse_mappings(mappings), cluster=ClusterSpec(scheduler, workers), max_distance=max_distance,
                rows_per_task=rows_per_task,
            )  # fmt: skip
        finally:
            bars.stop()
    print_batch_report(obj.console, report)
    if report.failed:
        raise click.exceptions.Exit(1)


def print_batch_report(console: Console, report: BatchReport) -> None:
    rate = report.rows / report.cpu_seconds if report.cpu_seconds else 0.0
    console.print(
        f"{report.tasks} task(s): {report.tasks - report.resumed - len(report.failed)} run now, {report.resumed}"
        f" finished earlier, {len(report.failed)} failed. {report.rows:,} rows matched in {report.wall_seconds:.1f} s"
        f" ({report.cpu_seconds:.1f} CPU-s in the tasks, {rate:,.0f} rows per CPU-second); {report.matches:,} matches."
    )
    for shard, error in report.failed:
        console.print(escape(f"  failed: {shard}: {error}"), highlight=False)
    for line in report.profile_notes:  # hash lists whose profiles hold entries matching refuses: skipped, said
        console.print(escape(f"  {line}"), highlight=False)
    verdict = "complete" if report.complete else "partial (rerun the same command to retry the failed shards)"
    console.print(escape(f"Results in {report.out_dir} ({verdict})."), highlight=False)


@batch.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--owner", required=True, help="The owner label of the hash list whose results to load.")
@click.pass_obj
def import_results(obj: CliContext, directory: Path, owner: str) -> None:
    """Load one owner's results from a batch folder into this catalogue, to review them like local matches."""
    with obj.open_app() as app:
        result = app.import_batch(directory, owner)
    datasets = ", ".join(result.datasets) or "no dataset"
    obj.console.print(
        escape(f"Loaded {result.recorded} match(es) of {result.owner} from {datasets} (coverage {result.coverage})."),
        highlight=False,
    )
    if result.unmatched_works:
        obj.console.print(
            f"{result.unmatched_works} match(es) name works that are not in this catalogue (by SHA-256) and were not"
            " loaded: scan the portfolio first, then import again."
        )
