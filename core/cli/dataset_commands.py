"""`traintrace dataset add|list|info|index|remove`."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from core.cli.context import CliContext
from core.cli.progress_bar import TerminalProgress
from core.cli.summary import print_import_report
from core.datasets.descriptors import builtin_descriptors, builtin_schemas, parse_mappings
from core.datasets.kept_columns import nothing_to_keep
from core.datasets.manager import DatasetInfo
from core.datasets.planning import DatasetPlan
from core.index.run_scan import IndexState


@click.group()
def dataset() -> None:
    """Add, list, describe and remove datasets (their metadata is imported into a local index)."""


@dataset.command("add")
@click.argument("name")
@click.option("--schema", type=click.Choice(sorted(builtin_schemas())), help="Column layout of the shards.")
@click.option("--from", "sources", multiple=True, metavar="PATH_OR_URL", help="A shard: local file, https:// or hf://.")
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN", help="Map a field to a column.")
@click.option(
    "--keep-columns/--no-keep-columns",
    "keep_columns",
    default=None,
    help="Keep a local Parquet copy of the URL and caption columns of the shards imported from now on, so a"
    " profile change is matched without downloading them again (costs about their compressed size on disk);"
    " --no-keep-columns deletes the copy. Remembered per dataset.",
)
@click.pass_obj
def add(
    obj: CliContext,
    name: str,
    schema: str | None,
    sources: tuple[str, ...],
    mappings: tuple[str, ...],
    keep_columns: bool | None,
) -> None:
    """Add NAME: one pass over its shards, matching in flight (resumes an interrupted pass). NAME is a known
    dataset or a name of your choice."""
    with obj.open_app() as app:
        with TerminalProgress(obj.console).running() as progress:
            report = app.add_dataset(
                name, schema=schema, sources=list(sources), mappings=parse_mappings(mappings), progress=progress,
                keep_columns=keep_columns,
            )  # fmt: skip
        print_import_report(obj.console, report)
    if report.produced_nothing:
        raise click.exceptions.Exit(1)


@dataset.command("list")
@click.pass_obj
def list_datasets(obj: CliContext) -> None:
    """The added datasets, and the known ones you can add."""
    with obj.open_app() as app:
        added = app.datasets()
    table = Table("dataset", "name", "rows", "shards", "coverage", "match kinds", "on disk")
    for info in added:
        done = sum(1 for shard in info.shards if shard.status == "done")
        table.add_row(info.descriptor.id, escape(info.descriptor.name), f"{info.rows:,}",
                      f"{done}/{len(info.shards)}", info.coverage, ", ".join(info.descriptor.kinds),
                      f"{info.index_bytes / 1e6:.1f} MB")  # fmt: skip
    for info in added:
        if info.notice:
            obj.console.print(escape(info.notice), highlight=False)
    if added:
        obj.console.print(table)
        total = sum(info.index_bytes for info in added)
        rows = sum(info.rows for info in added)
        kept = sum(info.kept_bytes for info in added)
        of_kept = f" ({kept / 1e6:.1f} MB of it kept URL/caption columns)" if kept else ""
        obj.console.print(f"In all: {rows:,} rows read, {total / 1e6:.1f} MB on disk{of_kept}.")
    else:
        obj.console.print("No dataset added yet.")
    known = [d for d in builtin_descriptors().values() if d.id not in {i.descriptor.id for i in added}]
    obj.console.print("Known datasets: " + ", ".join(d.id for d in known))


@dataset.command("info")
@click.argument("name")
@click.pass_obj
def info(obj: CliContext, name: str) -> None:
    """Everything about one dataset: for an added one its shards and disk use, for a known one not added yet
    what adding it will read and take on disk."""
    with obj.open_app() as app:
        if not app.is_added(name):
            print_plan(obj, app.plan_dataset(name))
            return
        details = app.dataset_info(name)
    descriptor = details.descriptor
    lines = [
        f"{descriptor.name} ({descriptor.id}), schema {descriptor.schema}",
        f"homepage: {descriptor.homepage or '-'}; licence: {descriptor.licence or '-'}",
        f"match kinds: {', '.join(descriptor.kinds)}; columns: "
        + ", ".join(f"{k}={v}" for k, v in descriptor.columns.items()),
        f"rows read: {details.rows:,}; kept as hits: {details.hits:,}; on disk: {details.index_bytes / 1e6:.1f} MB"
        f" ({details.bytes_per_row:.1f} bytes a row)",
        describe_kept(details),
        f"published hashes: {details.null_hashes:,} empty, {details.bad_hashes:,} malformed (never matched)",
        *(describe_index(state, descriptor.id) for state in details.indexes),
        f"coverage: {details.coverage}",
        f"coverage notes: {descriptor.coverage or '-'}",
        f"opt-out: {descriptor.optout or '-'}",
    ]
    for line in lines:
        obj.console.print(escape(line), highlight=False)
    for shard in details.shards:
        state = shard.status + (f" ({shard.error})" if shard.error else "")
        bad = f", {shard.bad_hashes:,} malformed hash(es), e.g. {shard.bad_example}" if shard.bad_hashes else ""
        obj.console.print(escape(f"  shard {shard.source}: {state}, {shard.rows:,} rows{bad}"), highlight=False)
    if details.notice:
        obj.console.print(escape(details.notice), highlight=False)


def describe_kept(details: DatasetInfo) -> str:
    """One line on the kept URL/caption columns, apart from the hashes, hits and state."""
    other = details.index_bytes - details.kept_bytes
    rest = f"hashes, hits and state: {other / 1e6:.1f} MB ({details.other_bytes_per_row:.1f} bytes a row)"
    if nothing_to_keep(details.descriptor) is not None:
        return f"{rest}; no URL or caption column to keep"
    if not details.kept_bytes and not details.keeps_columns:
        return f"{rest}; URL/caption columns not kept (a profile change reads the shards again; see --keep-columns)"
    kept = f"kept URL/caption columns: {details.kept_bytes / 1e6:.1f} MB ({details.kept_bytes_per_row:.1f} bytes a row)"
    state = "kept for shards added from now on" if details.keeps_columns else "no longer kept for new shards"
    return f"{rest}; {kept}, {state}"


@dataset.command("index")
@click.argument("name")
@click.pass_obj
def index(obj: CliContext, name: str) -> None:
    """Sort NAME's stored hashes into its compact indexes, so works added later are matched in milliseconds
    instead of streaming every stored hash (`dataset add` leaves this to when you want it)."""
    with obj.open_app() as app:
        with TerminalProgress(obj.console).running() as progress:
            states = app.build_dataset_index(name, progress)
    for state in states:
        obj.console.print(escape(f"{name}: {describe_index(state, name)}"), highlight=False)


def describe_index(state: IndexState, name: str) -> str:
    """One line on a hash index's state: what a search of works added later costs."""
    label = "pHash" if state.kind == "phash" else "SHA-256"
    per_row = state.nbytes / state.rows if state.rows else 0.0
    size = f"{state.nbytes / 1e6:.1f} MB, {per_row:.1f} bytes a row"
    if state.state == "index":
        return f"{label} index built ({state.rows:,} hashes, {size}): works added later are searched in it"
    if state.state == "runs":
        return (
            f"{label} hashes stored unsorted ({state.rows:,} hashes, {size}): works added later are matched by"
            f" streaming them; `traintrace dataset index {name}` sorts them into an index"
        )
    return f"{label}: no hashes stored"


