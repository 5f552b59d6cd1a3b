"""Checks that a row a server returned really matches what we asked for (servers over-retrieve).

A SQL `LIKE '%domain%'` also finds `domain.evil.net`; BM25 and FTS find partial names; a Datasette table
without full-text search ignores `_search` entirely. So every hit is verified locally before it is kept.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit


def normalise_text(text: str) -> str:
    """Case- and diacritics-insensitive form for matching names in captions."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def contains_term(text: str, term: str) -> bool:
    """True if `term` occurs in `text` on word boundaries, ignoring case and diacritics."""
    needle = normalise_text(term).strip()
    if not needle:
        return False
    pattern = r"(?<!\w)" + re.escape(needle) + r"(?!\w)"
    return re.search(pattern, normalise_text(text)) is not None


def url_on_domain(url: str, domain: str) -> bool:
    """True if the URL's host is `domain` or a subdomain of it (a LIKE '%domain%' over-retrieves)."""
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    domain = domain.lower().strip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def as_text(value: Any) -> str:
    """A dataset cell as plain text (untrusted data is never interpreted)."""
    return "" if value is None else str(value)


def strip_scheme(url: str) -> str:
    """`https://www.artstation.com/ada` -> `www.artstation.com/ada` (datasets mix http and https)."""
    return url.split("://", 1)[1] if "://" in url else url


def url_has_prefix(url: str, prefix: str) -> bool:
    """True if `url` starts with the profile's upload prefix, whatever the scheme, ignoring host case."""
    return bool(prefix) and strip_scheme(url.strip()).lower().startswith(strip_scheme(prefix.strip()).lower())
