"""Reading one shard of dataset metadata (Parquet or CSV/TSV, local or remote) as a stream of batches.

Only the columns the descriptor maps are read (Parquet column projection; over HTTP that means only their
byte ranges are fetched), one record batch at a time, so memory stays bounded whatever the shard's size.
Batches come out with TrainTrace's field names (`row_id`, `url`, `text`, `phash`, `sha256`, ...).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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
# Bytes read from a local shard at a time (Parquet column chunks are otherwise read whole: a 5M-row row group of
# COYO's columns would hold about 0.5 GB).
LOCAL_READ_BUFFER = 1 << 20
# Fields used only to rank or describe a match: a shard without them is still searched.
OPTIONAL_FIELDS = frozenset({"width", "height"})
HUB_BASE = "https://huggingface.co"
# Object stores read through fsspec (with its s3fs / gcsfs back-end), when installed.
FSSPEC_SCHEMES = ("s3://", "gs://")


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
    if source.startswith(FSSPEC_SCHEMES):
        return ShardLocation(source, None, {})
    if "://" in source:
        raise ShardError(f"{source}: only local files, http(s)://, hf://, s3:// and gs:// URLs are supported")
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
    """Open with `open_shard`. A shard is read in *units*: its Parquet row groups (a CSV file is one unit), so
    an interrupted pass resumes at the unit it was in; `bytes_read` grows as data is consumed."""

    def __init__(
        self,
        location: ShardLocation,
        descriptor: Descriptor,
        handle: BinaryIO | RemoteFile,
        size: int,
        mtime_ns: int | None = None,
    ) -> None:
        self.location = location
        self._descriptor = descriptor
        self._handle = handle
        self.size = size
        self.mtime_ns = mtime_ns  # a local shard's; None for a remote one
        self._parquet: pq.ParquetFile | None = None
        self._physical: dict[str, str] | None = None

    @property
    def bytes_read(self) -> int:
        """Bytes fetched over the network for a remote shard; a local shard counts as read whole."""
        if isinstance(self._handle, RemoteFile):
            return self._handle.bytes_fetched
        return self.size

    @property
    def is_local(self) -> bool:
        return self.location.url is None and not self.location.source.startswith(FSSPEC_SCHEMES)

    @property
    def validators(self) -> dict[str, str]:
        """A remote shard's ETag and Last-Modified as its server sent them ("etag", "last_modified"); none for a
        local file."""
        return dict(getattr(self._handle, "validators", {}))

    @property
    def is_csv(self) -> bool:
        return self._descriptor.csv is not None or self.location.source.lower().endswith((".csv", ".tsv", ".txt"))

    def close(self) -> None:
        self._handle.close()

    def check_unchanged(self, size: int | None, mtime_ns: int | None) -> None:
        """Refuse a shard that is not the file it was when it was imported (rows would be misattributed)."""
        if size is not None and size != self.size:
            raise ShardError(
                f"shard {self.location.display} changed since it was imported ({size:,} bytes then, {self.size:,} now);"
                " add the dataset again to re-import it"
            )
        if mtime_ns is not None and self.mtime_ns is not None and mtime_ns != self.mtime_ns:
            raise ShardError(
                f"shard {self.location.display} was modified since it was imported;"
                " add the dataset again to re-import it"
            )

    def unit_rows(self) -> list[int | None]:
        """Rows in each unit (None where unknown before reading: a CSV file)."""
        if self.is_csv:
            return [None]
        with self._errors():
            parquet = self._open_parquet()
            return [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]

    def batches(
        self, unit: int | None = None, batch_rows: int = BATCH_ROWS, *, threads: bool = True
    ) -> Iterator[pa.RecordBatch]:
        """The batches of one unit (or of the whole shard), with TrainTrace's field names.

        A Parquet batch is decoded on the calling thread, column after column: Arrow's thread pool, which decodes
        a batch's columns in parallel, made a 20M-row LAION add cost about 0.6 CPU s (7 %) more for the same work
        (its tasks' hand-offs and wake-ups; bench/README.md), and a reader thread of our own decoding ahead gained
        nothing (it needs the GIL for every read of the file). `threads=False` also keeps a CSV file's parsing on
        the calling thread (a batch task on a one-thread Dask worker: Arrow's pool would put a second worker's
        parsing on the first one's core)."""
        with self._errors():
            if self.is_csv:
                if unit not in (None, 0):
                    return
                yield from self._csv_batches(self._descriptor.csv or _csv_options_for(self.location.source), threads)
                return
            parquet = self._open_parquet()
            physical = self._columns(parquet.schema_arrow.names)
            groups = list(range(parquet.num_row_groups)) if unit is None else [unit]
            for batch in parquet.iter_batches(
                batch_size=batch_rows, row_groups=groups, columns=list(physical.values()), use_threads=False
            ):
                yield pa.RecordBatch.from_arrays(
                    [batch.column(i) for i in range(batch.num_columns)], names=list(physical)
                )

    def read_rows(self, positions: list[int]) -> pa.Table:
        """The rows at `positions` (0-based in the shard), in that order; only their row groups are read."""
        wanted = sorted(set(positions))
        pieces: list[pa.Table] = []
        begin = 0
        for unit, count in enumerate(self.unit_rows()):
            end = begin + count if count is not None else None
            inside = [p - begin for p in wanted if p >= begin and (end is None or p < end)]
            if inside:
                table = pa.Table.from_batches(list(self.batches(unit)))
                if any(i >= table.num_rows for i in inside):
                    raise ShardError(f"shard {self.location.display} has fewer rows than when it was imported")
                pieces.append(table.take(inside).append_column("_position", pa.array([p + begin for p in inside])))
            if end is None:
                break
            begin = end
        found = pa.concat_tables(pieces) if pieces else None
        if found is None or found.num_rows != len(wanted):
            raise ShardError(f"shard {self.location.display} has fewer rows than when it was imported")
        order = {p: i for i, p in enumerate(found.column("_position").to_pylist())}
        return found.take([order[p] for p in positions]).drop_columns(["_position"])

    def parquet_metadata(self) -> pq.FileMetaData:
        """The shard's Parquet footer (row groups, column chunk sizes): only the footer is read."""
        with self._errors():
            return self._open_parquet().metadata

    def _open_parquet(self) -> pq.ParquetFile:
        if self._parquet is None:
            if self.is_local:  # read in buffered pieces: memory stays flat whatever the row group's size
                self._parquet = pq.ParquetFile(self._handle, pre_buffer=False, buffer_size=LOCAL_READ_BUFFER)
            else:  # whole column chunks at once: few, coalesced range requests
                self._parquet = pq.ParquetFile(self._handle)
        return self._parquet

    @property
    def column_names(self) -> dict[str, str]:
        """Each field's column as the shard names it (once a batch was read; the descriptor's until then)."""
        return dict(self._physical if self._physical is not None else self._descriptor.columns)

    def _columns(self, names: list[str]) -> dict[str, str]:
        if self._physical is None:
            self._physical = _resolve_columns(self._descriptor, names, self.location.display)
        return self._physical

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise ShardError(f"shard {self.location.display} is unreadable: {exc}") from exc

    def _csv_batches(self, options: CsvOptions, threads: bool = True) -> Iterator[pa.RecordBatch]:
        read_options = pa_csv.ReadOptions(
            column_names=list(options.names) or None,
            autogenerate_column_names=False,
            block_size=8 << 20,
            use_threads=threads,
        )
        if options.header and options.names:
            read_options.skip_rows = 1
        parse_options = pa_csv.ParseOptions(
            delimiter=options.delimiter, quote_char='"' if options.delimiter != "\t" else False
        )
        convert = pa_csv.ConvertOptions(column_types=None, strings_can_be_null=True)
        self._handle.seek(0)
        reader = pa_csv.open_csv(
            self._handle, read_options=read_options, parse_options=parse_options, convert_options=convert
        )
        physical = self._columns(reader.schema.names)
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
        if found is None and field in OPTIONAL_FIELDS:
            continue
        if found is None:
            listed = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
            raise ShardError(f"shard {shard} has no column {column!r} (needed for {field}); its columns are: {listed}")
        physical[field] = found
    return physical


def open_shard(
    location: ShardLocation, descriptor: Descriptor, client: HttpClient | None, cancel: CancelSignal = None
) -> ShardReader:
    try:
        if location.source.startswith(FSSPEC_SCHEMES):
            return _open_fsspec(location, descriptor)
        if location.url is None:
            path = Path(location.source)
            handle: Any = open(path, "rb")
            stat = os.fstat(handle.fileno())
            return ShardReader(location, descriptor, handle, stat.st_size, stat.st_mtime_ns)
        if client is None:
            raise ShardError(f"shard {location.display}: remote shards need network access")
        remote = RemoteFile(client, location.url, headers=location.headers, cancel=cancel)
        return ShardReader(location, descriptor, remote, remote.size)
    except OSError as exc:
        raise ShardError(f"shard {location.display} cannot be opened: {exc.strerror or exc}") from exc


def _open_fsspec(location: ShardLocation, descriptor: Descriptor) -> ShardReader:
    """An object-store shard (s3://, gs://) through fsspec: only the needed byte ranges are read."""
    try:
        import fsspec
    except ImportError as exc:
        raise ShardError(
            f"shard {location.display}: s3:// and gs:// shards need fsspec: pip install s3fs (or gcsfs)"
        ) from exc
    try:
        fs, path = fsspec.core.url_to_fs(location.source)
        return ShardReader(location, descriptor, fs.open(path, "rb"), int(fs.size(path)))
    except ImportError as exc:
        raise ShardError(f"shard {location.display}: {exc}") from exc


class ShardOpener:
    """Opens a dataset's shards wherever they are (local path, https://, hf://), the network client made
    only when a remote shard needs it."""

    def __init__(
        self,
        client_factory: Callable[[], HttpClient],
        hub_token: Callable[[], str | None],
        hub_base: str = HUB_BASE,
    ) -> None:
        self._client_factory = client_factory
        self._hub_token = hub_token
        self._hub_base = hub_base

    def open(self, source: str, descriptor: Descriptor, cancel: CancelSignal = None) -> ShardReader:
        remote = "://" in source
        location = locate(source, self._hub_token() if source.startswith("hf://") else None, self._hub_base)
        return open_shard(location, descriptor, self._client_factory() if remote else None, cancel)
