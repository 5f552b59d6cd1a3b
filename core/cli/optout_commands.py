"""`traintrace optout site|check|tag`: the machine-readable reservations and tagged copies."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from core.cli.context import CliContext
from core.keep_edits import Outcome
from core.optout.site_check import Verdict
from core.optout.site_signals import Status
from core.optout.xmp_fields import DATA_MINING_CODES

OUT_OPTION = click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write into."
)


@click.group()
def optout() -> None:
    """Opt-out material: files for your website, a check of what it serves, "no AI training" tagged copies."""


@optout.command("site")
@OUT_OPTION
@click.option("--tdm-policy", help="URL of your TDM licensing policy (added to tdmrep.json and the headers).")
@click.option("--force", is_flag=True, help="Overwrite files you changed or put there (robots.txt is always merged).")
@click.pass_obj
def site(obj: CliContext, out_dir: Path, tdm_policy: str | None, force: bool) -> None:
    """robots.txt, ai.txt, tdmrep.json, server header snippets, meta tags and a README saying where each goes.

    An existing robots.txt keeps your lines (ours go in a marked block); any other file of yours is kept and the
    new version written beside it as NAME.new, unless --force.
    """
    with obj.open_app() as app:
        files = app.optout_site_files(out_dir, tdm_policy, force=force)
    for generated in files:
        _print_outcome(obj, generated.relative_path, generated.written_as, generated.outcome)
        for note in generated.notes:
            obj.console.print(escape(f"    note: {note}"), highlight=False)
    beside = sum(1 for generated in files if generated.outcome is Outcome.BESIDE)
    obj.console.print(escape(f"Wrote the website files into {out_dir}; start with README.md there."), highlight=False)
    if beside:
        obj.console.print(f"{beside} file(s) of yours were left as they are: compare each with its .new version.")


def _print_outcome(obj: CliContext, name: str, written_as: str, outcome: Outcome) -> None:
    where = f" -> {written_as}" if written_as and written_as != name else ""
    obj.console.print(escape(f"  {name}: {outcome.value}{where}"), highlight=False)


# `optout check` exit codes (README): scripts can tell "protected" from "not protected" from "could not tell".
CHECK_EXIT_CODES = {Verdict.ALL_PRESENT: 0, Verdict.MISSING: 3, Verdict.INCOMPLETE: 4, Verdict.UNREACHABLE: 5,
                    Verdict.REFUSED: 5}  # fmt: skip
_MARKS = {Status.PRESENT: "ok", Status.MISSING: "MISSING", Status.WRONG: "WRONG", Status.UNREACHABLE: "NO ANSWER",
          Status.NOT_CHECKED: "NOT CHECKED"}  # fmt: skip


@optout.command("check")
@click.argument("url")
@click.option(
    "--image", "images", multiple=True, metavar="URL", help="Also check this image of yours (on your site; repeatable)."
)
@click.option(
    "--include-other-hosts",
    is_flag=True,
    help="Also check your matches' image addresses on other hosts, and follow redirects to other sites.",
)
@click.pass_obj
def check(obj: CliContext, url: str, images: tuple[str, ...], include_other_hosts: bool) -> None:
    """Fetch your site's opt-out files, home page and a few of your images; report each signal in plain words.

    Exit code 0: every signal is in place; 3: some are missing or wrong; 4: nothing checked is missing but
    some could not be checked; 5: the site did not answer at all (or its address is not public).
    """
    with obj.open_app() as app:
        report = app.check_site(url, images=images, include_other_hosts=include_other_hosts)
    for result in report.results:
        line = f"{_MARKS[result.status]:<11} {result.signal.value}: {result.explanation}"
        obj.console.print(escape(line), highlight=False)
        if result.status is not Status.PRESENT:
            obj.console.print(escape(f"            at {result.url}"), highlight=False)
        for detail in result.details[:10]:
            obj.console.print(escape(f"            {detail}"), highlight=False)
    obj.console.print(escape(f"{report.base_url}: {report.verdict.value}."), highlight=False)
    code = CHECK_EXIT_CODES[report.verdict]
    if code:
        raise click.exceptions.Exit(code)


@optout.command("tag")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@OUT_OPTION
@click.option("--data-mining", default="DMI-PROHIBITED-AIMLTRAINING", type=click.Choice(sorted(DATA_MINING_CODES)),
              show_default=True, help="The IPTC plus:DataMining value.")  # fmt: skip
@click.option("--other-constraints", default="", metavar="TEXT",
              help="plus:OtherConstraints text (DMI-PROHIBITED-SEECONSTRAINT points to it; default there: the "
                   "Art. 4(3) reservation).")  # fmt: skip
@click.option("--heif", "heif", type=click.Choice(["auto", "exiftool", "sidecar", "reencode"]), default="auto",
              show_default=True,
              help="HEIC/AVIF copies: exiftool in place; the unchanged file and an XMP sidecar; or encoded again with "
                   "the tag embedded (pixels change). auto: exiftool if installed, else a sidecar.")  # fmt: skip
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
    other_constraints: str,
    heif: str,
    c2pa_cert: Path | None,
    c2pa_key: Path | None,
) -> None:
    """Write copies of PATHS with "no AI training" metadata (originals are never modified).

    JPEG, PNG, WebP and TIFF copies are tagged in place by exiv2 (same pixels, other metadata kept); GIF and BMP
    become tagged PNG copies; HEIC and AVIF as --heif says. Each line says how its copy was made.
    """
    from core.optout.tagging import HeifMethod

    if (c2pa_cert is None) != (c2pa_key is None):
        raise click.UsageError("--c2pa-cert and --c2pa-key go together")
    credentials = None
    if c2pa_cert is not None and c2pa_key is not None:
        from core.optout.c2pa_sign import SigningCredentials

        credentials = SigningCredentials(c2pa_cert.read_bytes(), c2pa_key.read_bytes())
    with obj.open_app() as app:
        results = app.tag_copies(
            list(paths), out_dir, data_mining, credentials, other_constraints=other_constraints, heif=HeifMethod(heif)
        )
    for result in results:
        where = f" -> {result.output}" if result.output else ""
        where += f" + {result.sidecar.name}" if result.sidecar else ""
        status = result.status.value
        obj.console.print(escape(f"  {status}: {result.source.name}{where} ({result.message})"), highlight=False)


@optout.command("letters")
@OUT_OPTION
@click.pass_obj
def letters(obj: CliContext, out_dir: Path) -> None:
    """Letters and lists from your confirmed matches: Art. 4(3) notice, LAION request, Spawning list, ...

    A letter you edited is never overwritten: the new version is written beside it as NAME.new.
    """
    with obj.open_app() as app:
        files = app.write_letters(out_dir)
        templates = app.paths.data_dir / "templates"
    for generated in files:
        name = (generated.target or generated.path).name
        _print_outcome(obj, name, generated.path.name, generated.outcome)
    obj.console.print(
        escape(f"Wrote {len(files)} letters and lists into {out_dir}. Your own templates go in {templates}."),
        highlight=False,
    )
    beside = sum(1 for generated in files if generated.outcome is Outcome.BESIDE)
    if beside:
        obj.console.print(f"{beside} letter(s) you edited were left as they are; the new text is in NAME.new.")


@optout.command("pack")
@OUT_OPTION
@click.pass_obj
def pack(obj: CliContext, out_dir: Path) -> None:
    """The whole opt-out pack, as the app writes it: website files, letters and lists, tagged copies."""
    from core.cli.progress_bar import TerminalProgress

    with obj.open_app() as app:
        with TerminalProgress(obj.console).running() as progress:
            report = app.write_optout_pack(out_dir, progress)
    for folder, count in report.files:
        obj.console.print(escape(f"{out_dir / folder}: {count} file(s)"), highlight=False)
    for note in report.notes:
        obj.console.print(escape(note), highlight=False)
