"""The urllib3 layer under the HTTP client: connections and retries that obey the current `CallGuard`.

- The host is resolved on a helper thread within the call's time left (a stuck resolver cannot hold the
  call); every resolved address goes through the guard's `peer_check`, if any, before connecting; the socket
  connects to the validated IP literal (so a second DNS answer cannot swap the target: no DNS rebinding),
  and the peer of the connected socket is checked again before a single byte is sent.
- Every socket is registered with the guard, so the watchdog can cut it. Connect timeouts are clamped to
  the time the call has left.
- Retry waits (backoff, `Retry-After`) are cancellable and refused when they would overrun the deadline;
  POST is retried only when the call declared itself idempotent.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.response import BaseHTTPResponse
from urllib3.util import connection
from urllib3.util.retry import Retry

from core.net.watchdog import CallGuard, current_guard

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
    """Hooks shared by the HTTP and HTTPS connection classes (urllib3's own `_new_conn` when no guard)."""

    sock: socket.socket | None
    timeout: Any
    host: str
    port: int
    source_address: tuple[str, int] | None
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        """Resolve within the call's time budget, refuse addresses the peer check rejects, then connect to
        one of the validated IP literals (so no second DNS answer can swap the target)."""
        guard = current_guard()
        if guard is None:
            return super()._new_conn()  # type: ignore[misc, no-any-return]
        guard.check()
        if isinstance(self.timeout, int | float):
            self.timeout = max(0.001, min(float(self.timeout), guard.remaining()))
        try:
            addresses = _resolve_within(self.host.strip("[]"), self.port, guard)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error  # type: ignore[arg-type]
        if guard.peer_check is not None:
            for address in addresses:
                guard.peer_check(address)
        return self._connect_to_one_of(addresses)

    def _connect_to_one_of(self, addresses: list[str]) -> socket.socket:
        failure: Exception = NewConnectionError(self, "no address to connect to")  # type: ignore[arg-type]
        for address in addresses:
            try:
                sock = connection.create_connection(
                    (address, self.port), self.timeout, self.source_address, self.socket_options
                )
            except TimeoutError as error:
                failure = ConnectTimeoutError(self, f"Connection to {self.host} timed out.")
                failure.__cause__ = error
                continue
            except OSError as error:
                failure = NewConnectionError(self, f"Failed to establish a new connection: {error}")  # type: ignore[arg-type]
                failure.__cause__ = error
                continue
            try:
                _register(sock)
            except BaseException:
                sock.close()
                raise
            return sock
        raise failure

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a kept-alive connection: this call must still be able to cut it
            _register(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


def _resolve_within(host: str, port: int, guard: CallGuard) -> list[str]:
    """The host's addresses, looked up on a helper thread so that a slow resolver cannot outlast the call
    (`getaddrinfo` itself cannot be interrupted; an abandoned lookup ends on its own)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    found: list[str] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            infos = socket.getaddrinfo(host, port, connection.allowed_gai_family(), socket.SOCK_STREAM)
            found.extend(dict.fromkeys(str(info[4][0]) for info in infos))
        except (OSError, UnicodeError) as error:
            errors.append(error)
        finally:
            done.set()

    threading.Thread(target=look_up, name="traintrace-dns", daemon=True).start()
    while not done.wait(0.05):
        guard.check()
    if errors:
        error = errors[0]
        raise error if isinstance(error, socket.gaierror) else socket.gaierror(str(error))
    return found


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedRetry(Retry):
    """urllib3 `Retry` whose waits obey the current call's deadline and cancel flag, with `Retry-After`
    capped at `retry_after_cap` seconds (a server asking for an hour gets the cap, then one more try)."""

    retry_after_cap: float = 30.0

    def new(self, **kw: Any) -> GuardedRetry:
        retry = super().new(**kw)
        retry.retry_after_cap = self.retry_after_cap
        return retry

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.retry_after_cap)

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
    retry = GuardedRetry(
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
        raise_on_status=False,
        raise_on_redirect=False,
    )
    retry.retry_after_cap = retry_after_cap
    return retry


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose pools create guarded connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPConnectionPool,
            "https": _GuardedHTTPSConnectionPool,
        }
