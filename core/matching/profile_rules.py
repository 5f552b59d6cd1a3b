"""Which profile entries matching refuses, and why: one answer for the facade, the command line, the app and the
match summary.

Refused are names, aliases and work titles made of stop words or too short (`core.matching.text`), and domains or
upload URL prefixes that cover a hosting platform shared by many artists (`core.matching.shared_hosts`). The facade
refuses to store a profile with new refused entries (UsageError, with the reasons); a stored profile that holds
entries refused by rules newer than it keeps loading and working: the matchers skip those entries and every match
run lists them (`MatchSummary.profile_notes`), as do `traintrace profile show` and the app's profile dialog.
"""

from __future__ import annotations

import dataclasses
import hashlib

from core.errors import UsageError
from core.matching.shared_hosts import list_fingerprint
from core.matching.text import stop_words_digest, text_refusals
from core.matching.urls import DomainExtractor, PublicSuffixRules, UrlMatcher
from core.profile import Profile, Refusal

FIELD_WORDS = {
    "name": "name",
    "aliases": "other name",
    "titles": "work title",
    "domains": "domain",
    "url_prefixes": "upload location (URL prefix)",
}
CLI_OPTIONS = {
    "name": "--name",
    "aliases": "--alias",
    "titles": "--title",
    "domains": "--domain",
    "url_prefixes": "--url-prefix",
}


def refusals(profile: Profile, extractor: DomainExtractor | None = None) -> list[Refusal]:
    """Every entry of `profile` that matching refuses. Raises UsageError for a domain or URL prefix that is no
    domain or URL at all (as `UrlMatcher` does)."""
    return text_refusals(profile) + list(UrlMatcher(profile, extractor).refusals)


def new_refusals(profile: Profile, stored: Profile, extractor: DomainExtractor | None = None) -> list[Refusal]:
    """The refused entries of `profile` that `stored` (the profile saved so far) does not already hold: those are
    refused on saving; entries carried over from a profile older than the rules stay, skipped by matching."""
    return [refusal for refusal in refusals(profile, extractor) if not refusal.held_by(stored)]


def describe(refusal: Refusal, command_line: bool = False) -> str:
    """One refusal in a sentence: which entry, why, and (on the command line) the option to use instead."""
    if command_line:
        head = f"{CLI_OPTIONS.get(refusal.field, refusal.field)} {refusal.value!r}"
        hint = f" (--url-prefix {refusal.suggestion})" if refusal.suggestion.startswith("http") else ""
        return f"{head}: {refusal.reason}{hint}"
    return f"{FIELD_WORDS.get(refusal.field, refusal.field)} \u201c{refusal.value}\u201d: {refusal.reason}"


def refused_message(found: list[Refusal], command_line: bool = False) -> str:
    """The message of the UsageError that refuses to store `found`."""
    lines = [describe(refusal, command_line) for refusal in found]
    return "not saved: " + ("\n  ".join(["some entries would match other people's pictures:", *lines]))


def check_new_entries(profile: Profile, stored: Profile, command_line: bool = False) -> None:
    """Raise UsageError when `profile` adds an entry that matching refuses (see `new_refusals`)."""
    found = new_refusals(profile, stored)
    if found:
        raise UsageError(refused_message(found, command_line))


def notes(profile: Profile) -> tuple[str, ...]:
    """One line per refused entry of a stored profile: what matching skips, and why (never silently)."""
    try:
        found = refusals(profile)
    except UsageError as exc:  # a malformed entry of a profile stored by hand: matching reports it itself
        return (f"profile: {exc}",)
    return tuple(f"not used for matching: {describe(refusal)}" for refusal in found)


def usable(profile: Profile) -> Profile:
    """`profile` without the entries matching refuses (what remote sources are asked about)."""
    try:
        found = refusals(profile)
    except UsageError:
        return profile
    if not found:
        return profile
    kept: dict[str, object] = {}
    for field in ("aliases", "titles", "domains", "url_prefixes"):
        refused = {refusal.value for refusal in found if refusal.field == field}
        kept[field] = tuple(value for value in getattr(profile, field) if value not in refused)
    name = "" if any(refusal.field == "name" for refusal in found) else profile.name
    return dataclasses.replace(profile, name=name, **kept)  # type: ignore[arg-type]


def rules_fingerprint() -> str:
    """What the refusals and URL matching depend on beyond the profile itself: the public suffix rules, the shared
    hosting list (and the private public suffixes) and the stop words. Part of the profile fingerprint, so stored
    URL/caption hits are searched again when an update ships other lists."""
    parts = (PublicSuffixRules.bundled().fingerprint, list_fingerprint(), stop_words_digest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
