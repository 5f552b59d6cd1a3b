"""What a source sends on every check, accepted once and asked again when it changes (issue 11, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import TrainTrace
from core.errors import UsageError
from core.paths import AppPaths
from core.profile import Profile
from core.settings import AcceptedPreview, Settings
from core.sources.consent import PROBE_PHASH, PROBE_URL, fingerprint

DATASETTE = {"url": "https://datasette.example.org/", "table": "laion/rows"}


@pytest.fixture
def app(tmp_path: Path) -> TrainTrace:
    facade = TrainTrace.open(AppPaths.resolve(tmp_path / "home"))
    facade.set_profile(Profile(name="Ada Okonkwo-Lindqvist", handles=("@ada.ok",), domains=("ada.example",)))
    facade.configure_source("datasette", DATASETTE)
    return facade


def test_a_source_set_to_be_asked_is_not_asked_until_its_preview_is_accepted(app: TrainTrace) -> None:
    app.set_auto_sources(["datasette"])
    assert app.auto_sources() == []
    (pending,) = app.pending_consents()
    assert pending.source_id == "datasette" and pending.state == "never accepted"
    assert any("_search=Ada+Okonkwo-Lindqvist" in line for line in pending.shape)
    assert any("url__like=%25ada.example%25" in line for line in pending.shape)
    app.accept_source_preview("datasette", pending.fingerprint)
    assert app.auto_sources() == ["datasette"] and app.pending_consents() == []
    again = TrainTrace.open(app.paths)  # the acceptance is in the settings file
    assert again.settings.accepted_previews["datasette"].fingerprint == pending.fingerprint
    assert again.auto_sources() == ["datasette"]
    again.close()
    app.close()


def test_a_change_of_what_would_be_sent_asks_again_and_says_what_changed(app: TrainTrace) -> None:
    consent = app.source_consent("datasette")
    app.accept_source_preview("datasette", consent.fingerprint)
    app.set_auto_sources(["datasette"])
    app.set_profile(Profile(name="Ada Okonkwo-Lindqvist", handles=("@ada.ok", "@ada.paints"), domains=("ada.example",)))
    assert app.auto_sources() == []
    (changed,) = app.pending_consents()
    assert changed.state == "changed"
    removed, added = changed.changes()
    assert removed == [] and len(added) == 1 and "%40ada.paints" in added[0]
    with pytest.raises(UsageError, match="changed since the preview"):
        app.accept_source_preview("datasette", consent.fingerprint)  # the old preview no longer holds
    app.accept_source_preview("datasette", changed.fingerprint)
    assert app.auto_sources() == ["datasette"]
    app.configure_source("datasette", {"url": "https://other.example.org/"})  # another address: asked again
    assert app.auto_sources() == [] and app.pending_consents()[0].state == "changed"
    app.close()


def test_the_shape_names_placeholders_never_a_checks_own_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAINTRACE_SPAWNING_TOKEN", "key-123")
    app = TrainTrace.open(AppPaths.resolve(tmp_path / "home"))
    consent = app.source_consent("spawning")
    text = "\n".join(consent.shape)
    assert "<dataset URL of a match>" in text and PROBE_URL not in text and "key-123" not in text
    assert "Authorization: API <your key>" in text
    assert consent.fingerprint == fingerprint("spawning", consent.shape)
    assert PROBE_PHASH not in text
    app.close()


def test_accepted_previews_round_trip_and_a_broken_entry_is_named(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    settings = Settings(accepted_previews={"spawning": AcceptedPreview("ab" * 32, "2026-11-26T12:00:00+00:00",
                                                                         ("POST https://x/ (check)",))})  # fmt: skip
    settings.save(file)
    assert Settings.load(file).accepted_previews == settings.accepted_previews
    file.write_text("[accepted_previews.spawning]\nfingerprint = 3\n")
    with pytest.raises(Exception, match="accepted_previews.spawning"):
        Settings.load(file)


def test_new_works_and_matches_do_not_ask_again(app: TrainTrace, tmp_path: Path) -> None:
    from tests.imagefactory import pattern, save

    before = app.source_consent("datasette")
    app.accept_source_preview("datasette", before.fingerprint)
    app.set_auto_sources(["datasette"])
    save(pattern(64, 48, seed=3), tmp_path / "works" / "new.png")
    app.scan([tmp_path / "works"])
    assert app.source_consent("datasette").fingerprint == before.fingerprint
    assert app.auto_sources() == ["datasette"]
    app.close()
