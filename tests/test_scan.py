"""Scanning folders into the catalogue through the facade."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import imagehash
import pytest
from PIL import Image

from core.app import TrainTrace
from core.paths import AppPaths
from tests.badfiles import bad_corpus
from tests.imagefactory import pattern, save, varied_corpus


@pytest.fixture
def app(tmp_path: Path) -> Iterator[TrainTrace]:
    opened = TrainTrace.open(AppPaths.resolve(tmp_path / "home"))
    yield opened
    opened.close()


def _by_relative(summary: object) -> dict[str, object]:
    return {item.relative: item.work for item in summary.works}  # type: ignore[attr-defined]


def test_scans_every_format_recursively_and_ignores_system_files(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "portfolio"
    varied_corpus(folder / "2025" / "commissions")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "._photo.jpg").write_bytes(b"\x00\x05\x16\x07AppleDouble")
    (folder / "notes.txt").write_text("prices")
    (folder / ".git").mkdir()
    save(pattern(50, 50), folder / ".git" / "hidden.png")
    summary = app.scan([folder])
    works = _by_relative(summary)
    assert len(works) == 15
    assert all(rel.startswith("2025/commissions/") for rel in works)
    assert all(work.ok for work in works.values()), [w.reason for w in works.values() if not w.ok]
    assert summary.ignored == 4
    for relative, work in works.items():
        assert f"{work.phash:016x}" == str(imagehash.phash(Image.open(folder / relative)))


def test_a_symlink_loop_ends(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "loop"
    save(pattern(60, 40), folder / "a" / "one.png")
    os.symlink("..", folder / "a" / "back-up")
    os.symlink(folder, folder / "a" / "absolute")
    summary = app.scan([folder])
    assert [item.relative for item in summary.works] == ["a/one.png"]


def test_single_files_are_reported_by_name(app: TrainTrace, tmp_path: Path) -> None:
    path = save(pattern(80, 60), tmp_path / "x" / "single.png")
    summary = app.scan([path])
    assert [item.relative for item in summary.works] == ["single.png"]


def test_an_unchanged_file_is_never_decoded_again(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    path = save(pattern(200, 100, seed=1), folder / "work.png")
    first = _by_relative(app.scan([folder]))["work.png"]
    stat = path.stat()
    # Same size, same mtime, different bytes: only a re-read could notice.
    path.write_bytes(b"\x00" * stat.st_size)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    summary = app.scan([folder])
    assert summary.unchanged == 1 and summary.new == 0
    assert _by_relative(summary)["work.png"] == first


def test_a_changed_file_is_read_again(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    path = save(pattern(200, 100, seed=1), folder / "work.png")
    first = _by_relative(app.scan([folder]))["work.png"]
    save(pattern(300, 100, seed=2), path)
    summary = app.scan([folder])
    second = _by_relative(summary)["work.png"]
    assert summary.changed == 1 and second.id == first.id and second.sha256 != first.sha256


def test_a_renamed_or_moved_file_keeps_its_identity(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    save(pattern(200, 100, seed=1), folder / "draft.png")
    save(pattern(200, 100, seed=2), folder / "other.png")
    first = _by_relative(app.scan([folder]))["draft.png"]
    (folder / "final").mkdir()
    shutil.move(folder / "draft.png", folder / "final" / "harbour.png")
    summary = app.scan([folder])
    works = _by_relative(summary)
    assert summary.moved == 1 and summary.new == 0
    assert works["final/harbour.png"].id == first.id
    assert works["final/harbour.png"].phash == first.phash
    assert len(app.works()) == 2


def test_a_copy_is_a_second_work_with_the_same_hashes(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    save(pattern(200, 100, seed=1), folder / "a.png")
    app.scan([folder])
    shutil.copy2(folder / "a.png", folder / "b.png")
    summary = app.scan([folder])
    works = _by_relative(summary)
    assert summary.copies == 1
    assert works["a.png"].id != works["b.png"].id and works["a.png"].phash == works["b.png"].phash


def test_bad_files_are_recorded_with_a_reason_and_the_scan_goes_on(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    expected = bad_corpus(folder)
    save(pattern(120, 80), folder / "good.png")
    undecodable = os.fsencode(folder) + b"/caf\xe9-\xff.jpg"
    with open(undecodable, "wb") as handle:
        handle.write((folder / "good.png").read_bytes())
    summary = app.scan([folder])
    works = _by_relative(summary)
    assert works["good.png"].ok
    for relative, code in expected.items():
        assert works[relative].status == "unreadable" and works[relative].reason_code == code, relative
        assert works[relative].reason
    bad_name = [work for rel, work in works.items() if rel.startswith("caf")]
    assert len(bad_name) == 1 and bad_name[0].reason_code == "bad_name" and "\\xe9" in bad_name[0].path
    assert len(summary.unreadable) == len(expected) + 1


def test_many_files_use_the_worker_pool_and_match_the_reference(app: TrainTrace, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    for index in range(10):
        save(pattern(700 + index, 600, seed=index), folder / f"w{index:02d}.jpg", quality=85)
    summary = app.scan([folder])
    assert summary.new == 10
    for item in summary.works:
        assert f"{item.work.phash:016x}" == str(imagehash.phash(Image.open(folder / item.relative)))


def test_where_worker_processes_cannot_start_the_scan_hashes_in_process(tmp_path: Path) -> None:
    """A program read from standard input cannot be re-imported by spawned workers: no file is blamed for it."""
    folder = tmp_path / "p"
    for index in range(5):
        save(pattern(200, 150, seed=index), folder / f"w{index}.png")
    script = (
        "from pathlib import Path\n"
        "from core.app import TrainTrace\n"
        "from core.paths import AppPaths\n"
        f"with TrainTrace.open(AppPaths.resolve({str(tmp_path / 'home')!r})) as app:\n"
        f"    summary = app.scan([Path({str(folder)!r})])\n"
        "print(sorted(item.work.status for item in summary.works))\n"
    )
    root = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, cwd=root, timeout=180
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip().splitlines()[-1] == str(["ok"] * 5)


def _age_variants(app: TrainTrace) -> None:
    """Make the catalogue look as an older TrainTrace left it: variant set 1, other variant names."""
    db = app._db  # noqa: SLF001 (the test plays an older version writing the catalogue)
    db.execute("UPDATE work SET variant_set = 1, informative_bits = NULL")
    db.execute("DELETE FROM work_variant")
    db.execute("INSERT INTO work_variant (work_id, variant, phash) SELECT id, 'bars-tb-8-black', 7 FROM work")


def test_works_with_variants_of_an_older_set_are_read_again_and_keep_their_identity(
    app: TrainTrace, tmp_path: Path
) -> None:
    """After an upgrade that changes the variant set, the next scan remakes every work's variants, even of files
    that did not change, moved ones included; nothing else about the works changes."""
    folder = tmp_path / "p"
    save(pattern(200, 100, seed=1), folder / "draft.png")
    save(pattern(200, 100, seed=2), folder / "still.png")
    before = _by_relative(app.scan([folder]))
    _age_variants(app)
    assert all(work.stale_variants for work in app.works())
    (folder / "final").mkdir()
    shutil.move(folder / "draft.png", folder / "final" / "harbour.png")
    summary = app.scan([folder])
    works = _by_relative(summary)
    assert summary.refreshed == 1 and summary.moved == 1 and summary.new == 0 and summary.changed == 0
    assert works["final/harbour.png"].id == before["draft.png"].id and works["still.png"].id == before["still.png"].id
    assert not any(work.stale_variants for work in app.works()) and len(app.works()) == 2
    variants = app._works.variants(work.id for work in app.works())  # noqa: SLF001
    assert all("bars-tb-8-black" not in names and "pad-1x1-white" in names for names in variants.values())
    assert all(work.informative_bits for work in app.works())
    assert app.scan([folder]).unchanged == 2  # and then never again
