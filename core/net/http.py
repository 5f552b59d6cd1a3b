"""The one HTTP client of the app: retries, timeouts, a total deadline, a size cap, per-host rate limits,
a User-Agent, an on-disk cache and cancellation, in one place so no caller can forget one of them.

Callers get an immutable `HttpResponse` or a `NetworkError` subclass with a plain-language reason;
`core.errors.Cancelled` when the user cancelled. Nothing here ever waits longer than the call's timeout.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests_cache.backends.sqlite import SQLiteCache
from requests_cache.models.response import CachedResponse

from core import APP_NAME, __version__
from core.errors import Cancelled
from core.net.errors import (
    ConnectFailed,
    DeadlineExceeded,
    HttpStatusError,
    MalformedResponse,
    NetworkError,
    ResponseTooLarge,
)
from core.net.ratelimit import HostRateLimiter, RateLimit
from core.net.transport import GuardedAdapter, build_retry
from core.net.watchdog import CallGuard, PeerCheck, Watchdog
from core.paths import create_private_file
from core.progress import Progress

USER_AGENT = f"{APP_NAME}/{__version__}"  # product and version only: the project has no public address to cite
CACHE_FILE_NAME = "http-cache.sqlite"
_CHUNK = 16 * 1024
_DETAIL_CHARS = 200

CancelSignal = Progress | threading.Event | None
"""What can cancel a call: the work's `Progress`, a bare `threading.Event`, or nothing."""


@dataclass(frozen=True)
class HttpConfig:
    """Limits for every call; per-call arguments may tighten `timeout` and `max_bytes`.

    `timeout` is the total budget of one call (all retries, waits and the body included);
    `connect_timeout`/`read_timeout` bound each socket operation inside it.
    """

    timeout: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    max_bytes: int = 20 * 1024 * 1024
    retries: int = 3
    backoff_factor: float = 0.5
    retry_after_cap: float = 30.0
    max_redirects: int = 5
    cache_ttl: float = 24 * 3600.0
    ca_bundle: str | None = None
    """A CA certificate file to trust instead of the bundled roots (a company proxy's CA; tests)."""


@dataclass(frozen=True)
class HttpResponse:
    """A complete response; `headers` keys are lower-case."""

    status: int
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    from_cache: bool = False

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON; `MalformedResponse` if it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise MalformedResponse(f"the server's answer is not valid JSON ({error.__class__.__name__})") from error


def _cancel_probe(cancel: CancelSignal) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return lambda: cancel.cancelled


