"""Spill files for streamed, resumable index builds, and the manifest that records them.

A builder receives the dataset in chunks (one per Parquet batch or shard). Each chunk is written as a run
(`runs/NNNNNN.keys.npy` + `runs/NNNNNN.ord.npy`, or `NNNNNN.gaps.npy` for ordinals that rise with few missing,
as a row group's do: its first and last ordinal and the missing ones) and then recorded in `manifest.json`, which
is replaced atomically; a crash between the two leaves an unrecorded run that the next open deletes. A chunk given an id
(the shard's name) is skipped when it is already recorded, so an interrupted import resumes shard by shard.

`finish` reads the runs back in bounded pieces with plain reads (not memory maps, whose pages would count as
resident) and in key-range slabs, so the sort never holds more than one slab.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from core.errors import TrainTraceError, UsageError

MANIFEST = "manifest.json"
RUNS_DIR = "runs"
SCRATCH_DIR = "scratch"  # distribution buckets while a finished index is written
# Rows read from a run file at a time.
READ_ROWS = 1 << 22


class IndexFormatError(TrainTraceError):
    """An index directory is missing, unfinished, or written by an incompatible version."""


class FinishedIndex(Protocol):
    """How a builder reads back its own finished index, to add more chunks to it."""

    files: tuple[str, ...]  # the finished index's files, deleted once its rows are runs again

    def rows(self, directory: Path) -> Iterator[tuple[npt.NDArray[Any], npt.NDArray[np.int64]]]: ...


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexFormatError(f"no readable index in {directory}: {error}") from error
    return manifest


def read_finished_manifest(directory: Path, kind: str, version: int, label: str) -> dict[str, Any]:
    """The manifest of a finished index of `kind` in format `version`; anything else is an IndexFormatError."""
    manifest = read_manifest(directory)
    if manifest.get("kind") != kind or manifest.get("state") != "finished":
        raise IndexFormatError(f"{directory} holds no finished {label} index")
    if manifest.get("version") != version:
        raise IndexFormatError(f"{directory}: {label} index format {manifest.get('version')} is not supported")
    return manifest


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Replace the manifest atomically (write a temporary file, fsync, rename)."""
    temporary = directory / (MANIFEST + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / MANIFEST)


