"""The guided first run (issue 14, item 4) and the "what will be sent" acceptance (issue 11, item 5), in the app.

Each test drives the real window on a real catalogue in the test's data folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from PySide6.QtCore import QObject, Signal

from core.app import TrainTrace
from core.datasets.descriptors import builtin_descriptors
from core.paths import AppPaths
from core.profile import Profile
from core.resources import sample_datasets
from core.settings import Settings
from gui.app import DEMO_SUFFIX
from gui.dialogs.setup_guide import DATASETS, FOLDER, PROFILE, SOURCES, WELCOME, SetupGuide
from gui.features import LongTaskQueue
from gui.state import UiState
from tests.gui.conftest import GuiFactory

TIMEOUT_MS = 60_000
ROOT = Path(__file__).resolve().parents[2]
DATASETTE = {"url": "http://127.0.0.1:9/", "table": "db/rows"}
WAIT_MS = 30_000  # generous: the machine may be busy


def step_texts(guide: SetupGuide) -> list[str]:
    return [guide.steps.text(index) for index in range(5)]


def open_guide(qtbot: object, make_gui: GuiFactory, start_at: int = PROFILE) -> tuple[object, SetupGuide]:
    gui = make_gui()
    guide = gui.features.open_guide(start_at)
    qtbot.waitUntil(lambda: "○" in step_texts(guide)[1] or "✓" in step_texts(guide)[1], timeout=WAIT_MS)  # type: ignore[attr-defined]
    return gui, guide


def test_every_step_can_be_skipped_and_nothing_is_saved(qtbot: object, make_gui: GuiFactory, paths: AppPaths) -> None:
    gui, guide = open_guide(qtbot, make_gui, WELCOME)
    assert guide.pages.currentIndex() == WELCOME and not guide.skip.isVisible()
    guide.set_up.click()
    for expected in (PROFILE, DATASETS, SOURCES, FOLDER):
        assert guide.pages.currentIndex() == expected
        guide.skip.click()
    assert guide.result() == guide.DialogCode.Accepted and gui.features.guide is None
    assert UiState.in_folder(paths.config_dir).first_run_done
    with TrainTrace.open(paths) as facade:
        assert facade.profile().is_empty and not facade.datasets() and facade.auto_sources() == []


def test_the_step_list_says_where_each_step_really_stands(qtbot: object, make_gui: GuiFactory) -> None:
    gui, guide = open_guide(qtbot, make_gui)
    profile, datasets, sources, works = step_texts(guide)[1:]
    assert "○ not set: your names and sites are not searched" in profile
    assert "○ none added: no dataset is searched yet" in datasets
    assert "– none asked (optional" in sources and "○ no works checked yet" in works
    guide.profile_form.name.setText("Ada Okonkwo-Lindqvist")
    guide.profile_form.lists["domains"].setPlainText("okonkwo-lindqvist.art")
    assert guide.next.text() == "Save and continue"
    with qtbot.waitSignal(gui.controller.profile_saved):  # type: ignore[attr-defined]
        guide.next.click()
    assert guide.pages.currentIndex() == DATASETS
    qtbot.waitUntil(lambda: "✓ 1 name, 1 site" in step_texts(guide)[1], timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_the_guide_reopened_from_the_menu_shows_the_real_state(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths, portfolio: Path
) -> None:
    dataset_id, schema, file = sample_datasets()[0]
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist", handles=("@ada.ok",)))
        facade.add_dataset(dataset_id, schema=schema, sources=[str(file)])
        facade.scan([portfolio])
    gui = make_gui()
    gui.features.actions["setup"].trigger()
    guide = gui.features.guide
    assert guide is not None and guide.pages.currentIndex() == PROFILE
    qtbot.waitUntil(lambda: "✓" in step_texts(guide)[2], timeout=WAIT_MS)  # type: ignore[attr-defined]
    texts = step_texts(guide)
    assert "✓ 1 name, 1 handle" in texts[1] and f"{dataset_id}" in texts[2] and "(full)" in texts[2]
    assert "✓ 6 works in the catalogue" in texts[4]
    assert guide.profile_form.name.text() == "Ada Okonkwo-Lindqvist"  # the stored profile, not an empty form
    assert guide.added.text().startswith("Searched now: ") and "3,000 rows" in guide.added.text()


def test_the_datasets_step_lists_every_known_dataset_with_rows_and_disk(
    qtbot: object, make_gui: GuiFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    gui, guide = open_guide(qtbot, make_gui, DATASETS)
    qtbot.waitUntil(lambda: guide.known.topLevelItemCount() > 0, timeout=WAIT_MS)  # type: ignore[attr-defined]
    rows = {
        guide.known.topLevelItem(i).data(0, 256): [guide.known.topLevelItem(i).text(c) for c in range(5)]  # type: ignore[union-attr]
        for i in range(guide.known.topLevelItemCount())
    }
    assert set(rows) == set(builtin_descriptors())
    assert rows["coyo-700m"][:4] == ["COYO-700M", "746,972,269", "not measured", "5.6 GB"]
    guide.known.setCurrentItem(guide.known.topLevelItem(0))
    assert "Disk: about 5.6 GB once added" in guide.dataset_details.toPlainText()
    started: list[str] = []
    monkeypatch.setattr(gui.controller, "add_dataset", lambda d, _s, _f: started.append(d) or True)
    for position in range(guide.known.topLevelItemCount()):
        item = guide.known.topLevelItem(position)
        if item is not None and item.data(0, 256) in ("datacomp-small", "cc12m"):
            item.setCheckState(0, item.checkState(0).Checked)
    assert guide.next.text() == "Add 2 and continue"
    guide.next.click()
    assert guide.pages.currentIndex() == SOURCES
    qtbot.waitUntil(lambda: len(started) == 2, timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert started == ["datacomp-small", "cc12m"]  # in the table's order, one after the other


class FakeController(QObject):
    busy_changed = Signal(bool)
    cancelled = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.started: list[str] = []

    def start(self, what: str) -> bool:
        if self.busy:
            return False
        self.busy = True
        self.started.append(what)
        self.busy_changed.emit(True)
        return True

    def finish(self) -> None:
        self.busy = False
        self.busy_changed.emit(False)


def test_long_tasks_the_guide_asks_for_run_one_after_the_other(qtbot: object) -> None:
    controller = FakeController()
    queue = LongTaskQueue(controller)  # type: ignore[arg-type]
    for what in ("add a", "add b", "check"):
        queue.add(what, lambda what=what: controller.start(what))
    assert controller.started == ["add a"] and queue.waiting() == ["add b", "check"]
    controller.finish()
    qtbot.waitUntil(lambda: controller.started == ["add a", "add b"], timeout=WAIT_MS)  # type: ignore[attr-defined]
    controller.cancelled.emit("Importing b")  # a cancel drops what was lined up
    controller.finish()
    qtbot.wait(50)  # type: ignore[attr-defined]
    assert controller.started == ["add a", "add b"] and queue.waiting() == []


def test_the_sources_step_asks_a_source_only_once_its_preview_is_accepted(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths
) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        facade.configure_source("datasette", DATASETTE)
    gui, guide = open_guide(qtbot, make_gui, SOURCES)
    qtbot.waitUntil(lambda: guide.sources.topLevelItemCount() >= 4, timeout=WAIT_MS)  # type: ignore[attr-defined]
    row = next(
        i for i in range(guide.sources.topLevelItemCount()) if guide.sources.topLevelItem(i).data(0, 256) == "datasette"
    )  # type: ignore[union-attr]
    guide.sources.setCurrentItem(guide.sources.topLevelItem(row))
    assert guide.ask_always.isEnabled()
    guide.ask_always.click()
    qtbot.waitUntil(lambda: guide.consent.dialog_for("datasette") is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    dialog = guide.consent.dialog_for("datasette")
    assert dialog is not None and "Nothing has been sent to it yet" in dialog.intro.text()
    assert "_search=Ada" in dialog.now.toPlainText() and "Never sent" in "".join(
        label.text() for label in dialog.findChildren(type(dialog.intro))
    )
    with qtbot.waitSignal(gui.tools.consent_accepted):  # type: ignore[attr-defined]
        dialog.accept_button.click()
    qtbot.waitUntil(lambda: "Datasette instance asked on every check" in step_texts(guide)[3], timeout=WAIT_MS)  # type: ignore[attr-defined]
    with TrainTrace.open(paths) as facade:
        assert facade.auto_sources() == ["datasette"]


def accepted(paths: AppPaths) -> None:
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist"))
        facade.configure_source("datasette", DATASETTE)
        facade.accept_source_preview("datasette", facade.source_consent("datasette").fingerprint)
        facade.set_auto_sources(["datasette"])


def test_a_later_change_of_what_would_be_sent_asks_again(qtbot: object, make_gui: GuiFactory, paths: AppPaths) -> None:
    accepted(paths)
    gui = make_gui()
    qtbot.wait(500)  # type: ignore[attr-defined]
    assert gui.features.consent.dialog_for("datasette") is None  # accepted as it is: nothing to ask
    with qtbot.waitSignal(gui.controller.profile_saved):  # type: ignore[attr-defined]
        gui.controller.save_profile(Profile(name="Ada Okonkwo-Lindqvist", aliases=("Ada Lindqvist",)))
    qtbot.waitUntil(lambda: gui.features.consent.dialog_for("datasette") is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    dialog = gui.features.consent.dialog_for("datasette")
    assert dialog is not None and "has changed since you accepted it" in dialog.intro.text()
    assert "+ GET http://127.0.0.1:9/db/rows.json?_search=Ada+Lindqvist" in dialog.shape.toPlainText()
    assert dialog.accept_button.text() == "Accept the change"
    with TrainTrace.open(paths) as facade:
        assert facade.auto_sources() == []  # not asked while the change waits for the user
    with qtbot.waitSignal(gui.tools.consent_accepted):  # type: ignore[attr-defined]
        dialog.accept_button.click()
    with TrainTrace.open(paths) as facade:
        assert facade.auto_sources() == ["datasette"]


def test_stopping_a_changed_source_removes_it_from_every_check(
    qtbot: object, make_gui: GuiFactory, paths: AppPaths
) -> None:
    accepted(paths)
    with TrainTrace.open(paths) as facade:
        facade.set_profile(Profile(name="Ada O. Lindqvist"))  # changed before the app starts: asked at start-up
    gui = make_gui()
    qtbot.waitUntil(lambda: gui.features.consent.dialog_for("datasette") is not None, timeout=WAIT_MS)  # type: ignore[attr-defined]
    dialog = gui.features.consent.dialog_for("datasette")
    assert dialog is not None and dialog.decline_button.text() == "Stop asking it"
    dialog.decline_button.click()
    qtbot.waitUntil(lambda: Settings.load(paths.settings_file).check.ask_sources == "", timeout=WAIT_MS)  # type: ignore[attr-defined]
    with TrainTrace.open(paths) as facade:
        assert facade.settings.check.ask_sources == "" and facade.pending_consents() == []


def test_the_folder_step_checks_the_folder(qtbot: object, make_gui: GuiFactory, portfolio: Path) -> None:
    gui, guide = open_guide(qtbot, make_gui, FOLDER)
    qtbot.waitUntil(lambda: "No dataset is added" in guide.missing.text(), timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert "Your profile is empty" in guide.missing.text()
    assert guide.missing.text().startswith("A check started now:\n• reads and fingerprints your images here")
    assert guide.next.text() == "Finish"
    guide.folder.setText(str(portfolio))
    assert guide.next.text() == "Check this folder"
    with qtbot.waitSignal(gui.controller.check_finished, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        guide.next.click()
    qtbot.waitUntil(lambda: gui.window.model.rowCount() == 6, timeout=WAIT_MS)  # type: ignore[attr-defined]


RUN_SCRIPT = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from core.paths import AppPaths
from gui.app import DEMO_SUFFIX, quit_everything, run
from gui.dialogs.setup_guide import SetupGuide
from gui.main_window import MainWindow

seen = {}

def visible(kind, test=lambda w: True):
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible() and test(w)), None)

def poll(condition, then, ticks=[0]):
    found = condition()
    if found:
        then(found)
    elif ticks[0] > 1200:
        quit_everything(QApplication.instance())
    else:
        ticks[0] += 1
        QTimer.singleShot(50, lambda: poll(condition, then))

def in_demo(window):
    seen["title"] = window.windowTitle()
    quit_everything(QApplication.instance())

def welcome(guide):
    seen["page"] = guide.pages.currentIndex()
    guide.sample.click()
    poll(lambda: visible(MainWindow, lambda w: DEMO_SUFFIX in w.windowTitle()), in_demo)

def notice(box):
    seen["notice"] = box.text() + "\\n" + box.informativeText()
    quit_everything(QApplication.instance())

home, roots = Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
app = QApplication(sys.argv[:1])
if roots:
    QTimer.singleShot(50, lambda: poll(lambda: visible(QMessageBox), notice))
else:
    QTimer.singleShot(50, lambda: poll(lambda: visible(SetupGuide), welcome))
seen["code"] = run(AppPaths.resolve(home), roots)
print(json.dumps(seen))
"""


def run_app(home: Path, *roots: Path) -> dict[str, object]:
    """The app's own start (gui.app.run) in a process of its own, driven by timers; what it saw, as JSON."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", RUN_SCRIPT, str(home), *map(str, roots)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=240)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.integration
def test_the_very_first_start_opens_the_guide_and_the_sample_switches_to_the_demo(paths: AppPaths) -> None:
    seen = run_app(paths.data_dir)
    assert seen == {"page": WELCOME, "title": f"TrainTrace{DEMO_SUFFIX}", "code": 0}
    assert UiState.in_folder(paths.config_dir).first_run_done


@pytest.mark.integration
def test_paths_on_the_command_line_are_checked_and_what_is_missing_is_said(paths: AppPaths, portfolio: Path) -> None:
    seen = run_app(paths.data_dir, portfolio)
    text = str(seen["notice"])
    assert seen["code"] == 0 and text.startswith(f"Checking {portfolio.name} now.")
    assert "No dataset is added" in text and "Your profile is empty" in text
