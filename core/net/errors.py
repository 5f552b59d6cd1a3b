"""What can go wrong on the network, as errors fit to show the user.

Every failure of a remote call is a `NetworkError` with a plain-language message; sources turn it into
"unavailable: <message>". A user's cancel is `core.errors.Cancelled`, never a `NetworkError`.
"""

from __future__ import annotations

from core.errors import TrainTraceError


class NetworkError(TrainTraceError):
    """A remote call failed; `str(error)` says why in words a user can act on."""


class ConnectFailed(NetworkError):  # noqa: N818 - reads as a verdict, like the stdlib's ConnectionRefused
    """No connection could be made (DNS failure, refused, unreachable, TLS failure)."""


class DeadlineExceeded(NetworkError):  # noqa: N818 - a verdict on the call
    """The call did not finish within its total time budget (slow, silent or trickling server)."""


class HttpStatusError(NetworkError):
    """The server answered with an error status; `error_code` is its `X-Error-Code` header, if any."""

    def __init__(self, status: int, url: str, error_code: str = "", detail: str = "") -> None:
        self.status = status
        self.url = url
        self.error_code = error_code
        self.detail = detail
        parts = [f"HTTP {status}"]
        if error_code:
            parts.append(f"({error_code})")
        if detail:
            parts.append(f"- {detail}")
        super().__init__(" ".join(parts))


class ResponseTooLarge(NetworkError):  # noqa: N818 - a verdict on the response
    """The response body was bigger than the cap for this call; it was not read further."""


class MalformedResponse(NetworkError):  # noqa: N818 - a verdict on the response
    """The server answered, but not with the shape the API documents (bad JSON, missing fields)."""


class BlockedAddress(NetworkError):  # noqa: N818 - a verdict on the target
    """The guarded fetcher refused a URL: bad scheme, or a host resolving to a non-public address."""


class NotAnImage(NetworkError):  # noqa: N818 - a verdict on the response
    """The guarded fetcher got something that is not declared as an image."""
