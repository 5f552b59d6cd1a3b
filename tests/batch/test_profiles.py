"""The batch's one URL/caption stage for all profiles equals one `ShardPass` per profile."""

from __future__ import annotations

import random

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.batch.profiles import ProfileUnion, required_literals
from core.matching.shard_pass import PortfolioQueries, ShardPass
from core.matching.text import TextMatcher
from core.profile import Profile
from tests.name_forms import FORMS, GIVEN, SAFE_AFTER, SAFE_BEFORE, SURNAMES, other_initial, written

KINDS = ("url", "text")
FIRST = ["Ada", "Ana", "Anna", "Léa", "Zoë", "Ōta", "O'Neil", "Jo", "Ann-Marie", "Björk", "Łukasz"]
LAST = ["Okafor", "Okonkwo", "Lindqvist", "Smith", "Smithson", "Ng", "Østergaard", "Müller", "D'Arcy"]
DOMAINS = ["ada.art", "okafor.art", "art-ada.art", "smith.studio", "lindqvist.se", "müller.de", "ng.io"]
PREFIXES = [
    "https://www.artstation.com/ada",
    "https://www.artstation.com/adaok/",
    "https://www.deviantart.com/smith/art",
    "https://cara.app/ng?tab=works",
    "https://example.com/%7Eanna/gallery",
]


def _profiles(count: int, seed: int) -> list[Profile]:
    rng = random.Random(seed)
    profiles = []
    for _ in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        profiles.append(
            Profile(
                name=f"{first} {last}" if rng.random() < 0.9 else "",
                aliases=tuple(f"Studio {rng.choice(LAST)}" for _ in range(rng.randrange(2))),
                handles=tuple(f"@{first.lower()}.{rng.choice(LAST).lower()}" for _ in range(rng.randrange(2))),
                domains=tuple(rng.sample(DOMAINS, rng.randrange(3))),
                url_prefixes=tuple(rng.sample(PREFIXES, rng.randrange(2))),
            )
        )
    return profiles


def _rows(count: int, seed: int) -> pa.RecordBatch:
    rng = random.Random(seed)
    hosts = [*DOMAINS, "www.ada.art", "ada.art.evil.net", "xada.art", "cdn.okafor.art", "artstation.com",
             "www.artstation.com", "deviantart.com", "cara.app", "example.com", "xn--mller-kva.de", "ADA.ART",
             "ada%2eart", "ａｄａ.art", "images.example.org"]  # fmt: skip
    paths = ["/ada/p/1.jpg", "/adaok/x.png", "/smith/art/a", "/ng?tab=works", "/%7Eanna/gallery/1", "/~anna/gallery",
             "/p/1.jpg", "/ADA/1"]  # fmt: skip
    words = [*FIRST, *LAST, "#AnaSmith", "#ada_okafor", "@ada.okafor", "@jo.ng", "ADA OKAFOR", "ana-smith", "painting",
             "of", "a", "harbour", "ＡＤＡ", "Ada\u00adOkafor", "ÉLÉA", "O`Neil", "½", "ﬁne", "Zoe\u0308",
             "Okafor, Ada", "A. Okafor", "Okafor A.", "Okafor,\u00a0A.", "Smith, Ana", "Ng,\u3000Jo", "J. Okafor",
             "Østergaard, L.", "Okafor & Partners", "Chidi", "Müller, Léa", "Mueller, Lea",
             "Okonkwolindqvist,"]  # fmt: skip
    urls, texts = [], []
    for _ in range(count):
        scheme = rng.choice(["https://", "http://", "//", "ftp://", ""])
        urls.append(None if rng.random() < 0.05 else scheme + rng.choice(hosts) + rng.choice(paths))
        texts.append(None if rng.random() < 0.05 else " ".join(rng.choice(words) for _ in range(rng.randrange(1, 8))))
    return pa.record_batch({"url": pa.array(urls, pa.string()), "text": pa.array(texts, pa.string())})


def _separately(profiles: list[Profile], batch: pa.RecordBatch) -> dict[int, list[tuple[int, str]]]:
    found = {}
    for group, profile in enumerate(profiles):
        hits = ShardPass(KINDS, PortfolioQueries.empty(8), profile, hashes=False).match(batch).profile_hits
        if hits:
            found[group] = hits
    return found