@dataclass
class RunStore:
    """The runs of one build: fixed-width key rows (uint64 or bytes) with an int64 ordinal each."""

    directory: Path
    key_dtype: np.dtype[Any]
    key_width: int  # values per row (1 for a uint64 hash, 32 for a SHA-256 as uint8)
    runs: list[str]
    chunks: list[str]
    rows: int
    max_ordinal: int

    @classmethod
    def open(
        cls, directory: Path, kind: str, key_dtype: npt.DTypeLike, key_width: int, finished: FinishedIndex | None = None
    ) -> RunStore:
        """Open the build in `directory`, creating it, or resuming it (dropping runs never recorded). A finished
        index is turned back into a run first (if `finished` says how to read it), so more chunks can be added."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / RUNS_DIR).mkdir(exist_ok=True)
        if (directory / MANIFEST).exists():
            manifest = read_manifest(directory)
            if manifest.get("kind") == kind and manifest.get("state") == "finished" and finished is not None:
                manifest = cls._reopen(directory, kind, key_dtype, key_width, manifest, finished)
            if manifest.get("kind") != kind or manifest.get("state") != "building":
                raise IndexFormatError(f"{directory} holds a {manifest.get('state')} {manifest.get('kind')} index")
        else:
            manifest = {"kind": kind, "state": "building", "runs": [], "chunks": [], "rows": 0, "max_ordinal": -1}
            write_manifest(directory, manifest)
        recorded = set(manifest["runs"])
        for path in (directory / RUNS_DIR).iterdir():
            if path.name.split(".")[0] not in recorded:
                path.unlink()
        return cls._from_manifest(directory, key_dtype, key_width, manifest)

    @classmethod
    def _from_manifest(
        cls, directory: Path, key_dtype: npt.DTypeLike, key_width: int, manifest: dict[str, Any]
    ) -> RunStore:
        return cls(
            directory,
            np.dtype(key_dtype),
            key_width,
            list(manifest["runs"]),
            list(manifest["chunks"]),
            int(manifest["rows"]),
            int(manifest["max_ordinal"]),
        )

    @classmethod
    def _reopen(
        cls,
        directory: Path,
        kind: str,
        key_dtype: npt.DTypeLike,
        key_width: int,
        manifest: dict[str, Any],
        finished: FinishedIndex,
    ) -> dict[str, Any]:
        """Runs from the finished files, then the building manifest, then the finished files go (crash-safe: until
        the manifest is replaced the index stays finished, and a retry rewrites the same run names)."""
        store = cls(directory, np.dtype(key_dtype), key_width, [], list(manifest.get("chunks", [])), 0, -1)
        for keys, ordinals in finished.rows(directory):
            store.write_run(keys, ordinals)
        building = store.manifest(kind)
        write_manifest(directory, building)
        for name in finished.files:
            (directory / name).unlink(missing_ok=True)
        return building

    @classmethod
    def read(cls, directory: Path, kind: str, key_dtype: npt.DTypeLike, key_width: int) -> RunStore:
        """The recorded runs of an unfinished build, for reading only (nothing on disk is created or deleted)."""
        manifest = read_manifest(directory)
        if manifest.get("kind") != kind or manifest.get("state") != "building":
            raise IndexFormatError(f"{directory} holds no {kind} runs")
        return cls._from_manifest(directory, key_dtype, key_width, manifest)

    def nbytes(self) -> int:
        """Bytes on disk of the recorded run files (a missing one counts as empty; reading it fails)."""
        paths = [
            self.directory / RUNS_DIR / (name + suffix)
            for name in self.runs
            for suffix in (".keys.npy", ".ord.npy", ".gaps.npy")
        ]
        return sum(path.stat().st_size for path in paths if path.exists())

    def manifest(self, kind: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "state": "building",
            "runs": self.runs,
            "chunks": self.chunks,
            "rows": self.rows,
            "max_ordinal": self.max_ordinal,
        }

    def add(self, kind: str, keys: npt.NDArray[Any], ordinals: npt.ArrayLike, chunk_id: str | None) -> None:
        """Check, write and record one run (with `chunk_id`, if given): one key row per ordinal, ordinals >= 0,
        and a chunk id at most once."""
        ordinal_array = np.ascontiguousarray(ordinals, dtype=np.int64).reshape(-1)
        if len(keys) != len(ordinal_array):
            raise UsageError(f"{len(keys)} keys but {len(ordinal_array)} ordinals")
        if len(ordinal_array) and int(ordinal_array.min()) < 0:
            raise UsageError("row ordinals must be >= 0")
        if chunk_id is not None and chunk_id in self.chunks:
            raise UsageError(f"chunk {chunk_id!r} was already added")
        self.write_run(keys, ordinal_array)
        if chunk_id is not None:
            self.chunks.append(chunk_id)
        write_manifest(self.directory, self.manifest(kind))

    def write_run(self, keys: npt.NDArray[Any], ordinals: npt.NDArray[np.int64]) -> None:
        """Write one run file pair (durably) and count it; the caller records it in the manifest."""
        if not len(keys):
            return
        name = f"{len(self.runs):06d}"
        gaps = _gaps(ordinals)
        files = ((".keys.npy", keys), (".gaps.npy", gaps) if gaps is not None else (".ord.npy", ordinals))
        for suffix, array in files:
            with open(self.directory / RUNS_DIR / (name + suffix), "wb") as handle:
                np.save(handle, array)
                handle.flush()
                os.fsync(handle.fileno())
        self.runs.append(name)
        self.rows += len(keys)
        self.max_ordinal = max(self.max_ordinal, int(ordinals.max()))

    def pieces(self, with_ordinals: bool) -> Iterator[tuple[npt.NDArray[Any], npt.NDArray[np.int64] | None]]:
        """Every run's keys (and ordinals) in pieces of at most READ_ROWS rows, read without memory maps."""
        for name in self.runs:
            with open(self._path(name, ".keys.npy"), "rb") as keys_handle, self._ordinals(name) as ordinals:
                rows = _skip_npy_header(keys_handle)[0]
                if ordinals.rows != rows:
                    raise ValueError(f"run {name}: {rows} keys but {ordinals.rows} ordinals")
                for begin in range(0, rows, READ_ROWS):
                    count = min(READ_ROWS, rows - begin)
                    keys = np.fromfile(keys_handle, dtype=self.key_dtype, count=count * self.key_width)
                    ordinal_piece = ordinals.read(begin, count) if with_ordinals else None
                    if len(keys) != count * self.key_width or (
                        ordinal_piece is not None and len(ordinal_piece) != count
                    ):
                        raise ValueError(f"run {name} is shorter than its header says")
                    yield keys.reshape((count, self.key_width)) if self.key_width > 1 else keys, ordinal_piece

    def unreadable(self) -> list[str]:
        """The recorded run files that are missing or shorter than their header says (what a search of the
        runs would fail on), by name."""
        bad = []
        for name in self.runs:
            keys_path = self._path(name, ".keys.npy")
            rows = None
            try:
                with open(keys_path, "rb") as handle:
                    rows = _skip_npy_header(handle)[0]
                    if not _holds(handle, rows * self.key_dtype.itemsize * self.key_width):
                        bad.append(keys_path.name)
            except (OSError, ValueError):
                bad.append(keys_path.name)
            try:
                with self._ordinals(name) as ordinals:
                    if not ordinals.complete() or (rows is not None and ordinals.rows != rows):
                        bad.append(ordinals.path.name)
            except (OSError, ValueError, IndexError):
                bad.append(self._path(name, ".gaps.npy").name)
        return bad

    def _path(self, name: str, suffix: str) -> Path:
        return self.directory / RUNS_DIR / (name + suffix)

    def _ordinals(self, name: str) -> _OrdinalFile | _Spans:
        """The reader of run `name`'s ordinals, in whichever of the two forms they were stored."""
        listed = self._path(name, ".ord.npy")
        return _OrdinalFile(listed) if listed.exists() else _Spans(self._path(name, ".gaps.npy"))

    @property
    def row_shape(self) -> tuple[int, ...]:
        """The shape of one key row: () for a scalar hash, (width,) for a digest."""
        return (self.key_width,) if self.key_width > 1 else ()

    def remove(self) -> None:
        for name in self.runs:
            for suffix in (".keys.npy", ".ord.npy", ".gaps.npy"):
                (self.directory / RUNS_DIR / (name + suffix)).unlink(missing_ok=True)
        (self.directory / RUNS_DIR).rmdir()


