"""Compare panel, hash bits, scan panel text, thumbnails, progress throttling and UI state."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from core.progress import ProgressUpdate
from gui.compare_panel import web_url
from gui.controller import ThrottledListener
from gui.hash_bits import differing_bits, parse_hash64
from gui.scan_panel import describe, format_duration
from gui.state import MAX_RECENT, UiState
from gui.thumbnails import ThumbnailCache, decode_scaled
from gui.workers import Workers
from tests.imagefactory import pattern, save


def test_only_absolute_web_urls_open() -> None:
    assert web_url("https://cdn.example.org/a.jpg?w=1") is not None
    for hostile in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x.org/a", "not a url", "https://", ""):
        assert web_url(hostile) is None, hostile


def test_hash_bits() -> None:
    assert parse_hash64("b4964b6bb4b4294b") == 0xB4964B6BB4B4294B
    assert parse_hash64("b4964b6bb4b4294") is None and parse_hash64("<script>") is None
    assert differing_bits(0, 1) == [63] and differing_bits(1 << 63, 0) == [0]
    assert len(differing_bits(0, (1 << 64) - 1)) == 64


def test_progress_text() -> None:
    update = ProgressUpdate(0.5, "Fingerprinting", "a.png", 12, 340, 35.25, 9.4)
    assert describe(update) == "12 of 340 files · 35.2 files/s · about 9 s left"
    assert describe(ProgressUpdate(0.0, "Finding images", "", 0, None, None, None)) == "0 files"
    assert format_duration(3725) == "1 h 02 min" and format_duration(75) == "1 min 15 s"


def test_progress_is_throttled_but_the_last_update_is_never_lost() -> None:
    now = [0.0]
    sent: list[int] = []
    listener = ThrottledListener(lambda update: sent.append(update.done), interval=0.1, clock=lambda: now[0])
    for done in range(1, 1001):  # 1000 updates over one second
        now[0] = done / 1000
        listener(ProgressUpdate(done / 1000, "s", "", done, 1000, None, None))
    listener.flush()
    assert 9 <= len(sent) <= 12  # about ten a second
    assert sent[-1] == 1000


def test_thumbnails_are_decoded_off_the_ui_thread_at_device_size(qtbot: object, tmp_path: Path) -> None:
    big = save(pattern(1600, 900, seed=3), tmp_path / "big.jpg", quality=90)
    image = decode_scaled(str(big), 96)
    assert (image.width(), image.height()) == (96, 54)
    workers = Workers()
    cache = ThumbnailCache(workers, 48, lambda: 2.0, capacity=1)
    try:
        assert cache.get(str(big)) is None  # scheduled, not decoded on this thread
        with qtbot.waitSignal(cache.ready) as ready:  # type: ignore[attr-defined]
            pass
        assert ready.args == [str(big)]
        pixmap = cache.get(str(big))
        assert pixmap is not None and pixmap.devicePixelRatio() == 2.0 and pixmap.width() == 96
        other = save(pattern(200, 200, seed=4), tmp_path / "other.png")
        cache.get(str(other))
        qtbot.waitSignal(cache.ready).wait()  # type: ignore[attr-defined]
        assert len(cache) == 1  # least recently used evicted
        with qtbot.waitSignal(cache.failed):  # type: ignore[attr-defined]
            cache.get(str(tmp_path / "missing.png"))
    finally:
        workers.shutdown()


def test_ui_state_keeps_recent_folders_most_recent_first(tmp_path: Path) -> None:
    state = UiState.in_folder(tmp_path)
    for number in range(MAX_RECENT + 2):
        state.add_recent_folder(tmp_path / f"f{number}")
    state.add_recent_folder(tmp_path / "f3")
    state.sync()
    again = UiState.in_folder(tmp_path)
    folders = again.recent_folders()
    assert folders[0] == str(tmp_path / "f3") and len(folders) == MAX_RECENT
    assert len(set(folders)) == MAX_RECENT
    assert not again.first_run_done
    again.mark_first_run_done()
    assert UiState.in_folder(tmp_path).first_run_done


def test_compare_panel_shows_dataset_text_only_as_plain_text(qtbot: object) -> None:
    from PySide6.QtWidgets import QLabel

    from gui.compare_panel import ComparePanel
    from gui.review_rows import build_rows
    from tests.gui.test_models import match

    hostile = match(5, None, "text", None, 0.5, caption="<img src=x onerror=alert(1)>", url="javascript:alert(1)")
    workers = Workers()
    try:
        panel = ComparePanel(ThumbnailCache(workers, 64, lambda: 1.0))
        qtbot.addWidget(panel)  # type: ignore[attr-defined]
        panel.show_row(build_rows([], [hostile])[0], hostile, None)
        assert panel.caption.toPlainText() == "<img src=x onerror=alert(1)>"
        assert not panel.open_url.isEnabled()  # a javascript: URL is never offered to the browser
        data_labels = [label for label in panel.findChildren(QLabel) if label.accessibleName()]
        assert len(data_labels) >= 6
        assert all(label.textFormat() == Qt.TextFormat.PlainText for label in data_labels)
    finally:
        workers.shutdown()
