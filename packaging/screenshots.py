"""Take the documentation screenshots from the real app window (run under Xvfb, see below).

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1400x900x24" python packaging/screenshots.py docs/screenshots
    QT_SCALE_FACTOR=2 PYTHONPATH=. xvfb-run -a -s "-screen 0 2800x1800x24" python packaging/screenshots.py \
        docs/screenshots --only guide --suffix @2x

Uses throwaway data folders. On an empty catalogue, as a new user meets it: the set-up guide's steps (welcome,
profile, datasets, sources with the "what will be sent" preview, folder), the notice a check started from the
command line gets when something is missing, and an error with its details folded away. On the demo catalogue
(real import, scan and matching of the bundled samples): the empty window (its verdict: nothing searched yet, and
the next steps), a scan in progress, the works with their matches and the compare panel, a caption naming the
artist, several matches acted on at once, the works as a grid, the keyboard shortcuts, the dataset manager with
the known datasets, the remote sources, the site check, the tagging page with its before/after metadata and the
opt-out pack's preview. Every shot is taken in the light
and the dark palette (gui.theme). Look at every PNG after running it.
"""

from __future__ import annotations

import argparse
import email.message
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QWidget

from core.app import TrainTrace
from core.optout.site_check import check_site
from core.paths import AppPaths
from core.progress import ProgressUpdate
from core.secrets import SecretStoreError
from gui.app import DEMO_SUFFIX, Gui, build, create_application
from gui.dialogs.datasets_dialog import DatasetsDialog
from gui.dialogs.setup_guide import FOLDER, PROFILE, SOURCES
from gui.dialogs.shortcuts_dialog import ShortcutsDialog
from gui.dialogs.sources_dialog import SourcesDialog
from gui.fonts import install_fonts
from gui.main_window import MainWindow
from gui.pages.pack_preview import PackPreviewPage
from gui.pages.site_check import SiteCheckPage
from gui.pages.tagging import TaggingPage
from gui.state import UiState
from gui.theme import Scheme, apply_theme

WINDOW_SIZE = (1320, 820)
SITE = "https://okonkwo-lindqvist.art/"
KEYRING_ERROR = (
    "the system keyring refused the token: Cannot create an item in a locked collection; unlock your keyring "
    "(GNOME Keyring, KWallet) and save again, or set TRAINTRACE_SPAWNING_TOKEN"
)


