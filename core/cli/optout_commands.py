"""`traintrace optout site|check|tag`: the machine-readable reservations and tagged copies."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from core.cli.context import CliContext
from core.optout.xmp_packet import DATA_MINING_CODES

OUT_OPTION = click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write into."
)


@click.group()
def optout() -> None:
    """Opt-out material: files for your website, a check of what it serves, "no AI training" tagged copies."""


@optout.command("site")
@OUT_OPTION
@click.option("--tdm-policy", help="URL of your TDM licensing policy (added to tdmrep.json and the headers).")
@click.pass_obj
def site(obj: CliContext, out_dir: Path, tdm_policy: str | None) -> None:
    """robots.txt, ai.txt, tdmrep.json, server header snippets, meta tags and a README saying where each goes."""
    with obj.open_app() as app:
        files = app.optout_site_files(out_dir, tdm_policy)
    for generated in files:
        obj.console.print(escape(f"  {generated.relative_path}"), highlight=False)
    obj.console.print(f"Wrote {len(files)} files into {escape(str(out_dir))}; start with README.md there.")


@optout.command("check")
@click.argument("url")
@click.pass_obj
def check(obj: CliContext, url: str) -> None:
    """Fetch your site's opt-out files, home page and a few of your images; report each signal in plain words."""
    with obj.open_app() as app:
        report = app.check_site(url)
    for result in report.results:
        mark = {"present": "ok     ", "missing": "MISSING", "wrong": "WRONG  "}.get(result.status.value, "NO ANSWER")
        obj.console.print(escape(f"{mark} {result.signal.value}: {result.explanation}"), highlight=False)
        for detail in result.details[:10]:
            obj.console.print(escape(f"          {detail}"), highlight=False)
    verdict = "every signal is in place" if report.all_present else "some signals are missing or wrong"
    obj.console.print(f"{escape(report.base_url)}: {verdict}.")


@optout.command("tag")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@OUT_OPTION
@click.option("--data-mining", default="DMI-PROHIBITED-AIMLTRAINING", type=click.Choice(sorted(DATA_MINING_CODES)),
              show_default=True, help="The IPTC plus:DataMining value.")  # fmt: skip
@click.option(
    "--c2pa-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="PEM certificate chain."
)
@click.option("--c2pa-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="PEM private key.")
@click.pass_obj
def tag(
    obj: CliContext,
    paths: tuple[Path, ...],
    out_dir: Path,
    data_mining: str,
    c2pa_cert: Path | None,
    c2pa_key: Path | None,
) -> None:
    """Write copies of PATHS with "no AI training" metadata (originals are never modified)."""
    if (c2pa_cert is None) != (c2pa_key is None):
        raise click.UsageError("--c2pa-cert and --c2pa-key go together")
    credentials = None
    if c2pa_cert is not None and c2pa_key is not None:
        from core.optout.c2pa_sign import SigningCredentials

        credentials = SigningCredentials(c2pa_cert.read_bytes(), c2pa_key.read_bytes())
    with obj.open_app() as app:
        results = app.tag_copies(list(paths), out_dir, data_mining, credentials)
    for result in results:
        where = f" -> {result.output}" if result.output else ""
        status = result.status.value
        obj.console.print(escape(f"  {status}: {result.source.name}{where} ({result.message})"), highlight=False)


@optout.command("letters")
@OUT_OPTION
@click.pass_obj
def letters(obj: CliContext, out_dir: Path) -> None:
    """Letters and lists from your confirmed matches: Art. 4(3) notice, LAION request, Spawning list, ..."""
    with obj.open_app() as app:
        files = app.write_letters(out_dir)
        templates = app.paths.data_dir / "templates"
    for generated in files:
        obj.console.print(escape(f"  {generated.path.name}"), highlight=False)
    obj.console.print(f"Wrote {len(files)} files into {escape(str(out_dir))}. Your own templates go in {templates}.")
