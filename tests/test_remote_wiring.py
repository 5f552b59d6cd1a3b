"""Remote sources wired into the app: settings vs keyring, the dry run, results in the JSON, fetch to confirm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.app import TrainTrace
from core.cli.main import main
from core.paths import AppPaths
from core.profile import Profile
from tests.imagefactory import pattern, save
from tests.memory_keyring import MemoryKeyring

PROFILE = ["profile", "set", "--name", "Ada Okonkwo-Lindqvist", "--domain", "okonkwo-lindqvist.art"]


def _cli(home: Path, *args: str | Path) -> int:
    return main(["--data-dir", str(home), *map(str, args)])


def test_settings_go_to_the_file_and_tokens_only_to_the_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    with TrainTrace.open(AppPaths.resolve(tmp_path)) as app:
        status = app.configure_source("spawning", {}, token="sk-secret-123")
        assert status.problem == "" and status.token == "keyring"
        app.configure_source("datasette", {"url": "https://ds.example.org", "table": "laion/images"})
    settings = (tmp_path / "config" / "settings.toml").read_text()
    assert "sk-secret-123" not in settings and "https://ds.example.org" in settings
    assert "sk-secret-123" in memory_keyring.store.values()


def test_dry_run_prints_every_request_and_sends_nothing(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    save(pattern(120, 90), tmp_path / "p" / "work.png")
    assert _cli(tmp_path, *PROFILE) == 0
    assert (
        _cli(tmp_path, "sources", "configure", "datasette", "--url", httpserver.url_for("/"), "--table", "db/rows") == 0
    )
    capsys.readouterr()
    assert _cli(tmp_path, "scan", tmp_path / "p", "--sources", "datasette", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "nothing has been sent" in out and "_search=Ada" in out and "url__like=%25okonkwo-lindqvist.art%25" in out
    assert httpserver.log == []


def test_source_hits_become_matches_and_the_json_lists_each_source(tmp_path: Path, httpserver: HTTPServer) -> None:
    rows = [
        {"rowid": 7, "url": "https://cdn.okonkwo-lindqvist.art/w/a.jpg", "text": "by Ada Okonkwo-Lindqvist"},
        {"rowid": 8, "url": "https://okonkwo-lindqvist.art.fake.net/a.jpg", "text": "a look-alike"},
    ]
    httpserver.expect_request("/db/rows.json").respond_with_json(
        {"rows": rows, "primary_keys": ["rowid"], "next": None}
    )
    save(pattern(120, 90), tmp_path / "p" / "work.png")
    _cli(tmp_path, *PROFILE)
    _cli(tmp_path, "sources", "configure", "datasette", "--url", httpserver.url_for("/"), "--table", "db/rows")
    out = tmp_path / "out.json"
    assert _cli(tmp_path, "scan", tmp_path / "p", "--sources", "datasette", "--json", out) == 0
    document = json.loads(out.read_text())
    assert document["sources"] == [{"id": "datasette", "status": "ok", "coverage": "full", "error": ""}]
    found = {(m["row_id"], m["kind"]) for m in document["matches"]}
    assert ("7", "url") in found and ("7", "text") in found and not any(row == "8" for row, _ in found)


def test_a_dead_source_is_reported_unavailable_and_the_scan_completes(tmp_path: Path, httpserver: HTTPServer) -> None:
    # "Retry-After: 0": the client retries at once (as the server asks) instead of backing off for seconds
    httpserver.expect_request("/db/rows.json").respond_with_data("overloaded", status=503, headers={"Retry-After": "0"})
    save(pattern(120, 90), tmp_path / "p" / "work.png")
    _cli(tmp_path, *PROFILE)
    _cli(tmp_path, "sources", "configure", "datasette", "--url", httpserver.url_for("/"), "--table", "db/rows")
    out = tmp_path / "out.json"
    assert _cli(tmp_path, "scan", tmp_path / "p", "--sources", "datasette", "--json", out) == 0
    (source,) = json.loads(out.read_text())["sources"]
    assert source["status"] == "unavailable" and "503" in source["error"]


def test_fetch_to_confirm_compares_the_dataset_image_with_the_work(tmp_path: Path, httpserver: HTTPServer) -> None:
    work = save(pattern(300, 200, seed=4), tmp_path / "p" / "harbour.png")
    httpserver.expect_request("/img/harbour.png").respond_with_data(work.read_bytes(), content_type="image/png")
    rows = [{"rowid": 1, "url": httpserver.url_for("/img/harbour.png"), "text": "Ada Okonkwo-Lindqvist harbour"}]
    httpserver.expect_request("/db/rows.json").respond_with_json(
        {"rows": rows, "primary_keys": ["rowid"], "next": None}
    )
    with TrainTrace.open(AppPaths.resolve(tmp_path / "home")) as app:
        app.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        app.configure_source("datasette", {"url": httpserver.url_for("/"), "table": "db/rows"})
        app.scan([tmp_path / "p"])
        app.query_sources(["datasette"])
        (match,) = app.matches()
        with pytest.raises(Exception, match="(?i)loopback|private|not allowed|refus"):
            app.fetch_match(match.id)  # the guard refuses local addresses outside tests
        result = app.fetch_match(match.id, allow_loopback=True)
    assert result.sha256 and result.bytes == work.stat().st_size and result.phash is not None
