"""What the letter templates are filled with: the artist, the confirmed matches grouped by dataset, work and host.

Plain values only (dataclasses, strings, lists): captions and URLs from the datasets stay data here and are
escaped by the renderer on output; they are never part of a template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from urllib.parse import quote, urlsplit, urlunsplit

from core.catalogue.matches import Match
from core.datasets.descriptors import Descriptor
from core.evidence.text import CAPTION_LIMIT, SHORT_LIMIT, URL_LIMIT, capped, shown
from core.matching.profile_rules import usable
from core.profile import Profile

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
LAION_SCHEMA = "laion"


@dataclass(frozen=True)
class Listing:
    """One confirmed match as a letter cites it."""

    dataset_id: str
    dataset_name: str
    row_id: str
    url: str
    caption: str
    kind: str
    work: str  # file name of the work, "" for matches on the artist's profile
    opted_out: str = "not asked"  # Spawning's registry for `url`: "yes", "no" or "not asked"


@dataclass(frozen=True)
class DatasetListings:
    id: str
    name: str
    homepage: str
    optout: str
    is_laion: bool
    listings: tuple[Listing, ...]


@dataclass(frozen=True)
class WorkListings:
    work: str
    sha256: str
    listings: tuple[Listing, ...]

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(listing.url for listing in self.listings if listing.url))


@dataclass(frozen=True)
class HostListings:
    host: str
    listings: tuple[Listing, ...]

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(listing.url for listing in self.listings if listing.url))


def long_date(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def is_own_host(host: str, profile: Profile) -> bool:
    """Whether `host` is one of the artist's own domains (or a subdomain of one)."""
    return any(host == domain.lower() or host.endswith("." + domain.lower()) for domain in profile.domains)


def is_own_upload(url: str, profile: Profile) -> bool:
    """Whether `url` is under one of the artist's own upload pages (e.g. their ArtStation URL prefix)."""
    return any(url.startswith(prefix) for prefix in profile.url_prefixes if prefix)


def listing_of(match: Match, datasets: Mapping[str, Descriptor]) -> Listing:
    """The match as letters show it: a caption, URL or row id longer than a letter can hold is cut, saying so."""
    descriptor = datasets.get(match.dataset)
    return Listing(
        dataset_id=match.dataset,
        dataset_name=descriptor.name if descriptor else match.dataset,
        row_id=capped(match.row_id, SHORT_LIMIT),
        url=capped(match.url, URL_LIMIT),
        caption=capped(match.caption, CAPTION_LIMIT),
        kind=match.kind,
        work=PurePath(match.work_path).name if match.work_path else "",
        opted_out=match.opted_out,
    )


def letter_context(
    profile: Profile, confirmed: Sequence[Match], datasets: Mapping[str, Descriptor], generated_at: datetime
) -> dict[str, object]:
    """Everything a template may use (see resources/letters/README.md for the names)."""
    matches = [match for match in confirmed if match.status == "confirmed"]
    listings = [listing_of(match, datasets) for match in matches]
    # A domain or upload prefix that matching refuses (a shared host such as pinterest.com kept from a profile older
    # than the rule) is not the artist's own site: its copies get a host notice like any other host's.
    site = usable(profile)
    whole_urls = [m.url for m in matches if m.url and not shown(m.url, URL_LIMIT).cut]
    by_dataset = _by_dataset(listings, datasets)
    return {
        "artist": profile,
        "date": long_date(generated_at),
        "generated_at": generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "listings": listings,
        "datasets": by_dataset,
        "laion_datasets": [group for group in by_dataset if group.is_laion],
        "works": _by_work(matches, listings),
        # lists to paste: a cut address would be a wrong one, and a space or a backtick would break the line
        "urls": list(dict.fromkeys(encoded_url(url) for url in whole_urls)),
        "opted_out": {encoded_url(m.url): m.opted_out for m in matches if m.url},  # Spawning: yes / no / not asked
        "urls_left_out": len({m.url for m in matches if m.url and shown(m.url, URL_LIMIT).cut}),
        "hosts": _by_host([item for item in listings if not is_own_upload(item.url, site)], site),
        "own_upload_hosts": _by_host([item for item in listings if is_own_upload(item.url, site)], site),
    }


_URL_SAFE = "/:@!$&'()*+,;=%~"  # reserved and already-escaped characters stay as they are


def encoded_url(url: str) -> str:
    """`url` percent-encoded where a list or a form would break it (spaces, quotes, backticks, non-ASCII in the
    path, query or fragment); its host and existing %-escapes are kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return quote(url, safe=_URL_SAFE + "?#")
    path, query = quote(parts.path, safe=_URL_SAFE), quote(parts.query, safe=_URL_SAFE + "?")
    return urlunsplit((parts.scheme, parts.netloc, path, query, quote(parts.fragment, safe=_URL_SAFE + "?")))


def _by_dataset(listings: Sequence[Listing], datasets: Mapping[str, Descriptor]) -> list[DatasetListings]:
    groups: dict[str, list[Listing]] = {}
    for listing in listings:
        groups.setdefault(listing.dataset_id, []).append(listing)
    found = []
    for dataset_id, items in sorted(groups.items()):
        descriptor = datasets.get(dataset_id)
        found.append(
            DatasetListings(
                id=dataset_id,
                name=descriptor.name if descriptor else dataset_id,
                homepage=descriptor.homepage if descriptor else "",
                optout=descriptor.optout if descriptor else "",
                is_laion=bool(descriptor and descriptor.schema == LAION_SCHEMA),
                listings=tuple(items),
            )
        )
    return found


def _by_work(matches: Sequence[Match], listings: Sequence[Listing]) -> list[WorkListings]:
    """One entry per work (by catalogue id: two files of one name in different folders stay apart)."""
    groups: dict[int, tuple[str, list[Listing]]] = {}
    for match, listing in zip(matches, listings, strict=True):
        if match.work_id is not None:
            groups.setdefault(match.work_id, (match.work_sha256 or "", []))[1].append(listing)
    found = [WorkListings(items[0].work, sha256, tuple(items)) for sha256, items in groups.values()]
    return sorted(found, key=lambda entry: (entry.work, entry.sha256))


def _by_host(listings: Sequence[Listing], profile: Profile) -> list[HostListings]:
    """Hosts of the copies, the artist's own domains left out (the artist needs no letter to themself)."""
    groups: dict[str, list[Listing]] = {}
    for listing in listings:
        host = host_of(listing.url)
        if host and not is_own_host(host, profile):
            groups.setdefault(host, []).append(listing)
    return [HostListings(host, tuple(items)) for host, items in sorted(groups.items())]