def _gaps(ordinals: npt.NDArray[np.int64]) -> npt.NDArray[np.int64] | None:
    """[first, last, missing ...] when `ordinals` rise through [first, last] with at most one in 8 of them missing
    (a row group's rows less its null and malformed hashes: 16 bytes per missing row instead of 8 per row); else
    None (the ordinals are stored as they are)."""
    first, last = int(ordinals[0]), int(ordinals[-1])
    missing = last - first + 1 - len(ordinals)
    if missing < 0 or missing > len(ordinals) // 8:
        return None
    steps = np.diff(ordinals)
    if not bool(np.all(steps > 0)):
        return None
    span = np.array([first, last], np.int64)
    if not missing:
        return span
    jumps = np.flatnonzero(steps > 1)  # after row j, the ordinals ordinals[j] + 1 .. ordinals[j + 1] - 1 are missing
    lengths = steps[jumps] - 1
    starts = np.repeat(ordinals[jumps] + 1 - np.cumsum(lengths) + lengths, lengths)
    return np.concatenate([span, starts + np.arange(missing, dtype=np.int64)])


class _OrdinalFile:
    """The ordinals of a run stored as they are (`NNNNNN.ord.npy`), read piece by piece; a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = open(path, "rb")  # closed by __exit__
        self.rows = _skip_npy_header(self._handle)[0]
        self._start = self._handle.tell()

    def read(self, begin: int, count: int) -> npt.NDArray[np.int64]:
        self._handle.seek(self._start + begin * 8)
        return np.fromfile(self._handle, np.int64, count)

    def complete(self) -> bool:
        self._handle.seek(self._start)
        return _holds(self._handle, self.rows * 8)

    def __enter__(self) -> _OrdinalFile:
        return self

    def __exit__(self, *_: object) -> None:
        self._handle.close()


class _Spans:
    """The ordinals of a run stored as [first, last, missing ...] (`_gaps`, `NNNNNN.gaps.npy`), read back piece by
    piece; a context manager like `_OrdinalFile`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        stored = np.load(path)
        self.first, last = int(stored[0]), int(stored[1])
        missing = stored[2:]
        self.rows = last - self.first + 1 - len(missing)
        # the row index at which each missing ordinal falls: rows at or past it come one ordinal later
        self._ranks = missing - self.first - np.arange(len(missing), dtype=np.int64)

    def read(self, begin: int, count: int) -> npt.NDArray[np.int64]:
        rows = np.arange(begin, begin + count, dtype=np.int64)
        return self.first + rows + np.searchsorted(self._ranks, rows, side="right")

    def complete(self) -> bool:
        return True  # np.load read it whole

    def __enter__(self) -> _Spans:
        return self

    def __exit__(self, *_: object) -> None:
        pass


