"""A source with nothing to ask says so ("skipped: nothing to ask", and why), never "ok, full coverage"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.net import HttpClient
from core.sources import DatasetteSource, SourceConfig, SourceQuery, SpawningSource
from core.sources.base import SourceResult
from tests.net.servers import RecordingServer
from tests.sources.helpers import FAST


@pytest.mark.parametrize(
    "source",
    [
        SpawningSource(SourceConfig(token="key-123")),
        DatasetteSource(SourceConfig(url="http://127.0.0.1:9/", table="db/rows")),
    ],
)
def test_an_empty_query_is_skipped_with_a_reason_and_nothing_is_sent(source: object) -> None:
    with HttpClient(FAST) as client:
        result = source.search(SourceQuery(), client)  # type: ignore[attr-defined]
    assert isinstance(result, SourceResult)
    assert result.status == "skipped" and result.requests_sent == 0 and not result.opt_outs
    assert result.error.startswith("skipped: nothing to ask (") and len(result.error) > 30
    assert result.summary()["coverage"] == "none" and result.verdict() == result.error


def test_the_scan_json_and_output_say_skipped(
    tmp_path: Path, server: RecordingServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first scan with no datasets: Spawning has no matched URL to ask about, and the outputs say so."""
    from core.cli.main import main
    from tests.imagefactory import pattern, save

    save(pattern(120, 90), tmp_path / "p" / "work.png")
    home = ["--data-dir", str(tmp_path / "home")]
    monkeypatch.setenv("TRAINTRACE_SPAWNING_TOKEN", "key-123")
    assert main([*home, "sources", "configure", "spawning", "--url", server.url_for("/q")]) == 0
    out = tmp_path / "out.json"
    code = main([*home, "scan", str(tmp_path / "p"), "--sources", "spawning", "--json", str(out)])
    assert code == 0
    (entry,) = json.loads(out.read_text())["sources"]
    assert entry["status"] == "skipped" and entry["coverage"] == "none" and "nothing to ask" in entry["error"]
    assert "spawning: skipped: nothing to ask" in capsys.readouterr().out
    assert server.recorded == []
