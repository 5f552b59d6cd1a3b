"""The "what will be sent" preview a source must pass before the app asks it on every check.

The first time a source is set to be asked automatically, this dialog shows what every check will send it (where
to, which kinds of data, which of your names and sites) and exactly what the next check would send for the
catalogue as it is; only "Accept" makes it automatic, and the acceptance is kept in the settings. When what it
would send changes later (a new name in the profile, another address, a dataset added), the source is not asked
until the user has seen the change here and accepted it again. Everything shown is plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.app.sources import SourceConsent
from core.sources.base import OutgoingRequest
from gui.pages.common import heading
from gui.tools_controller import ToolsController


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


NEVER_SENT = "Never sent: your images, thumbnails, file names or folders."
DECLINED = 2  # the dialog's result when the user pressed "Don't ask it" / "Stop asking it" (Esc only closes it)


def consent_intro(consent: SourceConsent, name: str) -> str:
    if consent.state == "changed" and consent.accepted is not None:
        when = consent.accepted.accepted_at.replace("T", " ").removesuffix("+00:00") + " UTC"
        return (f"What {name} would be sent has changed since you accepted it ({when}). It is not asked again until "
                "you have looked at the change and accepted it.")  # fmt: skip
    if consent.state == "accepted":
        return f"You accepted what {name} is sent on every check. This is what it is sent."
    return (f"Before {name} is asked on every check, look at what it will be sent. Nothing has been sent to it "
            "yet.")  # fmt: skip


def describe_shape(consent: SourceConsent) -> str:
    """What every check sends (the shape), with what changed since the acceptance marked + and -."""
    if not consent.shape:
        return "Nothing, as things are now: this source has nothing to ask about (see below)."
    if consent.state != "changed":
        return "\n".join(_spaced(consent.shape))
    removed, added = consent.changes()
    lines = [f"+ {line}" if line in added else f"  {line}" for line in consent.shape]
    lines += [f"- {line}" for line in removed]
    return "\n".join(_spaced(lines)) + "\n\n(+ new since you accepted; - no longer sent)"


def _spaced(lines: Sequence[str]) -> list[str]:
    """A blank line before each request (its details are indented under it)."""
    spaced: list[str] = []
    for line in lines:
        if spaced and not line.lstrip("+- ").startswith(("with ", "body: ")):
            spaced.append("")
        spaced.append(line)
    return spaced


class ConsentDialog(QDialog):
    def __init__(self, consent: SourceConsent, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.consent = consent
        self.setWindowTitle(f"What {name} will be sent")
        metrics = self.fontMetrics()
        self.intro = QLabel(consent_intro(consent, name), self)
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.intro.setAccessibleName("Why this preview is shown")
        shape_label = QLabel("Every check sends (your works' hashes and your matches' URLs are filled in):", self)
        shape_label.setWordWrap(True)
        self.shape = QPlainTextEdit(describe_shape(consent), self)
        self.shape.setReadOnly(True)
        self.shape.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.shape.setAccessibleName("What every check sends")
        self.shape.setMinimumHeight(7 * metrics.lineSpacing())
        now_label = QLabel("The next check would send exactly this:", self)
        self.now = QPlainTextEdit(describe_plan(consent.requests), self)
        self.now.setReadOnly(True)
        self.now.setAccessibleName("Exactly what the next check would send")
        self.now.setMinimumHeight(7 * metrics.lineSpacing())
        never = QLabel(NEVER_SENT, self)
        never.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        verb = "Accept the change" if consent.state == "changed" else "Accept and ask it on every check"
        self.accept_button = QPushButton(verb, self)
        self.accept_button.setAccessibleName(verb)
        self.decline_button = QPushButton("Stop asking it" if consent.state == "changed" else "Don't ask it", self)
        self.decline_button.setAccessibleName(self.decline_button.text())
        buttons.addButton(self.accept_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.decline_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.accept_button.clicked.connect(self.accept)
        self.decline_button.clicked.connect(lambda: self.done(DECLINED))
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"What {name} will be sent", self))
        for widget in (self.intro, shape_label):
            layout.addWidget(widget)
        layout.addWidget(self.shape, 1)
        layout.addWidget(now_label)
        layout.addWidget(self.now, 1)
        layout.addWidget(never)
        layout.addWidget(buttons)
        self.resize(104 * metrics.averageCharWidth(), 40 * metrics.lineSpacing())


class ConsentFlow(QObject):
    """Load a source's consent, show the dialog, record the answer: `finished(source_id, accepted)` at the end.

    "Don't ask it" on a source that was set to be asked on every check (its preview changed, or was never
    accepted) stops asking it; closing the dialog leaves it waiting, and the app asks again at the next change."""

    finished = Signal(str, bool)

    def __init__(self, tools: ToolsController, parent: QWidget) -> None:
        super().__init__(parent)
        self._tools = tools
        self._parent = parent
        self._waiting: dict[str, str] = {}  # source id -> its name, while its consent is loading
        self._accepting: set[str] = set()
        self.dialogs: list[ConsentDialog] = []
        tools.consent_loaded.connect(self._show)
        tools.consent_accepted.connect(self._accepted)

    def ask(self, source_id: str, name: str) -> None:
        if source_id in self._waiting or self.dialog_for(source_id) is not None:
            return
        self._waiting[source_id] = name
        self._tools.load_consent(source_id)

    def dialog_for(self, source_id: str) -> ConsentDialog | None:
        return next((d for d in self.dialogs if d.consent.source_id == source_id), None)

    def show_consent(self, consent: SourceConsent, name: str, wanted: bool = False) -> ConsentDialog:
        """Show `consent`; `wanted`: the source is set to be asked on every check (declining stops that)."""
        existing = self.dialog_for(consent.source_id)
        if existing is not None:
            return existing
        dialog = ConsentDialog(consent, name, self._parent)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda result: self._answered(dialog, result, wanted))
        dialog.open()
        return dialog

    def _answered(self, dialog: ConsentDialog, result: int, wanted: bool) -> None:
        self.dialogs.remove(dialog)
        consent = dialog.consent
        if result == QDialog.DialogCode.Accepted:
            self._accepting.add(consent.source_id)
            self._tools.accept_consent(consent)
            return
        if result == DECLINED and (wanted or consent.state == "changed"):
            self._tools.stop_asking(consent.source_id)
        self.finished.emit(consent.source_id, False)

    def _show(self, consent: SourceConsent) -> None:
        name = self._waiting.pop(consent.source_id, None)
        if name is not None:
            self.show_consent(consent, name)

    def _accepted(self, consent: SourceConsent) -> None:
        if consent.source_id in self._accepting:
            self._accepting.discard(consent.source_id)
            self.finished.emit(consent.source_id, True)
