"""Site files: written as promised, and read back by independent readers (Protego, urllib.robotparser)."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from urllib.robotparser import RobotFileParser

import pytest
from protego import Protego

from core.errors import UsageError
from core.optout.crawlers import CrawlerList
from core.optout.site_files import generate_site_files
from core.profile import Profile

PROFILE = Profile(name="Ada Okonkwo-Lindqvist", domains=("okonkwo-lindqvist.art",))
POLICY = "https://okonkwo-lindqvist.art/licensing"
# Crawlers of ordinary search engines and link previews: a generated robots.txt must leave them alone.
ORDINARY_CRAWLERS = (
    "Googlebot", "Googlebot-Image", "Bingbot", "Baiduspider", "YandexBot", "YandexImages", "DuckDuckBot", "Slurp",
    "Applebot", "facebookexternalhit", "Twitterbot", "LinkedInBot", "Pinterestbot", "SomeOtherBot", "*",
)  # fmt: skip
EXPECTED_FILES = [
    "robots.txt",
    "ai.txt",
    ".well-known/tdmrep.json",
    "server-config/nginx-headers.conf",
    "server-config/apache.htaccess",
    "server-config/caddy-headers.caddy",
    "server-config/_headers",
    "html/meta-tags.html",
    "README.md",
]


def _generate(out: Path, crawlers: CrawlerList, policy: str | None = POLICY, profile: Profile = PROFILE) -> Path:
    generate_site_files(out, profile, tdm_policy_url=policy, crawlers=crawlers)
    return out


def _robotparser(text: str) -> RobotFileParser:
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    return parser


def test_every_file_written_public_with_its_hash(tmp_path: Path, crawler_list: CrawlerList) -> None:
    written = generate_site_files(tmp_path, PROFILE, tdm_policy_url=POLICY, crawlers=crawler_list)
    assert [item.relative_path for item in written] == EXPECTED_FILES
    for item in written:
        path = tmp_path / item.relative_path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item.sha256
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_same_inputs_give_the_same_bytes(tmp_path: Path, crawler_list: CrawlerList) -> None:
    first = generate_site_files(tmp_path / "a", PROFILE, tdm_policy_url=POLICY, crawlers=crawler_list)
    second = generate_site_files(tmp_path / "b", PROFILE, tdm_policy_url=POLICY, crawlers=crawler_list)
    assert first == second
    robots = (tmp_path / "a" / "robots.txt").read_text()
    assert f"dated {crawler_list.list_date.isoformat()}" in robots
    assert crawler_list.sources[1].revision[:12] in robots


def test_robots_txt_blocks_every_ai_token_for_protego_and_robotparser(
    tmp_path: Path, crawler_list: CrawlerList
) -> None:
    text = (_generate(tmp_path, crawler_list) / "robots.txt").read_text()
    protego, robotparser = Protego.parse(text), _robotparser(text)
    for token in crawler_list.tokens:
        for url in ("https://okonkwo-lindqvist.art/", "https://okonkwo-lindqvist.art/works/sea.jpg"):
            assert not protego.can_fetch(url, token), token
            assert not robotparser.can_fetch(token, url), token
    assert text.count("User-agent:") == len(crawler_list.tokens)


@pytest.mark.parametrize("crawler", ORDINARY_CRAWLERS)
def test_robots_txt_leaves_ordinary_crawlers_alone(tmp_path: Path, crawler_list: CrawlerList, crawler: str) -> None:
    text = (_generate(tmp_path, crawler_list) / "robots.txt").read_text()
    url = "https://okonkwo-lindqvist.art/works/sea.jpg"
    assert Protego.parse(text).can_fetch(url, crawler)
    assert _robotparser(text).can_fetch(crawler, url)


def test_profile_text_cannot_inject_robots_directives(tmp_path: Path, crawler_list: CrawlerList) -> None:
    hostile = Profile(name="Ada\nUser-agent: Googlebot\nDisallow: /", domains=("a.art\nDisallow: /",))
    out = _generate(tmp_path, crawler_list, profile=hostile)
    text = (out / "robots.txt").read_text()
    assert Protego.parse(text).can_fetch("https://a.art/", "Googlebot")
    assert _robotparser(text).can_fetch("Googlebot", "https://a.art/")
    assert "\nDisallow: /\n" not in (out / "ai.txt").read_text().split("User-Agent: *")[0]


def test_ai_txt_reserves_media_and_whole_site(tmp_path: Path, crawler_list: CrawlerList) -> None:
    text = (_generate(tmp_path, crawler_list) / "ai.txt").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "User-Agent: *"
    assert {"Disallow: *.jpg", "Disallow: *.png", "Disallow: *.webp", "Disallow: /"} <= set(lines)
    assert not Protego.parse(text).can_fetch("https://okonkwo-lindqvist.art/a/b.png", "AnyAI")


def test_tdmrep_json_with_and_without_policy(tmp_path: Path, crawler_list: CrawlerList) -> None:
    with_policy = json.loads((_generate(tmp_path / "p", crawler_list) / ".well-known/tdmrep.json").read_text())
    assert with_policy == [{"location": "/", "tdm-reservation": 1, "tdm-policy": POLICY}]
    without = json.loads((_generate(tmp_path / "n", crawler_list, None) / ".well-known/tdmrep.json").read_text())
    assert without == [{"location": "/", "tdm-reservation": 1}]
    assert "tdm-policy" not in (tmp_path / "n" / "server-config" / "_headers").read_text()


def test_header_snippets_carry_the_reservation(tmp_path: Path, crawler_list: CrawlerList) -> None:
    config = _generate(tmp_path, crawler_list) / "server-config"
    nginx = (config / "nginx-headers.conf").read_text()
    assert 'add_header X-Robots-Tag "noai, noimageai" always;' in nginx
    assert 'add_header tdm-reservation "1" always;' in nginx
    assert f'add_header tdm-policy "{POLICY}" always;' in nginx
    apache = (config / "apache.htaccess").read_text()
    assert '    Header always set X-Robots-Tag "noai, noimageai"' in apache
    assert apache.count("<IfModule mod_headers.c>") == 1 and apache.rstrip().endswith("</IfModule>")
    caddy = (config / "caddy-headers.caddy").read_text()
    assert '    tdm-reservation "1"' in caddy and caddy.rstrip().endswith("}")
    pages = (config / "_headers").read_text().splitlines()
    assert pages[1:] == ["/*", "  X-Robots-Tag: noai, noimageai", "  tdm-reservation: 1", f"  tdm-policy: {POLICY}"]


def test_pages_headers_pass_datadiligence(tmp_path: Path, crawler_list: CrawlerList) -> None:
    datadiligence = pytest.importorskip("datadiligence")
    lines = (_generate(tmp_path, crawler_list) / "server-config" / "_headers").read_text().splitlines()
    headers = dict(line.strip().split(": ", 1) for line in lines if line.startswith("  "))
    evaluator = datadiligence.HttpEvaluator()
    assert evaluator.is_allowed(headers={"Content-Type": "image/png"}) is True  # the evaluator works offline
    assert evaluator.is_allowed(headers=headers) is False


def test_meta_tags_and_readme(tmp_path: Path, crawler_list: CrawlerList) -> None:
    out = _generate(tmp_path, crawler_list)
    meta = (out / "html" / "meta-tags.html").read_text()
    assert '<meta name="robots" content="noai, noimageai">' in meta
    assert '<meta name="tdm-reservation" content="1">' in meta
    readme = (out / "README.md").read_text()
    assert "Ada Okonkwo-Lindqvist" in readme and "https://okonkwo-lindqvist.art/.well-known/tdmrep.json" in readme
    for name in EXPECTED_FILES[:-1]:
        assert Path(name).name in readme, name
    assert POLICY in readme and "$" not in readme


@pytest.mark.parametrize(
    "bad", ['https://a.art/x" always; add_header Evil "1', "javascript:alert(1)", "https://a.art/\nX: y", "ftp://a"]
)
def test_unsafe_policy_url_refused(tmp_path: Path, crawler_list: CrawlerList, bad: str) -> None:
    with pytest.raises(UsageError):
        generate_site_files(tmp_path, PROFILE, tdm_policy_url=bad, crawlers=crawler_list)
    assert not list(tmp_path.iterdir())


def test_readme_never_calls_a_shared_host_the_artists_site(tmp_path: Path, crawler_list: CrawlerList) -> None:
    # A profile stored before shared hosts were refused still holds pinterest.com first: the files go on the
    # artist's own site, the first domain matching accepts.
    older = Profile(name="Ada Okonkwo-Lindqvist", domains=("pinterest.com", "okonkwo-lindqvist.art"))
    readme = (_generate(tmp_path, crawler_list, profile=older) / "README.md").read_text()
    assert "https://okonkwo-lindqvist.art/.well-known/tdmrep.json" in readme
    assert "pinterest.com" not in readme
