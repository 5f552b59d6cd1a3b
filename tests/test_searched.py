"""The verdict's facts and its one line (core.searched), from plain values and through the facade and the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.app import TrainTrace
from core.catalogue.source_runs import SourceRun
from core.closeness import closeness, shape_words, variant_words
from core.datasets.descriptors import builtin_descriptors
from core.datasets.manager import DatasetInfo
from core.datasets.store import ShardState
from core.paths import AppPaths
from core.profile import Profile
from core.searched import NextStep, summarise
from tests.gui.test_models import MATCHES, WORKS

KNOWN = builtin_descriptors()


def shard(seq: int, status: str, rows: int = 1000) -> ShardState:
    return ShardState(seq, f"part-{seq}.parquet", status, 0, rows, 10, None, None)


def added(dataset_id: str, statuses: list[str], rows: int = 1000) -> DatasetInfo:
    shards = tuple(shard(seq, status, rows) for seq, status in enumerate(statuses))
    return DatasetInfo(KNOWN[dataset_id], shards, rows * len(statuses), 0)


def run(source: str, status: str, coverage: str = "full", error: str = "") -> SourceRun:
    return SourceRun(source, "2026-12-01T10:00:00+00:00", "", status, coverage, 0, 1, error)


def test_nothing_searched_says_so_and_offers_every_next_step() -> None:
    summary = summarise(WORKS, [], [], KNOWN, [], {"spawning": "Spawning"}, {}, Profile())
    line = summary.line()
    assert line.startswith("Nothing has been searched yet: 3 works fingerprinted, no dataset added and no source asked")
    assert "not found" not in line.lower() and "none of" not in line.lower()
    assert "COYO-700M, LAION-2B-en, DataComp-1B and 10 more (not added)" in line
    assert "Spawning (not asked)" in line and "your name and site (profile empty)" in line
    assert summary.next_steps() == [NextStep.DATASET, NextStep.PROFILE, NextStep.SOURCE]
    assert summary.work_status() == "not searched yet"


def test_the_verdict_rests_on_what_was_searched_and_how_much() -> None:
    datasets = [
        added("coyo-700m", ["done", "done"], rows=400_000_000),
        added("laion2b-en", ["done", "pending", "failed"]),
    ]
    runs = [run("spawning", "unavailable", error="timeout"), run("spawning", "ok"), run("huggingface", "skipped",
            "none", "skipped: nothing to ask (no added dataset is on the Hub)")]  # fmt: skip
    names = {"spawning": "Spawning", "huggingface": "Hugging Face dataset viewer"}
    profile = Profile(name="Ada")
    summary = summarise(WORKS, MATCHES, datasets, KNOWN, runs, names, names, profile)
    assert summary.found_part() == ("1 of 3 works may be listed in 2 datasets (3 to review) · your name or site: 1 row")
    assert summary.searched_part() == (
        "searched: COYO-700M (full), LAION-2B-en (partial: 1 of 3 parts), Hugging Face dataset viewer (skipped: "
        "nothing to ask (no added dataset is on the Hub)), Spawning (asked)"
    )
    assert "not searched: LAION-400M" not in summary.line()  # named first: the headline datasets
    assert summary.not_searched_part().startswith("not searched: DataComp-1B, Re-LAION-5B, ")
    assert summary.next_steps() == [] and summary.work_status() == "not found in what was searched"
    half = summarise(WORKS, [], [added("coyo-700m", ["done"], rows=2_000_000)], KNOWN, [], {}, {}, profile)
    assert half.searched[0].label() == "COYO-700M (partial: 2M of 747M rows)"
    assert half.found_part() == "None of your 3 works was found in what was searched"


def test_confirmed_works_are_said_to_be_listed() -> None:
    confirmed = [dataclasses.replace(m, status="confirmed") for m in MATCHES if m.work_id == 1]
    summary = summarise(WORKS, confirmed, [added("coyo-700m", ["done"], 10**9)], KNOWN, [], {}, {}, Profile(name="A"))
    assert summary.found_part() == "1 of 3 works is listed in 2 datasets"


def test_closeness_in_words() -> None:
    assert closeness("sha256", 0) == "the same file, byte for byte"
    assert closeness("phash", 0) == "same picture, re-encoded or resized"
    assert closeness("phash", 3) == "nearly identical"
    assert closeness("phash", 4, "bars-tb-8-black") == "nearly identical, with black bars above and below (8 % each)"
    assert closeness("phash", 0, "crop-5-right") == "same picture, cropped 5 % off the right"
    assert closeness("phash", 30) == "loosely similar: probably not the same picture"
    assert closeness("url", None, url_names_work=True) == "address on your site, names this file"
    assert closeness("text", None) == "the caption names you"
    assert variant_words("border-3.5-black") == "with a black border (3.5 % of the short side)"
    assert variant_words("flattened") == "with its transparency flattened on white" and variant_words("original") == ""
    assert shape_words(640, 427) == "landscape 3:2" and shape_words(1080, 1350) == "portrait 4:5"
    assert shape_words(500, 500) == "square"


@pytest.mark.slow
def test_status_command_prints_the_facade_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli.main import main

    assert main(["--data-dir", str(tmp_path), "status"]) == 0
    printed = capsys.readouterr().out.replace("\n", " ")
    with TrainTrace.open(AppPaths.resolve(tmp_path)) as facade:
        assert facade.search_summary().line() in printed
    assert printed.startswith("Nothing has been searched yet")
