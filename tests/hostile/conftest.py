"""Shared pieces of the hostile-input tests: the CLI run in-process, a catalogue with chosen matches, and the
recording loopback server of the network tests."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import pytest

from core.app import TrainTrace
from core.catalogue.db import open_database
from core.catalogue.matches import FoundMatch, MatchRepository
from core.cli.main import main
from core.paths import AppPaths
from tests.net.servers import _recording_server, server  # noqa: F401 - fixtures


def cli(home: Path, *args: str | Path) -> int:
    return main(["--data-dir", str(home), *map(str, args)])


def url_match(url: str, caption: str = "a caption", row_id: str = "4242", dataset: str = "laion-sample") -> FoundMatch:
    return FoundMatch(None, dataset, row_id, "url", None, 0.9, url, caption, None, "URL on the artist's domain",
                      "full", "local index")  # fmt: skip


def catalogue_with(home: Path, matches: Iterable[FoundMatch], *, confirm: bool = True) -> None:
    """A profile and these matches in the catalogue at `home` (confirmed by the artist unless told otherwise)."""
    assert cli(home, "profile", "set", "--name", "Ada Lindqvist", "--domain", "ada-paints.art") == 0
    db = open_database(AppPaths.resolve(home).catalogue_file)
    MatchRepository(db).record(list(matches), "2026-11-26T00:00:00+00:00")
    ids = [row[0] for row in db.execute("SELECT id FROM match ORDER BY id")]
    db.close()
    if confirm:
        assert cli(home, "matches", "confirm", *map(str, ids)) == 0


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests' local servers are on loopback, which the network guard refuses: allow it, as the guard tests do."""
    monkeypatch.setattr(TrainTrace, "check_site", functools.partialmethod(TrainTrace.check_site, allow_loopback=True))
