"""Nothing the artist owns is overwritten: their robots.txt lines, their other files, their edited letters,
links and special files at an output path. `-` is standard output for --json and --csv only."""

from __future__ import annotations

import json
import os
import stat
import urllib.robotparser
from pathlib import Path

import pytest
from protego import Protego

from core.optout.robots_merge import BEGIN_MARK, END_MARK
from tests.hostile.conftest import catalogue_with, cli, url_match
from tests.imagefactory import pattern, save

ARTISTS_ROBOTS = """# Ada's own rules
User-agent: *
Disallow: /private/
Allow: /

User-agent: Googlebot-Image
Disallow: /drafts/

Sitemap: https://ada-paints.art/sitemap.xml
"""
SITE = "https://ada-paints.art/"


def _robotparser(text: str) -> urllib.robotparser.RobotFileParser:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    return parser


def _site(tmp_path: Path, *extra: str) -> tuple[int, Path]:
    home, out = tmp_path / "home", tmp_path / "mysite"
    if not (home / "catalogue.sqlite3").exists():
        assert cli(home, "profile", "set", "--name", "Ada", "--domain", "ada-paints.art") == 0
    return cli(home, "optout", "site", "--out", out, *extra), out


# --- robots.txt -------------------------------------------------------------------------------------------


def test_robots_txt_is_merged_the_artists_rules_still_hold_and_ours_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "robots.txt").write_text(ARTISTS_ROBOTS)
    code, out = _site(tmp_path)
    assert code == 0
    assert "robots.txt: merged (your own lines kept)" in capsys.readouterr().out
    merged = (out / "robots.txt").read_text()
    assert merged.startswith(ARTISTS_ROBOTS)  # every line of theirs, byte for byte, where it was
    assert merged.count(BEGIN_MARK) == 1 and merged.count(END_MARK) == 1
    protego, robotparser = Protego.parse(merged), _robotparser(merged)
    for can_fetch in (protego.can_fetch, lambda url, agent: robotparser.can_fetch(agent, url)):
        assert not can_fetch(SITE + "private/x.html", "Googlebot")  # theirs
        assert can_fetch(SITE + "gallery/", "Googlebot")
        assert not can_fetch(SITE + "drafts/a.jpg", "Googlebot-Image")
        for token in ("GPTBot", "CCBot", "Google-Extended", "img2dataset"):  # ours
            assert not can_fetch(SITE, token) and not can_fetch(SITE + "gallery/a.jpg", token)
    assert list(Protego.parse(merged).sitemaps) == ["https://ada-paints.art/sitemap.xml"]
    assert _robotparser(merged).site_maps() == ["https://ada-paints.art/sitemap.xml"]


def test_a_rerun_replaces_only_our_block_and_keeps_what_the_artist_added_since(tmp_path: Path) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "robots.txt").write_text(ARTISTS_ROBOTS)
    _, out = _site(tmp_path)
    robots = out / "robots.txt"
    robots.write_text("User-agent: Bingbot\nDisallow: /old/\n\n" + robots.read_text())  # edited after our run
    first_block = robots.read_text().split(BEGIN_MARK)[1]
    assert _site(tmp_path)[0] == 0
    text = robots.read_text()
    assert text.startswith("User-agent: Bingbot\nDisallow: /old/\n\n" + ARTISTS_ROBOTS)
    assert text.count(BEGIN_MARK) == 1 and text.split(BEGIN_MARK)[1] == first_block
    assert not Protego.parse(text).can_fetch(SITE + "old/x", "Bingbot")
    assert not Protego.parse(text).can_fetch(SITE, "GPTBot")


