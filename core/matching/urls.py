"""URL matching against the artist profile: exact hosts, registrable domains and upload URL prefixes.

A URL is reduced to its host the way a browser would (WHATWG-style): the authority ends at the first ``/``,
``?``, ``#`` or ``\\``; userinfo (everything up to the last ``@``) and the port are dropped; the host is
percent-decoded, lowercased, stripped of trailing dots and converted to its ASCII (punycode) form with UTS #46
(non-transitional, as browsers do). So ``https://okonkwo-lindqvist.art@evil.net/`` has host ``evil.net`` and
``https://evil.net\\@okonkwo-lindqvist.art/`` has host ``evil.net`` too. The host keeps its ``www.``; comparisons
decide what ``www.`` means.

A profile domain must be a registrable domain or lie under one (`normalise_profile_domain` refuses public suffixes
such as ``co.uk``). Registrable domains are public-suffix aware (tldextract's bundled snapshot, ICANN section only,
never the network), with the Public Suffix List's default rule for unknown TLDs (``name.art.evil`` -> ``art.evil``).

A profile domain or URL prefix on a hosting platform shared by many artists (the shipped list, and the Public Suffix
List's private section: `core.matching.shared_hosts`) must be the artist's own there: ``artstation.com`` and
``https://www.artstation.com/`` are refused, ``https://www.artstation.com/NAME`` and ``NAME.artstation.com`` are
not. `UrlMatcher` skips refused entries and lists them in `refusals` (a stored profile older than the rule keeps
loading); the facade refuses to store new ones.

Path comparison for URL prefixes is case-sensitive (RFC 3986 section 6.2.2.1): only the scheme (http and https
are equivalent), the host and a leading ``www.`` are compared loosely.

`UrlMatcher` is the exact matcher: a dataset pass (`core/matching/shard_pass.py`) calls it only on the URLs that the
vectorised prefilter (`core/matching/prefilter.py`) selects.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote

import idna
import tldextract

from core.errors import UsageError
from core.matching.shared_hosts import domain_refusal, prefix_refusal
from core.profile import Profile, Refusal

# Scheme and authority. Special schemes accept any number of slashes or backslashes (WHATWG); any other scheme
# needs "://"; "//host" is a protocol-relative URL.
_AUTHORITY_PATTERN = (
    r"^[\x00-\x20]*(?:(?i:https?|ftp|wss?):[/\\]*|[A-Za-z][A-Za-z0-9+.\-]*://|//)(?P<authority>[^/?#\\]*)"
)
_AUTHORITY_RE = re.compile(_AUTHORITY_PATTERN)
_HTTP_SCHEME_RE = re.compile(r"^[\x00-\x20]*(?i:https?):[/\\]*")
_PERCENT_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/:@!$&'()*+,;=%-._~"
# Code points a browser refuses in a (percent-decoded) domain: "evil.net%2F.name.art" is no host at all.
_FORBIDDEN_IN_HOST_RE = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
DEFAULT_HOST_CACHE_SIZE = 1 << 20


def authority_of(url: str) -> str | None:
    """The raw authority (``user@host:port``) of an absolute URL, or None when the URL has none."""
    found = _AUTHORITY_RE.match(url)
    return found.group("authority") if found else None


def normalise_host(authority: str) -> str | None:
    """The canonical host of a raw authority: no userinfo, no port, lowercase ASCII, no trailing dot."""
    host = authority.replace("\t", "").replace("\n", "").replace("\r", "").rpartition("@")[2]
    if host.startswith("["):
        closing = host.find("]")
        return host[: closing + 1].lower() if closing > 0 else None
    host = unquote(host.partition(":")[0], errors="replace")
    host = (host if host.isascii() else _ascii_host(host)).lower().rstrip(".")
    if not host or _FORBIDDEN_IN_HOST_RE.search(host):
        return None  # checked after the mapping too: "／" (full-width solidus) maps to "/"
    return host


def _ascii_host(host: str) -> str:
    """UTS #46 mapping (non-transitional, as browsers do), then punycode for each non-ASCII label."""
    try:
        host = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except idna.IDNAError:
        host = host.casefold()
    return ".".join(_ascii_label(label) for label in host.split("."))


def _ascii_label(label: str) -> str:
    if label.isascii():
        return label
    try:
        return bytes(idna.alabel(label)).decode("ascii")
    except idna.IDNAError:
        pass
    try:
        return label.encode("idna").decode("ascii")
    except UnicodeError:
        return label


