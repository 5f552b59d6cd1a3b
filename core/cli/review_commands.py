"""`traintrace matches list|confirm|reject`: review from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from core.catalogue.matches import STATUSES
from core.cli.context import CliContext
from core.closeness import closeness
from core.export import match_record, write_json, write_matches_csv


@click.group()
def matches() -> None:
    """List the matches found and record your decision on each (stored with time and note)."""


@matches.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only matches with this review status.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write them as JSON.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Write them as CSV.")
@click.pass_obj
def list_matches(obj: CliContext, status: str | None, json_file: Path | None, csv_file: Path | None) -> None:
    """Every match with its id, kind, dataset row, review status (and decision) and whether its URL is opted out
    in Spawning's registry (yes / no / not asked)."""
    obj = obj.for_outputs(json_file, csv_file)
    with obj.open_app() as app:
        found = app.matches(status)
    if json_file:
        write_json(json_file, {"matches": [match_record(m) for m in found]})
        obj.wrote(json_file)
    if csv_file:
        write_matches_csv(csv_file, found)
        obj.wrote(csv_file)
    if json_file or csv_file:
        return
    table = Table("id", "status", "kind", "dist.", "dataset", "row id", "work", "opted out", "url / caption")
    for item in found:
        work = Path(item.work_path).name if item.work_path else "-"
        shown = item.url or item.caption or ""
        distance = "" if item.distance is None else str(item.distance)
        table.add_row(str(item.id), item.status, item.kind, distance, item.dataset, escape(item.row_id),
                      escape(work), item.opted_out, escape(shown[:70]))  # fmt: skip
    obj.console.print(table if found else "No matches.")


@click.command("status")
@click.pass_obj
def status(obj: CliContext) -> None:
    """The verdict in one line: what was found, which datasets and sources it rests on, what was not searched.

    The app's header says the same: the datasets searched and how much of each, the sources asked (their last
    run), the known datasets not added and whether the profile could be searched."""
    with obj.open_app() as app:
        summary = app.search_summary()
    obj.console.print(escape(summary.line()), highlight=False, soft_wrap=True)


@matches.command("show")
@click.argument("match_id", type=int)
@click.pass_obj
def show(obj: CliContext, match_id: int) -> None:
    """One match and how to act on it: each opt-out route that applies, with the text it would generate."""
    from core.matching.scoring import SCORE_MEANING, describe_score

    with obj.open_app() as app:
        item = app.get_match(match_id)
        if item is None:
            raise click.UsageError(f"no match with id {match_id}")
        routes = app.match_routes(match_id)
    work = Path(item.work_path).name if item.work_path else "(your profile)"
    facts = [
        f"Match {item.id} ({item.status}): {item.kind} match, listed in {item.dataset} row {item.row_id}",
        f"work: {work}", f"URL: {item.url or '-'}", f"opted out at Spawning: {item.opted_out}",
        f"how close: {closeness(item.kind, item.distance, item.variant, item.work_id is not None)}",
        f"how it was found: {item.evidence}",
        *((f"how sure: {describe_score(item.score)} ({SCORE_MEANING})",) if item.kind == "phash" else ()),
    ]  # fmt: skip
    if item.published_size is not None:
        facts.append(f"the row publishes {item.published_size[0]} x {item.published_size[1]} pixels")
    for line in facts:
        obj.console.print(escape(line), highlight=False)
    if not routes:
        obj.console.print("No route to show: the letters need at least your name (`traintrace profile set`).")
        return
    obj.console.print(f"\nAct on this ({len(routes)} route(s)):")
    for route in routes:
        done = " [already generated]" if route.generated else ""
        obj.console.print(escape(f"\n== {route.title}{done} — {route.stem}.txt"), highlight=False)
        obj.console.print(escape(route.text.rstrip()), highlight=False, soft_wrap=True)


@matches.command("confirm")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--note", default="", help="Why (kept with the decision).")
@click.pass_obj
def confirm(obj: CliContext, ids: tuple[int, ...], note: str) -> None:
    """Mark matches as really yours."""
    with obj.open_app() as app:
        decided = app.decide(list(ids), "confirmed", note)
    obj.console.print(f"Confirmed {len(decided)} match(es).")


@matches.command("reject")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--note", default="", help="Why (kept with the decision).")
@click.pass_obj
def reject(obj: CliContext, ids: tuple[int, ...], note: str) -> None:
    """Mark matches as not yours."""
    with obj.open_app() as app:
        decided = app.decide(list(ids), "rejected", note)
    obj.console.print(f"Marked {len(decided)} match(es) as not yours.")


@matches.command("fetch")
@click.argument("match_id", type=int)
@click.pass_obj
def fetch(obj: CliContext, match_id: int) -> None:
    """Download this one candidate's dataset image, hash it locally and compare it with your work.

    Only on this explicit request; private and local addresses are refused; the image is not shown or kept.
    """
    with obj.open_app() as app:
        result = app.fetch_match(match_id)
    obj.console.print(escape(f"Fetched {result.final_url}: {result.bytes:,} bytes, SHA-256 {result.sha256}"),
                      highlight=False)  # fmt: skip
    if result.error:
        obj.console.print(escape(f"Not decodable as an image: {result.error}"), highlight=False)
    elif result.identical:
        obj.console.print("Byte-identical to your work.")
    elif result.distance is not None:
        obj.console.print(f"pHash {result.phash}: Hamming distance {result.distance} to your work.")
    obj.console.print("Kept as evidence with this match.")
