"""`optout check` is a network client pointed at the open web: the network guard on every hop, only the artist's
own site unless asked, cross-site redirects judged as what they are, and verdicts scripts can use.

Real local servers (pytest-httpserver on 127.0.0.1); loopback is allowed explicitly, as in the guard's tests.
Addresses such as 10.0.0.7 are never connected to: the guard refuses them before any socket is opened (the
suite's network blocker would raise otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.net.http import HttpClient, HttpConfig
from core.optout.crawlers import load_crawler_list
from core.optout.site_check import SiteReport, Verdict, check_site
from core.optout.site_files import generate_site_files
from core.optout.site_signals import Signal, Status
from core.profile import Profile
from tests.hostile.conftest import catalogue_with, cli, url_match
from tests.net.servers import RecordingServer

RESERVED = {"X-Robots-Tag": "noai, noimageai", "tdm-reservation": "1"}


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(HttpConfig(timeout=5.0, retries=0)) as http:
        yield http


def _serve_protected_site(server: RecordingServer, tmp_path: Path, *, images: tuple[str, ...] = ("/w/a.jpg",)) -> None:
    """The generated files, served as the README says, with the reservation headers on pages and images."""
    out = tmp_path / "generated"
    generate_site_files(out, Profile(name="Ada"), tdm_policy_url=None, crawlers=load_crawler_list())
    text = {name: (out / name).read_text() for name in ("robots.txt", "ai.txt", ".well-known/tdmrep.json")}
    server.expect_request("/robots.txt").respond_with_data(text["robots.txt"], content_type="text/plain")
    server.expect_request("/ai.txt").respond_with_data(text["ai.txt"], content_type="text/plain")
    server.expect_request("/.well-known/tdmrep.json").respond_with_data(
        text[".well-known/tdmrep.json"], content_type="application/json"
    )
    page = f"<html><head>{(out / 'html' / 'meta-tags.html').read_text()}</head><body>Ada</body></html>"
    server.expect_request("/").respond_with_data(page, content_type="text/html", headers=RESERVED)
    for image in images:
        server.expect_request(image).respond_with_data(b"\xff\xd8\xff", content_type="image/jpeg", headers=RESERVED)


def _paths(server: RecordingServer) -> list[str]:
    return [request.path for request in server.recorded]


def _one(report: SiteReport, signal: Signal) -> tuple[Status, str]:
    (result,) = report.for_signal(signal)
    return result.status, result.explanation


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/robots.txt", "http://[fd00::1]/robots.txt"]
)
def test_a_redirect_to_a_private_address_is_refused_and_never_judged_as_the_sites_file(
    server: RecordingServer, client: HttpClient, target: str
) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=302, headers={"Location": target})
    report = check_site(server.url_for("/"), client, image_urls=[], allow_loopback=True, include_other_hosts=True)
    status, explanation = _one(report, Signal.ROBOTS_TXT)
    assert status is Status.UNREACHABLE
    assert "refused" in explanation and "non-public address" in explanation and target in explanation
    assert _paths(server).count("/robots.txt") == 1


def test_every_hop_is_checked_not_only_the_first(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=301, headers={"Location": "/moved"})
    server.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "http://10.1.2.3/r"})
    report = check_site(server.url_for("/"), client, image_urls=[], allow_loopback=True, include_other_hosts=True)
    status, explanation = _one(report, Signal.ROBOTS_TXT)
    assert status is Status.UNREACHABLE and "after a redirect to http://10.1.2.3/r" in explanation
    assert [p for p in _paths(server) if p in ("/robots.txt", "/moved")] == ["/robots.txt", "/moved"]


def test_loopback_itself_is_refused_unless_allowed(server: RecordingServer, client: HttpClient) -> None:
    report = check_site(server.url_for("/"), client, image_urls=[])
    assert server.recorded == []  # refused before connecting
    assert report.verdict is Verdict.REFUSED
    assert all(r.status in (Status.UNREACHABLE, Status.NOT_CHECKED) for r in report.results)


def test_a_redirect_to_another_site_is_reported_as_such_and_followed_only_on_request(
    server: RecordingServer, client: HttpClient
) -> None:
    elsewhere = server.url_for("/elsewhere/robots.txt").replace("127.0.0.1", "localhost")
    server.expect_request("/robots.txt").respond_with_data("", status=302, headers={"Location": elsewhere})
    server.expect_request("/elsewhere/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /\n", content_type="text/plain"
    )
    report = check_site(server.url_for("/"), client, image_urls=[], allow_loopback=True)
    status, explanation = _one(report, Signal.ROBOTS_TXT)
    assert status is Status.NOT_CHECKED
    assert elsewhere in explanation and "RFC 9309" in explanation and "--include-other-hosts" in explanation
    assert "/elsewhere/robots.txt" not in _paths(server)

    followed = check_site(server.url_for("/"), client, image_urls=[], allow_loopback=True, include_other_hosts=True)
    status, explanation = _one(followed, Signal.ROBOTS_TXT)
    assert status is Status.PRESENT and explanation.startswith(f"Served by another site, {elsewhere}")
    assert "/elsewhere/robots.txt" in _paths(server)


def test_a_redirect_within_the_site_is_followed_and_judged(server: RecordingServer, client: HttpClient) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=301, headers={"Location": "/robots-v2.txt"})
    server.expect_request("/robots-v2.txt").respond_with_data("User-agent: *\nDisallow: /\n", content_type="text/plain")
    report = check_site(server.url_for("/"), client, image_urls=[], allow_loopback=True)
    status, explanation = _one(report, Signal.ROBOTS_TXT)
    assert status is Status.PRESENT and "another site" not in explanation


def test_images_on_other_hosts_are_not_requested_unless_asked(
    server: RecordingServer, client: HttpClient, tmp_path: Path
) -> None:
    _serve_protected_site(server, tmp_path, images=("/w/own.jpg", "/w/theirs.jpg"))
    theirs = server.url_for("/w/theirs.jpg").replace("127.0.0.1", "localhost")
    report = check_site(server.url_for("/"), client, image_urls=["/w/own.jpg", theirs], allow_loopback=True)
    by_url = {(r.signal, r.url): r for r in report.results}
    assert by_url[(Signal.IMAGE_ROBOTS_HEADER, server.url_for("/w/own.jpg"))].status is Status.PRESENT
    skipped = by_url[(Signal.IMAGE_ROBOTS_HEADER, theirs)]
    assert skipped.status is Status.NOT_CHECKED and "another host (localhost)" in skipped.explanation
    assert "/w/theirs.jpg" not in _paths(server)
    assert report.verdict is Verdict.INCOMPLETE

    server.recorded.clear()
    asked = check_site(server.url_for("/"), client, image_urls=[theirs], allow_loopback=True, include_other_hosts=True)
    assert {r.status for r in asked.results if r.url == theirs} == {Status.PRESENT}
    assert "/w/theirs.jpg" in _paths(server)
    assert asked.verdict is Verdict.ALL_PRESENT


def test_without_an_image_the_header_img2dataset_reads_is_not_checked(
    server: RecordingServer, client: HttpClient, tmp_path: Path
) -> None:
    _serve_protected_site(server, tmp_path)
    report = check_site(server.url_for("/"), client, image_urls=[], allow_loopback=True)
    status, explanation = _one(report, Signal.IMAGE_ROBOTS_HEADER)
    assert status is Status.NOT_CHECKED and "--image" in explanation
    assert not report.all_present and report.verdict is Verdict.INCOMPLETE


# --- the command: which URL failed, and exit codes scripts can use --------------------------------------


@pytest.mark.usefixtures("allow_loopback")
def test_exit_0_only_when_every_signal_was_checked_and_is_in_place(
    server: RecordingServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_protected_site(server, tmp_path)
    assert cli(tmp_path / "home", "optout", "check", server.url_for("/"), "--image", "/w/a.jpg") == 0
    assert "every signal is in place" in capsys.readouterr().out
    assert cli(tmp_path / "home", "optout", "check", server.url_for("/")) == 4  # no image: not checked
    out = capsys.readouterr().out
    assert "NOT CHECKED" in out and "could not be checked" in out


@pytest.mark.usefixtures("allow_loopback")
def test_exit_3_names_the_url_that_failed(
    server: RecordingServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_protected_site(server, tmp_path)
    server.expect_request("/w/bare.jpg").respond_with_data(b"\xff\xd8\xff", content_type="image/jpeg")
    code = cli(tmp_path / "home", "optout", "check", server.url_for("/"), "--image", "/w/bare.jpg")
    out = capsys.readouterr().out
    assert code == 3 and "some signals are missing or wrong" in out
    assert f"at {server.url_for('/w/bare.jpg')}" in out
    server.expect_request("/w/gone.jpg").respond_with_data("", status=404)
    code = cli(tmp_path / "home", "optout", "check", server.url_for("/"), "--image", "/w/gone.jpg")
    out = capsys.readouterr().out
    assert code == 4 and "NO ANSWER" in out and f"at {server.url_for('/w/gone.jpg')}" in out and "404" in out


@pytest.mark.usefixtures("allow_loopback")
def test_exit_5_when_the_site_does_not_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(tmp_path / "home", "optout", "check", "http://127.0.0.1:1/") == 5
    out = capsys.readouterr().out
    assert "the site did not answer at all" in out and "every signal" not in out


def test_exit_5_and_plain_words_for_a_local_address(
    server: RecordingServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(tmp_path / "home", "optout", "check", server.url_for("/")) == 5
    assert "local or private" in capsys.readouterr().out
    assert server.recorded == []


@pytest.mark.usefixtures("allow_loopback")
def test_dataset_image_urls_on_other_hosts_are_listed_not_fetched(
    server: RecordingServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    catalogue_with(home, [url_match("https://ada-paints.art/w/sun.jpg")], confirm=False)
    _serve_protected_site(server, tmp_path)
    assert cli(home, "optout", "check", server.url_for("/")) == 4
    out = capsys.readouterr().out
    assert "at https://ada-paints.art/w/sun.jpg" in out and "another host (ada-paints.art)" in out


def test_a_cancelled_check_stops_during_a_request_and_sends_nothing_more(client: HttpClient) -> None:
    """The app's Cancel: a site that trickles its answer is left at once, not after the timeouts."""
    import threading

    from core.errors import Cancelled
    from core.progress import Progress
    from tests.net.servers import MisbehavingServer

    progress = Progress()
    with MisbehavingServer(
        "trickle-body", interval=0.2, on_request=lambda: threading.Timer(0.3, progress.cancel).start()
    ) as slow:
        with pytest.raises(Cancelled):  # not a "could not fetch" result after the time-outs: stopped mid-request
            check_site(slow.url, client, image_urls=[], allow_loopback=True, cancel=progress)
        assert slow.connections == 1  # robots.txt only: nothing after the cancel
    before = Progress()
    before.cancel()
    with pytest.raises(Cancelled):  # cancelled before it began: not one request
        check_site("https://okonkwo-lindqvist.art/", client, image_urls=[], cancel=before)