@dataset.command("remove")
@click.argument("name")
@click.pass_obj
def remove(obj: CliContext, name: str) -> None:
    """Delete NAME's local index (matches found in it stay in the catalogue with your decisions)."""
    with obj.open_app() as app:
        app.remove_dataset(name)
    obj.console.print(f"Removed {name}.")


def print_plan(obj: CliContext, plan: DatasetPlan) -> None:
    descriptor = plan.descriptor
    rows = f"{plan.rows:,}" if plan.rows is not None else "unknown"
    lines = [
        f"{descriptor.name} ({descriptor.id}), schema {descriptor.schema}: not added yet",
        f"homepage: {descriptor.homepage or '-'}; licence: {descriptor.licence or '-'}",
        f"match kinds: {', '.join(descriptor.kinds)}; columns read: " + ", ".join(descriptor.columns.values()),
        f"shards: {plan.shards if plan.shards is not None else 'unknown'}; rows: {rows}",
        "to read: "
        + (f"{plan.read_bytes / 1e9:.2f} GB (only the columns above)" if plan.read_bytes is not None else "unknown")
        + (f" ({plan.read_error})" if plan.read_error else ""),
    ]
    if plan.disk_bytes is not None and plan.peak_disk_bytes is not None:
        room = "enough" if plan.fits else "NOT enough"
        lines.append(
            f"disk: about {plan.disk_bytes / 1e9:.2f} GB once added, {plan.peak_disk_bytes / 1e9:.2f} GB while"
            f" `traintrace dataset index` builds its index; {plan.free_bytes / 1e9:.1f} GB free ({room})"
        )
    if plan.kept_columns_bytes is not None:
        lines.append(
            f"with --keep-columns: about {plan.kept_columns_bytes / 1e9:.2f} GB more disk for the kept URL/caption"
            " columns (an estimate from the shards' footers)"
        )
    lines += [f"coverage notes: {descriptor.coverage or '-'}", f"opt-out: {descriptor.optout or '-'}"]
    for line in lines:
        obj.console.print(escape(line), highlight=False)
    obj.console.print(f"Add it with `traintrace dataset add {descriptor.id}` (or --from FILE for local shards).")