def settle(milliseconds: int = 300) -> None:
    """Run the event loop for a while (painting, queued results) without busy-waiting."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        settle(50)


def shoot(widget: QWidget, target: Path) -> None:
    settle()
    if not widget.grab().save(str(target)):
        raise OSError(f"could not write {target}")
    print(f"wrote {target}")


# --- the set-up guide on an empty catalogue --------------------------------------------------------------
def guide_shots(out: Path, suffix: str) -> None:
    home = Path(tempfile.mkdtemp(prefix="traintrace-shots-"))
    paths = AppPaths.resolve(home)
    gui = build(TrainTrace.open(paths), UiState.in_folder(paths.config_dir))
    window = gui.window
    window.resize(*WINDOW_SIZE)
    window.show()
    gui.controller.refresh()
    guide = gui.features.first_run()
    wait_for(lambda: guide.known.topLevelItemCount() > 0)
    shoot(guide, out / f"guide-1-welcome{suffix}.png")

    guide.go(PROFILE)
    form = guide.profile_form
    form.name.setText("Ada Okonkwo-Lindqvist")
    form.lists["handles"].setPlainText("@ada.ok")
    form.lists["domains"].setPlainText("okonkwo-lindqvist.art")
    form.lists["url_prefixes"].setPlainText("https://www.artstation.com/adaok/")
    shoot(guide, out / f"guide-2-profile{suffix}.png")
    with_signal(gui.controller.profile_saved, guide.next.click)

    wait_for(lambda: guide.known.topLevelItemCount() > 0)
    for row in range(guide.known.topLevelItemCount()):
        item = guide.known.topLevelItem(row)
        if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == "datacomp-small":
            item.setCheckState(0, Qt.CheckState.Checked)
            guide.known.setCurrentItem(item)
    shoot(guide, out / f"guide-3-datasets{suffix}.png")

    gui.controller.configure_source("datasette", {"url": "https://datasette.example.org/", "table": "laion/rows"}, None)
    guide.go(SOURCES)
    wait_for(lambda: guide.sources.topLevelItemCount() > 0 and "ready" in all_text(guide.sources, 2))
    select_source(guide, "datasette")
    shoot(guide, out / f"guide-4-sources{suffix}.png")
    guide.ask_always.click()
    wait_for(lambda: guide.consent.dialog_for("datasette") is not None)
    consent = guide.consent.dialog_for("datasette")
    assert consent is not None
    shoot(consent, out / f"consent{suffix}.png")
    with_signal(gui.tools.consent_accepted, consent.accept_button.click)

    guide.go(FOLDER)
    guide.folder.setText(str(Path.home() / "Pictures" / "Portfolio 2025"))
    settle(500)
    shoot(guide, out / f"guide-5-folder{suffix}.png")
    guide.reject()

    wait_for(lambda: gui.features._status is not None)
    status = gui.features._status
    assert status is not None
    box = gui.features.missing_notice([Path.home() / "Pictures" / "Portfolio 2025"], status.missing())
    shoot(box, out / f"missing-notice{suffix}.png")
    box.close()

    error = SecretStoreError(KEYRING_ERROR)
    try:
        raise error
    except SecretStoreError:
        details = traceback.format_exc()
    window.show_error("Saving the source settings", error, details)
    dialog = window.open_dialogs()[-1]
    shoot(dialog, out / f"error{suffix}.png")
    dialog.close()
    window.close()
    gui.close()


def with_signal(signal: object, action: Callable[[], object], seconds: float = 30) -> None:
    fired: list[object] = []
    signal.connect(lambda *args: fired.append(args))  # type: ignore[attr-defined]
    action()
    wait_for(lambda: bool(fired), seconds)


def all_text(tree: object, column: int) -> str:
    return " ".join(tree.topLevelItem(i).text(column) for i in range(tree.topLevelItemCount()))  # type: ignore[attr-defined]


def select_source(guide: object, source_id: str) -> None:
    tree = guide.sources  # type: ignore[attr-defined]
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        if item.data(0, Qt.ItemDataRole.UserRole) == source_id:
            tree.setCurrentItem(item)


# --- the demo catalogue: review window and the Act pages -------------------------------------------------
def demo_and_results(gui: Gui, out: Path, suffix: str) -> None:
    """Run the first-run demo (real import, scan and matching of the samples), shooting it mid-scan and done."""
    window = gui.window
    shot_taken: list[bool] = []

    def on_progress(update: ProgressUpdate) -> None:
        if not shot_taken and update.done >= 3 and update.step == "Fingerprinting":
            shot_taken.append(True)
            shoot(window, out / f"scanning{suffix}.png")

    gui.controller.scan_progress.connect(on_progress)
    matched: list[object] = []
    gui.controller.matching_finished.connect(matched.append)
    window.start_demo()  # the core supplies the sample artist, datasets and portfolio
    wait_for(lambda: bool(matched), seconds=180)
    wait_for(lambda: any(row.kind == "phash" for row in window.model.rows()))
    gui.controller.scan_progress.disconnect(on_progress)
    wait_for(lambda: window.verdict.summary is not None and window.verdict.summary.searched_anything)
    # a look-alike found through a variant (the work padded to a shape), so the drawing of what the row says shows it
    lookalike = next(row for row in window.model.rows() if row.kind == "phash" and "padded" in row.closeness)
    select(window, lookalike.key)
    settle(1500)  # thumbnails and the preview decode on workers
    shoot(window, out / f"results{suffix}.png")
    profile_and_many(gui, out, suffix)


def select(window: MainWindow, *keys: str) -> None:
    """Select rows by key (the first one current), as a click and Ctrl+clicks would."""
    from PySide6.QtCore import QItemSelectionModel

    selection = window.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    for key in keys:
        index = window.proxy.mapFromSource(window.model.index_for_key(key))
        selection.setCurrentIndex(index, flags)
        window.table.scrollTo(index)
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    window.table.setFocus()


def profile_and_many(gui: Gui, out: Path, suffix: str) -> None:
    """A caption match under "Your name and site" with the name highlighted, then several LAION matches selected
    and acted on at once."""
    window = gui.window
    caption = next(row for row in window.model.rows() if row.kind == "text" and row.caption_spans)
    select(window, caption.key)
    settle(1200)
    shoot(window, out / f"names{suffix}.png")
    laion = [row.key for row in window.model.rows() if row.match_id is not None and row.dataset == "laion-sample"]
    select(window, *laion[:3])
    wait_for(lambda: len(window.compare.act.match_ids) == 3 and bool(window.compare.act.route_titles()))
    act = window.compare.act
    titles = act.route_titles()
    act.routes.setCurrentIndex(next(i for i, title in enumerate(titles) if title.startswith("LAION")))
    window.compare.parentWidget().parentWidget().ensureWidgetVisible(act)  # type: ignore[attr-defined]
    settle(800)
    shoot(window, out / f"act-many{suffix}.png")
    window.grid_action.setChecked(True)  # the works as a grid, the chosen one's matches below
    window.compare.parentWidget().parentWidget().ensureWidgetVisible(window.compare.title)  # type: ignore[attr-defined]
    settle(1500)
    shoot(window, out / f"grid{suffix}.png")
    window.grid_action.setChecked(False)


def dataset_manager(gui: Gui, out: Path, suffix: str) -> None:
    gui.window.feature_actions["datasets"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, DatasetsDialog))
    wait_for(lambda: dialog.list.topLevelItemCount() > 0 and dialog.known.topLevelItemCount() > 0)
    dialog.list.setCurrentItem(dialog.list.topLevelItem(0))
    shoot(dialog, out / f"datasets{suffix}.png")
    dialog.close()


def sources_dialog(gui: Gui, out: Path, suffix: str) -> None:
    gui.window.feature_actions["sources"].trigger()
    dialog = next(d for d in gui.window.open_dialogs() if isinstance(d, SourcesDialog))
    wait_for(lambda: dialog.list.count() >= 4)
    dialog.list.setCurrentRow(1)
    shoot(dialog, out / f"sources{suffix}.png")
    dialog.close()


class CannedSite(HTTPAdapter):
    """An artist's site as a crawler would find it: robots.txt blocking some AI crawlers, no ai.txt, an image
    without the X-Robots-Tag header. Served in-process, so the shot needs no network."""

    PAGES = {
        "/robots.txt": ("text/plain", "User-agent: GPTBot\nDisallow: /\n\nUser-agent: CCBot\nDisallow: /\n"),
        "/": ("text/html", '<html><head><meta name="robots" content="noai, noimageai"></head><body>Ada</body></html>'),
        "/works/harbour-at-dusk.jpg": ("image/jpeg", "\xff\xd8\xff"),
    }

    def send(self, request: requests.PreparedRequest, **_kwargs: object) -> requests.Response:
        path = requests.utils.urlparse(request.url or "").path or "/"
        response = requests.Response()
        response.url = request.url or ""
        response.request = request
        found = self.PAGES.get(path)
        response.status_code = 200 if found else 404
        headers = email.message.Message()
        headers["Content-Type"] = found[0] if found else "text/plain"
        response.headers = requests.structures.CaseInsensitiveDict(dict(headers.items()))
        response.raw = _Body((found[1] if found else "not found").encode("latin-1"))
        return response


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, amount: int = -1, **_kwargs: object) -> bytes:
        chunk, self._data = (self._data, b"") if amount < 0 else (self._data[:amount], self._data[amount:])
        return chunk

    def stream(self, amount: int = 65536, **_kwargs: object) -> object:
        while self._data:
            yield self.read(amount)

    def close(self) -> None:
        pass


def site_check_page(gui: Gui, out: Path, suffix: str) -> None:
    session = requests.Session()
    session.mount("https://", CannedSite())
    report = check_site(SITE, session, image_urls=[f"{SITE}works/harbour-at-dusk.jpg"])
    gui.features.open_site_check()
    page = next(d for d in gui.window.open_dialogs() if isinstance(d, SiteCheckPage))
    page.site.setText(SITE)
    page.images.setPlainText(f"{SITE}works/harbour-at-dusk.jpg")
    page.show_report(report)
    row = next(i for i, r in enumerate(report.results) if r.status.name in ("MISSING", "WRONG"))
    page.results.setCurrentItem(page.results.topLevelItem(row))
    shoot(page, out / f"site-check{suffix}.png")
    page.close()


def tagging_page(gui: Gui, out: Path, suffix: str) -> None:
    gui.features.open_tagging()
    page = next(d for d in gui.window.open_dialogs() if isinstance(d, TaggingPage))
    wait_for(lambda: page.works.count() > 0)
    wanted = {"harbour-at-dusk.jpg", "night-horse.png", "moss-and-gravel.webp", "brick-lane-study.bmp"}
    for row in range(page.works.count()):
        item = page.works.item(row)
        if item.text() in wanted:
            item.setCheckState(Qt.CheckState.Checked)
    page.out.set_path(Path(tempfile.mkdtemp(prefix="traintrace-shots-tagged-")) / "tagged-copies")
    with_signal(gui.tools.tagged, page.start)
    settle(500)
    shoot(page, out / f"tagging{suffix}.png")
    page.close()


def pack_preview(gui: Gui, out: Path, suffix: str) -> None:
    candidates = [row.match_id for row in gui.window.model.rows() if row.match_id is not None and row.kind in
                  ("phash", "url")][:4]  # fmt: skip
    with_signal(gui.controller.decided, lambda: gui.controller.decide(candidates, "confirmed"))
    gui.features.open_pack()
    page = next(d for d in gui.window.open_dialogs() if isinstance(d, PackPreviewPage))
    page.out.set_path(Path(tempfile.mkdtemp(prefix="traintrace-shots-pack-")) / "opt-out-pack")
    with_signal(gui.tools.pack_previewed, page.ask_preview)
    letters = page.files.topLevelItem(1)
    if letters is not None and letters.childCount() > 2:
        page.files.setCurrentItem(letters.child(2))
    shoot(page, out / f"pack-preview{suffix}.png")
    page.close()


def demo_shots(out: Path, suffix: str) -> None:
    demo = AppPaths.resolve(Path(tempfile.mkdtemp(prefix="traintrace-shots-"))).for_demo()
    gui = build(TrainTrace.open(demo), UiState.in_folder(demo.config_dir), DEMO_SUFFIX)
    gui.window.resize(*WINDOW_SIZE)
    gui.window.show()
    gui.controller.refresh()
    wait_for(lambda verdict=gui.window.verdict: verdict.summary is not None)  # type: ignore[misc]
    shoot(gui.window, out / f"empty{suffix}.png")
    demo_and_results(gui, out, suffix)
    dataset_manager(gui, out, suffix)
    sources_dialog(gui, out, suffix)
    site_check_page(gui, out, suffix)
    tagging_page(gui, out, suffix)
    pack_preview(gui, out, suffix)
    if not suffix:
        gui.window.show_shortcuts()
        shortcuts = next(d for d in gui.window.open_dialogs() if isinstance(d, ShortcutsDialog))
        shoot(shortcuts, out / "shortcuts.png")
        shortcuts.close()
    gui.window.close()
    gui.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default="docs/screenshots")
    parser.add_argument("--only", choices=("guide", "demo"), help="take only these shots")
    parser.add_argument("--suffix", default="", help="added to every file name (e.g. @2x)")
    parser.add_argument("--light-only", action="store_true")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ["TRAINTRACE_HOME"] = tempfile.mkdtemp(prefix="traintrace-shots-")
    os.environ.pop("TRAINTRACE_SPAWNING_TOKEN", None)
    app = create_application(sys.argv[:1])
    install_fonts(app)
    schemes = [("", Scheme.LIGHT)] + ([] if args.light_only else [("-dark", Scheme.DARK)])
    for scheme_suffix, scheme in schemes:
        apply_theme(app, scheme)
        suffix = scheme_suffix + args.suffix
        if args.only in (None, "guide"):
            guide_shots(out, suffix)
        if args.only in (None, "demo"):
            demo_shots(out, suffix)
    QTimer.singleShot(0, app.quit)
    app.exec()
    sys.stdout.flush()
    os._exit(0)  # every shot is written; skip the interpreter's teardown, where PySide 6.12 may abort (exit 134)


if __name__ == "__main__":
    sys.exit(main())
