"""Remote sources: their settings (tokens go to the keyring), exactly what would be sent, and asking them.

Every source is optional and labelled with its coverage. "What will be sent" lists each request (host, URL,
body) before anything leaves the machine; "Ask now" only runs after the user has seen that list once, and so
does "Ask on every check" (the app's checks then ask that source after matching, with the fresh matches).
"""

from __future__ import annotations

from collections.abc import Sequence

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
    QVBoxLayout,
    QWidget,
)

from core.sources.base import OutgoingRequest, SourceResult
from core.sources.service import SourceStatus
from gui.controller import Controller


def describe_plan(requests: Sequence[OutgoingRequest]) -> str:
    """The preview, as plain text: one block per request, the exact body included."""
    if not requests:
        return "Nothing would be sent: this source has nothing to ask about yet (scan works or fill in the profile)."
    blocks = []
    for request in requests:
        lines = [f"{request.method} {request.url}", f"  host: {request.host}", f"  why: {request.purpose}"]
        lines.append(f"  sends: {request.body_summary}")
        if request.credential:
            lines.append(f"  credential: {request.credential} (from the keyring; never shown)")
        if request.max_pages > 1:
            lines.append(f"  up to {request.max_pages} pages")
        if request.body:
            lines.append("  body:\n" + "\n".join(f"    {line}" for line in request.body.splitlines()))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def describe_results(results: Sequence[SourceResult]) -> str:
    lines = []
    for result in results:
        hits = f", {len(result.hits)} hit(s)" if result.status == "ok" else ""
        optouts = f", {len(result.opt_outs)} opt-out status(es)" if result.opt_outs else ""
        lines.append(f"{result.source_id}: {result.verdict()}{hits}{optouts}")
    return "\n".join(lines) or "No source was asked."


class SourcesDialog(QDialog):
    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remote sources")
        self.resize(820, 560)
        self._controller = controller
        self._statuses: dict[str, SourceStatus] = {}
        self._fields: dict[str, QLineEdit] = {}
        self._previewed: set[str] = set()
        self.list = QListWidget(self)
        self.list.setAccessibleName("Remote sources")
        self.list.setMaximumWidth(240)
        self.about = QLabel(self)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setWordWrap(True)
        self.about.setAccessibleName("About this source")
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
        self.automatic.setToolTip("Available after you have looked at what will be sent")
        self.automatic.setEnabled(False)
        for button in (self.save, self.preview, self.ask):
            button.setAccessibleName(button.text().rstrip("…"))
            button.setEnabled(False)
        self._lay_out()
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.save.clicked.connect(self.save_settings)
        self.preview.clicked.connect(lambda: self._controller.plan_sources([self.selected_id() or ""]))
        self.ask.clicked.connect(lambda: self._controller.query_sources([self.selected_id() or ""]))
        self.automatic.clicked.connect(self._set_automatic)
        controller.sources_loaded.connect(self.show_sources)
        controller.plan_ready.connect(self._show_plan)
        controller.sources_queried.connect(lambda results: self.output.setPlainText(describe_results(results)))
        controller.load_sources()

    def _lay_out(self) -> None:
        right = QVBoxLayout()
        right.addWidget(self.about)
        right.addWidget(self.form_host)
        actions = QHBoxLayout()
        for button in (self.save, self.preview, self.ask):
            actions.addWidget(button)
        actions.addWidget(self.automatic)
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

    def show_sources(self, statuses: Sequence[SourceStatus]) -> None:
        selected = self.selected_id()
        self._statuses = {status.id: status for status in statuses}
        self.list.clear()
        for status in statuses:
            item = QListWidgetItem(f"{status.name}" + ("" if not status.problem else " (needs setup)"))
            item.setData(Qt.ItemDataRole.UserRole, status.id)
            self.list.addItem(item)
            if status.id == selected:
                self.list.setCurrentItem(item)

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
        self.automatic.setChecked(status is not None and status.automatic)
        self.automatic.setEnabled(self.ask.isEnabled() or self.automatic.isChecked())  # unticking needs no preview
        if status is None:
            return
        text = f"{status.name} — {status.homepage}\nCoverage: {status.coverage}\nSends: {status.sends}"
        text += f"\nToken: {status.token}" + (f"\nNeeds: {status.problem}" if status.problem else "")
        self.about.setText(text)
        self._build_form(status.id)

    def _set_automatic(self, checked: bool) -> None:
        source_id = self.selected_id()
        if source_id is None:
            return
        chosen = [s.id for s in self._statuses.values() if s.automatic and s.id != source_id]
        self._controller.set_auto_sources([*chosen, source_id] if checked else chosen)

    def _build_form(self, source_id: str) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
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
        self.automatic.setEnabled(self.ask.isEnabled() or self.automatic.isChecked())
