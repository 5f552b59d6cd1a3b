"""`traintrace report --pdf FILE [--sign CERT --key KEY | --sign FILE.p12]`: the evidence report of the confirmed
matches, optionally signed."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from core.cli.context import CliContext
from core.cli.progress_bar import TerminalProgress
from core.errors import UsageError
from core.evidence.signing import SigningKey
from core.files import check_output_file

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.option("--pdf", "pdf_file", required=True, type=_FILE, help="The PDF.")
@click.option("--sign", "certificate", type=_FILE, help="Sign it (PAdES): your certificate (PEM/DER) or PKCS#12 file.")
@click.option("--key", "key", type=_FILE, help="The certificate's private key (PEM/DER), with --sign CERT.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the key's (or PKCS#12 file's) passphrase from stdin.")
@click.pass_obj
def report(obj: CliContext, pdf_file: Path, certificate: Path | None, key: Path | None, passphrase_stdin: bool) -> None:
    """Write the evidence PDF with its manifest embedded (and FILE.manifest.json beside it: the SHA-256 of every
    input and each match's recipe). Unsigned unless --sign is given."""
    check_output_file(pdf_file)  # before anything is said or built: a mistyped folder is reported at once
    signing = _signing_key(certificate, key, passphrase_stdin)
    with obj.open_app() as app:
        if not app.matches("confirmed"):
            obj.console.print(
                "No confirmed match yet: the report lists what was searched and that nothing is confirmed."
            )
        with TerminalProgress(obj.console).running() as progress:
            manifest = app.write_evidence_report(pdf_file, progress=progress, signing=signing)
    state = "signed" if manifest.signed else "unsigned"
    obj.console.print(
        escape(f"Wrote {manifest.pdf_path} ({state}; SHA-256 {manifest.pdf_sha256}) and {manifest.manifest_path} "
               f"(SHA-256 {manifest.manifest_sha256}, also attached to the PDF)"),
        highlight=False,
    )  # fmt: skip


def _signing_key(certificate: Path | None, key: Path | None, passphrase_stdin: bool) -> SigningKey | None:
    if certificate is None:
        if key is not None or passphrase_stdin:
            raise UsageError("--key and --passphrase-stdin go with --sign")
        return None
    passphrase = sys.stdin.readline().rstrip("\r\n").encode("utf-8") if passphrase_stdin else None
    if key is None and certificate.suffix.lower() not in (".p12", ".pfx"):
        raise UsageError("--sign CERT needs --key KEY (or give a PKCS#12 file: .p12 or .pfx)")
    return SigningKey(certificate, key, passphrase or None)
