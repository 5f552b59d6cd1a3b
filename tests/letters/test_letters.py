"""Letters and lists rendered from the shipped templates (and a user's overrides), read back as files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.catalogue.matches import Match
from core.datasets.descriptors import Descriptor, builtin_descriptors
from core.errors import UsageError
from core.letters import GeneratedFile, render_letters
from core.profile import Profile

WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
PROFILE = Profile(
    name="Zoë Ångström-Müller",
    aliases=("山田花子",),
    domains=("zoe-art.example",),
    handles=("@zoe",),
    url_prefixes=("https://www.artstation.com/zoe/",),
    email="zoe@zoe-art.example",
)
WORK_IDS = {"orbit.jpg": 1, "launch.webp": 2, "harbour.jpg": 3}
HOSTILE = "{{ 7*7 }} {% raw %} [click](https://evil.example/x) ![img](https://evil.example/i.png) # not a heading"


def _match(match_id: int, dataset: str, row_id: str, kind: str, url: str, work: str | None, **extra: str) -> Match:
    path = f"/home/zoe/Portfolio/{work}" if work else None
    return Match(
        id=match_id, work_id=WORK_IDS[work] if work else None, work_path=path, work_sha256="ab" * 32 if work else None,
        dataset=dataset, row_id=row_id, kind=kind, distance=0 if kind != "text" else None, score=1.0, url=url,
        caption=extra.get("caption", "a caption"), published_hash=None, evidence="found", coverage="full",
        source="local index", found_at="2026-11-26T11:00:00+00:00", status=extra.get("status", "confirmed"),
        note="", decided_at="2026-11-26T12:00:00+00:00",
    )  # fmt: skip


MATCHES = [
    _match(1, "laion2b-en", "4874146979", "url", "https://zoe-art.example/works/orbit.jpg", "orbit.jpg"),
    _match(2, "laion2b-en", "4547183707", "url", "https://www.artstation.com/zoe/artwork/launch.webp", "launch.webp"),
    _match(3, "coyo-700m", "7425706646718", "phash", "https://pbs.twimg.com/media/abc.jpg?v=1", "orbit.jpg"),
    _match(4, "datacomp-small", "8fcc5ec4445f0daaf93bf068a59f7051", "sha256",
           "https://cdn.host.example/a`b|c.jpg", "harbour.jpg", caption=HOSTILE),
    _match(5, "laion2b-en", "4662071012", "text", "https://static.news.example/p/1.jpg", None, caption="by @zoe"),
    _match(6, "laion2b-en", "999", "url", "https://rejected.example/x.jpg", "orbit.jpg", status="rejected"),
]  # fmt: skip
DATASETS: dict[str, Descriptor] = {
    key: builtin_descriptors()[key] for key in ("laion2b-en", "coyo-700m", "datacomp-small")
}
CONFIRMED = [m for m in MATCHES if m.status == "confirmed"]


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("letters")
    files = render_letters(out, PROFILE, MATCHES, DATASETS, WHEN, None)
    assert all(isinstance(item, GeneratedFile) and item.path.parent == out for item in files)
    return {item.path.name: item.path.read_text(encoding="utf-8") for item in files}


def test_each_letter_in_text_and_markdown(letters: dict[str, str]) -> None:
    stems = {
        "reservation-notice", "laion-request", "spawning-do-not-train", "openai-checklist",
        "host-notice-pbs.twimg.com", "host-notice-cdn.host.example", "host-notice-static.news.example",
        "own-uploads-www.artstation.com",  # the artist's own upload page: advice, never a takedown notice
        "dataset-request-coyo-700m", "dataset-request-datacomp-small",
    }  # fmt: skip
    assert set(letters) == {f"{stem}.{fmt}" for stem in stems for fmt in ("txt", "md")}


def test_never_claims_training(letters: dict[str, str]) -> None:
    for name, text in letters.items():
        assert "trained on" not in text.lower(), name


def test_laion_request_lists_sample_ids_and_urls_of_laion_matches_only(letters: dict[str, str]) -> None:
    for name in ("laion-request.txt", "laion-request.md"):
        text = letters[name]
        for match in CONFIRMED:
            if match.dataset == "laion2b-en":
                assert match.row_id in text and match.url and match.url in text
            else:
                assert match.row_id not in text
        assert "999" not in text  # a rejected match is never cited
        assert "LAION-2B-en" in text


def test_spawning_list_is_the_urls_one_per_line(letters: dict[str, str]) -> None:
    lines = letters["spawning-do-not-train.txt"].splitlines()
    assert lines == [(m.url or "").replace("`", "%60").replace("|", "%7C") for m in CONFIRMED]


def test_list_urls_are_percent_encoded(tmp_path: Path) -> None:
    spaced = _match(7, "laion2b-en", "7", "url", "https://zoe-art.example/my works/ä 1.jpg?q=a b", "orbit.jpg")
    render_letters(tmp_path, PROFILE, [spaced], DATASETS, WHEN, None)
    lines = (tmp_path / "spawning-do-not-train.txt").read_text(encoding="utf-8").splitlines()
    assert lines == ["https://zoe-art.example/my%20works/%C3%A4%201.jpg?q=a%20b"]
    assert "my%20works/%C3%A4%201.jpg" in (tmp_path / "spawning-do-not-train.md").read_text(encoding="utf-8")


def test_openai_checklist_has_one_line_per_work(letters: dict[str, str]) -> None:
    for name, marker in (("openai-checklist.txt", "[ ] "), ("openai-checklist.md", "- [ ] ")):
        lines = [line for line in letters[name].splitlines() if line.startswith(marker)]
        assert len(lines) == 3  # orbit.jpg, launch.webp, harbour.jpg (the profile match has no work)
        orbit = next(line for line in lines if "orbit.jpg" in line)
        assert "4874146979" in orbit and "7425706646718" in orbit


def test_host_notices_cover_each_host_of_copies_but_not_the_artists_own(letters: dict[str, str]) -> None:
    assert not any("zoe-art.example" in name for name in letters)
    twitter = letters["host-notice-pbs.twimg.com.txt"]
    assert "https://pbs.twimg.com/media/abc.jpg?v=1" in twitter and "7425706646718" in twitter
    assert "orbit.jpg" in twitter and "/home/zoe" not in twitter


def test_untrusted_text_is_data_not_template_or_markup(letters: dict[str, str], tmp_path: Path) -> None:
    text_file = letters["host-notice-cdn.host.example.txt"]
    assert "https://cdn.host.example/a`b|c.jpg" in text_file
    markdown = letters["host-notice-cdn.host.example.md"]
    assert "`https://cdn.host.example/a%60b%7Cc.jpg`" in markdown  # the code span cannot be closed early
    # a caption is never compiled: put it where templates print it and look for it verbatim
    (tmp_path / "reservation-notice.txt.j2").write_text("{% for l in listings %}{{ l.caption }}\n{% endfor %}")
    (tmp_path / "reservation-notice.md.j2").write_text("{% for l in listings %}{{ l.caption }}\n{% endfor %}")
    out = tmp_path / "out"
    render_letters(out, PROFILE, CONFIRMED, DATASETS, WHEN, tmp_path)
    assert HOSTILE in (out / "reservation-notice.txt").read_text(encoding="utf-8")
    md = (out / "reservation-notice.md").read_text(encoding="utf-8")
    assert "49" not in md and r"\[click\]" in md and r"\!\[img\]" in md and r"\# not a heading" in md


def test_user_templates_override_the_shipped_ones(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "laion-request.txt.j2").write_text(
        "MY OWN LETTER for {{ artist.name }}\n{% for g in laion_datasets %}{% for l in g.listings %}"
        "{{ l.row_id }}\n{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    files = render_letters(tmp_path / "out", PROFILE, CONFIRMED, DATASETS, WHEN, templates)
    own = next(f for f in files if f.letter == "laion-request" and f.format == "txt")
    assert own.template == templates / "laion-request.txt.j2"
    assert own.path.read_text(encoding="utf-8").startswith("MY OWN LETTER for Zoë Ångström-Müller")
    shipped = next(f for f in files if f.letter == "laion-request" and f.format == "md")
    assert shipped.template is not None and shipped.template.parent.name == "letters"


def test_broken_or_unsafe_user_templates_are_clear_errors(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "reservation-notice.txt.j2").write_text("{{ artist.nmae }}", encoding="utf-8")
    with pytest.raises(UsageError, match="reservation-notice.txt.j2"):
        render_letters(tmp_path / "a", PROFILE, CONFIRMED, DATASETS, WHEN, templates)
    (templates / "reservation-notice.txt.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(UsageError, match="unsafe|__class__"):
        render_letters(tmp_path / "b", PROFILE, CONFIRMED, DATASETS, WHEN, templates)
    (templates / "reservation-notice.txt.j2").write_text("{% for %}")
    with pytest.raises(UsageError, match="line 1"):
        render_letters(tmp_path / "c", PROFILE, CONFIRMED, DATASETS, WHEN, templates)


def test_only_the_reservation_notice_without_matches(tmp_path: Path) -> None:
    files = render_letters(tmp_path, PROFILE, [], DATASETS, WHEN, None)
    assert sorted(f.path.name for f in files) == ["reservation-notice.md", "reservation-notice.txt"]
    assert "Facts" not in files[0].path.read_text(encoding="utf-8")


def test_an_empty_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="profile is empty"):
        render_letters(tmp_path, Profile(), CONFIRMED, DATASETS, WHEN, None)


def test_a_refused_shared_host_in_an_older_profile_still_gets_a_host_notice(tmp_path: Path) -> None:
    # pinterest.com kept from a profile older than the shared-host rule is not the artist's site: the copy there
    # is named in a notice to that host, not skipped as "your own domain".
    older = Profile(name="Zoë Ångström-Müller", domains=("pinterest.com", "zoe-art.example"))
    pinned = _match(7, "coyo-700m", "1", "phash", "https://www.pinterest.com/pin/42/orbit.jpg", "orbit.jpg")
    own = MATCHES[0]  # on zoe-art.example: still the artist's own, no letter to themself
    names = {item.path.name for item in render_letters(tmp_path, older, [pinned, own], DATASETS, WHEN, None)}
    assert "host-notice-www.pinterest.com.txt" in names
    assert not any("zoe-art.example" in name for name in names)
