"""Reading one shard of dataset metadata (Parquet or CSV/TSV, local or remote) as a stream of batches.

Only the columns the descriptor maps are read (Parquet column projection; over HTTP that means only their
byte ranges are fetched), one record batch at a time, so memory stays bounded whatever the shard's size.
Batches come out with TrainTrace's field names (`row_id`, `url`, `text`, `phash`, `sha256`, ...).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from core.datasets.descriptors import CsvOptions, Descriptor
from core.datasets.remote_file import RemoteFile
from core.errors import TrainTraceError
from core.net.http import CancelSignal, HttpClient

BATCH_ROWS = 65_536
HUB_BASE = "https://huggingface.co"


class ShardError(TrainTraceError):
    """A shard cannot be read: the message names the shard (and the column, when one is missing)."""


@dataclass(frozen=True)
class ShardLocation:
    """Where a shard is: a local path, or an https URL (hf:// URLs are resolved to the Hub's https form)."""

    source: str
    url: str | None
    headers: Mapping[str, str]

    @property
    def display(self) -> str:
        return self.source


def locate(source: str, hub_token: str | None = None, hub_base: str = HUB_BASE) -> ShardLocation:
    if source.startswith("hf://"):
        return ShardLocation(source, _hub_url(source, hub_base), _bearer(hub_token))
    if source.startswith(("http://", "https://")):
        return ShardLocation(source, source, {})
    if "://" in source:
        raise ShardError(f"{source}: only local files, http(s):// and hf:// URLs are supported")
    return ShardLocation(os.path.abspath(source), None, {})


def _hub_url(source: str, hub_base: str) -> str:
    """hf://datasets/OWNER/NAME[@REVISION]/PATH -> https://huggingface.co/datasets/OWNER/NAME/resolve/REV/PATH."""
    parts = source.removeprefix("hf://").split("/")
    if len(parts) < 4 or parts[0] != "datasets":
        raise ShardError(f"{source}: expected hf://datasets/OWNER/NAME[@REVISION]/PATH")
    owner, name_revision, path = parts[1], parts[2], "/".join(parts[3:])
    name, _, revision = name_revision.partition("@")
    return f"{hub_base}/datasets/{owner}/{name}/resolve/{quote(revision or 'main', safe='')}/{quote(path)}"


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class ShardReader:
    """Open with `open_shard`; iterate `batches()`; `bytes_read` grows as data is consumed."""

    def __init__(
        self, location: ShardLocation, descriptor: Descriptor, handle: BinaryIO | RemoteFile, size: int
    ) -> None:
        self.location = location
        self._descriptor = descriptor
        self._handle = handle
        self.size = size

    @property
    def bytes_read(self) -> int:
        """Bytes fetched over the network for a remote shard; a local shard counts as read whole."""
        if isinstance(self._handle, RemoteFile):
            return self._handle.bytes_fetched
        return self.size

    def close(self) -> None:
        self._handle.close()

    def batches(self, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        try:
            if self._descriptor.csv is not None or self.location.source.lower().endswith((".csv", ".tsv", ".txt")):
                yield from self._csv_batches(self._descriptor.csv or _csv_options_for(self.location.source))
            else:
                yield from self._parquet_batches(batch_rows)
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise ShardError(f"shard {self.location.display} is unreadable: {exc}") from exc

    def _parquet_batches(self, batch_rows: int) -> Iterator[pa.RecordBatch]:
        parquet = pq.ParquetFile(self._handle)
        physical = _resolve_columns(self._descriptor, parquet.schema_arrow.names, self.location.display)
        fields = list(physical)
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=list(physical.values())):
            yield pa.RecordBatch.from_arrays([batch.column(i) for i in range(batch.num_columns)], names=fields)

    def _csv_batches(self, options: CsvOptions) -> Iterator[pa.RecordBatch]:
        read_options = pa_csv.ReadOptions(
            column_names=list(options.names) or None, autogenerate_column_names=False, block_size=8 << 20
        )
        if options.header and options.names:
            read_options.skip_rows = 1
        parse_options = pa_csv.ParseOptions(
            delimiter=options.delimiter, quote_char='"' if options.delimiter != "\t" else False
        )
        convert = pa_csv.ConvertOptions(column_types=None, strings_can_be_null=True)
        reader = pa_csv.open_csv(
            self._handle, read_options=read_options, parse_options=parse_options, convert_options=convert
        )
        physical = _resolve_columns(self._descriptor, reader.schema.names, self.location.display)
        for batch in reader:
            columns = [batch.column(batch.schema.get_field_index(column)) for column in physical.values()]
            yield pa.RecordBatch.from_arrays(columns, names=list(physical))


def _csv_options_for(source: str) -> CsvOptions:
    return CsvOptions(delimiter="\t" if source.lower().endswith(".tsv") else ",")


def _resolve_columns(descriptor: Descriptor, names: list[str], shard: str) -> dict[str, str]:
    """Map each descriptor field to the shard's physical column, case-insensitively; a missing one is an error."""
    by_lower = {name.lower(): name for name in names}
    physical: dict[str, str] = {}
    for field, column in descriptor.columns.items():
        found = by_lower.get(column.lower())
        if found is None:
            listed = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
            raise ShardError(f"shard {shard} has no column {column!r} (needed for {field}); its columns are: {listed}")
        physical[field] = found
    return physical


def open_shard(
    location: ShardLocation, descriptor: Descriptor, client: HttpClient | None, cancel: CancelSignal = None
) -> ShardReader:
    try:
        if location.url is None:
            path = Path(location.source)
            handle: Any = open(path, "rb")
            return ShardReader(location, descriptor, handle, path.stat().st_size)
        if client is None:
            raise ShardError(f"shard {location.display}: remote shards need network access")
        remote = RemoteFile(client, location.url, headers=location.headers, cancel=cancel)
        return ShardReader(location, descriptor, remote, remote.size)
    except OSError as exc:
        raise ShardError(f"shard {location.display} cannot be opened: {exc.strerror or exc}") from exc
