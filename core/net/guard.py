"""Fetch one dataset image, on the user's explicit request, without letting a URL reach inside the network.

Dataset URLs are untrusted data. The HTTP client's connections (core.net.transport) resolve the host within
the call's time budget, pass every resolved address to this module's check before connecting, connect to
the validated IP literal itself (so a second DNS answer cannot swap the target: no "DNS rebinding") and
check the peer of the connected socket once more. Redirects are followed by hand, each hop checked the same
way, at most `MAX_REDIRECTS` (`guarded_request`, also used by the site checker, whose rule stops at redirects
to other sites). `fetch_image`: only http(s), only `image/*` (not SVG), at most `max_bytes`. The bytes are
returned for local hashing; nothing here displays them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from core.net.errors import BlockedAddress, HttpStatusError, NetworkError, NotAnImage
from core.net.http import CancelSignal, HttpClient, HttpResponse
from core.net.ratelimit import RateLimit

MAX_REDIRECTS = 5
FETCH_RATE = RateLimit(requests=2, per_seconds=1.0, burst=2)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_BAD_HOST_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f<>\"'`{}|\\^%/?#@\[\]]")
_REFUSED_TYPES = frozenset({"image/svg+xml"})  # a document that can carry scripts, and no pixels to hash

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FetchedImage:
    data: bytes
    content_type: str
    final_url: str


def fetch_image(
    url: str,
    client: HttpClient,
    *,
    max_bytes: int,
    allow_loopback: bool = False,
    cancel: CancelSignal = None,
    timeout: float | None = None,
) -> FetchedImage:
    """Download the image at `url` under the rules above; raise a `NetworkError` subclass saying why not.

    `allow_loopback` exists for tests against a local server; the app never sets it.
    """
    response, final_url = guarded_request(
        url,
        client,
        headers={"Accept": "image/*"},
        max_bytes=max_bytes,
        allow_loopback=allow_loopback,
        cancel=cancel,
        timeout=timeout,
    )
    if response.status >= 400:
        raise HttpStatusError(response.status, final_url, response.header("x-error-code"))
    content_type = response.header("content-type").split(";")[0].strip().lower()
    if not content_type.startswith("image/") or content_type in _REFUSED_TYPES:
        raise NotAnImage(f"the server sent {content_type or 'no content type'}, not an image")
    return FetchedImage(data=response.body, content_type=content_type, final_url=final_url)


RedirectRule = Callable[[str, str], None]
"""Called with (from URL, to URL) before a redirect is followed; raises `RedirectRefused` to stop there."""


class RedirectRefused(NetworkError):  # noqa: N818 - a verdict on the redirect
    """A redirect the caller's rule does not follow (e.g. to another site); `target` is where it pointed."""

    def __init__(self, message: str, target: str) -> None:
        super().__init__(message)
        self.target = target


def guarded_request(
    url: str,
    client: HttpClient,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    max_bytes: int,
    allow_loopback: bool = False,
    cancel: CancelSignal = None,
    timeout: float | None = None,
    rate: RateLimit = FETCH_RATE,
    follow: RedirectRule | None = None,
) -> tuple[HttpResponse, str]:
    """One request to an untrusted URL, redirects followed by hand: every hop's URL checked, every resolved
    address checked before connecting, the connection made to the checked address. Returns the final response
    (whatever its status) and its URL; raises `NetworkError` subclasses (`BlockedAddress`, `RedirectRefused`)."""

    def peer_check(address: str) -> None:
        check_address(address, allow_loopback=allow_loopback)

    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        check_url(current)
        response = client.request(
            method,
            current,
            headers=headers,
            rate=rate,
            cancel=cancel,
            timeout=timeout,
            max_bytes=max_bytes,
            use_cache=False,
            allow_redirects=False,
            peer_check=peer_check,
            raise_for_status=False,
        )
        if response.status not in REDIRECT_STATUSES:
            return response, current
        location = response.header("location")
        if not location:
            raise NetworkError(f"HTTP {response.status} redirect without a Location")
        target = urljoin(current, location)
        if follow is not None:
            follow(current, target)
        current = target
    raise NetworkError(f"more than {MAX_REDIRECTS} redirects")


def check_url(url: str) -> None:
    """Raise `BlockedAddress` unless `url` is a plain http(s) URL with a well-formed host and no credentials."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise BlockedAddress(f"not a valid address: {error}") from error
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"only http and https URLs can be fetched, not {parts.scheme or 'this'!r}")
    if parts.username is not None or parts.password is not None:
        raise BlockedAddress("URLs with embedded credentials are not fetched")
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError as error:
        raise BlockedAddress(f"invalid port in URL: {error}") from error
    if not parts.hostname:
        raise BlockedAddress("the URL has no host")
    if not _is_host_name(parts.hostname):
        raise BlockedAddress(f"{parts.hostname!r} is not a valid host name")


def _is_host_name(host: str) -> bool:
    """An IP literal, or dot-separated non-empty labels without spaces, controls or URL delimiters."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        pass
    if _BAD_HOST_CHARACTER.search(host):
        return False
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    return all(labels) and len(host) <= 253


def check_address(address: str, *, allow_loopback: bool = False) -> None:
    """Raise `BlockedAddress` unless `address` is a public unicast address (or loopback, when allowed)."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError as error:
        raise BlockedAddress(f"not an IP address: {address!r}") from error
    for candidate in _embedded_addresses(ip):
        if allow_loopback and candidate.is_loopback:
            continue
        if not _is_public(candidate):
            raise BlockedAddress(f"refusing to connect to a non-public address ({candidate})")


def _embedded_addresses(ip: IPAddress) -> list[IPAddress]:
    """The address itself plus any IPv4 address tunnelled in an IPv6 one (mapped, 6to4, Teredo)."""
    found: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
    return found


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _is_public(ip.ipv4_mapped)
    blocked = (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )
    return ip.is_global and not blocked
