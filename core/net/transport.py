"""The urllib3 layer under the HTTP client: connections and retries that obey the current `CallGuard`.

- Every new socket is registered with the guard (so the watchdog can cut it) and its peer address is
  checked by the guard's `peer_check`, if any, before a single byte is sent: the guarded fetcher uses this
  to validate the address actually connected to, which defeats DNS rebinding.
- Connect timeouts are clamped to the time the call has left.
- Retry waits (backoff, `Retry-After`) are cancellable and refused when they would overrun the deadline;
  POST is retried only when the call declared itself idempotent.
"""

from __future__ import annotations

import math
import socket
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from core.net.watchdog import current_guard

RETRY_STATUSES = (429, 500, 502, 503, 504)
_NON_IDEMPOTENT = frozenset({"POST", "PATCH"})


def _register(sock: socket.socket) -> None:
    guard = current_guard()
    if guard is None:
        return
    guard.attach(sock)
    if guard.peer_check is not None:
        guard.peer_check(str(sock.getpeername()[0]))


class _GuardedConnectionMixin:
    """Hooks shared by the HTTP and HTTPS connection classes."""

    sock: socket.socket | None
    timeout: Any

    def _new_conn(self) -> socket.socket:
        guard = current_guard()
        if guard is not None:
            guard.check()
            if isinstance(self.timeout, int | float):
                self.timeout = max(0.001, min(float(self.timeout), guard.remaining()))
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        try:
            _register(sock)
        except BaseException:
            sock.close()
            raise
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a kept-alive connection: this call must still be able to cut it
            _register(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedRetry(Retry):
    """urllib3 `Retry` whose waits obey the current call's deadline and cancel flag."""

    def _is_method_retryable(self, method: str) -> bool:
        guard = current_guard()
        if guard is not None and not guard.idempotent and method.upper() in _NON_IDEMPOTENT:
            return False
        return super()._is_method_retryable(method)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait = None
        if self.respect_retry_after_header and response is not None:
            wait = self.get_retry_after(response)
        if wait is None:
            wait = self.get_backoff_time()
        guard = current_guard()
        if guard is None:
            super().sleep(response)
        else:
            guard.wait(wait)


def build_retry(*, attempts: int, backoff_factor: float, retry_after_cap: float, max_redirects: int) -> Retry:
    """Retries on connect errors, read errors and 429/500/502/503/504; never on other 4xx."""
    return GuardedRetry(
        total=attempts,
        connect=attempts,
        read=attempts,
        status=attempts,
        other=0,
        redirect=max_redirects,
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "POST"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=retry_after_cap,
        respect_retry_after_header=True,
        retry_after_max=max(1, math.ceil(retry_after_cap)),
        raise_on_status=False,
        raise_on_redirect=False,
    )


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose pools create guarded connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPConnectionPool,
            "https": _GuardedHTTPSConnectionPool,
        }
