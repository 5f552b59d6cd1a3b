"""Verdicts on individual signals, including the forms real sites send."""

from __future__ import annotations

import pytest

from core.optout.crawlers import CrawlerList
from core.optout.site_signals import (
    Signal,
    Status,
    judge_ai_txt,
    judge_meta_tags,
    judge_robots_header,
    judge_robots_txt,
    judge_tdm_header,
    judge_tdmrep_json,
    parse_x_robots_tag,
)

URL = "https://a.art/x"


@pytest.mark.parametrize(
    ("values", "status"),
    [
        (["noai, noimageai"], Status.PRESENT),
        (["NoImageAI"], Status.PRESENT),
        (["img2dataset: noai"], Status.PRESENT),
        (["googlebot: noindex", "img2dataset: noimageai"], Status.PRESENT),
        (["otherbot: noai"], Status.WRONG),
        (["noindex"], Status.WRONG),
        (["none"], Status.WRONG),
        (["unavailable_after: 2030-01-01, nofollow"], Status.WRONG),
        ([], Status.MISSING),
    ],
)
def test_x_robots_tag_forms(values: list[str], status: Status) -> None:
    assert judge_robots_header(Signal.IMAGE_ROBOTS_HEADER, URL, values).status is status


def test_x_robots_tag_agent_scoping() -> None:
    parsed = parse_x_robots_tag(["noarchive, img2dataset: noai, noimageai", "unavailable_after: 2030-01-01"])
    assert parsed == {None: {"noarchive", "unavailable_after: 2030-01-01"}, "img2dataset": {"noai", "noimageai"}}
    only_for_img2dataset = judge_robots_header(Signal.IMAGE_ROBOTS_HEADER, URL, ["img2dataset: noai"])
    assert "only to img2dataset" in only_for_img2dataset.explanation


@pytest.mark.parametrize(
    ("value", "status"), [("1", Status.PRESENT), (" 1 ", Status.PRESENT), ("0", Status.WRONG), (None, Status.MISSING)]
)
def test_tdm_header(value: str | None, status: Status) -> None:
    assert judge_tdm_header(Signal.PAGE_TDM_HEADER, URL, value, None).status is status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('[{"location": "/", "tdm-reservation": 1}]', Status.PRESENT),
        ('[{"location": "/*", "tdm-reservation": 1, "tdm-policy": "https://a.art/p"}]', Status.PRESENT),
        ('[{"location": "/blog/*", "tdm-reservation": 1}]', Status.WRONG),
        ('[{"location": "/", "tdm-reservation": 0}]', Status.WRONG),
        ('[{"location": "/", "tdm-reservation": true}]', Status.WRONG),
        ('[{"location": "/*.jpg$", "tdm-reservation": 0}, {"location": "/", "tdm-reservation": 1}]', Status.WRONG),
        ('{"location": "/", "tdm-reservation": 1}', Status.WRONG),
        ("not json", Status.WRONG),
    ],
)
def test_tdmrep_json(text: str, status: Status) -> None:
    assert judge_tdmrep_json(URL, text).status is status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("User-Agent: *\nDisallow: /\n", Status.PRESENT),
        ("# c\nUser-Agent: *\nDisallow: *.jpg\nDisallow: *.jpeg\nDisallow: *.png\nDisallow: *.webp\n"
         "Disallow: *.gif\n", Status.PRESENT),
        ("User-Agent: *\nDisallow: *.txt\n", Status.WRONG),
        ("User-Agent: SomeBot\nDisallow: /\n\nUser-Agent: *\nAllow: /\n", Status.WRONG),
    ],
)  # fmt: skip
def test_ai_txt(text: str, status: Status) -> None:
    assert judge_ai_txt(URL, text).status is status


def test_robots_txt_that_blocks_everyone_mentions_search_engines(crawler_list: CrawlerList) -> None:
    result = judge_robots_txt(URL, "User-agent: *\nDisallow: /\n", crawler_list)
    assert result.status is Status.PRESENT and "search engines" in result.explanation
    empty = judge_robots_txt(URL, "", crawler_list)
    assert empty.status is Status.MISSING and len(empty.details) == len(crawler_list.tokens)


def test_meta_tags_parsed_never_rendered() -> None:
    html = (
        "<html><head><script>document.write('<meta name=robots content=noai>')</script>"
        '<META NAME="Robots" CONTENT="noimageai, nofollow"/><meta name="tdm-reservation" content="0">'
    )
    robots, tdm = judge_meta_tags(URL, html)
    assert robots.status is Status.PRESENT and "noimageai" in robots.explanation and "noai," not in robots.explanation
    assert tdm.status is Status.WRONG
    scripted_only = judge_meta_tags(URL, '<script>var s=\'<meta name="robots" content="noai">\';</script>')
    assert [result.status for result in scripted_only] == [Status.MISSING, Status.MISSING]
    broken = judge_meta_tags(URL, '<meta name="robots" content="noai"><![bogus section <meta name="x">')
    assert broken[0].status is Status.PRESENT
    plain = judge_meta_tags(URL, '<meta name="robots" content="index, follow">')
    assert plain[0].status is Status.WRONG
