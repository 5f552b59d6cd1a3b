"""The flow, end to end in the app (issue 11, item 7): a fresh catalogue, a dataset with a planted URL match,
Spawning (asked automatically on every check, once its "what will be sent" was accepted) on a recording server.
One drop sends exactly that URL, and the compare panel shows Spawning's answer and the routes to act on the match
("Act on this")."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import TrainTrace
from core.paths import AppPaths
from core.profile import Profile
from core.workflows import CheckResult
from tests.check_flow import DATASET_MAPPINGS, DOMAIN, PLANTED_URL, planted_dataset, serve_spawning
from tests.gui.conftest import GuiFactory
from tests.gui.test_main_window import drop, select_key
from tests.imagefactory import pattern, save
from tests.net.servers import RecordingServer, _recording_server, server  # noqa: F401 - fixtures

TIMEOUT_MS = 30_000
WAIT_MS = 30_000  # generous: the machine may be busy


def test_one_drop_asks_spawning_about_exactly_the_planted_url(
    qtbot: object,
    make_gui: GuiFactory,
    paths: AppPaths,
    tmp_path: Path,
    server: RecordingServer,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRAINTRACE_SPAWNING_TOKEN", "key-123")
    save(pattern(120, 90), tmp_path / "portfolio" / "harbour.png")
    shard = planted_dataset(tmp_path / "planted.parquet")
    with TrainTrace.open(paths) as app:
        app.set_profile(Profile(name="Ada Okonkwo-Lindqvist", domains=(DOMAIN,)))
        app.add_dataset("planted", sources=[str(shard)], mappings=DATASET_MAPPINGS)
        app.configure_source("spawning", {"url": serve_spawning(server)})
        app.set_auto_sources(["spawning"])
    assert server.recorded == []
    gui = make_gui()
    # set to be asked on every check, but never accepted: its "what will be sent" is shown first
    qtbot.waitUntil(lambda: gui.features.consent.dialog_for("spawning") is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    consent = gui.features.consent.dialog_for("spawning")
    assert consent is not None and "<dataset URL of a match>" in consent.shape.toPlainText()
    with qtbot.waitSignal(gui.tools.consent_accepted):  # type: ignore[attr-defined]
        consent.accept_button.click()
    assert server.recorded == []

    with qtbot.waitSignal(gui.controller.check_finished, timeout=TIMEOUT_MS) as done:  # type: ignore[attr-defined]
        drop(gui.window.drop_zone, [tmp_path / "portfolio"])

    (request,) = server.recorded
    assert request.method == "POST" and request.headers["Authorization"] == "API key-123"
    assert request.body.decode("utf-8").split("\n") == [PLANTED_URL, PLANTED_URL]
    result: CheckResult = done.args[0]
    assert [(s.source_id, s.status, s.coverage) for s in result.sources] == [("spawning", "ok", "full")]
    assert "spawning: answers (full coverage)" in gui.window.statusBar().currentMessage()
    (url_match,) = [m for m in result.matches if m.kind == "url"]
    assert url_match.url == PLANTED_URL and url_match.opted_out == "yes"

    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: any(row.match_id == url_match.id for row in gui.window.model.rows())
    )
    (row,) = [row for row in gui.window.model.rows() if row.match_id == url_match.id]
    select_key(gui, row.key)
    qtbot.waitUntil(lambda: gui.window.compare.opted_out.text().startswith("yes"))  # type: ignore[attr-defined]
    act = gui.window.compare.act
    qtbot.waitUntil(lambda: bool(act.route_titles()))  # type: ignore[attr-defined]
    titles = act.route_titles()
    assert "Spawning Do-Not-Train entry for this URL (registry: opted out yes)" in titles
    assert "Art. 4(3) reservation notice" in titles and not any("Notice to the host" in t for t in titles)
    act.routes.setCurrentIndex(titles.index("Spawning Do-Not-Train entry for this URL (registry: opted out yes)"))
    assert PLANTED_URL in act.preview.toPlainText() and act.copy.isEnabled()
    assert act.state.text() == "spawning-do-not-train.txt: not generated yet"
