"""Judging each opt-out signal a site serves: pure functions from fetched text or headers to a verdict.

Every verdict says, in plain words, what was found and what it means for the artist. robots.txt is read with
Protego (an independent implementation of RFC 9309), HTML with the standard library's tolerant parser; nothing
is ever rendered or executed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from html.parser import HTMLParser

from protego import Protego

from core.optout.crawlers import CrawlerList

# img2dataset skips an image whose own response carries any of these (FACTS.md section 5).
IMG2DATASET_TOKEN = "img2dataset"
_AI_DIRECTIVES = frozenset({"noai", "noimageai"})
_INDEX_DIRECTIVES = frozenset({"noindex", "noimageindex"})
# X-Robots-Tag directives whose value itself contains a colon: not a "user-agent: directive" prefix.
_COLON_DIRECTIVES = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
_ORDINARY_CRAWLER = "Googlebot"
_SAMPLE_IMAGE_PATH = "/artwork.jpg"


class Status(Enum):
    PRESENT = "present"
    MISSING = "missing"
    WRONG = "wrong"
    UNREACHABLE = "could not fetch"
    NOT_CHECKED = "not checked"


class Signal(Enum):
    """Each machine-readable reservation the checker looks for, with its plain-language name."""

    ROBOTS_TXT = "robots.txt blocks AI crawlers"
    AI_TXT = "ai.txt (Spawning)"
    TDMREP_JSON = "/.well-known/tdmrep.json (W3C TDMRep)"
    PAGE_ROBOTS_HEADER = "X-Robots-Tag header on the home page"
    PAGE_TDM_HEADER = "tdm-reservation header on the home page"
    IMAGE_ROBOTS_HEADER = "X-Robots-Tag header on an image (read by img2dataset)"
    IMAGE_TDM_HEADER = "tdm-reservation header on an image"
    META_ROBOTS = 'noai meta tag (<meta name="robots">) in the home page'
    META_TDM = "tdm-reservation meta tag in the home page"


@dataclass(frozen=True)
class SignalResult:
    """One signal on one URL: its status, a plain-words explanation and details (e.g. the unblocked tokens)."""

    signal: Signal
    url: str
    status: Status
    explanation: str
    details: tuple[str, ...] = ()


def judge_robots_txt(url: str, text: str, crawlers: CrawlerList) -> SignalResult:
    """Which AI tokens the site's robots.txt really disallows, read as a crawler would read it."""
    parser = Protego.parse(text)
    root = _root_of(url)
    unblocked = tuple(token for token in crawlers.tokens if parser.can_fetch(root, token))
    total = len(crawlers.tokens)
    note = ""
    if not parser.can_fetch(root, _ORDINARY_CRAWLER):
        note = " It also blocks ordinary search engines such as Google, so the site may drop out of search results."
    if not unblocked:
        return SignalResult(Signal.ROBOTS_TXT, url, Status.PRESENT, f"All {total} AI crawlers are disallowed.{note}")
    if len(unblocked) == total:
        return SignalResult(
            Signal.ROBOTS_TXT,
            url,
            Status.MISSING,
            f"robots.txt is there but disallows none of the {total} AI crawlers on the list.{note}",
            unblocked,
        )
    return SignalResult(
        Signal.ROBOTS_TXT,
        url,
        Status.WRONG,
        f"{len(unblocked)} of {total} AI crawlers are still allowed; add a group for each of them.{note}",
        unblocked,
    )


def judge_ai_txt(url: str, text: str) -> SignalResult:
    """Spawning's ai.txt: does the group for every agent disallow the whole site, or at least the images?"""
    disallowed = _disallows_for_everyone(text)
    if "/" in disallowed:
        return SignalResult(Signal.AI_TXT, url, Status.PRESENT, "ai.txt reserves the whole site.")
    image_globs = ("*.jpg", "*.jpeg", "*.png", "*.webp", "*.gif")
    allowed = tuple(glob for glob in image_globs if glob not in disallowed)
    if not allowed:
        return SignalResult(Signal.AI_TXT, url, Status.PRESENT, "ai.txt reserves the common image types.")
    return SignalResult(
        Signal.AI_TXT,
        url,
        Status.WRONG,
        "ai.txt is there but does not reserve the whole site; these image types stay open: " + ", ".join(allowed),
        allowed,
    )


