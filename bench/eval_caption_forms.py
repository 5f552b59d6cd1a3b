"""Caption forms of artists' names: which forms are found, which look-alikes are refused, and the flood check.

Run: ``python -m bench.eval_caption_forms [--artists 200] [--seed 20261206] [--flood-rows 20000]``

Generated (seeded) artists: given names and surnames with diacritics, double surnames (hyphenated or two words),
particles and umlauts, each with a handle and two work titles. For every artist, one caption per form and way of
writing it, in catalogue-, shop- and web-shaped sentences ("Lot 112: Okafor, Ada (b. 1980)", "Blue Harbour by
A. Okafor", "Courtesy of OKAFOR A."): the form table counts how many the caption matcher finds (tried / found).
These forms are the ones the rules define (core/matching/text.py), so they measure the implementation against its
own rules; a second table tries ways a caption may name the artist that the rules leave out on purpose ("Okafor
Ada", "A.Okafor", a dropped middle name ...), to show what the rules cost. Look-alikes of every artist (a surname
alone, another initial or given name, a company, a list of two people, longer handles ...) are counted as refused
when the matcher reports nothing for the artist. Work titles are counted as reported when they stand beside a
mention (at most three words between, no line break) and as not reported elsewhere. Every caption the matcher
accepts must also be a candidate of the vectorised prefilters (the single-profile `ProfilePrefilter` and the
batch's `ProfileUnion` over all artists at once): misses are printed.

Flood check: ``--flood-rows`` ordinary LAION-shaped rows (bench/bench_prefilter.py's URL and caption generator,
which includes i.pinimg.com, cdna.artstation.com and www.artstation.com addresses) against the sample artist's
profile with the aliases "a" and "the" and the domains artstation.com and pinterest.com added, as a new user might
enter them: URL and caption matches, the prefilter's caption candidates, and the refusals the matchers report;
also a short name ("Jo Ng"), whose catalogue forms are the costliest for the prefilter.

The script runs on whatever `core` it imports, so today's figures come from running it in a checkout of the
earlier code (it tolerates the fields that code lacks); it prints which checkout it measured. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import pyarrow as pa

import core
from bench import bench_prefilter
from core.matching.prefilter import ProfilePrefilter
from core.matching.text import TextMatcher
from core.matching.urls import UrlMatcher
from core.profile import Profile

GIVEN = ["Ada", "Zoë", "Léa", "Łukasz", "Ann-Marie", "Chidi", "Nneka", "Björk", "Søren", "José", "Maëlle",
         "Jean-Luc", "Ingrid", "Kwame", "Yuki", "Amara", "Tomás", "Žofie", "Ines", "Olúwadámiláre"]  # fmt: skip
SURNAMES = ["Okafor", "Okonkwo-Lindqvist", "Müller", "Østergaard", "D'Arcy", "Ng", "García Márquez", "van Gogh",
            "Smith-Jones", "Öztürk", "Lefèvre", "Nakamura", "Kowalczyk", "Brontë", "Dvořák", "Sánchez-Vicario",
            "Petrović", "Åberg", "Mbeki", "Haddad"]  # fmt: skip
TITLE_WORDS = (
    ["Blue", "Salt", "Quiet", "Amber", "Iron", "Paper", "Hollow", "Northern", "Silent", "Copper"],
    ["Harbour", "Ferry", "Garden", "Orchard", "Lantern", "Meridian", "Tide", "Quarry", "Foundry", "Loom"],
)
TEMPLATES = ["{m}. {t}, {y}. Oil on canvas.", "Lot 112: {m} ({y})", "{t} by {m}", "Print of {t} — {m}",
             "{m}: {t} | Gallery", "Courtesy of {m}", "{m}, «{t}» ({y})", "Painting by {m}, {y}"]  # fmt: skip
SPACES = {"space": " ", "no-break space": "\u00a0", "thin space": "\u2009"}
WRITTEN_OUT = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "å": "aa",
    "ø": "oe",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "Å": "Aa",
    "Ø": "Oe",
}
OTHER_GIVEN = "Kofi"  # in no artist's name: "Kofi A. Okafor" is someone else


@dataclass
class Artist:
    given: list[str]
    surname: list[str]
    handle: str
    titles: tuple[str, str]

    @property
    def name(self) -> str:
        return " ".join([*self.given, *self.surname])

    def profile(self) -> Profile:
        extra = {"titles": self.titles} if "titles" in {f.name for f in fields(Profile)} else {}
        return Profile(name=self.name, handles=(self.handle,), **extra)  # type: ignore[arg-type]


@dataclass
class Tally:
    tried: Counter[str] = field(default_factory=Counter)
    hit: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, hit: bool) -> None:
        self.tried[key] += 1
        self.hit[key] += hit


def _ascii(text: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return folded.replace("Ø", "O").replace("ø", "o").replace("Ł", "L").replace("ł", "l")


def _artists(count: int, rng: random.Random) -> list[Artist]:
    artists = []
    for _ in range(count):
        given = [rng.choice(GIVEN)] + ([rng.choice(GIVEN)] if rng.random() < 0.15 else [])
        surname = rng.choice(SURNAMES).split()
        handle = "@" + _ascii("".join(given[:1] + surname)).lower().replace("'", "").replace("-", "")
        titles = tuple(f"{rng.choice(TITLE_WORDS[0])} {rng.choice(TITLE_WORDS[1])}" for _ in range(2))
        artists.append(Artist(given, surname, handle, (titles[0], titles[1])))
    return artists


def _initials(given: list[str]) -> str:
    return " ".join("-".join(part[0].upper() + "." for part in word.split("-")) for word in given)


def _ways(artist: Artist) -> list[tuple[str, Callable[[str], str]]]:
    """(modifier, how the words are written) that apply to this artist's name."""
    ways: list[tuple[str, Callable[[str], str]]] = [("as in the profile", lambda s: s), ("UPPER CASE", str.upper),
                                                    ("lower case", str.lower)]  # fmt: skip
    name = artist.name
    if _ascii(name) != name:
        ways.append(("without diacritics", _ascii))
    if any(c in WRITTEN_OUT for c in name.lower()):
        ways.append(("umlauts written out", lambda s: "".join(WRITTEN_OUT.get(c, c) for c in s)))
    if any("-" in word for word in artist.surname):
        ways.append(("double surname, hyphen as space", lambda s: s.replace("-", " ")))
        ways.append(("double surname, hyphen dropped", lambda s: s.replace("-", "")))
    return ways


