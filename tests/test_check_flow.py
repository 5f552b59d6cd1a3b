"""The flow, end to end from the command line (issue 11, item 7): a fresh catalogue, a dataset with a planted URL
match, Spawning on a recording server. One `scan --sources spawning` sends exactly that URL, because the core
asks the sources after matching, with this check's fresh matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.app import TrainTrace
from core.cli.main import main
from core.paths import AppPaths
from tests.check_flow import DATASET_MAPPINGS, DOMAIN, PLANTED_URL, planted_dataset, serve_spawning
from tests.imagefactory import pattern, save
from tests.net.servers import RecordingServer, _recording_server, server  # noqa: F401 - fixtures


def test_one_scan_asks_spawning_about_exactly_the_planted_url(
    tmp_path: Path,
    server: RecordingServer,  # noqa: F811 - the fixture imported above
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAINTRACE_SPAWNING_TOKEN", "key-123")
    monkeypatch.setenv("COLUMNS", "200")  # the table's columns are not wrapped
    home = ["--data-dir", str(tmp_path / "home")]
    save(pattern(120, 90), tmp_path / "portfolio" / "harbour.png")
    shard = planted_dataset(tmp_path / "planted.parquet")
    maps = [arg for field, column in DATASET_MAPPINGS.items() for arg in ("--map", f"{field}={column}")]
    assert main([*home, "profile", "set", "--name", "Ada Okonkwo-Lindqvist", "--domain", DOMAIN]) == 0
    assert main([*home, "dataset", "add", "planted", "--from", str(shard), *maps]) == 0
    assert main([*home, "sources", "configure", "spawning", "--url", serve_spawning(server)]) == 0
    assert server.recorded == []
    out = tmp_path / "out.json"

    assert main([*home, "scan", str(tmp_path / "portfolio"), "--sources", "spawning", "--json", str(out)]) == 0

    (request,) = server.recorded
    assert request.method == "POST" and request.headers["Authorization"] == "API key-123"
    assert request.body.decode("utf-8").split("\n") == [PLANTED_URL, PLANTED_URL]  # the API wants two lines
    document = json.loads(out.read_text())
    assert document["sources"] == [{"id": "spawning", "status": "ok", "coverage": "full", "error": ""}]
    assert [m["url"] for m in document["matches"] if m["kind"] == "url"] == [PLANTED_URL]

    capsys.readouterr()
    assert main([*home, "matches", "list"]) == 0
    listing = capsys.readouterr().out
    assert "opted out" in listing
    (row,) = [line for line in listing.splitlines() if "planted" in line]
    assert "│ yes " in row

    (match,) = [m for m in document["matches"] if m["kind"] == "url"]
    assert main([*home, "matches", "show", str(match["id"])]) == 0
    shown = capsys.readouterr().out
    assert "Spawning Do-Not-Train entry for this URL (registry: opted out yes)" in shown and PLANTED_URL in shown
    assert "Notice to the host" not in shown  # the artist's own site: no takedown notice to themself
    with TrainTrace.open(AppPaths.resolve(tmp_path / "home")) as app:
        saved = app.save_route(match["id"], "spawning-do-not-train", tmp_path / "spawning-do-not-train.txt")
        assert saved.read_text(encoding="utf-8").splitlines() == [PLANTED_URL]
        (spawning,) = [r for r in app.match_routes(match["id"]) if r.letter == "spawning-do-not-train"]
        assert spawning.generated  # from the generated-files records
    assert main([*home, "matches", "confirm", str(match["id"])]) == 0
    pdf = tmp_path / "evidence.pdf"
    assert main([*home, "report", "--pdf", str(pdf)]) == 0
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
    assert "Remote sources queried" in text and "spawning" in text
    manifest = json.loads(Path(f"{pdf}.manifest.json").read_text())
    (run,) = manifest["inputs"]["sources"]
    assert (run["id"], run["status"], run["coverage"], run["rows"]) == ("spawning", "ok", "full", 1)
