"""Checks which opt-out signals an artist's website really serves, the way a crawler would see them.

Fetches robots.txt, ai.txt, /.well-known/tdmrep.json, the home page and a few image URLs with the injected
HTTP session (the app's one client, through the network guard) and reports each signal as present, missing,
wrong, "could not fetch" or "not checked", each with a plain-words explanation and the URL it concerns. Only
the site itself is fetched unless asked. Network faults never raise: they become results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import requests

from core.errors import Cancelled, UsageError
from core.net.errors import BlockedAddress
from core.net.guard import check_url
from core.net.http import CancelSignal, HttpClient
from core.optout.crawlers import CrawlerList, load_crawler_list
from core.optout.site_fetch import Fetched, FetchFailure, FetchRules, fetch
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
IMAGE_SIGNALS = (Signal.IMAGE_ROBOTS_HEADER, Signal.IMAGE_TDM_HEADER)
OTHER_SITES_OPTION = "--include-other-hosts"


class Verdict(Enum):
    """The check as a whole, for people and scripts (the CLI turns each into its own exit code)."""

    ALL_PRESENT = "every signal is in place"
    MISSING = "some signals are missing or wrong"
    INCOMPLETE = "nothing checked is missing or wrong, but some signals could not be checked"
    UNREACHABLE = "the site did not answer at all"
    REFUSED = "not checked: the site's address is local or private, and TrainTrace checks public websites only"


@dataclass(frozen=True)
class SiteReport:
    """Every signal checked on the site, in a stable order (site files, home page, then each image).

    `answered`: whether the site answered any request at all (even with an error status)."""

    base_url: str
    results: tuple[SignalResult, ...]
    answered: bool = True
    refused: bool = False  # the network guard refused the site's own address

    @property
    def all_present(self) -> bool:
        return all(result.status is Status.PRESENT for result in self.results)

    @property
    def verdict(self) -> Verdict:
        statuses = {result.status for result in self.results}
        if not self.answered:
            return Verdict.REFUSED if self.refused else Verdict.UNREACHABLE
        if statuses & {Status.MISSING, Status.WRONG}:
            return Verdict.MISSING
        if statuses & {Status.UNREACHABLE, Status.NOT_CHECKED}:
            return Verdict.INCOMPLETE
        return Verdict.ALL_PRESENT

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
    include_other_hosts: bool = False,
    allow_loopback: bool = False,
    cancel: CancelSignal = None,
) -> SiteReport:
    """Fetch the site's opt-out files, home page and `image_urls` (absolute, or relative to the site).

    `session` is the app's `HttpClient` (preferred: its User-Agent, rate limits, deadlines and the network
    guard apply) or any `requests.Session`. `timeout` bounds each socket operation; a whole fetch gets three
    times that. Only the site itself is fetched (its host, `www.` and its subdomains): image URLs elsewhere and
    redirects to other sites are reported as not checked unless `include_other_hosts`. `allow_loopback` is for
    tests against local servers. `cancel` (the app's Cancel) stops the check between and during requests with
    `Cancelled`.
    """
    base = _checked_base_url(base_url)
    crawler_list = crawlers if crawlers is not None else load_crawler_list()
    is_own = own_site_rule(urlsplit(base).hostname or "")
    rules = FetchRules(is_own, include_other_hosts, allow_loopback, cancel)
    checker = _Checker(session, timeout, max_bytes, rules)
    results: list[SignalResult] = []
    results.append(checker.site_file(Signal.ROBOTS_TXT, urljoin(base, "/robots.txt"), crawler_list))
    results.append(checker.site_file(Signal.AI_TXT, urljoin(base, "/ai.txt"), crawler_list))
    results.append(checker.site_file(Signal.TDMREP_JSON, urljoin(base, "/.well-known/tdmrep.json"), crawler_list))
    results.extend(checker.home_page(base))
    for image_url in image_urls:
        url = urljoin(base, image_url)
        if is_own(urlsplit(url).hostname or "") or include_other_hosts:
            results.extend(checker.image(url))
        else:
            results.extend(_image_elsewhere(url))
    if not image_urls:
        results.extend(_no_image(base))
    return SiteReport(base, tuple(results), checker.answered, checker.refused_base)


def own_site_rule(host: str) -> Callable[[str], bool]:
    """The hosts that count as the site at `host`: itself, with or without `www.`, and its subdomains."""
    root = host.lower().rstrip(".").removeprefix("www.")

    def is_own(candidate: str) -> bool:
        name = candidate.lower().rstrip(".")
        return name == root or name.endswith("." + root)

    return is_own


class _Checker:
    def __init__(
        self, session: HttpClient | requests.Session, timeout: float, max_bytes: int, rules: FetchRules
    ) -> None:
        self._session = session
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._rules = rules
        self.answered = False
        self.refused_base = False

    def _fetch(self, url: str, read_body: bool = True) -> Fetched | FetchFailure:
        if _is_cancelled(self._rules.cancel):
            raise Cancelled("the site check was cancelled")
        got = fetch(
            self._session, url, timeout=self._timeout, max_bytes=self._max_bytes, read_body=read_body, rules=self._rules
        )
        self.answered = self.answered or isinstance(got, Fetched) or got.answered
        self.refused_base = self.refused_base or (isinstance(got, FetchFailure) and got.refused and not got.answered)
        return got

    def site_file(self, signal: Signal, url: str, crawlers: CrawlerList) -> SignalResult:
        got = self._fetch(url)
        if isinstance(got, FetchFailure):
            return _failed(signal, got, absent_if_not_found=True)
        if got.is_html:
            # Many hosts answer every unknown address with a web page instead of 404.
            return _via(
                got,
                SignalResult(
                    signal, url, Status.MISSING, "The server answers with a web page here, so the file is not there."
                ),
            )
        text = got.text()
        if signal is Signal.ROBOTS_TXT:
            return _via(got, judge_robots_txt(url, text, crawlers))
        if signal is Signal.AI_TXT:
            return _via(got, judge_ai_txt(url, text))
        return _via(got, judge_tdmrep_json(url, text))

    def home_page(self, url: str) -> list[SignalResult]:
        got = self._fetch(url)
        signals = (Signal.PAGE_ROBOTS_HEADER, Signal.PAGE_TDM_HEADER, Signal.META_ROBOTS, Signal.META_TDM)
        if isinstance(got, FetchFailure):
            return [_failed(signal, got) for signal in signals]
        results = _header_results(got, url, Signal.PAGE_ROBOTS_HEADER, Signal.PAGE_TDM_HEADER)
        if got.is_html:
            results.extend(judge_meta_tags(url, got.text()))
        else:
            note = "The home page is not HTML, so it cannot carry meta tags."
            results += [SignalResult(s, url, Status.WRONG, note) for s in (Signal.META_ROBOTS, Signal.META_TDM)]
        return [_via(got, result) for result in results]

    def image(self, url: str) -> list[SignalResult]:
        # Only the headers matter (they are what img2dataset reads); the picture itself is not downloaded.
        got = self._fetch(url, read_body=False)
        if isinstance(got, FetchFailure):
            return [_failed(signal, got) for signal in IMAGE_SIGNALS]
        return [_via(got, result) for result in _header_results(got, url, *IMAGE_SIGNALS)]


def _header_results(got: Fetched, url: str, robots_signal: Signal, tdm_signal: Signal) -> list[SignalResult]:
    return [
        judge_robots_header(robots_signal, url, got.header_values("X-Robots-Tag")),
        judge_tdm_header(tdm_signal, url, got.header("tdm-reservation"), got.header("tdm-policy")),
    ]


def _via(got: Fetched, result: SignalResult) -> SignalResult:
    """A verdict on an answer that came from another site (followed on request) says so."""
    if not got.via_other_site:
        return result
    note = f"Served by another site, {got.via_other_site}, after a redirect: this is that site's answer. "
    return replace(result, explanation=note + result.explanation)


def _failed(signal: Signal, failure: FetchFailure, *, absent_if_not_found: bool = False) -> SignalResult:
    """A 404 means "missing" for a site file, but "could not check" for a page or an image."""
    if failure.not_found and absent_if_not_found:
        return SignalResult(signal, failure.url, Status.MISSING, f"Not found on the site ({failure.reason}).")
    if failure.other_site:
        robots = ""
        if signal is Signal.ROBOTS_TXT:
            robots = " Crawlers follow it for robots.txt (RFC 9309), so what that site serves decides."
        explanation = (
            f"Not checked: the site redirects this address to another site, {failure.other_site}.{robots} "
            f"Run with {OTHER_SITES_OPTION} to check it there."
        )
        return SignalResult(signal, failure.url, Status.NOT_CHECKED, explanation)
    return SignalResult(signal, failure.url, Status.UNREACHABLE, f"Could not fetch: {failure.reason}.")


def _image_elsewhere(url: str) -> list[SignalResult]:
    host = urlsplit(url).hostname or "?"
    explanation = (
        f"Not checked: this image of yours is on another host ({host}), not on the site being checked. "
        f"Run with {OTHER_SITES_OPTION} to check it there."
    )
    return [SignalResult(signal, url, Status.NOT_CHECKED, explanation) for signal in IMAGE_SIGNALS]


def _no_image(base: str) -> list[SignalResult]:
    explanation = (
        "Not checked: no image address on this site is known (none of your matches has one), and this header "
        "must be on each image's own response. Name one of your images with --image URL."
    )
    return [SignalResult(signal, base, Status.NOT_CHECKED, explanation) for signal in IMAGE_SIGNALS]


def _checked_base_url(base_url: str) -> str:
    url = base_url.strip()
    if "://" not in url:
        url = "https://" + url
    expected = "expected an address such as https://your-site.example"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or not _has_valid_port(parts):
        raise UsageError(f"{base_url!r} is not a website address ({expected}).")
    if any(char.isspace() for char in parts.netloc):
        raise UsageError(f"{base_url!r} is not a website address: it contains a space ({expected}).")
    try:
        check_url(url)
    except BlockedAddress as exc:
        raise UsageError(f"{base_url!r} is not a website address: {exc} ({expected}).") from exc
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _has_valid_port(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 - evaluated for its ValueError on a malformed port
    except ValueError:
        return False
    return True


def _is_cancelled(cancel: CancelSignal) -> bool:
    if cancel is None:
        return False
    return cancel.is_set() if isinstance(cancel, threading.Event) else cancel.cancelled