def _form(artist: Artist, form: str, space: str, write: Callable[[str], str]) -> str:
    given, surname = " ".join(artist.given), " ".join(artist.surname)
    initials = _initials(artist.given)
    text = {
        "as written": f"{given} {surname}",
        "Surname, Given": f"{surname},{space}{given}",
        "G. Surname": f"{initials}{space}{surname}",
        "Surname G.": f"{surname}{space}{initials}",
        "Surname, G.": f"{surname},{space}{initials}",
    }[form]
    return write(text)


def _outside_rules(artist: Artist) -> list[tuple[str, str]]:
    """Ways a caption may name the artist that the rules leave out on purpose (each could be someone else's name,
    or a handle or file name): counted as forms tried, so the table shows what the rules cost."""
    given, surname = " ".join(artist.given), " ".join(artist.surname)
    initial = _initials(artist.given)
    found = [
        ("no space after the comma: Surname,Given", f"{surname},{given}"),
        ("no comma: Surname Given", f"{surname} {given}"),
        ("initials without periods: A Surname", f"{initial.replace('.', '')} {surname}"),
        ("no space after the initials: A.Surname", f"{initial.replace(' ', '')}{surname}"),
        ("a line break as the one space: Surname,\\nGiven", f"{surname},\n{given}"),
        ("after a capitalised word: Kunsthalle A. Surname", f"Kunsthalle {initial} {surname}"),
    ]
    if len(artist.given) > 1:
        found.append(("a given name dropped: Surname, First", f"{surname}, {artist.given[0]}"))
    if "-" in artist.given[0]:
        found.append(("one initial of a hyphenated given name: A. Surname", f"{artist.given[0][0]}. {surname}"))
    return found


def _look_alikes(artist: Artist) -> list[tuple[str, str]]:
    given, surname = artist.given[0], " ".join(artist.surname)
    taken = {word[0].upper() for word in artist.given}
    other = next(letter for letter in "JMRWX" if letter not in taken)
    initial = _initials(artist.given)
    found = [
        ("a surname alone", f"{{t}} by {surname}"),
        ("another initial: J. Surname", f"{other}. {surname}"),
        ("another initial: Surname, J.", f"{surname}, {other}."),
        ("another given name: Surname, Jane", f"{surname}, {other}ane"),
        ("another given name: Jane Surname", f"{other}ane {surname}"),
        ("the artist's initial as a middle one: J. A. Surname", f"{other}. {initial} {surname}"),
        ("another given name before: Kofi A. Surname", f"{OTHER_GIVEN} {initial} {surname}"),
        ("a list of two people: Kofi Surname, Given Lovelace", f"{OTHER_GIVEN} {surname}, {given} Lovelace"),
        ("another initial after: Surname A. J.", f"{surname} {initial} {other}."),
        ("an initial without its period: Surname, A painter", f"{surname}, {initial[0]} painter from Lagos"),
        ("a company: Surname & Partners", f"{surname} & Partners"),
        ("a company: Surname Ltd", f"{surname} Ltd"),
        ("a company: A. Surname Ltd", f"{initial} {surname} Ltd"),
        ("a company: Surname, A. & Sons", f"{surname}, {initial} & Sons"),
        ("a longer handle: @handle_fan", f"{artist.handle}_fan"),
        ("a longer handle: handle.studio", f"{artist.handle.lstrip('@')}.studio"),
        ("the handle as an e-mail address", f"{artist.handle.lstrip('@')}@example.com"),
        ("a work title alone", "{t}"),
    ]
    if any("-" in word for word in artist.surname):
        half = artist.surname[-1].split("-")[0]
        found.append(("half a double surname: Given Half", f"{given} {half}"))
    return found