def test_our_block_goes_first_when_the_artists_file_ends_with_an_open_group(tmp_path: Path) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "robots.txt").write_text("Sitemap: https://ada-paints.art/s.xml\nUser-agent: OddBot\n")
    _, out = _site(tmp_path)
    text = (out / "robots.txt").read_text()
    assert text.startswith(BEGIN_MARK) and text.endswith("User-agent: OddBot\n")
    assert not Protego.parse(text).can_fetch(SITE, "GPTBot")
    assert Protego.parse(text).can_fetch(SITE, "OddBot")  # their (empty) group was not joined to one of ours


def test_the_artists_own_allow_for_an_ai_crawler_is_pointed_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mysite").mkdir()
    (tmp_path / "mysite" / "robots.txt").write_text("User-agent: GPTBot\nAllow: /\n")
    assert _site(tmp_path)[0] == 0
    assert "still let these AI crawlers in: GPTBot" in capsys.readouterr().out.replace("\n", " ")
    assert (tmp_path / "mysite" / "robots.txt").read_text().startswith("User-agent: GPTBot\nAllow: /\n")


def test_a_robots_txt_with_half_of_our_marks_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mysite").mkdir()
    broken = f"{BEGIN_MARK}\nUser-agent: GPTBot\nDisallow: /\nUser-agent: *\nDisallow: /mine/\n"
    (tmp_path / "mysite" / "robots.txt").write_text(broken)
    _, out = _site(tmp_path)
    assert (out / "robots.txt").read_text() == broken
    assert (out / "robots.txt.new").read_text().startswith(BEGIN_MARK)
    assert "merge by hand" in capsys.readouterr().out.replace("\n", " ")


# --- the other site files ---------------------------------------------------------------------------------


def test_the_artists_other_files_are_kept_and_ours_written_beside_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mysite"
    (out / ".well-known").mkdir(parents=True)
    (out / "ai.txt").write_text("my own ai.txt\n")
    (out / ".well-known" / "tdmrep.json").write_text('[{"location": "/", "tdm-reservation": 0}]')
    assert _site(tmp_path)[0] == 0
    printed = capsys.readouterr().out
    assert (out / "ai.txt").read_text() == "my own ai.txt\n"
    assert "Disallow: /" in (out / "ai.txt.new").read_text()
    assert (out / ".well-known" / "tdmrep.json").read_text() == '[{"location": "/", "tdm-reservation": 0}]'
    assert json.loads((out / ".well-known" / "tdmrep.json.new").read_text())[0]["tdm-reservation"] == 1
    assert "ai.txt: written beside your file -> ai.txt.new" in printed
    assert "2 file(s) of yours were left as they are" in printed

    assert _site(tmp_path, "--force")[0] == 0
    assert "Disallow: /" in (out / "ai.txt").read_text()
    assert "overwritten (--force)" in capsys.readouterr().out


def test_our_own_unchanged_files_are_updated_in_place_on_a_rerun(tmp_path: Path) -> None:
    _, out = _site(tmp_path, "--tdm-policy", "https://ada-paints.art/licence-1")
    assert _site(tmp_path, "--tdm-policy", "https://ada-paints.art/licence-2")[0] == 0
    assert "licence-2" in (out / ".well-known" / "tdmrep.json").read_text()
    assert "licence-2" in (out / "server-config" / "nginx-headers.conf").read_text()
    assert not list(out.rglob("*.new"))


def test_a_link_where_a_site_file_goes_is_refused_and_its_target_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, outside = tmp_path / "mysite", tmp_path / "outside.txt"
    out.mkdir()
    outside.write_text("not yours to write")
    (out / "ai.txt").symlink_to(outside)
    assert _site(tmp_path)[0] == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert outside.read_text() == "not yours to write" and (out / "ai.txt").is_symlink()


# --- letters ----------------------------------------------------------------------------------------------


