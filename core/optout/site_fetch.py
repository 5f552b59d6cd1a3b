"""Bounded HTTP fetches for the site checker: every fault becomes a reason in plain words, never a crash.

Works over the app's `HttpClient` (which owns retries, deadlines and caps; the cache is bypassed so the check
sees what the site serves now) or over a plain `requests.Session`, for which the bounds are applied here: a
connect/read timeout per socket operation, a wall-clock deadline for the whole body (a server that drips one
byte at a time cannot hold the check) and a cap on the bytes read.

Redirects are followed by hand, at most five: one to another site (see `FetchRules`) is not followed unless
asked, and is reported as such, never judged as the site's own answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from core.net.errors import BlockedAddress, NetworkError
from core.net.guard import MAX_REDIRECTS, REDIRECT_STATUSES, RedirectRefused, guarded_request
from core.net.http import CancelSignal, HttpClient
from core.net.ratelimit import RateLimit

_CHUNK = 16_384
_NOT_FOUND = (404, 410)
SITE_RATE = RateLimit(requests=5, per_seconds=1.0, burst=10)  # a dozen requests to the artist's own site


@dataclass(frozen=True)
class Fetched:
    """A successful (2xx) response: final URL, headers (repeated headers kept apart) and the capped body."""

    url: str
    status_code: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    via_other_site: str = ""  # the first URL on another site a redirect led to (followed only on request)

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return ", ".join(values) if values else None

    @property
    def is_html(self) -> bool:
        return "html" in (self.header("Content-Type") or "").lower()

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class FetchFailure:
    """Why a URL could not be read.

    `not_found` marks a plain 404/410 (the file is simply not there); `answered` that the server did answer
    (with an error status); `other_site` is where a redirect to another site pointed (not followed);
    `refused` that the guard refused the address (a private or local address, a malformed URL).
    """

    url: str
    reason: str
    not_found: bool = False
    answered: bool = False
    other_site: str = ""
    refused: bool = False


def _any_host(_host: str) -> bool:
    return True


@dataclass(frozen=True)
class FetchRules:
    """Where the checker's requests may go. `is_own_host` says which hosts are the site being checked; a
    redirect elsewhere is not followed unless `follow_other_sites`. `allow_loopback` is for tests only."""

    is_own_host: Callable[[str], bool] = _any_host
    follow_other_sites: bool = False
    allow_loopback: bool = False
    cancel: CancelSignal = None  # the app's Cancel: a request under way stops and `Cancelled` is raised


def fetch(
    http: HttpClient | requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    read_body: bool = True,
    rules: FetchRules | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Fetched | FetchFailure:
    """GET `url` (HEAD through the app's client when `read_body` is False: only the headers are wanted).

    Through the app's client every hop goes through the network guard (core.net.guard: resolved addresses
    checked, the connection made to the checked address); a caller's own `requests.Session` gets the same
    redirect rules but no address checks (the caller answers for where it points). `clock` (monotonic seconds)
    times the whole-body deadline of a plain session; the app's client keeps its own.
    """
    rules = rules or FetchRules()
    if isinstance(http, HttpClient):
        return _fetch_with_client(http, url, timeout=timeout, max_bytes=max_bytes, read_body=read_body, rules=rules)
    return _fetch_with_session(
        http, url, timeout=timeout, max_bytes=max_bytes, read_body=read_body, rules=rules, clock=clock
    )


class _Redirects:
    """Follows the rules hop by hop; remembers the last hop (to name it) and the first other site reached."""

    def __init__(self, url: str, rules: FetchRules) -> None:
        self.current = url
        self.via_other_site = ""
        self._rules = rules

    def follow(self, _source: str, target: str) -> None:
        if not self._rules.is_own_host(_host(target)):
            if not self._rules.follow_other_sites:
                raise RedirectRefused(f"it redirects to another site ({target})", target)
            self.via_other_site = self.via_other_site or target
        self.current = target

    def where(self, url: str) -> str:
        return "" if self.current == url else f" (after a redirect to {self.current})"


def _fetch_with_client(
    client: HttpClient, url: str, *, timeout: float, max_bytes: int, read_body: bool, rules: FetchRules
) -> Fetched | FetchFailure:
    redirects = _Redirects(url, rules)
    try:
        response, final_url = guarded_request(
            url,
            client,
            method="GET" if read_body else "HEAD",
            max_bytes=max_bytes,
            timeout=3 * timeout,
            allow_loopback=rules.allow_loopback,
            cancel=rules.cancel,
            rate=SITE_RATE,
            follow=redirects.follow,
        )
    except RedirectRefused as exc:
        return FetchFailure(url, str(exc), answered=True, other_site=exc.target)
    except BlockedAddress as exc:
        return FetchFailure(url, f"refused{redirects.where(url)}: {exc}", refused=True)
    except NetworkError as exc:
        return FetchFailure(url, f"{exc}{redirects.where(url)}")
    status = response.status
    if status in _NOT_FOUND:
        return FetchFailure(url, f"the server answered {status} (not found)", not_found=True, answered=True)
    if not 200 <= status < 300:
        return FetchFailure(url, f"the server answered {status}{redirects.where(url)}", answered=True)
    headers = tuple(response.headers.items())
    return Fetched(final_url, status, headers, response.body, redirects.via_other_site)


def _fetch_with_session(
    session: requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    read_body: bool,
    rules: FetchRules,
    clock: Callable[[], float],
) -> Fetched | FetchFailure:
    deadline = clock() + 3 * timeout
    redirects = _Redirects(url, rules)
    for _hop in range(MAX_REDIRECTS + 1):
        current = redirects.current
        try:
            response = session.get(current, timeout=(timeout, timeout), stream=True, allow_redirects=False)
        except requests.Timeout:
            return FetchFailure(url, f"no answer within {timeout:g} seconds{redirects.where(url)}")
        except requests.RequestException as exc:
            return FetchFailure(url, _describe(exc) + redirects.where(url))
        except ValueError as exc:  # urllib3 raises bare ValueErrors for some malformed URLs
            return FetchFailure(url, f"invalid address ({exc})")
        with response:
            location = response.headers.get("Location")
            if response.status_code in REDIRECT_STATUSES and location:
                try:
                    redirects.follow(current, urljoin(current, location))
                except RedirectRefused as exc:
                    return FetchFailure(url, str(exc), answered=True, other_site=exc.target)
                continue
            return _session_result(url, response, redirects, max_bytes, (deadline, clock), read_body)
    return FetchFailure(url, "too many redirects", answered=True)


def _session_result(
    url: str,
    response: requests.Response,
    redirects: _Redirects,
    max_bytes: int,
    deadline: tuple[float, Callable[[], float]],
    read_body: bool,
) -> Fetched | FetchFailure:
    status = response.status_code
    if status in _NOT_FOUND:
        return FetchFailure(url, f"the server answered {status} (not found)", not_found=True, answered=True)
    if not 200 <= status < 300:
        answer = f"the server answered {status} {response.reason or ''}".rstrip()
        return FetchFailure(url, answer + redirects.where(url), answered=True)
    body = b""
    if read_body:
        body_or_reason = _read_capped(response, max_bytes, *deadline)
        if isinstance(body_or_reason, str):
            return FetchFailure(url, body_or_reason, answered=True)
        body = body_or_reason
    return Fetched(redirects.current, status, _header_pairs(response), body, redirects.via_other_site)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _read_capped(
    response: requests.Response, max_bytes: int, deadline: float, clock: Callable[[], float]
) -> bytes | str:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return f"the file is larger than {max_bytes} bytes ({declared} bytes)"
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in _chunks_as_they_arrive(response):
            size += len(chunk)
            if size > max_bytes:
                return f"the file is larger than {max_bytes} bytes"
            if clock() > deadline:
                return "the server sends the file too slowly"
            chunks.append(chunk)
    except requests.RequestException as exc:
        return _describe(exc)
    except (urllib3.exceptions.HTTPError, OSError):
        return "the connection broke while reading"
    return b"".join(chunks)


def _chunks_as_they_arrive(response: requests.Response) -> Iterator[bytes]:
    """Yield what each socket read brings (``read1``), so the deadline is checked even when a server drips.

    ``iter_content`` would block until a whole chunk has arrived, one read timeout per byte at worst.
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(_CHUNK)
        return
    while chunk := read1(_CHUNK, decode_content=True):
        yield chunk


def _header_pairs(response: requests.Response) -> tuple[tuple[str, str], ...]:
    """Headers with repeats kept apart (``X-Robots-Tag`` may be sent once per user agent)."""
    raw_headers = getattr(response.raw, "headers", None)
    if raw_headers is not None and hasattr(raw_headers, "getlist"):
        return tuple((str(key), str(value)) for key, value in raw_headers.items())
    return tuple(response.headers.items())


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "the server stopped answering (timeout)"
    if isinstance(exc, requests.exceptions.SSLError):
        return "the secure connection failed (certificate problem)"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect to the server"
    if isinstance(exc, requests.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "invalid address"
    return f"network error ({type(exc).__name__})"