def _git_head(path: Path) -> str:
    try:
        run = subprocess.run(["git", "-C", str(path), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
        return run.stdout.strip()[:90]
    except OSError:
        return "?"


def _table(title: str, rows: list[tuple[str, int, int]], hit_label: str) -> None:
    print(f"\n{title}")
    width = max([len(label) for label, _, _ in rows] + [10])
    print(f"  {'':{width}}  {'tried':>6}  {hit_label:>7}  share")
    for label, tried, hit in rows:
        print(f"  {label:{width}}  {tried:>6}  {hit:>7}  {hit / tried if tried else 0:.3f}")


def evaluate(artists: list[Artist], rng: random.Random) -> None:
    forms_tally, outside_tally, looks_tally, titles_tally = Tally(), Tally(), Tally(), Tally()
    captions: list[str] = []
    owners: list[int] = []
    for index, artist in enumerate(artists):
        matcher = TextMatcher(artist.profile())
        title = artist.titles[0]

        def mentions(caption: str, matcher: TextMatcher = matcher) -> list[object]:
            return [m for m in matcher.find(caption) if getattr(m, "kind", "") != "title"]

        for form in ("as written", "Surname, Given", "G. Surname", "Surname G.", "Surname, G."):
            for way, write in _ways(artist):
                spaces = ["space"] if form == "as written" else list(SPACES)
                for space in spaces:
                    mention = _form(artist, form, SPACES[space], write)
                    caption = rng.choice(TEMPLATES).format(m=mention, t=title, y=rng.randint(1950, 2024))
                    label = f"{form:<15} {way}" + ("" if space == "space" else f", {space}")
                    forms_tally.add(label, bool(mentions(caption)))
                    captions.append(caption)
                    owners.append(index)
        for why, mention in _outside_rules(artist):
            caption = rng.choice(TEMPLATES).format(m=mention, t=title, y=rng.randint(1950, 2024))
            outside_tally.add(why, bool(mentions(caption)))
            captions.append(caption)
            owners.append(index)
        for why, pattern in _look_alikes(artist):
            caption = pattern.format(t=title) if "{t}" in pattern else rng.choice(TEMPLATES).format(
                m=pattern, t="Untitled", y=rng.randint(1950, 2024))  # fmt: skip
            looks_tally.add(why, not mentions(caption))
            captions.append(caption)
            owners.append(index)
        name = artist.name
        beside = [f"{title} by {name}", f"{name}. {title}, {rng.randint(1950, 2024)}.", f"{artist.handle}: {title}",
                  f"«{title}» (oil on canvas) — {name}"]  # fmt: skip
        away = [f"{title}, oil on canvas, signed and dated, by {name}", f"{title}\n{name}",
                f"{title} and other works"]  # fmt: skip
        for caption in beside:
            titles_tally.add("beside the name or handle (0-3 words between)", _title_found(matcher, caption))
        for caption in away[:2]:
            titles_tally.add("4 words away or across a line break", not _title_found(matcher, caption))
        titles_tally.add("alone (no mention of the artist)", not matcher.matches(away[2]))
        captions += beside + away
        owners += [index] * (len(beside) + len(away))

    _table("Forms of the artist's name (found by the caption matcher)",
           [(key, forms_tally.tried[key], forms_tally.hit[key]) for key in forms_tally.tried], "found")  # fmt: skip
    by_form: Counter[str] = Counter()
    by_form_hit: Counter[str] = Counter()
    for key in forms_tally.tried:
        base = key[:15].strip()
        by_form[base] += forms_tally.tried[key]
        by_form_hit[base] += forms_tally.hit[key]
    _table("By form", [(key, by_form[key], by_form_hit[key]) for key in by_form], "found")
    outside = [(key, outside_tally.tried[key], outside_tally.hit[key]) for key in outside_tally.tried]
    _table("The artist written in ways the rules leave out (found: what they cost)", outside, "found")
    _table("Look-alikes (refused: nothing reported for the artist)",
           [(key, looks_tally.tried[key], looks_tally.hit[key]) for key in looks_tally.tried], "refused")  # fmt: skip
    titles = [(key, titles_tally.tried[key], titles_tally.hit[key]) for key in titles_tally.tried]
    _table("Work titles (beside: reported; elsewhere: not reported)", titles, "as said")
    _prefilter_check(artists, captions, owners)


def _title_found(matcher: TextMatcher, caption: str) -> bool:
    return any(getattr(m, "kind", "") == "title" for m in matcher.find(caption))


def _prefilter_check(artists: list[Artist], captions: list[str], owners: list[int]) -> None:
    """Every caption a matcher accepts is a candidate of the prefilters (each artist's rows, then all at once)."""
    accepted = missed = 0
    for index, artist in enumerate(artists):
        texts = [caption for caption, owner in zip(captions, owners, strict=True) if owner == index]
        prefilter = ProfilePrefilter(artist.profile())
        candidates = set(prefilter.text_candidates(texts).tolist())
        hits = {row for row, text in enumerate(texts) if prefilter.text_matcher.matches(text)}
        accepted += len(hits)
        missed += len(hits - candidates)
    print(f"\nSingle-profile prefilter: {accepted} accepted captions, {missed} not flagged as candidates")
    try:
        from core.batch.profiles import ProfileUnion
    except ImportError:  # pragma: no cover - a checkout without the batch stage
        return
    profiles = [artist.profile() for artist in artists]
    batch = pa.record_batch({"url": pa.array([None] * len(captions), pa.string()), "text": pa.array(captions)})
    union = {(row, group) for group, hits in ProfileUnion(profiles, ("text",)).match(batch).items() for row, _ in hits}
    exact = set()
    for group, profile in enumerate(profiles):
        matcher = TextMatcher(profile)
        exact |= {(row, group) for row, text in enumerate(captions) if matcher.matches(text)}
    print(f"Batch stage (all {len(profiles)} profiles at once, {len(captions)} captions): {len(exact)} accepted "
          f"(row, artist) pairs, {len(exact - union)} missed, {len(union - exact)} extra")  # fmt: skip


def flood(rows: int, seed: int) -> None:
    rng = random.Random(seed)
    sites = [f"{bench_prefilter._word(rng)}{bench_prefilter._word(rng)}.{rng.choice(bench_prefilter._TLDS)}"
             for _ in range(2000)]  # fmt: skip
    urls = [bench_prefilter._url(rng, sites) for _ in range(rows)]
    for position in range(0, rows, 97):  # about 1 % of rows: the platforms' own pages, as scraped datasets hold them
        urls[position] = rng.choice(["https://www.artstation.com/artwork/", "https://www.pinterest.com/pin/"]) + (
            f"{rng.getrandbits(40):x}")  # fmt: skip
    captions = [bench_prefilter._caption(rng) for _ in range(rows)]
    sample_file = Path(__file__).resolve().parents[1] / "resources" / "sample_portfolio" / "profile.json"
    sample = Profile.from_json(json.loads(sample_file.read_text(encoding="utf-8")))
    new_user = Profile(name=sample.name, aliases=(*sample.aliases, "a", "the"), handles=sample.handles,
                       domains=(*sample.domains, "artstation.com", "pinterest.com"),
                       url_prefixes=sample.url_prefixes)  # fmt: skip
    short = Profile(name="Jo Ng")  # a short name: what its catalogue forms cost the prefilter
    profiles = [("sample profile", sample), ('sample + aliases "a", "the", domains artstation.com, pinterest.com',
                new_user), ("a short name, Jo Ng", short)]  # fmt: skip
    for label, profile in profiles:
        urls_matcher, text_matcher = UrlMatcher(profile), TextMatcher(profile)
        url_hits = sum(urls_matcher.match(url) is not None for url in urls)
        text_hits = sum(text_matcher.matches(text) for text in captions)
        candidates = len(ProfilePrefilter(profile).text_candidates(captions))
        refused = [*getattr(text_matcher, "refusals", ()), *getattr(urls_matcher, "refusals", ())]
        print(f"  {label}: {url_hits + text_hits:,} matches ({url_hits:,} URL, {text_hits:,} caption) in {rows:,} "
              f"rows; caption candidates of the prefilter {candidates:,}; entries refused: "
              f"{', '.join(r.value for r in refused) or 'none'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artists", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--flood-rows", type=int, default=20_000)
    args = parser.parse_args()
    checkout = Path(core.__file__).resolve().parents[1]
    print(f"Code measured: {checkout} ({_git_head(checkout)}); seed {args.seed}, {args.artists} artists")
    rng = random.Random(args.seed)
    evaluate(_artists(args.artists, rng), rng)
    print(f"\nFlood check ({args.flood_rows:,} ordinary LAION-shaped rows, seed {args.seed}):")
    flood(args.flood_rows, args.seed)


if __name__ == "__main__":
    main()