def host_of(url: str) -> str | None:
    """The canonical host of a URL, or None when it has no usable host."""
    authority = authority_of(url)
    return normalise_host(authority) if authority is not None else None


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def normalise_path(path: str) -> str:
    """Path in comparable form: ``\\`` as ``/``, unreserved escapes decoded, other escapes upper-case, dot segments
    resolved, non-ASCII percent-encoded as UTF-8 (so ``/ø`` equals ``/%C3%B8``)."""

    def decode_unreserved(escape: re.Match[str]) -> str:
        char = chr(int(escape.group(1), 16))
        return char if char in _UNRESERVED else "%" + escape.group(1).upper()

    path = _PERCENT_RE.sub(decode_unreserved, path.replace("\\", "/"))
    path = quote(path, safe=_PATH_SAFE)
    if "/." in path:
        path = _remove_dot_segments(path)
    return path or "/"


def _remove_dot_segments(path: str) -> str:
    kept: list[str] = []
    segments = path.split("/")
    for position, segment in enumerate(segments):
        is_last = position == len(segments) - 1
        if segment == "..":
            if len(kept) > 1:
                kept.pop()
            if is_last:
                kept.append("")
        elif segment == ".":
            if is_last:
                kept.append("")
        else:
            kept.append(segment)
    return "/".join(kept)


def split_after_authority(url: str, authority_end: int) -> tuple[str, str]:
    """(path, query) of the part of a URL that follows its authority; the fragment is dropped."""
    rest = url[authority_end:].partition("#")[0]
    path, _, query = rest.partition("?")
    return path, query


def work_file_name_from_url(url: str) -> str | None:
    """The percent-decoded last path segment of a URL (``.../My%20Work.png?x=1`` -> ``My Work.png``), or None."""
    found = _AUTHORITY_RE.match(url)
    if not found:
        return None
    path, _ = split_after_authority(url, found.end())
    name = unquote(path.replace("\\", "/").rpartition("/")[2], errors="replace")
    return name or None


_BUNDLED: dict[str, PublicSuffixRules] = {}
_BUNDLED_LOCK = threading.Lock()


class PublicSuffixRules:
    """The ICANN rules of the Public Suffix List snapshot bundled with tldextract, in punycode, with the PSL's
    algorithm (exceptions prevail, then the longest rule, else the default rule ``*``).

    tldextract supplies the data; the lookup is ours, checked against tldextract's in the tests.
    """

    def __init__(self, rules: Iterable[str]) -> None:
        self.rules = frozenset(_rule_to_ascii(rule) for rule in rules)
        self._exceptions = frozenset(rule[1:] for rule in self.rules if rule.startswith("!"))
        self._wildcard_parents = frozenset(rule[2:] for rule in self.rules if rule.startswith("*."))
        self._exact = frozenset(rule for rule in self.rules if rule[0] not in "!*")

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the rule set. The profile fingerprint (`shard_pass.profile_fingerprint`) includes it: which
        profile domains are accepted depends on the rules (another tldextract snapshot may differ)."""
        return hashlib.sha256("\n".join(sorted(self.rules)).encode()).hexdigest()

    @classmethod
    def bundled(cls) -> PublicSuffixRules:
        """The snapshot shipped inside tldextract (read once a process); never fetched, never cached on disk. A
        batch's workers use the client's (`use_bundled`), which the batch's fingerprint was taken from."""
        with _BUNDLED_LOCK:
            if "rules" not in _BUNDLED:
                psl = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)
                _BUNDLED["rules"] = cls(psl.tlds)
            return _BUNDLED["rules"]

    @staticmethod
    def use_bundled(rules: PublicSuffixRules) -> None:
        """Take `rules` (another process's `bundled()`) as this process's snapshot, unless it read its own."""
        with _BUNDLED_LOCK:
            _BUNDLED.setdefault("rules", rules)

    def registrable_domain(self, host: str) -> str:
        """The public suffix plus one label ("" for IP addresses and for hosts that are themselves suffixes)."""
        last_label = host.rpartition(".")[2]
        if not last_label or last_label.isdigit() or host.startswith("["):
            return ""
        starts = [0]
        while (dot := host.find(".", starts[-1])) != -1:
            starts.append(dot + 1)
        suffix_start = self._suffix_start(host, starts)
        if suffix_start == 0:
            return ""
        return host[starts[starts.index(suffix_start) - 1] :]

    def _suffix_start(self, host: str, starts: list[int]) -> int:
        for start in starts:
            if host[start:] in self._exceptions:
                return host.index(".", start) + 1
        for position, start in enumerate(starts):
            if host[start:] in self._exact:
                return start
            if position + 1 < len(starts) and host[starts[position + 1] :] in self._wildcard_parents:
                return start
        return starts[-1]


def _rule_to_ascii(rule: str) -> str:
    if rule.isascii():
        return rule.lower()
    marker = "!" if rule.startswith("!") else ""
    labels = rule.removeprefix("!").split(".")
    return marker + ".".join(label if label == "*" else idna.encode(label, uts46=True).decode() for label in labels)


