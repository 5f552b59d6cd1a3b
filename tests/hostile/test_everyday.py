"""Everyday mistakes end in one line that says what to do (exit 1 or 2 as README defines), never a traceback;
the data folder is private whoever creates it; credentials never sit in a source URL; URLs are joined properly."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from core.app import TrainTrace
from core.errors import UsageError
from core.files import write_atomically
from core.net.http import HttpClient
from core.paths import AppPaths
from core.sources.base import PlannedCall, join_url_path
from tests.hostile.conftest import catalogue_with, cli, url_match
from tests.imagefactory import pattern, save
from tests.net.servers import RecordingServer

ROOT = Path(__file__).resolve().parents[2]


def _one_line(text: str, *, bug: bool = False) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    assert bug or "internal error" not in text, text  # a user's mistake is not reported as a bug
    return lines[0]


def _without_root_privileges(command: list[str]) -> list[str]:
    """Root writes everywhere; drop the capabilities that bypass file permissions (util-linux setpriv)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, "--bounding-set", caps, "--inh-caps", caps, *command]


def _run(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(home), *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(_without_root_privileges(command), capture_output=True, text=True, env=env, timeout=120)


def _private(root: Path) -> list[str]:
    """Every entry under `root` (itself included) whose mode is not 0700 (folders) or 0600 (files)."""
    wrong = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        if mode != (0o700 if path.is_dir() else 0o600):
            wrong.append(f"{oct(mode)} {path.relative_to(root.parent)}")
    return wrong


# --- one line that says what to do ------------------------------------------------------------------------


def test_a_pdf_in_a_folder_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    catalogue_with(home, [url_match("https://ada-paints.art/w/sun.jpg")])
    capsys.readouterr()
    assert cli(home, "report", "--pdf", tmp_path / "nodir" / "r.pdf") == 2
    line = _one_line(capsys.readouterr().err)
    assert "nodir for r.pdf does not exist" in line and "create it first, or choose another place" in line
    assert not (tmp_path / "nodir").exists()


def test_a_read_only_output_folder_for_report_and_letters(tmp_path: Path) -> None:
    home = tmp_path / "home"
    catalogue_with(home, [url_match("https://ada-paints.art/w/sun.jpg")])
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        report = _run(home, "report", "--pdf", locked / "r.pdf")
        assert report.returncode == 1
        line = _one_line(report.stderr)
        assert f"cannot write into {locked}" in line and "choose a folder you can write to" in line
        letters = _run(home, "optout", "letters", "--out", locked)
        assert letters.returncode == 1 and "choose a folder you can write to" in _one_line(letters.stderr)
        inside = _run(home, "optout", "letters", "--out", locked / "letters")
        assert inside.returncode == 1
        assert "cannot create the folder" in _one_line(inside.stderr) and "permission denied" in inside.stderr
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_a_space_in_the_site_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(tmp_path / "home", "optout", "check", "zoe art.example") == 2
    line = _one_line(capsys.readouterr().err)
    assert "'zoe art.example' is not a website address" in line and "space" in line and "https://" in line


def test_a_facade_caller_gets_the_same_refusals(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        write_atomically(tmp_path, b"x")
    with pytest.raises(UsageError, match="does not exist"):
        write_atomically(tmp_path / "missing" / "x.json", b"x")
    target = tmp_path / "kept.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o640  # its mode is kept
    assert [p.name for p in tmp_path.iterdir()] == ["kept.json"]  # no temporary file left behind


# --- crash.log --------------------------------------------------------------------------------------------


def test_crash_log_goes_to_the_data_dir_given_and_is_private(
    tmp_path: Path, traintrace_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: TrainTrace, status: str | None = None) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(TrainTrace, "matches", broken)
    home = tmp_path / "x"
    old_log = home / "logs" / "crash.log"
    old_log.parent.mkdir(parents=True)
    old_log.write_text("from an older version\n")
    old_log.chmod(0o644)
    assert cli(home, "matches", "list") == 1
    line = _one_line(capsys.readouterr().err, bug=True)
    assert "internal error: RuntimeError: a bug" in line and f"details in {old_log}" in line
    assert "RuntimeError: a bug" in old_log.read_text() and old_log.read_text().startswith("from an older version")
    assert stat.S_IMODE(old_log.stat().st_mode) == 0o600
    assert not (traintrace_home / "logs").exists()

    fresh = tmp_path / "y"
    assert cli(fresh, "matches", "list") == 1
    assert stat.S_IMODE((fresh / "logs" / "crash.log").stat().st_mode) == 0o600
    assert stat.S_IMODE((fresh / "logs").stat().st_mode) == 0o700


# --- the data folder is private whoever creates it --------------------------------------------------------


def test_the_cli_makes_a_private_data_folder(tmp_path: Path) -> None:
    save(pattern(40, 30), tmp_path / "works" / "a.png")
    home = tmp_path / "new" / "data"
    assert cli(home, "scan", tmp_path / "works") == 0
    assert cli(home, "sources", "configure", "datasette", "--url", "https://datasette.example/") == 0
    assert (home / "config" / "settings.toml").exists()
    assert _private(tmp_path / "new") == []


def test_the_demo_makes_a_private_data_folder_datasets_included(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    assert cli(home, "demo") == 0
    assert list(AppPaths.resolve(home).for_demo().datasets_dir.rglob("*.keys.npy"))  # the sample hashes were written
    assert _private(home) == []


def test_the_app_makes_a_private_data_folder_and_ui_state(tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from gui.state import UiState

    paths = AppPaths.resolve(tmp_path / "app-home")
    state = UiState.in_folder(paths.config_dir)  # the app opens this before the catalogue
    state.add_recent_folder(tmp_path / "Portfolio" / "Private series")
    state.mark_first_run_done()
    state.sync()
    with TrainTrace.open(paths), HttpClient(cache_dir=paths.cache_dir / "http"):
        pass
    assert "Private series" in (paths.config_dir / "ui-state.ini").read_text()
    assert _private(paths.data_dir) == []


# --- remote sources: no credentials in URLs, URLs joined properly -----------------------------------------


def test_credentials_in_a_source_url_are_refused_never_stored_or_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    code = cli(home, "sources", "configure", "clip-retrieval", "--url", "http://ada:s3cret@clip.example/")
    assert code == 2
    line = _one_line(capsys.readouterr().err)
    assert "--token-stdin" in line and "keyring" in line and "s3cret" not in line
    settings = home / "config" / "settings.toml"
    assert not settings.exists() or "s3cret" not in settings.read_text()

    settings.parent.mkdir(parents=True, exist_ok=True)  # a hand-edited settings file
    settings.write_text('[sources.clip-retrieval]\nurl = "http://ada:s3cret@clip.example/"\nindex = "laion"\n')
    save(pattern(40, 30), tmp_path / "works" / "a.png")
    assert cli(home, "sources", "list") == 0
    assert cli(home, "scan", tmp_path / "works", "--sources", "clip-retrieval", "--dry-run") == 2
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err and "--token-stdin" in captured.err
    assert cli(home, "sources", "configure", "clip-retrieval", "--index", "other") == 2  # not saved again
    assert 'index = "laion"' in settings.read_text()
    assert cli(home, "sources", "configure", "clip-retrieval", "--url", "http://clip.example/") == 0
    assert "s3cret" not in settings.read_text()


def test_the_clip_retrieval_base_url_keeps_its_query_string_where_it_belongs(
    tmp_path: Path, server: RecordingServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.expect_request("/clip/indices-list").respond_with_json(["laion5B"])
    home = tmp_path / "home"
    base = server.url_for("/clip/") + "?key=abc"
    assert cli(home, "sources", "configure", "clip-retrieval", "--url", base) == 0
    assert cli(home, "sources", "test", "clip-retrieval") == 0
    (request,) = server.recorded
    assert request.path == "/clip/indices-list" and request.query == "key=abc"
    assert f"GET {server.url_for('/clip/indices-list')}?key=abc" in capsys.readouterr().out


def test_url_joining() -> None:
    assert join_url_path("https://h.example/api?key=1", "knn-service") == "https://h.example/api/knn-service?key=1"
    assert join_url_path("https://h.example/", "db", "t.json") == "https://h.example/db/t.json"
    assert join_url_path("https://h.example", "indices-list") == "https://h.example/indices-list"
    call = PlannedCall("GET", "https://h.example/db/t.json?key=1", "p", params=(("_search", "a b"),))
    assert call.full_url == "https://h.example/db/t.json?key=1&_search=a+b"


def test_a_reader_that_leaves_early_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `traintrace matches list --json - | head -c 0`
    try:
        command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(tmp_path / "home"), "matches", "list",
                   "--json", "-"]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert "standard output was closed" in _one_line(done.stderr)
