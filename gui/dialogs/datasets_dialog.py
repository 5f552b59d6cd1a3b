"""The dataset manager: what is searched now, every dataset TrainTrace knows with what adding it takes (rows, the
download, the disk), details, add (from a file, a URL or the Hub) and remove.

Imports run through the controller on the writer thread with their progress in the main window's panel, so
this dialog stays responsive and can be closed while a long import continues. The known datasets' figures come
from the facade's offline plan (published row counts); "Measure the download" reads the shards' footers online.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.app.facade import KnownDataset
from core.datasets.descriptors import builtin_descriptors, builtin_schemas
from core.datasets.manager import DatasetInfo
from core.datasets.planning import DatasetPlan
from core.matching.importer import ImportReport
from gui.controller import Controller
from gui.tools_controller import ToolsController

AUTOMATIC = "automatic (known dataset)"
COLUMNS = ("Dataset", "Schema", "Rows", "Coverage", "On disk")
KNOWN_COLUMNS = ("Dataset", "Rows", "Download", "Disk once added", "Matches by")
NOTHING_ADDED = (
    "No dataset is added yet, so nothing is searched. Pick one of the known datasets below and press "
    "Add… (the small ones first: DataComp small, CC12M), or try the sample portfolio from the Help menu."
)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def human_size(size: int | None) -> str:
    return "unknown" if size is None else human_bytes(size)


def describe_import(report: ImportReport) -> str:
    """What an import did, in words: searchable now or not, with the shards that failed."""
    if report.produced_nothing:
        lines = [f"Nothing of {report.dataset} was imported, so it was not added and nothing of it is searched."]
    else:
        parts = report.shards_done + len(report.failed)
        lines = [
            f"{report.dataset} is added and searched now: {report.rows_added:,} rows read and matched, "
            f"{report.matches_found} match(es); {report.shards_done} of {parts} part(s) complete."
        ]
    lines += [f"Shard failed: {shard}: {error}" for shard, error in report.failed]
    lines += list(report.notes)
    return "\n".join(lines)


def describe_plan(plan: DatasetPlan) -> str:
    """A known dataset before it is added: what it is and what adding it takes."""
    d = plan.descriptor
    lines = [f"{d.name} ({d.id}), matches by {', '.join(d.kinds)}"]
    for label, value in (("Homepage", d.homepage), ("Licence", d.licence), ("Coverage", d.coverage),
                         ("Opt-out", d.optout), ("Notes", d.notes)):  # fmt: skip
        if value:
            lines.append(f"{label}: {value}")
    rows = f"{plan.rows:,}" if plan.rows is not None else "unknown"
    lines.append(f"Rows: {rows}; shards: {plan.shards if plan.shards is not None else 'not listed yet'}")
    download = human_size(plan.read_bytes) + (f" ({plan.read_error})" if plan.read_error else "")
    lines.append(f"Download (only the columns matching needs): {download}")
    if plan.disk_bytes is not None and plan.peak_disk_bytes is not None:
        room = {True: "enough", False: "NOT enough", None: "unknown"}[plan.fits]
        lines.append(
            f"Disk: about {human_bytes(plan.disk_bytes)} once added, {human_bytes(plan.peak_disk_bytes)} while its"
            f" index is built; {human_bytes(plan.free_bytes)} free ({room})"
        )
    return "\n".join(lines)


class KnownDatasetsTable(QTreeWidget):
    """Every known dataset that is not added yet, with rows, download and disk; optionally with tick boxes."""

    def __init__(self, parent: QWidget | None = None, checkable: bool = False) -> None:
        super().__init__(parent)
        self.setHeaderLabels(KNOWN_COLUMNS)
        self.setRootIsDecorated(False)
        self.setAccessibleName("Known datasets you can add")
        self._checkable = checkable
        self._plans: dict[str, DatasetPlan] = {}

    def show_known(self, known: Sequence[KnownDataset]) -> None:
        ticked = set(self.checked_ids())
        selected = self.selected_id()
        self.clear()
        self._plans = {}
        for item_data in known:
            if item_data.added is not None:
                continue
            plan = item_data.plan
            self._plans[item_data.id] = plan
            item = QTreeWidgetItem(self._values(plan))
            item.setData(0, Qt.ItemDataRole.UserRole, item_data.id)
            item.setToolTip(0, item_data.id)
            if self._checkable:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = item_data.id in ticked
                item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.addTopLevelItem(item)
            if item_data.id == selected:
                self.setCurrentItem(item)
        for column in range(len(KNOWN_COLUMNS)):
            self.resizeColumnToContents(column)

    @staticmethod
    def _values(plan: DatasetPlan) -> list[str]:
        rows = f"{plan.rows:,}" if plan.rows is not None else "unknown"
        download = human_bytes(plan.read_bytes) if plan.read_bytes is not None else "not measured"
        disk = human_size(plan.disk_bytes) + ("" if plan.fits is not False else " (no room)")
        return [plan.descriptor.name, rows, download, disk, ", ".join(plan.descriptor.kinds)]

    def set_measured(self, plan: DatasetPlan) -> None:
        self._plans[plan.descriptor.id] = plan
        for position in range(self.topLevelItemCount()):
            item = self.topLevelItem(position)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == plan.descriptor.id:
                for column, value in enumerate(self._values(plan)):
                    item.setText(column, value)

    def plan(self, dataset_id: str | None) -> DatasetPlan | None:
        return self._plans.get(dataset_id or "")

    def selected_id(self) -> str | None:
        item = self.currentItem()
        value = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, str) else None

    def checked_ids(self) -> list[str]:
        found = []
        for position in range(self.topLevelItemCount()):
            item = self.topLevelItem(position)
            if item is not None and item.checkState(0) == Qt.CheckState.Checked:
                found.append(str(item.data(0, Qt.ItemDataRole.UserRole)))
        return found


def describe(info: DatasetInfo) -> str:
    """Plain-text details of one dataset (descriptor fields are data: never rendered as markup)."""
    d = info.descriptor
    lines = [f"{d.name} ({d.id}), schema {d.schema}, matches by {', '.join(d.kinds)}"]
    for label, value in (("Homepage", d.homepage), ("Licence", d.licence), ("Opt-out", d.optout), ("Notes", d.notes)):
        if value:
            lines.append(f"{label}: {value}")
    lines.append(
        f"{info.rows:,} rows searched, {info.coverage} coverage; {info.hits:,} matching rows kept,"
        f" {human_bytes(info.index_bytes)} on disk"
    )
    if info.kept_bytes:
        lines.append(
            f"URL and caption columns kept on this computer: {human_bytes(info.kept_bytes)}"
            f" ({info.kept_bytes_per_row:.0f} bytes a row); a profile change is matched from them"
        )
    if info.bad_hashes:
        lines.append(f"{info.bad_hashes:,} malformed published hashes (never matched)")
    if info.notice:
        lines.append(info.notice)
    for shard in info.shards:
        line = f"  shard {shard.seq}: {shard.status}, {shard.rows:,} rows — {shard.source}"
        lines.append(line + (f" (error: {shard.error})" if shard.error else ""))
    return "\n".join(lines)


class AddDatasetDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a dataset")
        self.dataset_id = QComboBox(self)
        self.dataset_id.setEditable(True)
        self.dataset_id.addItems(sorted(builtin_descriptors()))
        self.dataset_id.setCurrentText("")
        self.dataset_id.setAccessibleName("Dataset name")
        self.schema = QComboBox(self)
        self.schema.addItem(AUTOMATIC, None)
        for name in sorted(builtin_schemas()):
            self.schema.addItem(name, name)
        self.schema.setAccessibleName("Column schema")
        self.source = QLineEdit(self)
        self.source.setPlaceholderText(
            "A Parquet/CSV file, an https:// or hf:// URL; empty: the known dataset's shards"
        )
        self.source.setAccessibleName("Source file or URL")
        browse = QPushButton("Choose file…", self)
        browse.setAccessibleName("Choose a dataset file")
        browse.clicked.connect(self._browse)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(browse)
        note = QLabel(
            "Only the columns needed for matching are read; a local index keeps the hashes and the matching rows."
            " Keeping the URL and caption columns too (about 60 bytes a row) lets a change to your profile be"
            " matched again without the dataset files or the network.",
            self,
        )
        note.setWordWrap(True)
        self.keep_columns = QCheckBox("Keep the URL and caption columns on this computer", self)
        self.keep_columns.setAccessibleName("Keep the URL and caption columns")
        self.keep_columns.setToolTip(
            "After a change to your profile, URLs and captions are matched again from this copy, without the dataset"
            " files or the network: worth it for files read over the network. About 60 bytes a row (COYO-700M:"
            " about 45 GB)."
        )
        form = QFormLayout()
        form.addRow("Name:", self.dataset_id)
        form.addRow("Schema:", self.schema)
        form.addRow("Source:", source_row)
        form.addRow("", self.keep_columns)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def request(self) -> tuple[str, str | None, list[str], bool | None]:
        """(dataset id, schema or None, sources, keep the URL/caption columns: True, or None for the dataset's
        current choice) as entered."""
        source = self.source.text().strip()
        keep = True if self.keep_columns.isChecked() else None
        return self.dataset_id.currentText().strip(), self.schema.currentData(), [source] if source else [], keep

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a dataset file", "", "Parquet or CSV (*.parquet *.csv *.tsv)"
        )
        if path:
            self.source.setText(path)


class DatasetsDialog(QDialog):
    def __init__(
        self, controller: Controller, parent: QWidget | None = None, tools: ToolsController | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Datasets")
        metrics = self.fontMetrics()
        self.resize(136 * metrics.averageCharWidth(), 44 * metrics.lineSpacing())
        self._controller = controller
        self._tools = tools
        self._infos: dict[str, DatasetInfo] = {}
        self._last_report: str = ""
        added_label = QLabel("Searched now", self)
        added_label.setAccessibleName("Datasets searched now")
        self.list = QTreeWidget(self)
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setAccessibleName("Imported datasets")
        known_label = QLabel("Known datasets you can add (rows and disk from their published size)", self)
        self.known = KnownDatasetsTable(self)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Dataset details")
        self.add = QPushButton("Add…", self)
        self.add.setAccessibleName("Add a dataset")
        self.measure = QPushButton("Measure the download", self)
        self.measure.setAccessibleName("Measure what adding the selected known dataset downloads")
        self.measure.setToolTip("Reads the size of the columns matching needs from the dataset's files (online)")
        self.measure.setEnabled(False)
        self.remove = QPushButton("Remove", self)
        self.remove.setAccessibleName("Remove the selected dataset")
        self.remove.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        for button in (self.add, self.measure, self.remove):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(added_label)
        layout.addWidget(self.list, 1)
        if tools is not None:
            layout.addWidget(known_label)
            layout.addWidget(self.known, 2)
        else:
            known_label.hide()
            self.known.hide()
            self.measure.hide()
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.add.clicked.connect(self.ask_add)
        self.remove.clicked.connect(self.ask_remove)
        self.measure.clicked.connect(self._measure)
        self.list.currentItemChanged.connect(self._list_changed)
        self.known.currentItemChanged.connect(self._known_changed)
        controller.datasets_loaded.connect(self.show_datasets)
        controller.dataset_added.connect(self.show_added)
        if tools is not None:
            tools.known_datasets_loaded.connect(self.known.show_known)
            tools.dataset_measured.connect(self._measured)
        controller.load_datasets()

    def show_datasets(self, infos: Sequence[DatasetInfo]) -> None:
        selected = self.selected_id()
        self._infos = {info.descriptor.id: info for info in infos}
        self.list.clear()
        for info in infos:
            values = (info.descriptor.id, info.descriptor.schema, f"{info.rows:,}", info.coverage)
            item = QTreeWidgetItem([*values, human_bytes(info.index_bytes)])
            item.setData(0, Qt.ItemDataRole.UserRole, info.descriptor.id)
            self.list.addTopLevelItem(item)
            if info.descriptor.id == selected:
                self.list.setCurrentItem(item)
        for column in range(len(COLUMNS)):
            self.list.resizeColumnToContents(column)
        if self._tools is not None:
            self._tools.load_known_datasets()  # what is added changed: so did what is left to add
        if self._last_report:
            self.details.setPlainText(self._last_report)
        elif not infos:
            self.details.setPlainText(NOTHING_ADDED)
        elif self.list.currentItem() is None:
            self.details.setPlainText(
                f"{len(infos)} dataset(s) searched: " + ", ".join(f"{i.descriptor.name} ({i.coverage})" for i in infos)
            )

    def show_added(self, report: ImportReport) -> None:
        """Say what an import did, above all when it did not make the dataset searchable."""
        self._last_report = describe_import(report)
        self.details.setPlainText(self._last_report)

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, str) else None

    def ask_add(self) -> AddDatasetDialog:
        dialog = AddDatasetDialog(self)
        known = self.known.selected_id() if self.known.isVisible() else None
        if known is not None:
            dialog.dataset_id.setCurrentText(known)
        dialog.accepted.connect(lambda: self._add(*dialog.request()))
        dialog.open()
        return dialog

    def ask_remove(self) -> QMessageBox | None:
        dataset_id = self.selected_id()
        if dataset_id is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Remove dataset", f"Remove {dataset_id} and its local index?")
        box.setInformativeText("Matches you already confirmed or rejected are kept.")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setParent(self, box.windowFlags())
        box.accepted.connect(lambda: self._controller.remove_dataset(dataset_id))
        box.open()
        return box

    def _add(self, dataset_id: str, schema: str | None, sources: list[str], keep_columns: bool | None) -> None:
        self._last_report = ""
        if not self._controller.add_dataset(dataset_id, schema, sources, keep_columns):
            self.details.setPlainText("Another task is running; add the dataset when it has finished.")
        else:
            self.details.setPlainText(f"Adding {dataset_id}: its progress is shown in the main window.")

    def _list_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self._show_selected()

    def _known_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self._show_known()

    def _show_selected(self) -> None:
        info = self._infos.get(self.selected_id() or "")
        self.remove.setEnabled(info is not None)
        if info is not None:
            self._last_report = ""
            self.known.setCurrentIndex(QModelIndex())
            self.measure.setEnabled(False)
            self.details.setPlainText(describe(info))

    def _show_known(self) -> None:
        plan = self.known.plan(self.known.selected_id())
        self.measure.setEnabled(plan is not None and plan.read_bytes is None)
        if plan is not None:
            self._last_report = ""
            self.list.setCurrentIndex(QModelIndex())
            self.remove.setEnabled(False)
            self.details.setPlainText(describe_plan(plan))

    def _measure(self) -> None:
        dataset_id = self.known.selected_id()
        if dataset_id is not None and self._tools is not None:
            self.measure.setEnabled(False)
            self.details.setPlainText(f"Measuring {dataset_id}: reading its files' footers online…")
            self._tools.measure_dataset(dataset_id)

    def _measured(self, plan: DatasetPlan) -> None:
        self.known.set_measured(plan)
        if self.known.selected_id() == plan.descriptor.id:
            self.details.setPlainText(describe_plan(plan))
