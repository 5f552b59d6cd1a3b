"""Bounded fetches against misbehaving loopback servers: silence, dripping, huge bodies, broken connections."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from core.optout.site_check import check_site
from core.optout.site_fetch import Fetched, FetchFailure, fetch
from core.optout.site_signals import Status
from tests.clock import ManualClock

Behaviour = Callable[[socket.socket], None]


@pytest.fixture
def raw_server() -> Iterator[Callable[[Behaviour], str]]:
    """A loopback TCP server whose every connection is handled by `behaviour` in its own thread."""
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(behaviour: Behaviour) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.1)
        listeners.append(listener)

        def serve() -> None:
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except (TimeoutError, OSError):
                    continue
                threading.Thread(target=_handle, args=(behaviour, connection), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/"

    yield start
    stop.set()
    for listener in listeners:
        listener.close()


def _handle(behaviour: Behaviour, connection: socket.socket) -> None:
    with connection:
        try:
            connection.recv(65536)
            behaviour(connection)
        except OSError:
            pass


def _silent(connection: socket.socket) -> None:
    """Say nothing until the client hangs up (at most 30 s)."""
    connection.settimeout(30)
    connection.recv(1)


def _drip(connection: socket.socket, after_first_byte: Callable[[], None] = lambda: None, seconds: int = 30) -> None:
    """Headers, then one byte every 50 ms for `seconds` (no socket read timeout ever fires), then hang up."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
    connection.sendall(b"x")
    after_first_byte()
    for _ in range(seconds * 20):
        time.sleep(0.05)
        connection.sendall(b"x")


def _huge(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"User-agent: x\n" * 4096
    for _ in range(200):
        connection.sendall(b"%x\r\n%s\r\n" % (len(block), block))


def _declared_huge(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 900000000\r\n\r\nabc")


def _broken(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort")


def _garbage(connection: socket.socket) -> None:
    connection.sendall(b"\x00\x01 this is not HTTP\r\n\r\n")


def _repeated_headers(connection: socket.socket) -> None:
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nX-Robots-Tag: img2dataset: noai\r\nX-Robots-Tag: otherbot: noindex\r\n"
        b"Content-Length: 2\r\n\r\nok"
    )


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.trust_env = False
        yield http


def _failure(got: Fetched | FetchFailure) -> FetchFailure:
    assert isinstance(got, FetchFailure), got
    return got


def test_silent_server_times_out(raw_server: Callable[[Behaviour], str], session: requests.Session) -> None:
    failure = _failure(fetch(session, raw_server(_silent), timeout=0.3, max_bytes=1000))
    assert "0.3 seconds" in failure.reason or "timeout" in failure.reason


def test_dripping_server_hits_the_deadline(raw_server: Callable[[Behaviour], str], session: requests.Session) -> None:
    """Each byte comes well within the 5 s read timeout; once the first has arrived the fetch's clock passes the
    whole-body deadline (3 x 5 s), so the next byte read ends the fetch, long before the server stops dripping."""
    clock = ManualClock()
    url = raw_server(lambda connection: _drip(connection, after_first_byte=lambda: clock.advance(16)))
    failure = _failure(fetch(session, url, timeout=5, max_bytes=1_000_000, clock=clock))
    assert failure.reason == "the server sends the file too slowly"


def test_huge_bodies_are_capped(raw_server: Callable[[Behaviour], str], session: requests.Session) -> None:
    streamed = _failure(fetch(session, raw_server(_huge), timeout=2, max_bytes=100_000))
    assert streamed.reason == "the file is larger than 100000 bytes"
    declared = _failure(fetch(session, raw_server(_declared_huge), timeout=2, max_bytes=100_000))
    assert "900000000 bytes" in declared.reason


def test_broken_and_garbage_responses(raw_server: Callable[[Behaviour], str], session: requests.Session) -> None:
    assert _failure(fetch(session, raw_server(_broken), timeout=2, max_bytes=10_000)).reason
    assert _failure(fetch(session, raw_server(_garbage), timeout=2, max_bytes=10_000)).reason
    assert "invalid" in _failure(fetch(session, "http://[::1", timeout=2, max_bytes=10)).reason


def test_repeated_headers_are_kept_apart(raw_server: Callable[[Behaviour], str], session: requests.Session) -> None:
    got = fetch(session, raw_server(_repeated_headers), timeout=2, max_bytes=10_000)
    assert isinstance(got, Fetched)
    assert got.header_values("x-robots-tag") == ["img2dataset: noai", "otherbot: noindex"]


def test_checker_never_raises_on_a_hostile_site(
    raw_server: Callable[[Behaviour], str], session: requests.Session
) -> None:
    """Every body fetch is cut by its deadline (3 x 0.1 s on the real clock) although the site would drip each file
    for a minute: the bodies read as unreachable, the image headers as served (a hang would end in the suite's
    timeout)."""
    report = check_site(raw_server(lambda c: _drip(c, seconds=60)), session, image_urls=["a.jpg"], timeout=0.1)
    bodies = [result for result in report.results if "a.jpg" not in result.url]
    assert {result.status for result in bodies} == {Status.UNREACHABLE}
    images = [result for result in report.results if "a.jpg" in result.url]
    assert {result.status for result in images} == {Status.MISSING}  # headers arrived; the body is never read