def _holds(handle: Any, payload: int) -> bool:
    """Whether the file behind `handle`, positioned just after its header, holds `payload` more bytes."""
    return bool(os.fstat(handle.fileno()).st_size >= handle.tell() + payload)


def _skip_npy_header(handle: Any) -> tuple[int, ...]:
    version = np.lib.format.read_magic(handle)
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, _ = reader(handle)
    return tuple(shape)


def bucket_bits(rows: int, target_rows: int) -> int:
    """How many top key bits split `rows` rows into buckets of about `target_rows / 2` (0: one bucket)."""
    buckets = 1
    while buckets * target_rows < 2 * rows and buckets < MAX_BUCKETS:
        buckets *= 2
    return buckets.bit_length() - 1


# Two scratch files a bucket stay well inside the usual limit of 1,024 open files; a bucket of a 4-billion-row
# index is then about 16M rows (the cluster path takes bigger datasets).
MAX_BUCKETS = 1 << 8


def bucketed(
    store: RunStore,
    bucket_of: Callable[[npt.NDArray[Any]], npt.NDArray[np.intp]],
    bits: int,
    scratch: Path,
    with_ordinals: bool,
) -> Iterator[tuple[npt.NDArray[Any], npt.NDArray[np.int64] | None]]:
    """Every row of the runs, bucket by bucket in bucket order (`bucket_of(keys)` gives each key row's bucket, in
    [0, 2**bits)). One distribution pass writes each bucket to its own scratch file, so each row is read twice in
    all, whatever the number of buckets (an external distribution sort; a slab that re-reads every run per
    bucket would read the runs once per bucket). With `bits == 0`, one bucket: the runs read once, in memory."""
    if bits == 0:
        pieces = list(store.pieces(with_ordinals))
        keys = np.concatenate([k for k, _ in pieces]) if pieces else np.zeros((0, *store.row_shape), store.key_dtype)
        ordinals = np.concatenate([o for _, o in pieces if o is not None]) if with_ordinals and pieces else None
        yield keys, (ordinals if ordinals is not None else (np.zeros(0, np.int64) if with_ordinals else None))
        return
    count = 1 << bits
    scratch.mkdir(parents=True, exist_ok=True)
    key_files = [open(scratch / f"{b:05d}.keys", "wb") for b in range(count)]
    ord_files = [open(scratch / f"{b:05d}.ord", "wb") for b in range(count)] if with_ordinals else []
    try:
        for keys, ordinals in store.pieces(with_ordinals):
            buckets = bucket_of(keys).astype(np.uint8)  # < MAX_BUCKETS: numpy sorts 8-bit keys by radix, in O(n)
            order = np.argsort(buckets, kind="stable")
            bounds = np.searchsorted(buckets[order], np.arange(count + 1))
            for bucket in np.flatnonzero(np.diff(bounds)).tolist():
                rows = order[bounds[bucket] : bounds[bucket + 1]]
                key_files[bucket].write(np.ascontiguousarray(keys[rows]).tobytes())
                if ordinals is not None:
                    ord_files[bucket].write(ordinals[rows].tobytes())
    finally:
        for handle in (*key_files, *ord_files):
            handle.close()
    for bucket in range(count):
        keys = np.fromfile(scratch / f"{bucket:05d}.keys", dtype=store.key_dtype).reshape(-1, *store.row_shape)
        ordinals = np.fromfile(scratch / f"{bucket:05d}.ord", dtype=np.int64) if with_ordinals else None
        for suffix in (".keys", ".ord"):
            (scratch / f"{bucket:05d}{suffix}").unlink(missing_ok=True)
        yield keys, ordinals
    scratch.rmdir()
