"""The site checker against a real nginx on loopback serving the generated files and header snippet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from PIL import Image
from protego import Protego

from core.errors import UsageError
from core.net.http import HttpClient, HttpConfig
from core.optout.crawlers import CrawlerList
from core.optout.site_check import SiteReport, check_site
from core.optout.site_files import generate_site_files
from core.optout.site_signals import Signal, Status
from core.profile import Profile
from tests.optout.conftest import NginxFactory

PROFILE = Profile(name="Ada Okonkwo-Lindqvist", domains=("okonkwo-lindqvist.art",))
IMAGES = ["works/sea.jpg", "works/sky.png"]


def _site(tmp_path: Path, crawlers: CrawlerList, *, with_meta: bool = True) -> tuple[Path, Path]:
    """Generated files copied into a web root as the README says, plus a home page and two images."""
    generated = tmp_path / "generated"
    generate_site_files(generated, PROFILE, tdm_policy_url="https://okonkwo-lindqvist.art/licence", crawlers=crawlers)
    root = tmp_path / "www"
    (root / ".well-known").mkdir(parents=True)
    (root / "works").mkdir()
    for name in ("robots.txt", "ai.txt", ".well-known/tdmrep.json"):
        (root / name).write_bytes((generated / name).read_bytes())
    meta = (generated / "html" / "meta-tags.html").read_text() if with_meta else ""
    (root / "index.html").write_text(
        f"<!doctype html><html><head><title>Ada</title>\n{meta}</head><body>Hi</body></html>"
    )
    Image.new("RGB", (16, 12), (200, 30, 40)).save(root / "works" / "sea.jpg", quality=90)
    Image.new("RGBA", (10, 10), (0, 90, 200, 128)).save(root / "works" / "sky.png")
    return root, generated / "server-config" / "nginx-headers.conf"


def _statuses(report: SiteReport) -> dict[tuple[Signal, str], Status]:
    return {(result.signal, result.url): result.status for result in report.results}


@pytest.mark.integration
def test_generated_site_reports_every_signal_present(
    tmp_path: Path, nginx: NginxFactory, http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, snippet = _site(tmp_path, crawler_list)
    base = nginx(root, header_snippet=snippet)
    report = check_site(base, http_session, image_urls=IMAGES, crawlers=crawler_list, timeout=5)
    assert len(report.results) == 3 + 4 + 2 * len(IMAGES)
    not_present = [(r.signal.name, r.url, r.explanation) for r in report.results if r.status is not Status.PRESENT]
    assert not not_present
    assert report.all_present
    assert all(result.explanation for result in report.results)
    image_tdm = report.for_signal(Signal.IMAGE_TDM_HEADER)
    assert image_tdm[0].details == ("tdm-policy: https://okonkwo-lindqvist.art/licence",)


@pytest.mark.integration
def test_served_headers_pass_datadiligence_and_robots_txt_served_as_text(
    tmp_path: Path, nginx: NginxFactory, http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    datadiligence = pytest.importorskip("datadiligence")
    root, snippet = _site(tmp_path, crawler_list)
    base = nginx(root, header_snippet=snippet)
    evaluator = datadiligence.HttpEvaluator()
    for path in [*IMAGES, ""]:
        response = http_session.get(base + path, timeout=5)
        assert response.status_code == 200
        assert evaluator.is_allowed(response=response) is False, path
    bare = nginx(root)
    assert evaluator.is_allowed(response=http_session.get(bare + IMAGES[0], timeout=5)) is True
    served = http_session.get(base + "robots.txt", timeout=5).text
    assert not Protego.parse(served).can_fetch(base, "CCBot")
    assert Protego.parse(served).can_fetch(base, "Googlebot")


@pytest.mark.integration
def test_site_without_headers_or_meta_reports_them_missing(
    tmp_path: Path, nginx: NginxFactory, http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, _ = _site(tmp_path, crawler_list, with_meta=False)
    base = nginx(root)
    report = check_site(base, http_session, image_urls=IMAGES, crawlers=crawler_list, timeout=5)
    by_signal = {result.signal: result.status for result in report.results}
    for signal in (Signal.ROBOTS_TXT, Signal.AI_TXT, Signal.TDMREP_JSON):
        assert by_signal[signal] is Status.PRESENT
    for signal in (
        Signal.PAGE_ROBOTS_HEADER,
        Signal.PAGE_TDM_HEADER,
        Signal.IMAGE_ROBOTS_HEADER,
        Signal.IMAGE_TDM_HEADER,
        Signal.META_ROBOTS,
        Signal.META_TDM,
    ):
        assert all(result.status is Status.MISSING for result in report.for_signal(signal)), signal
    assert not report.all_present
    image_result = report.for_signal(Signal.IMAGE_ROBOTS_HEADER)[0]
    assert image_result.url == base + IMAGES[0] and "X-Robots-Tag" in image_result.explanation


@pytest.mark.integration
def test_missing_files_partial_robots_and_wrong_headers(
    tmp_path: Path, nginx: NginxFactory, http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, _ = _site(tmp_path, crawler_list)
    (root / "ai.txt").unlink()
    (root / ".well-known" / "tdmrep.json").write_text('[{"location": "/", "tdm-reservation": 0}]')
    (root / "robots.txt").write_text("User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    extra = 'add_header X-Robots-Tag "otherbot: noai" always; add_header tdm-reservation "0" always;'
    base = nginx(root, extra=extra)
    report = check_site(base, http_session, image_urls=IMAGES[:1], crawlers=crawler_list, timeout=5)
    robots = report.for_signal(Signal.ROBOTS_TXT)[0]
    assert robots.status is Status.WRONG
    assert "CCBot" in robots.details and "GPTBot" not in robots.details
    assert len(robots.details) == len(crawler_list.tokens) - 1
    assert report.for_signal(Signal.AI_TXT)[0].status is Status.MISSING
    tdmrep = report.for_signal(Signal.TDMREP_JSON)[0]
    assert tdmrep.status is Status.WRONG and "must be 1" in tdmrep.explanation
    assert report.for_signal(Signal.IMAGE_ROBOTS_HEADER)[0].status is Status.WRONG
    assert report.for_signal(Signal.IMAGE_TDM_HEADER)[0].status is Status.WRONG


@pytest.mark.integration
def test_soft_404_web_page_is_not_taken_for_a_file(
    tmp_path: Path, nginx: NginxFactory, http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, snippet = _site(tmp_path, crawler_list)
    for name in ("robots.txt", "ai.txt", ".well-known/tdmrep.json"):
        (root / name).unlink()
    base = nginx(root, header_snippet=snippet, extra="location / { try_files $uri /index.html; }")
    report = check_site(base, http_session, image_urls=["works/absent.jpg"], crawlers=crawler_list, timeout=5)
    for signal in (Signal.ROBOTS_TXT, Signal.AI_TXT, Signal.TDMREP_JSON):
        result = report.for_signal(signal)[0]
        assert result.status is Status.MISSING and "web page" in result.explanation


@pytest.mark.integration
def test_absent_image_and_closed_port_become_could_not_fetch(
    tmp_path: Path, nginx: NginxFactory, http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, snippet = _site(tmp_path, crawler_list)
    base = nginx(root, header_snippet=snippet)
    report = check_site(base, http_session, image_urls=["works/absent.jpg"], crawlers=crawler_list, timeout=5)
    absent = report.for_signal(Signal.IMAGE_ROBOTS_HEADER)[0]
    assert absent.status is Status.UNREACHABLE and "404" in absent.explanation
    closed = base.rsplit(":", 1)[0] + ":1/"
    report = check_site(closed, http_session, image_urls=IMAGES, crawlers=crawler_list, timeout=2)
    assert {result.status for result in report.results} == {Status.UNREACHABLE}
    assert all(result.explanation.startswith("Could not fetch: ") for result in report.results)


@pytest.mark.integration
def test_caddy_snippet_serves_the_headers(
    tmp_path: Path, caddy: Callable[[Path, Path], str], http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, nginx_snippet = _site(tmp_path, crawler_list)
    base = caddy(root, nginx_snippet.parent / "caddy-headers.caddy")
    report = check_site(base, http_session, image_urls=IMAGES, crawlers=crawler_list, timeout=5)
    assert report.all_present, [
        (r.signal.name, r.explanation) for r in report.results if r.status is not Status.PRESENT
    ]


@pytest.mark.integration
def test_apache_htaccess_serves_the_headers(
    tmp_path: Path, apache: Callable[[Path], str], http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, nginx_snippet = _site(tmp_path, crawler_list)
    (root / ".htaccess").write_bytes((nginx_snippet.parent / "apache.htaccess").read_bytes())
    base = apache(root)
    report = check_site(base, http_session, image_urls=IMAGES, crawlers=crawler_list, timeout=5)
    assert report.all_present, [
        (r.signal.name, r.explanation) for r in report.results if r.status is not Status.PRESENT
    ]
    datadiligence = pytest.importorskip("datadiligence")
    response = http_session.get(base + IMAGES[0], timeout=5)
    assert datadiligence.HttpEvaluator().is_allowed(response=response) is False


@pytest.mark.integration
def test_compressed_responses_are_read(
    tmp_path: Path, nginx: NginxFactory, http_session: requests.Session, crawler_list: CrawlerList
) -> None:
    root, snippet = _site(tmp_path, crawler_list)
    gzip = "gzip on; gzip_min_length 1; gzip_types text/plain application/json;"
    base = nginx(root, header_snippet=snippet, extra=gzip)
    assert http_session.get(base + "robots.txt", timeout=5).headers.get("Content-Encoding") == "gzip"
    report = check_site(base, http_session, image_urls=[], crawlers=crawler_list, timeout=5)
    checked = [r for r in report.results if r.signal not in (Signal.IMAGE_ROBOTS_HEADER, Signal.IMAGE_TDM_HEADER)]
    assert all(r.status is Status.PRESENT for r in checked), [(r.signal.name, r.explanation) for r in checked]
    assert {r.status for r in report.for_signal(Signal.IMAGE_ROBOTS_HEADER)} == {Status.NOT_CHECKED}  # no image


@pytest.mark.integration
def test_app_http_client_gives_the_same_verdicts(
    tmp_path: Path, nginx: NginxFactory, crawler_list: CrawlerList
) -> None:
    root, snippet = _site(tmp_path, crawler_list)
    local = {"crawlers": crawler_list, "allow_loopback": True}  # the app's guard refuses loopback otherwise
    with HttpClient(HttpConfig(retries=0)) as client:
        report = check_site(nginx(root, header_snippet=snippet), client, image_urls=IMAGES, **local)
        assert report.all_present, [
            (r.signal.name, r.explanation) for r in report.results if r.status is not Status.PRESENT
        ]
        bare = check_site(nginx(root), client, image_urls=IMAGES, timeout=5, **local)
        assert {r.status for r in bare.for_signal(Signal.IMAGE_ROBOTS_HEADER)} == {Status.MISSING}
        closed = check_site("http://127.0.0.1:1/", client, image_urls=IMAGES, timeout=2, **local)
        assert {r.status for r in closed.results} == {Status.UNREACHABLE}


@pytest.mark.parametrize("bad", ["ftp://a.art", "https://", "javascript:alert(1)", "http://a.art:99999/"])
def test_not_a_website_address(http_session: requests.Session, bad: str) -> None:
    with pytest.raises(UsageError):
        check_site(bad, http_session, image_urls=[])
