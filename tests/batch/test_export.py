"""The hash list holds hashes, file names and the public profile: no image bytes, no folder, no path."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.batch.hashlist import read_hash_list
from core.cli.main import main
from tests.batch.conftest import OWNER, PROFILE, Portfolio


def _windows(data: bytes, width: int) -> set[bytes]:
    return {data[i : i + width] for i in range(len(data) - width + 1)}


def test_the_hash_list_holds_no_image_bytes_and_no_path(portfolio: Portfolio) -> None:
    data = portfolio.hash_list.read_bytes()
    exported = _windows(data, 12)
    for image in sorted(portfolio.folder.glob("*.png")):
        content = image.read_bytes()
        assert not _windows(content, 12) & exported, f"bytes of {image.name} are in the hash list"
    for part in portfolio.folder.parts[1:]:  # every folder name on the way to the works
        assert part.encode() not in data, f"the folder name {part!r} is in the hash list"
    assert b"/" + b"work-0.png" not in data and b"\\work-0.png" not in data
    assert PROFILE.email.encode() not in data
    assert b"\x89PNG" not in data and b"\xff\xd8\xff" not in data
    for work in portfolio.works:
        assert (work.sha256 or "").encode() in data and f"{work.phash:016x}".encode() in data
    assert b"work-0.png" in data and OWNER.encode() in data and b"okonkwo-lindqvist.art" in data


def test_the_hash_list_reads_back_as_the_portfolio(portfolio: Portfolio) -> None:
    hash_list = read_hash_list(portfolio.hash_list)
    assert hash_list.owner == OWNER and hash_list.profile.email == ""
    assert hash_list.profile.domains == PROFILE.domains and hash_list.profile.handles == PROFILE.handles
    by_name = {work.file_name: work for work in hash_list.works}
    assert sorted(by_name) == [f"work-{n}.png" for n in range(4)]
    for work in portfolio.works:
        exported = by_name[Path(work.path).name]
        assert exported.work_id == work.id and exported.sha256 == work.sha256
        assert exported.phashes[0] == ("original", work.phash) and len(exported.phashes) > 10
        assert exported.size == (work.width, work.height)


def test_scan_says_what_the_hash_list_holds_before_writing_it(
    tmp_path: Path, portfolio: Portfolio, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine.parquet"
    args = ["--data-dir", str(tmp_path / "home"), "scan", str(portfolio.folder), "--export-hashes", str(target)]
    assert main([*args, "--owner", "Ada O."]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    said = printed.index("holds:")
    assert said < printed.index("Wrote " + str(target))
    assert "owner label: Ada O." in printed and "4 works" in printed and "variant pHashes" in printed
    assert "no image, thumbnail, folder or path" in printed
    assert read_hash_list(target).owner == "Ada O." and len(read_hash_list(target).works) == 4
