"""URL matching: hosts as a browser sees them, public-suffix-aware domains, look-alikes that must never match."""

from __future__ import annotations

import pytest
import tldextract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import UsageError
from core.matching.urls import (
    DomainExtractor,
    PublicSuffixRules,
    UrlMatcher,
    host_of,
    normalise_path,
    normalise_profile_domain,
    work_file_name_from_url,
)
from core.profile import Profile

DOMAIN = "okonkwo-lindqvist.art"
PREFIX = "https://www.artstation.com/okonkwo"
PROFILE = Profile(name="Ada Okonkwo-Lindqvist", domains=(DOMAIN, "müller.art"), url_prefixes=(PREFIX,))


@pytest.fixture(scope="module")
def extractor() -> DomainExtractor:
    return DomainExtractor()


@pytest.fixture(scope="module")
def matcher(extractor: DomainExtractor) -> UrlMatcher:
    return UrlMatcher(PROFILE, extractor)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Example.COM/a", "example.com"),
        ("https://example.com./a", "example.com"),
        ("https://example.com:8443/a", "example.com"),
        ("https://user:pw@example.com/a", "example.com"),
        ("https://okonkwo-lindqvist.art@evil.net/", "evil.net"),
        ("https://a@b@evil.net/", "evil.net"),
        ("https://evil.net\\@okonkwo-lindqvist.art/", "evil.net"),
        ("https://evil.net#@okonkwo-lindqvist.art/", "evil.net"),
        ("https://evil.net?@okonkwo-lindqvist.art/", "evil.net"),
        ("HTTPS://MÜLLER.ART/x", "xn--mller-kva.art"),
        ("https://xn--MLLER-KVA.art/x", "xn--mller-kva.art"),
        ("https://m%C3%BCller.art/x", "xn--mller-kva.art"),
        ("https://ｎａｍｅ。art/x", "name.art"),
        ("https://straße.de/", "xn--strae-oqa.de"),
        ("  https://example.com/ ", "example.com"),
        ("https:example.com/a", "example.com"),
        ("https:///example.com/a", "example.com"),
        ("//example.com/a", "example.com"),
        ("s3://bucket.example.com/key", "bucket.example.com"),
        ("http://[2001:db8::1]:80/x", "[2001:db8::1]"),
        ("https://1.2.3.4/x", "1.2.3.4"),
    ],
)
def test_host_is_what_a_browser_would_contact(url: str, host: str) -> None:
    assert host_of(url) == host


@pytest.mark.parametrize(
    "url",
    ["", "example.com/a", "mailto:ada@example.com", "https://", "https://evil.net%2F.okonkwo-lindqvist.art/", "x y"],
)
def test_urls_without_a_usable_host(url: str) -> None:
    assert host_of(url) is None


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("okonkwo-lindqvist.art.fake.net", "fake.net"),
        ("okonkwo-lindqvist.art", "okonkwo-lindqvist.art"),
        ("img.cdn.okonkwo-lindqvist.art", "okonkwo-lindqvist.art"),
        ("foo.co.uk", "foo.co.uk"),
        ("a.b.foo.co.uk", "foo.co.uk"),
        ("co.uk", ""),
        ("x.github.io", "github.io"),  # ICANN section only: private suffixes are ordinary domains
        ("a.b.kawasaki.jp", "a.b.kawasaki.jp"),  # wildcard rule
        ("www.city.kawasaki.jp", "city.kawasaki.jp"),  # exception rule
        ("name.art.evil", "art.evil"),  # unlisted TLD: the PSL's default rule
        ("xn--mller-kva.art", "xn--mller-kva.art"),
        ("1.2.3.4", ""),
        ("[::1]", ""),
        ("localhost", ""),
    ],
)
def test_registrable_domain_is_public_suffix_aware(extractor: DomainExtractor, host: str, registrable: str) -> None:
    assert extractor.registrable_domain(host) == registrable


@pytest.mark.parametrize(
    "url",
    [
        "https://okonkwo-lindqvist.art/works/sunrise.jpg",
        "http://okonkwo-lindqvist.art/works/sunrise.jpg",
        "https://www.okonkwo-lindqvist.art/",
        "https://img.cdn.okonkwo-lindqvist.art/a.png",
        "HTTPS://OKONKWO-LINDQVIST.ART/A.PNG",
        "https://okonkwo-lindqvist.art./a.png",
        "https://okonkwo-lindqvist.art:8080/a.png",
        "https://someone@okonkwo-lindqvist.art/a.png",
        "https://evil.net@okonkwo-lindqvist.art/a.png",
        "//okonkwo-lindqvist.art/a.png",
        "https://müller.art/bild.png",
        "https://xn--mller-kva.art/bild.png",
        "https://www.MÜLLER.art./bild.png",
    ],
)
def test_domain_and_subdomains_match(matcher: UrlMatcher, url: str) -> None:
    reason = matcher.match(url)
    assert reason is not None and reason.kind == "domain"


