"""Caption matching against the artist profile: names (as written and as catalogues write them), aliases,
hashtags, handles, and work titles beside them.

Normalisation (`normalise`) is per character: NFKC, casefold, NFD, then combining marks are dropped (except the
vowel signs and tone marks of Brahmic and South-East Asian scripts, which change the word), format characters
such as the soft hyphen are dropped, letters that do not decompose are spelled out (ø->o, ł->l, æ->ae, þ->th ...),
every dash variant becomes ``-`` and every apostrophe variant ``'``. NFKC turns the no-break, thin, ideographic
and other compatibility spaces into a plain space; tabs and line breaks stay what they are.

Rules, all on normalised text:
- a name or alias matches as its words in order, separated by any run of whitespace or by exactly one dash: a
  hyphen in the name may be written as a space and a space as a hyphen ("Ada Okonkwo-Lindqvist" matches
  "ADA OKONKWO LINDQVIST" and "ada okonkwo–lindqvist"); the hyphen of a hyphenated word may also be dropped
  ("Ada Okonkwolindqvist"); any other punctuation between words breaks the match. A name with ä, ö, ü, å or ø
  also matches written out with ae, oe, ue, aa, oe ("Müller" as "Mueller"), in every form below.
- catalogue forms of a person's name (two to four words, none of them a word like "studio" or "gallery", each
  starting with a cased letter), for each split of the words into given names and surname(s):
  "Surname, Given" (``Okonkwo-Lindqvist, Ada``), "G. Surname" (``A. Okonkwo-Lindqvist``), "Surname G."
  (``Okonkwo-Lindqvist A.``) and "Surname, G." (``Okonkwo-Lindqvist, A.``). Every given name is there, in full
  or as its initial with its period (``A.N.`` or ``A. N.``; a hyphenated given name ``A.-M.``); the comma sits
  right after the surname and exactly one space (after normalisation) follows it and separates initials from
  the surname, so "Okafor,Ada", "A.Okafor" (a handle, a file name) and "Okafor A" (``Okafor a painter``) are not
  catalogue forms. A catalogue form is refused when, with only whitespace between, another given name (a word
  starting with a capital and going on in small letters in the original caption, unless it is a stop word such
  as "by" or "Painting") or another initial precedes it ("Chidi A. Okafor", "J. A. Okafor", "Chidi Okafor, Ada
  Lovelace"), when another initial follows its initials ("Okafor A. B."), and when a company word follows it
  ("Okafor, A. & Partners", "A. Okafor Ltd"). A surname alone is never a match.
- a match must not touch a letter, digit or underscore on either side, nor a dash followed by one (``-Smith``
  makes a different, compound name). Letters of scripts written without spaces (Han, kana, Thai ...) do not count
  as neighbours, so names can be found in running Japanese or Chinese text.
- a multi-word name or alias also matches as a hashtag of its words joined by nothing or by underscores
  (``#AdaOkonkwoLindqvist``, ``#ada_okonkwo_lindqvist``); a one-word name preceded by ``#`` is a hashtag match.
- a handle matches with or without its ``@`` but never as part of a longer handle (``@name.okafor``,
  ``@name.ok_2``, ``name.ok.fan``) or of an e-mail address; a trailing sentence period is fine. A handle made
  of letters only (``@ada``) needs its ``@``: without it, it is just a word (every "Ada" would match).
- a work title (matched like a name, words in order) is reported only beside a mention of the artist found by the
  rules above: in the same caption, not overlapping it, with at most `TITLE_WORDS_BETWEEN` (3) words and no line
  break between the two ("Blue Harbour by Ada Okafor", "Okafor, Ada. Blue Harbour, 2019", "@adaok: Blue
  Harbour"). A title never makes a caption match by itself.

Refused profile entries (`name_refusal`): a name, alias or title made only of stop words (the shipped list
``resources/matching/stop_words.txt``: "the", "a", "art", "studio" ...) or with fewer than `MIN_NAME_WEIGHT` (3)
letters and digits (a Han, kana or Hangul character counts two). They would match countless captions of other
people's pictures; the facade refuses to store new ones, and a stored profile keeps loading: `TextMatcher` skips
them and lists them in `refusals`.

`TextMatcher` is the exact matcher: a dataset pass (`core/matching/shard_pass.py`) calls it only on the captions
that the vectorised prefilter (`core/matching/prefilter.py`) selects with `TextMatcher.required_literals`.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from core.profile import Profile, Refusal
from core.resources import resource_path

TermKind = Literal["name", "alias", "handle", "hashtag", "title"]

MIN_NAME_WEIGHT = 3  # letters and digits a name, alias or title needs (a Han, kana or Hangul character counts 2)
TITLE_WORDS_BETWEEN = 3  # words allowed between a work title and the mention it stands beside

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
    """One mention of the artist in a caption: which profile term, how it was written (`form`: empty for the term
    as written, else e.g. ``catalogue form "Surname, G."; hyphen dropped``), and where (in the original caption's
    character offsets). A work title's `form` names what it stands beside."""

    term: str
    kind: TermKind
    start: int
    end: int
    matched: str
    form: str = ""

    @property
    def label(self) -> str:
        """The mention as match evidence words: ``Ada Okafor (name, catalogue form "Surname, G.")``."""
        if self.kind == "title":
            return f"{self.term} (work title, {self.form})"
        return f"{self.term} ({self.kind}, {self.form})" if self.form else f"{self.term} ({self.kind})"


