"""The shipped, dated AI crawler list and its loader."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from core.errors import TrainTraceError
from core.optout.crawlers import CrawlerList, load_crawler_list

# FACTS.md section 5: the tokens the team verified; every one must stay on the list.
FACTS_TOKENS = (
    "GPTBot", "ChatGPT-User", "OAI-SearchBot", "CCBot", "Google-Extended", "GoogleOther", "anthropic-ai", "ClaudeBot",
    "Applebot-Extended", "Bytespider", "PerplexityBot", "Meta-ExternalAgent", "FacebookBot", "cohere-ai", "Amazonbot",
    "Diffbot", "ImagesiftBot", "Timpibot", "YouBot", "AI2Bot", "PetalBot", "omgili", "img2dataset",
)  # fmt: skip


def test_shipped_list_is_dated_sourced_and_complete(crawler_list: CrawlerList) -> None:
    assert crawler_list.list_date == date(2026, 11, 26)
    assert set(FACTS_TOKENS) <= set(crawler_list.tokens)
    community = next(source for source in crawler_list.sources if source.id == "ai.robots.txt")
    assert len(community.revision) == 40 and community.revision in community.url
    assert len(crawler_list.tokens) > 100
    excluded = {item.token.lower() for item in crawler_list.excluded}
    assert "applebot" in excluded and not excluded & {token.lower() for token in crawler_list.tokens}
    assert all(item.reason for item in crawler_list.excluded)


def _write(tmp_path: Path, **changes: object) -> Path:
    shipped = Path(__file__).resolve().parents[2] / "resources" / "optout" / "ai_crawlers.json"
    data = json.loads(shipped.read_text())
    data.update(changes)
    path = tmp_path / "list.json"
    path.write_text(json.dumps(data))
    return path


def test_user_updated_copy_is_loaded(tmp_path: Path) -> None:
    path = _write(tmp_path, list_date="2027-01-15", tokens=[{"token": "NewBot", "sources": ["x"]}])
    updated = load_crawler_list(path)
    assert updated.list_date == date(2027, 1, 15) and updated.tokens == ("NewBot",)


@pytest.mark.parametrize(
    "changes",
    [
        {"tokens": [{"token": "Evil\nUser-agent: *"}]},
        {"tokens": [{"token": "GPTBot"}, {"token": "gptbot"}]},
        {"tokens": []},
        {"format": 2},
        {"list_date": "yesterday"},
        {"sources": [{"id": "x"}]},
    ],
)
def test_malformed_list_is_refused_with_a_message(tmp_path: Path, changes: dict[str, object]) -> None:
    with pytest.raises(TrainTraceError, match="crawler list"):
        load_crawler_list(_write(tmp_path, **changes))


def test_unreadable_list_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(TrainTraceError, match="cannot be read"):
        load_crawler_list(tmp_path / "broken.json")
    with pytest.raises(TrainTraceError):
        load_crawler_list(tmp_path / "absent.json")
