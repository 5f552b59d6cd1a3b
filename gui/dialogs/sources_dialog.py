"""Remote sources: their settings (tokens go to the keyring), exactly what would be sent, and asking them.

Every source is optional and labelled with its coverage. "What will be sent" lists each request (host, URL,
body) before anything leaves the machine; "Ask now" only runs after the user has seen that list once. "Ask on
every check" first shows what every check will send (gui.dialogs.consent_dialog) and is ticked only once the user
accepts it; the app's checks then ask that source after matching, with the fresh matches. A source whose
"what will be sent" changed since it was accepted is listed as waiting for the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.app.sources import SourceConsent
from core.sources.base import OutgoingRequest, SourceResult
from core.sources.service import SourceStatus
from gui.controller import Controller
from gui.dialogs.consent_dialog import ConsentFlow, describe_plan

if TYPE_CHECKING:
    from gui.tools_controller import ToolsController

__all__ = ["SourcesDialog", "describe_plan", "describe_results"]


def describe_results(results: Sequence[SourceResult]) -> str:
    lines = []
    for result in results:
        hits = f", {len(result.hits)} hit(s)" if result.status == "ok" else ""
        optouts = f", {len(result.opt_outs)} opt-out status(es)" if result.opt_outs else ""
        lines.append(f"{result.source_id}: {result.verdict()}{hits}{optouts}")
    return "\n".join(lines) or "No source was asked."


class SourcesDialog(QDialog):
    def __init__(
        self, controller: Controller, parent: QWidget | None = None, tools: ToolsController | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remote sources")
        metrics = self.fontMetrics()
        self.resize(104 * metrics.averageCharWidth(), 36 * metrics.lineSpacing())
        self._controller = controller
        self._tools = tools
        self._statuses: dict[str, SourceStatus] = {}
        self._pending: set[str] = set()
        self._fields: dict[str, QLineEdit] = {}
        self._previewed: set[str] = set()
        self.list = QListWidget(self)
        self.list.setAccessibleName("Remote sources")
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.about = QLabel(self)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        self.about.setAccessibleName("About this source")
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form_host = QWidget(self)
        self.form = QFormLayout(self.form_host)
        self.output = QPlainTextEdit(self)
        self.output.setReadOnly(True)
        self.output.setAccessibleName("What will be sent, and results")
        self.save = QPushButton("Save settings", self)
        self.preview = QPushButton("What will be sent…", self)
        self.ask = QPushButton("Ask now", self)
        self.ask.setToolTip("Available after you have looked at what will be sent")
        self.automatic = QCheckBox("Ask on every check", self)
        self.automatic.setAccessibleName("Ask this source on every check")
        self.automatic.setToolTip("Shows what every check will send it first; it is asked only once you accept")
        self.automatic.setEnabled(False)
        for button in (self.save, self.preview, self.ask):
            button.setAccessibleName(button.text().rstrip("…"))
            button.setEnabled(False)
        self.consent = ConsentFlow(tools, self) if tools is not None else None
        self._lay_out()
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.save.clicked.connect(self.save_settings)
        self.preview.clicked.connect(lambda: self._controller.plan_sources([self.selected_id() or ""]))
        self.ask.clicked.connect(lambda: self._controller.query_sources([self.selected_id() or ""]))
        self.automatic.clicked.connect(self._set_automatic)
        controller.sources_loaded.connect(self.show_sources)
        controller.plan_ready.connect(self._show_plan)
        controller.sources_queried.connect(lambda results: self.output.setPlainText(describe_results(results)))
        if tools is not None and self.consent is not None:
            tools.pending_consents_loaded.connect(self._show_pending)
            self.consent.finished.connect(lambda _source, _accepted: self._controller.load_sources())
        controller.load_sources()

    def _lay_out(self) -> None:
        right = QVBoxLayout()
        right.addWidget(self.about)
        right.addWidget(self.form_host)
        actions = QHBoxLayout()
        for button in (self.save, self.preview, self.ask):
            actions.addWidget(button)
        actions.addWidget(self.automatic)
        actions.addStretch(1)
        right.addLayout(actions)
        right.addWidget(self.output, 1)
        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addLayout(right, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)

    def _label(self, status: SourceStatus) -> str:
        if status.problem:
            return f"{status.name} (needs setup)"
        if status.automatic and status.id in self._pending:
            return f"{status.name} (waits for you)"
        return f"{status.name} (every check)" if status.automatic else status.name

    def show_sources(self, statuses: Sequence[SourceStatus]) -> None:
        selected = self.selected_id()
        self._statuses = {status.id: status for status in statuses}
        self.list.blockSignals(True)
        self.list.clear()
        for status in statuses:
            item = QListWidgetItem(self._label(status))
            item.setData(Qt.ItemDataRole.UserRole, status.id)
            item.setToolTip(status.name)
            self.list.addItem(item)
            if status.id == selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._fit_list()
        if self._tools is not None:
            self._tools.load_pending_consents()
        self._show_selected()

    def _fit_list(self) -> None:
        """As wide as the longest name (never cut off), whatever the font and the scale."""
        metrics = self.list.fontMetrics()
        names = [self.list.item(row).text() for row in range(self.list.count())]
        widest = max((metrics.horizontalAdvance(name) for name in names), default=0)
        frame = 2 * self.list.frameWidth() + self.list.verticalScrollBar().sizeHint().width()
        self.list.setFixedWidth(widest + frame + 4 * metrics.averageCharWidth())

    def _show_pending(self, consents: Sequence[SourceConsent]) -> None:
        self._pending = {consent.source_id for consent in consents}
        for row in range(self.list.count()):
            item = self.list.item(row)
            status = self._statuses.get(str(item.data(Qt.ItemDataRole.UserRole)))
            if status is not None:
                item.setText(self._label(status))
        self._fit_list()
        self._show_selected()

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, str) else None

    def save_settings(self) -> None:
        source_id = self.selected_id()
        if source_id is None:
            return
        values = {key: edit.text().strip() for key, edit in self._fields.items() if key != "token"}
        token_edit = self._fields.get("token")
        token = token_edit.text() if token_edit is not None and token_edit.text() else None
        self._controller.configure_source(source_id, values, token)

    def _show_selected(self) -> None:
        source_id = self.selected_id()
        status = self._statuses.get(source_id or "")
        for button in (self.save, self.preview):
            button.setEnabled(status is not None)
        self.ask.setEnabled(status is not None and not status.problem and source_id in self._previewed)
        self.automatic.setChecked(status is not None and status.automatic and source_id not in self._pending)
        usable = status is not None and not status.problem
        self.automatic.setEnabled(self.consent is not None and (usable or self.automatic.isChecked()))
        if status is None:
            return
        text = f"{status.name} — {status.homepage}\nCoverage: {status.coverage}\nSends: {status.sends}"
        text += f"\nToken: {status.token}" + (f"\nNeeds: {status.problem}" if status.problem else "")
        if status.automatic:
            waiting = "waits for you to accept what it will be sent" if status.id in self._pending else "yes"
            text += f"\nAsked on every check: {waiting}"
        self.about.setText(text)
        if self.form.property("source") != status.id:
            self._build_form(status.id)

    def _set_automatic(self, checked: bool) -> None:
        source_id = self.selected_id()
        status = self._statuses.get(source_id or "")
        if source_id is None or status is None or self._tools is None or self.consent is None:
            return
        if checked:
            self.automatic.setChecked(False)  # ticked only once the user has accepted what it sends
            self.consent.ask(source_id, status.name)
        else:
            self._tools.stop_asking(source_id)
            self._tools.setup_loaded.connect(self._reload_once)

    def _reload_once(self, _status: object) -> None:
        if self._tools is not None:
            self._tools.setup_loaded.disconnect(self._reload_once)
        self._controller.load_sources()

    def _build_form(self, source_id: str) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.form.setProperty("source", source_id)
        self._fields = {}
        specs, values = self._controller.source_form(source_id)
        for spec in specs:
            edit = QLineEdit(self.form_host)
            edit.setAccessibleName(spec.label)
            if spec.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setPlaceholderText("stored in the keyring; leave empty to keep the current one")
            else:
                edit.setText(values.get(spec.key, ""))
                edit.setPlaceholderText(spec.default)
            self._fields[spec.key] = edit
            self.form.addRow(f"{spec.label}{' *' if spec.required else ''}:", edit)

    def _show_plan(self, requests: Sequence[OutgoingRequest]) -> None:
        source_id = self.selected_id()
        if source_id is not None:
            self._previewed.add(source_id)
        self.output.setPlainText(describe_plan(requests))
        status = self._statuses.get(source_id or "")
        self.ask.setEnabled(status is not None and not status.problem)
