"""Check my website: `traintrace optout check` in the app, signal by signal and URL by URL.

The check fetches only the artist's own site, the way a crawler would, through the core's network guard (public
addresses only, every redirect checked; image addresses on other sites are listed as not checked unless the user
allows them). It runs on a worker, never on the UI thread, and Cancel stops it (the request under way included).
Everything the site sends back is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.optout.site_check import SiteReport, Verdict
from core.optout.site_signals import SignalResult, Status
from core.profile import Profile
from gui.pages.common import heading, paragraph
from gui.theme import accent
from gui.tools_controller import ToolsController

INTRO = (
    "Fetches your website the way a crawler would and tells you, signal by signal, which opt-out signals it "
    "really serves: robots.txt, ai.txt, TDMRep, the X-Robots-Tag header on your images (the one img2dataset "
    "honours) and the meta tags of your home page. Only your site is fetched, at public addresses only."
)
STATUS_COLOURS = {
    Status.PRESENT: "good",
    Status.MISSING: "bad",
    Status.WRONG: "bad",
    Status.UNREACHABLE: "warn",
    Status.NOT_CHECKED: "muted",
}
VERDICT_COLOURS = {
    Verdict.ALL_PRESENT: "good",
    Verdict.MISSING: "bad",
    Verdict.INCOMPLETE: "warn",
    Verdict.UNREACHABLE: "warn",
    Verdict.REFUSED: "warn",
}
VERDICT_ADVICE = {
    Verdict.ALL_PRESENT: "Crawlers that honour these signals are told not to use your works.",
    Verdict.MISSING: "The opt-out pack's website files (Act › Opt-out pack) have what to put where.",
    Verdict.INCOMPLETE: "Look at the signals that could not be checked below.",
    Verdict.UNREACHABLE: "Check the address, or try again later.",
    Verdict.REFUSED: "Give the public address of your site.",
}


def site_from_profile(profile: Profile) -> str:
    """The artist's first domain as a web address, to start from ("" without one)."""
    return f"https://{profile.domains[0]}/" if profile.domains else ""


def describe_result(result: SignalResult) -> str:
    lines = [result.signal.value, f"{result.status.value} — {result.url}", "", result.explanation]
    lines += [f"  {detail}" for detail in result.details]
    return "\n".join(lines)


class SiteCheckPage(QDialog):
    def __init__(self, tools: ToolsController, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check my website")
        self._tools = tools
        self._report: SiteReport | None = None
        self.site = QLineEdit(site_from_profile(profile), self)
        self.site.setAccessibleName("Your website's address")
        self.site.setPlaceholderText("https://your-site.example/")
        self.images = QPlainTextEdit(self)
        self.images.setAccessibleName("Addresses of some of your images, one per line (optional)")
        self.images.setPlaceholderText("Optional: addresses of a few of your images, one per line")
        self.images.setTabChangesFocus(True)
        self.images.setFixedHeight(3 * self.fontMetrics().lineSpacing() + 12)
        self.other_hosts = QCheckBox("Also fetch images and redirects on other sites", self)
        self.other_hosts.setToolTip("Off: only your own site is fetched; addresses elsewhere are listed as not checked")
        self.check = QPushButton("Check", self)
        self.check.setDefault(True)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setEnabled(False)
        self.cancel.setAccessibleName("Cancel the site check")
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setAccessibleName("Verdict")
        self.results = QTreeWidget(self)
        self.results.setHeaderLabels(("Signal", "Status", "Where"))
        self.results.setRootIsDecorated(False)
        self.results.setAccessibleName("Each signal on each address")
        self.results.setWordWrap(False)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("What the selected result means")
        self._lay_out()
        self.check.clicked.connect(self.start)
        self.cancel.clicked.connect(self._cancel)
        self.site.returnPressed.connect(self.start)
        self.results.currentItemChanged.connect(lambda *_: self._show_selected())
        tools.site_checked.connect(self.show_report)
        tools.site_check_cancelled.connect(lambda: self.verdict.setText("Cancelled: nothing more is fetched."))
        tools.site_check_running.connect(self._running)
        metrics = self.fontMetrics()
        self.resize(150 * metrics.averageCharWidth(), 44 * metrics.lineSpacing())

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Website:", self.site)
        form.addRow("Images:", self.images)
        form.addRow("", self.other_hosts)
        actions = QHBoxLayout()
        actions.addWidget(self.check)
        actions.addWidget(self.cancel)
        actions.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.results)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Check my website", self))
        layout.addWidget(paragraph(INTRO, self))
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.verdict)
        layout.addWidget(split, 1)
        layout.addWidget(close)

    def image_urls(self) -> list[str]:
        return [line.strip() for line in self.images.toPlainText().splitlines() if line.strip()]

    def start(self) -> bool:
        url = self.site.text().strip()
        if not url:
            self.verdict.setText("Type your website's address first, e.g. https://your-site.example/")
            return False
        if "://" not in url:
            url = f"https://{url}"
            self.site.setText(url)
        if not self._tools.check_site(url, self.image_urls(), self.other_hosts.isChecked()):
            return False
        self.results.clear()
        self.details.clear()
        self._colour(self.verdict, "muted")
        self.verdict.setText(f"Fetching {url} …")
        return True

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.verdict.setText("Cancelling…")
        self._tools.cancel_site_check()

    def _running(self, running: bool) -> None:
        self.check.setEnabled(not running)
        self.cancel.setEnabled(running)

    def show_report(self, report: SiteReport) -> None:
        self._report = report
        self.verdict.setText(f"{report.base_url}: {report.verdict.value}. {VERDICT_ADVICE[report.verdict]}")
        self._colour(self.verdict, VERDICT_COLOURS[report.verdict])
        self.results.clear()
        for result in report.results:
            item = QTreeWidgetItem([result.signal.value, result.status.value, result.url])
            item.setForeground(1, QBrush(accent(STATUS_COLOURS[result.status])))
            item.setToolTip(0, result.explanation)
            item.setToolTip(2, result.url)
            self.results.addTopLevelItem(item)
        for column in range(2):
            self.results.resizeColumnToContents(column)
        self.results.setColumnWidth(1, self.results.columnWidth(1) + 2 * self.fontMetrics().averageCharWidth())
        first = self.results.topLevelItem(0)
        if first is not None:
            self.results.setCurrentItem(first)

    def shown_results(self) -> Sequence[SignalResult]:
        return self._report.results if self._report is not None else ()

    def _show_selected(self) -> None:
        current = self.results.currentItem()
        row = self.results.indexOfTopLevelItem(current) if current is not None else -1
        results = self.shown_results()
        self.details.setPlainText(describe_result(results[row]) if 0 <= row < len(results) else "")

    @staticmethod
    def _colour(label: QLabel, name: str) -> None:
        palette = label.palette()
        palette.setColor(label.foregroundRole(), accent(name))
        label.setPalette(palette)
