"""The HTTP client against real local servers: retries, limits, deadline, cache, cancel, User-Agent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug import Request, Response

from core import __version__
from core.errors import Cancelled
from core.net import (
    ConnectFailed,
    DeadlineExceeded,
    HttpClient,
    HttpConfig,
    HttpStatusError,
    MalformedResponse,
    RateLimit,
    ResponseTooLarge,
)
from core.progress import Progress
from tests.clock import ManualClock
from tests.net.servers import MisbehavingServer, RecordingServer, free_port

FAST = HttpConfig(
    timeout=0.8,
    connect_timeout=0.5,
    read_timeout=0.5,
    max_bytes=50_000,
    retries=2,
    backoff_factor=0.01,
    retry_after_cap=1.0,
)
# For tests on a hand-driven clock: socket timeouts far away, so only the call's deadline (or a cancel) can cut it.
PATIENT = HttpConfig(timeout=10.0, connect_timeout=60.0, read_timeout=60.0, max_bytes=50_000, retries=2)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[HttpClient]:
    with HttpClient(FAST, cache_dir=tmp_path / "cache") as http:
        yield http


def test_sends_the_user_agent_and_returns_the_body(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/hello").respond_with_json({"ok": True})
    response = client.request("GET", server.url_for("/hello"))
    assert response.status == 200
    assert response.json() == {"ok": True}
    assert server.recorded[0].headers["User-Agent"] == f"TrainTrace/{__version__}"


def test_429_with_retry_after_is_honoured_then_succeeds(server: RecordingServer) -> None:
    server.expect_ordered_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    server.expect_ordered_request("/busy").respond_with_json({"ok": 1})
    clock = ManualClock()
    with HttpClient(replace(FAST, timeout=3.0), clock=clock, sleep=clock.sleep) as patient:
        assert patient.request("GET", server.url_for("/busy")).json() == {"ok": 1}
    assert clock.slept == pytest.approx(1.0)  # waited as asked
    assert len(server.recorded) == 2


def test_retry_after_beyond_the_cap_waits_only_the_cap(server: RecordingServer) -> None:
    config = HttpConfig(timeout=5.0, retries=1, retry_after_cap=0.5, backoff_factor=0.01)
    server.expect_ordered_request("/busy").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    server.expect_ordered_request("/busy").respond_with_json([1])
    clock = ManualClock()
    with HttpClient(config, clock=clock, sleep=clock.sleep) as http:
        assert http.request("GET", server.url_for("/busy")).json() == [1]
    assert clock.slept == pytest.approx(0.5)


def test_503s_are_retried_then_reported(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/down").respond_with_data("", status=503)
    with pytest.raises(HttpStatusError) as caught:
        client.request("GET", server.url_for("/down"))
    assert caught.value.status == 503
    assert len(server.recorded) == FAST.retries + 1


def test_503_then_200_recovers(server: RecordingServer, client: HttpClient) -> None:
    server.expect_ordered_request("/flaky").respond_with_data("", status=503)
    server.expect_ordered_request("/flaky").respond_with_data("", status=502)
    server.expect_ordered_request("/flaky").respond_with_json({"fine": True})
    assert client.request("GET", server.url_for("/flaky")).json() == {"fine": True}


def test_404_with_error_code_is_not_retried(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/missing").respond_with_json(
        {"error": "Not found."}, status=404, headers={"X-Error-Code": "ResponseNotFound"}
    )
    with pytest.raises(HttpStatusError) as caught:
        client.request("GET", server.url_for("/missing"))
    assert caught.value.error_code == "ResponseNotFound"
    assert "ResponseNotFound" in str(caught.value) and "Not found." in str(caught.value)
    assert len(server.recorded) == 1


def test_post_is_retried_only_when_idempotent(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/q", method="POST").respond_with_data("", status=503)
    with pytest.raises(HttpStatusError):
        client.request("POST", server.url_for("/q"), data="a\nb", idempotent=True)
    assert len(server.recorded) == FAST.retries + 1
    server.clear()
    server.expect_request("/q", method="POST").respond_with_data("", status=503)
    with pytest.raises(HttpStatusError):
        client.request("POST", server.url_for("/q"), data="a\nb", idempotent=False)
    assert len(server.recorded) == 1


def test_malformed_json_is_a_clear_error(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/bad").respond_with_data('{"rows": [', content_type="application/json")
    with pytest.raises(MalformedResponse):
        client.request("GET", server.url_for("/bad")).json()


def test_declared_huge_body_is_refused_unread(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/huge").respond_with_data(b"[" + b"0," * 100_000 + b"0]")
    with pytest.raises(ResponseTooLarge):
        client.request("GET", server.url_for("/huge"))


def test_undeclared_huge_body_is_cut_at_the_cap(server: RecordingServer, client: HttpClient) -> None:
    def endless(_request: Request) -> Response:
        return Response((b"x" * 4096 for _ in range(10_000)), content_type="application/json")

    server.expect_request("/stream").respond_with_handler(endless)
    with pytest.raises(ResponseTooLarge):
        client.request("GET", server.url_for("/stream"))


def test_server_sleeping_past_the_timeout(server: RecordingServer) -> None:
    """The server's answer takes longer than the call's budget (on the client's clock): the call is cut at its
    deadline, not held until the server answers (it answers only once the test releases it, after the call)."""
    clock, release = ManualClock(), threading.Event()

    def sleepy(_request: Request) -> Response:
        clock.advance(PATIENT.timeout + 1)
        release.wait(30)
        return Response("{}")

    server.expect_request("/sleepy").respond_with_handler(sleepy)
    try:
        with HttpClient(PATIENT, clock=clock, sleep=clock.sleep) as client:
            with pytest.raises(DeadlineExceeded, match="time limit"):
                client.request("GET", server.url_for("/sleepy"))
    finally:
        release.set()


@pytest.mark.parametrize("mode", ["trickle-body", "trickle-headers", "silent"])
def test_trickling_or_silent_server_never_holds_us_past_the_timeout(mode: str) -> None:
    """Socket timeouts never fire here (a byte comes every 50 ms, or the read timeout is a minute away): only the
    call's own deadline, passed on the client's clock once the server has the request, can end the call."""
    clock = ManualClock()
    with MisbehavingServer(mode, interval=0.05, on_request=lambda: clock.advance(PATIENT.timeout + 1)) as misbehaving:
        with HttpClient(PATIENT, clock=clock, sleep=clock.sleep) as client:
            with pytest.raises(DeadlineExceeded, match="time limit"):
                client.request("GET", misbehaving.url)


def test_the_deadline_holds_with_the_real_clock() -> None:
    """The deadline with the real clock and the real watchdog (no injected clock): a server that would trickle for
    minutes is cut by the call's 0.3 s deadline, not by a socket timeout (a hang would end in the suite's timeout)."""
    with (
        MisbehavingServer("trickle-body", interval=0.05) as misbehaving,
        HttpClient(replace(FAST, timeout=0.3)) as client,
        pytest.raises(DeadlineExceeded, match="time limit"),
    ):
        client.request("GET", misbehaving.url)


@pytest.mark.parametrize("how", ["event", "progress"])
def test_cancel_aborts_a_call_in_flight(how: str) -> None:
    """Cancelled once the server has the request; the server trickles for minutes and the deadline never passes
    (nothing moves the client's clock), so only the cancel can end the call."""
    event, progress = threading.Event(), Progress()
    cancel, signal = (event, event.set) if how == "event" else (progress, progress.cancel)
    clock = ManualClock()
    with MisbehavingServer("trickle-body", interval=0.05, on_request=signal) as misbehaving:
        with HttpClient(PATIENT, clock=clock, sleep=clock.sleep) as client:
            with pytest.raises(Cancelled):
                client.request("GET", misbehaving.url, cancel=cancel)


def test_connection_refused(client: HttpClient) -> None:
    with pytest.raises(ConnectFailed, match="refused"):
        client.request("GET", f"http://127.0.0.1:{free_port()}/")


def test_dns_failure(client: HttpClient) -> None:
    with pytest.raises(ConnectFailed, match="DNS"):
        client.request("GET", "http://no-such-host.invalid/")


def test_cache_serves_repeats_and_refresh_bypasses_it(
    server: RecordingServer, client: HttpClient, tmp_path: Path
) -> None:
    server.expect_request("/rows").respond_with_json({"rows": [1]})
    url = server.url_for("/rows")
    first = client.request("GET", url, headers={"Authorization": "Bearer sekrit-token-123"})
    second = client.request("GET", url, headers={"Authorization": "Bearer sekrit-token-123"})
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.json() == {"rows": [1]}
    assert len(server.recorded) == 1
    refreshed = client.request("GET", url, refresh=True)
    assert not refreshed.from_cache and len(server.recorded) == 2
    cache_file = tmp_path / "cache" / "http-cache.sqlite"
    assert cache_file.stat().st_mode & 0o777 == 0o600
    assert b"sekrit-token-123" not in cache_file.read_bytes()


def test_errors_are_not_cached(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/nope").respond_with_data("", status=404)
    for _ in range(2):
        with pytest.raises(HttpStatusError):
            client.request("GET", server.url_for("/nope"))
    assert len(server.recorded) == 2


def test_per_host_rate_limit_spaces_requests(server: RecordingServer) -> None:
    server.expect_request("/r").respond_with_json([])
    rate = RateLimit(requests=4, per_seconds=1.0, burst=1)
    clock = ManualClock()
    with HttpClient(FAST, clock=clock, sleep=clock.sleep) as client:
        for _ in range(3):
            client.request("GET", server.url_for("/r"), rate=rate, use_cache=False)
    assert clock.slept == pytest.approx(0.5)  # 2 waits of 0.25 s
    assert len(server.recorded) == 3


def test_a_rate_wait_longer_than_the_deadline_is_refused(server: RecordingServer) -> None:
    server.expect_request("/r").respond_with_json([])
    rate = RateLimit(requests=1, per_seconds=60.0, burst=1)
    clock = ManualClock()
    with HttpClient(FAST, clock=clock, sleep=clock.sleep) as client:
        client.request("GET", server.url_for("/r"), rate=rate, use_cache=False)
        with pytest.raises(DeadlineExceeded):
            client.request("GET", server.url_for("/r"), rate=rate, use_cache=False)
    assert clock.slept == 0.0  # refused at once, without waiting first
    assert len(server.recorded) == 1
