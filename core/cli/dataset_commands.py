"""`traintrace dataset add|list|info|remove`."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from core.cli.context import CliContext
from core.cli.progress_bar import TerminalProgress
from core.cli.summary import print_import_report
from core.datasets.descriptors import builtin_descriptors, builtin_schemas, parse_mappings


@click.group()
def dataset() -> None:
    """Add, list, describe and remove datasets (their metadata is imported into a local index)."""


@dataset.command("add")
@click.argument("name")
@click.option("--schema", type=click.Choice(sorted(builtin_schemas())), help="Column layout of the shards.")
@click.option("--from", "sources", multiple=True, metavar="PATH_OR_URL", help="A shard: local file, https:// or hf://.")
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN", help="Map a field to a column.")
@click.pass_obj
def add(obj: CliContext, name: str, schema: str | None, sources: tuple[str, ...], mappings: tuple[str, ...]) -> None:
    """Import NAME's shards (resumes an interrupted import). NAME is a known dataset or a name of your choice."""
    with obj.open_app() as app:
        with TerminalProgress(obj.console).running() as progress:
            report = app.add_dataset(
                name, schema=schema, sources=list(sources), mappings=parse_mappings(mappings), progress=progress
            )
        print_import_report(obj.console, report)


@dataset.command("list")
@click.pass_obj
def list_datasets(obj: CliContext) -> None:
    """The added datasets, and the known ones you can add."""
    with obj.open_app() as app:
        added = app.datasets()
    table = Table("dataset", "name", "rows", "shards", "coverage", "match kinds")
    for info in added:
        done = sum(1 for shard in info.shards if shard.status == "done")
        table.add_row(info.descriptor.id, escape(info.descriptor.name), f"{info.rows:,}",
                      f"{done}/{len(info.shards)}", info.coverage, ", ".join(info.descriptor.kinds))  # fmt: skip
    if added:
        obj.console.print(table)
    else:
        obj.console.print("No dataset added yet.")
    known = [d for d in builtin_descriptors().values() if d.id not in {i.descriptor.id for i in added}]
    obj.console.print("Known datasets: " + ", ".join(d.id for d in known))


@dataset.command("info")
@click.argument("name")
@click.pass_obj
def info(obj: CliContext, name: str) -> None:
    """Everything about one added dataset: descriptor, shards, index size."""
    with obj.open_app() as app:
        details = app.dataset_info(name)
    descriptor = details.descriptor
    lines = [
        f"{descriptor.name} ({descriptor.id}), schema {descriptor.schema}",
        f"homepage: {descriptor.homepage or '-'}; licence: {descriptor.licence or '-'}",
        f"match kinds: {', '.join(descriptor.kinds)}; columns: "
        + ", ".join(f"{k}={v}" for k, v in descriptor.columns.items()),
        f"rows imported: {details.rows:,}; index on disk: {details.index_bytes / 1e6:.1f} MB",
        f"coverage: {details.coverage}",
        f"coverage notes: {descriptor.coverage or '-'}",
        f"opt-out: {descriptor.optout or '-'}",
    ]
    for line in lines:
        obj.console.print(escape(line), highlight=False)
    for shard in details.shards:
        state = shard.status + (f" ({shard.error})" if shard.error else "")
        obj.console.print(escape(f"  shard {shard.source}: {state}, {shard.rows:,} rows"), highlight=False)


@dataset.command("remove")
@click.argument("name")
@click.pass_obj
def remove(obj: CliContext, name: str) -> None:
    """Delete NAME's local index (matches found in it stay in the catalogue with your decisions)."""
    with obj.open_app() as app:
        app.remove_dataset(name)
    obj.console.print(f"Removed {name}.")