class DomainExtractor:
    """Canonical hosts of URL authorities, cached per raw authority (hosts repeat massively in datasets), and
    registrable domains."""

    def __init__(self, suffixes: PublicSuffixRules | None = None, cache_size: int = DEFAULT_HOST_CACHE_SIZE) -> None:
        self._suffixes = suffixes or PublicSuffixRules.bundled()
        self.host_of_authority = functools.lru_cache(maxsize=cache_size)(normalise_host)

    def registrable_domain(self, host: str) -> str:
        """The registrable domain of a canonical host ("" when it has none)."""
        return self._suffixes.registrable_domain(host)


def normalise_profile_domain(domain: str, extractor: DomainExtractor) -> str:
    """A profile domain in canonical form (``https://WWW.Name.Art./`` -> ``name.art``); UsageError if unusable."""
    text = domain.strip()
    host = host_of(text if "//" in text else "//" + text)
    if not host or host.startswith("["):
        raise UsageError(f"{domain!r} is not a domain name")
    host = _strip_www(host)
    if not extractor.registrable_domain(host):
        raise UsageError(f"{domain!r} is a public suffix shared by many sites, not the artist's own domain")
    return host


@dataclass(frozen=True, slots=True)
class UrlPrefix:
    """A profile upload location in comparable form: www-less host, normalised path without trailing ``/``."""

    original: str
    host: str
    path: str
    query: str

    @classmethod
    def parse(cls, prefix: str) -> UrlPrefix:
        text = prefix.strip()
        text = text if _AUTHORITY_RE.match(text) else "https://" + text
        found = _HTTP_SCHEME_RE.match(text) and _AUTHORITY_RE.match(text)
        host = normalise_host(found.group("authority")) if found else None
        if not found or not host:
            raise UsageError(f"{prefix!r} is not an http(s) URL prefix")
        path, query = split_after_authority(text, found.end())
        return cls(prefix, _strip_www(host), normalise_path(path).rstrip("/"), query)

    def covers(self, path: str, query: str) -> bool:
        """Whether a normalised URL path (and raw query) lies under this prefix, on a segment boundary."""
        if self.query:
            return path.rstrip("/") == self.path and (query == self.query or query.startswith(self.query + "&"))
        return path == self.path or path.startswith(self.path + "/")


@dataclass(frozen=True, slots=True)
class UrlMatchReason:
    """Why a URL belongs to the artist: its host is (under) `rule`, or the URL starts with the prefix `rule`."""

    kind: Literal["domain", "url_prefix"]
    rule: str
    host: str


class UrlMatcher:
    """Exact, look-alike-proof matching of URLs against a profile's domains and upload URL prefixes."""

    def __init__(self, profile: Profile, extractor: DomainExtractor | None = None) -> None:
        """Raises UsageError for a domain or URL prefix that is no domain or URL at all; entries on shared hosting
        platforms are skipped and listed in `refusals`."""
        self._extractor = extractor or DomainExtractor()
        refusals: list[Refusal] = []
        domains = []
        for domain in profile.domains:
            host = normalise_profile_domain(domain, self._extractor)
            refused = domain_refusal(host)
            if refused is None:
                domains.append(host)
            else:
                refusals.append(Refusal("domains", domain, *refused))
        prefixes = []
        for text in profile.url_prefixes:
            prefix = UrlPrefix.parse(text)
            refused = prefix_refusal(prefix.host, prefix.path)
            if refused is None:
                prefixes.append(prefix)
            else:
                refusals.append(Refusal("url_prefixes", text, *refused))
        self.domains = tuple(dict.fromkeys(domains))
        self.prefixes = tuple(prefixes)
        self.refusals = tuple(refusals)
        self._prefix_hosts = frozenset(prefix.host for prefix in self.prefixes)

    def match_host(self, host: str) -> str | None:
        """The profile domain that a canonical host equals or lies under (label boundary), or None."""
        for domain in self.domains:
            if host == domain or host.endswith("." + domain):
                return domain
        return None

    def match(self, url: str | None) -> UrlMatchReason | None:
        """Why `url` is the artist's, or None. Domains are tried first, then URL prefixes."""
        if url is None:
            return None
        found = _AUTHORITY_RE.match(url)
        host = self._extractor.host_of_authority(found.group("authority")) if found else None
        if found is None or host is None:
            return None
        domain = self.match_host(host)
        if domain is not None:
            return UrlMatchReason("domain", domain, host)
        bare_host = _strip_www(host)
        if bare_host not in self._prefix_hosts or not _HTTP_SCHEME_RE.match(url):
            return None
        path, query = split_after_authority(url, found.end())
        path = normalise_path(path)
        for prefix in self.prefixes:
            if prefix.host == bare_host and prefix.covers(path, query):
                return UrlMatchReason("url_prefix", prefix.original, host)
        return None

    def match_many(self, urls: Sequence[str | None]) -> list[UrlMatchReason | None]:
        """`match` over a sequence of URLs."""
        return [self.match(url) for url in urls]
