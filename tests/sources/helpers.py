"""Shared pieces for source tests: a fast client, the sample profile, plan-versus-wire comparison."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from core.net import HttpConfig
from core.profile import Profile
from core.sources import OutgoingRequest
from tests.net.servers import Recorded

FAST = HttpConfig(
    timeout=1.5,
    connect_timeout=1.0,
    read_timeout=1.0,
    max_bytes=200_000,
    retries=1,
    backoff_factor=0.01,
    retry_after_cap=1.0,
)

PROFILE = Profile(
    name="Ada Okonkwo-Lindqvist",
    aliases=("Ada O. Lindqvist",),
    domains=("okonkwo-lindqvist.art",),
    handles=("@adaok",),
    url_prefixes=("https://www.artstation.com/adaok",),
)

PAGING_PARAMS = frozenset({"offset", "_next"})


def _key(method: str, url_or_path: str, query: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    params = tuple(sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in PAGING_PARAMS))
    return method, url_or_path, params


def assert_sent_exactly_the_plan(recorded: list[Recorded], planned: list[OutgoingRequest]) -> None:
    """Every request on the wire is a planned one (pages differ only by their offset/_next), each planned
    one went out, and no more pages than announced. Bodies are checked by each source's own tests."""
    allowed: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[int]] = {}
    for request in planned:
        parts = urlsplit(request.url)
        entry = allowed.setdefault(_key(request.method, parts.path, parts.query), [0, 0])
        entry[0] += 1
        entry[1] += request.max_pages
    seen: dict[tuple[str, str, tuple[tuple[str, str], ...]], int] = {}
    for request in recorded:
        key = _key(request.method, request.path, request.query)
        assert key in allowed, f"unplanned request: {request.method} {request.path}?{request.query}"
        seen[key] = seen.get(key, 0) + 1
    for key, (minimum, maximum) in allowed.items():
        assert minimum <= seen.get(key, 0) <= maximum, f"{key}: sent {seen.get(key, 0)}, planned {minimum}..{maximum}"
