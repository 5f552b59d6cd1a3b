"""What a source sends on every check, independent of the check: the basis of the user's acceptance.

The app asks a source on every check only after the user has seen and accepted its "what will be sent"
preview, and asks again when what would be sent changes. A check's own values (this check's hashes and URLs)
change every time, so they cannot be what is accepted; what is accepted is the *shape*: where the requests go,
which kinds of data they carry and the artist's names, handles, domains and datasets they name. The shape is
the source's plan for a probe query (the real profile and Hub datasets, one placeholder hash, digest and URL),
with the placeholders written as words; its SHA-256 is the fingerprint kept in the settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from core.profile import Profile
from core.sources.base import OutgoingRequest, Source
from core.sources.query import HubDataset, SourceQuery

PROBE_PHASH = "f00dfacef00dface"
PROBE_SHA256 = "5ca1ab1e" * 8
PROBE_URL = "https://probe.invalid/your-matched-image.jpg"
PLACEHOLDERS = (
    (PROBE_PHASH, "<pHash of a work>"),
    (PROBE_SHA256, "<SHA-256 of a work>"),
    (PROBE_URL, "<dataset URL of a match>"),
)


def probe_query(profile: Profile, hub_datasets: Sequence[HubDataset]) -> SourceQuery:
    return SourceQuery(
        phashes=(PROBE_PHASH,),
        sha256s=(PROBE_SHA256,),
        profile=profile,
        candidate_urls=(PROBE_URL,),
        hub_datasets=tuple(hub_datasets),
    )


def _words(text: str) -> str:
    for value, words in PLACEHOLDERS:
        text = text.replace(value, words)
    return text


def _request_shape(request: OutgoingRequest) -> list[str]:
    lines = [f"{request.method} {_words(request.url)} ({_words(request.purpose)})"]
    if request.credential:
        lines.append(f"  with {request.credential}")
    if request.body:
        lines.extend(f"  body: {_words(line)}" for line in dict.fromkeys(request.body.splitlines()) if line.strip())
    return lines


def preview_shape(requests: Sequence[OutgoingRequest]) -> tuple[str, ...]:
    """The probe plan as lines of words, in a stable order (the same plan always gives the same lines)."""
    return tuple(line for request in requests for line in _request_shape(request))


def shape_of(source: Source, profile: Profile, hub_datasets: Sequence[HubDataset]) -> tuple[str, ...]:
    return preview_shape(source.describe_outgoing(probe_query(profile, hub_datasets)))


def fingerprint(source_id: str, shape: Sequence[str]) -> str:
    return hashlib.sha256("\n".join([source_id, *shape]).encode("utf-8")).hexdigest()
