"""The opt-out commands end to end: files written and recorded, tagged copies read back by exiftool."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.app import TrainTrace
from core.cli.main import main
from core.paths import AppPaths
from tests.imagefactory import pattern, save


def _cli(home: Path, *args: str | Path) -> int:
    return main(["--data-dir", str(home), *map(str, args)])


def test_site_files_are_written_and_recorded_with_their_hashes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _cli(home, "profile", "set", "--name", "Ada", "--domain", "ada-paints.art") == 0
    assert _cli(home, "optout", "site", "--out", tmp_path / "site") == 0
    robots = (tmp_path / "site" / "robots.txt").read_text()
    assert "User-agent: GPTBot" in robots and "User-agent: CCBot" in robots
    assert json.loads((tmp_path / "site" / ".well-known" / "tdmrep.json").read_text())[0]["tdm-reservation"] == 1
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        history = app.generated_history()
    assert {record.kind for record in history} == {"site-files"} and len(history) == 9


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool (libimage-exiftool-perl) is not installed")
def test_tagged_copies_carry_the_data_mining_value_and_originals_stay_untouched(tmp_path: Path) -> None:
    work = save(pattern(200, 150), tmp_path / "works" / "harbour.jpg", quality=90)
    before = work.read_bytes()
    assert _cli(tmp_path / "home", "profile", "set", "--name", "Ada Lindqvist") == 0
    assert _cli(tmp_path / "home", "optout", "tag", work, "--out", tmp_path / "tagged") == 0
    assert work.read_bytes() == before
    read = subprocess.run(["exiftool", "-j", "-n", "-XMP:all", str(tmp_path / "tagged" / "harbour.jpg")],
                          capture_output=True, text=True, check=True)  # fmt: skip
    (tags,) = json.loads(read.stdout)
    assert any("DMI-PROHIBITED-AIMLTRAINING" in str(value) for value in tags.values())
    assert tags.get("Creator") == "Ada Lindqvist"


def test_tag_says_how_each_copy_was_made_and_records_sidecars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    gif = save(pattern(40, 30).convert("P"), tmp_path / "works" / "sketch.gif")
    heic = save(pattern(40, 30), tmp_path / "works" / "phone.heic", quality=80)
    out = tmp_path / "tagged"
    code = "DMI-PROHIBITED-SEECONSTRAINT"
    assert _cli(home, "optout", "tag", gif, heic, "--out", out, "--heif", "sidecar",
                "--data-mining", code, "--other-constraints", "Ask me first.") == 0  # fmt: skip
    printed = " ".join(capsys.readouterr().out.split())
    assert "sketch.png" in printed and "converted to PNG" in printed
    assert "phone.heic + phone.xmp" in printed and "XMP sidecar" in printed
    assert sorted(path.name for path in out.iterdir()) == ["phone.heic", "phone.xmp", "sketch.png"]
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        recorded = {Path(record.path).name for record in app.generated_history() if record.kind == "tagged-copy"}
    assert recorded == {"phone.heic", "phone.xmp", "sketch.png"}
    assert b"Ask me first." in (out / "phone.xmp").read_bytes()


def test_site_check_reports_missing_signals_in_plain_words(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A site with a home page and nothing else: every other address is a 404, as on a real site (the server's
    # default 500 would only make the client retry each file with back-off, seconds of waiting for nothing).
    monkeypatch.setattr(httpserver, "no_handler_status_code", 404)
    httpserver.expect_request("/").respond_with_data(
        "<html><head></head><body>hi</body></html>", content_type="text/html"
    )
    # the network guard refuses loopback addresses; this test server is on one
    monkeypatch.setattr(TrainTrace, "check_site", functools.partialmethod(TrainTrace.check_site, allow_loopback=True))
    assert _cli(tmp_path / "home", "optout", "check", httpserver.url_for("/")) == 3
    out = capsys.readouterr().out
    assert "MISSING" in out and "robots.txt" in out and "some signals are missing" in out


def test_review_decisions_from_the_command_line_export_to_json_and_csv(tmp_path: Path) -> None:
    from core.catalogue.db import open_database
    from core.catalogue.matches import FoundMatch, MatchRepository

    home = tmp_path / "home"
    db = open_database(AppPaths.resolve(home).catalogue_file)
    found = [FoundMatch(None, "laion-sample", str(row), "url", None, 0.9, f"https://ada.art/{row}.jpg", "caption",
                        None, "URL on the artist's domain", "full", "local index") for row in (1, 2)]  # fmt: skip
    MatchRepository(db).record(found, "2026-11-26T00:00:00+00:00")
    db.close()
    assert _cli(home, "matches", "confirm", "1", "--note", "mine") == 0
    assert _cli(home, "matches", "reject", "2") == 0
    assert _cli(home, "matches", "confirm", "99") == 2
    assert _cli(home, "matches", "list", "--json", tmp_path / "m.json", "--csv", tmp_path / "m.csv") == 0
    records = {m["id"]: m for m in json.loads((tmp_path / "m.json").read_text())["matches"]}
    assert records[1]["status"] == "confirmed" and records[1]["note"] == "mine" and records[1]["decided_at"]
    assert records[2]["status"] == "rejected"
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0].startswith("id,work,work_sha256,dataset,row_id,kind") and len(lines) == 3


def test_letters_and_the_evidence_report_from_the_command_line(tmp_path: Path) -> None:
    from core.catalogue.db import open_database
    from core.catalogue.matches import FoundMatch, MatchRepository

    home = tmp_path / "home"
    assert _cli(home, "profile", "set", "--name", "Ada Lindqvist", "--domain", "ada-paints.art") == 0
    db = open_database(AppPaths.resolve(home).catalogue_file)
    row = FoundMatch(None, "laion-sample", "4242", "url", None, 0.9, "https://ada-paints.art/w/sun.jpg", "Sun",
                     None, "URL on the artist's domain", "full", "local index")  # fmt: skip
    MatchRepository(db).record([row], "2026-11-26T00:00:00+00:00")
    db.close()
    assert _cli(home, "matches", "confirm", "1") == 0
    assert _cli(home, "optout", "letters", "--out", tmp_path / "letters") == 0
    assert "https://ada-paints.art/w/sun.jpg" in (tmp_path / "letters" / "spawning-do-not-train.txt").read_text()
    assert _cli(home, "report", "--pdf", tmp_path / "evidence.pdf") == 0
    manifest = json.loads((tmp_path / "evidence.pdf.manifest.json").read_text())
    assert (tmp_path / "evidence.pdf").read_bytes().startswith(b"%PDF") and manifest
    with TrainTrace.open(AppPaths.resolve(home)) as app:
        kinds = {record.kind for record in app.generated_history()}
    assert kinds == {"letter", "evidence-report"}


def test_c2pa_signing_without_c2pa_python_is_one_line_naming_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "c2pa", None)  # as if c2pa-python were not installed
    work = save(pattern(64, 48), tmp_path / "works" / "harbour.jpg", quality=90)
    cert, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    cert.write_bytes(b"-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")
    key.write_bytes(b"-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n")
    out = tmp_path / "tagged"
    assert _cli(tmp_path / "home", "optout", "tag", work, "--out", out, "--c2pa-cert", cert, "--c2pa-key", key) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "c2pa-python" in err and "-m pip install c2pa-python" in err
    assert not out.exists() or not any(out.iterdir())  # nothing half done


def test_the_pack_is_written_by_the_core_for_the_command_line_as_for_the_app(tmp_path: Path) -> None:
    home = ["--data-dir", str(tmp_path / "home")]
    assert main([*home, "profile", "set", "--name", "Ada Okonkwo-Lindqvist", "--domain", "okonkwo-lindqvist.art"]) == 0
    assert main([*home, "optout", "pack", "--out", str(tmp_path / "pack")]) == 0
    assert (tmp_path / "pack" / "website" / "robots.txt").is_file()
    assert any((tmp_path / "pack" / "letters").iterdir())


def test_a_pack_with_no_confirmed_match_says_no_request_was_written_and_keeps_an_edited_readme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, pack = ["--data-dir", str(tmp_path / "home")], tmp_path / "pack"
    assert main([*home, "profile", "set", "--name", "Ada Okonkwo-Lindqvist", "--domain", "okonkwo-lindqvist.art"]) == 0
    assert main([*home, "optout", "pack", "--out", str(pack)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "No confirmed match yet" in out and "reservation notice" in out
    readme = (pack / "README.txt").read_text()
    assert "Confirmed matches this pack was written from: 0" in readme and "No confirmed match yet" in readme
    assert sorted(p.name for p in (pack / "letters").iterdir()) == ["reservation-notice.md", "reservation-notice.txt"]
    assert not (pack / "tagged-copies").exists()
    (pack / "README.txt").write_text("my own notes\n")
    assert main([*home, "optout", "pack", "--out", str(pack)]) == 0
    assert (pack / "README.txt").read_text() == "my own notes\n"
    assert (pack / "README.txt.new").read_text() == readme
