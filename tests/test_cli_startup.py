"""The command line starts at once: `--version` and `--help` load no command, and each command only what it uses.

Checked by the modules a fresh interpreter has loaded, not by a stopwatch (start-up time is measured with
hyperfine beside `python -c pass`, figures in the issue notes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from core.cli.lazy_group import load_command
from core.cli.main import COMMANDS
from tests.imagefactory import pattern, save

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("rich", "requests", "urllib3", "pyarrow", "numpy", "PIL", "fpdf", "jinja2", "PySide6", "multiprocessing")
FEATURES = ("core.evidence", "core.letters", "core.optout.site_check", "core.optout.tagging", "fpdf", "jinja2")


def _modules_after(*argv: str) -> tuple[int, set[str]]:
    """Run the CLI with `argv` in a fresh interpreter; its exit code and every module it had loaded."""
    script = (
        "import json, sys\n"
        "from core.cli.main import main\n"
        f"code = main({list(argv)!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert completed.returncode == 0, completed.stderr
    code, modules = json.loads(completed.stdout.strip().splitlines()[-1])
    return code, set(modules)


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_load_no_command_and_no_heavy_library(option: str) -> None:
    code, modules = _modules_after(option)
    assert code == 0
    loaded_commands = sorted(m for m in modules if m.startswith("core.") and m.split(".")[1] not in ("cli", "errors"))
    assert loaded_commands == []
    assert sorted(m for m in modules if m.startswith("core.cli.") and m.endswith(("commands", "command"))) == []
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []


def test_a_scan_loads_neither_the_pdf_nor_the_letters_nor_the_opt_out_tools(tmp_path: Path) -> None:
    save(pattern(64, 48), tmp_path / "works" / "a.png")
    code, modules = _modules_after("--data-dir", str(tmp_path / "home"), "scan", str(tmp_path / "works"))
    assert code == 0
    assert "core.scanning.scanner" in modules
    assert sorted(m for m in modules if m.startswith(FEATURES)) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listed_summary_is_the_commands_own(name: str) -> None:
    command = load_command(COMMANDS[name].target)
    assert command.name == name
    listed = click.Command(name, help=COMMANDS[name].summary)
    for width in (40, 80, 1000):
        assert listed.get_short_help_str(width) == command.get_short_help_str(width)
