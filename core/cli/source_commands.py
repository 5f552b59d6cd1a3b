"""`traintrace sources list|configure|test`, and printing what would be sent (`--dry-run`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.cli.context import CliContext
from core.cli.progress_bar import TerminalProgress

if TYPE_CHECKING:
    from core.sources import OutgoingRequest, SourceResult


@click.group()
def sources() -> None:
    """Remote sources that still answer: Hugging Face dataset viewer, Spawning, clip-retrieval, Datasette."""


@sources.command("list")
@click.pass_obj
def list_sources(obj: CliContext) -> None:
    """Each source, what it sends, its coverage and whether it is ready."""
    with obj.open_app() as app:
        statuses = app.sources()
    table = Table("source", "coverage", "ready", "token", "what it sends")
    for status in statuses:
        ready = "yes" if not status.problem else status.problem
        table.add_row(status.id, status.coverage, escape(ready), status.token, escape(status.sends))
    obj.console.print(table)


@sources.command("configure")
@click.argument("name")
@click.option("--url", help="Base URL of the service (clip-retrieval backend, Datasette instance, ...).")
@click.option("--index", help="clip-retrieval index name (see `sources test`).")
@click.option("--table", help="Datasette DB/TABLE.")
@click.option("--url-column", help="Datasette column holding image URLs.")
@click.option("--text-column", help="Datasette column holding captions.")
@click.option("--token-stdin", is_flag=True, help="Read an API token from standard input into the OS keyring.")
@click.pass_obj
def configure(
    obj: CliContext,
    name: str,
    url: str | None,
    index: str | None,
    table: str | None,
    url_column: str | None,
    text_column: str | None,
    token_stdin: bool,
) -> None:
    """Set a source's URL, index or table; tokens go to the OS keyring only (or TRAINTRACE_<SOURCE>_TOKEN)."""
    token = sys.stdin.readline().strip() if token_stdin else None
    values = {"url": url, "index": index, "table": table, "url_column": url_column, "text_column": text_column}
    with obj.open_app() as app:
        status = app.configure_source(name, {k: v for k, v in values.items() if v is not None}, token)
    obj.console.print(f"{status.id}: " + ("ready" if not status.problem else escape(status.problem)))


@sources.command("test")
@click.argument("name")
@click.pass_obj
def test(obj: CliContext, name: str) -> None:
    """Check that a source answers, with a clear verdict (exit 1 when it is unavailable)."""
    with obj.open_app() as app:
        for request in app.plan_source_check(name):
            obj.console.print(escape(f"sending: {request.method} {request.url}"), highlight=False)
        with TerminalProgress(obj.console).running() as progress:
            result = app.test_source(name, progress)
    print_source_results(obj.console, [result])
    if result.status != "ok":
        raise click.exceptions.Exit(1)


def print_plan(console: Console, requests: list[OutgoingRequest]) -> None:
    """The dry run: every request exactly as it would go out, host first."""
    if not requests:
        console.print("Nothing would be sent.")
        return
    console.print(f"{len(requests)} request(s) would be sent (nothing has been sent):")
    for request in requests:
        pages = f" (up to {request.max_pages} pages)" if request.max_pages > 1 else ""
        credential = f" with {request.credential}" if request.credential else ""
        console.print(escape(f"- {request.host}: {request.method} {request.url}{credential}{pages}"), highlight=False)
        console.print(escape(f"    purpose: {request.purpose}; body: {request.body or request.body_summary}"),
                      highlight=False)  # fmt: skip


def print_source_results(console: Console, results: list[SourceResult]) -> None:
    for result in results:
        hits = f", {len(result.hits)} hit(s)" if result.hits else ""
        optouts = f", {len(result.opt_outs)} opt-out status(es)" if result.opt_outs else ""
        console.print(escape(f"{result.source_id}: {result.verdict()}{hits}{optouts}"), highlight=False)
        for problem in result.problems:
            console.print(escape(f"  note: {problem}"), highlight=False)
