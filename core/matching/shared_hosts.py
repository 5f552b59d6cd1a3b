"""Hosting platforms shared by many artists: a profile domain or upload URL prefix there must be the artist's own.

The list is data (``resources/matching/shared_hosts.json``: dated, with its sources), not code. A host belongs to a
platform when it is one of the platform's domains or lies under one (label boundary, ``www.`` ignored). Rules:

- a profile domain on a platform is refused when it is the platform's domain itself (``artstation.com``) or one of
  its shared subdomains (``cdna.artstation.com``, ``i.pinimg.com``); it is accepted when the platform gives each
  user a subdomain and the label under the platform's domain is not one of its own (``adaok.artstation.com``,
  ``adaok.tumblr.com``);
- an upload URL prefix on a platform is accepted on a user subdomain, and otherwise only when its path names more
  than the platform's own sections (``https://www.artstation.com/adaok`` yes; ``https://www.artstation.com/``,
  ``https://www.artstation.com/artwork`` and ``https://www.flickr.com/photos`` no); never on an image host whose
  addresses do not say whose picture it is (``i.pinimg.com``, ``pbs.twimg.com``);
- besides the list, a profile domain that the Public Suffix List's private section (the snapshot bundled with
  tldextract, never fetched) names as a shared suffix (``github.io``, ``wixsite.com``, ``netlify.app``) is refused,
  and so is a URL prefix on such a host with no path (``https://github.io/``); their subdomains are the users' own.

Each refusal says why and what to give instead (a URL prefix such as ``https://www.artstation.com/NAME``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass

import tldextract

from core.resources import resource_path

_LIST_FILE = ("matching", "shared_hosts.json")


@dataclass(frozen=True)
class Platform:
    name: str
    domains: tuple[str, ...]
    example: str  # where an artist's own page lives there, NAME standing for the artist's name
    user_subdomains: bool = False  # NAME.<domain> is an artist's own site
    shared_subdomains: frozenset[str] = frozenset()  # subdomains that belong to the platform
    shared_paths: frozenset[str] = frozenset()  # first path segments that are site-wide sections
    images_only: bool = False  # an image host whose addresses do not name the uploader


@dataclass(frozen=True)
class SharedHostList:
    list_date: str
    platforms: tuple[Platform, ...]
    digest: str  # SHA-256 of the file: which profile entries are refused depends on it

    @functools.cached_property
    def _by_domain(self) -> dict[str, Platform]:
        return {domain: platform for platform in self.platforms for domain in platform.domains}

    def platform_of(self, host: str) -> tuple[Platform, str] | None:
        """The platform a canonical host belongs to, and the platform domain it is (under), or None."""
        labels = host.split(".")
        for start in range(len(labels)):  # longest domain first: "dribbble.com.s3.amazonaws.com" before "amazonaws.com"
            domain = ".".join(labels[start:])
            if domain in self._by_domain:
                return self._by_domain[domain], domain
        return None


def _platform(entry: dict[str, object]) -> Platform:
    def words(key: str) -> frozenset[str]:
        value = entry.get(key) or []
        return frozenset(str(item).lower() for item in value) if isinstance(value, list) else frozenset()

    domains = entry.get("domains") or []
    return Platform(
        name=str(entry["name"]),
        domains=tuple(str(domain).lower() for domain in domains) if isinstance(domains, list) else (),
        example=str(entry.get("example") or ""),
        user_subdomains=bool(entry.get("user_subdomains")),
        shared_subdomains=words("shared_subdomains") | {"www"},
        shared_paths=words("shared_paths"),
        images_only=bool(entry.get("images_only")),
    )


@functools.cache
def shared_hosts() -> SharedHostList:
    """The shipped list."""
    raw = resource_path(*_LIST_FILE).read_bytes()
    data = json.loads(raw)
    platforms = tuple(_platform(entry) for entry in data["platforms"])
    return SharedHostList(str(data["list_date"]), platforms, hashlib.sha256(raw).hexdigest())


@functools.cache
def private_suffixes() -> frozenset[str]:
    """The Public Suffix List's private-section rules bundled with tldextract (exact names; wildcards dropped)."""
    every = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True).tlds
    icann = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False).tlds
    return frozenset(rule.lower() for rule in set(every) - set(icann) if rule[0] not in "*!" and rule.isascii())


def _your_page(platform: Platform, domain: str) -> str:
    subdomain = f", or your own site there such as NAME.{domain}" if platform.user_subdomains else ""
    return f"Give your own page as an upload location (URL prefix) instead, such as {platform.example}{subdomain}."


def _user_site(platform: Platform, host: str, domain: str) -> bool:
    label = host[: -len(domain) - 1].rpartition(".")[2] if host != domain else ""
    return platform.user_subdomains and bool(label) and label not in platform.shared_subdomains


def domain_refusal(host: str) -> tuple[str, str] | None:
    """(why, suggested URL prefix) when a canonical, www-less profile domain is a shared host; None when it is fine."""
    found = shared_hosts().platform_of(host)
    if found is not None:
        platform, domain = found
        if _user_site(platform, host, domain):
            return None
        if platform.images_only:
            why = f"{host} is {platform.name}, serving everyone's pictures under addresses that do not say whose"
        elif host == domain:
            why = f"{host} is {platform.name}, shared by everyone who uploads there"
        else:
            why = f"{host} is one of {platform.name}'s own addresses, shared by everyone who uploads there"
        return f"{why}: as your domain it would match all of their pictures. {_your_page(platform, domain)}", (
            platform.example
        )
    if host in private_suffixes():
        return (
            f"{host} is a hosting service shared by many sites (the Public Suffix List names it): as your domain it "
            f"would match every site hosted there. Give your own site there instead, such as NAME.{host}.",
            f"https://NAME.{host}/",
        )
    return None


def prefix_refusal(host: str, path: str) -> tuple[str, str] | None:
    """(why, suggested URL prefix) when an upload URL prefix (www-less host, normalised path) covers a whole shared
    platform or a whole section of it; None when it is the artist's own."""
    found = shared_hosts().platform_of(host)
    segments = [segment for segment in path.split("/") if segment]
    if found is not None:
        platform, domain = found
        if _user_site(platform, host, domain):
            return None
        if platform.images_only:
            why = (
                f"{host} is {platform.name}, serving everyone's pictures under addresses that do not say whose: no "
                "address there is yours alone."
            )
        elif all(segment.lower() in platform.shared_paths for segment in segments):
            covers = f"all of {platform.name}" if not segments else f"a section of {platform.name} shared by everyone"
            why = f"this address covers {covers}: it would match everyone's pictures there."
        else:
            return None
        return f"{why} {_your_page(platform, domain)}", platform.example
    if host in private_suffixes() and not segments:
        return (
            f"{host} is a hosting service shared by many sites (the Public Suffix List names it): this address would "
            f"match every site hosted there. Give your own site there instead, such as https://NAME.{host}/.",
            f"https://NAME.{host}/",
        )
    return None


def list_fingerprint() -> str:
    """What refusals of domains and URL prefixes depend on: the shipped list and the bundled private rules."""
    private = hashlib.sha256("\n".join(sorted(private_suffixes())).encode()).hexdigest()
    return hashlib.sha256(f"{shared_hosts().digest}\n{private}".encode()).hexdigest()
