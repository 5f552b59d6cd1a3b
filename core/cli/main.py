"""The `traintrace` command: the composition root for headless use.

Exit codes: 0 done (a scan with unreadable files is still done), 1 fatal error, 2 usage error,
130 interrupted (Ctrl-C; finished work is kept). Errors are one line, never a traceback; unexpected ones
also write the traceback to `<data dir>/logs/crash.log` for a bug report.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from core import __version__
from core.cli.lazy_group import LazyCommand, LazyGroup
from core.errors import Cancelled, TrainTraceError, UsageError

if TYPE_CHECKING:
    from core.cli.context import CliContext
    from core.paths import AppPaths

# Each command is imported only when it runs (`--version` and `--help` import none of them).
COMMANDS = {
    "batch": LazyCommand(
        "core.cli.batch_commands:batch",
        "Match many portfolios' hash lists against every shard of a dataset with Dask; results as Parquet in --out"
        " (rerun the same command to resume). `traintrace batch import DIR --owner LABEL` loads one owner's.",
    ),
    "dataset": LazyCommand(
        "core.cli.dataset_commands:dataset",
        "Add, list, describe and remove datasets (their metadata is imported into a local index).",
    ),
    "demo": LazyCommand(
        "core.cli.scan_commands:demo",
        "Scan the bundled sample portfolio against the bundled sample datasets (a separate demo catalogue).",
    ),
    "match": LazyCommand(
        "core.cli.scan_commands:match",
        "Match the catalogue's works and the profile against the added datasets again, without rescanning.",
    ),
    "matches": LazyCommand(
        "core.cli.review_commands:matches",
        "List the matches found and record your decision on each (stored with time and note).",
    ),
    "optout": LazyCommand(
        "core.cli.optout_commands:optout",
        'Opt-out material: files for your website, a check of what it serves, "no AI training" tagged copies.',
    ),
    "profile": LazyCommand(
        "core.cli.profile_commands:profile",
        "The artist: names, aliases, handles, domains and upload URLs used for URL and caption matching.",
    ),
    "report": LazyCommand(
        "core.cli.report_command:report",
        "Write the evidence PDF with its manifest embedded (and FILE.manifest.json beside it: the SHA-256 of every"
        " input and each match's recipe). Unsigned unless --sign is given.",
    ),
    "scan": LazyCommand(
        "core.cli.scan_commands:scan",
        "Fingerprint every image in PATHS (folders recursively) and match them against the added datasets.",
    ),
    "status": LazyCommand(
        "core.cli.review_commands:status",
        "The verdict in one line: what was found, which datasets and sources it rests on, what was not searched.",
    ),
    "sources": LazyCommand(
        "core.cli.source_commands:sources",
        "Remote sources that still answer: Hugging Face dataset viewer, Spawning, clip-retrieval, Datasette.",
    ),
}


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
    raise click.exceptions.Exit(run_app_process(command))


FORWARDED_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")


def run_app_process(command: list[str]) -> int:
    """Run the app's process and return its exit code. A signal this launcher gets (SIGTERM from a session
    manager or `kill`, SIGHUP, Ctrl-C) is passed on to the app, which ends as if its window were closed, so the
    app never outlives its launcher. An app killed by a signal it did not get from us is reported in one line."""
    import signal
    import subprocess

    child = subprocess.Popen(command)
    forwarded: list[int] = []

    def forward(number: int, _frame: object) -> None:
        forwarded.append(number)
        if child.poll() is None:
            child.send_signal(number)

    numbers = [getattr(signal, name) for name in FORWARDED_SIGNALS if hasattr(signal, name)]
    previous = {number: signal.signal(number, forward) for number in numbers}
    try:
        code = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if code < 0 and -code not in forwarded:  # e.g. Qt's abort(): never exit 250 without a word
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        print(f"traintrace: the desktop app ended abnormally ({name}); see the lines above", file=sys.stderr)
        return 1
    return code if code >= 0 else 128 - code


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="traintrace")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the catalogue, settings and caches here (default: $TRAINTRACE_HOME or the user data folder).",
)
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """TrainTrace: find your works in public AI-training datasets, without uploading them."""
    from rich.console import Console

    from core.cli.context import CliContext
    from core.paths import AppPaths

    ctx.obj = CliContext(paths=AppPaths.resolve(data_dir), console=Console(), data_dir_option=data_dir)


cli.add_command(gui_command)


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # only a frozen bundle needs it (and multiprocessing costs start-up time)
        import multiprocessing

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
    import os
    import traceback

    from core.paths import PRIVATE_FILE_MODE, make_private_dirs

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
    from core.paths import AppPaths

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with cli.make_context("traintrace", args, resilient_parsing=True) as context:
            data_dir = context.params.get("data_dir")
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        data_dir = None
    return AppPaths.resolve(data_dir)


if __name__ == "__main__":
    sys.exit(main())