def test_union_equals_one_pass_per_profile() -> None:
    profiles = _profiles(60, seed=1)
    batch = _rows(3000, seed=2)
    union = ProfileUnion(profiles, KINDS)
    expected = _separately(profiles, batch)
    assert sum(len(hits) for hits in expected.values()) > 200  # the generated rows do hit
    assert union.match(batch) == expected
    # every later batch through the same union (anchors chosen on the first) too
    other = _rows(2000, seed=3)
    assert union.match(other) == _separately(profiles, other)


def test_required_literals_are_the_text_matchers() -> None:
    for profile in [*_profiles(80, seed=6), Profile(name="  ", aliases=("O'Neil-D'Arcy", "-"), handles=("@", "@x"))]:
        assert required_literals(profile) == set(TextMatcher(profile).required_literals)


def test_union_of_url_only_and_caption_only_kinds() -> None:
    profiles = _profiles(20, seed=4)
    batch = _rows(800, seed=5)
    for kinds in (("url",), ("text",)):
        union = ProfileUnion(profiles, kinds)
        expected = {}
        for group, profile in enumerate(profiles):
            hits = ShardPass(kinds, PortfolioQueries.empty(8), profile, hashes=False).match(batch).profile_hits
            if hits:
                expected[group] = hits
        assert union.match(batch) == expected


_PIECES = st.sampled_from(["ada", "ana", "smith", "okafor", "art", ".", "-", " ", "#", "@", "/", "%2e", "é", "Ö",
                           "\u0301", "'", "`", "_", "ß", "ss", "½", "1", "ａ", "www."])  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.lists(_PIECES, min_size=1, max_size=4).map("".join), min_size=1, max_size=5),
    domains=st.lists(st.sampled_from(DOMAINS), max_size=3),
    prefixes=st.lists(st.sampled_from(PREFIXES), max_size=2),
    rows=st.lists(st.tuples(st.lists(_PIECES, max_size=8).map("".join), st.lists(_PIECES, max_size=10).map("".join)),
                  min_size=1, max_size=30),
)  # fmt: skip
def test_union_never_drops_an_accepted_row(
    names: list[str], domains: list[str], prefixes: list[str], rows: list[tuple[str, str]]
) -> None:
    profiles = [
        Profile(name=names[0], aliases=tuple(names[1:2]), handles=tuple("@" + n for n in names[2:]),
                domains=tuple(domains[: i + 1]), url_prefixes=tuple(prefixes[i:]))
        for i in range(3)
    ]  # fmt: skip
    hosts = [*domains, "x.art"]
    urls = ["https://" + hosts[i % len(hosts)] + path for i, (path, _) in enumerate(rows)]
    batch = pa.record_batch({"url": pa.array(urls), "text": pa.array([text for _, text in rows])})
    assert ProfileUnion(profiles, KINDS).match(batch) == _separately(profiles, batch)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.tuples(st.sampled_from(GIVEN), st.sampled_from(SURNAMES)).map(" ".join), min_size=1,
                   max_size=6),
    seed=st.integers(0, 2**32),
)  # fmt: skip
def test_union_finds_catalogue_forms_as_each_profile_does(names: list[str], seed: int) -> None:
    """Names written as catalogues write them (any space character, diacritics, hyphens), and look-alikes with
    another initial, in captions: the union's rows are exactly each profile's own pass's."""
    rng = random.Random(seed)
    profiles = [Profile(name=name, aliases=(rng.choice(names),) if rng.random() < 0.3 else ()) for name in names]
    texts = []
    for _ in range(40):
        name = rng.choice(names)
        split = rng.randrange(1, len(name.split()))
        render = written if rng.random() < 0.8 else other_initial
        texts.append(rng.choice(SAFE_BEFORE) + render(rng, name, split, rng.choice(FORMS)) + rng.choice(SAFE_AFTER))
    batch = pa.record_batch({"url": pa.array([None] * len(texts), pa.string()), "text": pa.array(texts)})
    exact = {}  # the exact matcher on every row, no prefilter involved
    for group, profile in enumerate(profiles):
        matcher = TextMatcher(profile)
        hits = [(row, "text") for row, text in enumerate(texts) if matcher.matches(text)]
        if hits:
            exact[group] = hits
    assert ProfileUnion(profiles, KINDS).match(batch) == exact == _separately(profiles, batch)
    assert sum(len(hits) for hits in exact.values()) >= len(texts) // 3  # most generated forms are matches
