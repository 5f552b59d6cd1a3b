"""`traintrace report --pdf FILE`: the evidence report of the confirmed matches."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from core.cli.context import CliContext
from core.cli.progress_bar import TerminalProgress
from core.files import check_output_file


@click.command()
@click.option("--pdf", "pdf_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The PDF.")
@click.pass_obj
def report(obj: CliContext, pdf_file: Path) -> None:
    """Write the evidence PDF (and FILE.manifest.json with the SHA-256 of the PDF and of every input)."""
    check_output_file(pdf_file)  # before anything is said or built: a mistyped folder is reported at once
    with obj.open_app() as app:
        if not app.matches("confirmed"):
            obj.console.print(
                "No confirmed match yet: the report lists what was searched and that nothing is confirmed."
            )
        with TerminalProgress(obj.console).running() as progress:
            manifest = app.write_evidence_report(pdf_file, progress=progress)
    obj.console.print(escape(f"Wrote {manifest.pdf_path} (SHA-256 {manifest.pdf_sha256}) and {manifest.manifest_path}"),
                      highlight=False)  # fmt: skip