@pytest.mark.parametrize(
    "url",
    [
        "https://okonkwo-lindqvist.art.fake.net/a.png",
        "https://notokonkwo-lindqvist.art/a.png",
        "https://not-okonkwo-lindqvist.art/a.png",
        "https://okonkwo-lindqvist.art.evil/a.png",
        "https://okonkwo-lindqvist.artist/a.png",
        "https://okonkwo-lindqvistart/a.png",
        "https://evil.net/?ref=okonkwo-lindqvist.art",
        "https://evil.net/#okonkwo-lindqvist.art",
        "https://evil.net/okonkwo-lindqvist.art/x.jpg",
        "https://okonkwo-lindqvist.art@evil.net/",
        "https://okonkwo-lindqvist.art:443@evil.net/",
        "https://evil.net\\@okonkwo-lindqvist.art/",
        "https://evil.net%2F.okonkwo-lindqvist.art/",
        "https://okonkwo-lindqvist%2Eart.evil.net/",
        "https://okonkwo-lindqvist.аrt/a.png",  # Cyrillic "а": a homoglyph, a different domain
        "https://mueller.art/",
        "okonkwo-lindqvist.art/a.png",  # no scheme: not a URL with a host
        "",
    ],
)
def test_look_alikes_never_match(matcher: UrlMatcher, url: str) -> None:
    assert matcher.match(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.artstation.com/okonkwo",
        "https://www.artstation.com/okonkwo/",
        "http://www.artstation.com/okonkwo/artwork/123",
        "https://artstation.com/okonkwo/albums",
        "https://WWW.ArtStation.com./okonkwo?page=2",
        "https://www.artstation.com:443/okonkwo#top",
        "https://www.artstation.com/%6Fkonkwo/x",
        "https://www.artstation.com/okonkwo\\artwork\\1",
        "https://www.artstation.com/x/../okonkwo/y",
    ],
)
def test_url_prefix_matches_on_normalised_form(matcher: UrlMatcher, url: str) -> None:
    reason = matcher.match(url)
    assert reason is not None and reason.kind == "url_prefix" and reason.rule == PREFIX


@pytest.mark.parametrize(
    "url",
    [
        "https://www.artstation.com/okonkwolindqvist",
        "https://www.artstation.com/okonkwo-fan",
        "https://www.artstation.com/okonkwo.fan/x",
        "https://www.artstation.com/Okonkwo",  # paths are case-sensitive
        "https://www.artstation.com/other/okonkwo",
        "https://www.artstation.com/?u=/okonkwo",
        "https://www.artstation.com/okonkwo/../other",
        "https://cdn.artstation.com/okonkwo",  # only "www." is optional, not any subdomain
        "https://www.artstation.com.evil.net/okonkwo",
        "https://evil.net/https://www.artstation.com/okonkwo",
        "ftp://www.artstation.com/okonkwo",
    ],
)
def test_url_prefix_look_alikes_never_match(matcher: UrlMatcher, url: str) -> None:
    assert matcher.match(url) is None


def test_prefix_with_a_query_needs_that_query(extractor: DomainExtractor) -> None:
    matcher = UrlMatcher(Profile(url_prefixes=("http://gallery.example.org/user.php?id=12",)), extractor)
    assert matcher.match("https://gallery.example.org/user.php?id=12")
    assert matcher.match("https://gallery.example.org/user.php?id=12&page=3")
    assert matcher.match("https://gallery.example.org/user.php?id=123") is None
    assert matcher.match("https://gallery.example.org/user.php?x=1&id=12") is None


def test_prefix_without_scheme_and_with_trailing_slash(extractor: DomainExtractor) -> None:
    matcher = UrlMatcher(Profile(url_prefixes=("deviantart.com/okli/",)), extractor)
    assert matcher.match("https://www.deviantart.com/okli")
    assert matcher.match("https://www.deviantart.com/okli/art/sunrise-123")
    assert matcher.match("https://www.deviantart.com/oklix") is None


def test_non_ascii_prefix_path_equals_its_percent_encoding(extractor: DomainExtractor) -> None:
    matcher = UrlMatcher(Profile(url_prefixes=("https://example.org/künstler/zoë",)), extractor)
    assert matcher.match("https://example.org/k%C3%BCnstler/zo%c3%ab/bild.png")
    assert normalise_path("/k%c3%bcnstler/%7Ezoe/./a") == "/k%C3%BCnstler/~zoe/a"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("okonkwo-lindqvist.art", "okonkwo-lindqvist.art"),
        ("https://WWW.Okonkwo-Lindqvist.Art./about", "okonkwo-lindqvist.art"),
        ("Müller.art", "xn--mller-kva.art"),
        ("www.foo.co.uk", "foo.co.uk"),
        ("blog.example.com", "blog.example.com"),
    ],
)
def test_profile_domains_are_canonicalised(extractor: DomainExtractor, given: str, canonical: str) -> None:
    assert normalise_profile_domain(given, extractor) == canonical


