"""Hard limits on a call in flight: a total deadline and a cancel flag that cut blocked socket reads.

Socket timeouts bound each read, not the whole call: a server that trickles one byte a second never trips
them. So each call runs under a `CallGuard` that remembers the sockets the call opened; a `Watchdog` thread
polls the active guards and shuts those sockets down when the deadline passes or the user cancels, which
wakes the blocked read at once. The guard is found through a thread-local, because urllib3 creates the
connections deep inside `requests` on the calling thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from core.errors import Cancelled
from core.net.errors import DeadlineExceeded

PeerCheck = Callable[[str], None]
"""Called with the IP address a connection really reached; raises to refuse it (see core.net.guard)."""

_POLL_SECONDS = 0.05


class CallGuard:
    """The limits of one call: deadline (monotonic seconds), cancel flag, retry policy, peer check.

    `clock` and `sleep` are injected together (tests pass a hand-driven pair): the deadline is read from the
    clock, and waits (backoff, Retry-After, rate limits) sleep through `sleep`.
    """

    def __init__(
        self,
        *,
        deadline: float,
        is_cancelled: Callable[[], bool],
        idempotent: bool = True,
        peer_check: PeerCheck | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.deadline = deadline
        self.idempotent = idempotent
        self.peer_check = peer_check
        self._is_cancelled = is_cancelled
        self._clock = clock
        self._sleep = sleep
        self._sockets: list[socket.socket] = []
        self._reason: str | None = None
        self._lock = threading.Lock()

    @property
    def reason(self) -> str | None:
        """ "deadline" or "cancelled" once the call was cut, else None."""
        return self._reason

    def remaining(self) -> float:
        return max(0.0, self.deadline - self._clock())

    def poll(self) -> None:
        """Cut the call if it was cancelled or ran out of time (called by the watchdog and the caller)."""
        if self._reason is not None:
            return
        if self._is_cancelled():
            self._abort("cancelled")
        elif self._clock() >= self.deadline:
            self._abort("deadline")

    def check(self) -> None:
        """Raise `Cancelled` or `DeadlineExceeded` if the call was cut."""
        self.poll()
        if self._reason == "cancelled":
            raise Cancelled("cancelled")
        if self._reason == "deadline":
            raise DeadlineExceeded("no complete answer within the time limit")

    def attach(self, sock: socket.socket) -> None:
        """Track a socket the call uses; if the call is already cut, shut it down at once."""
        with self._lock:
            if sock not in self._sockets:
                self._sockets.append(sock)
        if self._reason is not None:
            _shutdown(sock)
        self.check()

    def wait(self, seconds: float) -> None:
        """Sleep `seconds` (a backoff, a rate-limit wait) unless cancelled; refuse waits past the deadline."""
        if seconds > self.remaining():
            raise DeadlineExceeded(f"the server asks to wait {seconds:.0f} s, more than the time left for this call")
        end = self._clock() + seconds
        while True:
            self.check()
            left = end - self._clock()
            if left <= 0:
                return
            self._sleep(min(left, _POLL_SECONDS))

    def _abort(self, reason: str) -> None:
        with self._lock:
            if self._reason is not None:
                return
            self._reason = reason
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # The base-class shutdown also works for SSL sockets and does not touch their SSL state from this thread.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed or never connected: nothing to wake


_current = threading.local()


def current_guard() -> CallGuard | None:
    """The guard of the call running on this thread, if any."""
    guard: CallGuard | None = getattr(_current, "guard", None)
    return guard


class Watchdog:
    """One daemon thread per HTTP client that enforces the guards of all calls in flight."""

    def __init__(self) -> None:
        self._guards: set[CallGuard] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextmanager
    def watching(self, guard: CallGuard) -> Iterator[CallGuard]:
        """Make `guard` the current one on this thread and enforce it until the block ends."""
        previous = current_guard()
        with self._lock:
            self._guards.add(guard)
            self._ensure_thread()
        _current.guard = guard
        try:
            yield guard
        finally:
            _current.guard = previous
            with self._lock:
                self._guards.discard(guard)

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closed = False
            self._wake.clear()
            self._thread = threading.Thread(target=self._run, name="traintrace-http-watchdog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            with self._lock:
                guards = list(self._guards)
            for guard in guards:
                guard.poll()
            self._wake.wait(_POLL_SECONDS)
