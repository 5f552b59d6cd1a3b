"""Networking: the one HTTP client (`http`), per-host rate limits (`ratelimit`) and the guarded image
fetcher (`guard`). Everything that talks to the network goes through `HttpClient`."""

from core.net.errors import (
    BlockedAddress,
    ConnectFailed,
    DeadlineExceeded,
    HttpStatusError,
    MalformedResponse,
    NetworkError,
    NotAnImage,
    ResponseTooLarge,
)
from core.net.guard import FetchedImage, fetch_image
from core.net.http import USER_AGENT, HttpClient, HttpConfig, HttpResponse
from core.net.ratelimit import RateLimit

__all__ = [
    "USER_AGENT",
    "BlockedAddress",
    "ConnectFailed",
    "DeadlineExceeded",
    "FetchedImage",
    "HttpClient",
    "HttpConfig",
    "HttpResponse",
    "HttpStatusError",
    "MalformedResponse",
    "NetworkError",
    "NotAnImage",
    "RateLimit",
    "ResponseTooLarge",
    "fetch_image",
]
