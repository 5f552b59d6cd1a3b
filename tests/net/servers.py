"""Real local servers for network tests: a recording pytest-httpserver and raw-socket misbehavers."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


@dataclass(frozen=True)
class Recorded:
    """Everything a request carried, as the server saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def everything(self) -> bytes:
        """All of the request as bytes, for privacy checks."""
        head = "\n".join([self.method, self.path, self.query, *(f"{k}: {v}" for k, v in self.headers.items())])
        return head.encode("utf-8") + b"\n" + self.body


class RecordingServer(HTTPServer):
    """pytest-httpserver that keeps a copy of every request it receives (handled or not)."""

    def __init__(self) -> None:
        super().__init__(host="127.0.0.1", port=0, threaded=True)
        self.recorded: list[Recorded] = []

    def dispatch(self, request: Request) -> Response:
        self.recorded.append(
            Recorded(
                method=request.method,
                path=request.path,
                query=request.query_string.decode("latin-1"),
                headers=dict(request.headers.items()),
                body=request.get_data(),
            )
        )
        return super().dispatch(request)

    def clear(self) -> None:
        super().clear()
        self.recorded = []


@pytest.fixture(scope="session")
def _recording_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(_recording_server: RecordingServer) -> Iterator[RecordingServer]:
    _recording_server.clear()
    yield _recording_server
    _recording_server.clear()


class MisbehavingServer:
    """A raw TCP server: `trickle-body`, `trickle-headers` (one byte every `interval`) or `silent`.

    `on_request` is called (on the server's thread) once a request has arrived, before the misbehaviour
    starts: tests use it to move a hand-driven clock or to cancel the call at a known point.
    """

    def __init__(
        self,
        mode: str,
        interval: float = 0.1,
        ssl_context: ssl.SSLContext | None = None,
        on_request: Callable[[], None] | None = None,
    ) -> None:
        self.mode = mode
        self.ssl_context = ssl_context
        self.interval = interval
        self.on_request = on_request
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._listener.settimeout(0.02)  # how soon the accept loop notices the end of the test
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.connections = 0

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self._listener.getsockname()[1]}/"

    def __enter__(self) -> MisbehavingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._misbehave, args=(conn,), daemon=True).start()

    def _misbehave(self, conn: socket.socket) -> None:
        if self.ssl_context is not None:
            try:
                conn.settimeout(2)
                conn = self.ssl_context.wrap_socket(conn, server_side=True)
            except OSError:
                conn.close()
                return
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n"
        with conn:
            conn.settimeout(0.5)
            try:
                conn.recv(65536)
                if self.on_request is not None:
                    self.on_request()
                if self.mode == "trickle-body":
                    conn.sendall(head)
                    payload = b"[" + b" " * 9998 + b"]"
                elif self.mode == "trickle-headers":
                    payload = head
                else:
                    payload = b""
                for index in range(len(payload)):
                    if self._stop.is_set():
                        return
                    conn.sendall(payload[index : index + 1])
                    time.sleep(self.interval)
                self._stop.wait(10)
            except OSError:
                return


def free_port() -> int:
    """A loopback port nobody listens on (for "connection refused")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
