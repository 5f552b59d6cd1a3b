"""Every thread the GUI uses, in one place.

Three pools with fixed lifetimes, owned by one `Workers` object that the composition root creates and shuts
down: `reads` for catalogue queries, `thumbnails` for image decoding (so a page of thumbnails never queues a
query behind it), and `writer`, a single thread for everything that writes the catalogue (scans, decisions,
profile) so writes never interleave on the shared connection. Results come back on the GUI thread through
queued signals; a task never touches a widget.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot


@dataclass(frozen=True)
class TaskError:
    """An exception raised on a worker thread, with its formatted traceback for the error dialog."""

    exception: BaseException
    details: str


class Pool(Enum):
    READS = "reads"
    THUMBNAILS = "thumbnails"
    WRITER = "writer"


class MainThreadPost(QObject):
    """A callable, safe from any thread, that runs `callback(value)` later on the thread owning this object."""

    _posted = Signal(object)

    def __init__(self, callback: Callable[[Any], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callback = callback
        self._posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def __call__(self, value: object) -> None:
        self._posted.emit(value)

    @Slot(object)
    def _deliver(self, value: object) -> None:
        self._callback(value)


class _Task(QRunnable):
    def __init__(self, function: Callable[[], object], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._function = function
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._function()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the UI as a dialog, never kill a thread
            self._relay.failed.emit(TaskError(exc, "".join(traceback.format_exception(exc))))
        else:
            self._relay.succeeded.emit(result)


class _Relay(QObject):
    """Lives on the GUI thread; its queued signals carry one task's outcome back there."""

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_error: Callable[[TaskError], None],
        forget: Callable[[_Relay], None],
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self._forget = forget
        self.succeeded.connect(self._deliver_result, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self._forget(self)
        self._on_done(value)

    @Slot(object)
    def _deliver_error(self, error: TaskError) -> None:
        self._forget(self)
        self._on_error(error)


class Workers:
    """Owns the thread pools; `submit` runs a function on one and calls back on the GUI thread."""

    def __init__(self, read_threads: int = 0) -> None:
        self._pools = {pool: QThreadPool() for pool in Pool}
        ideal = QThreadPool.globalInstance().maxThreadCount()
        self._pools[Pool.READS].setMaxThreadCount(read_threads or max(2, min(ideal, 4)))
        self._pools[Pool.THUMBNAILS].setMaxThreadCount(max(1, min(ideal - 1, 3)))
        self._pools[Pool.WRITER].setMaxThreadCount(1)
        self._relays: set[_Relay] = set()

    def submit(
        self,
        pool: Pool,
        function: Callable[[], object],
        on_done: Callable[[Any], None],
        on_error: Callable[[TaskError], None],
    ) -> None:
        relay = _Relay(on_done, on_error, self._relays.discard)
        self._relays.add(relay)  # keeps the relay alive until its result is delivered
        self._pools[pool].start(_Task(function, relay))

    def pending(self) -> int:
        """Tasks whose results have not reached the GUI thread yet."""
        return len(self._relays)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop taking work and wait for running tasks; True if every pool finished in time."""
        for pool in self._pools.values():
            pool.clear()
        return all(pool.waitForDone(timeout_ms) for pool in self._pools.values())