def judge_tdmrep_json(url: str, text: str) -> SignalResult:
    """W3C TDMRep: the first rule matching the site root and an image path must reserve rights (value 1)."""
    try:
        rules = json.loads(text)
    except ValueError:
        return SignalResult(
            Signal.TDMREP_JSON, url, Status.WRONG, "tdmrep.json is not valid JSON, so no reader can use it."
        )
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        return SignalResult(
            Signal.TDMREP_JSON, url, Status.WRONG, "tdmrep.json must be a list of rules ([{...}]); this one is not."
        )
    for path in ("/", _SAMPLE_IMAGE_PATH):
        rule = next((r for r in rules if _tdm_location_matches(str(r.get("location", "")), path)), None)
        if rule is None:
            return SignalResult(
                Signal.TDMREP_JSON,
                url,
                Status.WRONG,
                f"tdmrep.json has no rule covering {path}, so it stays unreserved.",
            )
        value = rule.get("tdm-reservation")
        if type(value) is not int or value != 1:  # JSON true is not the integer 1 TDMRep asks for
            return SignalResult(
                Signal.TDMREP_JSON,
                url,
                Status.WRONG,
                f"tdmrep.json says tdm-reservation {value!r} for {path}; it must be 1 to reserve your rights.",
            )
    policy = next((str(r["tdm-policy"]) for r in rules if "tdm-policy" in r), "")
    details = (f"tdm-policy: {policy}",) if policy else ()
    return SignalResult(
        Signal.TDMREP_JSON,
        url,
        Status.PRESENT,
        "tdmrep.json reserves text and data mining for the whole site.",
        details,
    )


def judge_robots_header(signal: Signal, url: str, values: list[str]) -> SignalResult:
    """X-Robots-Tag on one response, with the ``agent: directive`` form applied as img2dataset applies it."""
    if not values:
        return SignalResult(
            signal, url, Status.MISSING, "No X-Robots-Tag header: nothing tells dataset builders to skip it."
        )
    by_agent = parse_x_robots_tag(values)
    general = by_agent.get(None, set())
    for_img2dataset = general | by_agent.get(IMG2DATASET_TOKEN, set())
    shown = tuple(values)
    if general & _AI_DIRECTIVES:
        found = ", ".join(sorted(general & _AI_DIRECTIVES))
        return SignalResult(signal, url, Status.PRESENT, f"X-Robots-Tag says {found} for every reader.", shown)
    if for_img2dataset & _AI_DIRECTIVES:
        return SignalResult(
            signal,
            url,
            Status.PRESENT,
            "X-Robots-Tag says noai only to img2dataset; other AI tools that read noai are not addressed.",
            shown,
        )
    if for_img2dataset & _INDEX_DIRECTIVES:
        return SignalResult(
            signal,
            url,
            Status.WRONG,
            "X-Robots-Tag says noindex, which keeps img2dataset away but also hides this from search engines; "
            "use noai, noimageai instead.",
            shown,
        )
    return SignalResult(
        signal, url, Status.WRONG, "X-Robots-Tag is sent but without noai or noimageai, so it does not opt out.", shown
    )


def judge_tdm_header(signal: Signal, url: str, reservation: str | None, policy: str | None) -> SignalResult:
    """The TDMRep ``tdm-reservation`` response header (1 = rights reserved)."""
    details = (f"tdm-policy: {policy}",) if policy else ()
    if reservation is None:
        return SignalResult(signal, url, Status.MISSING, "No tdm-reservation header.", details)
    if reservation.strip() == "1":
        return SignalResult(signal, url, Status.PRESENT, "tdm-reservation: 1 reserves text and data mining.", details)
    return SignalResult(
        signal,
        url,
        Status.WRONG,
        f"tdm-reservation is {reservation.strip()!r}; only 1 reserves your rights (0 says mining is allowed).",
        details,
    )


