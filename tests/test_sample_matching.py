"""End to end on the bundled samples: the sample portfolio against the three sample datasets finds every
planted match of every kind and none of the planted look-alikes (resources/sample_datasets/expected.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.app import TrainTrace
from core.catalogue.matches import Match
from core.paths import AppPaths
from core.profile import Profile
from core.resources import resource_path, sample_datasets, sample_portfolio_dir

EXPECTED = json.loads(resource_path("sample_datasets", "expected.json").read_text())
DATASET_IDS = {"coyo": "coyo-sample", "datacomp": "datacomp-sample", "laion": "laion-sample"}


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TrainTrace, list[Match]]]:
    app = TrainTrace.open(AppPaths.resolve(tmp_path_factory.mktemp("home")))
    app.set_profile(Profile.from_json(EXPECTED["profile"]))
    for dataset_id, schema, file in sample_datasets():
        report = app.add_dataset(dataset_id, schema=schema, sources=[str(file)])
        assert report.failed == () and report.rows_total == 3000
    app.scan([sample_portfolio_dir()])
    app.run_matching()
    yield app, app.matches()
    app.close()


def _key(match: Match) -> tuple[str, str, str, str | None]:
    work = Path(match.work_path).name if match.work_path else None
    return (match.dataset, match.row_id, match.kind, work)


@pytest.mark.parametrize("schema", sorted(DATASET_IDS))
def test_every_planted_match_is_found(matched: tuple[TrainTrace, list[Match]], schema: str) -> None:
    _, found = matched
    keys = {_key(m) for m in found}
    dataset = DATASET_IDS[schema]
    missing = []
    for expected in EXPECTED["datasets"][schema]["matches"]:
        work = expected["work"] if expected["kind"] in ("sha256", "phash") else None
        candidates = {k for k in keys if k[:3] == (dataset, expected["row_id"], expected["kind"])}
        if not candidates or (work is not None and (dataset, expected["row_id"], expected["kind"], work) not in keys):
            missing.append(expected)
    assert not missing, json.dumps(missing, indent=1)


@pytest.mark.parametrize("schema", sorted(DATASET_IDS))
def test_no_planted_look_alike_matches(matched: tuple[TrainTrace, list[Match]], schema: str) -> None:
    _, found = matched
    dataset = DATASET_IDS[schema]
    wrong = [
        expected
        for expected in EXPECTED["datasets"][schema]["must_not_match"]
        if any(k[:3] == (dataset, expected["row_id"], expected["kind"]) for k in map(_key, found))
    ]
    assert not wrong, json.dumps(wrong, indent=1)


def test_matches_carry_their_evidence(matched: tuple[TrainTrace, list[Match]]) -> None:
    _, found = matched
    phash = next(m for m in found if m.kind == "phash" and m.distance == 0)
    assert phash.published_hash and len(phash.published_hash) == 16 and "Hamming distance 0" in phash.evidence
    sha = next(m for m in found if m.kind == "sha256")
    assert sha.published_hash == sha.work_sha256 and sha.distance == 0
    assert all(m.coverage == "full" and m.status == "candidate" for m in found)


def test_decisions_survive_a_rerun(matched: tuple[TrainTrace, list[Match]]) -> None:
    app, found = matched
    target = found[0]
    app.decide([target.id], "confirmed", "my harbour painting")
    app.run_matching()
    again = app.get_match(target.id)
    assert again is not None and again.status == "confirmed" and again.note == "my harbour painting"
    assert again.decided_at is not None


def test_a_variant_match_records_the_variant_hash_that_matched(matched: tuple[TrainTrace, list[Match]]) -> None:
    app, found = matched
    for match in (m for m in found if m.kind == "phash"):
        assert match.local_hash is not None and match.published_hash is not None
        assert (int(match.local_hash, 16) ^ int(match.published_hash, 16)).bit_count() == match.distance
    variant_matches = [m for m in found if m.kind == "phash" and "variant" in m.evidence]
    assert variant_matches, "the sample's letterboxed and flattened copies are found through variants"
    work = app.work(variant_matches[0].work_id or 0)
    assert work is not None and variant_matches[0].local_hash != f"{work.phash:016x}"


def test_a_padded_copy_is_found_against_its_square_row_and_said_in_words(
    matched: tuple[TrainTrace, list[Match]],
) -> None:
    """The sample's letterboxed copy of launch-day.webp was padded to a square with black bars."""
    _, found = matched
    row = next(m for m in EXPECTED["datasets"]["coyo"]["matches"] if m.get("transform", "").startswith("letterbox"))
    match = next(m for m in found if m.row_id == row["row_id"] and m.kind == "phash")
    assert "padded to a square (1:1) with black bars" in match.evidence and match.score > 0.9