@pytest.mark.parametrize("bad", ["co.uk", "com", "localhost", "", "https://[::1]/", "a b.com"])
def test_unusable_profile_domains_are_refused(extractor: DomainExtractor, bad: str) -> None:
    with pytest.raises(UsageError):
        normalise_profile_domain(bad, extractor)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://okonkwo-lindqvist.art/works/Sunrise%20over%20Lagos.png?w=300#x", "Sunrise over Lagos.png"),
        ("https://okonkwo-lindqvist.art/works/Zo%C3%AB.jpg", "Zoë.jpg"),
        ("https://okonkwo-lindqvist.art/works/", None),
        ("https://okonkwo-lindqvist.art", None),
        ("https://okonkwo-lindqvist.art?x=/a.png", None),
        ("https://example.com\\dir\\file.webp", "file.webp"),
        ("not a url", None),
    ],
)
def test_work_file_name_from_url(url: str, name: str | None) -> None:
    assert work_file_name_from_url(url) == name


_label = st.from_regex(r"[a-z0-9](?:[a-z0-9\-]{0,8}[a-z0-9])?", fullmatch=True)
_tld = st.sampled_from(["com", "net", "art", "co.uk", "evil", "fake.net", "github.io", "xn--p1ai", "jp"])
_host = st.builds(lambda labels, tld: ".".join([*labels, tld]), st.lists(_label, min_size=1, max_size=3), _tld)
_url_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(host=_host, path=_url_text, where=st.sampled_from(["?q={}", "#{}", "/{}/x.jpg", "/x?u=https://{}/"]))
def test_profile_domain_elsewhere_than_the_host_never_matches(
    matcher: UrlMatcher, host: str, path: str, where: str
) -> None:
    """The domain in a query, fragment or path, or as a label inside a foreign host, is never a match."""
    for look_alike in (f"{DOMAIN}.{host}", f"x{DOMAIN}", f"{DOMAIN.replace('.', '-')}.{host}"):
        assert matcher.match(f"https://{look_alike}/{path}") is None
    assert matcher.match(f"https://{host}" + where.format(DOMAIN)) is None
    assert matcher.match(f"https://{DOMAIN}@{host}/{path}") is None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labels=st.lists(_label, max_size=3),
    scheme=st.sampled_from(["http", "https", "HTTPS", "ftp"]),
    path=_url_text,
    dot=st.booleans(),
    port=st.one_of(st.none(), st.integers(1, 65535)),
)
def test_any_subdomain_of_a_profile_domain_matches(
    matcher: UrlMatcher, labels: list[str], scheme: str, path: str, dot: bool, port: int | None
) -> None:
    host = ".".join([*labels, DOMAIN.upper()]) + ("." if dot else "")
    url = f"{scheme}://{host}{f':{port}' if port else ''}/{path}"
    reason = matcher.match(url)
    assert reason is not None and reason.rule == DOMAIN


def test_domain_with_suffix_rules_below_it_matches_its_subdomains(extractor: DomainExtractor) -> None:
    """Under ``*.kawasaki.jp`` a subdomain has its own registrable domain; it is still under the profile domain."""
    matcher = UrlMatcher(Profile(domains=("kawasaki.jp",)), extractor)
    for url in ("https://a.b.kawasaki.jp/x.png", "https://www.city.kawasaki.jp/", "https://kawasaki.jp/"):
        reason = matcher.match(url)
        assert reason is not None and reason.rule == "kawasaki.jp"
    assert matcher.match("https://kawasaki.jp.evil.net/") is None


def test_rules_fingerprint_is_stable_and_tracks_the_rules() -> None:
    rules = PublicSuffixRules.bundled()
    assert rules.fingerprint == PublicSuffixRules.bundled().fingerprint
    assert PublicSuffixRules(sorted(rules.rules)[1:]).fingerprint != rules.fingerprint


def test_empty_profile_matches_nothing(extractor: DomainExtractor) -> None:
    matcher = UrlMatcher(Profile(name="Ada"), extractor)
    assert matcher.match("https://okonkwo-lindqvist.art/") is None
    assert matcher.match_many(["https://a.com/", None]) == [None, None]


@pytest.fixture(scope="module")
def tldextract_reference() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


_RULES = sorted(PublicSuffixRules.bundled().rules)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=st.sampled_from(_RULES), wildcard_label=_label, labels=st.lists(_label, max_size=2))
def test_registrable_domain_agrees_with_tldextract(
    extractor: DomainExtractor,
    tldextract_reference: tldextract.TLDExtract,
    rule: str,
    wildcard_label: str,
    labels: list[str],
) -> None:
    """Our PSL lookup (run once per distinct host) gives tldextract's answer on hosts built from every rule kind."""
    rule = rule.lstrip("!").replace("*", wildcard_label)
    host = ".".join([*labels, rule])
    reference = tldextract_reference.extract_str(host)
    if reference.suffix:
        assert extractor.registrable_domain(host) == reference.top_domain_under_public_suffix
    else:
        assert extractor.registrable_domain(host) == ".".join(host.split(".")[-2:]) if "." in host else ""