def test_regenerated_letters_never_touch_a_letter_the_artist_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, letters = tmp_path / "home", tmp_path / "letters"
    catalogue_with(home, [url_match("https://ada-paints.art/w/sun.jpg")])
    assert cli(home, "optout", "letters", "--out", letters) == 0
    notice, spawning = letters / "reservation-notice.txt", letters / "spawning-do-not-train.txt"
    edited = notice.read_text() + "\nP.S. My own paragraph, added by hand.\n"
    notice.write_text(edited)
    catalogue_with(home, [url_match("https://ada-paints.art/w/moon.jpg", row_id="4343")])
    capsys.readouterr()
    assert cli(home, "optout", "letters", "--out", letters) == 0
    printed = capsys.readouterr().out
    assert notice.read_text() == edited
    assert "reservation-notice.txt: written beside your file -> reservation-notice.txt.new" in printed
    assert "My own paragraph" not in (letters / "reservation-notice.txt.new").read_text()
    assert "moon.jpg" in spawning.read_text()  # not edited: updated in place
    assert not (letters / "spawning-do-not-train.txt.new").exists()

    catalogue_with(home, [url_match("https://ada-paints.art/w/star.jpg", row_id="4444")])
    assert cli(home, "optout", "letters", "--out", letters) == 0
    assert notice.read_text() == edited
    assert not (letters / "reservation-notice.txt.new.2").exists()  # our own .new is updated, not multiplied
    assert "star.jpg" in spawning.read_text()


# --- output paths -----------------------------------------------------------------------------------------


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_links_folders_and_special_files_are_refused_as_output_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    catalogue_with(home, [url_match("https://ada-paints.art/w/sun.jpg")])
    target = tmp_path / "precious.pdf"
    target.write_bytes(b"keep me")
    link = tmp_path / "link.pdf"
    link.symlink_to(target)
    assert cli(home, "report", "--pdf", link) == 2
    assert "symbolic link" in _one_line_error(capsys)
    assert target.read_bytes() == b"keep me" and link.is_symlink()

    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    assert cli(home, "report", "--pdf", fifo) == 2
    assert "not a regular file (it is a pipe)" in _one_line_error(capsys)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)

    assert cli(home, "report", "--pdf", tmp_path) == 2  # click's own usage error for a folder
    assert "is a directory" in capsys.readouterr().err
    assert cli(home, "matches", "list", "--json", link) == 2
    assert "symbolic link" in _one_line_error(capsys)
    assert target.read_bytes() == b"keep me"
    assert cli(home, "report", "--pdf", "-") == 2
    assert "only for --json and --csv" in _one_line_error(capsys)


def test_a_link_planted_where_the_manifest_goes_is_refused_before_the_pdf_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    catalogue_with(home, [url_match("https://ada-paints.art/w/sun.jpg")])
    (tmp_path / "r.pdf.manifest.json").symlink_to(tmp_path / "elsewhere.json")
    assert cli(home, "report", "--pdf", tmp_path / "r.pdf") == 2
    assert "symbolic link" in _one_line_error(capsys)
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "elsewhere.json").exists()


def test_dash_is_standard_output_for_json_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    save(pattern(64, 48, seed=3), tmp_path / "works" / "a.png")
    home = tmp_path / "home"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert cli(home, "scan", tmp_path / "works", "--json", "-") == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # standard output holds the JSON alone
    assert [work["path"] for work in document["works"]] == ["a.png"]
    assert "Scanned" in captured.err or "work" in captured.err  # the messages went to standard error
    assert cli(home, "scan", tmp_path / "works", "--csv", "-") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("path,sha256,phash") and lines[1].startswith("a.png,")
    catalogue_with(home, [url_match("https://ada-paints.art/w/sun.jpg")])
    capsys.readouterr()
    assert cli(home, "matches", "list", "--json", "-") == 0
    assert json.loads(capsys.readouterr().out)["matches"][0]["url"] == "https://ada-paints.art/w/sun.jpg"
    assert cli(home, "matches", "list", "--json", "-", "--csv", "-") == 2
    assert "only one of --json and --csv" in _one_line_error(capsys)
    assert not (cwd / "-").exists()
