"""The rest of the product in the app (issue 14, item 6): the site check, tagging any works with a before/after view
of their metadata, and the opt-out pack previewed before it is written. Real catalogue, real files, real local
servers; the site check goes through the same network guard as `optout check`."""

from __future__ import annotations

import functools
import hashlib
import time
from pathlib import Path

import pytest

from PySide6.QtCore import QTimer

from core.app import TrainTrace
from core.optout.crawlers import load_crawler_list
from core.optout.site_files import generate_site_files
from core.paths import AppPaths
from core.profile import Profile
from gui.pages.pack_preview import PackPreviewPage
from gui.pages.site_check import SiteCheckPage
from gui.pages.tagging import TaggingPage
from tests.gui.conftest import GuiFactory, phash_match, record_matches
from tests.imagefactory import pattern, save
from tests.net.servers import MisbehavingServer, RecordingServer, _recording_server, server  # noqa: F401

TIMEOUT_MS = 30_000
WAIT_MS = 30_000  # generous: the machine may be busy


def open_page(gui: object, kind: type) -> object:
    return next(d for d in gui.window.open_dialogs() if isinstance(d, kind))  # type: ignore[attr-defined]


def allow_loopback(gui: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The local test server is on 127.0.0.1, which the guard refuses for a real site: allowed here only."""
    facade = gui.facade  # type: ignore[attr-defined]
    monkeypatch.setattr(facade, "check_site", functools.partial(facade.check_site, allow_loopback=True))


def test_the_site_check_lists_each_signal_and_prefills_the_artists_site(
    qtbot: object,
    make_gui: GuiFactory,
    paths: AppPaths,
    tmp_path: Path,
    server: RecordingServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada", domains=("okonkwo-lindqvist.art",)))
    generate_site_files(tmp_path / "site", Profile(name="Ada"), tdm_policy_url=None, crawlers=load_crawler_list())
    server.expect_request("/robots.txt").respond_with_data((tmp_path / "site" / "robots.txt").read_text())
    server.expect_request("/").respond_with_data("<html><head></head><body>Ada</body></html>", content_type="text/html")
    for missing in ("/ai.txt", "/.well-known/tdmrep.json"):
        server.expect_request(missing).respond_with_data("not found", status=404)
    gui = make_gui()
    allow_loopback(gui, monkeypatch)
    qtbot.waitUntil(lambda: gui.features._status is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    gui.features.actions["site-check"].trigger()
    page = open_page(gui, SiteCheckPage)
    assert isinstance(page, SiteCheckPage) and page.site.text() == "https://okonkwo-lindqvist.art/"
    page.site.setText(server.url_for("/"))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    with qtbot.waitSignal(gui.tools.site_checked, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        assert page.start()
    timer.stop()
    assert ticks  # the window kept running while the site was fetched (never on the UI thread)
    rows = {page.results.topLevelItem(i).text(0): page.results.topLevelItem(i).text(1)  # type: ignore[union-attr]
            for i in range(page.results.topLevelItemCount())}  # fmt: skip
    assert rows["robots.txt blocks AI crawlers"] == "present" and rows["ai.txt (Spawning)"] == "missing"
    assert "some signals are missing or wrong" in page.verdict.text() and "Opt-out pack" in page.verdict.text()
    page.results.setCurrentItem(page.results.topLevelItem(0))
    assert "All" in page.details.toPlainText() and "AI crawlers are disallowed" in page.details.toPlainText()


def test_the_site_check_is_guarded_and_cancellable(
    qtbot: object, make_gui: GuiFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    gui = make_gui()
    gui.features.open_site_check()
    page = open_page(gui, SiteCheckPage)
    assert isinstance(page, SiteCheckPage)
    page.site.setText("http://127.0.0.1:9/")  # a local address: refused by the guard, as `optout check` does
    with qtbot.waitSignal(gui.tools.site_checked, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        page.start()
    assert "address is local or private" in page.verdict.text()

    allow_loopback(gui, monkeypatch)
    with MisbehavingServer("trickle-body", interval=0.2) as slow:
        page.site.setText(slow.url)
        page.start()
        qtbot.waitUntil(lambda: slow.connections == 1, timeout=WAIT_MS)  # type: ignore[attr-defined]
        assert page.cancel.isEnabled() and not page.check.isEnabled()
        with qtbot.waitSignal(gui.tools.site_check_cancelled, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
            page.cancel.click()  # Cancelled, not a result after the time-outs: stopped during the request
        assert slow.connections == 1
    assert page.verdict.text().startswith("Cancelled") and page.check.isEnabled()


def test_any_work_can_be_tagged_with_its_metadata_before_and_after(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths, tmp_path: Path, portfolio: Path
) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        facade.scan([portfolio])  # no dataset, no match: every work can still be tagged
    extra = tmp_path / "new" / "unpublished.jpg"
    save(pattern(64, 48, seed=9), extra, quality=90)
    originals = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in [*portfolio.glob("*.png"), extra]}
    gui = make_gui()
    gui.features.actions["tag"].trigger()
    page = open_page(gui, TaggingPage)
    assert isinstance(page, TaggingPage)
    qtbot.waitUntil(lambda: page.works.count() == 6, timeout=WAIT_MS)  # type: ignore[attr-defined]
    page.works.item(0).setCheckState(page.works.item(0).checkState().Checked)
    page.add_paths([extra])
    qtbot.waitUntil(lambda: page.metadata.topLevelItemCount() == 2, timeout=WAIT_MS)  # type: ignore[attr-defined]
    before = page.metadata.topLevelItem(0)
    assert before is not None and before.text(2) == "not tagged yet"
    assert before.child(0).text(0) == "Data mining (IPTC)" and before.child(0).text(1) == "not set"  # type: ignore[union-attr]
    out = tmp_path / "tagged"
    page.out.set_path(out)
    assert page.tag.isEnabled()
    with qtbot.waitSignal(gui.tools.tagged, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        page.start()
    for position in range(2):
        item = page.metadata.topLevelItem(position)
        assert item is not None and item.text(2).startswith("tagged copy written")
        mining = item.child(0)
        assert mining is not None and (mining.text(1), mining.text(2)) == ("not set", "DMI-PROHIBITED-AIMLTRAINING")
    assert "2 tagged copies written" in page.state.text() and "originals were not changed" in page.state.text()
    assert sorted(p.name for p in out.iterdir()) == sorted([page.works.item(0).text(), "unpublished.jpg"])
    assert all(hashlib.sha256(path.read_bytes()).hexdigest() == digest for path, digest in originals.items())


def test_the_pack_is_previewed_then_written_and_edits_are_kept(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths, tmp_path: Path, portfolio: Path
) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist", domains=("okonkwo-lindqvist.art",)))
        work = facade.scan([portfolio]).works[0].work
    record_matches(paths, [phash_match(work.id, "777", 2, f"{work.phash:016x}")])
    with TrainTrace.open(paths) as facade:
        facade.decide([facade.matches()[0].id], "confirmed")
    out = tmp_path / "pack"
    (out / "letters").mkdir(parents=True)
    (out / "letters" / "reservation-notice.txt").write_text("my own edited notice\n")
    gui = make_gui()
    gui.window.feature_actions["optout"].trigger()  # the window's Act › Opt-out pack now opens the preview
    page = open_page(gui, PackPreviewPage)
    assert isinstance(page, PackPreviewPage) and not page.write.isEnabled()
    page.out.set_path(out)
    with qtbot.waitSignal(gui.tools.pack_previewed, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        assert page.ask_preview()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "letters",
        "letters/reservation-notice.txt",
    ]  # nothing written by the preview
    outcomes = {f.relative: f.outcome for f in page._preview.files}  # type: ignore[union-attr]
    assert outcomes["letters/reservation-notice.txt.new"] == "yours is kept; ours goes beside it"
    assert (
        outcomes["website/robots.txt"] == "new"
        and outcomes[f"tagged-copies/{Path(work.path).name}"] == "new tagged copy"
    )
    groups = [page.files.topLevelItem(i).text(0) for i in range(page.files.topLevelItemCount())]  # type: ignore[union-attr]
    assert groups == ["Website files", "Letters and lists", "Tagged copies", "What the pack holds"]
    letters = page.files.topLevelItem(1)
    assert letters is not None
    notice = next(
        letters.child(i)
        for i in range(letters.childCount())
        if letters.child(i).text(0).startswith("reservation-notice.txt")
    )  # type: ignore[union-attr]
    page.files.setCurrentItem(notice)
    assert "Ada Okonkwo-Lindqvist" in page.text.toPlainText()
    assert page.write.isEnabled()
    with qtbot.waitSignal(gui.controller.exported, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        page.write.click()
    assert (out / "letters" / "reservation-notice.txt").read_text() == "my own edited notice\n"
    assert (out / "letters" / "reservation-notice.txt.new").exists() and (out / "website" / "robots.txt").exists()
    qtbot.waitUntil(lambda: page.state.text().startswith("The opt-out pack was written to"), timeout=WAIT_MS)  # type: ignore[attr-defined]
