"""The dataset manager: what is imported, details, add (from a file, a URL or the Hub) and remove.

Imports run through the controller on the writer thread with their progress in the main window's panel, so
this dialog stays responsive and can be closed while a long import continues.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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

from core.datasets.descriptors import builtin_descriptors, builtin_schemas
from core.datasets.manager import DatasetInfo
from core.matching.importer import ImportReport
from gui.controller import Controller

AUTOMATIC = "automatic (known dataset)"
COLUMNS = ("Dataset", "Schema", "Rows", "Coverage", "On disk")


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


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
        note = QLabel("Only the columns needed for matching are read and kept, in a local index.", self)
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name:", self.dataset_id)
        form.addRow("Schema:", self.schema)
        form.addRow("Source:", source_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def request(self) -> tuple[str, str | None, list[str]]:
        """(dataset id, schema or None, sources) as entered."""
        source = self.source.text().strip()
        return self.dataset_id.currentText().strip(), self.schema.currentData(), [source] if source else []

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a dataset file", "", "Parquet or CSV (*.parquet *.csv *.tsv)"
        )
        if path:
            self.source.setText(path)


class DatasetsDialog(QDialog):
    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Datasets")
        self.resize(760, 460)
        self._controller = controller
        self._infos: dict[str, DatasetInfo] = {}
        self.list = QTreeWidget(self)
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setAccessibleName("Imported datasets")
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Dataset details")
        self.add = QPushButton("Add…", self)
        self.add.setAccessibleName("Add a dataset")
        self.remove = QPushButton("Remove", self)
        self.remove.setAccessibleName("Remove the selected dataset")
        self.remove.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.add, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.remove, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 2)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.add.clicked.connect(self.ask_add)
        self.remove.clicked.connect(self.ask_remove)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        controller.datasets_loaded.connect(self.show_datasets)
        controller.dataset_added.connect(self.show_added)
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
        if not infos:
            self.details.setPlainText("No dataset yet. Add one to match your works against it.")

    def show_added(self, report: ImportReport) -> None:
        """Say what an import did, above all when it did not make the dataset searchable."""
        if report.produced_nothing:
            lines = [f"Nothing of {report.dataset} was imported, so it was not added and nothing of it is searched."]
        else:
            lines = [
                f"{report.dataset}: {report.rows_added:,} rows read and matched, {report.matches_found} match(es);"
                f" {report.shards_done} shard(s) complete."
            ]
        lines += [f"Shard failed: {shard}: {error}" for shard, error in report.failed]
        if report.produced_nothing or report.failed:
            self.details.setPlainText("\n".join(lines))

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        value = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return value if isinstance(value, str) else None

    def ask_add(self) -> AddDatasetDialog:
        dialog = AddDatasetDialog(self)
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

    def _add(self, dataset_id: str, schema: str | None, sources: list[str]) -> None:
        if not self._controller.add_dataset(dataset_id, schema, sources):
            self.details.setPlainText("Another task is running; add the dataset when it has finished.")

    def _show_selected(self) -> None:
        info = self._infos.get(self.selected_id() or "")
        self.remove.setEnabled(info is not None)
        if info is not None:
            self.details.setPlainText(describe(info))
