"""Caption matching against the artist profile: names, aliases, hashtags and handles.

Normalisation (`normalise`) is per character: NFKC, casefold, NFD, then combining marks are dropped (except the
vowel signs and tone marks of Brahmic and South-East Asian scripts, which change the word), format characters
such as the soft hyphen are dropped, letters that do not decompose are spelled out (ø->o, ł->l, æ->ae, þ->th ...),
every dash variant becomes ``-`` and every apostrophe variant ``'``.

Rules, all on normalised text:
- a name or alias matches as its words in order, separated by any run of whitespace or by exactly one dash: a
  hyphen in the name may be written as a space and a space as a hyphen ("Ada Okonkwo-Lindqvist" matches
  "ADA OKONKWO LINDQVIST" and "ada okonkwo–lindqvist"); any other punctuation between words breaks the match.
- a match must not touch a letter, digit or underscore on either side, nor a dash followed by one (``-Smith``
  makes a different, compound name). Letters of scripts written without spaces (Han, kana, Thai ...) do not count
  as neighbours, so names can be found in running Japanese or Chinese text.
- a multi-word name or alias also matches as a hashtag of its words joined by nothing or by underscores
  (``#AdaOkonkwoLindqvist``, ``#ada_okonkwo_lindqvist``); a one-word name preceded by ``#`` is a hashtag match.
- a handle matches with or without its ``@`` but never as part of a longer handle (``@name.okafor``,
  ``@name.ok_2``, ``name.ok.fan``) or of an e-mail address; a trailing sentence period is fine. A handle made
  of letters only (``@ada``) needs its ``@``: without it, it is just a word (every "Ada" would match).

`TextMatcher` is the exact matcher: a dataset pass (`core/matching/shard_pass.py`) calls it only on the captions
that the vectorised prefilter (`core/matching/prefilter.py`) selects with `TextMatcher.required_literals`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from core.profile import Profile

TermKind = Literal["name", "alias", "handle", "hashtag"]

_LETTERS_WITHOUT_DECOMPOSITION = {
    "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ʉ": "u",
    "æ": "ae", "œ": "oe", "þ": "th", "ĸ": "k", "ǥ": "g", "ȼ": "c", "ɇ": "e", "ɍ": "r", "ƶ": "z", "ȥ": "z",
    "ɉ": "j", "ß": "ss", "ŀ": "l",
}  # fmt: skip
_APOSTROPHES = frozenset("'\u2019\u2018\u201b\u02bc\u02bb\u02bd\u02b9\u2032\u0060\u00b4\uff07\u055a")
_EXTRA_DASHES = frozenset("\u2212\u2043\u2796\ufe63\uff0d")
# Scripts written without spaces between words: their letters never count as a word boundary violation.
_NO_SPACE_SCRIPTS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_WORD = f"[^\\W{_NO_SPACE_SCRIPTS}]"  # a letter, digit or underscore that must not touch a match
_NAME_LEFT = f"(?<!{_WORD})(?<!{_WORD}-)"
_NAME_RIGHT = f"(?!{_WORD})(?!-{_WORD})"
_HANDLE_LEFT = f"(?<!{_WORD})(?<![.\\-@])"
_HANDLE_RIGHT = f"(?!{_WORD})(?![.\\-]{_WORD})"
# Written without its "@", a handle followed by "@" is an e-mail address's local part ("ada.ok@example.com"); with
# it, a Fediverse address ("@ada.ok@mastodon.social"). Group 1 is the optional "@".
_NOT_AN_EMAIL = "(?(1)|(?!@))"
_WORD_SEPARATOR = r"(?:\s+|-)"
NAME_SPLIT_RE = re.compile(r"[\s\-]+")


def _keeps_mark(char: str) -> bool:
    """Brahmic and South-East Asian vowel signs and tone marks are letters of the word, not diacritics."""
    return "\u0900" <= char <= "\u109f" or "\u1700" <= char <= "\u17ff"


def fold_char(char: str) -> str:
    """The normalised form of one character (possibly empty or several characters)."""
    if char in _APOSTROPHES:
        return "'"
    if char in _EXTRA_DASHES or unicodedata.category(char) == "Pd":
        return "-"
    folded = []
    for part in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", char).casefold()):
        category = unicodedata.category(part)
        if category == "Cf" or (category == "Mn" and not _keeps_mark(part)):
            continue
        if part in _APOSTROPHES:
            part = "'"
        elif category == "Pd":
            part = "-"
        folded.append(_LETTERS_WITHOUT_DECOMPOSITION.get(part, part))
    return "".join(folded)


class _FoldTable(dict[int, str]):
    """`fold_char` as a `str.translate` table, filled on first sight of each code point (a pure memo)."""

    def __missing__(self, code_point: int) -> str:
        folded = self[code_point] = fold_char(chr(code_point))
        return folded


_FOLD_TABLE = _FoldTable()


def normalise(text: str) -> str:
    """Text folded for comparison: case, diacritics, compatibility forms, dashes and apostrophes unified."""
    if text.isascii():
        return text.lower().replace("`", "'")
    return text.translate(_FOLD_TABLE)


def normalise_with_origins(text: str) -> tuple[str, list[int] | None]:
    """`normalise(text)` and, for each of its characters plus one past the end, the index in `text` it came from
    (None when the mapping is the identity, as for ASCII text)."""
    if text.isascii():
        return text.lower().replace("`", "'"), None
    parts: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        folded = _FOLD_TABLE[ord(char)]
        parts.append(folded)
        origins.extend([index] * len(folded))
    origins.append(len(text))
    return "".join(parts), origins


@dataclass(frozen=True, slots=True)
class TextMatch:
    """One mention of the artist in a caption: which profile term, how it was written, and where (in the original
    caption's character offsets)."""

    term: str
    kind: TermKind
    start: int
    end: int
    matched: str


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    kind: TermKind
    pattern: re.Pattern[str]
    single_word: bool
    required: str  # a literal every match contains: a cheap test before the regular expression

    def search_in(self, normalised: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(normalised) if self.required in normalised else iter(())


def _name_terms(text: str, kind: TermKind) -> Iterator[_Term]:
    words = [word for word in NAME_SPLIT_RE.split(normalise(text)) if word]
    if not words:
        return
    plain = _WORD_SEPARATOR.join(re.escape(word) for word in words)
    required = max(words, key=len)
    yield _Term(text, kind, re.compile(_NAME_LEFT + plain + _NAME_RIGHT), len(words) == 1, required)
    tag_words = [word.replace("'", "") for word in words]
    if len(words) > 1 and all(tag_words):
        joined = "".join(map(re.escape, tag_words)) + "|" + "_".join(map(re.escape, tag_words))
        pattern = re.compile(f"(?<!{_WORD})#(?:{joined})(?!{_WORD})")
        yield _Term(text, "hashtag", pattern, False, max(tag_words, key=len))


def _handle_term(text: str) -> Iterator[_Term]:
    core = normalise(text.strip()).lstrip("@")
    if core:
        at_sign = "(@)" if core.isalpha() else "(@)?"
        pattern = re.compile(_HANDLE_LEFT + at_sign + re.escape(core) + _HANDLE_RIGHT + _NOT_AN_EMAIL)
        yield _Term(text, "handle", pattern, False, core)


def _profile_terms(profile: Profile) -> list[_Term]:
    terms: list[_Term] = []
    if profile.name.strip():
        terms += _name_terms(profile.name, "name")
    for alias in profile.aliases:
        terms += _name_terms(alias, "alias")
    for handle in profile.handles:
        terms += _handle_term(handle)
    unique: dict[tuple[str, str], _Term] = {}
    for term in terms:
        unique.setdefault((term.pattern.pattern, term.kind if term.kind == "handle" else "word"), term)
    return list(unique.values())


class TextMatcher:
    """Finds the artist's names, aliases, hashtags and handles in captions (see the module rules)."""

    def __init__(self, profile: Profile) -> None:
        self._terms = _profile_terms(profile)

    def find(self, caption: str | None) -> list[TextMatch]:
        """Every mention in `caption`, ordered by position (overlapping mentions of different terms included)."""
        if not caption or not self.matches(caption):
            return []
        normalised, origins = normalise_with_origins(caption)
        found: list[TextMatch] = []
        for term in self._terms:
            for hit in term.search_in(normalised):
                start, end, kind = hit.start(), hit.end(), term.kind
                if term.single_word and start > 0 and normalised[start - 1] == "#":
                    start, kind = start - 1, "hashtag"
                if origins is not None:
                    start, end = origins[start], origins[end]
                found.append(TextMatch(term.text, kind, start, end, caption[start:end]))
        found.sort(key=lambda match: (match.start, match.end, match.term))
        return found

    def matches(self, caption: str | None) -> bool:
        """Whether `caption` mentions the artist at all (cheaper than `find`)."""
        if not caption or not self._terms:
            return False
        normalised = normalise(caption)
        return any(next(term.search_in(normalised), None) for term in self._terms)

    @property
    def required_literals(self) -> tuple[str, ...]:
        """Normalised literals, one per term (deduplicated): `find` and `matches` report nothing for a caption whose
        `normalise`d form contains none of them. Vectorised prefilters select candidate rows with these."""
        return tuple(dict.fromkeys(term.required for term in self._terms))