class HttpClient:
    """All HTTP of the app goes through one instance of this class (built by the composition root).

    `clock` (monotonic seconds) sets the calls' deadlines and the rate limits; `sleep` does every wait the
    client chooses to make (backoff, `Retry-After`, rate limits). Tests pass a hand-driven pair.
    """

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        cache_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or HttpConfig()
        self._clock = clock
        self._sleep = sleep
        self._limiter = HostRateLimiter(clock)
        self._watchdog = Watchdog()
        self._session = self._build_session()
        self._cache = _open_cache(cache_dir) if cache_dir is not None else None

    def _build_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxies or .netrc credentials picked up behind the user's back
        session.max_redirects = self.config.max_redirects
        session.headers["User-Agent"] = USER_AGENT
        if self.config.ca_bundle is not None:
            session.verify = self.config.ca_bundle
        retry = build_retry(
            attempts=self.config.retries,
            backoff_factor=self.config.backoff_factor,
            retry_after_cap=self.config.retry_after_cap,
            max_redirects=self.config.max_redirects,
        )
        for prefix in ("http://", "https://"):
            session.mount(prefix, GuardedAdapter(max_retries=retry))
        return session

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._watchdog.close()
        self._session.close()
        if self._cache is not None:
            self._cache.close()  # type: ignore[no-untyped-call]

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | str | None = None,
        json_body: Any = None,
        rate: RateLimit | None = None,
        cancel: CancelSignal = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
        use_cache: bool = True,
        refresh: bool = False,
        idempotent: bool = True,
        allow_redirects: bool = True,
        peer_check: PeerCheck | None = None,
        raise_for_status: bool = True,
    ) -> HttpResponse:
        """Send one request and read the whole (capped) body.

        `rate` is the per-host limit the caller declares; `refresh` skips a cached answer (and stores the
        fresh one); `use_cache=False` neither reads nor writes the cache. Errors: `NetworkError` subclasses,
        `Cancelled`.
        """
        total = min(timeout, self.config.timeout) if timeout is not None else self.config.timeout
        cap = min(max_bytes, self.config.max_bytes) if max_bytes is not None else self.config.max_bytes
        body = data.encode("utf-8") if isinstance(data, str) else data
        request = requests.Request(
            method.upper(), url, params=dict(params or {}), headers=dict(headers or {}), data=body, json=json_body
        )
        try:
            prepared = self._session.prepare_request(request)
        except (requests.RequestException, ValueError) as error:  # a malformed URL (e.g. a space in the host)
            raise NetworkError(f"not a valid address: {_first_line(error)}") from error
        cache_key = self._cache.create_key(prepared) if self._cache is not None and use_cache else None
        cached = self._lookup(cache_key) if cache_key is not None and not refresh else None
        if cached is not None:
            return cached
        guard = CallGuard(
            deadline=self._clock() + total,
            is_cancelled=_cancel_probe(cancel),
            idempotent=idempotent,
            peer_check=peer_check,
            clock=self._clock,
            sleep=self._sleep,
        )
        with self._watchdog.watching(guard):
            self._wait_for_rate(prepared.url or url, rate, guard)
            response = self._send(prepared, guard, cap, total, allow_redirects)
        if cache_key is not None and 200 <= response.status_code < 300:
            self._store(cache_key, response)
        result = _to_result(response)
        if raise_for_status and result.status >= 400:
            raise _status_error(result)
        return result

    def _lookup(self, cache_key: str) -> HttpResponse | None:
        cached = self._cache.get_response(cache_key) if self._cache is not None else None
        if cached is None or cached.is_expired:
            return None
        return _from_cached(cached)

    def _store(self, cache_key: str, response: requests.Response) -> None:
        if self._cache is not None:
            expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.config.cache_ttl)
            self._cache.save_response(response, cache_key, expires=expires)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET and parse JSON; same keyword arguments as `request`."""
        return self.request("GET", url, **kwargs).json()

    def _wait_for_rate(self, url: str, rate: RateLimit | None, guard: CallGuard) -> None:
        if rate is None:
            return
        host = (urlsplit(url).hostname or "").lower()
        wait = self._limiter.reserve(host, rate)
        try:
            guard.wait(wait)
        except (Cancelled, DeadlineExceeded):
            self._limiter.refund(host)
            raise

    def _send(
        self, prepared: requests.PreparedRequest, guard: CallGuard, cap: int, total: float, redirects: bool
    ) -> requests.Response:
        timeouts = (min(self.config.connect_timeout, total), min(self.config.read_timeout, total))
        try:
            response = self._session.send(prepared, stream=True, timeout=timeouts, allow_redirects=redirects)
            try:
                # An error's own explanation is read even when the caller expected a tiny answer (a range probe).
                limit = cap if response.status_code < 400 else max(cap, _ERROR_BODY_CAP)
                response._content = _read_capped(response, limit, guard)
            finally:
                response.close()
        except (Cancelled, NetworkError):
            guard.check()  # a cut call reports why it was cut, not the socket error it caused
            raise
        except (requests.RequestException, OSError) as error:
            guard.check()
            raise _translate(error) from error
        return response


_ERROR_BODY_CAP = 64 * 1024


def _read_capped(response: requests.Response, cap: int, guard: CallGuard) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ResponseTooLarge(f"the answer is {int(declared):,} bytes, over the limit of {cap:,}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=_CHUNK):
        guard.check()
        size += len(chunk)
        if size > cap:
            raise ResponseTooLarge(f"the answer is over the limit of {cap:,} bytes")
        chunks.append(chunk)
    guard.check()
    return b"".join(chunks)


def _translate(error: Exception) -> NetworkError:
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return ConnectFailed("could not connect in time")
    if isinstance(error, requests.exceptions.Timeout):
        return DeadlineExceeded("the server stopped answering (read timeout)")
    if isinstance(error, requests.exceptions.TooManyRedirects):
        return NetworkError("too many redirects")
    if isinstance(error, requests.exceptions.SSLError):
        return ConnectFailed(f"secure connection failed: {_first_line(error)}")
    if isinstance(error, requests.exceptions.ConnectionError):
        text = str(error)
        if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
            return ConnectFailed("the host name could not be resolved (DNS)")
        if "Connection refused" in text:
            return ConnectFailed("connection refused")
        return ConnectFailed(f"connection failed: {_first_line(error)}")
    return NetworkError(f"request failed: {_first_line(error)}")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:_DETAIL_CHARS] if str(error) else error.__class__.__name__


def _to_result(response: requests.Response) -> HttpResponse:
    return HttpResponse(
        status=response.status_code,
        url=response.url,
        headers={k.lower(): v for k, v in response.headers.items()},
        body=response._content or b"",
    )


def _from_cached(cached: CachedResponse) -> HttpResponse:
    return HttpResponse(
        status=cached.status_code,
        url=cached.url,
        headers={k.lower(): v for k, v in cached.headers.items()},
        body=cached.content or b"",
        from_cache=True,
    )


def _status_error(result: HttpResponse) -> HttpStatusError:
    """Build the error for a 4xx/5xx, with the server's own words when it gave some (as plain text)."""
    detail = ""
    try:
        payload = json.loads(result.body)
        if isinstance(payload, dict) and isinstance(payload.get("error"), str):
            detail = payload["error"]
    except (ValueError, UnicodeDecodeError):
        detail = result.body[:_DETAIL_CHARS].decode("utf-8", "replace")
    printable = "".join(ch if ch.isprintable() else " " for ch in detail)[:_DETAIL_CHARS].strip()
    return HttpStatusError(result.status, result.url, result.header("x-error-code"), printable)


def _open_cache(cache_dir: Path) -> SQLiteCache:
    path = cache_dir / CACHE_FILE_NAME
    create_private_file(path)  # created private (in a private folder) before SQLite opens it
    return SQLiteCache(db_path=str(path))
