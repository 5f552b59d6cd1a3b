"""Fetch to confirm: download one candidate's dataset image (on the user's explicit request only), hash it
locally and compare it with the work. The image is never displayed here and never kept; only its hashes are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.catalogue.matches import Match
from core.catalogue.works import Work
from core.errors import UnreadableImage, UsageError
from core.hashing import fingerprint_bytes
from core.net.errors import NetworkError
from core.net.guard import fetch_image
from core.net.http import HttpClient
from core.progress import Progress
from core.settings import ScanSettings

MAX_FETCH_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class FetchComparison:
    match_id: int
    final_url: str
    bytes: int
    sha256: str
    phash: str | None
    distance: int | None  # Hamming distance to the work's pHash, when both are known
    identical: bool  # the downloaded bytes are the work's bytes
    error: str | None


def fetch_and_compare(
    match: Match,
    work: Work | None,
    client: HttpClient,
    limits: ScanSettings,
    progress: Progress,
    *,
    allow_loopback: bool = False,
) -> FetchComparison:
    """Raises `UsageError` when the match has no URL and `NetworkError` when the download fails or is refused."""
    if not match.url:
        raise UsageError(f"match {match.id} has no URL to fetch")
    fetched = fetch_image(match.url, client, max_bytes=MAX_FETCH_BYTES, allow_loopback=allow_loopback, cancel=progress)
    digest = hashlib.sha256(fetched.data).hexdigest()
    identical = work is not None and work.sha256 == digest
    try:
        fingerprint = fingerprint_bytes(fetched.data, limits, digest)
    except UnreadableImage as exc:
        return FetchComparison(
            match.id, fetched.final_url, len(fetched.data), digest, None, None, identical, exc.reason
        )
    distance = None
    if work is not None and work.phash is not None:
        distance = (work.phash ^ fingerprint.phash).bit_count()
    return FetchComparison(
        match.id, fetched.final_url, len(fetched.data), digest, f"{fingerprint.phash:016x}", distance, identical, None
    )


__all__ = ["FetchComparison", "NetworkError", "fetch_and_compare"]