# ---- refused entries -------------------------------------------------------------------------------------------

# Han, kana and Hangul: one character says as much as two letters ("草間" is a name, "Jo" is not)
_WIDE = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
_TEXT_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_STOP_WORDS_FILE = ("matching", "stop_words.txt")


@functools.cache
def stop_words() -> frozenset[str]:
    """The shipped stop words (``resources/matching/stop_words.txt``), normalised."""
    words: set[str] = set()
    for line in resource_path(*_STOP_WORDS_FILE).read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            words.update(normalise(word) for word in line.split())
    return frozenset(words)


@functools.cache
def stop_words_digest() -> str:
    """SHA-256 of the shipped stop-word file: which profile entries are refused depends on it."""
    return hashlib.sha256(resource_path(*_STOP_WORDS_FILE).read_bytes()).hexdigest()


def name_refusal(text: str, field: str = "aliases") -> str | None:
    """Why a name, alias or work title (`field`) cannot be used for caption matching, or None when it can."""
    words = _TEXT_WORD.findall(normalise(text))
    if not words:
        return "no letters or digits"
    weight = sum(2 if _WIDE.match(char) else 1 for word in words for char in word)
    what = "a work title" if field == "titles" else "a name"
    instead = "Give the work's full title." if field == "titles" else "Give a longer form, such as your full name."
    if weight < MIN_NAME_WEIGHT:
        return (
            f"too short for {what} ({sum(map(len, words))} character(s), {MIN_NAME_WEIGHT} needed): it would be found "
            f"as a word or as initials in countless captions of pictures that are not yours. {instead}"
        )
    if all(word in stop_words() for word in words):
        common = "a common word" if len(words) == 1 else "common words only"
        if field != "titles":
            instead = "Give a name that only you use, such as your full name or a longer pseudonym."
        return (
            f"{common} (stop words such as \u201cthe\u201d, \u201ca\u201d, \u201cart\u201d): as {what} it would "
            f"match the captions of countless pictures that are not yours. {instead}"
        )
    return None


def text_refusals(profile: Profile) -> list[Refusal]:
    """The profile's names, aliases and work titles that caption matching refuses, with the reason."""
    entries = [("name", profile.name)] if profile.name.strip() else []
    entries += [("aliases", alias) for alias in profile.aliases] + [("titles", title) for title in profile.titles]
    found = []
    for field, value in entries:
        reason = name_refusal(value, field)
        if reason is not None:
            found.append(Refusal(field, value, reason))
    return found


# ---- the terms of a profile --------------------------------------------------------------------------------------

