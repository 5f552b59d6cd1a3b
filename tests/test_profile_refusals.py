"""Floods a new user can cause are refused with the reason (facade, command line); a profile stored before the rules
keeps working: matching skips its refused entries and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import TrainTrace
from core.batch.hashlist import public_profile, read_hash_lists, write_hash_list
from core.cli.main import main
from core.errors import UsageError
from core.matching.profile_rules import notes, usable
from core.paths import AppPaths
from core.profile import Profile
from core.resources import sample_datasets
from core.sources.service import build_query

GOOD = Profile(
    name="Ada Okonkwo-Lindqvist",
    domains=("okonkwo-lindqvist.art",),
    url_prefixes=("https://www.artstation.com/adaok/",),
    handles=("@ada.ok",),
)
FLOODS = Profile(
    name="Ada Okonkwo-Lindqvist",
    aliases=("a", "the", "Studio Okonkwo-Lindqvist"),
    domains=("okonkwo-lindqvist.art", "artstation.com", "www.pinterest.com"),
    url_prefixes=("https://www.artstation.com/", "https://www.artstation.com/adaok/", "https://i.pinimg.com/736x"),
)


def _cli(home: Path, *args: str) -> int:
    return main(["--data-dir", str(home), *args])


def test_new_flooding_entries_are_refused_with_the_reason(tmp_path: Path) -> None:
    with TrainTrace.open(AppPaths.resolve(tmp_path)) as app:
        with pytest.raises(UsageError) as refused:
            app.set_profile(FLOODS)
        message = str(refused.value)
        for entry in ("\u201ca\u201d", "\u201cthe\u201d", "artstation.com", "www.pinterest.com", "i.pinimg.com/736x"):
            assert entry in message, entry
        assert "too short" in message and "common word" in message
        assert "ArtStation, shared by everyone who uploads there" in message
        assert "https://www.artstation.com/NAME" in message and "https://www.pinterest.com/NAME/" in message
        assert "Studio Okonkwo-Lindqvist" not in message and "adaok" not in message  # the good ones pass
        assert app.profile() == Profile()  # nothing was stored
        assert app.set_profile(GOOD) == app.profile() == GOOD


def test_the_command_line_names_the_option_to_use_instead(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(tmp_path, "profile", "set", "--name", "Ada Okafor", "--alias", "the", "--domain", "artstation.com") == 2
    error = " ".join(capsys.readouterr().err.split())
    assert "--alias 'the': a common word" in error
    assert "--domain 'artstation.com': artstation.com is ArtStation" in error
    assert "(--url-prefix https://www.artstation.com/NAME)" in error
    assert _cli(tmp_path, "profile", "set", "--name", "Ada Okafor", "--url-prefix", "https://www.artstation.com/ada",
                "--title", "Blue Harbour") == 0  # fmt: skip
    shown = capsys.readouterr().out
    assert "https://www.artstation.com/ada" in shown and "Blue Harbour" in shown and "not used" not in shown


def test_a_stored_profile_older_than_the_rules_keeps_working_and_says_what_it_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = AppPaths.resolve(tmp_path)
    with TrainTrace.open(paths) as app:
        app._profiles.save(FLOODS)  # as an older version stored it, before these rules
        assert app.profile() == FLOODS
        skipped = notes(app.profile())
        assert len(skipped) == 6 and all(line.startswith("not used for matching: ") for line in skipped)
        # saving it again (another e-mail) keeps the old entries; a new refused one is still refused
        app.set_profile(Profile(**{**FLOODS.__dict__, "email": "studio@okonkwo-lindqvist.art"}))
        with pytest.raises(UsageError, match="pinterest.com"):
            app.set_profile(Profile(**{**FLOODS.__dict__, "domains": (*FLOODS.domains, "pinterest.com")}))
        dataset_id, schema, file = sample_datasets()[2]
        app.add_dataset(dataset_id, schema=schema, sources=[str(file)])
        assert app.run_matching().profile_notes == skipped
        found = app.matches()
    with TrainTrace.open(AppPaths.resolve(tmp_path / "good")) as app:
        app.set_profile(usable(FLOODS))  # the same profile without its refused entries
        app.add_dataset(dataset_id, schema=schema, sources=[str(file)])
        expected = app.matches()
    assert sorted((m.row_id, m.kind) for m in found) == sorted((m.row_id, m.kind) for m in expected)  # no flood
    assert _cli(tmp_path, "profile", "show") == 0
    shown = " ".join(capsys.readouterr().out.split())  # as printed, unwrapped
    assert "not used for matching: other name \u201cthe\u201d" in shown
    assert "not used for matching: domain \u201cartstation.com\u201d" in shown
    assert _cli(tmp_path, "match") == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "not used for matching: upload location (URL prefix) \u201chttps://i.pinimg.com/736x\u201d" in printed


def test_remote_sources_are_not_asked_about_refused_entries() -> None:
    query = build_query([], FLOODS, [], [])
    assert query.profile == usable(FLOODS)
    assert query.profile.aliases == ("Studio Okonkwo-Lindqvist",)
    assert query.profile.domains == ("okonkwo-lindqvist.art",)
    assert query.profile.url_prefixes == ("https://www.artstation.com/adaok/",)
    assert usable(GOOD) is GOOD


def test_hash_lists_carry_the_work_titles(tmp_path: Path) -> None:
    from core.batch.hashlist import HashList

    profile = Profile(name="Ada Okafor", email="a@example.org", titles=("Blue Harbour",))
    write_hash_list(tmp_path / "ada.parquet", HashList("ada", public_profile(profile), ()))
    (read,) = read_hash_lists([tmp_path / "ada.parquet"])
    assert read.profile == Profile(name="Ada Okafor", titles=("Blue Harbour",))  # the e-mail stays home
