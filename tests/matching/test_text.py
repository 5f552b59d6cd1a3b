"""Caption matching: every normalisation and boundary rule, and property tests."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.matching.text import (
    TextMatcher,
    fold_char,
    normalise,
    normalise_with_origins,
)
from core.profile import Profile

NAME = "Ada Okonkwo-Lindqvist"
PROFILE = Profile(
    name=NAME,
    aliases=("Okli", "Zoë Ørsted", "草間彌生", "D'Arcy Łukasz"),
    handles=("@name.ok", "okli_art"),
)
MATCHER = TextMatcher(PROFILE)


def _found(caption: str) -> list[tuple[str, str, str]]:
    return [(match.term, match.kind, match.matched) for match in MATCHER.find(caption)]


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Ørsted", "orsted"),
        ("Łukasz", "lukasz"),
        ("Straße", "strasse"),
        ("Æsir Œuvre", "aesir oeuvre"),
        ("Þór Đorđe", "thor dorde"),
        ("Zoë Müller Ångström", "zoe muller angstrom"),
        ("Zoe\u0308", "zoe"),  # decomposed diacritic
        ("ＡＤＡ", "ada"),  # full-width
        ("ﬁne", "fine"),  # ligature
        ("İstanbul", "istanbul"),
        ("a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h\ufe63i\uff0dj", "a-b-c-d-e-f-g-h-i-j"),
        ("O\u2019Neil O\u02bcNeil O`Neil O\u2032Neil O\u00b4Neil", "o'neil o'neil o'neil o'neil o'neil"),
        ("Okon\u00adkwo", "okonkwo"),  # soft hyphen dropped
        ("हिंदी", "हिंदी"),  # Devanagari vowel signs are letters, not diacritics
    ],
)
def test_normalise(raw: str, folded: str) -> None:
    assert normalise(raw) == folded


def test_ascii_fast_path_equals_the_per_character_rules() -> None:
    every_ascii = "".join(map(chr, range(128)))
    assert normalise(every_ascii) == "".join(map(fold_char, every_ascii))


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_normalisation_paths_agree(text: str) -> None:
    assert normalise_with_origins(text)[0] == normalise(text) == "".join(map(fold_char, text))


def test_origins_map_back_to_the_original_text() -> None:
    text = "Zoe\u0308 Straße ﬁ"
    folded, origins = normalise_with_origins(text)
    assert folded == "zoe strasse fi"
    assert origins is not None and len(origins) == len(folded) + 1
    assert text[origins[folded.index("ss")]] == "ß" and text[origins[folded.index("fi")]] == "ﬁ"
    assert normalise_with_origins("Plain ASCII") == ("plain ascii", None)


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Painting by Ada Okonkwo-Lindqvist.", [(NAME, "name", "Ada Okonkwo-Lindqvist")]),
        ("ada okonkwo–lindqvist", [(NAME, "name", "ada okonkwo–lindqvist")]),
        ("ADA OKONKWO—LINDQVIST", [(NAME, "name", "ADA OKONKWO—LINDQVIST")]),
        ("ADA OKONKWO LINDQVIST", [(NAME, "name", "ADA OKONKWO LINDQVIST")]),  # a hyphen may be a space
        ("Ada-Okonkwo-Lindqvist", [(NAME, "name", "Ada-Okonkwo-Lindqvist")]),  # and a space a hyphen
        ("Ada\n\t  Okonkwo\u00a0Lindqvist", [(NAME, "name", "Ada\n\t  Okonkwo\u00a0Lindqvist")]),
        ("Ádá Økonkwo-Lindqvíst", [(NAME, "name", "Ádá Økonkwo-Lindqvíst")]),
        ("«Ada Okonkwo-Lindqvist»", [(NAME, "name", "Ada Okonkwo-Lindqvist")]),
        ("(Ada Okonkwo-Lindqvist's study)", [(NAME, "name", "Ada Okonkwo-Lindqvist")]),
        ("#AdaOkonkwoLindqvist", [(NAME, "hashtag", "#AdaOkonkwoLindqvist")]),
        ("#ada_okonkwo_lindqvist #art", [(NAME, "hashtag", "#ada_okonkwo_lindqvist")]),
        ("#ÁdaØkonkwoLindqvist", [(NAME, "hashtag", "#ÁdaØkonkwoLindqvist")]),
        ("fan art #okli", [("Okli", "hashtag", "#okli")]),
        ("OKLI's new piece", [("Okli", "alias", "OKLI")]),
        ("zoe orsted", [("Zoë Ørsted", "alias", "zoe orsted")]),
        ("ZOË ØRSTED", [("Zoë Ørsted", "alias", "ZOË ØRSTED")]),
        ("#ZoeOrsted", [("Zoë Ørsted", "hashtag", "#ZoeOrsted")]),
        ("d’arcy lukasz", [("D'Arcy Łukasz", "alias", "d’arcy lukasz")]),
        ("#DArcyLukasz", [("D'Arcy Łukasz", "hashtag", "#DArcyLukasz")]),
        ("展覧会：草間彌生展", [("草間彌生", "alias", "草間彌生")]),  # no spaces in Japanese
        ("by @name.ok", [("@name.ok", "handle", "@name.ok")]),
        ("by @name.ok.", [("@name.ok", "handle", "@name.ok")]),
        ("by @Name.OK, 2024", [("@name.ok", "handle", "@Name.OK")]),
        ("follow name.ok on insta", [("@name.ok", "handle", "name.ok")]),
        ("instagram.com/name.ok", [("@name.ok", "handle", "name.ok")]),
        ("@name.ok@mastodon.social", [("@name.ok", "handle", "@name.ok")]),
        ("@okli_art", [("okli_art", "handle", "@okli_art")]),
    ],
)
def test_mentions_are_found(caption: str, expected: list[tuple[str, str, str]]) -> None:
    assert _found(caption) == expected


@pytest.mark.parametrize(
    "caption",
    [
        "Ada",
        "Ada Okonkwo",  # a first name and one surname
        "Okonkwo",
        "Lindqvist",
        "Okonkwo-Lindqvist",
        "Okonkwo, Lindqvist & Partners",
        "Ada Okonkwo, Lindqvist",
        "Ada Okonkwo/Lindqvist",
        "Ada Okonkwo. Lindqvist",
        "Ada Okonkwo - Lindqvist",  # a spaced dash separates, it does not join
        "Ada Okonkwo--Lindqvist",
        "AdaOkonkwo-Lindqvist",
        "Ada Okonkwo-Lindqvisten",
        "Ada Okonkwo-Lindqvist2",
        "Ada Okonkwo-Lindqvist_x",
        "Ada Okonkwo-Lindqvist-Smith",  # a longer, compound name
        "Jean-Ada Okonkwo-Lindqvist",
        "MadaOkonkwo Lindqvist",
        "#AdaOkonkwoLindqvistFans",
        "#AdaOkonkwo_Lindqvist",  # joiners must be consistent
        "C#AdaOkonkwoLindqvist",
        "#ada-okonkwo",
        "Oklix",
        "#oklix",
        "broklin",
        "zoe",
        "ørsted",
        "@name.okafor",
        "@name.ok_2",
        "name.ok.fan",
        "@name.ok-fan",
        "x.name.ok",
        "myname.ok",
        "ada@name.ok",  # an e-mail address, not the handle
        "write to name.ok@example.com",  # the handle as an e-mail address's local part
        "@name",
        "name ok",
        "@okli_art2",
        "okli_arts",
        "",
    ],
)
def test_non_mentions_never_match(caption: str) -> None:
    assert _found(caption) == []
    assert not MATCHER.matches(caption)


def test_a_handle_of_letters_only_needs_its_at_sign() -> None:
    matcher = TextMatcher(Profile(handles=("@okli",)))
    assert [(m.kind, m.matched) for m in matcher.find("by @Okli.")] == [("handle", "@Okli")]
    assert matcher.find("okli made this") == []


def test_spans_point_into_the_original_caption() -> None:
    caption = "Ｓｅｅ ﬁne work: Zoe\u0308 Ørsted & #ÁdaØkonkwoLindqvist!"
    for match in MATCHER.find(caption):
        assert caption[match.start : match.end] == match.matched
        assert normalise(match.matched).replace("#", "") in {"zoe orsted", "adaokonkwolindqvist"}


def test_overlapping_terms_are_all_reported() -> None:
    matcher = TextMatcher(Profile(name="Ada Okonkwo-Lindqvist", aliases=("Okonkwo-Lindqvist",)))
    assert [(m.kind, m.matched) for m in matcher.find("Ada Okonkwo-Lindqvist")] == [
        ("name", "Ada Okonkwo-Lindqvist"),
        ("alias", "Okonkwo-Lindqvist"),
    ]


def test_empty_profile_matches_nothing() -> None:
    empty = Profile(name="  ", aliases=("-",), handles=("@",))
    assert TextMatcher(empty).find("anything - @ at all") == []


# ---- property tests ------------------------------------------------------------------------------------------

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_SPACES = [" ", "  ", "\t", "\n", "\u00a0", " \n "]
_ACCENTS = ["", "\u0301", "\u0308", "\u0300", "\u030a", "\u0327"]
_filler = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Co")), max_size=30)
_boundary = st.sampled_from([" ", ". ", ", ", "(", ")", "\n", "«", "»", "!", ": ", "'", '"', "/"])


@st.composite
def _written_name(draw: st.DrawFn) -> str:
    """The profile name with random case, added diacritics, dash variants and whitespace between words."""
    words = ["Ada", "Okonkwo", "Lindqvist"]
    written_words = []
    for word in words:
        letters = []
        for letter in word:
            letter = letter.upper() if draw(st.booleans()) else letter.lower()
            letter = unicodedata.normalize(
                draw(st.sampled_from(["NFC", "NFD"])), letter + draw(st.sampled_from(_ACCENTS))
            )
            letters.append(letter)
        written_words.append("".join(letters))
    separators = [draw(st.sampled_from([*_SPACES, *_DASHES])) for _ in words[1:]]
    return written_words[0] + "".join(sep + word for sep, word in zip(separators, written_words[1:], strict=True))


@settings(max_examples=120, deadline=None)
@given(before=_filler, left=_boundary, name=_written_name(), right=_boundary, after=_filler)
def test_inserted_name_always_matches_with_its_span(before: str, left: str, name: str, right: str, after: str) -> None:
    caption = before + left + name + right + after
    start = len(before) + len(left)
    spans = {(m.start, m.end) for m in MATCHER.find(caption) if m.term == NAME and m.kind == "name"}
    assert (start, start + len(name)) in spans


def _squashed(text: str) -> str:
    return "".join(char for char in normalise(text) if char.isalnum())


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_text_without_the_terms_never_matches(text: str) -> None:
    """Random text cannot produce a mention unless the letters of a term appear in it, in order."""
    squashed = _squashed(text)
    assume(not any(term in squashed for term in ("adaokonkwolindqvist", "okli", "zoeorsted", "nameok", "darcylukasz")))
    assume(not any(word in squashed for word in ("lindqvist", "orsted", "lukasz")))  # catalogue forms: "Ørsted, Z."
    assume("草間彌生" not in squashed)
    assert MATCHER.find(text) == []


@settings(max_examples=100, deadline=None)
@given(glue=st.sampled_from(["x", "7", "_", "é", "-x", "Ω"]), name=_written_name(), left=st.booleans())
def test_name_glued_to_a_longer_word_never_matches(glue: str, name: str, left: bool) -> None:
    caption = glue[::-1] + name if left else name + glue
    assert not any(m.term == NAME for m in MATCHER.find(caption))


@settings(max_examples=100, deadline=None)
@given(
    before=_filler,
    after=_filler,
    handle=st.sampled_from(["@name.ok", "name.ok", "@NAME.OK", "@ｎａｍｅ.ｏｋ"]),
    tail=st.sampled_from(["", ".", ". ", " ", ",", "!", "'s", "@x.social"]),
)
def test_handle_before_a_non_handle_character_matches(before: str, after: str, handle: str, tail: str) -> None:
    caption = f"{before} {handle}{tail} {after}"
    e_mail = tail.startswith("@") and not handle.startswith("@")  # name.ok@x.social is an e-mail address
    assert any(m.kind == "handle" and m.term == "@name.ok" for m in MATCHER.find(caption)) is not e_mail


@settings(max_examples=100, deadline=None)
@given(longer=st.from_regex(r"(?:[a-z0-9_]+|[.\-][a-z0-9_]+)", fullmatch=True), prefix=st.sampled_from(["", "@"]))
def test_longer_handles_never_match(longer: str, prefix: str) -> None:
    assert not any(m.term == "@name.ok" for m in MATCHER.find(f"by {prefix}name.ok{longer} today"))
