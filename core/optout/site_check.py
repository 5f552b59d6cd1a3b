"""Checks which opt-out signals an artist's website really serves, the way a crawler would see them.

Fetches robots.txt, ai.txt, /.well-known/tdmrep.json, the home page and a few image URLs with the injected
HTTP session (the app's one client) and reports each signal as present, missing, wrong or "could not fetch",
each with a plain-words explanation. Network faults never raise: they become results.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import requests

from core.errors import UsageError
from core.net.http import HttpClient
from core.optout.crawlers import CrawlerList, load_crawler_list
from core.optout.site_fetch import Fetched, FetchFailure, fetch
from core.optout.site_signals import (
    Signal,
    SignalResult,
    Status,
    judge_ai_txt,
    judge_meta_tags,
    judge_robots_header,
    judge_robots_txt,
    judge_tdm_header,
    judge_tdmrep_json,
)

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class SiteReport:
    """Every signal checked on the site, in a stable order (site files, home page, then each image)."""

    base_url: str
    results: tuple[SignalResult, ...]

    @property
    def all_present(self) -> bool:
        return all(result.status is Status.PRESENT for result in self.results)

    def for_signal(self, signal: Signal) -> list[SignalResult]:
        return [result for result in self.results if result.signal is signal]


def check_site(
    base_url: str,
    session: HttpClient | requests.Session,
    *,
    image_urls: list[str],
    crawlers: CrawlerList | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SiteReport:
    """Fetch the site's opt-out files, home page and `image_urls` (absolute, or relative to the site).

    `session` is the app's `HttpClient` (preferred: its User-Agent, rate limits and deadlines apply) or any
    `requests.Session`. `timeout` bounds each socket operation; a whole fetch gets three times that.
    """
    base = _checked_base_url(base_url)
    crawler_list = crawlers if crawlers is not None else load_crawler_list()
    checker = _Checker(session, timeout, max_bytes)
    results: list[SignalResult] = []
    results.append(checker.site_file(Signal.ROBOTS_TXT, urljoin(base, "/robots.txt"), crawler_list))
    results.append(checker.site_file(Signal.AI_TXT, urljoin(base, "/ai.txt"), crawler_list))
    results.append(checker.site_file(Signal.TDMREP_JSON, urljoin(base, "/.well-known/tdmrep.json"), crawler_list))
    results.extend(checker.home_page(base))
    for image_url in image_urls:
        results.extend(checker.image(urljoin(base, image_url)))
    return SiteReport(base, tuple(results))


class _Checker:
    def __init__(self, session: HttpClient | requests.Session, timeout: float, max_bytes: int) -> None:
        self._session = session
        self._timeout = timeout
        self._max_bytes = max_bytes

    def site_file(self, signal: Signal, url: str, crawlers: CrawlerList) -> SignalResult:
        got = fetch(self._session, url, timeout=self._timeout, max_bytes=self._max_bytes)
        if isinstance(got, FetchFailure):
            return _failed(signal, got, absent_if_not_found=True)
        if got.is_html:
            # Many hosts answer every unknown address with a web page instead of 404.
            return SignalResult(
                signal, url, Status.MISSING, "The server answers with a web page here, so the file is not there."
            )
        text = got.text()
        if signal is Signal.ROBOTS_TXT:
            return judge_robots_txt(url, text, crawlers)
        if signal is Signal.AI_TXT:
            return judge_ai_txt(url, text)
        return judge_tdmrep_json(url, text)

    def home_page(self, url: str) -> list[SignalResult]:
        got = fetch(self._session, url, timeout=self._timeout, max_bytes=self._max_bytes)
        signals = (Signal.PAGE_ROBOTS_HEADER, Signal.PAGE_TDM_HEADER, Signal.META_ROBOTS, Signal.META_TDM)
        if isinstance(got, FetchFailure):
            return [_failed(signal, got) for signal in signals]
        results = _header_results(got, url, Signal.PAGE_ROBOTS_HEADER, Signal.PAGE_TDM_HEADER)
        if got.is_html:
            results.extend(judge_meta_tags(url, got.text()))
        else:
            note = "The home page is not HTML, so it cannot carry meta tags."
            results += [SignalResult(s, url, Status.WRONG, note) for s in (Signal.META_ROBOTS, Signal.META_TDM)]
        return results

    def image(self, url: str) -> list[SignalResult]:
        # Only the headers matter (they are what img2dataset reads); the picture itself is not downloaded.
        got = fetch(self._session, url, timeout=self._timeout, max_bytes=self._max_bytes, read_body=False)
        if isinstance(got, FetchFailure):
            return [_failed(signal, got) for signal in (Signal.IMAGE_ROBOTS_HEADER, Signal.IMAGE_TDM_HEADER)]
        return _header_results(got, url, Signal.IMAGE_ROBOTS_HEADER, Signal.IMAGE_TDM_HEADER)


def _header_results(got: Fetched, url: str, robots_signal: Signal, tdm_signal: Signal) -> list[SignalResult]:
    return [
        judge_robots_header(robots_signal, url, got.header_values("X-Robots-Tag")),
        judge_tdm_header(tdm_signal, url, got.header("tdm-reservation"), got.header("tdm-policy")),
    ]


def _failed(signal: Signal, failure: FetchFailure, *, absent_if_not_found: bool = False) -> SignalResult:
    """A 404 means "missing" for a site file, but "could not check" for a page or an image."""
    if failure.not_found and absent_if_not_found:
        return SignalResult(signal, failure.url, Status.MISSING, f"Not found on the site ({failure.reason}).")
    return SignalResult(signal, failure.url, Status.UNREACHABLE, f"Could not fetch: {failure.reason}.")


def _checked_base_url(base_url: str) -> str:
    url = base_url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not _has_valid_port(parts):
        raise UsageError(f"{base_url!r} is not a website address (expected https://your-site.example).")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _has_valid_port(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 - evaluated for its ValueError on a malformed port
    except ValueError:
        return False
    return True
