"""The vectorised prefilter never drops a row that the exact URL and caption matchers accept.

Example tests for each fold the exact matchers apply, an exhaustive check of the caption fold table against
`fold_char`, and property tests on generated profiles with rows built adversarially from the profile's own tokens.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from functools import cache

import idna
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.matching.prefilter import FoldCodes, ProfilePrefilter, TextBuffer, _folds, _NeedleSearch, flagged_words
from core.matching.text import fold_char, normalise
from core.matching.urls import DomainExtractor
from core.profile import Profile
from tests.name_forms import FORMS, SAFE_AFTER, SAFE_BEFORE, other_initial, written

EXTRACTOR = DomainExtractor()
PROFILE = Profile(
    name="Ada Okonkwo-Lindqvist",
    aliases=("Okli", "Zoë Ørsted", "草間彌生", "D'Arcy Łukasz", "김철수"),
    handles=("@name.ok", "okli_art", "@kcal"),
    domains=("okonkwo-lindqvist.art", "müller.art"),
    url_prefixes=("https://www.artstation.com/okonkwo", "http://gallery.example.org/user.php?id=12"),
)
PREFILTER = ProfilePrefilter(PROFILE, extractor=EXTRACTOR)


def _url_candidates(prefilter: ProfilePrefilter, urls: Sequence[str | None]) -> set[int]:
    return set(prefilter.url_candidates(pa.array(urls, pa.string())).tolist())


def _text_candidates(prefilter: ProfilePrefilter, texts: Sequence[str | None]) -> set[int]:
    return set(prefilter.text_candidates(pa.array(texts, pa.string())).tolist())


def _assert_superset(prefilter: ProfilePrefilter, urls: Sequence[str | None], texts: Sequence[str | None]) -> None:
    url_hits = {row for row, url in enumerate(urls) if prefilter.url_matcher.match(url) is not None}
    text_hits = {row for row, text in enumerate(texts) if prefilter.text_matcher.find(text)}
    missed_urls = url_hits - _url_candidates(prefilter, urls)
    missed_texts = text_hits - _text_candidates(prefilter, texts)
    assert not missed_urls, [urls[row] for row in sorted(missed_urls)]
    assert not missed_texts, [texts[row] for row in sorted(missed_texts)]


# ---- URLs -----------------------------------------------------------------------------------------------------

ACCEPTED_URLS = [
    "https://okonkwo-lindqvist.art/works/a.jpg",
    "http://www.okonkwo-lindqvist.art/a.jpg",
    "https://img.cdn.okonkwo-lindqvist.art/a.png",
    "HTTPS://OKONKWO-LINDQVIST.ART/A.PNG",
    "https://okonkwo-lindqvist.art./a.png",
    "https://okonkwo-lindqvist.art:8080/a.png",
    "https://someone@okonkwo-lindqvist.art/a.png",
    "https://evil.net@okonkwo-lindqvist.art/a.png",
    "//okonkwo-lindqvist.art/a.png",
    "https:\\\\okonkwo-lindqvist.art\\a.png",
    "https:okonkwo-lindqvist.art/a.png",
    "  https://okonkwo-lindqvist.art/a.png",
    "https://okonkwo%2Dlindqvist.art/a.png",  # percent-encoded host
    "https://%6F%6B%6F%6E%6B%77%6F-lindqvist%2Eart/",  # entirely encoded
    "https://okon\tkwo-lind\nqvist.art/a.png",  # tabs and newlines are removed from hosts
    "https://ｏｋｏｎｋｗｏ-lindqvist。art/a.png",  # full-width letters and ideographic full stop (UTS #46)
    "https://müller.art/bild.png",
    "https://MÜLLER.ART/bild.png",
    "https://mu\u0308ller.art/bild.png",  # decomposed umlaut
    "https://m%C3%BCller.art/bild.png",
    "https://xn--MLLER-KVA.art/bild.png",
    "https://www.xn--mller-kva.art./bild.png",
    "https://www.artstation.com/okonkwo",
    "https://artstation.com/okonkwo/albums",
    "https://WWW.ArtStation.com./okonkwo?page=2",
    "https://www.artstation.com:443/okonkwo#top",
    "https://www.artstation.com/%6Fkonkwo/x",  # an unreserved character percent-encoded in the path
    "https://www.artstation.com/okonkwo\\artwork\\1",
    "https://www.artstation.com/x/../okonkwo/y",
    "https://www.%61rtstation.com/okonkwo",
    "https://gallery.example.org/user.php?id=12&page=3",
]


def test_every_url_form_the_matcher_accepts_is_a_candidate() -> None:
    assert all(PREFILTER.url_matcher.match(url) is not None for url in ACCEPTED_URLS)
    assert _url_candidates(PREFILTER, ACCEPTED_URLS) == set(range(len(ACCEPTED_URLS)))


def test_look_alike_urls_may_pass_but_unrelated_urls_do_not() -> None:
    look_alikes = [
        "https://okonkwo-lindqvist.art.fake.net/a.png",
        "https://notokonkwo-lindqvist.art/a.png",
        "https://evil.net/?ref=okonkwo-lindqvist.art",
        "https://okonkwo-lindqvist.art@evil.net/",
        "https://www.artstation.com/okonkwolindqvist",
    ]
    unrelated = [
        "https://evil.net/a.jpg",
        "https://cdna.artstation.com/p/assets/images/x.jpg",  # the prefix's host without its path
        "https://www.artstation.com/someone/x.jpg",
        "https://example.com/okonkwo/a.jpg",  # the prefix's path without its host
        "https://upload.wikimedia.org/a%20b/c%C3%A9.jpg",  # percent signs only in the path
        "https://example.com/caf\u00e9.jpg",  # non-ASCII only in the path
        "",
        None,
    ]
    assert all(PREFILTER.url_matcher.match(url) is None for url in look_alikes + unrelated)
    candidates = _url_candidates(PREFILTER, look_alikes + unrelated)
    assert set(range(len(look_alikes))) <= candidates
    assert not candidates & set(range(len(look_alikes), len(look_alikes) + len(unrelated)))


def test_hosts_that_arrow_cannot_decode_are_candidates_whatever_they_are() -> None:
    """Percent-encoded, Unicode and tabbed authorities go to the exact matcher, which decides."""
    urls = ["https://%65vil.net/a.jpg", "https://bücher.de/a.jpg", "https://evil\t.net/a.jpg", "https://evil.net/a.jpg"]
    assert _url_candidates(PREFILTER, urls) == {0, 1, 2}


# ---- captions -------------------------------------------------------------------------------------------------

ACCEPTED_CAPTIONS = [
    "Painting by Ada Okonkwo-Lindqvist.",
    "ada okonkwo\u2013lindqvist",
    "ADA OKONKWO\u2011LINDQVIST \u2014 Night Horse",
    "Ádá Økonkwo-Lindqvíst",
    "Ada Okonkwo-Lindqvi\u0301st",  # combining accent inside the longest word
    "Ada Okonkwo-Lindq\u00advist",  # soft hyphen inside it
    "Ada Okonkwo-Lind\u200dqvist",  # zero-width joiner inside it
    "ＡＤＡ ＯＫＯＮＫＷＯ ＬＩＮＤＱＶＩＳＴ",  # full-width
    "𝐀𝐝𝐚 𝐎𝐤𝐨𝐧𝐤𝐰𝐨 𝐋𝐢𝐧𝐝𝐪𝐯𝐢𝐬𝐭",  # mathematical bold
    "Ada Okonkwo-LİNDQVİST",  # dotted capital I
    "#AdaOkonkwoLindqvist #art",
    "#ada_okonkwo_lindqvist",
    "fan art #okli",
    "OKLI's new piece",
    "ZOË ØRSTED",
    "zoe orsted",
    "Zoe\u0308 O\u0338rsted",
    "d\u2019arcy lukasz",  # typographic apostrophe
    "D`Arcy Łukasz",  # the ASCII grave accent folds to an apostrophe too
    "#DArcyLukasz",
    "展覧会：草間彌生展",
    "김철수 작가",  # Hangul syllables fold to their jamo
    "by @Name.OK, 2024",
    "follow name.ok on insta",
    "@okli_art",
    "new @\u3389",  # a square unit sign whose fold ("kcal") is longer than its UTF-8 bytes
]


def test_every_caption_form_the_matcher_accepts_is_a_candidate() -> None:
    assert all(PREFILTER.text_matcher.find(text) for text in ACCEPTED_CAPTIONS), [
        text for text in ACCEPTED_CAPTIONS if not PREFILTER.text_matcher.find(text)
    ]
    assert _text_candidates(PREFILTER, ACCEPTED_CAPTIONS) == set(range(len(ACCEPTED_CAPTIONS)))


def test_surname_only_captions_pass_and_the_exact_matcher_refuses_them() -> None:
    captions = ["Lindqvist family portrait, oil on board", "Okonkwo, Lindqvist & Partners"]
    assert _text_candidates(PREFILTER, captions) == {0, 1}
    assert not any(PREFILTER.text_matcher.find(caption) for caption in captions)


def test_unrelated_captions_are_not_candidates() -> None:
    captions = [
        "Ada at the beach, summer 1998",
        "caf\u00e9 d\u00e9cor \u2122 \u2026 \u00ae \u2764\ufe0f \U0001f60d",
        "\u304b\u308f\u3044\u3044 \u65b0\u3057\u3044 \u043a\u0443\u043f\u0438\u0442\u044c",
        "Stra\u00dfe in M\u00fcnchen, 20\u00b0C",
        "vintage poster by Maria Jensen",
        "",
        None,
    ]
    assert _text_candidates(PREFILTER, captions) == set()


# ---- column shapes, nulls, empty profiles ---------------------------------------------------------------------


def test_column_types_chunks_dictionaries_and_nulls() -> None:
    values = [None, "x", "Ada Okonkwo-Lindqvist", None, "ZOË ØRSTED", "y", None]
    expected = [2, 4]
    plain = pa.array(values, pa.string())
    columns: list[object] = [
        plain,
        plain.cast(pa.large_string()),
        plain.cast(pa.string_view()),
        plain.dictionary_encode(),
        pa.chunked_array([values[:3], values[3:]], pa.string()),
        pa.chunked_array([], pa.string()),
        plain.slice(1),
        values,
    ]
    results = [PREFILTER.text_candidates(column).tolist() for column in columns]  # type: ignore[arg-type]
    assert results == [expected, expected, expected, expected, expected, [], [1, 3], expected]
    assert PREFILTER.text_candidates(pa.array([None, None], pa.string())).tolist() == []
    assert PREFILTER.url_candidates(pa.nulls(3, pa.string())).tolist() == []
    assert PREFILTER.text_candidates(pa.array([], pa.string())).dtype == np.int64
    with pytest.raises(TypeError, match="strings"):
        PREFILTER.url_candidates(pa.array([1, 2]))


def test_a_profile_without_names_or_domains_is_inactive() -> None:
    empty = ProfilePrefilter(Profile(email="a@b.c"), extractor=EXTRACTOR)
    assert not empty.active and not empty.has_url_rules and not empty.has_text_rules
    assert empty.text_candidates(["anything"]).tolist() == [] == empty.url_candidates(["https://a.com/"]).tolist()
    only_urls = ProfilePrefilter(Profile(domains=("a-domain.art",)), extractor=EXTRACTOR)
    assert only_urls.active and only_urls.has_url_rules and not only_urls.has_text_rules


def test_profiles_with_very_many_distinct_characters_still_never_miss() -> None:
    """Literals needing more than 128 codes are searched by shorter pieces; past that, every non-ASCII row passes."""
    han = [chr(0x4E00 + 7 * i) for i in range(200)]
    long_aliases = tuple("".join(han[4 * i : 4 * i + 4]) for i in range(40))
    captions = ["展覧会：" + alias + "展" for alias in long_aliases] + ["plain text", "日本"]
    prefilter = ProfilePrefilter(Profile(aliases=long_aliases), extractor=EXTRACTOR)
    _assert_superset(prefilter, [], captions)
    assert len(prefilter.text_candidates(captions)) < len(captions)
    doubled = tuple(char * 2 for char in han[:150])  # one Han character alone is too short a name
    single = ProfilePrefilter(Profile(aliases=doubled), extractor=EXTRACTOR)
    _assert_superset(single, [], [f"x {alias} y" for alias in doubled])
    assert 1 in single.text_candidates(["plain text", "café"]).tolist()
    assert single.text_candidates(["plain text", "more of it"]).tolist() == []


# ---- the byte-level building blocks ---------------------------------------------------------------------------


@pytest.mark.parametrize("position", range(8))
def test_word_tests_flag_exactly_the_words_holding_such_a_byte(position: int) -> None:
    for byte in range(256):
        data = np.full(16, ord("a"), np.uint8)
        data[position] = byte
        url_flags = flagged_words(data, "url").tolist()
        assert url_flags == ([0] if byte >= 0x80 or byte < 0x20 or byte == 0x25 else []), byte
        assert flagged_words(data, "lead").tolist() == ([0] if byte >= 0xC0 else []), byte
    assert flagged_words(np.frombuffer(b"abcdefghij", np.uint8), "url").tolist() == []
    assert flagged_words(np.frombuffer(b"abcdefghi%", np.uint8), "url").tolist() == [8]  # a partial last word


# ---- the caption fold table against fold_char, on every code point --------------------------------------------


def test_fold_codes_spell_every_code_point_as_fold_char_does() -> None:
    """Each code point alone, folded by the byte tables, gives the codes of its `fold_char` (characters outside the
    literals as one barrier each), or is reported as too long to spell in place."""
    literals = ["abcdefghijklmnopqrstuvwxyz0123456789'-._@#", "草間彌生иванσοφια"]
    codes = FoldCodes(literals)
    code_of, barrier = codes.code_of, codes.barrier
    assert barrier not in code_of.values() and len(set(code_of.values())) == len(code_of)
    # every plane with assigned characters (the others, unassigned or private use, fold to themselves)
    points = [*range(0xD800), *range(0xE000, 0x32400), *range(0xE0000, 0xE0200)]
    column = pc.ascii_lower(pa.array([chr(point) for point in points], pa.string()))
    buffer = TextBuffer.of(column)
    folded = codes.fold(buffer)
    _needed, too_long = codes.triage(buffer)
    changed, dropped = _folds()
    data, offsets = folded.data.tobytes(), folded.offsets
    too_long_set = set(too_long.tolist())
    for row, point in enumerate(points):
        char = chr(point)
        fold = "" if point in dropped else changed.get(point, char)
        if point < 0x80:
            expected = char.lower().encode()  # ASCII stays as ascii_lower leaves it
        elif not set(fold) & code_of.keys():
            expected = bytes([barrier]) if fold else b""
        elif len(fold) > len(char.encode()):
            assert row in too_long_set, char
            continue
        else:
            expected = bytes(code_of.get(c, barrier) for c in fold)
        assert data[offsets[row] : offsets[row + 1]] == expected, (hex(point), fold)


# ---- property tests on generated profiles ---------------------------------------------------------------------

_SEPARATORS = [" ", "  ", "\t", "\n", "\u00a0", "-", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\uff0d"]
_VANISHING = ["\u0301", "\u0308", "\u00ad", "\u200b", "\u200d", "\ufe0f", "\u0327"]
_CONTEXT = [" ", ". ", ", ", "(", ")", "\n", "«", "»", "!", ": ", "'", '"', "/", "#", "@", "x", "é", "草", "-", ""]
_FILLER = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Co")), max_size=12)


@cache
def _spellings() -> dict[str, list[str]]:
    """For each fold (one or more characters), characters that fold to it."""
    changed, _dropped = _folds()
    spellings: dict[str, list[str]] = {}
    for point, folded in changed.items():
        spellings.setdefault(folded, []).append(chr(point))
    return spellings


def _respell(rng: random.Random, text: str) -> str:
    """`text` written another way that `normalise` folds back: other cases and compatibility forms, diacritics,
    characters spelling several letters (ß, æ, ﬁ, ™ ...), characters that vanish."""
    folded = normalise(text)
    out, position = [], 0
    while position < len(folded):
        width = rng.choice([1, 1, 1, 2, 3])
        piece = folded[position : position + width]
        choices = _spellings().get(piece, [])
        if len(piece) == width and choices and rng.random() < 0.5:
            out.append(rng.choice(choices))
        elif rng.random() < 0.3 and (single := _spellings().get(folded[position])):
            out.append(rng.choice(single))
            width = 1
        else:
            out.append(folded[position] if rng.random() < 0.5 else folded[position].upper()[:1])
            width = 1
        if rng.random() < 0.1:
            out.append(rng.choice(_VANISHING))
        position += width
    return "".join(out)


def _caption(rng: random.Random, profile: Profile, filler: str) -> str:
    words = [term for term in (profile.name, *profile.aliases) if term.strip()]
    handles = [handle for handle in profile.handles if handle.strip("@ ")]
    kind = rng.random()
    people = [term for term in words if len(term.split()) >= 2]
    if words and kind < 0.3:
        parts = [_respell(rng, word) for word in rng.choice(words).replace("-", " ").split()]
        mention = "".join(part + rng.choice(_SEPARATORS) for part in parts[:-1]) + parts[-1] if parts else ""
    elif people and kind < 0.5:  # a catalogue form ("Surname, G." ...), or one with another initial
        name = rng.choice(people)
        split = rng.randrange(1, len(name.split()))
        render = written if rng.random() < 0.8 else other_initial
        mention = render(rng, name, split, rng.choice(FORMS), _respell)
    elif words and kind < 0.65:
        parts = [_respell(rng, word).replace("'", "") for word in rng.choice(words).replace("-", " ").split()]
        mention = "#" + rng.choice(["", "_"]).join(parts)
    elif handles and kind < 0.9:
        handle = rng.choice(handles).strip()
        mention = rng.choice(["@", ""]) + _respell(rng, handle.lstrip("@"))
    else:
        words_only = [w for term in words for w in term.replace("-", " ").split()]
        mention = _respell(rng, rng.choice(words_only)) if words_only else filler  # surname-only and the like
    before = rng.choice(_CONTEXT + SAFE_BEFORE)  # "Chidi " before a catalogue form makes it another person's
    return before + mention + rng.choice(_CONTEXT + SAFE_AFTER) + (filler if rng.random() < 0.5 else "")


def _percent(rng: random.Random, text: str, share: float) -> str:
    return "".join(
        "".join(f"%{byte:02X}" if rng.random() < 0.5 else f"%{byte:02x}" for byte in char.encode())
        if rng.random() < share
        else char
        for char in text
    )


def _host_spelling(rng: random.Random, host: str) -> str:
    labels = []
    for label in host.split("."):
        if label.startswith("xn--") and rng.random() < 0.7:
            try:
                label = idna.decode(label)
            except idna.IDNAError:
                pass
        labels.append(label)
    spelt = ".".join(labels)
    spelt = "".join(c.upper() if rng.random() < 0.3 and len(c.upper()) == 1 else c for c in spelt)
    pick = rng.random()
    if pick < 0.15:
        wide = [chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() and rng.random() < 0.5 else c for c in spelt]
        spelt = "".join(wide)  # full-width forms, which UTS #46 maps back
    elif pick < 0.3:
        spelt = _percent(rng, spelt, 0.3)
    elif pick < 0.4:
        spelt = spelt.replace(".", rng.choice(["\u3002", "\uff0e"]), 1)
    elif pick < 0.5:
        cut = rng.randrange(len(spelt) + 1)
        spelt = spelt[:cut] + rng.choice(["\t", "\n", "\r"]) + spelt[cut:]
    return spelt


def _url(rng: random.Random, profile: Profile, filler: str) -> str:
    scheme = rng.choice(["https://", "http://", "HTTPS://", "https:\\\\", "//", "https:", "https:///", " http://"])
    extra = rng.choice(["", "", "www.", "img.", "a.b."])
    suffix = rng.choice(["", ".", ":8080", ".:443"])
    userinfo = rng.choice(["", "", "user@", "user:pw@", "evil.net@"])
    prefixes = _prefilter_for(profile).url_matcher.prefixes  # a shared platform's bare address is refused
    if prefixes and (not profile.domains or rng.random() < 0.5):
        matcher_prefix = prefixes[0]
        host = _host_spelling(rng, rng.choice(["", "www."]) + matcher_prefix.host)
        path = matcher_prefix.path or ""
        if rng.random() < 0.3:
            path = _percent(rng, path, 0.2)
        if rng.random() < 0.2:
            path = "/x/.." + path
        if rng.random() < 0.2:
            path = path.replace("/", "\\")
        tail = rng.choice(["", "/", "/art/1.jpg", "x", "/" + filler])
        query = f"?{matcher_prefix.query}" + rng.choice(["", "&p=2", "3"]) if matcher_prefix.query else ""
        return f"{scheme}{userinfo}{host}{suffix}{path}{tail}{query}"
    usable = _prefilter_for(profile).url_matcher.domains  # a shared host (x.com, github.io ...) is not the artist's
    domain = rng.choice(usable) if usable else "example.com"
    host = _host_spelling(rng, extra + domain)
    if rng.random() < 0.15:
        host = rng.choice([host + ".evil.net", "x" + host, "evil.net/?u=" + host, host.replace(".", "-")])
    return f"{scheme}{userinfo}{host}{suffix}/{filler}"


@cache
def _prefilter_for(profile: Profile) -> ProfilePrefilter:
    return ProfilePrefilter(profile, extractor=EXTRACTOR)


_NAME_ALPHABET = "abcdefghijklmnoprstuvwyzABCDEKLMNOSTZéøłßæñíüÅ'草間иван"
_word = st.text(alphabet=_NAME_ALPHABET, min_size=1, max_size=9).filter(lambda w: normalise(w).strip("'"))
_names = st.lists(_word, min_size=1, max_size=3).map(" ".join)
_handles = st.from_regex(r"@?[a-z][a-z0-9._\-]{0,7}[a-z0-9]", fullmatch=True)
_label = st.from_regex(r"[a-z0-9](?:[a-z0-9\-]{0,8}[a-z0-9])?", fullmatch=True)
_idn_label = st.sampled_from(["müller", "bücher", "ñandú", "straße", "ørsted", "草間", "иван"])
_domains = st.builds(
    lambda label, tld: f"{label}.{tld}", st.one_of(_label, _idn_label), st.sampled_from(["art", "com", "co.uk", "de"])
)
_segments = st.from_regex(r"[A-Za-z0-9_~.\-]{1,8}|[a-zé ]{1,6}", fullmatch=True)
_prefixes = st.builds(
    lambda host, segments, query: f"https://{host}/" + "/".join(segments) + (f"?id={query}" if query else ""),
    st.sampled_from(["www.artstation.com", "deviantart.com", "www.example.org", "müller.art"]),
    st.lists(_segments, min_size=0, max_size=2),
    st.one_of(st.none(), st.integers(0, 99)),
)
_profiles = st.builds(
    lambda name, aliases, handles, domains, prefixes: Profile(
        name=name, aliases=tuple(aliases), handles=tuple(handles), domains=tuple(domains), url_prefixes=tuple(prefixes)
    ),
    _names,
    st.lists(_names, max_size=2),
    st.lists(_handles, max_size=2),
    st.lists(_domains, max_size=2),
    st.lists(_prefixes, max_size=1),
)


def _rows(profile: Profile, seed: int, fillers: list[str]) -> tuple[list[str | None], list[str | None]]:
    rng = random.Random(seed)
    urls: list[str | None] = [_url(rng, profile, filler) for filler in fillers]
    texts: list[str | None] = [_caption(rng, profile, filler) for filler in fillers]
    return [*urls, None], [*texts, None]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(profile=_profiles, seed=st.integers(0, 2**32), fillers=st.lists(_FILLER, min_size=8, max_size=24))
def test_generated_rows_accepted_by_the_exact_matchers_are_candidates(
    profile: Profile, seed: int, fillers: list[str]
) -> None:
    urls, texts = _rows(profile, seed, fillers)
    _assert_superset(_prefilter_for(profile), urls, texts)


def test_the_generated_rows_are_mostly_real_matches() -> None:
    """The property test is only as good as its rows: most of them must be accepted by the exact matchers."""
    profile = Profile(
        name="Zoë O'Brien-Łukasz",
        aliases=("草間彌生",),
        handles=("@ada.ok",),
        domains=("müller.art",),
        url_prefixes=("https://www.artstation.com/Ada_Z",),
    )
    prefilter = _prefilter_for(profile)
    urls, texts = _rows(profile, 7, ["", "x y", "🎨", "z"] * 100)
    url_share = sum(prefilter.url_matcher.match(url) is not None for url in urls) / len(urls)
    text_share = sum(bool(prefilter.text_matcher.find(text)) for text in texts) / len(texts)
    forms = [m.form for text in texts for m in prefilter.text_matcher.find(text)]
    catalogue_share = sum("catalogue form" in form for form in forms) / len(texts)
    assert url_share > 0.3 and text_share > 0.3 and catalogue_share > 0.05, (url_share, text_share, catalogue_share)
    _assert_superset(prefilter, urls, texts)


def test_the_generator_respellings_fold_back() -> None:
    """A check of the test's own generator: every respelling of a word normalises to the word."""
    rng = random.Random(3)
    for word in ["lindqvist", "strasse", "草間彌生", "o'brien", "ada.ok", "aether", "official"]:
        for _ in range(200):
            assert normalise(_respell(rng, word)) == normalise(word)
    assert fold_char("ß") == "ss" and unicodedata.normalize("NFKC", "ﬁ") == "fi"


@settings(max_examples=150, deadline=None)
@given(
    needles=st.lists(st.binary(min_size=1, max_size=6).map(lambda b: bytes(97 + x % 4 for x in b)), min_size=1,
                     max_size=5),
    rows=st.lists(st.binary(max_size=40).map(lambda b: bytes(97 + x % 5 for x in b)), min_size=1, max_size=60),
)  # fmt: skip
def test_the_needle_search_finds_every_row_holding_a_needle_whatever_anchors_it_shares(
    needles: list[bytes], rows: list[bytes]
) -> None:
    """Anchors are chosen from the first buffer's pair counts, and needles may share them; on a four-letter
    alphabet needles share many pairs, so many ways of anchoring them are met."""
    search = _NeedleSearch(needles)
    for part in (rows, rows[::-1]):  # the anchors chosen from the first buffer serve the next one too
        buffer = TextBuffer.of(pa.array([row.decode() for row in part], pa.string()))
        found = search.rows(buffer)
        for needle in search.texts:
            expected = [i for i, row in enumerate(part) if needle in row]
            assert found[needle].tolist() == expected, needle