# Words that make a name something other than a person's: no catalogue forms ("Studio Okafor" is no "S. Okafor").
_NOT_A_PERSON = frozenset(
    "the studio studios atelier gallery galerie galeria galleria collective workshop house maison casa haus team "
    "press books design designs official art arts and of".split()
)
_WRITTEN_OUT = {"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "ø": "oe"}
_FORM_LEFT = _NAME_LEFT + "(?<![.@])"
_GIVEN_BEFORE = re.compile(r"([^\W_]+)(\.?)$")
_INITIAL_AFTER = re.compile(r"\s*[^\W\d_]\.")
_COMPANY_AFTER = re.compile(
    r",?\s*(?:(?:&|\+|and|und|et|e|y)\s*(?:partners?|sons?|daughters?|co|company|associates|brothers|bros|cie|"
    r"fils|sohne|sohn|hijos|figli)|ltd|limited|inc|incorporated|llc|llp|l\.l\.c|gmbh|plc|corp|corporation|co|"
    r"s\.a|sa|s\.l|sl|ag|bv|b\.v|nv|n\.v|pty|srl|s\.r\.l|sarl|kg|oy)(?![^\W_]|-)"
)
_LINE_BREAK = re.compile("[\n\r\v\f\x85\u2028\u2029]")
_SEPARATOR_GROUP = re.compile(r"h\d+")


@dataclass(frozen=True, slots=True)
class _Spec:
    """A term before compiling: the profile entry, how it is written (`form`), its pattern and required literal."""

    text: str
    kind: TermKind
    form: str
    pattern: str
    required: str  # a literal every match contains: a cheap test before the regular expression
    single_word: bool = False
    guarded: bool = False  # a catalogue form: refused after another given name or initial, before a company word
    ends_with_initials: bool = False


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    kind: TermKind
    form: str
    pattern: re.Pattern[str]
    single_word: bool
    required: str
    guarded: bool
    ends_with_initials: bool
    accented: bool  # the entry has letters with diacritics (a match without them says so)

    def search_in(self, normalised: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(normalised) if self.required in normalised else iter(())


def _spellings(text: str) -> Iterator[tuple[str, str]]:
    """(form, normalised text): the entry itself, and with ä, ö, ü, å, ø written out (ae, oe, ue, aa, oe)."""
    folded = normalise(text)
    yield "", folded
    lowered = unicodedata.normalize("NFC", text.casefold())
    used = sorted({char for char in lowered if char in _WRITTEN_OUT})
    if used:
        written = normalise("".join(_WRITTEN_OUT.get(char, char) for char in lowered))
        if written != folded:
            yield "written out (" + ", ".join(f"{char} as {_WRITTEN_OUT[char]}" for char in used) + ")", written


def _tokens(folded: str) -> list[list[str]]:
    """Whitespace-separated words, each as the parts between its hyphens."""
    tokens = [[part for part in word.split("-") if part] for word in folded.split()]
    return [token for token in tokens if token]


def _joined(tokens: list[list[str]], groups: Iterator[int]) -> str:
    """Words in order, separated by whitespace or one dash; the parts of a hyphenated word also written together
    (each such separator is a named group h<n>, so a match tells whether its hyphen was kept)."""
    words = []
    for token in tokens:
        pattern = re.escape(token[0])
        for part in token[1:]:
            pattern += f"(?P<h{next(groups)}>\\s+|-|){re.escape(part)}"
        words.append(pattern)
    return _WORD_SEPARATOR.join(words)


def _initials(given: list[list[str]]) -> str:
    """The initials of the given names, each with its period: "A.N.", "A. N.", "A.-M." (hyphenated)."""
    return " ?".join("(?:-| ?)".join(re.escape(part[0]) + r"\." for part in token) for token in given)


def _is_person(tokens: list[list[str]]) -> bool:
    parts = [part for token in tokens for part in token]
    return (
        2 <= len(tokens) <= 4
        and not any(part in _NOT_A_PERSON for part in parts)
        and all(part[0] != part[0].upper() for part in parts)  # starts with a cased letter (so has initials)
    )


def _catalogue_specs(text: str, kind: TermKind, tokens: list[list[str]], spelling: str) -> Iterator[_Spec]:
    if not _is_person(tokens):
        return
    shapes = [  # (label, pattern shape, whether it ends with the initials)
        ("Surname, Given", "{S}, {G}", False),
        ("G. Surname", "{I} {S}", False),
        ("Surname G.", "{S} {I}", True),
        ("Surname, G.", "{S}, {I}", True),
    ]
    for split in range(1, len(tokens)):
        given, surname = tokens[:split], tokens[split:]
        first_given, first_initial, last_initial = given[0][0], given[0][0][0], given[-1][-1][0]
        first_surname, last_surname = surname[0][0], surname[-1][-1]
        required = {  # the fixed text around each form's one space: in every match
            "Surname, Given": f"{last_surname}, {first_given}",
            "G. Surname": f"{last_initial}. {first_surname}",
            "Surname G.": f"{last_surname} {first_initial}.",
            "Surname, G.": f"{last_surname}, {first_initial}.",
        }
        for label, shape, initials_last in shapes:
            groups = itertools.count()
            body = shape.format(S=_joined(surname, groups), G=_joined(given, groups), I=_initials(given))
            form = f'catalogue form "{label}"' + (f", {spelling}" if spelling else "")
            yield _Spec(text, kind, form, _FORM_LEFT + body + _NAME_RIGHT, required[label], False, True, initials_last)


def _name_specs(text: str, kind: TermKind) -> Iterator[_Spec]:
    for spelling, folded in _spellings(text):
        tokens = _tokens(folded)
        words = [part for token in tokens for part in token]
        if not words:
            continue
        plain = _joined(tokens, itertools.count())
        yield _Spec(text, kind, spelling, _NAME_LEFT + plain + _NAME_RIGHT, max(words, key=len), len(words) == 1)
        tag_words = [word.replace("'", "") for word in words]
        if len(words) > 1 and all(tag_words):
            joined = "".join(map(re.escape, tag_words)) + "|" + "_".join(map(re.escape, tag_words))
            pattern = f"(?<!{_WORD})#(?:{joined})(?!{_WORD})"
            yield _Spec(text, "hashtag", spelling, pattern, max(tag_words, key=len))
        if kind != "title":
            yield from _catalogue_specs(text, kind, tokens, spelling)


def _handle_specs(text: str) -> Iterator[_Spec]:
    core = normalise(text.strip()).lstrip("@")
    if core:
        at_sign = "(@)" if core.isalpha() else "(@)?"
        pattern = _HANDLE_LEFT + at_sign + re.escape(core) + _HANDLE_RIGHT + _NOT_AN_EMAIL
        yield _Spec(text, "handle", "", pattern, core)


def profile_specs(profile: Profile) -> tuple[list[_Spec], list[_Spec]]:
    """(mention specs, work-title specs) of a profile, refused entries (`text_refusals`) left out."""
    specs: list[_Spec] = []
    titles: list[_Spec] = []
    if profile.name.strip() and name_refusal(profile.name, "name") is None:
        specs += _name_specs(profile.name, "name")
    for alias in profile.aliases:
        if name_refusal(alias, "aliases") is None:
            specs += _name_specs(alias, "alias")
    for handle in profile.handles:
        specs += _handle_specs(handle)
    for title in profile.titles:
        if name_refusal(title, "titles") is None:
            titles += (spec for spec in _name_specs(title, "title") if spec.kind == "title")
    unique: dict[tuple[str, str], _Spec] = {}
    for spec in specs:
        unique.setdefault((spec.pattern, "handle" if spec.kind == "handle" else "word"), spec)
    unique_titles: dict[str, _Spec] = {}
    for spec in titles:
        unique_titles.setdefault(spec.pattern, spec)
    return list(unique.values()), list(unique_titles.values())


def profile_literals(profile: Profile) -> set[str]:
    """`TextMatcher(profile).required_literals` as a set, without compiling the matcher's expressions."""
    return {spec.required for spec in profile_specs(profile)[0]}


def _compiled(spec: _Spec) -> _Term:
    accented = any(not char.isascii() and char.isalpha() for char in unicodedata.normalize("NFC", spec.text))
    return _Term(
        spec.text, spec.kind, spec.form, re.compile(spec.pattern), spec.single_word, spec.required, spec.guarded,
        spec.ends_with_initials, accented,
    )  # fmt: skip


# ---- the matcher ------------------------------------------------------------------------------------------------


class _Caption:
    """One caption, normalised, with the map back to its characters built on first need."""

    def __init__(self, caption: str, normalised: str | None = None) -> None:
        self.text = caption
        self.normalised = normalise(caption) if normalised is None else normalised
        self._origins: list[int] | None = None
        self._mapped = False

    def origin(self, position: int) -> int:
        if not self._mapped:
            self._origins = normalise_with_origins(self.text)[1]
            self._mapped = True
        return position if self._origins is None else self._origins[position]

    def original(self, start: int, end: int) -> str:
        return self.text[self.origin(start) : self.origin(end)]


def _refused_in_context(term: _Term, hit: re.Match[str], caption: _Caption) -> bool:
    """A catalogue form's context rules (module docstring): another given name or initial right before it, another
    initial right after its initials, a company word after it."""
    text, start, end = caption.normalised, hit.start(), hit.end()
    before = text[:start]
    stripped = before.rstrip()
    if stripped and len(stripped) < len(before) and (word := _GIVEN_BEFORE.search(stripped)):
        letters, period = word.group(1), word.group(2)
        if period and len(letters) == 1:
            return True  # "J. A. Okafor": another initial
        if not period and letters not in stop_words():
            original = caption.original(word.start(1), word.end(1))
            if original[:1].isupper() and (len(original) == 1 or any(char.islower() for char in original[1:])):
                return True  # "Chidi A. Okafor": another given name
    if term.ends_with_initials and _INITIAL_AFTER.match(text, end):
        return True
    return bool(_COMPANY_AFTER.match(text, end))


def _form_of(term: _Term, hit: re.Match[str], caption: _Caption) -> str:
    """How the mention is written: the term's form, and whether a hyphen was dropped or spaced, and diacritics."""
    notes = [term.form] if term.form else []
    separators = [value for name, value in hit.groupdict().items() if _SEPARATOR_GROUP.fullmatch(name)]
    if any(value == "" for value in separators):
        notes.append("hyphen dropped")
    elif any(value not in ("", "-") for value in separators):
        notes.append("hyphen as space")
    if term.accented and "written out" not in term.form and caption.original(hit.start(), hit.end()).isascii():
        notes.append("without diacritics")
    return ", ".join(notes)


def _beside(a: Sequence[int], b: Sequence[int], text: str) -> bool:
    """Whether two spans stand beside each other: apart, with at most TITLE_WORDS_BETWEEN words and no line break
    between them."""
    if a[0] < b[1] and b[0] < a[1]:
        return False
    gap = text[min(a[1], b[1]) : max(a[0], b[0])]
    return not _LINE_BREAK.search(gap) and len(_TEXT_WORD.findall(gap)) <= TITLE_WORDS_BETWEEN


class TextMatcher:
    """Finds the artist's names (as written and in catalogue forms), aliases, hashtags and handles in captions, and
    the work titles beside them (see the module rules). Refused profile entries are skipped: `refusals` lists them."""

    def __init__(self, profile: Profile) -> None:
        specs, titles = profile_specs(profile)
        self._terms = [_compiled(spec) for spec in specs]
        self._titles = [_compiled(spec) for spec in titles]
        self.refusals = tuple(text_refusals(profile))

    def _hits(self, caption: _Caption) -> Iterator[tuple[_Term, re.Match[str]]]:
        for term in self._terms:
            for hit in term.search_in(caption.normalised):
                if not term.guarded or not _refused_in_context(term, hit, caption):
                    yield term, hit

    def find(self, caption: str | None) -> list[TextMatch]:
        """Every mention in `caption`, ordered by position (overlapping mentions of different terms included), and
        the work titles beside them."""
        if not caption or not self.matches(caption):
            return []
        text = _Caption(caption)
        found: list[TextMatch] = []
        spans: list[tuple[int, int, TermKind]] = []
        for term, hit in self._hits(text):
            start, end, kind = hit.start(), hit.end(), term.kind
            if term.single_word and start > 0 and text.normalised[start - 1] == "#":
                start, kind = start - 1, "hashtag"
            spans.append((start, end, kind))
            form = _form_of(term, hit, text)
            found.append(TextMatch(term.text, kind, text.origin(start), text.origin(end), text.original(start, end),
                                   form))  # fmt: skip
        for term in self._titles:
            for hit in term.search_in(text.normalised):
                title = (hit.start(), hit.end())
                beside = next((kind for *span, kind in spans if _beside(title, span, text.normalised)), None)
                if beside is not None:
                    what = "handle" if beside == "handle" else "name"
                    found.append(TextMatch(term.text, "title", text.origin(title[0]), text.origin(title[1]),
                                           text.original(*title), f"beside the {what}"))  # fmt: skip
        found.sort(key=lambda match: (match.start, match.end, match.term))
        return found

    def matches(self, caption: str | None) -> bool:
        """Whether `caption` mentions the artist at all (cheaper than `find`; work titles never count alone)."""
        if not caption or not self._terms:
            return False
        return next(self._hits(_Caption(caption)), None) is not None

    @property
    def required_literals(self) -> tuple[str, ...]:
        """Normalised literals, one per term (deduplicated): `find` and `matches` report nothing for a caption whose
        `normalise`d form contains none of them. Vectorised prefilters select candidate rows with these."""
        return tuple(dict.fromkeys(term.required for term in self._terms))