def judge_meta_tags(url: str, html: str) -> list[SignalResult]:
    """The noai robots meta tag and the TDMRep meta tag in a page's HTML (parsed, never rendered)."""
    collector = _MetaCollector()
    try:
        collector.feed(html)
        collector.close()
    except AssertionError:
        pass  # CPython's parser gives up on some malformed "<![...]>" sections; the tags read before them count
    robots = set().union(*(_directives(content) for content in collector.values("robots")))
    results = []
    if robots & _AI_DIRECTIVES:
        found = ", ".join(sorted(robots & _AI_DIRECTIVES))
        results.append(
            SignalResult(Signal.META_ROBOTS, url, Status.PRESENT, f"The page's robots meta tag says {found}.")
        )
    elif collector.values("robots"):
        results.append(
            SignalResult(
                Signal.META_ROBOTS, url, Status.WRONG, "A robots meta tag is there but without noai, noimageai."
            )
        )
    else:
        results.append(
            SignalResult(Signal.META_ROBOTS, url, Status.MISSING, "No robots meta tag with noai, noimageai.")
        )
    tdm = collector.values("tdm-reservation")
    if not tdm:
        results.append(SignalResult(Signal.META_TDM, url, Status.MISSING, "No tdm-reservation meta tag."))
    elif tdm[0].strip() == "1":
        results.append(SignalResult(Signal.META_TDM, url, Status.PRESENT, "The tdm-reservation meta tag says 1."))
    else:
        results.append(
            SignalResult(Signal.META_TDM, url, Status.WRONG, f"The tdm-reservation meta tag says {tdm[0]!r}, not 1.")
        )
    return results


def parse_x_robots_tag(values: list[str]) -> dict[str | None, set[str]]:
    """Directives per user agent (None = every agent); ``agent: d1, d2`` applies to the directives after it."""
    by_agent: dict[str | None, set[str]] = {}
    for value in values:
        agent: str | None = None
        for item in value.split(","):
            head, sep, tail = item.partition(":")
            if sep and head.strip().lower() not in _COLON_DIRECTIVES:
                agent, item = head.strip().lower(), tail
            directive = item.strip().lower()
            if directive:
                by_agent.setdefault(agent, set()).add(directive)
    return by_agent


def _directives(content: str) -> set[str]:
    return {part.strip().lower() for part in content.split(",") if part.strip()}


def _disallows_for_everyone(text: str) -> set[str]:
    """Disallow values of the ``User-agent: *`` group(s) of a robots-like file (ai.txt)."""
    disallowed: set[str] = set()
    agents: list[str] = []
    in_rules = False
    for raw_line in text.splitlines():
        key, sep, value = raw_line.split("#", 1)[0].partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value)
        elif key in ("disallow", "allow"):
            in_rules = True
            if key == "disallow" and "*" in agents and value:
                disallowed.add(value)
    return disallowed


def _tdm_location_matches(pattern: str, path: str) -> bool:
    """robots.txt-style pattern (``*`` any run of characters, ``$`` end) matched from the start of the path."""
    if not pattern:
        return False
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.match(regex + ("$" if anchored else ""), path) is not None


def _root_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/"


class _MetaCollector(HTMLParser):
    """Collects ``<meta name=... content=...>`` pairs; scripts and styles are never run, only skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {name.lower(): value or "" for name, value in attrs}
        if "name" in values:
            self._found.append((values["name"].strip().lower(), values.get("content", "")))

    def values(self, name: str) -> list[str]:
        return [content for found_name, content in self._found if found_name == name]
