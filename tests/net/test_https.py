"""The same guarantees over TLS: certificate checks, the peer check, and cutting a trickling TLS server."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

from core.net import BlockedAddress, ConnectFailed, DeadlineExceeded, HttpClient, HttpConfig
from core.net.guard import fetch_image
from tests.clock import ManualClock
from tests.net.servers import MisbehavingServer


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def tls_server(server_context: ssl.SSLContext) -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=server_context)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


def test_guarded_fetch_over_https(tls_server: HTTPServer, ca_file: str) -> None:
    tls_server.expect_request("/a.webp").respond_with_data(b"RIFF0000WEBP", content_type="image/webp")
    with HttpClient(HttpConfig(timeout=3.0, ca_bundle=ca_file)) as client:
        fetched = fetch_image(tls_server.url_for("/a.webp"), client, max_bytes=1000, allow_loopback=True)
        assert fetched.data == b"RIFF0000WEBP"
        with pytest.raises(BlockedAddress):
            fetch_image(tls_server.url_for("/a.webp"), client, max_bytes=1000)
    tls_server.clear()


def test_an_untrusted_certificate_is_refused(tls_server: HTTPServer) -> None:
    tls_server.expect_request("/x").respond_with_json({})
    with HttpClient(HttpConfig(timeout=3.0, retries=0)) as client:
        with pytest.raises(ConnectFailed, match="secure connection"):
            client.request("GET", tls_server.url_for("/x"))
    tls_server.clear()


def test_a_trickling_tls_server_is_cut_at_the_deadline(server_context: ssl.SSLContext, ca_file: str) -> None:
    """A byte every 50 ms keeps every TLS read alive; the call's deadline, passed on the client's clock once the
    server has the request, is what cuts it (the watchdog shuts the TLS socket down from its own thread)."""
    config = HttpConfig(timeout=10.0, connect_timeout=60.0, read_timeout=60.0, ca_bundle=ca_file)
    clock = ManualClock()

    def past_the_deadline() -> None:
        clock.advance(config.timeout + 1)

    with MisbehavingServer(
        "trickle-body", interval=0.05, ssl_context=server_context, on_request=past_the_deadline
    ) as bad:
        with HttpClient(config, clock=clock, sleep=clock.sleep) as client:
            with pytest.raises(DeadlineExceeded, match="time limit"):
                client.request("GET", bad.url)


def test_a_host_name_keeps_its_certificate_check_while_the_address_is_pinned(
    tls_server: HTTPServer, ca_file: str
) -> None:
    """The connection goes to a resolved IP literal, but TLS still verifies the certificate for the name."""
    tls_server.expect_request("/x").respond_with_json({"ok": True})
    url = tls_server.url_for("/x").replace("127.0.0.1", "localhost")
    seen: list[str] = []
    with HttpClient(HttpConfig(timeout=3.0, ca_bundle=ca_file)) as client:
        response = client.request("GET", url, peer_check=seen.append, use_cache=False)
    assert response.json() == {"ok": True}
    assert "127.0.0.1" in seen
    tls_server.clear()
