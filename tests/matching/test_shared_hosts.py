"""Shared hosting platforms: the shipped list is dated and sourced, its bare domains and site-wide addresses are
refused, the artist's own page or subdomain there is not, and the URL prefilter never searches a refused entry."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core.matching.prefilter import ProfilePrefilter
from core.matching.shared_hosts import domain_refusal, prefix_refusal, private_suffixes, shared_hosts
from core.matching.urls import DomainExtractor, UrlMatcher, UrlPrefix
from core.profile import Profile
from core.resources import resource_path

EXTRACTOR = DomainExtractor()
# the platforms the issue names, by a domain of theirs
NAMED = ["artstation.com", "deviantart.com", "pinterest.com", "instagram.com", "behance.net", "tumblr.com",
         "flickr.com", "etsy.com", "x.com", "twitter.com", "facebook.com", "squarespace.com", "wixsite.com",
         "imgur.com", "cargo.site", "pinimg.com", "twimg.com"]  # fmt: skip


def test_the_list_is_dated_sourced_and_covers_the_named_platforms() -> None:
    data = json.loads(resource_path("matching", "shared_hosts.json").read_text(encoding="utf-8"))
    assert date.fromisoformat(data["list_date"]) <= date.today()
    assert data["sources"] and all(source["url"].startswith("https://") for source in data["sources"])
    listed = {domain for platform in shared_hosts().platforms for domain in platform.domains}
    assert set(NAMED) <= listed
    assert shared_hosts().list_date == data["list_date"]


@pytest.mark.parametrize("platform", shared_hosts().platforms, ids=lambda platform: platform.name)
def test_every_platform_refuses_its_bare_domain_and_accepts_its_example_page(platform: object) -> None:
    from core.matching.shared_hosts import Platform

    assert isinstance(platform, Platform)
    for domain in platform.domains:
        refused = domain_refusal(domain)
        assert refused is not None and platform.example in refused[0] and refused[1] == platform.example
        assert prefix_refusal(domain, "") is not None
        if platform.user_subdomains:
            assert domain_refusal("adaok." + domain) is None
            assert prefix_refusal("adaok." + domain, "") is None
    example = UrlPrefix.parse(platform.example.replace("NAME", "adaok").replace("ID", "123456").replace("SITE", "s"))
    assert prefix_refusal(example.host, example.path) is None  # what the refusal asks for is accepted


@pytest.mark.parametrize(
    ("domain", "refused"),
    [
        ("artstation.com", True),
        ("www.artstation.com", True),
        ("cdna.artstation.com", True),  # the platform's own subdomain
        ("adaok.artstation.com", False),  # the artist's own site there
        ("i.pinimg.com", True),
        ("pbs.twimg.com", True),
        ("64.media.tumblr.com", True),
        ("adaok.tumblr.com", False),
        ("github.io", True),  # the Public Suffix List's private section
        ("adaok.github.io", False),
        ("netlify.app", True),
        ("okonkwo-lindqvist.art", False),
        ("artstation.com.okonkwo-lindqvist.art", False),
    ],
)
def test_profile_domains(domain: str, refused: bool) -> None:
    matcher = UrlMatcher(Profile(domains=(domain,)), EXTRACTOR)
    assert bool(matcher.refusals) is refused
    assert bool(matcher.domains) is not refused
    if refused:
        assert matcher.refusals[0].field == "domains" and matcher.refusals[0].value == domain


@pytest.mark.parametrize(
    ("prefix", "refused"),
    [
        ("https://www.artstation.com/", True),
        ("https://www.artstation.com", True),
        ("artstation.com", True),
        ("https://www.artstation.com/artwork", True),  # a site-wide section
        ("https://www.artstation.com/artwork/", True),
        ("https://www.artstation.com/adaok", False),
        ("https://www.artstation.com/artwork/Ab12Cd", False),  # one artwork: not a flood
        ("https://www.flickr.com/photos/", True),
        ("https://www.flickr.com/photos/adaok/", False),
        ("https://www.pinterest.com/adaok/", False),
        ("https://www.pinterest.com/pin/", True),
        ("https://i.pinimg.com/736x/", True),  # an image host: no address there names the uploader
        ("https://i.pinimg.com/736x/ab/cd/ef.jpg", True),
        ("https://www.instagram.com/p/", True),
        ("https://www.instagram.com/adaok/", False),
        ("https://adaok.tumblr.com/", False),
        ("https://github.io/", True),
        ("https://adaok.github.io/", False),
        ("https://okonkwo-lindqvist.art/", False),
    ],
)
def test_upload_url_prefixes(prefix: str, refused: bool) -> None:
    matcher = UrlMatcher(Profile(url_prefixes=(prefix,)), EXTRACTOR)
    assert bool(matcher.refusals) is refused
    assert bool(matcher.prefixes) is not refused


def test_refused_entries_are_never_searched() -> None:
    profile = Profile(domains=("artstation.com", "pinterest.com"), url_prefixes=("https://www.artstation.com/",))
    prefilter = ProfilePrefilter(profile, extractor=EXTRACTOR)
    urls = ["https://www.artstation.com/artwork/x", "https://cdna.artstation.com/p/1.jpg", "https://pinterest.com/x"]
    assert not prefilter.active
    assert prefilter.url_candidates(urls).tolist() == []
    assert [prefilter.url_matcher.match(url) for url in urls] == [None, None, None]


def test_malformed_entries_still_raise() -> None:
    from core.errors import UsageError

    with pytest.raises(UsageError, match="public suffix"):
        UrlMatcher(Profile(domains=("co.uk",)), EXTRACTOR)
    assert "github.io" in private_suffixes() and "com" not in private_suffixes()
