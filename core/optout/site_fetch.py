"""Bounded HTTP fetches for the site checker: every fault becomes a reason in plain words, never a crash.

Works over the app's `HttpClient` (which owns retries, deadlines and caps; the cache is bypassed so the check
sees what the site serves now) or over a plain `requests.Session`, for which the bounds are applied here: a
connect/read timeout per socket operation, a wall-clock deadline for the whole body (a server that drips one
byte at a time cannot hold the check) and a cap on the bytes read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests
import urllib3

from core.net.errors import NetworkError
from core.net.http import HttpClient

_CHUNK = 16_384
_NOT_FOUND = (404, 410)


@dataclass(frozen=True)
class Fetched:
    """A successful (2xx) response: final URL, headers (repeated headers kept apart) and the capped body."""

    url: str
    status_code: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

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
    """Why a URL could not be read; `not_found` marks a plain 404/410 (the file is simply not there)."""

    url: str
    reason: str
    not_found: bool = False


def fetch(
    http: HttpClient | requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    read_body: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> Fetched | FetchFailure:
    """GET `url` (HEAD through the app's client when `read_body` is False: only the headers are wanted).

    `clock` (monotonic seconds) times the whole-body deadline of a plain session; the app's client keeps its own.
    """
    if isinstance(http, HttpClient):
        return _fetch_with_client(http, url, timeout=timeout, max_bytes=max_bytes, read_body=read_body)
    return _fetch_with_session(http, url, timeout=timeout, max_bytes=max_bytes, read_body=read_body, clock=clock)


def _fetch_with_client(
    client: HttpClient, url: str, *, timeout: float, max_bytes: int, read_body: bool
) -> Fetched | FetchFailure:
    try:
        response = client.request(
            "GET" if read_body else "HEAD",
            url,
            timeout=3 * timeout,
            max_bytes=max_bytes,
            use_cache=False,
            raise_for_status=False,
        )
    except NetworkError as exc:
        return FetchFailure(url, str(exc))
    if response.status in _NOT_FOUND:
        return FetchFailure(url, f"the server answered {response.status} (not found)", not_found=True)
    if not 200 <= response.status < 300:
        return FetchFailure(url, f"the server answered {response.status}")
    return Fetched(response.url, response.status, tuple(response.headers.items()), response.body)


def _fetch_with_session(
    session: requests.Session,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    read_body: bool,
    clock: Callable[[], float],
) -> Fetched | FetchFailure:
    deadline = clock() + 3 * timeout
    try:
        response = session.get(url, timeout=(timeout, timeout), stream=True, allow_redirects=True)
    except requests.Timeout:
        return FetchFailure(url, f"no answer within {timeout:g} seconds")
    except requests.RequestException as exc:
        return FetchFailure(url, _describe(exc))
    except ValueError as exc:  # urllib3 raises bare ValueErrors for some malformed URLs
        return FetchFailure(url, f"invalid address ({exc})")
    with response:
        if response.status_code in _NOT_FOUND:
            return FetchFailure(url, f"the server answered {response.status_code} (not found)", not_found=True)
        if not 200 <= response.status_code < 300:
            return FetchFailure(url, f"the server answered {response.status_code} {response.reason or ''}".rstrip())
        body = b""
        if read_body:
            body_or_reason = _read_capped(response, max_bytes, deadline, clock)
            if isinstance(body_or_reason, str):
                return FetchFailure(url, body_or_reason)
            body = body_or_reason
        return Fetched(response.url, response.status_code, _header_pairs(response), body)


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
