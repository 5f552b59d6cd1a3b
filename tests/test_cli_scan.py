"""`traintrace scan` as a user and a script see it: output files, exit codes, interruptions."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from core.cli.main import main
from tests.badfiles import bad_corpus
from tests.imagefactory import pattern, save

HEX = set("0123456789abcdef")


def _run(*args: str | Path) -> int:
    return main([str(arg) for arg in args])


def test_json_output_follows_the_documented_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "portfolio"
    save(pattern(300, 200, seed=1), folder / "series" / "one.png")
    save(Image.new("RGB", (300, 200), (128, 128, 128)), folder / "series" / "blank.png")
    bad_corpus(folder / "broken")
    out = tmp_path / "result.json"
    assert _run("scan", folder, "--json", out, "--csv", tmp_path / "works.csv") == 0
    document = json.loads(out.read_text())
    assert set(document) >= {"works", "matches", "sources"}
    assert document["matches"] == [] and document["sources"] == []
    works = {work["path"]: work for work in document["works"]}
    good = works["series/one.png"]
    assert set(good) == {"path", "sha256", "phash", "dhash", "whash", "colorhash", "width", "height", "format",
                         "status", "reason", "informative_bits", "matchable_by_picture"}  # fmt: skip
    assert good["matchable_by_picture"] is True and good["informative_bits"] >= 24
    blank = works["series/blank.png"]  # never searched by pHash, and the JSON says so
    assert blank["status"] == "ok" and blank["matchable_by_picture"] is False and blank["informative_bits"] < 24
    assert good["status"] == "ok" and good["reason"] is None and good["format"] == "PNG"
    assert len(good["sha256"]) == 64 and len(good["phash"]) == 16 and len(good["colorhash"]) == 11
    assert all(set(good[key]) <= HEX for key in ("sha256", "phash", "dhash", "whash", "colorhash"))
    broken = works["broken/truncated.jpg"]
    assert broken["status"] == "unreadable" and "truncated" in broken["reason"] and broken["phash"] is None
    assert broken["matchable_by_picture"] is None
    assert "broken/bomb.png" in capsys.readouterr().out
    csv_lines = (tmp_path / "works.csv").read_text().splitlines()
    assert csv_lines[0].startswith("path,sha256,phash") and len(csv_lines) == 1 + len(works)


def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("scan") == 2
    assert _run("scan", tmp_path / "does-not-exist") == 2
    assert _run("scan", tmp_path, "--no-such-option") == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_fatal_error_exits_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    save(pattern(50, 50), tmp_path / "p" / "a.png")
    assert _run("--data-dir", blocker / "inside", "scan", tmp_path / "p") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_catalogue_from_a_newer_version_is_refused_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(home / "catalogue.sqlite3") as db:
        db.execute("PRAGMA user_version = 999")
    save(pattern(50, 50), tmp_path / "p" / "a.png")
    assert _run("--data-dir", home, "scan", tmp_path / "p") == 1
    assert "newer TrainTrace" in capsys.readouterr().err


@pytest.fixture(scope="module")
def corpus_40(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty camera-like JPEGs, made once: enough work for a scan to be interrupted half way."""
    folder = tmp_path_factory.mktemp("corpus")
    for index in range(40):
        save(pattern(1200, 900, seed=index), folder / f"work-{index:03d}.jpg", quality=90)
    return folder


def _catalogued(home: Path) -> int:
    try:
        with sqlite3.connect(f"file:{home / 'catalogue.sqlite3'}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM work").fetchone()[0])
    except sqlite3.Error:
        return 0


def _start_scan(home: Path, folder: Path) -> subprocess.Popen[bytes]:
    """The scan in its own process, with Ctrl-C (SIGINT) handled as in a terminal's foreground job.

    A suite started as a background job (`pytest &` in a script, some CI runners) ignores SIGINT, and an ignored
    signal stays ignored in every child. Catching it here while the child starts makes exec give the child the
    default disposition, so Python in the child turns SIGINT into KeyboardInterrupt as it would in a terminal.
    """
    command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(home), "scan", str(folder)]
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_for_some_work(home: Path, process: subprocess.Popen[bytes], at_least: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        done = _catalogued(home)
        if done >= at_least:
            return done
        time.sleep(0.01)
    pytest.fail("the scan finished or stalled before it could be interrupted")


@pytest.mark.slow
@pytest.mark.integration
def test_a_killed_scan_keeps_finished_works_and_resumes(tmp_path: Path, corpus_40: Path) -> None:
    folder, home = corpus_40, tmp_path / "home"
    process = _start_scan(home, folder)
    _wait_for_some_work(home, process, at_least=3)
    os.killpg(process.pid, signal.SIGKILL)  # the whole group: parent and its workers, like a power cut
    process.wait()
    kept = _catalogued(home)
    assert 3 <= kept < 40
    assert _run("--data-dir", home, "scan", folder, "--json", tmp_path / "out.json") == 0
    document = json.loads((tmp_path / "out.json").read_text())
    assert len(document["works"]) == 40 and all(work["status"] == "ok" for work in document["works"])
    assert _catalogued(home) == 40


@pytest.mark.slow
@pytest.mark.integration
def test_ctrl_c_stops_quickly_and_keeps_finished_works(tmp_path: Path, corpus_40: Path) -> None:
    folder, home = corpus_40, tmp_path / "home"
    process = _start_scan(home, folder)
    _wait_for_some_work(home, process, at_least=2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in err and b"saved" in err
    assert _catalogued(home) >= 2


def _without_root_privileges(command: list[str]) -> list[str]:
    """Root reads everything; drop the capabilities that bypass file permissions (util-linux setpriv)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, "--bounding-set", caps, "--inh-caps", caps, *command]


def test_an_unreadable_file_is_recorded_and_the_scan_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    save(pattern(80, 60, seed=1), folder / "fine.png")
    secret = save(pattern(80, 60, seed=2), folder / "secret.png")
    os.chmod(secret, 0o000)
    out = tmp_path / "out.json"
    command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(tmp_path / "home"), "scan", str(folder),
               "--json", str(out)]  # fmt: skip
    completed = subprocess.run(_without_root_privileges(command), capture_output=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    works = {work["path"]: work for work in json.loads(out.read_text())["works"]}
    assert works["fine.png"]["status"] == "ok"
    assert works["secret.png"]["status"] == "unreadable" and "permission" in works["secret.png"]["reason"]


@pytest.mark.integration
def test_the_gui_command_starts_the_desktop_app_in_its_own_process(tmp_path: Path) -> None:
    """`traintrace gui --self-test`: the window opens offscreen, scans and matches the sample, exits 0."""
    pytest.importorskip("PySide6")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(tmp_path), "gui", "--self-test"]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert completed.returncode == 0, completed.stderr
    assert "demo finished" in completed.stdout
