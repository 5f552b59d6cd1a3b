"""Caption matching of names as catalogues write them, work titles beside a name, and refused profile entries."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.matching.text import TITLE_WORDS_BETWEEN, TextMatcher, name_refusal, normalise, profile_literals
from core.profile import Profile
from tests.name_forms import FORMS, GIVEN, SAFE_AFTER, SAFE_BEFORE, SURNAMES, other_initial, written

ADA = TextMatcher(
    Profile(
        name="Ada Okafor",
        aliases=("Zoë Müller", "Ann-Marie Okonkwo-Lindqvist", "Studio Okafor"),
        handles=("@adaokafor",),
        titles=("Blue Harbour", "Night Ferry"),
    )
)


def _found(caption: str) -> list[tuple[str, str, str, str]]:
    return [(m.term, m.kind, m.matched, m.form) for m in ADA.find(caption)]


@pytest.mark.parametrize(
    ("caption", "term", "matched", "form"),
    [
        ("Okafor, Ada. Blue Harbour, 2019.", "Ada Okafor", "Okafor, Ada", 'catalogue form "Surname, Given"'),
        ("OKAFOR, ADA (Nigerian, b. 1980)", "Ada Okafor", "OKAFOR, ADA", 'catalogue form "Surname, Given"'),
        ("Painting by A. Okafor", "Ada Okafor", "A. Okafor", 'catalogue form "G. Surname"'),
        ("By A. Okafor", "Ada Okafor", "A. Okafor", 'catalogue form "G. Surname"'),  # "By" is no given name
        ("Collection Okafor A.", "Ada Okafor", "Okafor A.", 'catalogue form "Surname G."'),
        ("okafor, a.", "Ada Okafor", "okafor, a.", 'catalogue form "Surname, G."'),
        ("Okafor,\u00a0A.", "Ada Okafor", "Okafor,\u00a0A.", 'catalogue form "Surname, G."'),  # no-break space
        ("Müller, Zoë", "Zoë Müller", "Müller, Zoë", 'catalogue form "Surname, Given"'),
        ("Muller, Zoe", "Zoë Müller", "Muller, Zoe", 'catalogue form "Surname, Given", without diacritics'),
        ("MUELLER, ZOE", "Zoë Müller", "MUELLER, ZOE", 'catalogue form "Surname, Given", written out (ü as ue)'),
        ("Zoe Mueller", "Zoë Müller", "Zoe Mueller", "written out (ü as ue)"),
        ("Z. Müller", "Zoë Müller", "Z. Müller", 'catalogue form "G. Surname"'),
        ("A.-M. Okonkwo-Lindqvist", "Ann-Marie Okonkwo-Lindqvist", "A.-M. Okonkwo-Lindqvist",
         'catalogue form "G. Surname"'),
        ("A.M. Okonkwo Lindqvist", "Ann-Marie Okonkwo-Lindqvist", "A.M. Okonkwo Lindqvist",
         'catalogue form "G. Surname", hyphen as space'),
        ("Okonkwolindqvist, Ann-Marie", "Ann-Marie Okonkwo-Lindqvist", "Okonkwolindqvist, Ann-Marie",
         'catalogue form "Surname, Given", hyphen dropped'),
        ("Ann Marie Okonkwolindqvist", "Ann-Marie Okonkwo-Lindqvist", "Ann Marie Okonkwolindqvist", "hyphen dropped"),
        ("ada okafor", "Ada Okafor", "ada okafor", ""),
    ],
)  # fmt: skip
def test_catalogue_forms_are_found_and_say_which(caption: str, term: str, matched: str, form: str) -> None:
    assert (term, matched, form) in [(t, m, f) for t, _kind, m, f in _found(caption)]
    assert ADA.matches(caption)


@pytest.mark.parametrize(
    "caption",
    [
        "Okafor",  # a surname alone
        "OKAFOR",
        "Okafor & Partners",  # companies
        "Okafor Ltd",
        "Okafor, A. & Partners",
        "A. Okafor Ltd",
        "A. Okafor & Sons",
        "Okafor A. GmbH",
        "J. Okafor",  # another initial or given name
        "Okafor, J.",
        "Okafor J.",
        "Okafor, Jane",
        "J. A. Okafor",  # the artist's initial as a middle one
        "Chidi A. Okafor",  # another given name before
        "Chidi Okafor, Ada Lovelace",  # a list of two people
        "Okafor A. B.",  # another initial after
        "Okafor, A painter from Lagos",  # an initial needs its period
        "Okafor A painting",
        "A.Okafor",  # no space: a handle or a file name
        "Okafor,Ada",
        "Okafor ,Ada",
        "Okafor,\tAda",  # the one space is a space
        "a.okafor@example.com",
        "S. Okafor",  # "Studio Okafor" is no person: no catalogue forms
        "Okafor, Studio",
        "@adaokafor_fan",  # a longer handle
        "adaokafor",
        "Okonkwo, Ann-Marie",  # half of a double surname
        "A. Lindqvist",
        "Blue Harbour",  # a work title alone
        "Night Ferry at Blue Harbour",
    ],
)
def test_look_alikes_are_refused(caption: str) -> None:
    assert _found(caption) == []
    assert not ADA.matches(caption)


def test_a_company_word_is_only_a_whole_word() -> None:
    assert _found("A. Okafor, co-founder of the studio")[0][2] == "A. Okafor"
    assert _found("Okafor, A. and J. Smith")[0][2] == "Okafor, A."  # co-authors, not a company


# ---- work titles beside the artist -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "title", "beside"),
    [
        ("Blue Harbour by Ada Okafor", "Blue Harbour", "beside the name"),
        ("Okafor, Ada. Blue Harbour, 2019. Oil on canvas.", "Blue Harbour", "beside the name"),
        ("«Blue Harbour» (2019), A. Okafor", "Blue Harbour", "beside the name"),
        ("@adaokafor: night ferry", "Night Ferry", "beside the handle"),
        ("Ada Okafor | Paintings | Blue Harbour", "Blue Harbour", "beside the name"),
        ("BLUE HARBOUR — ADA OKAFOR", "Blue Harbour", "beside the name"),
    ],
)
def test_work_titles_beside_a_mention_are_reported(caption: str, title: str, beside: str) -> None:
    found = [(m.term, m.form) for m in ADA.find(caption) if m.kind == "title"]
    assert found == [(title, beside)]
    label = next(m.label for m in ADA.find(caption) if m.kind == "title")
    assert label == f"{title} (work title, {beside})"


@pytest.mark.parametrize(
    "caption",
    [
        "Blue Harbour, oil on canvas, signed, by Ada Okafor",  # four words between
        "Blue Harbour\nAda Okafor",  # a line break between
        "Blue Harbour by Chidi Okafor",  # no mention of the artist
        "Blue Harbourside by Ada Okafor",  # not the title
    ],
)
def test_work_titles_elsewhere_are_not_reported(caption: str) -> None:
    assert [m for m in ADA.find(caption) if m.kind == "title"] == []


def test_beside_allows_exactly_the_documented_number_of_words() -> None:
    words = ["one", "two", "three", "four", "five"]
    for count in range(len(words)):
        caption = "Blue Harbour " + " ".join(words[:count]) + " Ada Okafor"
        titles = [m for m in ADA.find(caption) if m.kind == "title"]
        assert bool(titles) is (count <= TITLE_WORDS_BETWEEN), caption


def test_titles_add_no_literals_and_never_match_alone() -> None:
    with_titles = Profile(name="Ada Okafor", titles=("Blue Harbour",))
    assert profile_literals(with_titles) == profile_literals(Profile(name="Ada Okafor"))
    assert not TextMatcher(Profile(titles=("Blue Harbour",))).matches("Blue Harbour by Ada Okafor")


# ---- refused entries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("a", "too short"),
        ("the", "common word"),
        ("The", "common word"),
        ("Jo", "too short"),
        ("AB", "too short"),
        ("草", "too short"),  # one Han character
        ("-", "no letters"),
        ("The Art", "common words only"),
        ("Studio", "common word"),
        ("Untitled", "common word"),
        ("de la", "common words only"),
    ],
)
def test_stop_word_and_short_entries_are_refused_with_the_reason(entry: str, why: str) -> None:
    reason = name_refusal(entry)
    assert reason is not None and why in reason


@pytest.mark.parametrize("entry", ["Okli", "Ada", "Ng Jo", "草間", "김민", "Art Riley", "The Okafors", "Ada Okafor"])
def test_real_names_are_kept(entry: str) -> None:
    assert name_refusal(entry) is None


def test_the_matcher_skips_refused_entries_and_lists_them() -> None:
    matcher = TextMatcher(Profile(name="Ada Okafor", aliases=("a", "the", "Jo"), titles=("Untitled",)))
    assert [(r.field, r.value) for r in matcher.refusals] == [
        ("aliases", "a"),
        ("aliases", "the"),
        ("aliases", "Jo"),
        ("titles", "Untitled"),
    ]
    assert not matcher.matches("a cat on the mat, by Jo")
    assert {"a", "the", "jo"}.isdisjoint(matcher.required_literals)


# ---- property tests: generated names in every form -------------------------------------------------------------

_names = st.tuples(st.sampled_from(GIVEN), st.sampled_from(GIVEN), st.sampled_from(SURNAMES), st.booleans()).map(
    lambda parts: f"{parts[0]} {parts[1]} {parts[2]}" if parts[3] else f"{parts[0]} {parts[2]}"
)


def _splits(name: str) -> range:
    return range(1, len(name.split()))


@settings(max_examples=300, deadline=None)
@given(name=_names, form=st.sampled_from(FORMS), seed=st.integers(0, 2**32))
def test_every_form_of_a_generated_name_is_found_with_its_form(name: str, form: str, seed: int) -> None:
    rng = random.Random(seed)
    split = rng.choice(_splits(name))
    mention = written(rng, name, split, form)
    caption = rng.choice(SAFE_BEFORE) + mention + rng.choice(SAFE_AFTER)
    matcher = TextMatcher(Profile(name=name))
    found = [m for m in matcher.find(caption) if m.term == name and m.kind == "name"]
    assert found, (caption, form)
    if form != "as written":
        assert any(f'catalogue form "{form}"' in m.form for m in found), (caption, [m.form for m in found])
    assert matcher.matches(caption)
    assert any(normalise(m.matched) for m in found)


@settings(max_examples=300, deadline=None)
@given(name=_names, form=st.sampled_from(FORMS[1:]), seed=st.integers(0, 2**32))
def test_another_initial_or_given_name_is_never_the_artist(name: str, form: str, seed: int) -> None:
    rng = random.Random(seed)
    split = rng.choice(_splits(name))
    caption = rng.choice(SAFE_BEFORE) + other_initial(rng, name, split, form) + rng.choice(SAFE_AFTER)
    assert TextMatcher(Profile(name=name)).find(caption) == [], caption


@settings(max_examples=200, deadline=None)
@given(name=_names, seed=st.integers(0, 2**32), form=st.sampled_from(FORMS[1:]))
def test_a_surname_alone_or_with_a_company_word_is_never_the_artist(name: str, seed: int, form: str) -> None:
    rng = random.Random(seed)
    split = rng.choice(_splits(name))
    words = name.split()
    matcher = TextMatcher(Profile(name=name))
    surname = " ".join(words[split:])
    assert matcher.find(rng.choice(SAFE_BEFORE) + surname + rng.choice(SAFE_AFTER)) == []
    company = rng.choice([" & Partners", " Ltd", " GmbH", ", Inc.", " & Sons", " and Co"])
    assert matcher.find(written(rng, name, split, form) + company) == []
