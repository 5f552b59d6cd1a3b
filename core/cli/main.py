"""The `traintrace` command: the composition root for headless use.

Exit codes: 0 done (a scan with unreadable files is still done), 1 fatal error, 2 usage error,
130 interrupted (Ctrl-C; finished work is kept). Errors are one line, never a traceback; unexpected ones
also write the traceback to `<data dir>/logs/crash.log` for a bug report.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import traceback
from pathlib import Path

import click
from rich.console import Console

from core import __version__
from core.cli.batch_commands import batch
from core.cli.context import CliContext
from core.cli.dataset_commands import dataset
from core.cli.optout_commands import optout
from core.cli.profile_commands import profile
from core.cli.report_command import report
from core.cli.review_commands import matches
from core.cli.scan_commands import demo, match, scan
from core.cli.source_commands import sources
from core.errors import Cancelled, TrainTraceError, UsageError
from core.paths import PRIVATE_FILE_MODE, AppPaths, make_private_dirs


@click.command("gui")
@click.option("--demo", is_flag=True, help="Open the demo catalogue with the sample portfolio and datasets.")
@click.option("--self-test", is_flag=True, help="Check the install: open the window offscreen, scan the sample, exit.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def gui_command(obj: CliContext, demo: bool, self_test: bool, paths: tuple[Path, ...]) -> None:
    """Open the desktop app (in its own process: the command line never loads Qt)."""
    flags = (["--demo"] if demo else []) + (["--self-test"] if self_test else [])
    command = [sys.executable, "-m", "gui", *flags, *map(str, paths)]
    if obj.data_dir_option is not None:
        command[3:3] = ["--data-dir", str(obj.data_dir_option)]
    raise click.exceptions.Exit(subprocess.call(command))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="traintrace")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the catalogue, settings and caches here (default: $TRAINTRACE_HOME or the user data folder).",
)
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """TrainTrace: find your works in public AI-training datasets, without uploading them."""
    ctx.obj = CliContext(paths=AppPaths.resolve(data_dir), console=Console(), data_dir_option=data_dir)


for command in (scan, match, demo, dataset, profile, matches, sources, optout, report, batch):
    cli.add_command(command)
cli.add_command(gui_command)


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()
    try:
        code = cli.main(args=argv, prog_name="traintrace", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        exc.show()
        return 2
    except UsageError as exc:
        click.echo(f"traintrace: {exc}", err=True)
        return 2
    except (Cancelled, KeyboardInterrupt, click.Abort):
        click.echo("traintrace: interrupted; everything finished so far is saved, run again to continue", err=True)
        return 130
    except TrainTraceError as exc:
        click.echo(f"traintrace: error: {exc}", err=True)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line for the user, details in a log
        log = _write_crash_log(argv)
        click.echo(f"traintrace: internal error: {type(exc).__name__}: {exc} ({log})", err=True)
        return 1
    return code if isinstance(code, int) else 0  # click returns the code of an `Exit` raised by a command


def _write_crash_log(argv: list[str] | None) -> str:
    """Append the traceback to `<data dir>/logs/crash.log` (private: 0600); say where, or why it could not."""
    try:
        log = _data_dir(argv).logs_dir / "crash.log"
        make_private_dirs(log.parent)
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
        if hasattr(os, "fchmod"):  # an older crash.log may be 0644
            os.fchmod(fd, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            traceback.print_exc(file=handle)
    except (OSError, TrainTraceError) as error:
        return f"the details could not be saved: {error}"
    return f"details in {log}"


def _data_dir(argv: list[str] | None) -> AppPaths:
    """This run's folders: `--data-dir` when given (parsed again, as the failed command's context is gone)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with cli.make_context("traintrace", args, resilient_parsing=True) as context:
            data_dir = context.params.get("data_dir")
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        data_dir = None
    return AppPaths.resolve(data_dir)


if __name__ == "__main__":
    sys.exit(main())
