"""The guarded fetcher: only public http(s) images, checked after DNS, on every redirect and on connect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.net import BlockedAddress, HttpClient, HttpConfig, NetworkError, NotAnImage, ResponseTooLarge
from core.net.guard import MAX_REDIRECTS, check_address, fetch_image
from tests.clock import ManualClock
from tests.net.servers import RecordingServer

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def client() -> Iterator[HttpClient]:
    """On a hand-driven clock: the fetcher's rate-limit waits between hops take no real time."""
    clock = ManualClock()
    with HttpClient(HttpConfig(timeout=3.0, retries=0), clock=clock, sleep=clock.sleep) as http:
        yield http


def test_fetches_an_image_from_an_allowed_server(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/a.png").respond_with_data(PNG, content_type="image/png")
    fetched = fetch_image(server.url_for("/a.png"), client, max_bytes=10_000, allow_loopback=True)
    assert fetched.data == PNG
    assert fetched.content_type == "image/png"
    assert fetched.final_url == server.url_for("/a.png")


def test_loopback_is_refused_by_default_before_any_connection(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/a.png").respond_with_data(PNG, content_type="image/png")
    for url in (server.url_for("/a.png"), server.url_for("/a.png").replace("127.0.0.1", "localhost")):
        with pytest.raises(BlockedAddress, match="non-public"):
            fetch_image(url, client, max_bytes=10_000)
    assert server.recorded == []


def test_redirects_are_followed_and_each_hop_checked(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/start").respond_with_data("", status=302, headers={"Location": "/middle"})
    server.expect_request("/middle").respond_with_data("", status=301, headers={"Location": "/final.jpg"})
    server.expect_request("/final.jpg").respond_with_data(b"\xff\xd8\xff", content_type="image/jpeg")
    fetched = fetch_image(server.url_for("/start"), client, max_bytes=10_000, allow_loopback=True)
    assert fetched.final_url == server.url_for("/final.jpg")
    assert [request.path for request in server.recorded] == ["/start", "/middle", "/final.jpg"]


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.7/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/x.jpg",
        "http://192.168.1.1/x.jpg",
        "file:///etc/passwd",
        "ftp://example.com/x.jpg",
    ],
)
def test_a_redirect_to_a_private_address_or_other_scheme_is_refused(
    server: RecordingServer, client: HttpClient, target: str
) -> None:
    server.expect_request("/evil").respond_with_data("", status=302, headers={"Location": target})
    # The conftest turns any connection beyond loopback into an error, so reaching BlockedAddress proves
    # the check ran before connecting.
    with pytest.raises(BlockedAddress):
        fetch_image(server.url_for("/evil"), client, max_bytes=10_000, allow_loopback=True)


def test_redirect_loops_are_bounded(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(NetworkError, match="redirects"):
        fetch_image(server.url_for("/loop"), client, max_bytes=10_000, allow_loopback=True)
    assert len(server.recorded) == MAX_REDIRECTS + 1


@pytest.mark.parametrize("content_type", ["text/html", "application/json", "image/svg+xml", ""])
def test_only_images_are_accepted(server: RecordingServer, client: HttpClient, content_type: str) -> None:
    server.expect_request("/x").respond_with_data(b"<html>", headers={"Content-Type": content_type})
    with pytest.raises(NotAnImage):
        fetch_image(server.url_for("/x"), client, max_bytes=10_000, allow_loopback=True)


def test_size_cap(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/big.png").respond_with_data(PNG * 100, content_type="image/png")
    with pytest.raises(ResponseTooLarge):
        fetch_image(server.url_for("/big.png"), client, max_bytes=len(PNG), allow_loopback=True)


def test_urls_with_credentials_or_without_host_are_refused(client: HttpClient) -> None:
    for url in ("http://user:pw@example.com/x.jpg", "http:///x.jpg", "javascript:alert(1)"):
        with pytest.raises(BlockedAddress):
            fetch_image(url, client, max_bytes=10)


def test_the_address_actually_connected_to_is_checked(server: RecordingServer, client: HttpClient) -> None:
    """DNS rebinding defence: the peer of the real socket is validated before the request is written."""
    server.expect_request("/x").respond_with_data(PNG, content_type="image/png")
    seen: list[str] = []

    def refuse_everything(address: str) -> None:
        seen.append(address)
        check_address(address, allow_loopback=False)

    with pytest.raises(BlockedAddress):
        client.request("GET", server.url_for("/x"), peer_check=refuse_everything, use_cache=False)
    assert seen == ["127.0.0.1"]
    assert server.recorded == []


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "127.0.0.1",
        "169.254.1.1",
        "224.0.0.1",
        "0.0.0.0",
        "240.0.0.1",
        "100.64.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:a00:1::",
        "64:ff9b::a00:1",
        "not-an-ip",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(BlockedAddress):
        check_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    check_address(address)


def test_loopback_allowance_does_not_open_private_ranges() -> None:
    check_address("127.0.0.1", allow_loopback=True)
    check_address("::1", allow_loopback=True)
    with pytest.raises(BlockedAddress):
        check_address("10.0.0.1", allow_loopback=True)
