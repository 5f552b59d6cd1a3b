"""Names written as catalogues write them, for the caption matcher's and the prefilters' property tests.

`written(rng, name, split, form)` renders a profile name in one of `FORMS`, the way a caption may hold it: any case,
diacritics added or dropped, a double surname's hyphen kept, spaced or dropped, the form's one space as any space
character that NFKC folds to a space. `other_initial` gives a look-alike with another given name's initial.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable

FORMS = ("as written", "Surname, Given", "G. Surname", "Surname G.", "Surname, G.")
SPACES = [" ", " ", "\u00a0", "\u2009", "\u202f", "\u3000", "\u2007"]  # each folds to one space (NFKC)
ACCENTS = ["", "", "", "\u0301", "\u0308", "\u0300", "\u030a", "\u0327"]
HYPHENS = ["-", "-", " ", "", "\u2010", "\u2013"]
GIVEN = ["Ada", "Zoë", "Léa", "Łukasz", "Ann-Marie", "Jo", "Ōta", "Björk", "Chidi", "Nneka", "Иван", "Ольга"]
SURNAMES = ["Okafor", "Okonkwo-Lindqvist", "Müller", "Østergaard", "D'Arcy", "Ng", "García Márquez", "van Gogh",
            "Smith-Jones", "Петров", "Öztürk", "Ruiz"]  # fmt: skip
SAFE_BEFORE = ["", "by ", "Painting by ", "(", "« ", ": ", ", ", "— ", "Photo: ", "\n", "par ", "von "]
SAFE_AFTER = ["", ".", ", 2019", " (b. 1980)", ")", " »", "; oil on canvas", "!", "\n", " — Blue Harbour"]


def respell(rng: random.Random, word: str) -> str:
    """`word` in random case, with combining accents added (NFC or NFD), as captions write names."""
    out = []
    for char in word:
        char = char.upper() if rng.random() < 0.4 else char.lower() if rng.random() < 0.3 else char
        if char.isalpha() and char.isascii():
            char = unicodedata.normalize(rng.choice(["NFC", "NFD"]), char + rng.choice(ACCENTS))
        out.append(char)
    return "".join(out)


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


Spell = Callable[[random.Random, str], str]


def _word(rng: random.Random, word: str, spell: Spell) -> str:
    """A name word with its hyphens written some way, diacritics sometimes dropped, respelt."""
    if rng.random() < 0.3:
        word = _strip_accents(word)
    parts = [part for part in word.split("-") if part]
    return "".join(spell(rng, part) + (rng.choice(HYPHENS) if i < len(parts) - 1 else "") for i, part in
                   enumerate(parts))  # fmt: skip


def _initials(rng: random.Random, given: list[str], spell: Spell) -> str:
    units = []
    for word in given:
        letters = [part[0] for part in word.split("-") if part]
        units.append(rng.choice(["-", "", " "]).join(spell(rng, letter).upper()[:1] + "." for letter in letters))
    return rng.choice(["", " "]).join(units)


def written(rng: random.Random, name: str, split: int, form: str, spell: Spell = respell) -> str:
    """`name` (words separated by spaces) in `form`, its words split into given names (the first `split`) and
    surname(s); `spell` writes each part of a word (case, diacritics, compatibility forms)."""
    words = name.split()
    given, surname = words[:split], words[split:]
    space = rng.choice(SPACES)
    between = lambda: rng.choice([" ", " ", "  ", "\u00a0", "-"])  # noqa: E731 - between words of a part
    given_text = between().join(_word(rng, w, spell) for w in given)
    surname_text = between().join(_word(rng, w, spell) for w in surname)
    if form == "as written":
        return given_text + between() + surname_text
    if form == "Surname, Given":
        return f"{surname_text},{space}{given_text}"
    if form == "G. Surname":
        return f"{_initials(rng, given, spell)}{space}{surname_text}"
    if form == "Surname G.":
        return f"{surname_text}{space}{_initials(rng, given, spell)}"
    return f"{surname_text},{space}{_initials(rng, given, spell)}"


def other_initial(rng: random.Random, name: str, split: int, form: str, spell: Spell = respell) -> str:
    """A look-alike: the same surname with a given name of another initial ("J. Okafor" for "Ada Okafor")."""
    words = name.split()
    first = words[0]
    letter = rng.choice([c for c in "BCFHJKMPRTVW" if c != _strip_accents(first)[0].upper()])
    return written(rng, " ".join([letter + "x" + first[1:].lower(), *words[1:]]), split, form, spell)
